#pragma once
// Every JSON text that comes from outside (a store's MQTT message, a till's request, a
// program or campaign file, a signed code's payload) is measured here before it is
// parsed: nesting deeper than any document of ours means a hostile or broken sender,
// and a parsed tree that deep would exhaust the stack when it is copied or printed.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace loyalty {

// Our deepest document (a campaign with a nested member filter) is 8 levels deep.
inline constexpr int kMaxJsonDepth = 32;

// The largest texts read from outside, documented where each is read: a till's request
// (a 1,000-line basket is about 150 KB) and a program or campaign file (2,000 campaigns
// are about 1.2 MB). The hub's messages have their own (cloud-link/PROTOCOL.md).
inline constexpr std::size_t kMaxRequestBytes = std::size_t{1} << 20;
inline constexpr std::size_t kMaxConfigFileBytes = std::size_t{4} << 20;

// Why the text may not be parsed (too deep), or nullopt. Brackets inside strings do not
// count; the text need not be valid JSON (the parser says what else is wrong).
std::optional<std::string> json_nesting_refusal(std::string_view text,
                                                int max_depth = kMaxJsonDepth);

}  // namespace loyalty
