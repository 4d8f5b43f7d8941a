// loyalty-pos: every call of libloyalty_pos from the command line, for scripts
// and support staff. It uses only the public C ABI, like any till.
//   loyalty-pos --db store.db identify 13900000001
//   loyalty-pos --db store.db commit @basket.json
//   loyalty-pos --db store.db enroll --phone 13800138000 --consent-privacy --card 8800...
// Results are the ABI's JSON on stdout; a failure is one line on stderr and
// the exit status is the ABI status code.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "loyalty_pos.h"

namespace {

// "-" reads stdin, "@path" reads a file, anything else is the JSON itself.
bool read_argument(const std::string& arg, std::string& out) {
    if (arg == "-") {
        out.assign(std::istreambuf_iterator<char>(std::cin), {});
        return true;
    }
    if (!arg.empty() && arg[0] == '@') {
        std::ifstream in(arg.substr(1));
        if (!in) return false;
        std::ostringstream s;
        s << in.rdbuf();
        out = s.str();
        return true;
    }
    out = arg;
    return true;
}

// The basket of quote and commit, as requests.cpp reads it.
constexpr const char* kBasketFields =
    "  member       <uid> from identify; absent: a non-member sale\n"
    "  receipt      the receipt number (commit: required; the same again replays)\n"
    "  lines        [{sku, category, quantity, unit_price (fen), discount (fen, optional)}] "
    "(required)\n"
    "  points_to_pay  points paying part of the bill, in the program's steps (100)\n"
    "  coupons      [coupon codes]; promo_codes: [codes typed or scanned]\n"
    "  member_pin   the member's PIN (a balance payment above the program's limit)\n"
    "  stored_value [{amount} from the member's balance | {card, amount} a gift card]";

int report(int status, char* json) {
    if (status == LOYALTY_POS_OK) {
        std::printf("%s\n", json ? json : "{}");
    } else {
        std::fprintf(stderr, "loyalty-pos: %s: %s\n", loyalty_pos_status_name(status),
                     loyalty_pos_last_error());
    }
    loyalty_pos_free(json);
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"loyalty-pos: the till's loyalty calls (libloyalty_pos) from the command line"};
    app.require_subcommand(1);
    std::string db = "store.db", program = "DEMO", store = "S001", terminal = "T01", config;
    app.add_option("--db", db, "store database")->capture_default_str();
    app.add_option("--program", program, "program code")->capture_default_str();
    app.add_option("--store", store, "store code")->capture_default_str();
    app.add_option("--terminal", terminal, "terminal id")->capture_default_str();
    app.add_option("--config", config, "session config JSON (or @file)");

    std::string argument;
    auto* version = app.add_subcommand("version", "library version and ABI");
    version->footer("\nExample:\n  loyalty-pos version");
    auto* sync = app.add_subcommand("sync-status", "outbox backlog not yet shipped to the hub");
    sync->footer("\nExample:\n  loyalty-pos --db store.db sync-status");
    // Each call's --help lists the request's fields (the names requests.cpp reads; the rest is
    // in loyalty_pos.h) and ends with one example. tests/pos-plugin/test_cli.py runs every
    // example against a seeded store, with <uid> put in from identify, so they cannot drift.
    struct Call {
        const char* name;
        const char* help;
        const char* what;
        const char* fields;
        const char* example;
    };
    const Call calls[] = {
        {"identify", "identify a member from a card, phone or member QR code", "scanned",
         "The scanned text: a printed card number, a phone number, a card's UID or a member QR "
         "code.\nThe result's \"member\" is the <uid> the other calls take.",
         "identify 13900000001"},
        {"quote", "price a basket for a member (writes nothing)", "basket JSON, @file or -",
         kBasketFields,
         R"(quote '{"member": "<uid>", "lines": [{"sku": "TS-1001", "category": "apparel", )"
         R"("quantity": 2, "unit_price": 19900}], "points_to_pay": 100}')"},
        {"commit", "commit a sale (idempotent by receipt)", "basket JSON with receipt, @file or -",
         kBasketFields,
         R"(commit '{"receipt": "R-0001", "member": "<uid>", "lines": [{"sku": "TS-1001", )"
         R"("category": "apparel", "quantity": 2, "unit_price": 19900, "discount": 1000}], )"
         R"("points_to_pay": 100}')"},
        {"refund", "refund all or part of a sale", "refund JSON, @file or -",
         "  receipt     the sale's receipt number (required)\n"
         "  refund_ref  the refund slip's number: the same again replays (required)\n"
         "  lines       [{line_no (from 1), quantity}]; absent: everything not refunded yet",
         R"(refund '{"receipt": "R-0001", "refund_ref": "RF-0001", )"
         R"("lines": [{"line_no": 1, "quantity": 1}]}')"},
        {"void", "void the session's last sale", "receipt",
         "The receipt of this terminal's last sale, taken back whole before any refund.",
         "void R-0001"},
        {"redeem", "redeem a reward for points", "redemption JSON, @file or -",
         "  member      <uid> (required)\n"
         "  reward      the reward's code, as in the program file (required)\n"
         "  request_id  idempotency: the same again replays (required)",
         R"(redeem '{"member": "<uid>", "reward": "CPN-20", "request_id": "RD-0001"}')"},
        {"adjust", "manager's manual points adjustment", "adjustment JSON, @file or -",
         "  manager, pin  a manager's staff id and PIN (required; a wrong PIN counts to the "
         "lockout)\n"
         "  member        <uid> (required)\n"
         "  points        points to add, negative to take away (required)\n"
         "  reason        why, kept in the audit trail (required)\n"
         "  request_id    idempotency (required)",
         R"(adjust '{"manager": "m-01", "pin": "246810", "member": "<uid>", "points": 500, )"
         R"("reason": "complaint 7", "request_id": "ADJ-0001"}')"},
        {"block-card", "manager blocks a card", "block JSON, @file or -",
         "  manager, pin  a manager's staff id and PIN (required)\n"
         "  card          the printed card number (required)\n"
         "  reason        why (required)",
         R"(block-card '{"manager": "m-01", "pin": "246810", "card": "8800000000000001", )"
         R"("reason": "reported lost"}')"},
        {"top-up", "record money taken onto a member's balance or a gift card (idempotent)",
         "top-up JSON, @file or -",
         "  member | card  <uid>, or a gift card's number (16-19 digits, Luhn check digit)\n"
         "  amount         fen taken, e.g. 50000 = 500.00 (required)\n"
         "  tender         cash | wechat | alipay | bank_card (required)\n"
         "  request_id     idempotency: the same again replays (required)",
         R"(top-up '{"member": "<uid>", "amount": 50000, "tender": "wechat", )"
         R"("request_id": "TU-0001"}')"},
        {"balance", "stored-value balance of a member or a gift card", "enquiry JSON, @file or -",
         "  member | card  <uid>, or a gift card's number", R"(balance '{"member": "<uid>"}')"},
        {"refund-top-up", "a top-up refunded as cash (dry_run: what the member would receive)",
         "top-up refund JSON, @file or -",
         "  request_id         the top-up's request id (required)\n"
         "  refund_request_id  this refund's own id (required)\n"
         "  manager, pin       a manager's staff id and PIN (unless dry_run)\n"
         "  dry_run            true: say what would happen, change nothing",
         R"(refund-top-up '{"request_id": "TU-0001", "refund_request_id": "TUR-0001", )"
         R"("dry_run": true}')"},
        {"adjust-balance", "manager's correction of a stored-value balance",
         "adjustment JSON, @file or -",
         "  manager, pin     a manager's staff id and PIN (required)\n"
         "  member           <uid> (required)\n"
         "  principal, bonus fen to add or take away (either may be absent)\n"
         "  reason           why, kept in the audit trail (required)\n"
         "  request_id       idempotency (required)",
         R"(adjust-balance '{"manager": "m-01", "pin": "246810", "member": "<uid>", )"
         R"("principal": 100, "reason": "till counted short", "request_id": "SVA-0001"}')"},
    };
    for (const auto& c : calls) {
        auto* command = app.add_subcommand(c.name, c.help);
        command->add_option("request", argument, c.what)->required();
        command->footer(std::string("\nRequest:\n") + c.fields +
                        "\n\nExample:\n  loyalty-pos --db store.db " + c.example);
    }

    // Enrollment takes flags rather than JSON: a support person types it at the counter. The
    // library judges the values (no consent, a bad phone) so the rules live in one place.
    auto* enroll = app.add_subcommand("enroll", "enroll a shopper as a member of the program");
    std::string phone, shopper_name, card, request_id;
    int birthday_month = 0, birthday_day = 0;
    bool consent_privacy = false, consent_marketing = false;
    enroll->add_option("--phone", phone, "the shopper's mobile number")->required();
    auto* name_opt = enroll->add_option("--name", shopper_name, "the shopper's name");
    enroll->add_flag("--consent-privacy", consent_privacy,
                     "the shopper agreed to the privacy terms (required to enroll)");
    enroll->add_flag("--consent-marketing", consent_marketing, "the shopper agreed to offers");
    auto* month_opt = enroll->add_option("--birthday-month", birthday_month, "1..12");
    auto* day_opt = enroll->add_option("--birthday-day", birthday_day, "1..31, with the month");
    auto* card_opt =
        enroll->add_option("--card", card, "printed number of a VIP card handed over now");
    auto* id_opt = enroll->add_option("--request-id", request_id,
                                      "idempotency: the same request again replays its result");
    enroll->footer(
        "\nExample:\n  loyalty-pos --db store.db enroll --phone 13800138000 --name 王小明 "
        "--consent-privacy --birthday-month 5 --birthday-day 20 --card 8800000000000555 "
        "--request-id ENR-0001");

    CLI11_PARSE(app, argc, argv);
    if (version->parsed()) {
        std::printf("{\"version\":\"%s\",\"abi\":%d}\n", loyalty_pos_version(),
                    loyalty_pos_abi_version());
        return 0;
    }
    std::string config_json;
    if (!config.empty() && !read_argument(config, config_json)) {
        std::fprintf(stderr, "loyalty-pos: cannot read %s\n", config.c_str());
        return LOYALTY_POS_E_INVALID_ARGUMENT;
    }
    const auto* sub = app.get_subcommands().front();
    const std::string name = sub->get_name();
    std::string request;
    if (name == "identify" || name == "void" || name == "sync-status") {
        request = argument;
    } else if (name == "enroll") {
        nlohmann::json r{{"phone", phone},
                         {"consent_privacy", consent_privacy},
                         {"consent_marketing", consent_marketing}};
        if (name_opt->count()) r["name"] = shopper_name;
        if (month_opt->count()) r["birthday_month"] = birthday_month;
        if (day_opt->count()) r["birthday_day"] = birthday_day;
        if (card_opt->count()) r["card"] = card;
        if (id_opt->count()) r["request_id"] = request_id;
        // Text that is not UTF-8 is replaced rather than thrown on; the library then judges it.
        request = r.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else if (!read_argument(argument, request)) {
        std::fprintf(stderr, "loyalty-pos: cannot read %s\n", argument.c_str());
        return LOYALTY_POS_E_INVALID_ARGUMENT;
    }

    loyalty_pos_session* session = nullptr;
    const int opened =
        loyalty_pos_open(db.c_str(), program.c_str(), store.c_str(), terminal.c_str(),
                         config_json.empty() ? nullptr : config_json.c_str(), &session);
    if (opened != LOYALTY_POS_OK) return report(opened, nullptr);
    char* out = nullptr;
    int status = LOYALTY_POS_E_INTERNAL;
    if (sync->parsed()) {
        status = loyalty_pos_sync_status(session, &out);
        const int result = report(status, out);
        loyalty_pos_close(session);
        return result;
    }
    const char* r = request.c_str();
    if (name == "identify")
        status = loyalty_pos_identify(session, r, &out);
    else if (name == "quote")
        status = loyalty_pos_quote(session, r, &out);
    else if (name == "commit")
        status = loyalty_pos_commit(session, r, &out);
    else if (name == "refund")
        status = loyalty_pos_refund(session, r, &out);
    else if (name == "void")
        status = loyalty_pos_void(session, r, &out);
    else if (name == "redeem")
        status = loyalty_pos_redeem(session, r, &out);
    else if (name == "adjust")
        status = loyalty_pos_adjust_points(session, r, &out);
    else if (name == "block-card")
        status = loyalty_pos_block_card(session, r, &out);
    else if (name == "enroll")
        status = loyalty_pos_enroll(session, r, &out);
    else if (name == "top-up")
        status = loyalty_pos_top_up(session, r, &out);
    else if (name == "balance")
        status = loyalty_pos_stored_value(session, r, &out);
    else if (name == "refund-top-up")
        status = loyalty_pos_refund_top_up(session, r, &out);
    else if (name == "adjust-balance")
        status = loyalty_pos_adjust_stored_value(session, r, &out);
    const int result = report(status, out);
    loyalty_pos_close(session);
    return result;
}
