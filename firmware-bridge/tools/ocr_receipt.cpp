// loyalty-ocr-receipt: reads a receipt photo (PNG, JPEG, PGM...) as the kiosk does and
// prints what it found as one JSON object, for operators checking a camera or a claim:
//   loyalty-ocr-receipt receipt.png
//   {"amount_minor":8800,"date":"2026-12-01","receipt_number":"A0042",...}
// Fields not read are null. Errors are one line on stderr and exit status 1.
#include <leptonica/allheaders.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "loyalty/devices/receipt_ocr.hpp"

namespace {

template <class T>
nlohmann::json or_null(const std::optional<T>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace

int main(int argc, char** argv) {
    using namespace loyalty::devices;
    // Tesseract's OpenMP threads spin against each other on a 2-core kiosk (5x the CPU
    // time); libgomp reads its limit only at start, so set it and start again.
    if (std::getenv("OMP_THREAD_LIMIT") == nullptr && ::setenv("OMP_THREAD_LIMIT", "1", 1) == 0)
        ::execv("/proc/self/exe", argv);  // returns only on failure: carry on as we are
    CLI::App app{"Read a receipt photo with OCR and print its fields as JSON"};
    std::string file;
    ReceiptOcrOptions options;
    bool with_text = false;
    app.add_option("FILE", file, "the photo (any format Leptonica reads: PNG, JPEG, PGM...)")
        ->required();
    app.add_option("--lang", options.languages, "Tesseract languages")->capture_default_str();
    app.add_option("--tessdata", options.tessdata_dir, "Tesseract's tessdata directory");
    app.add_flag("--text", with_text, "also print the recognised lines");
    CLI11_PARSE(app, argc, argv);

    setMsgSeverity(L_SEVERITY_NONE);  // Leptonica's own chatter; our errors say enough
    Pix* raw = pixRead(file.c_str());
    if (raw == nullptr) {
        std::cerr << "loyalty-ocr-receipt: cannot read an image from " << file << "\n";
        return 1;
    }
    Pix* grey = pixConvertTo8(raw, 0);
    pixDestroy(&raw);
    if (grey == nullptr) {
        std::cerr << "loyalty-ocr-receipt: cannot convert " << file << " to grey\n";
        return 1;
    }
    const int width = pixGetWidth(grey);
    const int height = pixGetHeight(grey);
    std::vector<std::uint8_t> pixels(static_cast<std::size_t>(width) *
                                     static_cast<std::size_t>(height));
    for (int y = 0; y < height; ++y) {
        const l_uint32* row = pixGetData(grey) + static_cast<std::ptrdiff_t>(y) * pixGetWpl(grey);
        for (int x = 0; x < width; ++x)
            pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                   static_cast<std::size_t>(x)] = static_cast<std::uint8_t>(GET_DATA_BYTE(row, x));
    }
    pixDestroy(&grey);

    auto ocr = ReceiptOcr::open(options);
    if (!ocr) {
        std::cerr << "loyalty-ocr-receipt: " << ocr.error().message << "\n";
        return 1;
    }
    auto read = ocr->read({pixels.data(), width, height, width, 1});
    if (!read) {
        std::cerr << "loyalty-ocr-receipt: " << read.error().message << "\n";
        return 1;
    }
    const auto& f = read->fields;
    nlohmann::json out{
        {"file", file},
        {"shop_name", or_null(f.shop_name)},
        {"receipt_number", or_null(f.receipt_number)},
        {"amount_minor", or_null(f.amount_minor)},
        {"date", or_null(f.date)},
        {"confidence",
         {{"shop_name", f.shop_name_confidence},
          {"receipt_number", f.receipt_number_confidence},
          {"amount", f.amount_confidence},
          {"date", f.date_confidence},
          {"mean", read->mean_confidence}}},
    };
    if (with_text) {
        nlohmann::json lines = nlohmann::json::array();
        for (const auto& line : read->lines)
            lines.push_back({{"text", line.text}, {"confidence", line.confidence}});
        out["lines"] = std::move(lines);
    }
    std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
}
