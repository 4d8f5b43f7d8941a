#pragma once
// Writes a JSON result straight into a string. The results of quote and commit
// are on the till's critical path; building a nlohmann tree only to dump and
// destroy it cost more than the rest of the ABI layer together (measured with
// pos_bench). Strings are escaped per RFC 8259; they are UTF-8 already (input
// was validated by the parser, stored text came through it or the engine).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace loyalty::pos {

class JsonWriter {
  public:
    JsonWriter& begin_object() { return open('{'); }
    JsonWriter& end_object() { return close('}'); }
    JsonWriter& begin_array() { return open('['); }
    JsonWriter& end_array() { return close(']'); }
    JsonWriter& key(std::string_view k);
    JsonWriter& value(std::int64_t v);
    JsonWriter& value(int v) { return value(static_cast<std::int64_t>(v)); }
    JsonWriter& value(bool v);
    JsonWriter& value(std::string_view v);
    JsonWriter& value(const std::string& v) { return value(std::string_view(v)); }
    JsonWriter& value(const char* v) { return value(std::string_view(v)); }
    JsonWriter& null();
    template <class T>
    JsonWriter& field(std::string_view k, const T& v) {
        return key(k).value(v);
    }
    JsonWriter& strings(std::string_view k, const std::vector<std::string>& v);

    std::string take() { return std::move(out_); }

  private:
    JsonWriter& open(char c);
    JsonWriter& close(char c);
    void separate();
    void escaped(std::string_view s);
    std::string out_;
    std::vector<bool> first_;  // per open container: nothing written in it yet
    bool after_key_ = false;
};

}  // namespace loyalty::pos
