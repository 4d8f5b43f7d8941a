// Small shared definitions: error names, money formatting, civil-date helpers.
#include <cstdio>
#include <string>

#include "loyalty/clock.hpp"
#include "loyalty/money.hpp"
#include "loyalty/result.hpp"

namespace loyalty {

const char* to_string(Errc code) {
    switch (code) {
        case Errc::invalid_argument:
            return "invalid_argument";
        case Errc::not_found:
            return "not_found";
        case Errc::conflict:
            return "conflict";
        case Errc::insufficient_points:
            return "insufficient_points";
        case Errc::blocked:
            return "blocked";
        case Errc::expired:
            return "expired";
        case Errc::already_used:
            return "already_used";
        case Errc::limit_exceeded:
            return "limit_exceeded";
        case Errc::exceeds_sale:
            return "exceeds_sale";
        case Errc::unauthorized:
            return "unauthorized";
        case Errc::corrupt_database:
            return "corrupt_database";
        case Errc::storage:
            return "storage";
        case Errc::device:
            return "device";
        case Errc::device_gone:
            return "device_gone";
        case Errc::display:
            return "display";
        case Errc::file_io:
            return "file_io";
        case Errc::unreachable:
            return "unreachable";
        case Errc::insufficient_funds:
            return "insufficient_funds";
    }
    return "unknown";
}

std::string format_money(Money m) {
    const bool negative = m.minor < 0;
    const std::int64_t abs = negative ? -m.minor : m.minor;
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s%lld.%02lld", negative ? "-" : "",
                  static_cast<long long>(abs / 100), static_cast<long long>(abs % 100));
    return buf;
}

namespace {

std::string grouped_digits(std::uint64_t magnitude) {
    const auto digits = std::to_string(magnitude);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

// |n| without overflow for the smallest int64.
std::uint64_t magnitude(std::int64_t n) {
    return n < 0 ? 0 - static_cast<std::uint64_t>(n) : static_cast<std::uint64_t>(n);
}

}  // namespace

std::string group_thousands(std::int64_t n) {
    return (n < 0 ? "-" : "") + grouped_digits(magnitude(n));
}

std::string format_money_grouped(Money m) {
    const auto abs = magnitude(m.minor);
    char cents[4];
    std::snprintf(cents, sizeof cents, ".%02u", static_cast<unsigned>(abs % 100));
    return (m.minor < 0 ? "-" : "") + grouped_digits(abs / 100) + cents;
}

std::string format_money_for_people(Money m, const std::string& currency) {
    if (currency == "CNY")
        return m.minor < 0 ? "-¥" + format_money_grouped(Money{0 - m.minor})
                           : "¥" + format_money_grouped(m);
    return format_money_grouped(m) + " " + currency;
}

std::int64_t mul_div(std::int64_t a, std::int64_t b, std::int64_t c) {
    __extension__ using Wide = __int128;
    return static_cast<std::int64_t>(static_cast<Wide>(a) * b / c);
}

LocalDate local_date(Timestamp t, int utc_offset_minutes) {
    using namespace std::chrono;
    const auto local = t + minutes{utc_offset_minutes};
    const year_month_day ymd{floor<days>(local)};
    return LocalDate{static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day())};
}

Timestamp local_midnight(Timestamp t, int utc_offset_minutes) {
    using namespace std::chrono;
    const auto local = t + minutes{utc_offset_minutes};
    return time_point_cast<seconds>(floor<days>(local)) - minutes{utc_offset_minutes};
}

Timestamp parse_local_date(const char* text, int utc_offset_minutes) {
    int y = 0;
    unsigned m = 0, d = 0;
    if (std::sscanf(text, "%d-%u-%u", &y, &m, &d) != 3) return Timestamp{};
    using namespace std::chrono;
    const sys_days midnight{year{y} / month{m} / std::chrono::day{d}};
    return time_point_cast<seconds>(midnight) - minutes{utc_offset_minutes};
}

std::string format_iso8601(Timestamp t) {
    using namespace std::chrono;
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{t - day};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    return buf;
}

std::string format_local_time(Timestamp t, int utc_offset_minutes) {
    // The ISO form of the shifted instant, cut to the minute, without its T and Z.
    auto iso = format_iso8601(t + std::chrono::minutes{utc_offset_minutes});
    iso[10] = ' ';
    return iso.substr(0, 16);
}

}  // namespace loyalty
