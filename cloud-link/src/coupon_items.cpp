#include "coupon_items.hpp"

#include "json_fields.hpp"

namespace loyalty::sync {

nlohmann::json coupon_item(const Coupon& c, const std::string& member_uid) {
    return nlohmann::json{{"key", c.code},
                          {"version", 1},
                          {"member_uid", member_uid},
                          {"title", c.title},
                          {"value", c.value.minor},
                          {"min_spend", c.min_spend.minor},
                          {"issued_at", to_unix(c.issued_at)},
                          {"expires_at", to_unix(c.expires_at)},
                          {"source", c.source}};
}

Coupon coupon_of_item(const DownItem& item, const std::string& program, MemberId member) {
    const auto j = nlohmann::json::parse(item.body, nullptr, false);
    Coupon c;
    c.code = item.key;
    c.program = program;
    c.member = member;
    c.source = text_field(j, "source", "hub");
    c.title = text_field(j, "title");
    c.value = Money{int_field(j, "value")};
    c.min_spend = Money{int_field(j, "min_spend")};
    c.issued_at = from_unix(int_field(j, "issued_at"));
    c.expires_at = from_unix(int_field(j, "expires_at"));
    return c;
}

}  // namespace loyalty::sync
