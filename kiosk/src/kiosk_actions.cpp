#include "kiosk_actions.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "loyalty/backups.hpp"
#include "loyalty/database_health.hpp"
#include "loyalty/day_report.hpp"
#include "loyalty/sync/hub_contact.hpp"
#include "loyalty/sync/terminal_enrollment.hpp"
#include "receipt_photo.hpp"

namespace loyalty::kiosk {

namespace {

// A reward's coupon ("reward:<code>", or a birthday gift titled with its reward's name) is
// titled in each language its reward is named in.
LocalNames reward_titles(const ProgramConfig& p, const std::string& source,
                         const std::string& title) {
    if (source.starts_with("reward:"))
        if (const auto* r = p.reward(source.substr(7))) return r->names;
    if (source == "birthday")
        for (const auto& r : p.rewards)
            if (r.name == title) return r.names;
    return {};
}

std::string local_day(Timestamp t, int utc_offset) {
    const auto d = local_date(t, utc_offset);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", d.year, d.month, d.day);
    return buf;
}

int utc_offset_of(Engine& engine, const std::string& program) {
    auto p = engine.programs().get(program);
    return p ? (*p)->utc_offset_minutes : 0;
}

// How long a balance heard from headquarters is shown without its "as of" time.
constexpr std::int64_t kBalanceFreshMs = 10 * 60 * 1000;

// "2026-12-04 14:05" in the program's local time.
std::string local_minute(std::int64_t unix_ms, int utc_offset) {
    const auto seconds = unix_ms / 1000;
    const auto local = seconds + std::int64_t{utc_offset} * 60;
    const auto of_day = ((local % 86400) + 86400) % 86400;
    char buf[24];
    std::snprintf(buf, sizeof buf, "%s %02d:%02d",
                  local_day(from_unix(seconds), utc_offset).c_str(),
                  static_cast<int>(of_day / 3600), static_cast<int>(of_day % 3600 / 60));
    return buf;
}

// Not known at this store: asked at the member hub, when the kiosk has one.
Result<Member> or_at_hub(Result<Member> local, sync::TerminalHub* hub, const char* by,
                         const std::string& value) {
    if (local || local.error().code != Errc::not_found || !hub) return local;
    return hub->find(by, value);
}

// One shopper, several programs: the same phone is the same person in each (a mall's card and
// a brand's club card). Programs this database does not hold, or where the phone has no active
// member, add nothing.
std::vector<OtherCard> other_cards_of(Engine& engine, const std::vector<std::string>& programs,
                                      const std::string& phone) {
    std::vector<OtherCard> out;
    const auto now = engine.clock().now();
    for (const auto& code : programs) {
        auto config = engine.programs().get(code);
        if (!config) continue;
        auto member = engine.members().identify(code, IdentityKind::phone, phone);
        if (!member || member->status != "active") continue;
        const auto& p = **config;
        OtherCard card;
        card.program = code;
        card.program_name = p.name.empty() ? code : p.name;
        card.program_names = p.names;
        const auto* tier = p.tier(member->tier_code);
        card.tier_name = tier ? tier->name : member->tier_code;
        if (tier) card.tier_names = tier->names;
        card.available = member->points_available;
        card.expiring_30d = engine.ledger().expiring_between(member->id, now, now + Days{30});
        out.push_back(std::move(card));
    }
    return out;
}

Identified from_member(Engine& engine, const KioskConfig& config, Result<Member> member,
                       sync::TerminalHub* hub) {
    Identified out;
    if (!member) {
        out.notice = notice_for(member.error());
        return out;
    }
    auto view = load_member_view(engine, config, member->id, hub);
    if (!view)
        out.notice = notice_for(view.error());
    else
        out.member = std::move(view.value());
    return out;
}

bool knows_program(const KioskConfig& config, const std::string& program) {
    return std::find(config.also_programs.begin(), config.also_programs.end(), program) !=
           config.also_programs.end();
}

// A card or code of another program the kiosk knows (a brand's club card at the mall's kiosk):
// the shopper may be this program's member with the same phone, who then signs in with this
// program's PIN (a phone alone signs no one in: it may be shared, recycled, or typed wrong at
// the other program's till). Without such a member they are asked to join here, by the
// program's name; nothing of the other program is booked at this kiosk.
Identified from_other_program(Engine& engine, const KioskConfig& config, Result<Member> other,
                              sync::TerminalHub* hub) {
    if (!other) return Identified{{}, {}, notice_for(other.error())};
    if (other->status != "active")
        return Identified{{}, {}, {"error.blocked", "member " + other->status, true}};
    if (!knows_program(config, other->program))
        return Identified{{}, {}, {"error.code_invalid", "other program", true}};
    const auto phone = engine.members().phone_of(other->id);
    auto here =
        phone ? or_at_hub(engine.members().identify(config.program, IdentityKind::phone, *phone),
                          hub, "phone", *phone)
              : Result<Member>(Error{Errc::not_found, "no phone"});
    if (!here && here.error().code == Errc::not_found) {
        std::string name = config.program;
        if (auto p = engine.programs().get(config.program); p && !(*p)->name.empty())
            name = (*p)->name;
        Identified out;
        out.notice = Notice{"error.join_this_program", other->program, true, {name}};
        return out;
    }
    if (!here) return Identified{{}, {}, notice_for(here.error())};
    Identified out;
    out.pin_for_phone = *phone;
    std::string name = other->program;
    if (auto p = engine.programs().get(other->program); p && !(*p)->name.empty()) name = (*p)->name;
    out.notice = Notice{"notice.pin_for_program", "", false, {name}};
    return out;
}

}  // namespace

Notice notice_for(const Error& error) {
    switch (error.code) {
        case Errc::not_found:
            return {"error.not_found", error.message, true};
        case Errc::blocked:
            return {"error.blocked", error.message, true};
        case Errc::expired:
            return {"error.expired", error.message, true};
        case Errc::already_used:
            return {"error.already_used", error.message, true};
        case Errc::insufficient_points:
            return {"error.insufficient_points", error.message, true};
        case Errc::unauthorized:
            return {"error.unauthorized", error.message, true};
        case Errc::limit_exceeded:
        case Errc::exceeds_sale:
            return {"error.limit_exceeded", error.message, true};
        case Errc::conflict:
            return {"error.conflict", error.message, true};
        case Errc::invalid_argument:
            return {"error.invalid", error.message, true};
        case Errc::unreachable:
            return {"error.hub_unreachable", error.message, true};
        default:
            return {"error.internal", error.message, true};
    }
}

Result<MemberView> load_member_view(Engine& engine, const KioskConfig& kiosk, MemberId id,
                                    sync::TerminalHub* hub) {
    const auto& program = kiosk.program;
    auto member = engine.members().get(id);
    if (!member) return member.error();
    auto config = engine.programs().get(program);
    if (!config) return config.error();
    const auto& p = **config;
    const auto now = engine.clock().now();
    MemberView v;
    v.id = member->id;
    v.uid = member->uid;
    v.masked_name = mask_name(member->display_name);
    if (auto phone = engine.members().phone_of(id)) {
        v.masked_phone = mask_phone(*phone);
        v.other_cards = other_cards_of(engine, kiosk.also_programs, *phone);
    }
    v.program_name = p.name.empty() ? p.code : p.name;
    v.program_names = p.names;
    v.tier_code = member->tier_code;
    const auto* tier = p.tier(member->tier_code);
    v.tier_name = tier ? tier->name : member->tier_code;
    if (tier) v.tier_names = tier->names;
    v.available = member->points_available;
    v.pending = member->points_pending;
    v.expiring_30d = engine.ledger().expiring_between(id, now, now + Days{30});
    if (p.stored_value.enabled)
        if (auto sv = engine.stored_value().member_balance(id)) v.stored_value = *sv;
    if (hub) {
        const auto heard = hub->balance_heard_at_ms(member->uid);
        if (!heard)
            v.balance_unconfirmed = true;
        else if (to_unix(now) * 1000 - *heard > kBalanceFreshMs)
            v.balance_as_of = local_minute(*heard, p.utc_offset_minutes);
    }
    v.tier_by_points = p.tiers.basis == TierBasis::points;
    if (auto progress = engine.tiers().progress(id, now)) {
        v.qualifying = progress->qualifying;
        if (progress->next_tier) {
            if (const auto* next = p.tier(*progress->next_tier)) {
                v.next_tier_name = next->name;
                v.next_tier_names = next->names;
                v.next_threshold = next->threshold;
                v.next_multiplier_percent = next->multiplier_percent;
                v.next_discount_percent = next->discount_percent;
                v.next_parking_minutes = next->parking_minutes;
            }
        }
    }
    for (const auto& c : engine.rewards().coupons_of(id, true))
        v.coupons.push_back(CouponView{c.code, c.title, c.value,
                                       local_day(c.expires_at, p.utc_offset_minutes), c.benefit,
                                       reward_titles(p, c.source, c.title)});
    return v;
}

Identified identify_scan(Engine& engine, const KioskConfig& config, const devices::ScanEvent& scan,
                         sync::TerminalHub* hub) {
    auto& members = engine.members();
    const auto& text = scan.payload;
    if (scan.kind == devices::ScanKind::card_uid) {
        auto m = or_at_hub(members.identify(config.program, IdentityKind::card_uid, text), hub,
                           "card_uid", text);
        if (!m && m.error().code == Errc::not_found)
            for (const auto& other : config.also_programs)
                if (auto there = members.identify(other, IdentityKind::card_uid, text); there)
                    return from_other_program(engine, config, std::move(there), hub);
        if (!m && (m.error().code == Errc::not_found || m.error().code == Errc::unreachable)) {
            // A card no one owns here: join with it or link it. Headquarters may know it
            // when it answers again: the shopper is told so.
            Identified out;
            out.unknown_card_uid = text;
            if (m.error().code == Errc::unreachable) out.notice = notice_for(m.error());
            return out;
        }
        return from_member(engine, config, std::move(m), hub);
    }
    if (looks_like_member_code(text)) {
        auto code = verify_member_code(text, config.trusted_keys, engine.clock().now(),
                                       config.member_code_validity_seconds);
        if (!code) {
            Identified out;
            out.notice = code.error().code == Errc::expired
                             ? Notice{"error.code_expired", code.error().message, true}
                             : Notice{"error.code_invalid", code.error().message, true};
            return out;
        }
        if (code->program != config.program && !knows_program(config, code->program))
            return Identified{{}, {}, {"error.code_invalid", "other program", true}};
        // A screenshot of someone's code must not work twice.
        if (auto once = engine.used_codes().consume_once("member_code", code->nonce); !once)
            return Identified{{}, {}, {"error.code_replayed", once.error().message, true}};
        // The code is signed: its member uid is the member's everywhere.
        if (code->program != config.program)
            return from_other_program(engine, config, members.current_by_uid(code->member_uid),
                                      hub);
        return from_member(
            engine, config,
            or_at_hub(members.current_by_uid(code->member_uid), hub, "uid", code->member_uid), hub);
    }
    if (looks_like_receipt_code(text))
        return Identified{{}, {}, {"error.receipt_needs_member", "", true}};
    if (text.rfind("LM", 0) == 0 || text.rfind("LR", 0) == 0 || text.empty())
        return Identified{{}, {}, {"error.code_invalid", "unreadable code", true}};
    // A bearer gift card's number: its balance, the one thing a kiosk tells about it.
    if (gift_card_number_valid(text))
        if (auto card = engine.stored_value().card_balance(config.program, text)) {
            const auto program = engine.programs().get(config.program);
            const int offset = program ? (*program)->utc_offset_minutes : 480;
            Notice n{"notice.gift_card",
                     "",
                     false,
                     {"¥" + format_money(card->total()),
                      card->expires_at ? local_day(*card->expires_at - Days{1}, offset) : ""}};
            return Identified{{}, {}, n};
        }
    // A printed card barcode or magstripe carries the card number.
    auto by_number =
        from_member(engine, config,
                    or_at_hub(members.identify(config.program, IdentityKind::card_number, text),
                              hub, "card_number", text),
                    hub);
    // A number no one has: the way forward is the phone or joining, both on the screen.
    if (!by_number.member && by_number.notice.key == "error.not_found")
        by_number.notice = {"error.card_unknown", text, true};
    return by_number;
}

Identified identify_phone_pin(Engine& engine, const KioskConfig& config, const std::string& phone,
                              const std::string& pin, sync::TerminalHub* hub) {
    auto p = engine.programs().get(config.program);
    if (!p) return Identified{{}, {}, notice_for(p.error())};
    auto e164 = normalize_phone(phone, (*p)->default_country_code);
    if (!e164) return Identified{{}, {}, {"error.phone_invalid", e164.error().message, true}};
    // Not asked at the hub: a PIN stays in the store that set it, so a member of another
    // store could not sign in here this way anyway, and typing phone numbers must not
    // tell anyone who is a member somewhere, nor copy their account into this store.
    auto m = engine.members().identify(config.program, IdentityKind::phone, *e164);
    if (!m) return Identified{{}, {}, notice_for(m.error())};
    // A member without a PIN here signs in with the app's member code or a card.
    if (!m->has_pin) return Identified{{}, {}, {"error.pin_not_here", "", true}};
    if (auto ok = engine.members().verify_pin(m->id, pin); !ok)
        return Identified{{}, {}, {"error.pin_wrong", ok.error().message, true}};
    return from_member(engine, config, std::move(m), hub);
}

std::vector<RewardView> load_rewards(Engine& engine, const std::string& program, Points available) {
    std::vector<RewardView> out;
    auto config = engine.programs().get(program);
    for (const auto& r : engine.rewards().catalog(program)) {
        if (r.stock && *r.stock <= 0) continue;  // sold out or granted only (birthday gifts)
        const auto* defined = config ? (*config)->reward(r.code) : nullptr;
        out.push_back(RewardView{r.code, r.name, r.points_cost, r.points_cost <= available,
                                 defined ? defined->names : LocalNames{}});
    }
    // What the member can afford first, cheapest first within each group.
    std::stable_sort(out.begin(), out.end(), [](const RewardView& a, const RewardView& b) {
        if (a.affordable != b.affordable) return a.affordable;
        return a.cost < b.cost;
    });
    return out;
}

Redemption redeem_reward(Engine& engine, const KioskConfig& config, MemberId member,
                         const std::string& reward_code, const std::string& idempotency_key,
                         sync::TerminalHub* hub) {
    Redemption out;
    std::optional<sync::SpendClearance> clearance;
    // A replay of a redemption booked already was cleared the first time.
    auto replay = engine.rewards().redeemed(idempotency_key);
    if (!replay) return Redemption{{}, notice_for(replay.error())};
    if (hub && !*replay) {
        auto who = engine.members().get(member);
        if (!who) return Redemption{{}, notice_for(who.error())};
        Points cost = 0;
        for (const auto& r : engine.rewards().catalog(config.program))
            if (r.code == reward_code) cost = r.points_cost;
        // The hub captures the hold by the redemption's request id (its reward.redeemed event).
        auto cleared = hub->clear_spend(*who, cost,
                                        "reward/" + config.origin.terminal + "/" + idempotency_key);
        if (!cleared) {
            const auto& e = cleared.error();
            if (e.code == Errc::limit_exceeded && config.link) {
                const auto limit = std::to_string(config.link->offline_redeem_limit);
                const auto left = hub->offline_left_today(who->uid);
                out.refused = left > 0
                                  ? Notice{"error.offline_limit",
                                           e.message,
                                           true,
                                           {limit, std::to_string(left)}}
                                  : Notice{"error.offline_limit_used", e.message, true, {limit}};
            } else if (e.code == Errc::unreachable)
                out.refused = {"error.hub_spend_offline", e.message, true};
            else
                out.refused = notice_for(e);
            return out;
        }
        clearance = std::move(cleared.value());
    }
    auto coupon = engine.rewards().redeem(member, reward_code, idempotency_key);
    if (!coupon) {
        // A conflict: the key is another redemption's, whose hold stays.
        if (clearance && coupon.error().code != Errc::conflict) hub->release(*clearance);
        out.refused = notice_for(coupon.error());
        return out;
    }
    out.coupon = CouponView{coupon->code, coupon->title, coupon->value,
                            local_day(coupon->expires_at, utc_offset_of(engine, config.program)),
                            coupon->benefit};
    if (auto p = engine.programs().get(config.program))
        out.coupon->titles = reward_titles(**p, coupon->source, coupon->title);
    return out;
}

Result<Enrolled> enroll_member(Engine& engine, const KioskConfig& config, const EnrollInput& input,
                               sync::TerminalHub* hub) {
    const auto& program = config.program;
    if (hub && input.consent_privacy) {
        // A member of another store joins here once: linked, with any card tapped before.
        auto elsewhere = sync::member_to_link(*hub, engine, program, input.phone);
        if (!elsewhere) return elsewhere.error();
        if (*elsewhere) {
            const auto id = (*elsewhere)->id;
            if (input.card_uid)
                if (auto linked = link_card(engine, program, id, *input.card_uid); !linked)
                    return linked.error();
            auto view = load_member_view(engine, config, id, hub);
            if (!view) return view.error();
            return Enrolled{std::move(view.value()), sync::electronic_card_of(engine, id), true};
        }
    }
    EnrollRequest request;
    request.program = program;
    request.phone = input.phone;
    if (input.birthday_month > 0) request.birthday_month = input.birthday_month;
    request.consent_privacy = input.consent_privacy;
    request.consent_marketing = input.consent_marketing;
    request.home_store = engine.origin().store;
    auto enrolled = engine.members().enroll(request);
    if (!enrolled) return enrolled.error();
    if (input.card_uid)
        if (auto linked = link_card(engine, program, enrolled->member.id, *input.card_uid); !linked)
            return linked.error();
    auto view = load_member_view(engine, config, enrolled->member.id, hub);
    if (!view) return view.error();
    return Enrolled{std::move(view.value()), enrolled->card_number};
}

Result<void> link_card(Engine& engine, const std::string& program, MemberId member,
                       const std::string& card_uid) {
    auto card = engine.cards().issue(member, CardForm::physical, "U" + card_uid, card_uid, "kiosk");
    if (!card) return card.error();
    // The shopper holds the card in front of the reader: that is the activation.
    if (auto active = engine.cards().activate(program, card->number, "kiosk"); !active)
        return active.error();
    return {};
}

std::optional<ReceiptClaimRules> mall_claim_rules(Engine& engine, const std::string& program) {
    auto config = engine.programs().get(program);
    if (!config || (*config)->receipt_claims.shops.empty()) return std::nullopt;
    return (*config)->receipt_claims;
}

Result<ClaimOutcome> submit_receipt_claim(Engine& engine, const std::string& program,
                                          MemberId member, const ClaimDraft& draft) {
    ReceiptClaimRequest r;
    r.program = program;
    r.member = member;
    r.shop = draft.receipt.shop.value_or("");
    r.receipt = draft.receipt.receipt;
    r.amount = draft.receipt.amount;
    r.date = draft.receipt.date;
    r.source = draft.receipt.source;
    r.request_id = draft.request_id;
    // A photographed receipt: its photo for the manager, and what OCR read where the shopper
    // submitted otherwise (core then keeps the claim for review).
    r.photo = draft.photo;
    if (draft.ocr) r.ocr_note = ocr_disagreement(draft.receipt, *draft.ocr);
    return engine.receipt_claims().submit(r);
}

Notice claim_refusal_notice(const Error& error) {
    const auto& m = error.message;
    switch (error.code) {
        case Errc::already_used:
            return {"error.receipt_claimed", m, true};
        case Errc::limit_exceeded:
            return {"error.claim_limit", m, true};
        case Errc::expired:
            return {"error.claim_too_old", m, true};
        case Errc::invalid_argument:
            if (m.find("range") != std::string::npos) return {"error.claim_amount", m, true};
            if (m.find("after today") != std::string::npos) return {"error.claim_future", m, true};
            return {"error.claim_unreadable", m, true};
        default:
            return notice_for(error);
    }
}

Result<SaleResult> claim_receipt(Engine& engine, const KioskConfig& config, MemberId member,
                                 const std::string& code) {
    auto receipt = verify_receipt_code(code, config.trusted_keys);
    if (!receipt) return receipt.error();
    if (receipt->program != config.program)
        return make_error(Errc::invalid_argument, "receipt of another program");
    return engine.sales().claim(ClaimRequest{receipt->program, receipt->store, receipt->terminal,
                                             receipt->receipt, member});
}

Result<Points> record_rating(Engine& engine, const std::string& program,
                             std::optional<MemberId> member, int rating) {
    auto outcome = engine.ratings().record(program, member, rating);
    if (!outcome) return outcome.error();
    return outcome->bonus_points;
}

std::vector<std::string> take_kiosk_messages(Engine& engine, MemberId member) {
    std::vector<std::string> out;
    for (auto& m : engine.campaigns().kiosk_messages(member, /*mark_shown=*/true))
        out.push_back(std::move(m.text));
    return out;
}

Result<StaffMember> manager_login(Engine& engine, const KioskConfig& config,
                                  const std::string& pin) {
    return engine.staff().require_manager(config.manager_id, pin);
}

ClosingReport closing_report(Engine& engine, const std::string& program) {
    ClosingReport r;
    const auto now = engine.clock().now();
    // The store's figures are core's, the same the till and loyalty-admin report.
    if (auto day = day_report(engine, program, now)) {
        r.day = day->day;
        r.sales = day->sales;
        r.member_sales = day->member_sales;
        r.sales_net = day->sales_net;
        r.member_sales_net = day->member_sales_net;
        r.issued = day->issued;
        r.redeemed = day->redeemed;
        r.expired = day->expired;
        r.liability = day->liability;
        r.liability_value = day->liability_value;
        r.enrollments = day->enrollments;
        r.ratings = day->ratings;
        r.average_rating = day->average_rating;
        r.hours = day->hours;
        auto config = engine.programs().get(program);
        for (const auto& t : day->tiers) {
            const auto* level = config ? (*config)->tier(t.code) : nullptr;
            r.tiers.push_back(TierCount{t.name, t.members, level ? level->names : LocalNames{}});
        }
        for (const auto& t : day->top) r.top.push_back(TopMember{t.masked_name, t.spend});
        r.stored_value = day->stored_value;
    }
    return r;
}

std::string file_time_local(const std::filesystem::path& file, int utc_offset_minutes) {
    std::error_code ec;
    const auto written = std::filesystem::last_write_time(file, ec);
    if (ec) return "";
    return format_local_time(std::chrono::time_point_cast<std::chrono::seconds>(
                                 std::chrono::file_clock::to_sys(written)),
                             utc_offset_minutes);
}

int program_utc_offset(Engine& engine, const std::string& program) {
    auto p = engine.programs().get(program);
    return p ? (*p)->utc_offset_minutes : 0;
}

HealthView health_view(Engine& engine, const std::string& program,
                       const std::filesystem::path& backup_dir) {
    HealthView h;
    const int offset = program_utc_offset(engine, program);
    // The newest backup on disk, made by this kiosk, an earlier run of it or the nightly backup.
    if (auto all = list_backups(backup_dir); !all.empty()) {
        h.last_backup = all.back().string();
        h.last_backup_time = file_time_local(all.back(), offset);
    }
    h.outbox_backlog = engine.outbox().backlog();
    // loyalty-link records each hub acknowledgement in the same database.
    if (auto ack = sync::last_hub_ack(engine)) h.last_hub_contact = format_local_time(*ack, offset);
    if (auto oldest = engine.outbox().oldest_pending())
        h.oldest_pending = format_local_time(*oldest, offset);
    if (auto bytes = database_file_bytes(engine)) h.db_bytes = *bytes;
    return h;
}

Result<std::filesystem::path> run_backup(Engine& engine, const std::filesystem::path& dir) {
    BackupPolicy policy;
    policy.directory = dir;
    return take_backup(engine, policy, engine.clock().now());
}

Result<std::string> check_integrity(Engine& engine) {
    return check_database_integrity(engine);
}

}  // namespace loyalty::kiosk

namespace loyalty::kiosk {

LinkStatus link_status(Engine& engine, const KioskConfig& config, sync::TerminalHub* hub) {
    LinkStatus status;
    if (!hub) return status;  // a store on its own: there is no headquarters to miss
    const auto since = hub->unreachable_since_ms();
    const auto now_ms = to_unix(engine.clock().now()) * 1000;
    if (!since || now_ms - *since < config.offline_banner_after.count() * 1000) return status;
    status.offline = true;
    // The newest word from headquarters: this kiosk's last answer, or the agent's last ack.
    std::optional<std::int64_t> heard = hub->last_answer_ms();
    if (auto ack = sync::last_hub_ack(engine)) {
        const auto ack_ms = to_unix(*ack) * 1000;
        if (!heard || ack_ms > *heard) heard = ack_ms;
    }
    if (heard) status.as_of = local_minute(*heard, program_utc_offset(engine, config.program));
    return status;
}

}  // namespace loyalty::kiosk
