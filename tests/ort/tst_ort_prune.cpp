// Pruned and distilled models as exported files, judged by ONNX Runtime against the floors of the pruning
// issue: SparseGPT against magnitude on tiny_gpt, fashion_cnn 2:4 and 50%-channel students won back by
// distillation, and 2:4 → W8A8 → quantization-aware distillation.
#include "OrtEval.h"
#include "OrtJudge.h"
#include "PassFixtures.h"
#include "TestSupport.h"

#include "pipeline/io/ArrayFile.h"
#include "pipeline/io/Npy.h"
#include "pipeline/ir/TensorUtil.h"
#include "pipeline/passes/distill/DistillPass.h"
#include "pipeline/passes/prune/PrunePass.h"
#include "pipeline/passes/quantize/QuantizePass.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace autoglm;
using namespace testutil;
namespace fs = std::filesystem;

namespace {

// ORT's top-1 on the 10,000 test images (paths built on use: kFixtures lives in another translation unit).
Result<OrtClassification> ortTestTop1(const fs::path& file) {
    return ortClassify(file, kFixtures / "fashion_test_images.npy", kFixtures / "fashion_test_labels.npy",
                       file.parent_path());
}

Model pruned(const Model& model, const PruneParams& p, const CalibrationSet* calibration) {
    auto result = pruneModel(model, p, calibration);
    if (!result)
        qFatal("%s: %s", p.summary().c_str(), result.message().c_str());
    return result->model;
}

// The fashion student distilled from the original on the 1,000 calibration images and their labels.
Model distilledFashion(const Model& student, const Model& teacher, int64_t steps, double learningRate = 1e-3) {
    auto labels = loadNpy(kFixtures / "fashion_calib_labels.npy");
    auto training = trainingFromImages(teacher, fashionImages(1000), labels.value(), 1000);
    if (!training)
        qFatal("%s", training.message().c_str());
    DistillParams p;
    p.steps = steps;
    p.batchSize = 64;
    p.learningRate = learningRate;
    auto result = distillModel(student, teacher, p, training.value(), nullptr);
    if (!result)
        qFatal("%s", result.message().c_str());
    qInfo("  %s", result->report.notes.front().c_str());
    return result->model;
}

// fashion_cnn pruned 2:4 by SparseGPT (the stem, with one input channel, left whole).
Model twoFour(const Model& teacher, const CalibrationSet& calibration) {
    PruneParams p;
    p.pattern = "2:4";
    p.method = "sparsegpt";
    p.layers.exclude = {"/net/stem/*"};
    return pruned(teacher, p, &calibration);
}

CalibrationSet fashionCalibration(const Model& model) {
    auto set = calibrationFromImages(model, fashionImages(128), 128);
    if (!set)
        qFatal("%s", set.message().c_str());
    return set.value();
}

double zeroShare(const TensorData& t) {
    const auto v = tensorValues(t);
    return static_cast<double>(std::count(v.begin(), v.end(), 0.0)) / static_cast<double>(v.size());
}

} // namespace

class OrtPruneTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init() {
        if (auto reason = ortUnavailableReason(); !reason.empty())
            QSKIP(reason.c_str());
        if (!fs::exists(kFixtures / "fashion_cnn.onnx"))
            QSKIP("fixtures missing");
    }

    // Issue floor: tiny_gpt 50% unstructured, SparseGPT and magnitude both reported, SparseGPT better; the
    // file keeps the zeros. Perplexity by ORT on the first 100 validation windows.
    void tinyGptSparseGptBeatsMagnitude() {
        QTemporaryDir dir;
        const fs::path work = dir.path().toStdString();
        const Model gpt = loadFixture("tiny_gpt.onnx");
        auto calibration = calibrationFromText(gpt, readText("austen_calib.txt"), 256, 64);
        VERIFY_RESULT(calibration);
        std::map<std::string, double> perplexity;
        for (const char* method : {"magnitude", "sparsegpt"}) {
            PruneParams p;
            p.method = method;
            p.layers.keepLast = true;
            const fs::path file = work / (std::string("gpt_50_") + method + ".onnx");
            const Model back = saveAndReload(pruned(gpt, p, &calibration.value()), file);
            for (const auto& node : back.graph.nodes)
                if (node.name.find("/blocks.") == 0 && node.opType == "MatMul" &&
                    back.graph.initializers.count(node.inputs[1]))
                    QVERIFY2(std::abs(zeroShare(back.graph.initializers.at(node.inputs[1])) - 0.5) < 0.001,
                             node.name.c_str());
            auto ort = ortBytePerplexity(file, kFixtures / "austen_val.txt", work, 0, 100);
            VERIFY_RESULT(ort);
            perplexity[method] = ort->perplexity;
        }
        qInfo("tiny_gpt 50%% unstructured, ORT byte perplexity (100 windows): magnitude %.4f, SparseGPT %.4f",
              perplexity["magnitude"], perplexity["sparsegpt"]);
        QVERIFY(perplexity["sparsegpt"] < perplexity["magnitude"]);
    }

    // Issue floor: tiny_gpt 2:4 + distillation on austen_calib.txt, byte perplexity <= 3.20 by ORT over the whole
    // validation text. About ten minutes on two cores, so it runs only when asked for.
    void tinyGptTwoFourDistilled() {
        if (qEnvironmentVariableIntValue("AUTOGLM_LONG_TESTS") != 1)
            QSKIP("takes about ten minutes on two cores; run with AUTOGLM_LONG_TESTS=1");
        QTemporaryDir dir;
        const fs::path work = dir.path().toStdString();
        const fs::path file = work / "gpt_24_distilled.onnx";
        const Model gpt = loadFixture("tiny_gpt.onnx");
        const std::string text = readText("austen_calib.txt");
        auto calibration = calibrationFromText(gpt, text, 256, 128);
        auto training = trainingFromText(gpt, text, 256, 1 << 20);
        VERIFY_RESULT(calibration);
        VERIFY_RESULT(training);
        PruneParams p;
        p.pattern = "2:4";
        p.method = "sparsegpt";
        p.layers.keepLast = true;
        DistillParams d;
        d.steps = 300;
        d.batchSize = 8;
        d.learningRate = 3e-4;
        d.temperature = 1;
        auto distilled = distillModel(pruned(gpt, p, &calibration.value()), gpt, d, training.value(), nullptr);
        VERIFY_RESULT(distilled);
        saveAndReload(distilled->model, file);
        auto ort = ortBytePerplexity(file, kFixtures / "austen_val.txt", work);
        VERIFY_RESULT(ort);
        qInfo("tiny_gpt 2:4 SparseGPT + distillation: ORT byte perplexity %.4f", ort->perplexity);
        QVERIFY(ort->perplexity <= 3.20);
    }

    // tiny_gpt with a quarter of every block's heads removed, then distilled briefly on austen_calib.txt: the
    // file has the smaller projections and constant Reshape shapes; ORT computes our logits on a batch and
    // sequence length other than the shape run's, and scores the perplexity. (150 steps reach 3.284 from 9.249
    // right after pruning, fp32 2.952; see the note.)
    void tinyGptHeadsPrunedDistilled() {
        QTemporaryDir dir;
        const fs::path work = dir.path().toStdString();
        const fs::path file = work / "gpt_heads.onnx";
        const Model gpt = loadFixture("tiny_gpt.onnx");
        const std::string text = readText("austen_calib.txt");
        PruneParams p;
        p.pattern = "heads";
        p.sparsity = 0.25;
        const Model student = pruned(gpt, p, nullptr);
        auto training = trainingFromText(gpt, text, 256, 1 << 20);
        VERIFY_RESULT(training);
        DistillParams d;
        d.steps = 40;
        d.batchSize = 8;
        d.learningRate = 1e-3;
        d.temperature = 1;
        d.validateEvery = 40;
        auto distilled = distillModel(student, gpt, d, training.value(), nullptr);
        VERIFY_RESULT(distilled);
        const Model back = saveAndReload(distilled->model, file);
        for (const auto& node : back.graph.nodes)
            if (node.name.find("/attn/qkv/MatMul") != std::string::npos)
                QCOMPARE(back.graph.initializers.at(node.inputs[1]).shape(), (std::vector<int64_t>{256, 576}));

        std::vector<double> ids;
        for (size_t i = 0; i < 3 * 100; ++i)
            ids.push_back(static_cast<unsigned char>(text[i]));
        const TensorMap inputs{{"input_ids", makeTensor(DType::Int64, {3, 100}, ids)}};
        auto ours = Executor::create(back)->run(inputs);
        auto theirs = runOrt(file, inputs, work);
        VERIFY_RESULT(ours);
        VERIFY_RESULT(theirs);
        const double cosine = cosineOf(ours->at("logits"), theirs->at("logits"));
        saveAndReload(student, work / "gpt_heads_raw.onnx");
        auto before = ortBytePerplexity(work / "gpt_heads_raw.onnx", kFixtures / "austen_val.txt", work, 0, 100);
        auto after = ortBytePerplexity(file, kFixtures / "austen_val.txt", work, 0, 100);
        VERIFY_RESULT(before);
        VERIFY_RESULT(after);
        qInfo("tiny_gpt heads 25%%: ORT/ours logits cosine %.6f; ORT byte perplexity (100 windows) %.4f pruned, "
              "%.4f after 40 distillation steps",
              cosine, before->perplexity, after->perplexity);
        QVERIFY(cosine >= 0.9999);
        QVERIFY(after->perplexity < before->perplexity);
    }

    // Issue floor: fashion_cnn 2:4 + distillation on fashion_calib, top-1 >= 0.930 by ORT.
    void fashionTwoFourDistilled() {
        QTemporaryDir dir;
        const fs::path file = fs::path(dir.path().toStdString()) / "fashion_24.onnx";
        const Model teacher = loadFixture("fashion_cnn.onnx");
        saveAndReload(distilledFashion(twoFour(teacher, fashionCalibration(teacher)), teacher, 300), file);
        auto ort = ortTestTop1(file);
        VERIFY_RESULT(ort);
        qInfo("fashion 2:4 SparseGPT + distillation: ORT top-1 %.4f", ort->top1);
        QVERIFY(ort->top1 >= 0.930);
    }

    // fashion_cnn with 50% of its conv channels removed + distillation, judged by ORT; the file has the smaller
    // shapes. The floor is 0.920, which 1,000 calibration images cannot reach (3,000 steps: 0.915). The
    // default run checks the path and guards against regressions with 300 steps on them (measured 0.797; the
    // suite must stay under 30 minutes on two cores). With AUTOGLM_LONG_TESTS=1 it distils for 6,000 steps
    // (batch 128, lr 3e-3; about 40 minutes on two cores) on the 60,000 Fashion-MNIST training images that
    // dataset-fashion-mnist installs (IDX files; the test images are the fixture's) and holds the floor.
    void fashionHalfChannelsDistilled() {
        const bool long_ = qEnvironmentVariableIntValue("AUTOGLM_LONG_TESTS") == 1;
        const fs::path trainSet = "/usr/share/datasets/fashion-mnist";
        if (long_ && !fs::exists(trainSet / "train-images-idx3-ubyte.gz"))
            QSKIP("dataset-fashion-mnist is not installed (scripts/install-deps.sh --tests installs it)");
        QTemporaryDir dir;
        const fs::path file = fs::path(dir.path().toStdString()) / "fashion_channels.onnx";
        const Model teacher = loadFixture("fashion_cnn.onnx");
        PruneParams p;
        p.pattern = "channels";
        p.layers.opTypes = {"Conv"};
        const Model student = pruned(teacher, p, nullptr);
        Model distilled;
        if (long_) {
            auto images = loadArrayFile(trainSet / "train-images-idx3-ubyte.gz");
            auto labels = loadArrayFile(trainSet / "train-labels-idx1-ubyte.gz");
            VERIFY_RESULT(images);
            VERIFY_RESULT(labels);
            auto training = trainingFromImages(teacher, images.value(), labels.value(), images->shape().front());
            VERIFY_RESULT(training);
            DistillParams d;
            d.steps = 6000;
            d.batchSize = 128;
            d.learningRate = 3e-3;
            auto result = distillModel(student, teacher, d, training.value(), nullptr);
            VERIFY_RESULT(result);
            distilled = result->model;
        } else {
            distilled = distilledFashion(student, teacher, 300, 2e-3);
        }
        const Model back = saveAndReload(distilled, file);
        QCOMPARE(back.graph.initializers.at(back.graph.nodes[2].inputs[1]).shape().front(), int64_t(16));
        auto ort = ortTestTop1(file);
        VERIFY_RESULT(ort);
        qInfo("fashion 50%% channels + distillation: ORT top-1 %.4f, file %.1f %% of fp32", ort->top1,
              100.0 * static_cast<double>(fs::file_size(file)) / fs::file_size(kFixtures / "fashion_cnn.onnx"));
        QVERIFY(ort->top1 >= (long_ ? 0.920 : 0.75));
    }

    // Issue floor: fashion_cnn 2:4 → INT8 W8A8 → distillation (QAT), top-1 >= 0.925 by ORT, file <= 30% of fp32.
    void fashionTwoFourW8a8Qat() {
        QTemporaryDir dir;
        const fs::path file = fs::path(dir.path().toStdString()) / "fashion_24_w8a8_qat.onnx";
        const Model teacher = loadFixture("fashion_cnn.onnx");
        const CalibrationSet calibration = fashionCalibration(teacher);
        auto quantized = quantizeModel(twoFour(teacher, calibration), QuantizeParams{}, &calibration);
        VERIFY_RESULT(quantized);
        const Model back = saveAndReload(distilledFashion(quantized->model, teacher, 300), file);
        QCOMPARE(countOps(back, "QuantizeLinear"), countOps(quantized->model, "QuantizeLinear"));
        const double sizeRatio =
            static_cast<double>(fs::file_size(file)) / fs::file_size(kFixtures / "fashion_cnn.onnx");
        auto ort = ortTestTop1(file);
        VERIFY_RESULT(ort);
        qInfo("fashion 2:4 -> w8a8 -> QAT: ORT top-1 %.4f, file %.1f %% of fp32", ort->top1, 100 * sizeRatio);
        QVERIFY(ort->top1 >= 0.925);
        QVERIFY(sizeRatio <= 0.30);
    }
};

QTEST_GUILESS_MAIN(OrtPruneTest)
#include "tst_ort_prune.moc"
