#include "claim_review.hpp"

#include <stb_image.h>

#include <algorithm>

#include "loyalty/members.hpp"
#include "loyalty/receipt_claims.hpp"

namespace loyalty::kiosk {

namespace {

// The shop's names as the program gives them; its code when the program no longer has it.
template <typename View>
void name_shop(View& v, const ReceiptClaimRules* rules, const std::string& code) {
    const auto* shop = rules ? rules->shop(code) : nullptr;
    v.shop_name = shop ? shop->name : code;
    if (shop) v.shop_names = shop->names;
}

}  // namespace

Result<std::vector<ReviewClaimView>> load_claim_review(Engine& engine, const std::string& program) {
    // Every pending claim, not list()'s newest 200: the queue is worked from the oldest, and its
    // count is the manager's to-do.
    constexpr int kWholeQueue = 100000;
    auto rows = engine.receipt_claims().list(program, ClaimStatus::pending, kWholeQueue);
    if (!rows) return rows.error();
    auto config = engine.programs().get(program);
    const ReceiptClaimRules* rules = config ? &(*config)->receipt_claims : nullptr;
    std::vector<ReviewClaimView> out;
    // list() is newest first: the manager works the queue from the claim that waited longest.
    for (auto it = rows->rbegin(); it != rows->rend(); ++it) {
        const auto& c = *it;
        ReviewClaimView v;
        v.id = c.id;
        name_shop(v, rules, c.shop);
        v.receipt = c.receipt;
        v.amount = c.amount;
        v.date = c.date;
        v.points = c.points;
        if (auto member = engine.members().get(c.member)) {
            v.member = mask_name(member->display_name);
            if (auto phone = engine.members().phone_of(c.member))
                v.member += (v.member.empty() ? "" : "  ") + mask_phone(*phone);
        }
        // Why it waits, from the rules it was held by (review_above) and what OCR said.
        if (rules && rules->review_above.minor > 0 && c.amount.minor > rules->review_above.minor)
            v.review_above = rules->review_above;
        v.ocr_note = c.ocr_note;
        v.photo = c.photo;
        out.push_back(std::move(v));
    }
    return out;
}

std::vector<ClaimRefusalView> take_claim_refusals(Engine& engine, const std::string& program,
                                                  MemberId member) {
    std::vector<ClaimRefusalView> out;
    auto refused = engine.receipt_claims().unseen_refusals(member, /*mark_shown=*/true);
    if (!refused) return out;
    auto config = engine.programs().get(program);
    const ReceiptClaimRules* rules = config ? &(*config)->receipt_claims : nullptr;
    for (const auto& c : *refused) {
        ClaimRefusalView v;
        name_shop(v, rules, c.shop);
        v.receipt = c.receipt;
        v.amount = c.amount;
        v.note = c.note;
        v.reversed = c.status == ClaimStatus::reversed;
        out.push_back(std::move(v));
    }
    return out;
}

std::shared_ptr<const PhotoPixels> load_photo(const std::filesystem::path& file, int max_side) {
    int w = 0, h = 0, channels = 0;
    unsigned char* data = stbi_load(file.c_str(), &w, &h, &channels, 4);
    if (!data) return nullptr;
    // A box filter by a whole factor: the photo stays sharp enough to read a receipt's figures,
    // and the texture stays small.
    const int factor = std::max(1, (std::max(w, h) + max_side - 1) / max_side);
    auto out = std::make_shared<PhotoPixels>();
    out->width = w / factor;
    out->height = h / factor;
    out->rgba.resize(static_cast<std::size_t>(out->width) * static_cast<std::size_t>(out->height) *
                     4);
    for (int y = 0; y < out->height; ++y)
        for (int x = 0; x < out->width; ++x)
            for (int ch = 0; ch < 4; ++ch) {
                int sum = 0;
                for (int dy = 0; dy < factor; ++dy)
                    for (int dx = 0; dx < factor; ++dx)
                        sum += data[(static_cast<std::size_t>(y * factor + dy) *
                                         static_cast<std::size_t>(w) +
                                     static_cast<std::size_t>(x * factor + dx)) *
                                        4 +
                                    static_cast<std::size_t>(ch)];
                out->rgba[(static_cast<std::size_t>(y) * static_cast<std::size_t>(out->width) +
                           static_cast<std::size_t>(x)) *
                              4 +
                          static_cast<std::size_t>(ch)] =
                    static_cast<unsigned char>(sum / (factor * factor));
            }
    stbi_image_free(data);
    if (out->width == 0 || out->height == 0) return nullptr;
    return out;
}

}  // namespace loyalty::kiosk
