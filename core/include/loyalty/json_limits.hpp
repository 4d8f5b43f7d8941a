#pragma once
// Every JSON text that comes from outside (a store's MQTT message, a till's request, a
// program or campaign file, a signed code's payload) is measured here before it is
// parsed: nesting deeper than any document of ours means a hostile or broken sender,
// and a parsed tree that deep would exhaust the stack when it is copied or printed.
#include <optional>
#include <string>
#include <string_view>

namespace loyalty {

// Our deepest document (a campaign with a nested member filter) is 8 levels deep.
inline constexpr int kMaxJsonDepth = 32;

// Why the text may not be parsed (too deep), or nullopt. Brackets inside strings do not
// count; the text need not be valid JSON (the parser says what else is wrong).
std::optional<std::string> json_nesting_refusal(std::string_view text, int max_depth = kMaxJsonDepth);

}  // namespace loyalty
