#include "loyalty/audit.hpp"

#include "engine_context.hpp"

namespace loyalty {

void AuditLog::record(const std::string& actor, const std::string& action,
                      const std::string& subject, const std::string& details_json) {
    ctx_.db
        ->prepare(
            "INSERT INTO audit_log(occurred_at, actor, action, subject, details) VALUES (?, ?, ?, "
            "?, ?)")
        .bind_all(to_unix(ctx_.now()), actor.empty() ? std::string("system") : actor, action,
                  subject, details_json)
        .run();
}

namespace {
std::vector<AuditRecord> read_records(Statement& st) {
    std::vector<AuditRecord> out;
    while (st.step())
        out.push_back(AuditRecord{st.int64(0), from_unix(st.int64(1)), st.text(2), st.text(3),
                                  st.text(4), st.text(5)});
    return out;
}
}  // namespace

std::vector<AuditRecord> AuditLog::for_subject(const std::string& subject) {
    auto st = ctx_.db->prepare(
        "SELECT id, occurred_at, actor, action, subject, details FROM audit_log WHERE subject = ? "
        "ORDER BY id");
    st.bind(1, subject);
    return read_records(st);
}

std::vector<AuditRecord> AuditLog::recent(int limit) {
    auto st = ctx_.db->prepare(
        "SELECT id, occurred_at, actor, action, subject, details FROM audit_log ORDER BY id DESC "
        "LIMIT ?");
    st.bind(1, limit);
    return read_records(st);
}

}  // namespace loyalty
