#include "requests.hpp"

#include <climits>

#include "json_reader.hpp"

namespace loyalty::pos {

using nlohmann::json;

namespace {

Reply invalid(const std::string& message) {
    return Reply::failure(LOYALTY_POS_E_INVALID_JSON, message);
}

// Parses `text` as an object and hands it to `read`; the reader's first error wins.
template <class Read>
std::optional<Reply> read_object(const char* text, const std::string& what, Read&& read) {
    std::string error;
    auto object = parse_object(text, what, error);
    if (!object) return invalid(error);
    JsonReader r(*object, what);
    read(r);
    if (!r.finish()) return invalid(r.error());
    return std::nullopt;
}

int bounded_int(JsonReader& r, const char* key, std::int64_t fallback, std::int64_t lo,
                std::int64_t hi) {
    const auto v = r.integer(key, false, fallback);
    if (v < lo || v > hi) {
        r.fail(std::string("\"") + key + "\" must be between " + std::to_string(lo) + " and " +
               std::to_string(hi));
        return static_cast<int>(fallback);
    }
    return static_cast<int>(v);
}

void read_credential(JsonReader& r, ManagerCredential& c) {
    c.manager = r.text("manager", true);
    c.pin = r.text("pin", true);
}

}  // namespace

std::optional<Reply> parse_config(const char* text, SessionConfig& out) {
    return read_object(text, "config", [&](JsonReader& r) {
        out.cashier = r.text("cashier", false);
        if (r.has("categories")) out.categories = r.texts("categories");
        if (const auto* keys = r.object("trusted_keys")) {
            for (const auto& [id, hex] : keys->items()) {
                if (!hex.is_string()) return r.fail("\"trusted_keys\" maps key ids to hex strings");
                out.trusted_keys.emplace_back(id, hex.get<std::string>());
            }
        }
        out.member_code_validity_seconds =
            bounded_int(r, "member_code_validity_seconds", 60, 5, 3600);
        if (const auto* key = r.object("receipt_key")) {
            JsonReader k(*key, "config.receipt_key");
            auto id = k.text("id", true);
            auto seed = k.text("seed_hex", true);
            if (!k.finish()) return r.fail(k.error());
            out.receipt_key = std::make_pair(id, seed);
        }
        out.busy_timeout_ms = bounded_int(r, "busy_timeout_ms", 5000, 0, 600000);
        if (r.has("fixed_time")) {
            const auto fixed = r.integer("fixed_time", true);
            if (fixed < 0) return r.fail("\"fixed_time\" is seconds since 1970 and not negative");
            out.fixed_time = fixed;
        }
        out.link_config = r.text("link_config", false);
    });
}

std::optional<Reply> parse_basket(const char* text, BasketRequest& out) {
    return read_object(text, "basket", [&](JsonReader& r) {
        out.member = r.optional_text("member");
        out.receipt = r.text("receipt", false);
        out.points_to_pay = r.integer("points_to_pay", false, 0);
        out.coupons = r.texts("coupons");
        out.promo_codes = r.texts("promo_codes");
        out.member_pin = r.optional_text("member_pin");
        if (const auto* tenders = r.array("stored_value", false)) {
            int n = 0;
            for (const auto& t : *tenders) {
                const auto where = "stored_value tender " + std::to_string(++n);
                if (!t.is_object()) return r.fail(where + " must be an object");
                JsonReader tr(t, where);
                StoredValueTender tender;
                tender.card = tr.optional_text("card");
                tender.amount = Money{tr.integer("amount", true)};
                if (!tr.finish()) return r.fail(tr.error());
                out.stored_value.push_back(std::move(tender));
            }
        }
        const auto* lines = r.array("lines", true);
        if (!lines) return;
        int n = 0;
        for (const auto& l : *lines) {
            ++n;
            const auto where = "basket line " + std::to_string(n);
            if (!l.is_object()) return r.fail(where + " must be an object");
            JsonReader lr(l, where);
            BasketLine line;
            line.sku = lr.text("sku", true);
            line.category = lr.text("category", true);
            line.quantity = lr.integer("quantity", true);
            line.unit_price = Money{lr.integer("unit_price", true)};
            line.discount = Money{lr.integer("discount", false, 0)};
            if (!lr.finish()) return r.fail(lr.error());
            out.lines.push_back(std::move(line));
        }
    });
}

std::optional<Reply> parse_refund(const char* text, RefundCall& out) {
    return read_object(text, "refund", [&](JsonReader& r) {
        out.receipt = r.text("receipt", true);
        out.refund_ref = r.text("refund_ref", true);
        const auto* lines = r.array("lines", false);
        if (!lines) return;
        int n = 0;
        for (const auto& l : *lines) {
            ++n;
            const auto where = "refund line " + std::to_string(n);
            if (!l.is_object()) return r.fail(where + " must be an object");
            JsonReader lr(l, where);
            const auto line_no = lr.integer("line_no", true);
            const auto quantity = lr.integer("quantity", true);
            if (!lr.finish()) return r.fail(lr.error());
            if (line_no < 1 || line_no > INT_MAX)
                return r.fail(where + ": \"line_no\" counts from 1");
            out.lines.push_back(RefundLine{static_cast<int>(line_no), quantity});
        }
    });
}

std::optional<Reply> parse_redeem(const char* text, RedeemCall& out) {
    return read_object(text, "redemption", [&](JsonReader& r) {
        out.member = r.text("member", true);
        out.reward = r.text("reward", true);
        out.request_id = r.text("request_id", true);
    });
}

std::optional<Reply> parse_adjust(const char* text, AdjustCall& out) {
    return read_object(text, "adjustment", [&](JsonReader& r) {
        read_credential(r, out.credential);
        out.member = r.text("member", true);
        out.points = r.integer("points", true);
        out.reason = r.text("reason", true);
        out.request_id = r.text("request_id", true);
    });
}

std::optional<Reply> parse_block(const char* text, BlockCall& out) {
    return read_object(text, "card block", [&](JsonReader& r) {
        read_credential(r, out.credential);
        out.card = r.text("card", true);
        out.reason = r.text("reason", true);
    });
}

std::optional<Reply> parse_enroll(const char* text, EnrollCall& out) {
    return read_object(text, "enrollment", [&](JsonReader& r) {
        out.phone = r.text("phone", true);
        out.name = r.text("name", false);
        out.consent_privacy = r.boolean("consent_privacy", false);
        out.consent_marketing = r.boolean("consent_marketing", false);
        out.birthday_month = r.optional_integer("birthday_month");
        out.birthday_day = r.optional_integer("birthday_day");
        out.card = r.optional_text("card");
        out.request_id = r.optional_text("request_id");
    });
}

std::optional<Reply> parse_top_up(const char* text, TopUpCall& out) {
    return read_object(text, "top-up", [&](JsonReader& r) {
        out.member = r.optional_text("member");
        out.card = r.optional_text("card");
        out.amount = Money{r.integer("amount", true)};
        out.tender = r.text("tender", true);
        out.request_id = r.text("request_id", true);
    });
}

std::optional<Reply> parse_balance(const char* text, BalanceCall& out) {
    return read_object(text, "balance enquiry", [&](JsonReader& r) {
        out.member = r.optional_text("member");
        out.card = r.optional_text("card");
    });
}

std::optional<Reply> parse_top_up_refund(const char* text, TopUpRefundCall& out) {
    return read_object(text, "top-up refund", [&](JsonReader& r) {
        out.request_id = r.text("request_id", true);
        out.refund_request_id = r.text("refund_request_id", true);
        out.dry_run = r.boolean("dry_run", false);
        out.credential.manager = r.text("manager", false);
        out.credential.pin = r.text("pin", false);
    });
}

std::optional<Reply> parse_sv_adjust(const char* text, SvAdjustCall& out) {
    return read_object(text, "stored-value adjustment", [&](JsonReader& r) {
        read_credential(r, out.credential);
        out.member = r.text("member", true);
        out.principal = Money{r.integer("principal", false, 0)};
        out.bonus = Money{r.integer("bonus", false, 0)};
        out.reason = r.text("reason", true);
        out.request_id = r.text("request_id", true);
    });
}

}  // namespace loyalty::pos
