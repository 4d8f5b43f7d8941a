// loyalty-scan-sim: plays a card reader, scanner or camera for the demo by sending
// lines to loyalty-scan-monitor's (or the kiosk's) simulator socket.
//   loyalty-scan-sim card 04A1B2C3D4E5F6
//   loyalty-scan-sim qr 'LM1.hub.eyJ...'
//   echo 'swipe ;6280001234567890=2812101?' | loyalty-scan-sim
// and renders what a camera would see, for a kiosk's --camera DIR or FILE.y4m:
//   loyalty-scan-sim frames --out DIR --text 'LR1...'        (blank, a phone showing it, blank)
//   loyalty-scan-sim frames --out DIR --member-qr M000042    (a fresh signed member code)
//   loyalty-scan-sim frames --out idle.y4m --code-frames 0   (blank frames only)
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "loyalty/devices/frame_render.hpp"
#include "loyalty/devices/simulator.hpp"
#include "loyalty/signed_codes.hpp"

namespace {
// A well-known TEST seed, so a demo terminal can trust the matching public key.
// Never a production key: production member codes are signed by the hub.
constexpr const char* kTestSeed =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
}  // namespace

int main(int argc, char** argv) {
    using namespace loyalty::devices;
    CLI::App app{"Send a simulated scan (card, qr, barcode, swipe) to the terminal"};
    std::string sim_path = default_sim_socket();
    std::vector<std::string> words;
    std::string member, program = "demo", key_id = "test", seed = kTestSeed;
    app.add_option("--sim", sim_path, "simulator socket")->capture_default_str();
    app.add_option("--member-qr", member,
                   "mint a signed member QR for this member and show it to the camera");
    app.add_option("--program", program, "program of the minted code")->capture_default_str();
    app.add_option("--key-id", key_id, "key id of the minted code")->capture_default_str();
    app.add_option("--key-seed", seed,
                   "64 hex chars: the signing key's seed (a TEST key by default)");
    app.add_option("scan", words, "e.g. card 04A1B2C3D4E5F6 (no words: read lines from stdin)");
    // `frames`: a recording of a phone held up to the camera, as PNG files or one .y4m file.
    std::filesystem::path out;
    std::string text, size = "1280x720";
    int blank_before = 15, code_frames = 30, blank_after = 15, module_px = 4, fps = 30;
    auto* frames = app.add_subcommand(
        "frames", "render camera frames (PNG folder or .y4m) of a phone showing a QR code");
    frames->add_option("--out", out, "a folder (PNG frames) or a file ending .y4m")->required();
    frames->add_option("--text", text, "the QR code's text");
    frames->add_option("--member-qr", member, "mint a signed member QR for this member instead");
    frames->add_option("--blank-before", blank_before, "frames without a code first")
        ->capture_default_str();
    frames->add_option("--code-frames", code_frames, "frames showing the code (0: blank only)")
        ->capture_default_str();
    frames->add_option("--blank-after", blank_after, "frames without a code after")
        ->capture_default_str();
    frames->add_option("--size", size, "frame size WxH")->capture_default_str();
    frames->add_option("--module-px", module_px, "pixels per QR module")->capture_default_str();
    frames->add_option("--fps", fps, "frame rate written into a .y4m header")
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    auto send = [&](const std::string& line) {
        auto reply = send_sim_line(sim_path, line);
        if (!reply) {
            std::cerr << "loyalty-scan-sim: " << reply.error().message << "\n";
            return false;
        }
        std::cout << *reply << "\n";
        return reply->rfind("ok", 0) == 0;
    };
    auto mint_member = [&](const loyalty::SigningKey& key) {
        const auto now =
            std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
        const std::string nonce = std::to_string(now.time_since_epoch().count() % 1000000007) +
                                  "-" + std::to_string(std::random_device{}());
        std::cerr << "test key " << key_id << " public key " << loyalty::public_key_hex(key)
                  << "\n";
        return loyalty::mint_member_code({program, member, now, nonce}, key);
    };
    if (*frames) {
        int w = 0, h = 0;
        if (std::sscanf(size.c_str(), "%dx%d", &w, &h) != 2 || w < 64 || h < 64 || w > 8192 ||
            h > 8192) {
            std::cerr << "loyalty-scan-sim: --size is WxH\n";
            return 2;
        }
        if (!member.empty()) {
            auto key = loyalty::signing_key_from_seed_hex(key_id, seed);
            if (!key) {
                std::cerr << "loyalty-scan-sim: " << key.error().message << "\n";
                return 1;
            }
            text = mint_member(*key);
        }
        if (text.empty() && code_frames > 0) {
            std::cerr << "loyalty-scan-sim: frames needs --text, --member-qr or --code-frames 0\n";
            return 2;
        }
        std::vector<GreyImage> images;
        const GreyImage blank = render_blank_frame(w, h);
        for (int i = 0; i < blank_before; ++i) images.push_back(blank);
        if (code_frames > 0) {
            auto shown = render_phone_qr_frame(text, w, h, 1, module_px);
            if (!shown) {
                std::cerr << "loyalty-scan-sim: " << shown.error().message << "\n";
                return 1;
            }
            for (int i = 0; i < code_frames; ++i) images.push_back(*shown);
        }
        for (int i = 0; i < blank_after; ++i) images.push_back(blank);
        if (images.empty()) {
            std::cerr << "loyalty-scan-sim: no frames to write\n";
            return 2;
        }
        if (out.extension() == ".y4m") {
            if (auto written = write_y4m(out, images, fps); !written) {
                std::cerr << "loyalty-scan-sim: " << written.error().message << "\n";
                return 1;
            }
        } else {
            std::error_code ec;
            std::filesystem::create_directories(out, ec);
            // Identical frames are written once each all the same: a folder plays in name order.
            for (std::size_t i = 0; i < images.size(); ++i) {
                char name[32];
                std::snprintf(name, sizeof name, "frame-%04zu.png", i);
                if (auto written = write_grey_png(out / name, images[i]); !written) {
                    std::cerr << "loyalty-scan-sim: " << written.error().message << "\n";
                    return 1;
                }
            }
        }
        std::cout << "wrote " << images.size() << " frames of " << w << "x" << h << " to "
                  << out.string() << "\n";
        return 0;
    }
    if (!member.empty()) {
        auto key = loyalty::signing_key_from_seed_hex(key_id, seed);
        if (!key) {
            std::cerr << "loyalty-scan-sim: " << key.error().message << "\n";
            return 1;
        }
        return send("qr " + mint_member(*key)) ? 0 : 1;
    }
    if (!words.empty()) {
        std::string line;
        for (const auto& w : words) line += (line.empty() ? "" : " ") + w;
        return send(line) ? 0 : 1;
    }
    bool all_ok = true;
    for (std::string line; std::getline(std::cin, line);)
        if (!line.empty()) all_ok = send(line) && all_ok;
    return all_ok ? 0 : 1;
}
