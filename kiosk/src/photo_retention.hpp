#pragma once
// How long the kiosk keeps receipt photos: a photo is the shopper's personal data, kept while a
// manager may need it to settle a claim and then deleted (KioskConfig::photo_keep_days).
#include <filesystem>

#include "loyalty/engine.hpp"

namespace loyalty::kiosk {

// Where the kiosk saves a claim's photo: beside the store database.
std::filesystem::path claim_photos_dir(const std::filesystem::path& db_path);

// Deletes the photos of claims decided more than `keep_days` ago (their claims keep everything
// else), and any file in `dir` that no claim refers to and is over a day old (left by a kiosk
// stopped while a claim was being taken, or a released photo whose delete failed). A claim
// waiting for review keeps its photo. Returns how many files went.
Result<int> forget_old_photos(Engine& engine, const std::filesystem::path& dir, int keep_days);

}  // namespace loyalty::kiosk
