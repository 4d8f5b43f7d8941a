#pragma once
// The receipt-claim review queue at the kiosk, engine side (run on the engine worker): the
// claims waiting for the manager, the manager's decisions, the member told of a rejection at
// the next visit, and a claim's photo decoded for the screen.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "kiosk_state.hpp"
#include "loyalty/engine.hpp"

namespace loyalty::kiosk {

// The program's claims waiting for review, oldest first (the queue is worked in order).
Result<std::vector<ReviewClaimView>> load_claim_review(Engine& engine, const std::string& program);

// The member's claims decided against them and not yet told, marked told as they are taken.
std::vector<ClaimRefusalView> take_claim_refusals(Engine& engine, const std::string& program,
                                                  MemberId member);

// A photo file decoded and scaled down to at most `max_side` pixels on its longer side; null
// when it cannot be read (missing, not an image).
std::shared_ptr<const PhotoPixels> load_photo(const std::filesystem::path& file, int max_side);

}  // namespace loyalty::kiosk
