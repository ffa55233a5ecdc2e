// The runner under stress: cancellation inside every stage kind and at 50 random moments, work beyond the memory
// budget refused with the numbers, datasets read from disk a batch at a time (a dataset larger than the budget
// still evaluates, with the figures of an in-memory evaluation), and missing files failing before any work.
#include "pipeline/common/AvailableMemory.h"
#include "pipeline/common/MemoryBudget.h"
#include "pipeline/eval/Metrics.h"
#include "pipeline/exec/Executor.h"
#include "pipeline/io/ArrayFile.h"
#include "pipeline/io/Npy.h"
#include "pipeline/ir/TensorUtil.h"
#include "pipeline/model/ModelLoader.h"
#include "pipeline/runner/Datasets.h"
#include "pipeline/runner/Runner.h"
#include "pipeline/runner/VariantEvaluator.h"

#include "RunnerFixtures.h"
#include "TestSupport.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <random>

using namespace autoglm;
using namespace runnertest;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Puts the process's memory budget back as it was when the test ends, however it ends.
struct RestoreBudget {
    double share = memoryShare();
    ~RestoreBudget() {
        (void)setMemoryShare(share);
        setMemorySources({});
    }
};

// A machine with `bytes` available and no cgroup: a fake /proc/meminfo in `dir`.
void pretendAvailable(const fs::path& dir, int64_t bytes) {
    std::ofstream(dir / "meminfo") << "MemTotal:       99999999 kB\nMemAvailable:   " << bytes / 1024 << " kB\n";
    MemorySources fake;
    fake.meminfo = dir / "meminfo";
    fake.cgroup = dir / "no-cgroup";
    fake.mountinfo = dir / "no-mountinfo";
    fake.root = dir;
    setMemorySources(fake);
}

} // namespace

class RunnerHardeningTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void cancelInsideEveryStageKind_data() {
        QTest::addColumn<QString>("kind");
        for (const char* k : {"prune", "quantize", "distill", "export", "measure"})
            QTest::newRow(k) << k;
    }

    void cancelInsideEveryStageKind() {
        REQUIRE_FIXTURES();
        QFETCH(QString, kind);
        json stages = json::array(
            {{{"id", "p"}, {"kind", "prune"}, {"params", {{"pattern", "unstructured"}, {"method", "sparsegpt"}, {"calibration_samples", 32}}}, {"calibration", "calib"}},
             {{"id", "q"}, {"kind", "quantize"}, {"after", "p"}, {"params", {{"scheme", "w8a8"}, {"calibration_samples", 32}}}, {"calibration", "calib"}},
             {{"id", "d"}, {"kind", "distill"}, {"after", "q"}, {"params", {{"steps", 30}, {"batch_size", 16}, {"validate_every", 10}}}, {"training", "calib"}},
             {{"id", "x"}, {"kind", "export"}, {"after", "d"}, {"output", "{variant}.onnx"}},
             {{"id", "early"}, {"kind", "export"}, {"after", "p"}, {"output", "early.onnx"}}});
        QTemporaryDir dir;
        const fs::path out = dir.path().toStdString();
        std::stop_source stop;
        bool sawKind = false;
        auto results = run(specFrom(fashionPipeline(stages)), out, nullptr,
                           [&](const RunEvent& e) {
                               // "measure" cancels while a variant (not the original) is measured.
                               const bool match = e.stageKind == kind.toStdString() &&
                                                  (kind != "measure" || e.stage != "original") &&
                                                  (e.kind == RunEventKind::StageProgress ||
                                                   (kind == "export" && e.kind == RunEventKind::StageStarted));
                               if (match && !sawKind) {
                                   sawKind = true;
                                   stop.request_stop();
                               }
                           },
                           stop.get_token());
        QVERIFY(sawKind);
        QVERIFY2(results.ok(), results.ok() ? "" : results.message().c_str());
        QCOMPARE(results->status, std::string("cancelled"));
        QVERIFY(results->variants.size() < 2);
        EXPECT_NO_PARTIAL_FILES(out);
        auto saved = loadRunResults(out / "results.json");
        QVERIFY(saved.ok());
        QCOMPARE(saved->status, std::string("cancelled"));
    }

    // Cancelling at 50 random moments (events of a whole run, drawn with a fixed seed): every run ends as
    // "cancelled" (or "complete" when the stop comes while its last variant is measured, after its last stage, and
    // finds no further check to stop at) with no partial file in its folder, the
    // variants measured before the stop carry the figures an uninterrupted run gives, and a new run into a
    // cancelled run's folder completes as if nothing had happened.
    void cancelAtFiftyRandomMoments() {
        REQUIRE_FIXTURES();
        const json stages = json::array(
            {{{"id", "p"}, {"kind", "prune"}, {"params", {{"pattern", "unstructured"}, {"sparsity", 0.5}}}},
             {{"id", "q"}, {"kind", "quantize"}, {"after", "p"}, {"params", {{"scheme", "w8a16"}}}},
             {{"id", "x"}, {"kind", "export"}, {"after", "q"}, {"output", "{variant}.onnx"}},
             {{"id", "c"}, {"kind", "prune"}, {"params", {{"pattern", "channels"}, {"sparsity", 0.25}}}}});
        const PipelineSpec spec = specFrom(fashionPipeline(stages));
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        Recorded whole;
        auto reference = run(spec, root / "whole", &whole);
        QVERIFY2(reference.ok(), reference.ok() ? "" : reference.message().c_str());
        const int events = static_cast<int>(whole.events.size());
        int lastStage = 0; // 1-based, as the moments count
        for (int e = 0; e < events; ++e)
            if (whole.events[e].kind == RunEventKind::StageFinished)
                lastStage = e + 1;
        std::mt19937 moments(2026);
        int cancelled = 0;
        for (int i = 0; i < 50; ++i) {
            const int at = std::uniform_int_distribution<int>(1, events)(moments);
            const fs::path out = root / ("cut" + std::to_string(i));
            std::stop_source stop;
            int seen = 0;
            auto results = run(spec, out, nullptr, [&](const RunEvent&) {
                if (++seen == at)
                    stop.request_stop();
            }, stop.get_token());
            QVERIFY2(results.ok(), results.ok() ? "" : results.message().c_str());
            QVERIFY2(results->status == "cancelled" || (results->status == "complete" && at > lastStage),
                     (results->status + " at event " + std::to_string(at) + " of " + std::to_string(events)).c_str());
            cancelled += results->status == "cancelled";
            EXPECT_NO_PARTIAL_FILES(out);
            for (const auto& row : results->variants) {
                if (row.status != "ok")
                    continue;
                QCOMPARE(row.primary(), reference->variant(row.id)->primary());
                QCOMPARE(row.parameters, reference->variant(row.id)->parameters);
            }
        }
        qInfo("50 moments over %d events: %d runs cancelled", events, cancelled);
        QVERIFY(cancelled >= 25); // most moments fall before the last stage ends
        auto again = run(spec, root / "cut0");
        QVERIFY2(again.ok(), again.ok() ? "" : again.message().c_str());
        QCOMPARE(again->status, std::string("complete"));
        QCOMPARE(again->variants.size(), reference->variants.size());
        for (const auto& row : again->variants)
            QCOMPARE(row.primary(), reference->variant(row.id)->primary());
        EXPECT_NO_PARTIAL_FILES(root / "cut0");
    }

    // Work beyond the memory share is refused before it starts, naming what and the numbers: loading a file (three
    // times its size at the peak), running a checkpoint (its weights as float32), and a variant's measurement at
    // its largest batch.
    void memoryBeyondTheShareIsRefused() {
        REQUIRE_FIXTURES();
        struct Restore {
            double share = memoryShare();
            ~Restore() { (void)setMemoryShare(share); }
        } restore;
        const int64_t available = availableMemoryBytes();
        if (available <= 0)
            QSKIP("no MemAvailable in /proc/meminfo here");
        VERIFY_ERROR_MENTIONS(setMemoryShare(0), "must be above 0");
        VERIFY_ERROR_MENTIONS(setMemoryShare(1.5), "at most 1");
        VERIFY_RESULT(setMemoryShare(1e-9));
        const auto onnx = loadModel(kFixtures / "fashion_cnn.onnx");
        VERIFY_ERROR_MENTIONS(onnx, "loading '");
        VERIFY_ERROR_MENTIONS(onnx, "AUTOGLM_MEMORY_SHARE");
        // A checkpoint loads (its weights stay mapped, so it can be inspected) but does not run.
        const auto llama = loadModel(kFixtures / "tiny_llama");
        VERIFY_RESULT(llama);
        VERIFY_ERROR_MENTIONS(Executor::create(llama.value()),
                              "running the model (its weights as float32) needs about 17 MB");
        // Room to load fashion_cnn (3 x 1.3 MB) but not to run it on batches of 100 images with its weights.
        VERIFY_RESULT(setMemoryShare(8e6 / static_cast<double>(available)));
        VERIFY_RESULT(loadModel(kFixtures / "fashion_cnn.onnx"));
        const json stages = json::array({{{"id", "q"}, {"kind", "quantize"}, {"params", {{"scheme", "w8a16"}}}}});
        QTemporaryDir dir;
        const auto results = run(specFrom(fashionPipeline(stages)), dir.path().toStdString());
        VERIFY_ERROR_MENTIONS(results, "measuring the original: running the model at batch 100 needs about");
    }

    void missingFilesFailBeforeAnyWork() {
        json j = fashionPipeline(json::array());
        j["datasets"]["test"]["images"] = "/nonexistent/images.npy";
        QTemporaryDir dir;
        auto results = run(specFrom(j), dir.path().toStdString());
        QVERIFY(!results.ok());
        QVERIFY2(QString::fromStdString(results.message()).contains("dataset 'test'"), results.message().c_str());
        RunOptions bad;
        bad.shardIndex = 3;
        bad.shardCount = 3;
        auto shard = runPipeline(specFrom(fashionPipeline(json::array())), bad);
        QVERIFY(!shard.ok());
        QVERIFY2(QString::fromStdString(shard.message()).contains("shard 3/3"), shard.message().c_str());
    }

    // Evaluation reads its images and labels a batch (100 rows) at a time from the files, and measures what the
    // whole arrays in memory give: the fixture's reference top-1 on all 10,000 test images.
    void evaluationReadsOneBatchAtATime() {
        REQUIRE_FIXTURES();
        const PipelineSpec spec = specFrom(fashionPipeline(json::array()));
        DatasetSpec all = *spec.dataset("test");
        all.samples = 0;
        const auto model = loadModel(kFixtures / "fashion_cnn.onnx");
        VERIFY_RESULT(model);
        auto data = loadDataset(spec, all, model.value());
        VERIFY_RESULT(data);
        const auto shared = std::make_shared<const LoadedDataset>(data.value());
        QCOMPARE(shared->images->largestReadBytes(), int64_t(0)); // opening reads no rows
        auto evaluator = VariantEvaluator::create(model.value(), shared, {0, false, 256});
        VERIFY_RESULT(evaluator);
        QCOMPARE(evaluator->largestBatch(), int64_t(100));
        auto executor = Executor::create(model.value());
        VERIFY_RESULT(executor);
        auto streamed = evaluator->evaluate(executor.value());
        VERIFY_RESULT(streamed);
        QCOMPARE(shared->images->largestReadBytes(), int64_t(100 * 28 * 28));
        QCOMPARE(shared->labels->largestReadBytes(), int64_t(100 * 8));

        auto images = loadArrayFile(kFixtures / "fashion_test_images.npy");
        auto labels = loadArrayFile(kFixtures / "fashion_test_labels.npy");
        VERIFY_RESULT(images);
        VERIFY_RESULT(labels);
        auto whole = evaluateClassification(executor.value(), images.value(), labels.value(), {});
        VERIFY_RESULT(whole);
        QCOMPARE(streamed->at("top-1"), whole->top1);
        QCOMPARE(streamed->at("top-5"), whole->top5);
        QCOMPARE(streamed->at("top-1"), 0.9379); // fixtures/reference.json
    }

    // A dataset twice the size of the memory budget: reading it whole is refused, a pipeline evaluates it (one
    // batch in memory) with the figures of the same images evaluated from memory.
    void aDatasetLargerThanTheBudgetStillEvaluates() {
        REQUIRE_FIXTURES();
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        // 7,000 test images as float64 pixels / 255 (the product evaluation computes for uint8): 43.9 MB.
        constexpr int64_t kRows = 7000;
        auto pixels = loadArrayFile(kFixtures / "fashion_test_images.npy");
        auto classes = loadArrayFile(kFixtures / "fashion_test_labels.npy");
        VERIFY_RESULT(pixels);
        VERIFY_RESULT(classes);
        std::vector<double> values = tensorValues(pixels.value());
        values.resize(kRows * 784);
        for (double& v : values)
            v *= 1.0 / 255.0;
        const TensorData images = makeTensor(DType::Double, {kRows, 1, 28, 28}, values);
        std::vector<double> truth = tensorValues(classes.value());
        truth.resize(kRows);
        const TensorData labels = makeTensor(DType::Int64, {kRows}, truth);
        VERIFY_RESULT(saveNpy(images, root / "images.npy"));
        VERIFY_RESULT(saveNpy(labels, root / "labels.npy"));
        const auto model = loadModel(kFixtures / "fashion_cnn.onnx");
        VERIFY_RESULT(model);
        auto executor = Executor::create(model.value());
        VERIFY_RESULT(executor);
        auto inMemory = evaluateClassification(executor.value(), images, labels, {});
        VERIFY_RESULT(inMemory);

        RestoreBudget restore;
        pretendAvailable(root, 100'000'000);
        VERIFY_RESULT(setMemoryShare(0.4)); // 40 MB: the run at batch 100 needs ~32 MB, the file is 43.9 MB
        const auto refused = loadArrayFile(root / "images.npy");
        VERIFY_ERROR_MENTIONS(refused, "images.npy' whole needs about 44 MB of memory, but 100 MB is available");
        json j = fashionPipeline(json::array());
        j["datasets"]["test"] = {{"kind", "images"},
                                 {"images", (root / "images.npy").string()},
                                 {"labels", (root / "labels.npy").string()}};
        j["evaluation"]["fidelity"] = false;
        auto results = run(specFrom(j), root / "out");
        VERIFY_RESULT(results);
        QCOMPARE(results->status, std::string("complete"));
        QCOMPARE(results->original.status, std::string("ok"));
        QCOMPARE(results->original.metrics.at("top-1"), inMemory->top1);
        QCOMPARE(results->original.metrics.at("top-5"), inMemory->top5);
        // The budget is real: a tighter one refuses even the run.
        VERIFY_RESULT(setMemoryShare(0.2));
        VERIFY_ERROR_MENTIONS(run(specFrom(j), root / "tight"), "running the model at batch 100 needs about");
    }
};

QTEST_GUILESS_MAIN(RunnerHardeningTest)
#include "tst_runner_hardening.moc"
