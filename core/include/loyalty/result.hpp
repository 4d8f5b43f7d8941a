#pragma once
// Errors as values at the engine's boundary. C++20 has no std::expected, so a
// small Result<T> carries either a value or an Error with a code a caller can act
// on and a one-line message a person can read.
#include <string>
#include <utility>
#include <variant>

namespace loyalty {

enum class Errc {
    invalid_argument,     // malformed input: the caller must fix the request
    not_found,            // unknown member, card, receipt, coupon, reward...
    conflict,             // same idempotency key with different content, identity already taken
    insufficient_points,  // a debit larger than the available balance
    blocked,              // blocked or lost card, closed or merged account
    expired,              // expired coupon or code
    already_used,         // single-use coupon or code used before
    limit_exceeded,       // caps, stock, offline limits
    exceeds_sale,         // a refund larger than what was sold, or of a sale already fully refunded
    unauthorized,         // manager credential missing or wrong
    corrupt_database,     // integrity check failed: refuse to run
    storage,              // SQLite failed (disk full, I/O error)
    device,               // a reader, scanner or printer failed a transfer or a write
    device_gone,          // the device was unplugged (libusb reported LIBUSB_ERROR_NO_DEVICE)
    display,              // the window or renderer could not be created (SDL)
    file_io,              // a file (export, state, report) could not be written
    unreachable,          // the member hub did not answer in time (the link is down)
    insufficient_funds,   // a stored-value payment larger than the balance it may draw on
};

const char* to_string(Errc code);

struct Error {
    Errc code;
    std::string message;
};

template <class T>
class [[nodiscard]] Result {
  public:
    Result(T value) : state_(std::move(value)) {}
    Result(Error error) : state_(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(state_); }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<T>(state_); }
    const T& value() const& { return std::get<T>(state_); }
    T&& value() && { return std::get<T>(std::move(state_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const { return std::get<Error>(state_); }

  private:
    std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), failed_(true) {}

    bool ok() const { return !failed_; }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return error_; }

  private:
    Error error_{Errc::invalid_argument, {}};
    bool failed_ = false;
};

inline Error make_error(Errc code, std::string message) {
    return Error{code, std::move(message)};
}

}  // namespace loyalty
