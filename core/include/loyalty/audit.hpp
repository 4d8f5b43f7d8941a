#pragma once
// Audit trail of manual and security-relevant changes (adjustments, card
// blocks, merges, identity links): append-only, who did what to whom and why.
#include <cstdint>
#include <string>
#include <vector>

#include "loyalty/clock.hpp"

namespace loyalty {

struct EngineContext;

struct AuditRecord {
    std::int64_t id = 0;
    Timestamp occurred_at;
    std::string actor;
    std::string action;
    std::string subject;
    std::string details;  // JSON object
};

class AuditLog {
  public:
    explicit AuditLog(EngineContext& ctx) : ctx_(ctx) {}
    void record(const std::string& actor, const std::string& action, const std::string& subject,
                const std::string& details_json);
    std::vector<AuditRecord> for_subject(const std::string& subject);
    std::vector<AuditRecord> recent(int limit);

  private:
    EngineContext& ctx_;
};

}  // namespace loyalty
