// Quantized models as exported files, judged by ONNX Runtime: ORT loads and runs every variant, agrees with
// our executor on the same file, and meets the quality floors of the quantization issue on the fixtures.
#include "OrtEval.h"
#include "OrtJudge.h"
#include "TestSupport.h"

#include "pipeline/io/Npy.h"
#include "pipeline/ir/TensorUtil.h"
#include "pipeline/onnx/OnnxExport.h"
#include "pipeline/onnx/OnnxImport.h"
#include "pipeline/passes/quantize/QuantizePass.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

using namespace autoglm;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = AUTOGLM_FIXTURES;
const fs::path kTestImages = kFixtures / "fashion_test_images.npy";
const fs::path kTestLabels = kFixtures / "fashion_test_labels.npy";

std::string readText(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Quantizes a fixture, writes it, and returns the file read back (what ORT and our executor both run).
Model quantizeToFile(const char* fixture, const QuantizeParams& params, const CalibrationSet* calibration,
                     const fs::path& file) {
    auto model = loadOnnx(kFixtures / fixture);
    if (!model)
        qFatal("%s", model.message().c_str());
    auto result = quantizeModel(model.value(), params, calibration);
    if (!result)
        qFatal("%s: %s", params.summary().c_str(), result.message().c_str());
    if (auto saved = saveOnnx(result->model, file); !saved)
        qFatal("%s", saved.message().c_str());
    auto back = loadOnnx(file);
    if (!back)
        qFatal("%s", back.message().c_str());
    return back.value();
}

CalibrationSet fashionCalibration(const Model& model) {
    auto images = loadNpy(kFixtures / "fashion_calib_images.npy");
    auto set = calibrationFromImages(model, images.value(), 128);
    if (!set)
        qFatal("%s", set.message().c_str());
    return set.value();
}

CalibrationSet textCalibration(const Model& model) {
    auto set = calibrationFromText(model, readText(kFixtures / "austen_calib.txt"), 256, 128);
    if (!set)
        qFatal("%s", set.message().c_str());
    return set.value();
}

// Our executor's argmax class for each test image, on the given model.
std::vector<int64_t> ourPredictions(const Model& model, int64_t count) {
    auto executor = Executor::create(model);
    auto images = loadNpy(kTestImages);
    const auto pixels = tensorValues(images.value());
    std::vector<int64_t> out;
    for (int64_t start = 0; start < count; start += 500) {
        const int64_t n = std::min<int64_t>(500, count - start);
        std::vector<double> batch(pixels.begin() + start * 784, pixels.begin() + (start + n) * 784);
        for (double& v : batch)
            v /= 255.0;
        auto logits = executor->run({{"image", makeTensor(DType::Float, {n, 1, 28, 28}, batch)}});
        if (!logits)
            qFatal("%s", logits.message().c_str());
        const auto v = tensorValues(logits->at("logits"));
        for (int64_t r = 0; r < n; ++r)
            out.push_back(std::max_element(v.begin() + r * 10, v.begin() + r * 10 + 10) - (v.begin() + r * 10));
    }
    return out;
}

double agreement(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
    int64_t same = 0;
    for (size_t i = 0; i < a.size(); ++i)
        same += a[i] == b[i];
    return static_cast<double>(same) / static_cast<double>(a.size());
}

// Windows of the validation text the tiny_gpt floors are judged on: 400 (a quarter) by default, 0 (all 1572)
// with AUTOGLM_LONG_TESTS=1.
int64_t floorWindows() {
    return qEnvironmentVariableIntValue("AUTOGLM_LONG_TESTS") == 1 ? 0 : 400;
}

// A variant's perplexity on floorWindows() as the whole text would give it: its ratio to the fp32 file's on the
// same windows times fp32's whole-text figure (reference.json: 2.952; both measured by ORT once per process).
double wholeTextEstimate(double variantPerplexity, const fs::path& workDir) {
    if (floorWindows() == 0)
        return variantPerplexity;
    static const double fp32Windows = [&] {
        auto fp32 = testutil::ortBytePerplexity(kFixtures / "tiny_gpt.onnx", kFixtures / "austen_val.txt", workDir, 0,
                                                floorWindows());
        if (!fp32)
            qFatal("%s", fp32.message().c_str());
        return fp32->perplexity;
    }();
    constexpr double kFp32WholeText = 2.9522;
    return variantPerplexity / fp32Windows * kFp32WholeText;
}

// Cosine similarity of our logits and ORT's over the first windows of the validation text.
double logitCosine(const Model& model, const std::vector<float>& ortLogits, int windows) {
    const std::string text = readText(kFixtures / "austen_val.txt");
    std::vector<double> ids;
    for (int i = 0; i < windows * 256; ++i)
        ids.push_back(static_cast<unsigned char>(text[i]));
    auto executor = Executor::create(model);
    auto out = executor->run({{"input_ids", makeTensor(DType::Int64, {windows, 256}, ids)}});
    if (!out)
        qFatal("%s", out.message().c_str());
    const auto ours = tensorValues(out->at("logits"));
    double dot = 0, a = 0, b = 0;
    for (size_t i = 0; i < ours.size(); ++i) {
        dot += ours[i] * ortLogits[i];
        a += ours[i] * ours[i];
        b += static_cast<double>(ortLogits[i]) * ortLogits[i];
    }
    return dot / std::sqrt(a * b);
}

} // namespace

class OrtCompressTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init() {
        if (auto reason = testutil::ortUnavailableReason(); !reason.empty())
            QSKIP(reason.c_str());
        if (!fs::exists(kFixtures / "fashion_cnn.onnx"))
            QSKIP("fixtures missing");
    }

    // Issue floor: W8A8 static top-1 >= 0.935 by ORT, file <= 30 % of fp32, ORT and we agree on >= 99.5 %.
    void fashionW8a8StaticMeetsTheFloor() {
        QTemporaryDir dir;
        const fs::path file = fs::path(dir.path().toStdString()) / "fashion_w8a8.onnx";
        auto source = loadOnnx(kFixtures / "fashion_cnn.onnx");
        const CalibrationSet calibration = fashionCalibration(source.value());
        const Model model = quantizeToFile("fashion_cnn.onnx", QuantizeParams{}, &calibration, file);
        const double sizeRatio =
            static_cast<double>(fs::file_size(file)) / fs::file_size(kFixtures / "fashion_cnn.onnx");
        auto ort = testutil::ortClassify(file, kTestImages, kTestLabels, file.parent_path());
        VERIFY_RESULT(ort);
        const double agree = agreement(ort->predictions, ourPredictions(model, 10000));
        qInfo("fashion w8a8 static minmax: ORT top-1 %.4f, file %.1f %% of fp32, ORT/ours agreement %.4f", ort->top1,
              100 * sizeRatio, agree);
        QVERIFY(ort->top1 >= 0.935);
        QVERIFY(sizeRatio <= 0.30);
        QVERIFY(agree >= 0.995);
    }

    // Every other int8 variant of fashion_cnn loads and runs in ORT and agrees with our executor (on the first
    // 1,000 test images, to keep the test short).
    void fashionVariantsAgreeWithOrt() {
        auto source = loadOnnx(kFixtures / "fashion_cnn.onnx");
        const CalibrationSet calibration = fashionCalibration(source.value());
        std::vector<QuantizeParams> variants;
        for (const char* calibrator : {"percentile", "mse", "entropy"}) {
            QuantizeParams p;
            p.calibrator = calibrator;
            variants.push_back(p);
        }
        QuantizeParams perTensor;
        perTensor.scheme = "w8a16";
        perTensor.granularity = "per-tensor";
        variants.push_back(perTensor);
        QuantizeParams gptq;
        gptq.scheme = "w8a16";
        gptq.method = "gptq";
        gptq.layers.opTypes = {"Gemm"};
        variants.push_back(gptq);
        QuantizeParams dynamic;
        dynamic.scheme = "dynamic-int8";
        variants.push_back(dynamic);
        for (const auto& p : variants) {
            QTemporaryDir dir;
            const fs::path file = fs::path(dir.path().toStdString()) / "variant.onnx";
            const Model model = quantizeToFile("fashion_cnn.onnx", p, &calibration, file);
            auto ort = testutil::ortClassify(file, kTestImages, kTestLabels, file.parent_path(), 1000);
            VERIFY_RESULT(ort);
            const double agree = agreement(ort->predictions, ourPredictions(model, 1000));
            qInfo("fashion %s: ORT top-1 %.4f, agreement %.4f", p.summary().c_str(), ort->top1, agree);
            QVERIFY2(ort->top1 >= 0.93, p.summary().c_str());
            QVERIFY2(agree >= 0.995, p.summary().c_str());
        }
    }

    // Issue floor: tiny_gpt W8A8 with SmoothQuant, perplexity <= 2.98 by ORT; logits cosine >= 0.999. Judged on
    // the first 400 of the 1572 validation windows as the ratio to the fp32 file on the same windows, times the
    // fp32 figure of the whole text (2.952), to keep ./test inside its time; the whole text with
    // AUTOGLM_LONG_TESTS=1.
    void tinyGptSmoothQuantMeetsTheFloor() {
        QTemporaryDir dir;
        const fs::path file = fs::path(dir.path().toStdString()) / "gpt_w8a8_sq.onnx";
        auto source = loadOnnx(kFixtures / "tiny_gpt.onnx");
        const CalibrationSet calibration = textCalibration(source.value());
        QuantizeParams p;
        p.smoothquant = true;
        const Model model = quantizeToFile("tiny_gpt.onnx", p, &calibration, file);
        auto ort = testutil::ortBytePerplexity(file, kFixtures / "austen_val.txt", file.parent_path(), 4,
                                               floorWindows());
        VERIFY_RESULT(ort);
        const double cosine = logitCosine(model, ort->firstLogits, 4);
        const double estimate = wholeTextEstimate(ort->perplexity, file.parent_path());
        qInfo("tiny_gpt w8a8 smoothquant 0.5: ORT perplexity %.4f over %lld windows (whole-text estimate %.4f), "
              "logits cosine %.6f",
              ort->perplexity, static_cast<long long>(ort->windows), estimate, cosine);
        QVERIFY(estimate <= 2.98);
        QVERIFY(cosine >= 0.999);
    }

    void tinyGptDynamicAgreesWithOrt() {
        QTemporaryDir dir;
        const fs::path file = fs::path(dir.path().toStdString()) / "gpt_dynamic.onnx";
        QuantizeParams p;
        p.scheme = "dynamic-int8";
        const Model model = quantizeToFile("tiny_gpt.onnx", p, nullptr, file);
        auto ort = testutil::ortBytePerplexity(file, kFixtures / "austen_val.txt", file.parent_path(), 4, 400);
        VERIFY_RESULT(ort);
        auto fp32 = testutil::ortBytePerplexity(kFixtures / "tiny_gpt.onnx", kFixtures / "austen_val.txt",
                                                file.parent_path(), 0, 400);
        VERIFY_RESULT(fp32);
        const double cosine = logitCosine(model, ort->firstLogits, 4);
        qInfo("tiny_gpt dynamic-int8, first 400 windows: ORT perplexity %.4f (fp32 %.4f), logits cosine %.6f",
              ort->perplexity, fp32->perplexity, cosine);
        QVERIFY(ort->perplexity <= fp32->perplexity + 0.02);
        QVERIFY(cosine >= 0.999);
    }

    // Issue floor: tiny_gpt INT4 group 128 by RTN, GPTQ and AWQ, all reported; GPTQ and AWQ each <= 3.02 and
    // better than RTN. Asymmetric groups (a zero point each), the format AWQ is defined with and the default of
    // ONNX Runtime's own 4-bit quantizer (whose RTN gives 3.064 here). The ranking is measured by ORT on the first
    // 200 validation windows (all three files), the floors on floorWindows().
    void tinyGptInt4Methods() {
        QTemporaryDir dir;
        const fs::path work = dir.path().toStdString();
        auto source = loadOnnx(kFixtures / "tiny_gpt.onnx");
        const CalibrationSet calibration = textCalibration(source.value());
        std::map<std::string, double> perplexity;
        for (const char* method : {"rtn", "gptq", "awq"}) {
            QuantizeParams p;
            p.scheme = "w4a16";
            p.method = method;
            p.symmetric = false;
            const fs::path file = work / (std::string("gpt_w4_") + method + ".onnx");
            const Model model = quantizeToFile("tiny_gpt.onnx", p, &calibration, file);
            auto ort = testutil::ortBytePerplexity(file, kFixtures / "austen_val.txt", work, 2, 200);
            VERIFY_RESULT(ort);
            const double cosine = logitCosine(model, ort->firstLogits, 2);
            perplexity[method] = ort->perplexity;
            qInfo("tiny_gpt %s: ORT perplexity %.4f on 200 windows, file %.2f MB, ORT/ours logits cosine %.6f",
                  p.summary().c_str(), ort->perplexity, fs::file_size(file) / 1e6, cosine);
            QVERIFY(cosine >= 0.999);
            if (std::string(method) != "rtn") {
                auto floor = testutil::ortBytePerplexity(file, kFixtures / "austen_val.txt", work, 0, floorWindows());
                VERIFY_RESULT(floor);
                const double estimate = wholeTextEstimate(floor->perplexity, work);
                qInfo("tiny_gpt w4a16 %s: ORT perplexity %.4f on %lld windows, whole-text estimate %.4f", method,
                      floor->perplexity, static_cast<long long>(floor->windows), estimate);
                QVERIFY(estimate <= 3.02);
            }
        }
        QVERIFY(perplexity["gptq"] < perplexity["rtn"]);
        QVERIFY(perplexity["awq"] < perplexity["rtn"]);
    }

    // The MatMulNBits form of the same weights: ORT's contrib op and ours agree, and the file is smaller than
    // the blocked DequantizeLinear one (no opset raise needed either).
    void tinyGptMatMulNBitsAgreesWithOrt() {
        QTemporaryDir dir;
        const fs::path work = dir.path().toStdString();
        auto source = loadOnnx(kFixtures / "tiny_gpt.onnx");
        const CalibrationSet calibration = textCalibration(source.value());
        for (bool symmetric : {true, false}) {
            QuantizeParams p;
            p.scheme = "w4a16";
            p.method = "gptq";
            p.symmetric = symmetric;
            p.int4Format = "matmulnbits";
            const fs::path file = work / (symmetric ? "nbits_sym.onnx" : "nbits_asym.onnx");
            const Model model = quantizeToFile("tiny_gpt.onnx", p, &calibration, file);
            QCOMPARE(model.opsetVersion(""), int64_t(17));
            auto ort = testutil::ortBytePerplexity(file, kFixtures / "austen_val.txt", work, 2, 100);
            VERIFY_RESULT(ort);
            const double cosine = logitCosine(model, ort->firstLogits, 2);
            qInfo("tiny_gpt %s: ORT perplexity %.4f on 100 windows, logits cosine %.6f", p.summary().c_str(),
                  ort->perplexity, cosine);
            QVERIFY(cosine >= 0.999);
        }
    }
};

QTEST_GUILESS_MAIN(OrtCompressTest)
#include "tst_ort_compress.moc"
