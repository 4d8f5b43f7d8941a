#include "json_writer.hpp"

namespace loyalty::pos {

void JsonWriter::separate() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (!first_.empty()) {
        if (!first_.back()) out_ += ',';
        first_.back() = false;
    }
}

JsonWriter& JsonWriter::open(char c) {
    separate();
    out_ += c;
    first_.push_back(true);
    return *this;
}

JsonWriter& JsonWriter::close(char c) {
    first_.pop_back();
    out_ += c;
    return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
    separate();
    escaped(k);
    out_ += ':';
    after_key_ = true;
    return *this;
}

JsonWriter& JsonWriter::value(std::int64_t v) {
    separate();
    out_ += std::to_string(v);
    return *this;
}

JsonWriter& JsonWriter::value(bool v) {
    separate();
    out_ += v ? "true" : "false";
    return *this;
}

JsonWriter& JsonWriter::value(std::string_view v) {
    separate();
    escaped(v);
    return *this;
}

JsonWriter& JsonWriter::null() {
    separate();
    out_ += "null";
    return *this;
}

JsonWriter& JsonWriter::strings(std::string_view k, const std::vector<std::string>& v) {
    key(k).begin_array();
    for (const auto& s : v) value(s);
    return end_array();
}

void JsonWriter::escaped(std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out_ += '"';
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"':
                out_ += "\\\"";
                break;
            case '\\':
                out_ += "\\\\";
                break;
            case '\n':
                out_ += "\\n";
                break;
            case '\r':
                out_ += "\\r";
                break;
            case '\t':
                out_ += "\\t";
                break;
            default:
                if (c < 0x20) {
                    out_ += "\\u00";
                    out_ += kHex[c >> 4];
                    out_ += kHex[c & 0xf];
                } else {
                    out_ += ch;
                }
        }
    }
    out_ += '"';
}

}  // namespace loyalty::pos
