#pragma once
// Private to core: JSON text written straight into a string, for the events and
// records a sale writes on every commit. Building an nlohmann::json tree (a map
// node and a string per key) and dumping it cost a fifth of a sale's CPU.
//
// The text is byte for byte what nlohmann::json::dump() gives for the same
// document, so stored fingerprints and shipped payloads do not change: write an
// object's keys in byte order (as nlohmann's std::map keeps them). Strings that
// need escaping or hold non-ASCII bytes go through nlohmann itself, so escaping
// and UTF-8 checks are its own.
#include <charconv>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loyalty {

class JsonText {
  public:
    JsonText& begin_object() { return open('{'); }
    JsonText& end_object() { return close('}'); }
    JsonText& begin_array() { return open('['); }
    JsonText& end_array() { return close(']'); }

    // An object member's name; its value follows. Names are plain ASCII literals.
    JsonText& key(std::string_view name) {
        separate();
        out_ += '"';
        out_ += name;
        out_ += "\":";
        after_key_ = true;
        return *this;
    }

    JsonText& value(std::int64_t v) {
        separate();
        char buf[24];
        const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
        out_.append(buf, end);
        return *this;
    }
    JsonText& value(int v) { return value(static_cast<std::int64_t>(v)); }
    JsonText& value(bool v) {
        separate();
        out_ += v ? "true" : "false";
        return *this;
    }
    JsonText& value(std::string_view s) {
        separate();
        if (plain(s)) {
            out_ += '"';
            out_ += s;
            out_ += '"';
        } else {
            out_ += nlohmann::json(std::string(s)).dump();
        }
        return *this;
    }
    JsonText& value(const char* s) { return value(std::string_view(s)); }
    JsonText& value(const std::string& s) { return value(std::string_view(s)); }
    JsonText& null() {
        separate();
        out_ += "null";
        return *this;
    }
    template <class T>
    JsonText& value(const std::optional<T>& v) {
        return v ? value(*v) : null();
    }
    JsonText& value(const std::vector<std::string>& list) {
        begin_array();
        for (const auto& s : list) value(s);
        return end_array();
    }
    // Text that is already JSON (a nested document written elsewhere).
    JsonText& raw(std::string_view json) {
        separate();
        out_ += json;
        return *this;
    }

    template <class T>
    JsonText& field(std::string_view name, const T& v) {
        key(name);
        return value(v);
    }

    const std::string& str() const { return out_; }
    std::string take() { return std::move(out_); }

  private:
    // Printable ASCII without quote or backslash is written as it is by nlohmann too.
    static bool plain(std::string_view s) {
        for (const unsigned char c : s)
            if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
        return true;
    }
    JsonText& open(char c) {
        separate();
        out_ += c;
        first_.push_back(true);
        return *this;
    }
    JsonText& close(char c) {
        out_ += c;
        first_.pop_back();
        return *this;
    }
    // A comma before every element but the first of its container; none after a key.
    void separate() {
        if (after_key_) {
            after_key_ = false;
            return;
        }
        if (first_.empty()) return;
        if (first_.back())
            first_.back() = false;
        else
            out_ += ',';
    }

    std::string out_;
    std::vector<bool> first_;
    bool after_key_ = false;
};

}  // namespace loyalty
