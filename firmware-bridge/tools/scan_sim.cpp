// loyalty-scan-sim: plays a card reader, scanner or camera for the demo by sending
// lines to loyalty-scan-monitor's (or the kiosk's) simulator socket.
//   loyalty-scan-sim card 04A1B2C3D4E5F6
//   loyalty-scan-sim qr 'LM1.hub.eyJ...'
//   echo 'swipe ;6280001234567890=2812101?' | loyalty-scan-sim
#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <random>
#include <string>
#include <vector>

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
    if (!member.empty()) {
        auto key = loyalty::signing_key_from_seed_hex(key_id, seed);
        if (!key) {
            std::cerr << "loyalty-scan-sim: " << key.error().message << "\n";
            return 1;
        }
        const auto now =
            std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
        const std::string nonce = std::to_string(now.time_since_epoch().count() % 1000000007) +
                                  "-" + std::to_string(std::random_device{}());
        std::cerr << "test key " << key_id << " public key " << loyalty::public_key_hex(*key)
                  << "\n";
        return send("qr " + loyalty::mint_member_code({program, member, now, nonce}, *key)) ? 0 : 1;
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
