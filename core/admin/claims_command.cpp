#include "claims_command.hpp"

#include <cstdio>

#include "loyalty/receipt_claims.hpp"

namespace loyalty::admin {

namespace {

int refused(const Error& e) {
    std::fprintf(stderr, "loyalty-admin: %s: %s\n", to_string(e.code), e.message.c_str());
    return 1;
}

std::string yuan(Money m) {
    char text[32];
    std::snprintf(text, sizeof text, "%lld.%02lld", static_cast<long long>(m.minor / 100),
                  static_cast<long long>(m.minor % 100));
    return text;
}

}  // namespace

void add_claims_command(CLI::App& app, ClaimsCommand& c) {
    c.command = app.add_subcommand("claims", "a mall's receipt claims: the review queue");
    c.command->require_subcommand(1);
    c.list =
        c.command->add_subcommand("list", "claims, newest first (default: waiting for review)");
    c.list->add_option("--status", c.status, "pending | credited | rejected | reversed | all")
        ->capture_default_str()
        ->check(CLI::IsMember({"pending", "credited", "rejected", "reversed", "all"}));
    c.list->add_option("--limit", c.limit)->capture_default_str();
    c.approve = c.command->add_subcommand("approve", "credit a waiting claim's points (audited)");
    c.reject = c.command->add_subcommand("reject", "refuse a waiting claim, saying why (audited)");
    for (auto* decide : {c.approve, c.reject}) {
        decide->add_option("id", c.id, "the claim's number, as `claims list` shows it")->required();
        decide->add_option("--staff", c.staff, "the manager's staff id")->required();
        decide->add_option("--pin", c.pin, "the manager's PIN")->required();
    }
    c.reject->add_option("--reason", c.reason, "why, as the member will read it")->required();
    c.list->footer(
        "\nExample:\n  loyalty-admin --db store.db --program MALL claims list --status all");
    c.approve->footer(
        "\nExample:\n  loyalty-admin --db store.db claims approve 17 --staff M001 --pin 246810");
    c.reject->footer(
        "\nExample:\n  loyalty-admin --db store.db claims reject 17 --reason "
        "\"小票金额与照片不符\" "
        "--staff M001 --pin 246810");
    c.command->footer("\nExample:\n  loyalty-admin --db store.db claims list");
}

int run_claims_command(Engine& engine, const std::string& program, const ClaimsCommand& c) {
    auto& claims = engine.receipt_claims();
    if (*c.list) {
        auto rows = claims.list(
            program, c.status == "all" ? std::nullopt : claim_status_from(c.status), c.limit);
        if (!rows) return refused(rows.error());
        if (rows->empty()) {
            std::printf("no %sreceipt claims in %s\n",
                        c.status == "all" ? "" : (c.status + " ").c_str(), program.c_str());
            return 0;
        }
        auto config = engine.programs().get(program);
        const int offset = config ? (*config)->utc_offset_minutes : 480;
        std::printf("%-6s %-9s %-16s %-24s %-22s %12s %-10s %7s  %s\n", "claim", "status",
                    "claimed", "shop", "receipt", "amount ¥", "bought", "points", "why");
        for (const auto& r : *rows) {
            std::string shop = r.shop;
            if (config)
                if (const auto* s = (*config)->receipt_claims.shop(r.shop)) shop += " " + s->name;
            const auto why = r.status == ClaimStatus::pending ? r.review : r.note;
            std::printf("%-6lld %-9s %-16s %-24s %-22s %12s %-10s %7lld  %s%s\n",
                        static_cast<long long>(r.id), to_string(r.status),
                        format_local_time(r.claimed_at, offset).c_str(), shop.c_str(),
                        r.receipt.c_str(), yuan(r.amount).c_str(), r.date.c_str(),
                        static_cast<long long>(r.points), why.c_str(),
                        r.photo.empty() ? "" : ("  photo " + r.photo).c_str());
        }
        return 0;
    }
    auto manager = engine.staff().require_manager(c.staff, c.pin);
    if (!manager) return refused(manager.error());
    // A claim of another program is not this command's to decide (--program says which).
    auto claim = claims.get(c.id);
    if (!claim) return refused(claim.error());
    if (claim->program != program)
        return refused(Error{Errc::not_found, "claim " + std::to_string(c.id) + " is not in " +
                                                  program + " (give --program " + claim->program +
                                                  ")"});
    if (*c.approve) {
        auto done = claims.approve(c.id, c.staff);
        if (!done) return refused(done.error());
        std::printf("claim %lld approved: %lld points credited, the member has %lld available\n",
                    static_cast<long long>(c.id), static_cast<long long>(done->claim.points),
                    static_cast<long long>(done->available_after));
        return 0;
    }
    auto done = claims.reject(c.id, c.staff, c.reason);
    if (!done) return refused(done.error());
    std::printf("claim %lld rejected: %s (the member is told at their next visit)\n",
                static_cast<long long>(c.id), c.reason.c_str());
    return 0;
}

}  // namespace loyalty::admin
