// The pipeline runner: pipeline files (round trip, errors with JSON paths), sweep expansion, shared prefixes,
// shards merged into the unsharded table, failures per branch, and the dataset kinds — all on the real
// fixtures. Cancellation, memory limits and streamed datasets are in tst_runner_hardening.
#include "pipeline/exec/Executor.h"
#include "pipeline/llm/DecoderBuilder.h"
#include "pipeline/llm/Generation.h"
#include "pipeline/model/ModelLoader.h"
#include "pipeline/onnx/OnnxImport.h"
#include "pipeline/runner/Datasets.h"
#include "pipeline/runner/PipelinePlan.h"
#include "pipeline/runner/Runner.h"

#include "RunnerFixtures.h"
#include "TestSupport.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

using namespace autoglm;
namespace fs = std::filesystem;
using nlohmann::json;

using namespace runnertest;

class RunnerTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void starterPipelineRoundTrips() {
        const fs::path file = kSource / "resources/pipelines/fashion_starter.autoglm.json";
        auto spec = loadPipelineFile(file);
        QVERIFY2(spec.ok(), spec.ok() ? "" : spec.message().c_str());
        auto again = PipelineSpec::fromJson(spec->toJson(), spec->baseDir);
        QVERIFY(again.ok());
        QCOMPARE(again->toJson().dump(), spec->toJson().dump());
        // Declared input shapes survive the round trip, sizes as numbers and symbolic ones as names.
        json shaped = spec->toJson();
        shaped["input_shapes"] = json::parse(R"({"image": ["batch", 1, 28, 28], "mask": {"dtype": "bool", "shape": [1, 4]}})");
        auto withShapes = PipelineSpec::fromJson(shaped, spec->baseDir);
        QVERIFY2(withShapes.ok(), withShapes.ok() ? "" : withShapes.message().c_str());
        QCOMPARE(withShapes->inputShapes.at("image").dims, (std::vector<Dim>{{-1, "batch"}, {1, {}}, {28, {}}, {28, {}}}));
        QCOMPARE(withShapes->inputShapes.at("image").dtype, DType::Undefined);
        QCOMPARE(withShapes->inputShapes.at("mask").dtype, DType::Bool);
        QCOMPARE(withShapes->toJson()["input_shapes"].dump(), shaped["input_shapes"].dump());

        // Saved into another folder, relative paths are rewritten to point at the same files.
        QTemporaryDir dir;
        const fs::path moved = fs::path(dir.path().toStdString()) / "sub" / "copy.autoglm.json";
        fs::create_directories(moved.parent_path());
        QVERIFY(savePipelineFile(spec.value(), moved).ok());
        auto loaded = loadPipelineFile(moved);
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.message().c_str());
        QCOMPARE(fs::weakly_canonical(loaded->resolve(loaded->model)),
                 fs::weakly_canonical(spec->resolve(spec->model)));
        QCOMPARE(fs::weakly_canonical(loaded->resolve(loaded->datasets[0].images)),
                 fs::weakly_canonical(spec->resolve(spec->datasets[0].images)));
        QCOMPARE(loaded->stages.size(), spec->stages.size());
        QCOMPARE(loaded->sweeps[0].values.size(), size_t(3));
    }

    void examplePipelinesPlan() {
        int files = 0;
        for (const auto& entry : fs::directory_iterator(kSource / "resources/pipelines")) {
            auto spec = loadPipelineFile(entry.path());
            QVERIFY2(spec.ok(), spec.ok() ? "" : spec.message().c_str());
            QVERIFY2(fs::exists(spec->resolve(spec->model)), entry.path().c_str());
            auto plan = planPipeline(spec.value());
            QVERIFY2(plan.ok(), plan.ok() ? "" : plan.message().c_str());
            QVERIFY(plan->variants.size() >= 4);
            ++files;
        }
        QVERIFY(files >= 2);
    }

    void errorsNameTheJsonPath_data() {
        QTest::addColumn<QString>("mutation");
        QTest::addColumn<QString>("expected");
        QTest::newRow("future version") << R"({"version": 99})" << "version: this file is version 99";
        QTest::newRow("wrong format") << R"({"format": "other"})" << "format: expected \"autoglm-pipeline\"";
        QTest::newRow("unknown parent") << R"({"stages": [{"id": "a", "kind": "prune", "after": "nope"}]})"
                                        << "stages[0].after: 'nope'";
        QTest::newRow("range") << R"({"stages": [{"id": "a", "kind": "prune", "params": {"sparsity": 1.5}}]})"
                               << "stages[0].params.sparsity";
        QTest::newRow("unknown field") << R"({"stages": [{"id": "a", "kind": "prune", "colour": 1}]})"
                                       << "stages[0].colour: unknown field";
        QTest::newRow("unknown kind") << R"({"stages": [{"id": "a", "kind": "shrink"}]})" << "stages[0].kind";
        QTest::newRow("calibration needed")
            << R"({"stages": [{"id": "a", "kind": "quantize", "params": {"scheme": "w8a8"}}]})"
            << "stages[0].calibration: this stage needs calibration data";
        QTest::newRow("dataset missing")
            << R"({"stages": [{"id": "a", "kind": "quantize", "calibration": "nope"}]})" << "stages[0].calibration: no dataset 'nope'";
        QTest::newRow("duplicate id") << R"({"stages": [{"id": "a", "kind": "export", "output": "a.onnx"},
                                          {"id": "a", "kind": "export", "output": "b.onnx"}]})"
                                      << "stages[1].id: 'a' is used by an earlier stage";
        QTest::newRow("export name") << R"({"stages": [{"id": "x", "kind": "export", "output": "x.txt"}]})"
                                     << "stages[0].output: an export stage needs an .onnx file name";
        QTest::newRow("export escape") << R"({"stages": [{"id": "x", "kind": "export", "output": "../x.onnx"}]})"
                                       << "must stay inside the output folder";
        QTest::newRow("sweep stage") << R"({"sweeps": [{"stage": "nope", "param": "sparsity", "values": [0.1]}]})"
                                     << "sweeps[0].stage: no stage 'nope'";
        QTest::newRow("sweep value")
            << R"({"stages": [{"id": "p", "kind": "prune"}], "sweeps": [{"stage": "p", "param": "sparsity", "values": [0.1, 2]}]})"
            << "sweeps[0].values[1] (sparsity).sparsity";
        QTest::newRow("evaluation dataset") << R"({"evaluation": {"dataset": "nope"}})" << "evaluation.dataset";
        QTest::newRow("dataset file") << R"({"datasets": {"d": {"kind": "images"}}})" << "datasets.d.images";
        QTest::newRow("dataset kind") << R"({"datasets": {"d": {"kind": "video", "path": "x"}}})"
                                      << "datasets.d.kind is 'video'";
        QTest::newRow("input shape list") << R"({"input_shapes": {"image": "1x1x28x28"}})"
                                          << "input_shapes.image: expected a list of sizes and names";
        QTest::newRow("input shape size") << R"({"input_shapes": {"image": ["batch", -3, 28, 28]}})"
                                          << "input_shapes.image[1]: expected a non-negative size or a name";
        QTest::newRow("input dtype") << R"({"input_shapes": {"mask": {"dtype": "boolean", "shape": [1]}}})"
                                     << "input_shapes.mask.dtype: expected an element type";
    }

    void errorsNameTheJsonPath() {
        QFETCH(QString, mutation);
        QFETCH(QString, expected);
        json j = fashionPipeline(json::array());
        j.merge_patch(json::parse(mutation.toStdString()));
        auto spec = PipelineSpec::fromJson(j, kFixtures);
        QVERIFY(!spec.ok());
        QVERIFY2(QString::fromStdString(spec.message()).contains(expected), spec.message().c_str());
    }

    void sweepsExpandIntoVariants() {
        json stages = json::array({{{"id", "p"}, {"kind", "prune"}},
                                   {{"id", "q"}, {"kind", "quantize"}, {"after", "p"}, {"params", {{"scheme", "w8a16"}}}},
                                   {{"id", "x"}, {"kind", "export"}, {"after", "q"}, {"output", "{variant}.onnx"}},
                                   {{"id", "e"}, {"kind", "evaluate"}, {"after", "p"}}});
        json sweeps = json::array({{{"stage", "p"}, {"param", "sparsity"}, {"values", {0.2, 0.4, 0.6}}},
                                   {{"stage", "q"}, {"param", "granularity"}, {"values", {"per-channel", "per-tensor"}}}});
        auto plan = planPipeline(specFrom(fashionPipeline(stages, sweeps)));
        QVERIFY2(plan.ok(), plan.ok() ? "" : plan.message().c_str());
        // 3 prune copies, each with 2 quantize copies ending in an export, and one evaluate each.
        QCOMPARE(plan->variants.size(), size_t(9));
        std::set<std::string> ids;
        for (const auto& v : plan->variants)
            ids.insert(v.id);
        QCOMPARE(ids.size(), size_t(9));
        QVERIFY(ids.count("x@p.sparsity=0.4,q.granularity=per-tensor"));
        QVERIFY(ids.count("e@p.sparsity=0.6"));
        const PlannedStage* q = plan->stage("q@granularity=per-tensor,p.sparsity=0.2");
        QVERIFY(q);
        QCOMPARE(q->params.quantize.granularity, std::string("per-tensor"));
        QCOMPARE(plan->stage(q->parent)->params.prune.sparsity, 0.2);
        // Shards take every N-th variant and together cover all.
        std::set<size_t> covered;
        for (int s = 0; s < 4; ++s)
            for (size_t v : plan->shardVariants(s, 4))
                QVERIFY(covered.insert(v).second);
        QCOMPARE(covered.size(), size_t(9));

        // Without {variant}, the copies of an export would write one file.
        stages[2]["output"] = "same.onnx";
        auto clash = planPipeline(specFrom(fashionPipeline(stages, sweeps)));
        QVERIFY(!clash.ok());
        QVERIFY2(QString::fromStdString(clash.message()).contains("put {variant} in the file name"),
                 clash.message().c_str());
    }

    void sharedPrefixRunsOnce() {
        REQUIRE_FIXTURES();
        json stages = json::array({{{"id", "p"}, {"kind", "prune"}, {"params", {{"sparsity", 0.3}}}},
                                   {{"id", "a"}, {"kind", "quantize"}, {"after", "p"}, {"params", {{"scheme", "w8a16"}}}},
                                   {{"id", "b"},
                                    {"kind", "quantize"},
                                    {"after", "p"},
                                    {"params", {{"scheme", "w8a16"}, {"granularity", "per-tensor"}}}},
                                   {{"id", "e"}, {"kind", "evaluate"}, {"after", "p"}}});
        QTemporaryDir dir;
        Recorded rec;
        auto results = run(specFrom(fashionPipeline(stages)), dir.path().toStdString(), &rec);
        QVERIFY2(results.ok(), results.ok() ? "" : results.message().c_str());
        QCOMPARE(rec.started["p"], 1);
        QCOMPARE(rec.started["a"], 1);
        QCOMPARE(rec.started["b"], 1);
        QCOMPARE(results->variants.size(), size_t(3));
        QCOMPARE(results->status, std::string("complete"));
        for (const auto& v : results->variants) {
            QCOMPARE(v.status, std::string("ok"));
            QCOMPARE(v.primaryMetric, std::string("top-1"));
            QVERIFY(v.sparsity() > 0.25 && v.sparsity() < 0.35);
            QVERIFY(std::isfinite(v.delta));
        }
        // The int8 variants are a quarter of the float file; the pruned float one is not smaller.
        QVERIFY(results->variant("a")->fileBytes < results->original.fileBytes / 3);
        QVERIFY(results->variant("e")->fileBytes >= results->original.fileBytes * 9 / 10);
        QVERIFY(results->original.metrics.at("agreement") == 1.0);
        QVERIFY(results->original.paretoSize || results->variant("a")->paretoSize);
        // Progress: overall never goes back, and ends at 1.
        double last = 0;
        for (const auto& e : rec.events) {
            QVERIFY2(e.overall + 1e-9 >= last, std::to_string(e.overall).c_str());
            last = e.overall;
        }
        QCOMPARE(last, 1.0);
        QVERIFY(fs::exists(fs::path(dir.path().toStdString()) / "results.csv"));
    }

    void shardsMergeIntoTheUnshardedTable() {
        REQUIRE_FIXTURES();
        json stages = json::array({{{"id", "p"}, {"kind", "prune"}},
                                   {{"id", "q"}, {"kind", "quantize"}, {"after", "p"}, {"params", {{"scheme", "w8a16"}}}},
                                   {{"id", "c"}, {"kind", "prune"}, {"params", {{"pattern", "channels"}, {"sparsity", 0.25}}}}});
        json sweeps = json::array({{{"stage", "p"}, {"param", "sparsity"}, {"values", {0.2, 0.5, 0.7}}}});
        const PipelineSpec spec = specFrom(fashionPipeline(stages, sweeps));
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        auto whole = run(spec, root / "whole");
        QVERIFY2(whole.ok(), whole.ok() ? "" : whole.message().c_str());
        QCOMPARE(whole->variants.size(), size_t(4));
        std::vector<RunResults> shards;
        for (int s = 0; s < 3; ++s) {
            auto part = run(spec, root / ("shard" + std::to_string(s)), nullptr, {}, {}, s, 3);
            QVERIFY2(part.ok(), part.ok() ? "" : part.message().c_str());
            auto reread = loadRunResults(root / ("shard" + std::to_string(s)) / "results.json");
            QVERIFY(reread.ok());
            shards.push_back(reread.value());
        }
        auto merged = mergeShardResults(shards);
        QVERIFY2(merged.ok(), merged.ok() ? "" : merged.message().c_str());
        QCOMPARE(merged->status, std::string("complete"));
        // Latency is off, so every column is deterministic: the tables are the same text.
        QCOMPARE(QString::fromStdString(merged->toCsv()), QString::fromStdString(whole->toCsv()));
        bool anyPareto = false;
        for (const auto& v : merged->variants)
            anyPareto |= v.paretoSize;
        QVERIFY(anyPareto);

        // Shards of different runs, or the same shard twice, are refused.
        QVERIFY(!mergeShardResults({shards[0], shards[0]}).ok());
        RunResults other = shards[1];
        other.seed = 99;
        QVERIFY(!mergeShardResults({shards[0], other}).ok());
        auto partial = mergeShardResults({shards[0], shards[2]});
        QVERIFY(partial.ok());
        QVERIFY(QString::fromStdString(partial->status).contains("missing shards 1"));
    }

    void aFailedStageFailsOnlyItsBranch() {
        REQUIRE_FIXTURES();
        // 2:4 needs input channels in multiples of 4; the 1-channel stem fails at run time, naming the layer.
        json stages = json::array({{{"id", "nm"}, {"kind", "prune"}, {"params", {{"pattern", "2:4"}}}},
                                   {{"id", "nm_q"}, {"kind", "quantize"}, {"after", "nm"}, {"params", {{"scheme", "w8a16"}}}},
                                   {{"id", "ok"}, {"kind", "quantize"}, {"params", {{"scheme", "w8a16"}}}}});
        QTemporaryDir dir;
        auto results = run(specFrom(fashionPipeline(stages)), dir.path().toStdString());
        QVERIFY2(results.ok(), results.ok() ? "" : results.message().c_str());
        QCOMPARE(results->status, std::string("complete"));
        const VariantResult* failed = results->variant("nm_q");
        QVERIFY(failed);
        QCOMPARE(failed->status, std::string("failed"));
        QVERIFY2(QString::fromStdString(failed->error).contains("stem"), failed->error.c_str());
        QCOMPARE(results->variant("ok")->status, std::string("ok"));
    }

    void distillationPublishesItsCurve() {
        REQUIRE_FIXTURES();
        json stages = json::array({{{"id", "c"}, {"kind", "prune"}, {"params", {{"pattern", "channels"}, {"sparsity", 0.25}}}},
                                   {{"id", "d"}, {"kind", "distill"}, {"after", "c"},
                                    {"params", {{"steps", 20}, {"batch_size", 16}, {"validate_every", 10}}},
                                    {"training", "calib"}}});
        QTemporaryDir dir;
        Recorded rec;
        auto results = run(specFrom(fashionPipeline(stages)), dir.path().toStdString(), &rec);
        QVERIFY2(results.ok(), results.ok() ? "" : results.message().c_str());
        int losses = 0;
        for (const auto& e : rec.events)
            if (e.kind == RunEventKind::StageMetric && e.stage == "d")
                for (const auto& [name, value] : e.metrics)
                    losses += name == "loss" && std::isfinite(value);
        QVERIFY2(losses >= 10, std::to_string(losses).c_str());
        QVERIFY(results->stageReports.contains("d"));
        // Distillation wins accuracy back over the pruned model alone.
        QVERIFY(results->variant("d")->primary() > 0.5);
    }

    void syntheticInputsAreJudgedByAgreement() {
        REQUIRE_FIXTURES();
        json j = fashionPipeline(json::array({{{"id", "q"}, {"kind", "quantize"}, {"params", {{"scheme", "w8a8"}}}, {"calibration", "noise"}}}));
        j["datasets"]["noise"] = {{"kind", "synthetic"}, {"samples", 48}};
        j["evaluation"] = {{"dataset", "noise"}, {"latency", false}};
        QTemporaryDir dir;
        auto results = run(specFrom(j), dir.path().toStdString());
        QVERIFY2(results.ok(), results.ok() ? "" : results.message().c_str());
        const VariantResult& q = results->variants.at(0);
        QCOMPARE(q.primaryMetric, std::string("agreement"));
        QCOMPARE(results->original.primary(), 1.0);
        QVERIFY(q.metrics.at("agreement") > 0.5 && q.metrics.at("agreement") <= 1.0);
        QVERIFY(q.metrics.at("cosine") > 0.9);
        QVERIFY(q.metrics.at("kl") >= 0);
    }

    void textPipelineMeasuresPerplexity() {
        REQUIRE_FIXTURES();
        json j{{"format", "autoglm-pipeline"},
               {"version", 1},
               {"name", "text"},
               {"model", (kFixtures / "tiny_gpt.onnx").string()},
               {"datasets", {{"val", {{"kind", "text"}, {"path", (kFixtures / "austen_val.txt").string()}}}}},
               {"stages", json::array({{{"id", "q"}, {"kind", "quantize"}, {"params", {{"scheme", "w8a16"}}}}})},
               {"evaluation", {{"dataset", "val"}, {"samples", 6}, {"latency", false}}}};
        QTemporaryDir dir;
        auto results = run(specFrom(j), dir.path().toStdString());
        QVERIFY2(results.ok(), results.ok() ? "" : results.message().c_str());
        QCOMPARE(results->original.primaryMetric, std::string("perplexity"));
        QVERIFY(!results->original.higherIsBetter);
        const double base = results->original.primary();
        QVERIFY2(base > 2.0 && base < 4.5, std::to_string(base).c_str());
        const VariantResult& q = results->variants.at(0);
        QVERIFY(std::abs(q.primary() - base) < 0.05 * base);
        QVERIFY(q.metrics.at("cosine") > 0.99);
        QVERIFY(q.peakActivationBytes > 0);
        QVERIFY(q.macs > results->original.macs / 2);
    }

    // An export stage with hf_folder writes <file>_hf/ beside the ONNX file for a checkpoint's float variant
    // (replaced on the next run into the same folder); a quantized variant's folder fails its branch only.
    void exportsHuggingFaceFolders() {
        REQUIRE_FIXTURES();
        const json stages = json::array(
            {{{"id", "sparse"}, {"kind", "prune"}, {"params", {{"pattern", "2:4"}}}},
             {{"id", "out"}, {"kind", "export"}, {"after", "sparse"}, {"output", "llama_24.onnx"},
              {"params", {{"hf_folder", true}}}},
             {{"id", "q"}, {"kind", "quantize"}, {"params", {{"scheme", "w8a16"}}}},
             {{"id", "q_out"}, {"kind", "export"}, {"after", "q"}, {"output", "llama_q.onnx"},
              {"params", {{"hf_folder", true}, {"hf_dtype", "bfloat16"}}}}});
        json j{{"format", "autoglm-pipeline"},
               {"version", 1},
               {"name", "hf"},
               {"model", (kFixtures / "tiny_llama").string()},
               {"datasets", {{"val", {{"kind", "text"}, {"path", (kFixtures / "austen_val.txt").string()}}}}},
               {"stages", stages},
               {"evaluation", {{"dataset", "val"}, {"samples", 2}, {"latency", false}}}};
        QTemporaryDir dir;
        const fs::path out = dir.path().toStdString();
        for (int pass = 0; pass < 2; ++pass) {
            auto results = run(specFrom(j), out);
            QVERIFY2(results.ok(), results.ok() ? "" : results.message().c_str());
            QCOMPARE(results->variant("out")->status, std::string("ok"));
            const VariantResult* quantized = results->variant("q_out");
            QCOMPARE(quantized->status, std::string("failed"));
            QVERIFY2(quantized->error.find("export it as ONNX") != std::string::npos, quantized->error.c_str());
            auto back = loadHfCheckpoint(out / "llama_24_hf");
            QVERIFY2(back.ok(), back.ok() ? "" : back.message().c_str());
            QVERIFY(!fs::exists(out / "llama_q_hf"));
        }
        for (const auto& entry : fs::directory_iterator(out))
            QVERIFY2(entry.path().filename().string()[0] != '.', entry.path().string().c_str());
        const auto bad = parseStageParams("export", {{"hf_dtype", "int4"}}, "stages[3].params");
        VERIFY_ERROR_MENTIONS(bad, "stages[3].params.hf_dtype is 'int4'");
    }

    // An export stage with cached_decoder also writes <file>_cached.onnx: the variant rebuilt with past/present
    // key/value, its float stages carried over and its quantize stages replayed on the same calibration windows.
    // Greedy generation with the cache gives the tokens the plain file gives. A chain that trains or prunes after
    // quantizing cannot be replayed, and a model that is not a checkpoint has no such variant: both fail at once.
    void exportsGenerationVariants() {
        REQUIRE_FIXTURES();
        const json stages = json::array(
            {{{"id", "sparse"}, {"kind", "prune"}, {"params", {{"pattern", "2:4"}}}},
             {{"id", "q"}, {"kind", "quantize"}, {"after", "sparse"}, {"calibration", "calib"},
              {"params", {{"scheme", "w8a8"}, {"smoothquant", true}, {"calibration_samples", 4}}}},
             {{"id", "out"}, {"kind", "export"}, {"after", "q"}, {"output", "llama_q.onnx"},
              {"params", {{"cached_decoder", true}}}}});
        json j{{"format", "autoglm-pipeline"},
               {"version", 1},
               {"name", "generation"},
               {"model", (kFixtures / "tiny_llama").string()},
               {"datasets",
                {{"val", {{"kind", "text"}, {"path", (kFixtures / "austen_val.txt").string()}}},
                 {"calib", {{"kind", "text"}, {"path", (kFixtures / "austen_calib.txt").string()}}}}},
               {"stages", stages},
               {"evaluation", {{"dataset", "val"}, {"samples", 2}, {"latency", false}}}};
        QTemporaryDir dir;
        const fs::path out = dir.path().toStdString();
        auto results = run(specFrom(j), out);
        QVERIFY2(results.ok(), results.ok() ? "" : results.message().c_str());
        QCOMPARE(results->variant("out")->status, std::string("ok"));
        auto plain = loadOnnx(out / "llama_q.onnx");
        auto cached = loadOnnx(out / "llama_q_cached.onnx");
        VERIFY_RESULT(plain);
        VERIFY_RESULT(cached);
        QVERIFY(cached->graph.feedInputs().size() > plain->graph.feedInputs().size()); // past_* inputs
        auto quantizeNodes = [](const Model& m) {
            return std::count_if(m.graph.nodes.begin(), m.graph.nodes.end(),
                                 [](const Node& n) { return n.opType == "QuantizeLinear"; });
        };
        qInfo("QuantizeLinear nodes: plain %d, with cache %d", int(quantizeNodes(plain.value())),
              int(quantizeNodes(cached.value())));
        QVERIFY(quantizeNodes(plain.value()) > 0);
        QCOMPARE(quantizeNodes(cached.value()), quantizeNodes(plain.value()));
        auto plainRun = Executor::create(plain.value());
        auto cachedRun = Executor::create(cached.value());
        VERIFY_RESULT(plainRun);
        VERIFY_RESULT(cachedRun);
        const std::vector<int64_t> prompt{72, 301, 17, 905, 44, 1200};
        GenerationOptions options;
        options.maxNewTokens = 8;
        auto withoutCache = generateGreedy(plainRun.value(), prompt, options);
        auto withCache = generateGreedy(cachedRun.value(), prompt, options);
        VERIFY_RESULT(withoutCache);
        VERIFY_RESULT(withCache);
        QCOMPARE(withCache->tokens, withoutCache->tokens);

        json late = j;
        late["stages"] = json::array(
            {{{"id", "q"}, {"kind", "quantize"}, {"params", {{"scheme", "w4a16"}}}},
             {{"id", "sparse"}, {"kind", "prune"}, {"after", "q"}, {"params", {{"pattern", "2:4"}}}},
             {{"id", "out"}, {"kind", "export"}, {"after", "sparse"}, {"output", "late.onnx"},
              {"params", {{"cached_decoder", true}}}}});
        const auto lateRun = run(specFrom(late), out / "late");
        VERIFY_ERROR_MENTIONS(lateRun, "stage 'out': cached_decoder cannot replay the prune stage 'sparse' after the "
                              "quantize stage 'q'");
        json onnx = j;
        onnx["model"] = (kFixtures / "tiny_gpt.onnx").string();
        onnx["stages"] = json::array(
            {{{"id", "out"}, {"kind", "export"}, {"output", "gpt.onnx"}, {"params", {{"cached_decoder", true}}}}});
        const auto onnxRun = run(specFrom(onnx), out / "onnx");
        VERIFY_ERROR_MENTIONS(onnxRun, "needs a Hugging Face checkpoint folder");
    }

    void imageFoldersAreDecodedAndResized() {
        REQUIRE_FIXTURES();
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        // Two classes of grey PGM images, one of them 32x32 (resized to the model's 28x28).
        auto writePgm = [](const fs::path& file, int size, unsigned char value) {
            std::ofstream out(file, std::ios::binary);
            out << "P5\n" << size << " " << size << "\n255\n";
            out << std::string(static_cast<size_t>(size * size), static_cast<char>(value));
        };
        fs::create_directories(root / "cats");
        fs::create_directories(root / "boots");
        writePgm(root / "boots" / "a.pgm", 28, 10);
        writePgm(root / "boots" / "b.pgm", 32, 20);
        writePgm(root / "cats" / "c.pgm", 28, 200);
        auto model = loadOnnx(kFixtures / "fashion_cnn.onnx");
        QVERIFY(model.ok());
        auto folder = readImageFolder(root.string(), model.value(), 0);
        if (!folder.ok() && folder.error().unsupported)
            QSKIP("built without stb_image");
        QVERIFY2(folder.ok(), folder.ok() ? "" : folder.message().c_str());
        QCOMPARE(folder->classes, (std::vector<std::string>{"boots", "cats"}));
        QCOMPARE(folder->images.shape(), (std::vector<int64_t>{3, 1, 28, 28}));
        QCOMPARE(folder->labels.shape(), (std::vector<int64_t>{3}));

        fs::create_directories(root / "empty" / "none");
        auto empty = readImageFolder((root / "empty").string(), model.value(), 0);
        QVERIFY(!empty.ok());
        QVERIFY2(QString::fromStdString(empty.message()).contains("holds no"), empty.message().c_str());
        std::ofstream(root / "cats" / "broken.png") << "not a png";
        auto broken = readImageFolder(root.string(), model.value(), 0);
        QVERIFY(!broken.ok());
        QVERIFY2(QString::fromStdString(broken.message()).contains("broken.png"), broken.message().c_str());
    }

};

QTEST_GUILESS_MAIN(RunnerTest)
#include "tst_runner.moc"
