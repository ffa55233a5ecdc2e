// Auto-tuning floors of the runner issue, judged by ONNX Runtime on the exported best files:
// fashion_cnn with a 0.5-point budget finds a variant smaller than plain INT8 and within budget; tiny_gpt with
// a +2% perplexity budget finds a mixed INT4/INT8 variant within budget.
#include "OrtEval.h"
#include "OrtJudge.h"

#include "pipeline/onnx/OnnxImport.h"
#include "pipeline/runner/AutoTune.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace autoglm;
using namespace testutil;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtureDir = AUTOGLM_FIXTURES;

DatasetSpec dataset(const std::string& id, const std::string& kind, const fs::path& main, const fs::path& labels = {}) {
    DatasetSpec d;
    d.id = id;
    d.kind = kind;
    (kind == "images" ? d.images : d.path) = main.string();
    d.labels = labels.string();
    return d;
}

// Runs the tuner, exports its best candidate through the Runner, returns the file and the tuning result.
std::pair<fs::path, TuneResult> tuneAndExport(const PipelineSpec& spec, const TuneOptions& options, const fs::path& out) {
    auto tuned = autoTune(spec, options);
    if (!tuned)
        qFatal("tune: %s", tuned.message().c_str());
    for (const auto& c : tuned->log)
        qInfo("  %-4s %-11s %8.0f B  %.4f  drop %.3f %s  %s", c.id.c_str(), c.phase.c_str(),
              static_cast<double>(c.result.fileBytes), c.result.primary(), c.drop, c.withinBudget ? "ok" : "over",
              c.description.c_str());
    if (tuned->best < 0)
        qFatal("tune found nothing within budget");
    const TuneCandidate& best = tuned->log[static_cast<size_t>(tuned->best)];
    RunOptions run;
    run.outputDir = out;
    auto exported = runPipeline(candidatePipeline(spec, best, "best.onnx"), run);
    if (!exported || exported->variants.empty() || exported->variants[0].status != "ok")
        qFatal("export of the best failed");
    return {out / "best.onnx", tuned.value()};
}

int countInt4Weights(const Model& model) {
    int n = 0;
    for (const auto& [name, t] : model.graph.initializers)
        n += t.dtype() == DType::Int4 || t.dtype() == DType::UInt4;
    return n;
}

} // namespace

class OrtTuneTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        if (!fs::exists(kFixtureDir / "fashion_cnn.onnx"))
            QSKIP("fixtures missing");
        if (const std::string why = ortUnavailableReason(); !why.empty())
            QSKIP(why.c_str());
    }

    void fashionHalfPointBudgetBeatsPlainInt8() {
        PipelineSpec spec;
        spec.name = "fashion";
        spec.model = (kFixtureDir / "fashion_cnn.onnx").string();
        spec.datasets = {dataset("calib", "images", kFixtureDir / "fashion_calib_images.npy"),
                         dataset("test", "images", kFixtureDir / "fashion_test_images.npy",
                                 kFixtureDir / "fashion_test_labels.npy")};
        spec.evaluation.dataset = "test";
        spec.evaluation.latency = false; // the objective is size; timing would only cost test time
        TuneOptions options;
        options.budget = 0.5;
        options.calibration = "calib";
        options.calibrationSamples = 256;
        options.searchSamples = 1000;
        options.channelShares.clear(); // pruning without distillation cannot stay within half a point
        QTemporaryDir dir;
        auto [file, tuned] = tuneAndExport(spec, options, dir.path().toStdString());
        const TuneCandidate& best = tuned.log[static_cast<size_t>(tuned.best)];
        const TuneCandidate* int8 = nullptr;
        for (const auto& c : tuned.log)
            if (c.phase == "int8")
                int8 = &c;
        QVERIFY(int8);
        QVERIFY2(best.result.fileBytes < int8->result.fileBytes,
                 qPrintable(QString("%1 vs %2").arg(best.result.fileBytes).arg(int8->result.fileBytes)));
        QVERIFY(best.final);
        QVERIFY(tuned.sensitivity.rows.size() == 11);
        QVERIFY(std::isfinite(tuned.sensitivity.rows.front().int4Drop)); // Conv kernels take INT4 too

        auto ort = ortClassify(file, kFixtureDir / "fashion_test_images.npy", kFixtureDir / "fashion_test_labels.npy",
                               file.parent_path());
        QVERIFY2(ort.ok(), ort.ok() ? "" : ort.message().c_str());
        qInfo("fashion tuned: ORT top-1 %.4f, file %lld bytes (plain INT8 %lld, fp32 %lld)", ort->top1,
              static_cast<long long>(fs::file_size(file)), static_cast<long long>(int8->result.fileBytes),
              static_cast<long long>(tuned.original.fileBytes));
        QVERIFY2(ort->top1 >= 0.9379 - 0.005, std::to_string(ort->top1).c_str());
        QVERIFY(static_cast<int64_t>(fs::file_size(file)) < int8->result.fileBytes);
    }

    void tinyGptTwoPercentBudgetMixesInt4AndInt8() {
        PipelineSpec spec;
        spec.name = "tiny_gpt";
        spec.model = (kFixtureDir / "tiny_gpt.onnx").string();
        spec.datasets = {dataset("calib", "text", kFixtureDir / "austen_calib.txt"),
                         dataset("val", "text", kFixtureDir / "austen_val.txt")};
        spec.evaluation.dataset = "val";
        spec.evaluation.samples = 256;
        spec.evaluation.latency = false;
        TuneOptions options;
        options.budget = 2.0;
        options.calibration = "calib";
        options.calibrationSamples = 32;
        options.searchSamples = 16;
        options.channelShares.clear();
        QTemporaryDir dir;
        auto [file, tuned] = tuneAndExport(spec, options, dir.path().toStdString());
        auto model = loadOnnx(file);
        QVERIFY(model.ok());
        int int4 = countInt4Weights(model.value()), int8 = 0;
        for (const auto& [name, t] : model->graph.initializers)
            int8 += t.dtype() == DType::Int8 && t.shape().size() == 2;
        qInfo("tiny_gpt tuned: %d INT4 and %d INT8 weight matrices", int4, int8);
        QVERIFY(int4 > 0);
        // Among the finalists within budget is a mix of INT4 and INT8 layers.
        bool mixedWithinBudget = false;
        for (const auto& c : tuned.log) {
            bool four = false, eight = false;
            for (const auto& s : c.stages) {
                four |= s.kind == "quantize" && s.params.value("scheme", "") == "w4a16";
                eight |= s.kind == "quantize" && s.params.value("scheme", "") == "w8a16";
            }
            mixedWithinBudget |= c.final && c.withinBudget && four && eight;
        }
        QVERIFY(mixedWithinBudget);

        // ONNX Runtime on the first 256 windows of the validation text, the tuned file against the original.
        auto ortOriginal = ortBytePerplexity(kFixtureDir / "tiny_gpt.onnx", kFixtureDir / "austen_val.txt",
                                             file.parent_path(), 0, 256);
        auto ort = ortBytePerplexity(file, kFixtureDir / "austen_val.txt", file.parent_path(), 0, 256);
        QVERIFY2(ortOriginal.ok(), ortOriginal.ok() ? "" : ortOriginal.message().c_str());
        QVERIFY2(ort.ok(), ort.ok() ? "" : ort.message().c_str());
        qInfo("tiny_gpt tuned: ORT perplexity %.4f vs %.4f fp32 over %lld windows (+%.2f%%, budget 2%%), file %.1f%% "
              "of fp32",
              ort->perplexity, ortOriginal->perplexity, static_cast<long long>(ort->windows),
              100.0 * (ort->perplexity / ortOriginal->perplexity - 1.0),
              100.0 * static_cast<double>(fs::file_size(file)) / fs::file_size(kFixtureDir / "tiny_gpt.onnx"));
        QVERIFY2(ort->perplexity <= ortOriginal->perplexity * 1.02, std::to_string(ort->perplexity).c_str());
    }
};

QTEST_GUILESS_MAIN(OrtTuneTest)
#include "tst_ort_tune.moc"
