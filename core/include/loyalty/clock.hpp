#pragma once
// Time enters the engine only through a Clock, so tests can stand on a fixed
// date and walk through expiry, return windows and tier evaluation dates.
#include <chrono>
#include <cstdint>
#include <string>

namespace loyalty {

using Timestamp = std::chrono::sys_seconds;
using Days = std::chrono::days;

inline std::int64_t to_unix(Timestamp t) {
    return t.time_since_epoch().count();
}
inline Timestamp from_unix(std::int64_t s) {
    return Timestamp{std::chrono::seconds{s}};
}

class Clock {
  public:
    virtual ~Clock() = default;
    virtual Timestamp now() const = 0;
};

class SystemClock final : public Clock {
  public:
    Timestamp now() const override {
        return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    }
};

// A clock the test (or the demo generator) moves by hand.
class ManualClock final : public Clock {
  public:
    explicit ManualClock(Timestamp start) : now_(start) {}
    Timestamp now() const override { return now_; }
    void set(Timestamp t) { now_ = t; }
    void advance(std::chrono::seconds by) { now_ += by; }

  private:
    Timestamp now_;
};

// Civil date helpers in a program's local time (programs state their UTC offset:
// a "day" for caps and birthdays is the shopper's day, not UTC's).
struct LocalDate {
    int year;
    unsigned month;  // 1..12
    unsigned day;    // 1..31
};
LocalDate local_date(Timestamp t, int utc_offset_minutes);
Timestamp local_midnight(Timestamp t, int utc_offset_minutes);  // start of t's local day
Timestamp parse_local_date(const char* yyyy_mm_dd, int utc_offset_minutes);  // local midnight
std::string format_iso8601(Timestamp t);
// "2026-12-05 14:03" in the program's local time: for people (screens, receipts, reports).
std::string format_local_time(Timestamp t, int utc_offset_minutes);

}  // namespace loyalty
