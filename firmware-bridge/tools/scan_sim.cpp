// loyalty-scan-sim: plays a card reader, scanner or camera for the demo by sending
// lines to loyalty-scan-monitor's (or the kiosk's) simulator socket.
//   loyalty-scan-sim card 04A1B2C3D4E5F6
//   loyalty-scan-sim qr 'LM1.hub.eyJ...'
//   echo 'swipe ;6280001234567890=2812101?' | loyalty-scan-sim
#include <CLI/CLI.hpp>

#include <iostream>
#include <string>
#include <vector>

#include "loyalty/devices/simulator.hpp"

int main(int argc, char** argv) {
    using namespace loyalty::devices;
    CLI::App app{"Send a simulated scan (card, qr, barcode, swipe) to the terminal"};
    std::string sim_path = default_sim_socket();
    std::vector<std::string> words;
    app.add_option("--sim", sim_path, "simulator socket")->capture_default_str();
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
