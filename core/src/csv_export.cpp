#include "loyalty/csv_export.hpp"

#include <functional>

#include "engine_context.hpp"
#include "loyalty/storage/engine_storage.hpp"

namespace loyalty {

std::string csv_field(const std::string& value) {
    if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
    std::string out = "\"";
    for (char c : value) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

namespace {

// Column i's text as it goes into the file (a mask, or as it is).
using ColumnFilter = std::function<std::string(int column, std::string text)>;

// Streams every row of a query as CSV; columns are read as text.
Result<std::int64_t> stream_csv(Engine& engine, const std::string& program,
                                const std::string& header, const char* sql, int columns,
                                std::ostream& out, const ColumnFilter& filter = {}) {
    return guarded([&]() -> Result<std::int64_t> {
        auto p = engine.programs().get(program);
        if (!p) return p.error();
        out << header << "\r\n";
        auto st = engine_database(engine).prepare(sql);
        st.bind(1, program);
        std::int64_t rows = 0;
        while (st.step()) {
            for (int c = 0; c < columns; ++c)
                out << (c ? "," : "") << csv_field(filter ? filter(c, st.text(c)) : st.text(c));
            out << "\r\n";
            ++rows;
        }
        if (!out) return make_error(Errc::storage, "writing the export failed");
        return rows;
    });
}

}  // namespace

Result<std::int64_t> export_members_csv(Engine& engine, const std::string& program,
                                        std::ostream& out, bool unmasked) {
    constexpr int kName = 1, kPhone = 2;
    const ColumnFilter masked = [](int column, std::string text) {
        if (column == kName) return mask_name(text);
        if (column == kPhone && !text.empty()) return mask_phone(text);
        return text;
    };
    return stream_csv(
        engine, program,
        "member_id,name,phone,tier,status,points_available,points_pending,enrolled_at,last_visit_"
        "at,"
        "rfm_score,consent_marketing",
        "SELECT m.id, m.display_name, (SELECT value FROM identities i WHERE i.member_id = m.id AND "
        "i.kind = 'phone' LIMIT 1), m.tier_code, m.status, m.points_available, m.points_pending, "
        "strftime('%Y-%m-%dT%H:%M:%SZ', m.enrolled_at, 'unixepoch'), "
        "strftime('%Y-%m-%dT%H:%M:%SZ', m.last_visit_at, 'unixepoch'), m.rfm_score, "
        "CASE WHEN m.consent_marketing_at IS NULL THEN 'no' ELSE 'yes' END "
        "FROM members m JOIN programs p ON p.id = m.program_id WHERE p.code = ? ORDER BY m.id",
        11, out, unmasked ? ColumnFilter{} : masked);
}

Result<std::int64_t> export_ledger_csv(Engine& engine, const std::string& program,
                                       std::ostream& out) {
    return stream_csv(
        engine, program,
        "entry_id,member_id,kind,available_delta,pending_delta,occurred_at,reason,reference,store,"
        "terminal,actor",
        "SELECT e.id, e.member_id, e.kind, e.available_delta, e.pending_delta, "
        "strftime('%Y-%m-%dT%H:%M:%SZ', e.occurred_at, 'unixepoch'), e.reason, e.reference, "
        "e.store, "
        "e.terminal, e.actor FROM ledger_entries e JOIN members m ON m.id = e.member_id "
        "JOIN programs p ON p.id = m.program_id WHERE p.code = ? ORDER BY e.id",
        11, out);
}

}  // namespace loyalty
