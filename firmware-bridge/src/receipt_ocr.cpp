// Tesseract behind ReceiptOcr. Thermal receipts photographed by the kiosk camera are
// small print (a CJK character is 24 dots at 203 dpi), speckled and a little skewed;
// Leptonica straightens and enlarges them before Tesseract's LSTM reads them as one
// column of lines, and the pure field extractor turns the lines into claim fields.
#include "loyalty/devices/receipt_ocr.hpp"

#include <leptonica/allheaders.h>
#include <tesseract/baseapi.h>
#include <tesseract/resultiterator.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <filesystem>

namespace loyalty::devices {

namespace {

constexpr int kMaxSide = 10000;
// Below this width the photo is enlarged 2x: Tesseract's LSTM reads CJK best at
// 40-50 px per character and a thermal receipt at printer resolution has 24.
constexpr int kUpscaleBelowWidth = 1000;
constexpr int kSkewThreshold = 140;  // grey level: darker is ink, for the skew search only
constexpr float kMinSkewConfidence = 1.0F;
constexpr float kMinSkewDegrees = 0.2F;
constexpr float kRadiansPerDegree = 3.14159265F / 180.0F;

struct PixDeleter {
    void operator()(Pix* pix) const { pixDestroy(&pix); }
};
using PixPtr = std::unique_ptr<Pix, PixDeleter>;

struct TextDeleter {
    void operator()(char* text) const { delete[] text; }
};
using TextPtr = std::unique_ptr<char[], TextDeleter>;

PixPtr to_pix(const GreyImage& image) {
    PixPtr pix(pixCreate(image.width, image.height, 8));
    if (!pix) return nullptr;
    l_uint32* data = pixGetData(pix.get());
    const int wpl = pixGetWpl(pix.get());
    for (int y = 0; y < image.height; ++y) {
        const std::uint8_t* src = image.data + static_cast<std::ptrdiff_t>(y) * image.stride;
        l_uint32* row = data + static_cast<std::ptrdiff_t>(y) * wpl;
        for (int x = 0; x < image.width; ++x)
            SET_DATA_BYTE(row, x, src[static_cast<std::ptrdiff_t>(x) * image.pixel_stride]);
    }
    return pix;
}

// Speckle out, small print enlarged, skew straightened; binarising is left to
// Tesseract (its Otsu on the cleaned grey image read the rendered receipts better than
// Sauvola or Leptonica's adaptive Otsu did, see tests/firmware-bridge). Each step keeps
// the previous image when Leptonica declines (it returns null on odd input).
PixPtr preprocess(PixPtr pix) {
    // Dust and thermal-paper flecks are 1-2 px; a 3x3 median removes them before they
    // become "characters" and before they spoil the skew search.
    if (PixPtr smooth{pixMedianFilter(pix.get(), 3, 3)}) pix = std::move(smooth);
    if (pixGetWidth(pix.get()) < kUpscaleBelowWidth) {
        if (PixPtr scaled{pixScaleGrayLI(pix.get(), 2.0F, 2.0F)}) pix = std::move(scaled);
    }
    // The skew is searched on a thresholded copy; Leptonica's own pixDeskew declines
    // below a confidence of 3, which a photographed receipt rarely reaches, so the
    // grey image is rotated here from a confidence of 1.
    l_float32 angle = 0;
    l_float32 confidence = 0;
    PixPtr binary{pixConvertTo1(pix.get(), kSkewThreshold)};
    if (binary && pixFindSkew(binary.get(), &angle, &confidence) == 0 &&
        confidence >= kMinSkewConfidence && std::abs(angle) >= kMinSkewDegrees) {
        if (PixPtr straight{pixRotate(pix.get(), angle * kRadiansPerDegree, L_ROTATE_AREA_MAP,
                                      L_BRING_IN_WHITE, 0, 0)})
            pix = std::move(straight);
    }
    return pix;
}

Error engine_error(const char* what) {
    return make_error(Errc::device, std::string("OCR engine: ") + what);
}

}  // namespace

ReceiptOcr::ReceiptOcr(std::unique_ptr<tesseract::TessBaseAPI> api) : api_(std::move(api)) {}
ReceiptOcr::ReceiptOcr(ReceiptOcr&&) noexcept = default;
ReceiptOcr& ReceiptOcr::operator=(ReceiptOcr&&) noexcept = default;
ReceiptOcr::~ReceiptOcr() {
    if (api_) api_->End();
}

Result<ReceiptOcr> ReceiptOcr::open(const ReceiptOcrOptions& options) {
    if (options.languages.empty())
        return make_error(Errc::invalid_argument, "OCR: no language given (e.g. chi_sim+eng)");
    if (!options.tessdata_dir.empty()) {
        std::string langs = options.languages;
        std::size_t start = 0;
        while (start <= langs.size()) {
            const auto end = std::min(langs.find('+', start), langs.size());
            const auto lang = langs.substr(start, end - start);
            const auto file = std::filesystem::path(options.tessdata_dir) / (lang + ".traineddata");
            std::error_code ec;
            if (!std::filesystem::is_regular_file(file, ec)) {
                std::string package = "tesseract-ocr-" + lang;  // Debian: chi_sim -> chi-sim
                std::replace(package.begin(), package.end(), '_', '-');
                return make_error(Errc::not_found, "OCR: no language data " + file.string() +
                                                       " (apt-get install " + package + ")");
            }
            start = end + 1;
        }
    }
    try {
        auto api = std::make_unique<tesseract::TessBaseAPI>();
        const char* datapath =
            options.tessdata_dir.empty() ? nullptr : options.tessdata_dir.c_str();
        if (api->Init(datapath, options.languages.c_str(), tesseract::OEM_LSTM_ONLY) != 0)
            return make_error(Errc::not_found,
                              "OCR: Tesseract could not load the language data '" +
                                  options.languages +
                                  "' (apt-get install tesseract-ocr-chi-sim tesseract-ocr-eng)");
        // One block: a receipt's label and its figure far to the right are one line.
        // (PSM_SINGLE_COLUMN split the figures into a block of their own and lost
        // which label each belongs to: amount accuracy 35% against 90%.)
        api->SetPageSegMode(tesseract::PSM_SINGLE_BLOCK);
        api->SetVariable("debug_file", "/dev/null");  // no "Estimating resolution" chatter
        return ReceiptOcr(std::move(api));
    } catch (const std::exception& e) {
        return engine_error(e.what());
    }
}

Result<OcrReceipt> ReceiptOcr::read(const GreyImage& image) {
    if (!api_) return make_error(Errc::invalid_argument, "OCR: engine moved from");
    if (image.data == nullptr || image.width <= 0 || image.height <= 0 || image.width > kMaxSide ||
        image.height > kMaxSide || image.pixel_stride <= 0 ||
        image.stride < (image.width - 1) * image.pixel_stride + 1)
        return make_error(Errc::invalid_argument,
                          "OCR: the image view is empty, inconsistent or over 10,000 px a side");
    try {
        PixPtr pix = to_pix(image);
        if (!pix) return engine_error("out of memory for the image");
        pix = preprocess(std::move(pix));
        api_->SetImage(pix.get());
        api_->SetSourceResolution(300);
        if (api_->Recognize(nullptr) != 0) return engine_error("recognition failed");

        OcrReceipt out;
        std::unique_ptr<tesseract::ResultIterator> it(api_->GetIterator());
        if (it) {
            do {
                TextPtr text(it->GetUTF8Text(tesseract::RIL_TEXTLINE));
                if (!text) continue;
                std::string line(text.get());
                while (!line.empty() && (line.back() == '\n' || line.back() == ' '))
                    line.pop_back();
                if (line.empty()) continue;
                const float confidence =
                    std::clamp(it->Confidence(tesseract::RIL_TEXTLINE) / 100.0F, 0.0F, 1.0F);
                if (!out.text.empty()) out.text += '\n';
                out.text += line;
                out.lines.push_back({std::move(line), confidence});
            } while (it->Next(tesseract::RIL_TEXTLINE));
        }
        out.mean_confidence =
            std::clamp(static_cast<float>(api_->MeanTextConf()) / 100.0F, 0.0F, 1.0F);
        api_->Clear();
        out.fields = extract_receipt_fields(out.lines);
        return out;
    } catch (const std::exception& e) {
        api_->Clear();
        return engine_error(e.what());
    }
}

}  // namespace loyalty::devices
