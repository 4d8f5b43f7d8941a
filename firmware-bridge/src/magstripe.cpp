#include "loyalty/devices/magstripe.hpp"

#include <algorithm>
#include <cctype>

namespace loyalty::devices {
namespace {

Error refuse(std::string reason) {
    return make_error(Errc::invalid_argument, std::move(reason));
}

bool all_digits(std::string_view s) {
    return std::ranges::all_of(s, [](char c) { return c >= '0' && c <= '9'; });
}

// The LRC is the XOR of every character's data bits from the start sentinel to the
// end sentinel inclusive; characters are 5-bit (4 data + parity) on track 2 and
// 7-bit (6 data + parity) on track 1, written here as ASCII offsets.
char lrc(std::string_view framed, char base, unsigned mask) {
    unsigned acc = 0;
    for (char c : framed)
        acc ^= static_cast<unsigned>(static_cast<unsigned char>(c) -
                                     static_cast<unsigned char>(base)) &
               mask;
    return static_cast<char>(static_cast<unsigned>(base) + acc);
}

// Splits off sentinels and checks the optional LRC. Returns the body between them.
Result<std::string_view> unframe(std::string_view track, char start, char base, unsigned mask,
                                 bool& lrc_checked, const char* name) {
    if (track.empty()) return refuse(std::string(name) + ": empty");
    if (track.front() != start)
        return refuse(std::string(name) + ": missing start sentinel '" + start + "'");
    const auto end = track.find('?');
    if (end == std::string_view::npos)
        return refuse(std::string(name) + ": missing end sentinel '?' (truncated swipe)");
    const auto rest = track.substr(end + 1);
    if (rest.size() > 1) return refuse(std::string(name) + ": data after the end sentinel");
    lrc_checked = false;
    if (rest.size() == 1) {
        if (rest[0] != lrc(track.substr(0, end + 1), base, mask))
            return refuse(std::string(name) + ": LRC mismatch (misread swipe)");
        lrc_checked = true;
    }
    return track.substr(1, end - 1);
}

Result<std::string> check_pan(std::string_view pan, const char* name) {
    if (pan.empty()) return refuse(std::string(name) + ": empty account number");
    if (pan.size() > 19)
        return refuse(std::string(name) + ": account number longer than 19 digits");
    if (!all_digits(pan)) return refuse(std::string(name) + ": account number is not all digits");
    return std::string(pan);
}

// YYMM + 3-digit service code + discretionary data, shared by both tracks.
Result<void> split_tail(std::string_view tail, std::string& expiry, std::string& service,
                        std::string& disc, const char* name) {
    if (tail.size() < 7 || !all_digits(tail.substr(0, 7)))
        return refuse(std::string(name) +
                      ": expiry (YYMM) and service code must follow the separator");
    expiry = std::string(tail.substr(0, 4));
    const int month = (expiry[2] - '0') * 10 + (expiry[3] - '0');
    if (month < 1 || month > 12) return refuse(std::string(name) + ": expiry month out of range");
    service = std::string(tail.substr(4, 3));
    disc = std::string(tail.substr(7));
    return {};
}

}  // namespace

Result<Track2> parse_track2(std::string_view track) {
    Track2 out;
    auto body = unframe(track, ';', '0', 0x0F, out.lrc_checked, "track 2");
    if (!body) return body.error();
    // Track 2 encodes only 0-9 : ; < = > ? ; inside the sentinels only digits and '='.
    for (char c : *body)
        if (!(c >= '0' && c <= '9') && c != '=')
            return refuse("track 2: character outside the track 2 set");
    const auto sep = body->find('=');
    if (sep == std::string_view::npos) return refuse("track 2: missing field separator '='");
    auto pan = check_pan(body->substr(0, sep), "track 2");
    if (!pan) return pan.error();
    out.pan = std::move(*pan);
    auto tail = split_tail(body->substr(sep + 1), out.expiry_yymm, out.service_code,
                           out.discretionary, "track 2");
    if (!tail) return tail.error();
    if (out.discretionary.find('=') != std::string::npos)
        return refuse("track 2: more than one field separator");
    return out;
}

Result<Track1> parse_track1(std::string_view track) {
    Track1 out;
    auto body = unframe(track, '%', ' ', 0x3F, out.lrc_checked, "track 1");
    if (!body) return body.error();
    for (char c : *body)
        if (c < 0x20 || c > 0x5F) return refuse("track 1: character outside the track 1 set");
    if (body->empty() || body->front() != 'B') return refuse("track 1: format code must be 'B'");
    const auto sep1 = body->find('^');
    if (sep1 == std::string_view::npos)
        return refuse("track 1: missing field separator '^' after the account");
    const auto sep2 = body->find('^', sep1 + 1);
    if (sep2 == std::string_view::npos)
        return refuse("track 1: missing field separator '^' after the name");
    auto pan = check_pan(body->substr(1, sep1 - 1), "track 1");
    if (!pan) return pan.error();
    out.pan = std::move(*pan);
    const auto name = body->substr(sep1 + 1, sep2 - sep1 - 1);
    if (name.size() < 2 || name.size() > 26)
        return refuse("track 1: name must be 2 to 26 characters");
    out.name = std::string(name);
    while (!out.name.empty() && out.name.back() == ' ') out.name.pop_back();
    auto tail = split_tail(body->substr(sep2 + 1), out.expiry_yymm, out.service_code,
                           out.discretionary, "track 1");
    if (!tail) return tail.error();
    return out;
}

Result<Swipe> parse_swipe(std::string_view text) {
    Swipe swipe;
    std::string reasons;
    const auto t1 = text.find('%');
    const auto t2 = text.find(';');
    if (t1 == std::string_view::npos && t2 == std::string_view::npos)
        return refuse("swipe: no track start sentinel ('%' or ';')");
    if (t1 != std::string_view::npos) {
        const auto end = t2 != std::string_view::npos && t2 > t1 ? t2 : text.size();
        auto r = parse_track1(text.substr(t1, end - t1));
        if (r)
            swipe.track1 = std::move(*r);
        else
            reasons = r.error().message;
    }
    if (t2 != std::string_view::npos) {
        const auto end = t1 != std::string_view::npos && t1 > t2 ? t1 : text.size();
        auto r = parse_track2(text.substr(t2, end - t2));
        if (r)
            swipe.track2 = std::move(*r);
        else
            reasons += (reasons.empty() ? "" : "; ") + r.error().message;
    }
    if (!swipe.track1 && !swipe.track2) return refuse(reasons);
    return swipe;
}

}  // namespace loyalty::devices
