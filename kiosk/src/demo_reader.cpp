#include "demo_reader.hpp"

#include <cstdio>
#include <random>

#include "loyalty/demo_data.hpp"

namespace loyalty::kiosk {

SigningKey demo_signing_key() {
    // A published test key: demo codes prove the flow, not a secret.
    auto key = signing_key_from_seed_hex(
        "demo-1", "6b696f736b2d64656d6f2d6b65792d6e6f742d612d7365637265742d2d2d2d21");
    return key ? *key : generate_signing_key("demo-1");
}

DemoReader::DemoReader(devices::ScanQueue& queue, KioskController& kiosk)
    : queue_(queue), kiosk_(kiosk), key_(demo_signing_key()) {}

void DemoReader::set_up() {
    const auto program = kiosk_.config().program;
    kiosk_.worker().post([this, program](Engine& e) {
        std::vector<DemoMember> found;
        const auto ids = demo_showcase_members(e, program, 3);
        for (std::size_t i = 0; i < ids.size(); ++i) {
            auto m = e.members().get(ids[i]);
            if (!m) continue;
            DemoMember d;
            d.id = m->id;
            d.uid = m->uid;
            d.masked_name = mask_name(m->display_name);
            char uid[32];
            std::snprintf(uid, sizeof uid, "04D3E0%08zX", i + 1);
            d.card_uid = uid;
            if (!e.members().identify(program, IdentityKind::card_uid, d.card_uid))
                (void)link_card(e, program, m->id, d.card_uid);
            if (!m->has_pin) (void)e.members().set_pin(m->id, kDemoMemberPin);
            if (auto phone = e.members().phone_of(m->id))
                d.phone = phone->rfind("+86", 0) == 0 ? phone->substr(3) : *phone;
            found.push_back(std::move(d));
        }
        if (!e.staff().find(kiosk_.config().manager_id))
            (void)e.staff().set_pin(kiosk_.config().manager_id, "Demo manager", StaffRole::manager,
                                    kDemoManagerPin, "demo");
        std::lock_guard lock(mutex_);
        members_ = std::move(found);
    });
}

std::vector<DemoMember> DemoReader::members() const {
    std::lock_guard lock(mutex_);
    return members_;
}

void DemoReader::push(devices::ScanKind kind, const std::string& payload) {
    queue_.push(devices::ScanEvent{"sim", kind, payload, std::chrono::system_clock::now()});
}

void DemoReader::tap_card(std::size_t i) {
    auto all = members();
    if (i < all.size()) push(devices::ScanKind::card_uid, all[i].card_uid);
}

void DemoReader::show_member_code(std::size_t i, int age_seconds) {
    auto text = fresh_member_code(i, age_seconds);
    if (!text.empty()) push(devices::ScanKind::qr, text);
}

std::string DemoReader::fresh_member_code(std::size_t i, int age_seconds) {
    auto all = members();
    if (i >= all.size()) return {};
    static std::mt19937_64 rng{std::random_device{}()};
    MemberCode code{
        kiosk_.config().program, all[i].uid,
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()) -
            std::chrono::seconds{age_seconds},
        std::to_string(rng())};
    auto text = mint_member_code(code, key_);
    {
        std::lock_guard lock(mutex_);
        last_code_ = text;
    }
    return text;
}

void DemoReader::tap_unknown_card() {
    char uid[32];
    std::snprintf(uid, sizeof uid, "04AB%06X%04X",
                  static_cast<unsigned>(std::time(nullptr)) & 0xFFFFFF,
                  static_cast<unsigned>(++unknown_cards_));
    push(devices::ScanKind::card_uid, uid);
}

void DemoReader::show_garbled_code() {
    push(devices::ScanKind::qr, "LM1.demo-1.bm90LWEtY29kZQ.AAAA");
}

void DemoReader::replay_last_code() {
    std::string code;
    {
        std::lock_guard lock(mutex_);
        code = last_code_;
    }
    if (!code.empty()) push(devices::ScanKind::qr, code);
}

void DemoReader::show_new_receipt() {
    const auto program = kiosk_.config().program;
    kiosk_.worker().post([this, program](Engine& e) {
        static int serial = 0;
        const auto now = e.clock().now();
        // A mall's kiosk takes the receipts of its shops' own tills: the demo prints a national
        // e-invoice of today (a random number, 50 to 800 yuan), whose shop the shopper picks.
        if (auto config = e.programs().get(program);
            config && !(*config)->receipt_claims.shops.empty()) {
            static std::mt19937 rng{std::random_device{}()};
            const auto day = local_date(now, (*config)->utc_offset_minutes);
            const int fen = std::uniform_int_distribution<int>(5000, 80000)(rng);
            char text[96];
            std::snprintf(text, sizeof text, "01,10,044031900111,%08u,%d.%02d,%04d%02u%02u,%05u,",
                          std::uniform_int_distribution<unsigned>(0, 99999999)(rng), fen / 100,
                          fen % 100, day.year, day.month, day.day,
                          std::uniform_int_distribution<unsigned>(0, 99999)(rng));
            {
                std::lock_guard lock(mutex_);
                last_code_ = text;
            }
            push(devices::ScanKind::qr, text);
            return;
        }
        SaleRequest sale;
        sale.program = program;
        sale.receipt = "DEMO-" + std::to_string(to_unix(now)) + "-" + std::to_string(++serial);
        sale.lines = {BasketLine{"TS-1001", "apparel", 1, Money{19900}, Money{}},
                      BasketLine{"SH-3301", "shoes", 1, Money{59900}, Money{}}};
        auto committed = e.sales().commit(sale);
        if (!committed) return;
        auto text = mint_receipt_code(
            ReceiptCode{program, e.origin().store, e.origin().terminal, sale.receipt, now}, key_);
        {
            std::lock_guard lock(mutex_);
            last_code_ = text;
        }
        push(devices::ScanKind::qr, text);
    });
}

}  // namespace loyalty::kiosk
