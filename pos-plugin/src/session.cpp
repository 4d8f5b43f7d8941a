#include "session.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "enrollment.hpp"
#include "loyalty/sync/terminal_enrollment.hpp"
#include "results.hpp"

namespace loyalty::pos {

using nlohmann::json;

namespace {

// The used_codes kind for member QR nonces; the kiosk records the same kind,
// so a code shown at the kiosk cannot be shown again at the till.
constexpr const char* kMemberCodeKind = "member_code";

bool phone_like(const std::string& s) {
    if (s.empty()) return false;
    const auto digits =
        std::count_if(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
    const bool only = std::all_of(s.begin(), s.end(), [](unsigned char c) {
        return std::isdigit(c) != 0 || c == '+' || c == ' ' || c == '-';
    });
    return only && (s[0] == '+' || (digits == 11 && s[0] == '1'));
}

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

Reply Session::open(const std::string& db_path, const std::string& program,
                    const std::string& store, const std::string& terminal,
                    const SessionConfig& config, std::unique_ptr<Session>& out) {
    if (db_path.empty() || program.empty() || store.empty() || terminal.empty())
        return Reply::failure(LOYALTY_POS_E_INVALID_ARGUMENT,
                              "database path, program, store and terminal must not be empty");
    // The till never creates the store database (loyalty-admin init does): a
    // mistyped path must not leave an empty database behind.
    std::error_code ec;
    if (!std::filesystem::exists(db_path, ec))
        return Reply::failure(LOYALTY_POS_E_NOT_FOUND, "no store database at " + db_path +
                                                           "; create it with loyalty-admin init");
    std::unique_ptr<Session> s(new Session());
    s->program_ = program;
    s->store_ = store;
    s->terminal_ = terminal;
    s->config_ = config;
    for (const auto& [id, hex] : config.trusted_keys)
        if (auto added = s->trusted_.add_hex(id, hex); !added) return failure(added.error());
    if (config.receipt_key) {
        auto key = signing_key_from_seed_hex(config.receipt_key->first, config.receipt_key->second);
        if (!key) return failure(key.error());
        s->receipt_key_ = std::move(key.value());
    }
    if (config.fixed_time)
        s->clock_ = std::make_unique<ManualClock>(from_unix(*config.fixed_time));
    else
        s->clock_ = std::make_unique<SystemClock>();
    EngineOptions options;
    options.origin = Origin{store, terminal};
    options.database.busy_timeout_ms = config.busy_timeout_ms;
    auto engine = Engine::open(db_path, *s->clock_, options);
    if (!engine) return failure(engine.error());
    s->engine_ = std::move(engine.value());
    auto loaded = s->engine_->programs().get(program);
    if (!loaded)
        return Reply::failure(LOYALTY_POS_E_NOT_FOUND,
                              "program " + program + " is not loaded in " + db_path);
    const auto& stores = (*loaded)->stores;
    if (!stores.empty() && std::find(stores.begin(), stores.end(), store) == stores.end())
        return Reply::failure(LOYALTY_POS_E_NOT_FOUND,
                              "store " + store + " does not sell under program " + program);
    if (!config.link_config.empty()) {
        auto link = sync::load_agent_config(config.link_config);
        if (!link) return failure(link.error());
        if (link->address.program != program || link->address.store != store)
            return Reply::failure(LOYALTY_POS_E_INVALID_ARGUMENT,
                                  config.link_config + " is the link of " + link->address.program +
                                      "/" + link->address.store + ", not of " + program + "/" +
                                      store);
        s->hub_ = std::make_unique<sync::TerminalHub>(
            *link, sync::TerminalAddress{program, store, terminal}, *s->engine_);
    }
    out = std::move(s);
    return Reply::success(json{{"program", program}, {"store", store}, {"terminal", terminal}});
}

Result<Member> Session::member_by_uid(const std::string& uid) {
    if (uid.empty()) return make_error(Errc::invalid_argument, "member uid is empty");
    auto m = engine_->members().current_by_uid(uid);
    if (!m) return m;
    if (m->program != program_)
        return make_error(Errc::not_found, "member " + uid + " is not in program " + program_);
    if (m->status != "active") return make_error(Errc::blocked, "member account is " + m->status);
    return m;
}

Reply Session::identify(const std::string& scanned) {
    auto& engine = *engine_;
    const auto* program = *engine.programs().get(program_);
    if (scanned.empty())
        return Reply::failure(LOYALTY_POS_E_INVALID_ARGUMENT, "nothing was scanned");
    if (looks_like_receipt_code(scanned))
        return Reply::failure(LOYALTY_POS_E_INVALID_ARGUMENT,
                              "this is a receipt code: the shopper claims its points at the kiosk");
    if (looks_like_member_code(scanned)) {
        auto code = verify_member_code(scanned, trusted_, clock_->now(),
                                       config_.member_code_validity_seconds);
        if (!code) {
            // A forged or damaged code is bad input here, not a staff credential problem.
            const int status = code.error().code == Errc::unauthorized
                                   ? LOYALTY_POS_E_INVALID_ARGUMENT
                                   : status_of(code.error().code);
            return Reply::failure(status, code.error().message);
        }
        if (code->program != program_)
            return Reply::failure(LOYALTY_POS_E_INVALID_ARGUMENT,
                                  "member code of program " + code->program);
        if (engine.used_codes().seen(kMemberCodeKind, code->nonce))
            return Reply::failure(LOYALTY_POS_E_ALREADY_USED,
                                  "this member code was already shown; refresh it in the app");
        auto member = member_by_uid(code->member_uid);
        if (!member && member.error().code == Errc::not_found && hub_) {
            auto found = hub_->find("uid", code->member_uid);
            if (!found) return failure(found.error());
            member = std::move(found);
        }
        if (!member) return failure(member.error());
        // Recorded only now, once everything else passed: a refused code stays unused.
        if (auto consumed = engine.used_codes().consume_once(kMemberCodeKind, code->nonce);
            !consumed)
            return failure(consumed.error());
        code_shown_at_[member->uid] = clock_->now();
        return shown(*member, *program, "member_code");
    }
    std::vector<std::pair<IdentityKind, std::string>> attempts;
    const bool phone = phone_like(scanned);
    if (phone) attempts.emplace_back(IdentityKind::phone, scanned);
    attempts.emplace_back(IdentityKind::card_number, scanned);
    attempts.emplace_back(IdentityKind::card_uid, upper(scanned));
    attempts.emplace_back(IdentityKind::barcode, scanned);
    attempts.emplace_back(IdentityKind::app_code, scanned);
    for (const auto& [kind, value] : attempts) {
        auto found = engine.members().identify(program_, kind, value);
        if (found) {
            if (found->status != "active")
                return Reply::failure(LOYALTY_POS_E_BLOCKED, "member account is " + found->status);
            return shown(*found, *program, to_string(kind));
        }
        if (found.error().code != Errc::not_found &&
            !(kind == IdentityKind::phone && found.error().code == Errc::invalid_argument))
            return failure(found.error());
    }
    if (hub_) return identify_at_hub("any", scanned, "hub");
    return Reply::failure(LOYALTY_POS_E_NOT_FOUND,
                          "no member in " + program_ + " matches what was scanned");
}

Reply Session::identify_at_hub(const std::string& by, const std::string& value, const char* via) {
    auto found = hub_->find(by, value);
    if (!found) {
        if (found.error().code == Errc::unreachable)
            return Reply::failure(LOYALTY_POS_E_HUB_UNREACHABLE,
                                  "not a member of this store, and headquarters cannot be reached "
                                  "to look further (" +
                                      found.error().message +
                                      "): enroll the shopper, or scan again when the link is back");
        if (found.error().code == Errc::not_found)
            return Reply::failure(
                LOYALTY_POS_E_NOT_FOUND,
                "no member in " + program_ + " matches what was scanned, here or at headquarters");
        return failure(found.error());
    }
    return shown(*found, **engine_->programs().get(program_), via);
}

// The member as the cashier sees it. With a link, also when the hub last told this
// store the member's balance (null: never), so a figure heard long ago is not taken
// for today's.
Reply Session::shown(const Member& m, const ProgramConfig& program, const std::string& via) {
    auto j = member_json(m, program, via, engine_->rewards().coupons_of(m.id, true));
    if (hub_) {
        const auto heard = hub_->balance_heard_at_ms(m.uid);
        j["balance_as_of"] = heard ? json(format_iso8601(from_unix(*heard / 1000))) : json(nullptr);
    }
    return Reply::success(std::move(j));
}

Result<std::optional<sync::SpendClearance>> Session::clear_spend(const Member& member,
                                                                 Points points,
                                                                 const std::string& auth) {
    if (!hub_ || points <= 0) return std::optional<sync::SpendClearance>();
    auto cleared = hub_->clear_spend(member, points, auth);
    if (!cleared) return cleared.error();
    return std::optional<sync::SpendClearance>(std::move(cleared.value()));
}

void Session::release_spend(const std::optional<sync::SpendClearance>& clearance,
                            const Error& why) {
    // A conflict means the id is another sale's or redemption's: its hold stays.
    if (clearance && why.code != Errc::conflict) hub_->release(*clearance);
}

Reply Session::prepare(const BasketRequest& basket, SaleRequest& request,
                       std::optional<Member>& member) {
    if (config_.categories)
        for (std::size_t i = 0; i < basket.lines.size(); ++i) {
            const auto& cats = *config_.categories;
            if (std::find(cats.begin(), cats.end(), basket.lines[i].category) == cats.end())
                return Reply::failure(LOYALTY_POS_E_UNKNOWN_CATEGORY,
                                      "line " + std::to_string(i + 1) + ": unknown category \"" +
                                          basket.lines[i].category + "\"");
        }
    request.program = program_;
    request.store = store_;
    request.terminal = terminal_;
    request.receipt = basket.receipt;
    request.lines = basket.lines;
    request.points_to_pay = basket.points_to_pay;
    request.coupons = basket.coupons;
    request.promo_codes = basket.promo_codes;
    request.stored_value = basket.stored_value;
    if (basket.member) {
        auto m = member_by_uid(*basket.member);
        if (!m) return failure(m.error());
        request.member = m->id;
        auto verified = member_verified(*m, basket);
        if (!verified) return failure(verified.error());
        request.member_verified = *verified;
        member = std::move(m.value());
    }
    return Reply::success(nullptr);
}

Reply Session::quote(const BasketRequest& basket) {
    SaleRequest request;
    std::optional<Member> member;
    if (auto prepared = prepare(basket, request, member); !prepared.ok()) return prepared;
    auto q = engine_->sales().quote(request);
    if (!q) return failure(q.error());
    std::vector<Coupon> usable;
    std::optional<SvBalance> sv_balance;
    if (member) {
        usable = engine_->rewards().coupons_of(member->id, true);
        if (auto b = engine_->stored_value().member_balance(member->id)) sv_balance = *b;
    }
    return Reply::success_text(quote_text(*q, member, usable, basket.coupons,
                                          **engine_->programs().get(program_), sv_balance));
}

Reply Session::commit(const BasketRequest& basket) {
    if (basket.receipt.empty())
        return Reply::failure(LOYALTY_POS_E_INVALID_ARGUMENT, "a sale needs its receipt number");
    SaleRequest request;
    std::optional<Member> member;
    if (auto prepared = prepare(basket, request, member); !prepared.ok()) return prepared;
    if (!config_.cashier.empty()) request.cashier = config_.cashier;
    std::optional<sync::SpendClearance> clearance;
    // A receipt booked already is this sale again: the engine replays it, and the hub
    // was asked (and captured its hold) the first time.
    auto booked = engine_->sales().booked(program_, store_, terminal_, basket.receipt);
    if (!booked) return failure(booked.error());
    if (member && request.points_to_pay > 0 && !*booked) {
        auto cleared =
            clear_spend(*member, request.points_to_pay, "sale/" + terminal_ + "/" + basket.receipt);
        if (!cleared) return failure(cleared.error());
        clearance = std::move(cleared.value());
    }
    // Stored value too leaves a balance only with the hub's authorization (or its offline limit).
    std::vector<sync::SvClearance> sv_cleared;
    if (hub_ && !*booked) {
        auto sv = hub_->clear_sale_stored_value(request, member,
                                                "sale/" + terminal_ + "/" + basket.receipt);
        if (!sv) {
            release_spend(clearance, sv.error());
            return failure(sv.error());
        }
        sv_cleared = std::move(sv.value());
    }
    auto sale = engine_->sales().commit(request);
    if (!sale) {
        release_spend(clearance, sale.error());
        if (sale.error().code != Errc::conflict)
            for (const auto& c : sv_cleared) hub_->release(c);
        return failure(sale.error());
    }
    // A member QR code consents to one payment from the balance, not to five minutes of them.
    if (member && request.member_verified) code_shown_at_.erase(member->uid);
    const auto& program = **engine_->programs().get(program_);
    std::optional<TierProgress> progress;
    if (member)
        if (auto p = engine_->tiers().progress(member->id, clock_->now()))
            progress = std::move(p.value());
    std::optional<std::string> qr;
    if (!member && receipt_key_)
        qr = mint_receipt_code(
            ReceiptCode{program_, store_, terminal_, basket.receipt, clock_->now()}, *receipt_key_);
    const auto lines = receipt_lines(*sale, member, program, progress, qr.has_value());
    return Reply::success_text(sale_text(basket.receipt, *sale, lines, config_.cashier, qr));
}

Reply Session::refund_of(const std::string& receipt, const std::string& refund_ref,
                         std::vector<RefundLine> lines, bool void_sale) {
    RefundRequest request{program_,   store_,           terminal_, receipt,
                          refund_ref, std::move(lines), void_sale};
    auto r = engine_->sales().refund(request);
    if (!r) return failure(r.error());
    return Reply::success(refund_json(receipt, refund_ref, *r));
}

Reply Session::refund(const RefundCall& call) {
    if (call.receipt.empty() || call.refund_ref.empty())
        return Reply::failure(LOYALTY_POS_E_INVALID_ARGUMENT,
                              "a refund needs the receipt and the refund slip number");
    return refund_of(call.receipt, call.refund_ref, call.lines);
}

Reply Session::void_sale(const std::string& receipt) {
    if (receipt.empty())
        return Reply::failure(LOYALTY_POS_E_INVALID_ARGUMENT, "void needs the receipt number");
    // The terminal's own last sale, whichever session committed it (the till may have restarted).
    auto last = engine_->sales().last_of_terminal(program_, store_, terminal_);
    if (!last) return failure(last.error());
    const auto status = last->has_value() ? (*last)->status : std::string();
    if (!last->has_value() || receipt != (*last)->receipt)
        return Reply::failure(
            LOYALTY_POS_E_BAD_STATE,
            "only the terminal's last sale can be voided; use a refund for receipt " + receipt);
    if (status == "partially_refunded")
        return Reply::failure(
            LOYALTY_POS_E_BAD_STATE,
            "receipt " + receipt + " was partly refunded; refund the rest instead");
    auto reply = refund_of(receipt, "void", {}, /*void_sale=*/true);
    if (reply.status == LOYALTY_POS_E_REFUND_EXCEEDS_SALE)  // refunded by a slip, not voided
        return Reply::failure(LOYALTY_POS_E_BAD_STATE,
                              "receipt " + receipt + " was refunded already");
    return reply;
}

Reply Session::redeem(const RedeemCall& call) {
    auto member = member_by_uid(call.member);
    if (!member) return failure(member.error());
    std::optional<sync::SpendClearance> clearance;
    auto redeemed = engine_->rewards().redeemed(call.request_id);  // a replay: cleared before
    if (!redeemed) return failure(redeemed.error());
    if (hub_ && !call.request_id.empty() && !*redeemed) {
        Points cost = 0;
        for (const auto& r : engine_->rewards().catalog(program_))
            if (r.code == call.reward) cost = r.points_cost;
        auto cleared = clear_spend(*member, cost, "reward/" + terminal_ + "/" + call.request_id);
        if (!cleared) return failure(cleared.error());
        clearance = std::move(cleared.value());
    }
    auto coupon = engine_->rewards().redeem(member->id, call.reward, call.request_id);
    if (!coupon) {
        release_spend(clearance, coupon.error());
        return failure(coupon.error());
    }
    return Reply::success(
        json{{"coupon", coupon_json(*coupon)},
             {"points_available", engine_->ledger().balance(member->id).available}});
}

Reply Session::check_manager(const ManagerCredential& c) {
    auto who = engine_->staff().require_manager(c.manager, c.pin);
    if (!who) {
        const auto& e = who.error();
        return e.code == Errc::storage ? failure(e)
                                       : Reply::failure(LOYALTY_POS_E_UNAUTHORIZED, e.message);
    }
    return Reply::success(nullptr);
}

Reply Session::adjust_points(const AdjustCall& call) {
    auto member = member_by_uid(call.member);
    if (!member) return failure(member.error());
    if (call.points == 0 || call.reason.empty() || call.request_id.empty())
        return Reply::failure(LOYALTY_POS_E_INVALID_ARGUMENT,
                              "an adjustment needs non-zero points, a reason and a request id");
    if (auto ok = check_manager(call.credential); !ok.ok()) return ok;
    auto entry = engine_->ledger().adjust(member->id, call.points, call.reason,
                                          call.credential.manager, call.request_id);
    if (!entry) return failure(entry.error());
    return Reply::success(
        json{{"member", member->uid},
             {"points", call.points},
             {"points_available", engine_->ledger().balance(member->id).available}});
}

Reply Session::block_card(const BlockCall& call) {
    if (call.card.empty() || call.reason.empty())
        return Reply::failure(LOYALTY_POS_E_INVALID_ARGUMENT,
                              "blocking a card needs the card number and a reason");
    auto card = engine_->cards().find(program_, call.card);
    if (!card) return failure(card.error());
    if (auto ok = check_manager(call.credential); !ok.ok()) return ok;
    auto blocked =
        engine_->cards().block(program_, call.card, call.reason, call.credential.manager);
    if (!blocked) return failure(blocked.error());
    return Reply::success(json{{"card", blocked->number}, {"status", to_string(blocked->status)}});
}

Reply Session::enroll(const EnrollCall& call) {
    // A phone this store knows goes to the local step (a replay, or the phone taken). One it
    // does not is asked at the hub first: a member of another store is linked, not enrolled
    // again. Unknown there, or no answer in time: a member of this store. (A phone enrolled
    // offline that the hub knew already is merged by the hub into its first member when the
    // enrollment arrives, and this store merges its copy when the hub says so.)
    if (hub_ && call.consent_privacy) {
        auto elsewhere = sync::member_to_link(*hub_, *engine_, program_, call.phone);
        if (!elsewhere) return failure(elsewhere.error());
        if (*elsewhere) return link_hub_member(*engine_, program_, **elsewhere, call);
    }
    return enroll_in_store(*engine_, program_, store_, call);
}

Reply Session::sync_status() {
    auto& outbox = engine_->outbox();
    const auto oldest = outbox.oldest_pending();
    return Reply::success(
        json{{"backlog", outbox.backlog()},
             {"oldest_pending", oldest ? json(format_iso8601(*oldest)) : json(nullptr)}});
}

}  // namespace loyalty::pos
