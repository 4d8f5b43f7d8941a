#include "loyalty/sync/requests.hpp"

#include "loyalty/event_fields.hpp"
#include "wire_envelope.hpp"

namespace loyalty::sync {

using nlohmann::json;

namespace {

// Identities, codes and ids a request may carry: short text, nothing a log or a
// SQL LIKE could choke on.
constexpr std::size_t max_value_bytes = 256;

bool known_identify_kind(const std::string& by) {
    for (const char* k : {"uid", "phone", "card_number", "card_uid", "barcode", "app_code", "any"})
        if (by == k) return true;
    return false;
}

bool known_sms_purpose(const std::string& purpose) {
    return purpose == sms_purpose::enroll || purpose == sms_purpose::pin_reset;
}

// E.164 as the terminal's engine normalises it: "+", then 8 to 15 digits.
bool e164(const std::string& phone) {
    if (phone.size() < 9 || phone.size() > 16 || phone[0] != '+') return false;
    for (std::size_t i = 1; i < phone.size(); ++i)
        if (phone[i] < '0' || phone[i] > '9') return false;
    return true;
}

}  // namespace

std::string encode_request(const HubRequest& r) {
    json j{{"v", protocol_version}, {"kind", r.kind}};
    if (r.kind == request_kind::sms_code || r.kind == request_kind::sms_check) {
        j["phone"] = r.value;
        j["purpose"] = r.purpose;
        if (r.kind == request_kind::sms_check) j["code"] = r.code;
    } else if (r.kind == request_kind::identify) {
        j["by"] = r.by;
        j["value"] = r.value;
    } else {
        j["auth"] = r.auth;
        if (r.kind == request_kind::authorize) {
            j["member"] = r.member_uid;
            j["points"] = r.points;
        } else if (r.kind == request_kind::authorize_sv) {
            if (r.card.empty())
                j["member"] = r.member_uid;
            else
                j["card"] = r.card;
            j["amount"] = r.amount;
        }
    }
    return j.dump();
}

Result<HubRequest> decode_request(std::string_view payload) {
    auto j = envelope(payload, nullptr);
    if (!j) return j.error();
    HubRequest r;
    field(*j, "kind", r.kind);
    if (r.kind == request_kind::identify) {
        if (!field(*j, "by", r.by) || !field(*j, "value", r.value))
            return bad(reason::malformed, "identify needs by and value");
        if (!known_identify_kind(r.by)) return bad(reason::malformed, "identify by " + r.by);
        if (r.value.empty() || r.value.size() > max_value_bytes)
            return bad(reason::malformed,
                       "identify value of " + std::to_string(r.value.size()) + " bytes");
        return r;
    }
    if (r.kind == request_kind::sms_code || r.kind == request_kind::sms_check) {
        if (!field(*j, "phone", r.value) || !e164(r.value))
            return bad(reason::malformed, r.kind + " needs a phone in E.164 (+8613800138000)");
        if (!field(*j, "purpose", r.purpose) || !known_sms_purpose(r.purpose))
            return bad(reason::malformed, r.kind + " purpose must be enroll or pin_reset");
        if (r.kind == request_kind::sms_check &&
            (!field(*j, "code", r.code) || r.code.empty() || r.code.size() > 12))
            return bad(reason::malformed, "sms_check needs the code typed");
        return r;
    }
    if (r.kind != request_kind::authorize && r.kind != request_kind::release &&
        r.kind != request_kind::authorize_sv)
        return bad(reason::unknown_kind, r.kind);
    if (!field(*j, "auth", r.auth) || r.auth.empty() || r.auth.size() > max_value_bytes)
        return bad(reason::malformed, r.kind + " needs an auth id of at most 256 bytes");
    if (r.kind == request_kind::release) return r;
    if (r.kind == request_kind::authorize_sv) {
        const bool by_member = j->contains("member");
        const bool by_card = j->contains("card");
        if (by_member == by_card)
            return bad(reason::malformed, "authorize_sv names a member or a card, exactly one");
        auto& holder = by_member ? r.member_uid : r.card;
        if (!field(*j, by_member ? "member" : "card", holder) || holder.empty() ||
            holder.size() > max_value_bytes)
            return bad(reason::malformed, "authorize_sv needs its member or card as text");
        if (!field(*j, "amount", r.amount) || r.amount <= 0 || r.amount > max_event_amount)
            return bad(reason::malformed, "amount must be fen in [1, 10^15]");
        return r;
    }
    if (!field(*j, "member", r.member_uid) || r.member_uid.empty() ||
        r.member_uid.size() > max_value_bytes || !field(*j, "points", r.points))
        return bad(reason::malformed, "authorize needs member and points");
    if (r.points <= 0 || r.points > max_event_points)
        return bad(reason::malformed, "points must be in [1, 10^12]");
    return r;
}

std::string encode_answer(const HubAnswer& a) {
    json j{{"v", protocol_version}, {"kind", "answer"},     {"to", a.to},
           {"status", a.status},    {"program", a.program}, {"hub_time_ms", a.hub_time_ms}};
    if (!a.detail.empty()) j["detail"] = a.detail;
    if (!a.reason.empty()) j["reason"] = a.reason;
    if (a.to == request_kind::sms_code && a.status == answer_status::sent)
        j["expires_at_ms"] = a.expires_at_ms;
    if (a.retry_after_ms > 0) j["retry_after_ms"] = a.retry_after_ms;
    if (a.member) {
        const auto& m = *a.member;
        json ids = json::array();
        for (const auto& [kind, value] : m.identities)
            ids.push_back(json{{"kind", kind}, {"value", value}});
        json cards = json::array();
        for (const auto& c : m.cards)
            cards.push_back(
                json{{"number", c.number}, {"uid", c.uid}, {"form", c.form}, {"status", c.status}});
        j["member"] = json{{"uid", m.uid},
                           {"status", m.status},
                           {"home_store", m.home_store},
                           {"enrolled_at", m.enrolled_at},
                           {"consent_marketing", m.consent_marketing},
                           {"identities", std::move(ids)},
                           {"cards", std::move(cards)}};
    }
    if (a.snapshot) j["snapshot"] = json::parse(a.snapshot->body, nullptr, false);
    if (a.snapshot || !a.through.empty()) j["through"] = a.through;
    if (!a.coupons.empty()) {
        json arr = json::array();
        for (const auto& c : a.coupons) arr.push_back(json::parse(c.body, nullptr, false));
        j["coupons"] = std::move(arr);
    }
    if (!a.auth.empty()) {
        j["auth"] = a.auth;
        j["points"] = a.points;
        j["available"] = a.available;
        j["expires_at_ms"] = a.expires_at_ms;
        if (a.to == request_kind::authorize_sv) j["amount"] = a.amount;
        if (a.card_balance)
            j["card_balance"] = json{{"principal", a.card_balance->first},
                                     {"bonus", a.card_balance->second},
                                     {"expires_at", a.card_expires_at}};
    }
    return j.dump();
}

namespace {

// A versioned down item inside an answer ({"key", "version", ...}), kept whole.
std::optional<DownItem> item_of(const json& it, const char* kind) {
    DownItem d;
    d.kind = kind;
    if (!it.is_object() || !field(it, "key", d.key) || !field(it, "version", d.version) ||
        d.key.empty() || d.version < 0)
        return std::nullopt;
    d.body = it.dump();
    return d;
}

Result<AnsweredMember> member_of(const json& m) {
    AnsweredMember out;
    if (!m.is_object() || !field(m, "uid", out.uid) || out.uid.empty() ||
        !field(m, "status", out.status))
        return bad(reason::malformed, "an answered member needs uid and status");
    field(m, "home_store", out.home_store);
    field(m, "enrolled_at", out.enrolled_at);
    if (auto c = m.find("consent_marketing"); c != m.end() && c->is_boolean())
        out.consent_marketing = c->get<bool>();
    if (auto ids = m.find("identities"); ids != m.end() && ids->is_array())
        for (const auto& i : *ids) {
            std::string kind, value;
            if (i.is_object() && field(i, "kind", kind) && field(i, "value", value) &&
                !value.empty())
                out.identities.emplace_back(kind, value);
        }
    if (auto cards = m.find("cards"); cards != m.end() && cards->is_array())
        for (const auto& c : *cards) {
            AnsweredCard card;
            if (!c.is_object() || !field(c, "number", card.number) || card.number.empty()) continue;
            field(c, "uid", card.uid);
            field(c, "form", card.form);
            field(c, "status", card.status);
            out.cards.push_back(std::move(card));
        }
    return out;
}

}  // namespace

Result<HubAnswer> decode_answer(std::string_view payload) {
    auto j = envelope(payload, "answer");
    if (!j) return j.error();
    HubAnswer a;
    if (!field(*j, "to", a.to) || !field(*j, "status", a.status))
        return bad(reason::malformed, "an answer needs to and status");
    field(*j, "detail", a.detail);
    field(*j, "reason", a.reason);
    field(*j, "retry_after_ms", a.retry_after_ms);
    field(*j, "program", a.program);
    field(*j, "hub_time_ms", a.hub_time_ms);
    if (auto m = j->find("member"); m != j->end()) {
        auto member = member_of(*m);
        if (!member) return member.error();
        a.member = std::move(member.value());
    }
    if (auto s = j->find("snapshot"); s != j->end()) {
        a.snapshot = item_of(*s, "snapshots");
        if (!a.snapshot) return bad(reason::malformed, "a snapshot needs key and version");
        if (a.member && a.snapshot->key != a.member->uid)
            return bad(reason::malformed, "the snapshot is of another member");
    }
    if (auto th = j->find("through"); th != j->end() && th->is_object())
        for (const auto& [terminal, seq] : th->items())
            if (auto v = exact_integer<std::int64_t>(seq); v && *v >= 0) a.through[terminal] = *v;
    if (auto cs = j->find("coupons"); cs != j->end() && cs->is_array())
        for (const auto& c : *cs)
            if (auto item = item_of(c, "coupon_issue")) a.coupons.push_back(std::move(*item));
    field(*j, "auth", a.auth);
    field(*j, "points", a.points);
    field(*j, "available", a.available);
    field(*j, "expires_at_ms", a.expires_at_ms);
    field(*j, "amount", a.amount);
    if (auto cb = j->find("card_balance"); cb != j->end()) {
        std::int64_t principal = -1, bonus = -1;
        if (!cb->is_object() || !field(*cb, "principal", principal) ||
            !field(*cb, "bonus", bonus) || principal < 0 || bonus < 0 ||
            principal > max_event_amount || bonus > max_event_amount)
            return bad(reason::malformed, "card_balance needs principal and bonus in fen");
        a.card_balance = std::pair(principal, bonus);
        field(*cb, "expires_at", a.card_expires_at);
    }
    return a;
}

}  // namespace loyalty::sync
