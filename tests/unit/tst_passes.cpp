// The pass interface and the quantization pass on the fixtures: parameters (JSON, validation), layer choice,
// calibrators, what the pass writes into the graph, cancellation, progress and bad input.
#include "PassFixtures.h"
#include "TestSupport.h"

#include "pipeline/io/Npy.h"
#include "pipeline/ir/TensorUtil.h"
#include "pipeline/onnx/OnnxImport.h"
#include "pipeline/passes/quantize/Calibrators.h"
#include "pipeline/passes/quantize/QuantizePass.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

using namespace autoglm;
using namespace testutil;
namespace fs = std::filesystem;

namespace {

// A calibrated method (`p.method`) against round-to-nearest with otherwise the same parameters: the relative RMS
// logit error of `variant` and of the rounded model on the calibration set's first batch, printed.
struct CalibratedVsRounded {
    double calibrated = 0;
    double rounded = 0;
};
CalibratedVsRounded calibratedVsRounded(const Model& model, const Model& variant, QuantizeParams p,
                                        const CalibrationSet& calibration) {
    const std::string method = p.method;
    p.method = "rtn";
    auto rtn = quantizeModel(model, p, nullptr);
    if (!rtn)
        qFatal("%s", rtn.message().c_str());
    const CalibratedVsRounded e{relativeRmsDiff(model, variant, calibration.batches.front()),
                                relativeRmsDiff(model, rtn->model, calibration.batches.front())};
    qInfo("fashion %s relative RMS logit error on calibration images: rtn %.5f, %s %.5f", p.scheme.c_str(),
          e.rounded, method.c_str(), e.calibrated);
    return e;
}

} // namespace

class PassesTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void paramsRoundTripThroughJson() {
        QuantizeParams p;
        p.scheme = "w4a16";
        p.method = "gptq";
        p.groupSize = 64;
        p.symmetric = false;
        p.gptqActOrder = true;
        p.layers.exclude = {"*head*"};
        p.layers.keepLast = true;
        auto back = QuantizeParams::fromJson(p.toJson());
        VERIFY_RESULT(back);
        QCOMPARE(back->toJson().dump(), p.toJson().dump());
    }

    void paramsErrorsNameTheField() {
        auto unknown = QuantizeParams::fromJson(nlohmann::json{{"schema", "w8a8"}});
        VERIFY_ERROR_MENTIONS(unknown, "quantize.schema: unknown field");
        auto wrongType = QuantizeParams::fromJson(nlohmann::json{{"group_size", "64"}});
        VERIFY_ERROR_MENTIONS(wrongType, "quantize.group_size: expected an integer");
        auto badGroup = QuantizeParams::fromJson(nlohmann::json{{"group_size", 48}});
        VERIFY_ERROR_MENTIONS(badGroup, "quantize.group_size is 48 but must be one of: 32, 64, 128");
        auto badAlpha = QuantizeParams::fromJson(nlohmann::json{{"smoothquant_alpha", 1.5}});
        VERIFY_ERROR_MENTIONS(badAlpha, "quantize.smoothquant_alpha is 1.5 but must be between 0 and 1");
        auto badOp = QuantizeParams::fromJson(nlohmann::json{{"layers", {{"op_types", {"Relu"}}}}});
        VERIFY_ERROR_MENTIONS(badOp, "quantize.layers.op_types is 'Relu'");
        auto nestedUnknown = QuantizeParams::fromJson(nlohmann::json{{"layers", {{"exclud", {"x"}}}}});
        VERIFY_ERROR_MENTIONS(nestedUnknown, "quantize.layers.exclud: unknown field");
    }

    void calibratorsClipOutliers() {
        // A Gaussian with one far outlier: minmax keeps it, the others cut it off.
        Histogram h{-4.0, 40.0, std::vector<double>(2048, 0.0)};
        std::mt19937 rng(7);
        std::normal_distribution<double> normal(0.0, 1.0);
        for (int i = 0; i < 200000; ++i) {
            const double x = std::clamp(normal(rng), -3.99, 3.99);
            h.counts[static_cast<size_t>((x - h.lo) / h.binWidth())] += 1;
        }
        h.counts.back() += 1;
        auto minmax = calibrateRange("minmax", h, 99.99);
        VERIFY_RESULT(minmax);
        QCOMPARE(minmax->hi, 40.0);
        for (const char* c : {"percentile", "entropy"}) {
            auto r = calibrateRange(c, h, 99.99);
            VERIFY_RESULT(r);
            QVERIFY2(r->hi < 10.0, c);
            QVERIFY2(r->lo <= -2.0, c);
        }
        // MSE keeps an outlier whose clipping would cost more than the resolution it buys, so it is judged on
        // its objective: no worse than either other range.
        auto mse = calibrateRange("mse", h, 99.99);
        auto percentile = calibrateRange("percentile", h, 99.99);
        QVERIFY(quantizationMse(h, mse.value()) <= quantizationMse(h, minmax.value()));
        QVERIFY(quantizationMse(h, mse.value()) <= quantizationMse(h, percentile.value()));
        VERIFY_ERROR_MENTIONS(calibrateRange("median", h, 99.0), "unknown calibrator");
        VERIFY_ERROR_MENTIONS(calibrateRange("minmax", Histogram{0, 1, {}}, 99.0), "no activation values");
    }

    void layerSelectionReportsEveryCandidate() {
        const Model model = loadFixture("fashion_cnn.onnx");
        LayerSelection s;
        s.keepFirst = true;
        s.keepLast = true;
        s.exclude = {"/net/l3/*"};
        auto choice = chooseLayers(model, s);
        VERIFY_RESULT(choice);
        QCOMPARE(choice->selected.size() + choice->skipped.size(), size_t(11));
        QCOMPARE(choice->selected.size(), size_t(6));
        QCOMPARE(choice->selected.front().name, std::string("/net/l1/c1/Conv"));
        QCOMPARE(choice->selected.back().name, std::string("/net/fc1/Gemm"));
        bool sawFirst = false, sawLast = false, sawPattern = false;
        for (const auto& r : choice->skipped) {
            QVERIFY(r.skipped);
            sawFirst |= r.reason.find("keep_first") != std::string::npos;
            sawLast |= r.reason.find("keep_last") != std::string::npos;
            sawPattern |= r.reason.find("exclude") != std::string::npos;
        }
        QVERIFY(sawFirst && sawLast && sawPattern);
        const WeightLayer& gemm = choice->selected.back();
        QCOMPARE(gemm.outputAxis, int64_t(0)); // fc1 is Gemm with transB=1: weight [out, in]
        QCOMPARE(gemm.inputAxis, int64_t(1));
    }

    void int8WeightsOnlyStayCloseToFloat() {
        const Model model = loadFixture("fashion_cnn.onnx");
        for (const char* granularity : {"per-channel", "per-tensor"}) {
            QuantizeParams p;
            p.scheme = "w8a16";
            p.granularity = granularity;
            std::vector<double> fractions;
            PassContext context;
            context.progress = [&](const PassProgress& progress) { fractions.push_back(progress.fraction); };
            auto result = quantizeModel(model, p, nullptr, context);
            VERIFY_RESULT(result);
            QVERIFY(std::is_sorted(fractions.begin(), fractions.end()));
            QCOMPARE(fractions.back(), 1.0);
            QCOMPARE(result->report.changedLayers(), 11);
            QCOMPARE(countOps(result->model, "DequantizeLinear"), 11);
            QVERIFY(result->report.bytesAfter() < result->report.bytesBefore() * 0.26);
            for (const auto& layer : result->report.layers)
                QVERIFY2(layer.weightError > 0 && layer.weightError < 0.03, layer.layer.c_str());
            const double diff = relativeOutputDiff(model, result->model, fashionInput(16));
            qInfo("%s: relative logit difference %.4f", granularity, diff);
            QVERIFY(diff < (std::string(granularity) == "per-channel" ? 0.03 : 0.08));
            QCOMPARE(result->model.metadata.at("autoglm.quantization"), p.summary());
        }
    }

    void staticActivationsInsertQdqPairs() {
        const Model model = loadFixture("fashion_cnn.onnx");
        auto calibration = calibrationFromImages(model, fashionImages(64), 64, 32);
        VERIFY_RESULT(calibration);
        QuantizeParams p;
        p.calibrator = "percentile";
        auto result = quantizeModel(model, p, &calibration.value());
        VERIFY_RESULT(result);
        // One QuantizeLinear per distinct activation feeding a quantized layer (l2 and l3 share theirs with
        // the shortcut conv).
        QCOMPARE(countOps(result->model, "QuantizeLinear"), 9);
        QCOMPARE(countOps(result->model, "DequantizeLinear"), 11 + 9);
        QVERIFY(relativeOutputDiff(model, result->model, fashionInput(16)) < 0.05);
        QVERIFY(result->report.notes.front().find("64 images") != std::string::npos);
    }

    void gptqCoversConvThroughPatches() {
        const Model model = loadFixture("fashion_cnn.onnx");
        auto calibration = calibrationFromImages(model, fashionImages(32), 32, 16);
        VERIFY_RESULT(calibration);
        QuantizeParams p;
        p.scheme = "w8a16";
        p.method = "gptq";
        auto gptq = quantizeModel(model, p, &calibration.value());
        VERIFY_RESULT(gptq);
        for (const auto& layer : gptq->report.layers) {
            QVERIFY2(layer.action.find(" gptq") != std::string::npos, layer.action.c_str());
            QVERIFY(layer.outputError >= 0); // measured through the Hessian (over patches for Conv)
        }
        QVERIFY(relativeOutputDiff(model, gptq->model, fashionInput(16)) < 0.03);
        // GPTQ minimises the layers' output error on the calibration inputs; there it beats rounding.
        const auto error = calibratedVsRounded(model, gptq->model, p, calibration.value());
        QVERIFY(error.calibrated < error.rounded);
    }

    // AWQ on a CNN: Conv inputs keep their scale (their channels are not the activation's last axis) but the
    // weights are still clipped for the least output error over the calibration patches; the Gemm inputs are
    // rescaled. Each layer's search starts from round-to-nearest and only accepts what lowers that layer's error
    // on the calibration inputs; on the calibration images the logits follow (by 2.4x here).
    void awqClipsConvAndRescalesGemmInputs() {
        const Model model = loadFixture("fashion_cnn.onnx");
        auto calibration = calibrationFromImages(model, fashionImages(32), 32, 16);
        VERIFY_RESULT(calibration);
        QuantizeParams p;
        p.scheme = "w4a16";
        p.method = "awq";
        auto awq = quantizeModel(model, p, &calibration.value());
        VERIFY_RESULT(awq);
        QCOMPARE(awq->report.skippedLayers(), 0);
        for (const auto& layer : awq->report.layers) {
            QVERIFY2(layer.action.find(" awq") != std::string::npos, layer.action.c_str());
            QVERIFY(layer.outputError > 0 && layer.outputError < 0.2);
            const bool conv = layer.opType == "Conv";
            const char* expected = conv ? "input channels of a Conv are not rescaled" : "awq alpha";
            QVERIFY2(layer.reason.find(expected) != std::string::npos, layer.reason.c_str());
        }
        const auto error = calibratedVsRounded(model, awq->model, p, calibration.value());
        QVERIFY(error.calibrated < error.rounded);
        QVERIFY(top1Agreement(model, awq->model, fashionInput(200)) >= 0.95);
    }

    void dynamicAndSmoothQuantOnTinyGpt() {
        const Model model = loadFixture("tiny_gpt.onnx");
        const std::string text = readText("austen_calib.txt");
        auto calibration = calibrationFromText(model, text, 256, 16);
        VERIFY_RESULT(calibration);
        QCOMPARE(calibration->samples, int64_t(16));
        std::vector<double> ids;
        for (int i = 0; i < 64; ++i)
            ids.push_back(static_cast<unsigned char>(text[i]));
        const TensorMap input{{"input_ids", makeTensor(DType::Int64, {1, 64}, ids)}};

        QuantizeParams dynamic;
        dynamic.scheme = "dynamic-int8";
        auto dq = quantizeModel(model, dynamic, nullptr);
        VERIFY_RESULT(dq);
        QCOMPARE(countOps(dq->model, "MatMulInteger"), 17); // 4 blocks x 4 projections + the head
        QVERIFY(relativeOutputDiff(model, dq->model, input) < 0.05);

        QuantizeParams smooth;
        smooth.smoothquant = true;
        auto sq = quantizeModel(model, smooth, &calibration.value());
        VERIFY_RESULT(sq);
        int folded = 0, inserted = 0;
        for (const auto& layer : sq->report.layers) {
            folded += layer.reason.find("folded into") != std::string::npos;
            inserted += layer.reason.find("Mul node") != std::string::npos ||
                        layer.reason.find("_smooth_Mul") != std::string::npos;
        }
        QCOMPARE(folded, 9);   // qkv and fc of each block, and the head, read a LayerNormalization
        QCOMPARE(inserted, 8); // attention output and MLP hidden take a Mul
        QVERIFY(relativeOutputDiff(model, sq->model, input) < 0.1);
    }

    void int4WeightsInBothFormats() {
        const Model model = loadFixture("tiny_gpt.onnx");
        const std::string text = readText("austen_calib.txt");
        std::vector<double> ids;
        for (int i = 0; i < 64; ++i)
            ids.push_back(static_cast<unsigned char>(text[i]));
        const TensorMap input{{"input_ids", makeTensor(DType::Int64, {1, 64}, ids)}};
        for (const char* format : {"dq", "matmulnbits"}) {
            for (int64_t group : {32, 128}) {
                QuantizeParams p;
                p.scheme = "w4a16";
                p.groupSize = group;
                p.symmetric = group == 32;
                p.int4Format = format;
                auto result = quantizeModel(model, p, nullptr);
                VERIFY_RESULT(result);
                const bool nbits = std::string(format) == "matmulnbits";
                QCOMPARE(countOps(result->model, nbits ? "MatMulNBits" : "DequantizeLinear"), 17);
                QCOMPARE(result->model.opsetVersion(""), int64_t(nbits ? 17 : 21));
                // 4 bits a weight plus a float scale (and a 4-bit zero point) per group.
                const double expected = 0.125 + 1.0 / group + (p.symmetric ? 0.0 : 0.125 / group);
                const double ratio = double(result->report.bytesAfter()) / result->report.bytesBefore();
                QVERIFY2(std::abs(ratio - expected) < 0.01, qPrintable(QString::number(ratio)));
                const double diff = relativeOutputDiff(model, result->model, input);
                qInfo("w4a16 %s g%lld: relative logit difference %.4f", format, static_cast<long long>(group), diff);
                QVERIFY(diff < 0.3);
            }
        }
    }

    // Conv kernels in 4 bits: rows [out, in*kh*kw] dequantized blockwise along axis 1, reshaped to the kernel.
    void int4ConvKernels() {
        const Model model = loadFixture("fashion_cnn.onnx");
        QuantizeParams p;
        p.scheme = "w4a16";
        p.groupSize = 32;
        auto result = quantizeModel(model, p, nullptr);
        VERIFY_RESULT(result);
        QCOMPARE(result->report.skippedLayers(), 0);
        QCOMPARE(countOps(result->model, "DequantizeLinear"), 11);
        QCOMPARE(countOps(result->model, "Reshape") - countOps(model, "Reshape"), 9);
        const double ratio = double(result->report.bytesAfter()) / result->report.bytesBefore();
        QVERIFY2(ratio < 0.17, qPrintable(QString::number(ratio)));
        QVERIFY(top1Agreement(model, result->model, fashionInput(200)) >= 0.95);
        QTemporaryDir dir;
        const Model back = saveAndReload(result->model, fs::path(dir.path().toStdString()) / "int4_conv.onnx");
        QCOMPARE(relativeOutputDiff(result->model, back, fashionInput(16)), 0.0);
    }

    void cancellingKeepsTheModel() {
        const Model model = loadFixture("fashion_cnn.onnx");
        const std::string before = model.graph.nodes.front().name;
        std::stop_source stop;
        PassContext context;
        context.stop = stop.get_token();
        int calls = 0;
        context.progress = [&](const PassProgress&) {
            if (++calls == 3)
                stop.request_stop();
        };
        QuantizeParams p;
        p.scheme = "w8a16";
        auto result = quantizeModel(model, p, nullptr, context);
        VERIFY_ERROR_MENTIONS(result, "cancelled");
        QCOMPARE(model.graph.nodes.front().name, before);
        QCOMPARE(countOps(model, "DequantizeLinear"), 0);
    }

    void badInputGetsClearErrors() {
        const Model fashion = loadFixture("fashion_cnn.onnx");
        QuantizeParams p; // w8a8 needs calibration
        VERIFY_ERROR_MENTIONS(quantizeModel(fashion, p, nullptr), "needs calibration data");
        CalibrationSet empty;
        VERIFY_ERROR_MENTIONS(quantizeModel(fashion, p, &empty), "needs calibration data");

        auto wrongShape =
            calibrationFromImages(fashion, makeTensor(DType::UInt8, {2, 1, 14, 14}, std::vector<double>(392)), 8);
        VERIFY_ERROR_MENTIONS(wrongShape, "'image' is [batch,1,28,28]");
        auto wrongType =
            calibrationFromImages(fashion, makeTensor(DType::Int64, {2, 1, 28, 28}, std::vector<double>(1568)), 8);
        VERIFY_ERROR_MENTIONS(wrongType, "must be uint8 or float");
        std::vector<double> nan(784, 0.5);
        nan[5] = std::nan("");
        VERIFY_ERROR_MENTIONS(calibrationFromImages(fashion, makeTensor(DType::Float, {1, 1, 28, 28}, nan), 8), "NaN");
        VERIFY_ERROR_MENTIONS(calibrationFromText(fashion, "some text", 256, 4), "takes float32");
        const Model gpt = loadFixture("tiny_gpt.onnx");
        VERIFY_ERROR_MENTIONS(calibrationFromText(gpt, "too short", 256, 4), "fewer than one window");

        Model poisoned = fashion;
        TensorData& w = poisoned.graph.initializers.at(poisoned.graph.nodes[2].inputs[1]);
        auto values = tensorValues(w);
        values[3] = INFINITY;
        w = makeTensor(DType::Float, w.shape(), values);
        QuantizeParams weightsOnly;
        weightsOnly.scheme = "w8a16";
        VERIFY_ERROR_MENTIONS(quantizeModel(poisoned, weightsOnly, nullptr),
                              "of layer '/net/stem/stem.0/Conv' holds NaN");

        QuantizeParams nothing;
        nothing.scheme = "w8a16";
        nothing.layers.include = {"no-such-layer"};
        VERIFY_ERROR_MENTIONS(quantizeModel(fashion, nothing, nullptr), "matches no include pattern");

        // The dynamic scheme says that Conv is left in float, layer by layer.
        QuantizeParams dynamic;
        dynamic.scheme = "dynamic-int8";
        auto partly = quantizeModel(fashion, dynamic, nullptr);
        VERIFY_RESULT(partly);
        QCOMPARE(partly->report.skippedLayers(), 9);
        QVERIFY(partly->report.layers.front().reason.find("Conv stays float") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(PassesTest)
#include "tst_passes.moc"
