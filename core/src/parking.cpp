#include "loyalty/parking.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include "engine_context.hpp"
#include "loyalty/checked_math.hpp"
#include "loyalty/event_fields.hpp"
#include "loyalty/points_ledger.hpp"
#include "member_rows.hpp"

namespace loyalty {

using nlohmann::json;

namespace {

// The provinces' one-character abbreviations that open a plate (省级行政区简称).
constexpr std::array<std::string_view, 31> kProvinces = {
    "京", "津", "沪", "渝", "冀", "豫", "云", "辽", "黑", "湘", "皖", "鲁", "新", "苏", "浙", "赣",
    "鄂", "桂", "甘", "晋", "蒙", "陕", "吉", "闽", "贵", "粤", "青", "藏", "川", "宁", "琼"};

constexpr int kMaxHoursPerCredit = 24;

// One UTF-8 code point from `s` at `i` (advancing it); U+FFFD for a malformed sequence.
char32_t next_code_point(std::string_view s, std::size_t& i) {
    const auto b = static_cast<unsigned char>(s[i]);
    const int n = b < 0x80           ? 1
                  : (b >> 5) == 0x6  ? 2
                  : (b >> 4) == 0xE  ? 3
                  : (b >> 3) == 0x1E ? 4
                                     : 0;
    if (n == 0 || i + static_cast<std::size_t>(n) > s.size()) {
        ++i;
        return 0xFFFD;
    }
    char32_t c = n == 1 ? b : b & (0x7F >> n);
    for (int k = 1; k < n; ++k) {
        const auto cont = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
        if ((cont >> 6) != 0x2) {
            ++i;
            return 0xFFFD;
        }
        c = (c << 6) | (cont & 0x3F);
    }
    i += static_cast<std::size_t>(n);
    return c;
}

bool plate_letter_or_digit(char c) {
    return ((c >= 'A' && c <= 'Z') && c != 'I' && c != 'O') || (c >= '0' && c <= '9');
}

std::string local_day(Timestamp t, int utc_offset_minutes) {
    const auto d = local_date(t, utc_offset_minutes);
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02u-%02u", d.year, d.month, d.day);
    return text;
}

bool valid_credit_id(const std::string& id) {
    return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
    });
}

constexpr const char* kCreditColumns =
    "c.id, c.uid, c.credit_id, p.code, c.member_id, c.plate, c.free_minutes, c.bought_hours, "
    "c.points, c.credit_day, c.store, c.terminal, c.credited_at";

ParkingCredit credit_from_row(const Statement& row) {
    ParkingCredit c;
    c.id = row.int64(0);
    c.uid = row.text(1);
    c.credit_id = row.text(2);
    c.program = row.text(3);
    c.member = row.int64(4);
    c.plate = row.text(5);
    c.free_minutes = static_cast<int>(row.int64(6));
    c.bought_hours = static_cast<int>(row.int64(7));
    c.points = row.int64(8);
    c.date = row.text(9);
    c.store = row.text(10);
    c.terminal = row.text(11);
    c.credited_at = from_unix(row.int64(12));
    return c;
}

std::vector<std::string> plates_of(Database& db, MemberId member) {
    std::vector<std::string> out;
    db.prepare("SELECT plate FROM member_plates WHERE member_id = ? ORDER BY added_at, rowid")
        .bind(1, member)
        .each([&](const Statement& row) { out.push_back(row.text(0)); });
    return out;
}

std::optional<Error> no_active_member(const std::optional<Member>& member, MemberId id,
                                      const std::string* program = nullptr) {
    if (member && member->status == "active" && (!program || member->program == *program))
        return std::nullopt;
    return make_error(Errc::not_found, "no active member " + std::to_string(id) +
                                           (program ? " in " + *program : std::string()));
}

}  // namespace

std::optional<std::string> normalize_plate(std::string_view typed) {
    if (typed.size() > 64) return std::nullopt;
    std::string province;
    std::string rest;
    for (std::size_t i = 0; i < typed.size();) {
        const auto start = i;
        char32_t c = next_code_point(typed, i);
        // Separators people type or plates print: space, ideographic space, middle dots, dashes.
        if (c == U' ' || c == U'\t' || c == 0x3000 || c == 0x00B7 || c == 0x2022 || c == 0x30FB ||
            c == 0xFF0E || c == U'-' || c == U'.' || c == 0xFF0D)
            continue;
        if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0;  // full-width ASCII
        if (c >= U'a' && c <= U'z') c -= 0x20;
        if (c < 0x80) {
            if (province.empty()) return std::nullopt;
            rest.push_back(static_cast<char>(c));
            continue;
        }
        if (!province.empty()) return std::nullopt;
        const auto text = typed.substr(start, i - start);
        if (std::find(kProvinces.begin(), kProvinces.end(), text) == kProvinces.end())
            return std::nullopt;
        province = std::string(text);
    }
    if (province.empty() || (rest.size() != 6 && rest.size() != 7)) return std::nullopt;
    if (!(rest[0] >= 'A' && rest[0] <= 'Z') || rest[0] == 'I' || rest[0] == 'O')
        return std::nullopt;
    if (!std::all_of(rest.begin() + 1, rest.end(), plate_letter_or_digit)) return std::nullopt;
    // New energy (新能源): six after the letter, D (electric) or F (hybrid) first or last.
    if (rest.size() == 7) {
        const auto is_df = [](char c) { return c == 'D' || c == 'F'; };
        if (!is_df(rest[1]) && !is_df(rest[6])) return std::nullopt;
    }
    return province + rest;
}

Result<std::vector<std::string>> Parking::plates(MemberId member) {
    return guarded([&]() -> Result<std::vector<std::string>> {
        if (auto missing = no_active_member(load_member(ctx_, member), member)) return *missing;
        return plates_of(*ctx_.db, member);
    });
}

Result<std::vector<std::string>> Parking::add_plate(MemberId member, std::string_view typed) {
    return guarded([&]() -> Result<std::vector<std::string>> {
        const auto plate = normalize_plate(typed);
        if (!plate)
            return make_error(Errc::invalid_argument,
                              "\"" + std::string(typed.substr(0, 64)) +
                                  "\" is not a plate: a province (京, 沪, 粤...), a letter, "
                                  "then 5 letters or digits (6 for a new-energy plate)");
        auto& db = *ctx_.db;
        Transaction tx(db);
        const auto m = load_member(ctx_, member);
        if (auto missing = no_active_member(m, member)) return *missing;
        auto saved = plates_of(db, member);
        if (std::find(saved.begin(), saved.end(), *plate) != saved.end()) return saved;
        if (static_cast<int>(saved.size()) >= kMaxPlatesPerMember)
            return make_error(Errc::limit_exceeded, "a member keeps at most " +
                                                        std::to_string(kMaxPlatesPerMember) +
                                                        " plates: remove one first");
        db.prepare("INSERT INTO member_plates(member_id, plate, added_at) VALUES (?, ?, ?)")
            .bind_all(member, *plate, to_unix(ctx_.now()))
            .run();
        ctx_.emit("parking.plate_added", m->program, json{{"member", member}, {"plate", *plate}});
        saved.push_back(*plate);
        tx.commit();
        return saved;
    });
}

Result<std::vector<std::string>> Parking::remove_plate(MemberId member, std::string_view typed) {
    return guarded([&]() -> Result<std::vector<std::string>> {
        const auto plate = normalize_plate(typed);
        auto& db = *ctx_.db;
        Transaction tx(db);
        const auto m = load_member(ctx_, member);
        if (auto missing = no_active_member(m, member)) return *missing;
        if (plate)
            db.prepare("DELETE FROM member_plates WHERE member_id = ? AND plate = ?")
                .bind_all(member, *plate)
                .run();
        if (!plate || db.changes() == 0)
            return make_error(Errc::not_found, std::string(typed.substr(0, 64)) +
                                                   " is not one of the member's plates");
        ctx_.emit("parking.plate_removed", m->program, json{{"member", member}, {"plate", *plate}});
        auto left = plates_of(db, member);
        tx.commit();
        return left;
    });
}

Result<ParkingToday> Parking::today(const std::string& program_code, MemberId member) {
    return guarded([&]() -> Result<ParkingToday> {
        const auto* program = ctx_.program(program_code);
        if (!program) return make_error(Errc::not_found, "unknown program " + program_code);
        const auto& config = program->config;
        auto& db = *ctx_.db;
        const auto m = load_member(ctx_, member);
        if (auto missing = no_active_member(m, member, &program_code)) return *missing;
        ParkingToday t;
        t.date = local_day(ctx_.now(), config.utc_offset_minutes);
        const auto* tier = config.tier(m->tier_code);
        t.tier = m->tier_code;
        t.tier_free_minutes = tier ? tier->parking_minutes : 0;
        const auto [free, hours] =
            *db.prepare(
                   "SELECT coalesce(sum(free_minutes), 0), coalesce(sum(bought_hours), 0) "
                   "FROM parking_credits WHERE member_id = ? AND credit_day = ?")
                 .bind_all(member, t.date)
                 .one([](const Statement& row) { return std::pair(row.int64(0), row.int64(1)); });
        t.free_minutes_credited = static_cast<int>(free);
        t.free_minutes_left = t.tier_free_minutes > 0 && free == 0;
        t.hours_bought = static_cast<int>(hours);
        t.points_per_hour = config.parking.points_per_hour;
        t.available = ctx_.ledger.balance(member).available;
        if (config.parking.max_bought_hours > 0)
            t.hours_cap_left = std::max(0, config.parking.max_bought_hours - t.hours_bought);
        if (t.points_per_hour > 0) {
            const auto affordable =
                std::min<Points>(t.available / t.points_per_hour, kMaxHoursPerCredit);
            t.hours_buyable = static_cast<int>(
                std::min<Points>(affordable, t.hours_cap_left.value_or(kMaxHoursPerCredit)));
        }
        t.plates = plates_of(db, member);
        return t;
    });
}

Result<ParkingOutcome> Parking::credit(const ParkingCreditRequest& r) {
    return guarded([&]() -> Result<ParkingOutcome> {
        if (!valid_credit_id(r.credit_id))
            return make_error(Errc::invalid_argument,
                              "a parking credit needs an id of 1-64 letters, digits, _ or -");
        const auto* program = ctx_.program(r.program);
        if (!program) return make_error(Errc::not_found, "unknown program " + r.program);
        const auto& config = program->config;
        const auto plate = normalize_plate(r.plate);
        if (!plate)
            return make_error(Errc::invalid_argument,
                              "\"" + r.plate.substr(0, 64) + "\" is not a plate");
        auto& db = *ctx_.db;
        const auto& origin = ctx_.origin;
        // The id is looked up under the write lock: of ten copies at once, one books and nine
        // find what it booked.
        Transaction tx(db);
        if (auto before =
                db.prepare(std::string("SELECT ") + kCreditColumns +
                           " FROM parking_credits c JOIN programs p ON p.id = c.program_id "
                           "WHERE c.program_id = ? AND c.store = ? AND c.terminal = ? AND "
                           "c.credit_id = ?")
                    .bind_all(program->id, origin.store, origin.terminal, r.credit_id)
                    .one(credit_from_row)) {
            if (before->member != r.member || before->plate != *plate ||
                (before->free_minutes > 0) != r.free_minutes || before->bought_hours != r.hours)
                return make_error(Errc::conflict,
                                  "parking credit " + r.credit_id + " was used for another credit");
            ParkingOutcome again{*before, true, ctx_.ledger.balance(r.member).available};
            return again;
        }
        const auto m = load_member(ctx_, r.member);
        if (auto missing = no_active_member(m, r.member, &r.program)) return *missing;
        if (!db.prepare("SELECT 1 FROM member_plates WHERE member_id = ? AND plate = ?")
                 .bind_all(r.member, *plate)
                 .scalar())
            return make_error(Errc::not_found, *plate + " is not one of the member's plates");
        if (r.hours < 0 || r.hours > kMaxHoursPerCredit)
            return make_error(Errc::invalid_argument,
                              "hours to buy are 0 to " + std::to_string(kMaxHoursPerCredit));
        if (!r.free_minutes && r.hours == 0)
            return make_error(Errc::invalid_argument,
                              "nothing to credit: ask for the free minutes or some hours");
        const auto now = ctx_.now();
        const auto today = local_day(now, config.utc_offset_minutes);
        const auto [free_today, hours_today] =
            *db.prepare(
                   "SELECT coalesce(sum(free_minutes), 0), coalesce(sum(bought_hours), 0) "
                   "FROM parking_credits WHERE member_id = ? AND credit_day = ?")
                 .bind_all(r.member, today)
                 .one([](const Statement& row) { return std::pair(row.int64(0), row.int64(1)); });
        int free_minutes = 0;
        if (r.free_minutes) {
            const auto* tier = config.tier(m->tier_code);
            free_minutes = tier ? tier->parking_minutes : 0;
            if (free_minutes <= 0)
                return make_error(
                    Errc::invalid_argument,
                    "tier " + (tier ? tier->name : m->tier_code) + " has no free parking");
            if (free_today > 0)
                return make_error(Errc::already_used, "today's " + std::to_string(free_today) +
                                                          " free minutes were credited already");
        }
        Points points = 0;
        if (r.hours > 0) {
            const auto& rules = config.parking;
            if (rules.points_per_hour <= 0)
                return make_error(Errc::invalid_argument,
                                  "parking hours are not sold for points here");
            if (rules.max_bought_hours > 0 && hours_today + r.hours > rules.max_bought_hours)
                return make_error(Errc::limit_exceeded,
                                  "at most " + std::to_string(rules.max_bought_hours) +
                                      " hours a day may be bought with points; " +
                                      std::to_string(std::max<std::int64_t>(
                                          0, rules.max_bought_hours - hours_today)) +
                                      " left today");
            const auto cost = checked_mul(rules.points_per_hour, r.hours);
            if (!cost || *cost > max_event_points)
                return make_error(Errc::invalid_argument, "the hours cost too many points");
            points = *cost;
        }
        const auto uid = origin.store + "/" + origin.terminal + "/" + r.credit_id;
        db.prepare(
              "INSERT INTO parking_credits(program_id, member_id, plate, free_minutes, "
              "bought_hours, points, store, terminal, credit_id, uid, credited_at, credit_day) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind_all(program->id, r.member, *plate, free_minutes, r.hours, points, origin.store,
                      origin.terminal, r.credit_id, uid, to_unix(now), today)
            .run();
        const auto id = db.last_insert_rowid();
        if (points > 0) {
            auto debit = ctx_.ledger.debit(
                Debit{r.member, LedgerKind::redeem, points,
                      "parking " + *plate + ": " + std::to_string(r.hours) + " h", "parking:" + uid,
                      "parking:" + r.program + "/" + uid, std::nullopt});
            if (!debit) return debit.error();
        }
        const auto available = ctx_.ledger.balance(r.member).available;
        ctx_.emit("parking.credited", r.program,
                  json{{"credit", uid},
                       {"member", r.member},
                       {"plate", *plate},
                       {"free_minutes", free_minutes},
                       {"bought_hours", r.hours},
                       {"points", points},
                       {"date", today},
                       {"store", origin.store},
                       {"available", available}});
        auto booked = db.prepare(std::string("SELECT ") + kCreditColumns +
                                 " FROM parking_credits c JOIN programs p ON p.id = "
                                 "c.program_id WHERE c.id = ?")
                          .bind(1, id)
                          .one(credit_from_row);
        ParkingOutcome out{std::move(*booked), false, available};
        tx.commit();
        return out;
    });
}

Result<std::vector<ParkingCredit>> Parking::credits_of(MemberId member, const std::string& date) {
    return guarded([&]() -> Result<std::vector<ParkingCredit>> {
        std::vector<ParkingCredit> out;
        ctx_.db
            ->prepare(std::string("SELECT ") + kCreditColumns +
                      " FROM parking_credits c JOIN programs p ON p.id = c.program_id WHERE "
                      "c.member_id = ? AND c.credit_day = ? ORDER BY c.id")
            .bind_all(member, date)
            .each([&](const Statement& row) { out.push_back(credit_from_row(row)); });
        return out;
    });
}

}  // namespace loyalty
