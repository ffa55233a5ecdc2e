// Distillation on the fixtures: parameters, training data checks, a pruned student that learns back what
// pruning cost (its zeros kept), quantization-aware training of a QDQ student (its exported form kept),
// cancellation that keeps the best weights, and bad input.
#include "PassFixtures.h"
#include "TestSupport.h"

#include "pipeline/io/Npy.h"
#include "pipeline/ir/TensorUtil.h"
#include "pipeline/passes/distill/DistillPass.h"
#include "pipeline/passes/prune/PrunePass.h"
#include "pipeline/passes/quantize/QuantizePass.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <cmath>
#include <limits>

using namespace autoglm;
using namespace testutil;

namespace {

TrainingSet fashionTraining(const Model& model, int64_t count) {
    auto labels = loadNpy(kFixtures / "fashion_calib_labels.npy");
    if (!labels)
        qFatal("%s", labels.message().c_str());
    auto set = trainingFromImages(model, fashionImages(count), labels.value(), count);
    if (!set)
        qFatal("%s", set.message().c_str());
    return set.value();
}

std::vector<double> valuesOf(const Model& m, const std::string& initializer) {
    return tensorValues(m.graph.initializers.at(initializer));
}

DistillParams quickParams(int64_t steps) {
    DistillParams p;
    p.steps = steps;
    p.batchSize = 32;
    p.validateEvery = 10;
    return p;
}

} // namespace

class DistillTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void paramsRoundTripAndValidation() {
        DistillParams p;
        p.steps = 120;
        p.temperature = 3;
        p.alpha = 0.7;
        p.hiddenValues = {"/net/fc1/Gemm_output_0"};
        p.hiddenWeight = 0.5;
        auto back = DistillParams::fromJson(p.toJson());
        VERIFY_RESULT(back);
        QCOMPARE(back->toJson().dump(), p.toJson().dump());
        VERIFY_ERROR_MENTIONS(DistillParams::fromJson({{"steps", 0}}), "distill.steps is 0");
        VERIFY_ERROR_MENTIONS(DistillParams::fromJson({{"temperature", 0.0}}), "distill.temperature");
        VERIFY_ERROR_MENTIONS(DistillParams::fromJson({{"hidden_weight", 1.0}}), "hidden_values names no value");
        VERIFY_ERROR_MENTIONS(DistillParams::fromJson({{"lr", 0.1}}), "lr");
    }

    void trainingDataIsChecked() {
        const Model fashion = loadFixture("fashion_cnn.onnx");
        const Model gpt = loadFixture("tiny_gpt.onnx");
        auto labels = loadNpy(kFixtures / "fashion_calib_labels.npy");
        VERIFY_RESULT(labels);
        VERIFY_ERROR_MENTIONS(trainingFromImages(fashion, zerosTensor(DType::UInt8, {4, 1, 14, 14}), {}, 4),
                              "shape [4,1,14,14]");
        VERIFY_ERROR_MENTIONS(trainingFromImages(fashion, fashionImages(8), makeTensor(DType::Int64, {3}, {1, 2, 3}), 8),
                              "8 images need one label each");
        VERIFY_ERROR_MENTIONS(trainingFromImages(fashion, fashionImages(8), zerosTensor(DType::Float, {8}), 8),
                              "labels must be integers");
        VERIFY_ERROR_MENTIONS(trainingFromImages(gpt, fashionImages(8), {}, 8), "takes int64");
        VERIFY_ERROR_MENTIONS(trainingFromText(fashion, "some text", 256, 10), "takes float32");
        VERIFY_ERROR_MENTIONS(trainingFromText(gpt, "too short", 256, 10), "fewer than one window");
        auto text = trainingFromText(gpt, readText("austen_calib.txt"), 256, 20);
        VERIFY_RESULT(text);
        QCOMPARE(text->samples(), int64_t(20));
        // Labels are the next tokens.
        const auto ids = tensorValues(text->inputs);
        const auto next = tensorValues(text->labels);
        QCOMPARE(next[0], ids[1]);
        QCOMPARE(next[256 - 1], ids[256]);
    }

    void prunedStudentLearnsBackAndKeepsItsZeros() {
        const Model teacher = loadFixture("fashion_cnn.onnx");
        PruneParams prune;
        prune.pattern = "2:4";
        prune.layers.exclude = {"/net/stem/*"};
        auto pruned = pruneModel(teacher, prune, nullptr);
        VERIFY_RESULT(pruned);
        const TrainingSet training = fashionTraining(teacher, 500);
        std::vector<std::pair<std::string, double>> lastMetrics;
        PassContext context;
        context.progress = [&](const PassProgress& p) {
            if (!p.metrics.empty())
                lastMetrics = p.metrics;
        };
        auto distilled = distillModel(pruned->model, teacher, quickParams(60), training, nullptr, context);
        VERIFY_RESULT(distilled);
        const PassReport& report = distilled->report;
        QCOMPARE(report.validationMetric, std::string("top-1"));
        QVERIFY(report.curve.size() > 60);
        const TrainingPoint& start = report.curve.front();
        double best = start.validationDivergence;
        for (const auto& point : report.curve)
            if (point.validated)
                best = std::min(best, point.validationDivergence);
        qInfo("validation KL to the teacher: %.4f before, %.4f best", start.validationDivergence, best);
        QVERIFY(best < 0.7 * start.validationDivergence);
        QVERIFY(!lastMetrics.empty() && lastMetrics[1].first == "loss");

        // Pruned zeros stay zero; the student given is unchanged.
        for (const auto& layer : pruned->report.layers) {
            if (layer.skipped)
                continue;
            const auto before = valuesOf(pruned->model, layer.weight);
            const auto after = valuesOf(distilled->model, layer.weight);
            bool changed = false;
            for (size_t i = 0; i < before.size(); ++i) {
                QVERIFY(before[i] != 0.0 || after[i] == 0.0);
                changed |= before[i] != after[i];
            }
            QVERIFY2(changed, layer.layer.c_str());
        }
        const TensorMap test = fashionInput(500);
        const double agreeBefore = top1Agreement(teacher, pruned->model, test);
        const double agreeAfter = top1Agreement(teacher, distilled->model, test);
        qInfo("top-1 agreement with the teacher on 500 test images: %.3f pruned, %.3f distilled", agreeBefore,
              agreeAfter);
        QVERIFY(agreeAfter > agreeBefore);
    }

    void quantizedStudentTrainsThroughFakeQuantization() {
        const Model teacher = loadFixture("fashion_cnn.onnx");
        auto calibration = calibrationFromImages(teacher, fashionImages(64), 64);
        VERIFY_RESULT(calibration);
        // 2:4 pruned, then W8A8: a student far enough from the teacher for training to matter.
        PruneParams prune;
        prune.pattern = "2:4";
        prune.layers.exclude = {"/net/stem/*"};
        auto pruned = pruneModel(teacher, prune, nullptr);
        VERIFY_RESULT(pruned);
        QuantizeParams quantize; // w8a8 static
        auto student = quantizeModel(pruned->model, quantize, &calibration.value());
        VERIFY_RESULT(student);
        auto distilled =
            distillModel(student->model, teacher, quickParams(40), fashionTraining(teacher, 300), nullptr);
        VERIFY_RESULT(distilled);
        QVERIFY(distilled->report.notes.size() > 2);
        QVERIFY2(distilled->report.notes[2].find("quantization-aware: 11 integer weights and 9 activation pairs") !=
                     std::string::npos,
                 distilled->report.notes[2].c_str());
        // The same graph: integer weights with the same scales, QuantizeLinear/DequantizeLinear pairs kept.
        QCOMPARE(countOps(distilled->model, "QuantizeLinear"), countOps(student->model, "QuantizeLinear"));
        QCOMPARE(countOps(distilled->model, "DequantizeLinear"), countOps(student->model, "DequantizeLinear"));
        int changedWeights = 0;
        for (const auto& [name, tensor] : student->model.graph.initializers) {
            const TensorData& after = distilled->model.graph.initializers.at(name);
            QCOMPARE(after.dtype(), tensor.dtype());
            if (tensor.dtype() == DType::Int8 && tensorValues(after) != tensorValues(tensor))
                ++changedWeights;
            if (tensor.dtype() == DType::Float)
                QVERIFY2(name.find("scale") == std::string::npos || tensorValues(after) == tensorValues(tensor),
                         name.c_str());
        }
        QVERIFY2(changedWeights > 0, distilled->report.notes.front().c_str());
        // Zero codes of pruned weights stay zero.
        for (const auto& layer : pruned->report.layers) {
            if (layer.skipped)
                continue;
            const auto codes = tensorValues(distilled->model.graph.initializers.at(layer.weight + "_quantized"));
            const double zeros = static_cast<double>(std::count(codes.begin(), codes.end(), 0.0)) / codes.size();
            QVERIFY2(zeros >= 0.5, layer.layer.c_str());
        }
        const TensorMap test = fashionInput(300);
        const double before = top1Agreement(teacher, student->model, test);
        const double after = top1Agreement(teacher, distilled->model, test);
        qInfo("top-1 agreement with the teacher: %.3f quantized, %.3f after QAT", before, after);
        QVERIFY(after > before);
    }

    void cancellingKeepsTheBestWeights() {
        const Model teacher = loadFixture("fashion_cnn.onnx");
        std::stop_source stop;
        PassContext context;
        int reports = 0;
        context.progress = [&](const PassProgress&) {
            if (++reports == 25)
                stop.request_stop();
        };
        context.stop = stop.get_token();
        auto result = distillModel(teacher, teacher, quickParams(500), fashionTraining(teacher, 200), nullptr, context);
        VERIFY_RESULT(result);
        QVERIFY2(result->report.notes.front().rfind("cancelled after", 0) == 0,
                 result->report.notes.front().c_str());
        QVERIFY(result->report.curve.size() < 40);
    }

    void badInputGetsClearErrors() {
        Model teacher = loadFixture("fashion_cnn.onnx");
        const TrainingSet training = fashionTraining(teacher, 64);
        VERIFY_ERROR_MENTIONS(distillModel(teacher, teacher, quickParams(5), TrainingSet{}, nullptr),
                              "needs training data");
        QuantizeParams dynamic;
        dynamic.scheme = "dynamic-int8";
        auto dynamicStudent = quantizeModel(teacher, dynamic, nullptr);
        VERIFY_RESULT(dynamicStudent);
        VERIFY_ERROR_MENTIONS(distillModel(dynamicStudent->model, teacher, quickParams(5), training, nullptr),
                              "distill before quantizing");
        DistillParams hidden = quickParams(5);
        hidden.hiddenValues = {"no_such_value"};
        hidden.hiddenWeight = 1;
        VERIFY_ERROR_MENTIONS(distillModel(teacher, teacher, hidden, training, nullptr), "'no_such_value'");
        const Model gpt = loadFixture("tiny_gpt.onnx");
        VERIFY_ERROR_MENTIONS(distillModel(gpt, teacher, quickParams(5), training, nullptr), "not the first input");

        Model broken = teacher;
        const std::string weight = broken.graph.nodes[2].inputs[1];
        auto values = tensorValues(broken.graph.initializers.at(weight));
        values[0] = std::numeric_limits<double>::infinity();
        broken.graph.initializers[weight] = makeTensor(DType::Float, broken.graph.initializers.at(weight).shape(), values);
        VERIFY_ERROR_MENTIONS(distillModel(broken, teacher, quickParams(5), training, nullptr), "holds NaN or Inf");
    }
};

QTEST_GUILESS_MAIN(DistillTest)
#include "tst_distill.moc"
