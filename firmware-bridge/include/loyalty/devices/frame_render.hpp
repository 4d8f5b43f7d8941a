#pragma once
// Camera-like frames drawn from nothing: a shop counter seen by the kiosk's camera
// (grey, softly lit, a little sensor noise), optionally with a phone held up showing
// a QR code (encoded by ZXing's own writer). For the demo's recorded camera, the
// loyalty-scan-sim `frames` command, tests and benchmarks.
#include <cstdint>
#include <string>

#include "loyalty/devices/recorded_frames.hpp"

namespace loyalty::devices {

// No code: what the camera sees most of the time.
GreyImage render_blank_frame(int width, int height, std::uint32_t seed = 1);

// A phone about a third of the frame's height held up in the middle, its screen showing `text`
// as a QR code (error correction M) with modules of `module_px` pixels.
// A text too long for a QR code is refused.
Result<GreyImage> render_phone_qr_frame(const std::string& text, int width, int height,
                                        std::uint32_t seed = 1, int module_px = 4);

}  // namespace loyalty::devices
