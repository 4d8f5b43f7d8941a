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
    auto* sync = app.add_subcommand("sync-status", "outbox backlog not yet shipped to the hub");
    struct Call {
        const char* name;
        const char* help;
        const char* what;
    };
    const Call calls[] = {
        {"identify", "identify a member from a card, phone or member QR code", "scanned"},
        {"quote", "price a basket for a member (writes nothing)", "basket JSON, @file or -"},
        {"commit", "commit a sale (idempotent by receipt)", "basket JSON with receipt, @file or -"},
        {"refund", "refund all or part of a sale", "refund JSON, @file or -"},
        {"void", "void the session's last sale", "receipt"},
        {"redeem", "redeem a reward for points", "redemption JSON, @file or -"},
        {"adjust", "manager's manual points adjustment", "adjustment JSON, @file or -"},
        {"block-card", "manager blocks a card", "block JSON, @file or -"},
        {"top-up", "record money taken onto a member's balance or a gift card (idempotent)",
         "top-up JSON, @file or -"},
        {"balance", "stored-value balance of a member or a gift card", "enquiry JSON, @file or -"},
        {"refund-top-up", "a top-up refunded as cash (dry_run: what the member would receive)",
         "top-up refund JSON, @file or -"},
        {"adjust-balance", "manager's correction of a stored-value balance",
         "adjustment JSON, @file or -"},
    };
    for (const auto& c : calls)
        app.add_subcommand(c.name, c.help)->add_option("request", argument, c.what)->required();

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
