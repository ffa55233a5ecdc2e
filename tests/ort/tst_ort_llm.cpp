// Compressed Hugging Face checkpoints (tiny_llama: Llama with grouped-query attention; tiny_glm: GLM-4 with
// partial rotary and fused gate/up) as exported ONNX files, judged by ONNX Runtime against the floors of the
// LLM issue: token perplexity relative to each fixture's reference (W8A8 SmoothQuant <= +2 %, W4A16 group 128
// best of GPTQ and AWQ <= +6 % with RTN reported, 2:4 SparseGPT reported and distilled <= +15 %), and ORT's
// logits agreeing with our executor on the same files.
#include "OrtEval.h"
#include "OrtJudge.h"
#include "PassFixtures.h"
#include "TestSupport.h"

#include "pipeline/ir/TensorUtil.h"
#include "pipeline/passes/Calibration.h"
#include "pipeline/passes/distill/TrainingData.h"
#include "pipeline/llm/DecoderBuilder.h"
#include "pipeline/llm/Generation.h"
#include "pipeline/llm/HfExport.h"
#include "pipeline/llm/TextPerplexity.h"
#include "pipeline/passes/distill/DistillPass.h"
#include "pipeline/passes/prune/PrunePass.h"
#include "pipeline/passes/quantize/QuantizePass.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>

using namespace autoglm;
using namespace testutil;
namespace fs = std::filesystem;

namespace {

// Validation windows ORT scores for the floors. The whole text is 483 windows; the first 96 (a fifth) keep
// the suite inside its time and are scored for the original too, so every floor is a ratio measured the same
// way. AUTOGLM_LONG_TESTS=1 scores the whole text.
bool longTests() {
    return qEnvironmentVariableIntValue("AUTOGLM_LONG_TESTS") == 1;
}

int64_t floorWindows() {
    return longTests() ? 0 : 96;
}

double ortPerplexityOf(const fs::path& file, const std::vector<int64_t>& tokens) {
    auto ort = ortTokenPerplexity(file, tokens, file.parent_path(), 0, floorWindows());
    if (!ort)
        qFatal("%s", ort.message().c_str());
    return ort->perplexity;
}

// Cosine similarity of ORT's logits and ours on the same file over two validation windows.
double ortCosine(const fs::path& file, const Model& back, const std::vector<int64_t>& tokens) {
    std::vector<double> ids(tokens.begin(), tokens.begin() + 2 * 256);
    const TensorMap inputs{{"input_ids", makeTensor(DType::Int64, {2, 256}, ids)}};
    auto executor = Executor::create(back);
    auto ours = executor->run(inputs);
    // Blocked INT4 DQ + MatMul is fused by ORT into MatMulNBits with int8 activations unless asked for exact
    // float maths: this compares the same computation.
    auto ort = runOrt(file, inputs, file.parent_path(), 0, {{"session.qdq_matmulnbits_accuracy_level", "1"}});
    if (!ours || !ort)
        qFatal("logits comparison failed");
    return cosineOf(ours->at("logits"), ort->at("logits"));
}

// A model as ORT sees it: written, read back, compared with our executor, scored.
struct Judged {
    double perplexity = 0;
    double cosine = 0;
    double megabytes = 0;
};

Judged judgeFile(const Model& model, const fs::path& file, const std::vector<int64_t>& tokens) {
    const Model back = saveAndReload(model, file);
    Judged j;
    j.cosine = ortCosine(file, back, tokens);
    j.perplexity = ortPerplexityOf(file, tokens);
    j.megabytes = static_cast<double>(fs::file_size(file)) / 1e6;
    return j;
}

struct Checkpoint {
    Model model;
    std::vector<int64_t> validation; // austen_val.txt in the checkpoint's tokens
    CalibrationSet calibration;      // 64 windows of austen_calib.txt
    double referencePerplexity = 0;  // reference.json, whole validation text
    Judged original;                 // the fp32 export, by ORT over floorWindows()
};

// Loaded once per fixture; every variant is compared with the original scored on the same windows.
const Checkpoint& checkpoint(const QString& name, const fs::path& workDir) {
    static std::map<QString, Checkpoint> loaded;
    if (auto it = loaded.find(name); it != loaded.end())
        return it->second;
    const fs::path folder = kFixtures / name.toStdString();
    auto model = loadHfCheckpoint(folder);
    if (!model)
        qFatal("%s", model.message().c_str());
    Checkpoint c;
    c.model = model.value();
    auto tokens = tokenizeForModel(c.model, readText("austen_val.txt"));
    auto calibration = calibrationFromText(c.model, readText("austen_calib.txt"), 256, 64);
    if (!tokens || !calibration)
        qFatal("%s: tokens or calibration failed", name.toUtf8().constData());
    c.validation = tokens->ids;
    c.calibration = calibration.value();
    std::ifstream in(folder / "reference.json");
    c.referencePerplexity = nlohmann::json::parse(in)["val_token_perplexity"].get<double>();
    c.original = judgeFile(c.model, workDir / (name.toStdString() + "_fp32.onnx"), c.validation);
    qInfo("%s fp32: ORT token perplexity %.4f, logits cosine %.6f (reference %.4f over the whole text)",
          name.toUtf8().constData(), c.original.perplexity, c.original.cosine, c.referencePerplexity);
    return loaded.emplace(name, std::move(c)).first->second;
}

// Percent change of a variant's ORT perplexity against the original's, on the same windows.
double percentOver(double variant, double original) {
    return 100.0 * (variant / original - 1.0);
}

// Quantized once per fixture and parameters (the generation-variant test reuses the W4A16 GPTQ model).
const Model& quantized(const Checkpoint& c, const QuantizeParams& p) {
    static std::map<std::pair<const Checkpoint*, std::string>, Model> done;
    const auto key = std::make_pair(&c, p.toJson().dump());
    if (auto it = done.find(key); it != done.end())
        return it->second;
    auto result = quantizeModel(c.model, p, &c.calibration);
    if (!result)
        qFatal("%s: %s", p.summary().c_str(), result.message().c_str());
    return done.emplace(key, result->model).first->second;
}

QuantizeParams int4(const char* method) {
    QuantizeParams p;
    p.scheme = "w4a16";
    p.method = method;
    p.groupSize = 128;
    return p;
}

} // namespace

class OrtLlmTest : public QObject {
    Q_OBJECT

private:
    const Checkpoint& loaded(const QString& name) { return checkpoint(name, work()); }
    fs::path work() const { return m_dir.path().toStdString(); }

    // Writes the variant and judges it; the change is its ORT perplexity against the original's, in percent.
    double judge(const QString& name, const Model& variant, const QString& label) {
        const Checkpoint& c = loaded(name);
        const Judged j = judgeFile(variant, work() / (name + "_" + label + ".onnx").toStdString(), c.validation);
        const double change = percentOver(j.perplexity, c.original.perplexity);
        qInfo("%s %s: ORT token perplexity %.4f (%+.2f %%), file %.2f MB (fp32 %.2f), ORT/ours logits cosine %.6f",
              qPrintable(name), qPrintable(label), j.perplexity, change, j.megabytes, c.original.megabytes,
              j.cosine);
        if (j.cosine < 0.9999)
            QTest::qFail(qPrintable(label + ": ORT and our executor disagree"), __FILE__, __LINE__);
        return change;
    }

    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase() {
        setComputeThreads(0);
        if (auto reason = ortUnavailableReason(); !reason.empty())
            QSKIP(reason.c_str());
        if (!fs::exists(kFixtures / "tiny_llama" / "config.json"))
            QSKIP("fixtures missing");
    }

    void fixtures_data() {
        QTest::addColumn<QString>("fixture");
        QTest::newRow("tiny_llama") << "tiny_llama";
        QTest::newRow("tiny_glm") << "tiny_glm";
    }

    // The fp32 export: ORT matches our logits and, on the whole text, the fixture's reference perplexity.
    void originalMatchesTheReference_data() { fixtures_data(); }
    void originalMatchesTheReference() {
        QFETCH(QString, fixture);
        const Checkpoint& c = loaded(fixture);
        QVERIFY(c.original.cosine >= 0.9999);
        if (floorWindows() == 0)
            QVERIFY(std::abs(c.original.perplexity / c.referencePerplexity - 1) <= 0.005);
    }

    // Issue floor: W8A8 with SmoothQuant <= +2 %.
    void smoothQuantW8a8_data() { fixtures_data(); }
    void smoothQuantW8a8() {
        QFETCH(QString, fixture);
        QuantizeParams p;
        p.scheme = "w8a8";
        p.smoothquant = true;
        p.smoothquantAlpha = 0.5;
        QVERIFY(judge(fixture, quantized(loaded(fixture), p), "w8a8_sq") <= 2.0);
    }

    // Issue floor: W4A16 group 128, the better of GPTQ and AWQ <= +6 %; RTN reported beside them.
    void int4WeightOnly_data() { fixtures_data(); }
    void int4WeightOnly() {
        QFETCH(QString, fixture);
        const Checkpoint& c = loaded(fixture);
        const double rtn = judge(fixture, quantized(c, int4("rtn")), "w4a16_rtn");
        const double gptq = judge(fixture, quantized(c, int4("gptq")), "w4a16_gptq");
        const double awq = judge(fixture, quantized(c, int4("awq")), "w4a16_awq");
        qInfo("%s w4a16 g128: RTN %+.2f %%, GPTQ %+.2f %%, AWQ %+.2f %%", qPrintable(fixture), rtn, gptq, awq);
        QVERIFY(std::min(gptq, awq) <= 6.0);
    }

    // Issue floor: 2:4 SparseGPT reported, and with distillation <= +15 %. The lm_head stays dense (as in the
    // SparseGPT paper: the head is not a block layer; pruning it costs 34 % instead of 22 % on tiny_llama).
    // Distillation takes about nine minutes per fixture on two cores, so this runs only when asked for.
    void twoFourSparseGptDistilled_data() { fixtures_data(); }
    void twoFourSparseGptDistilled() {
        if (!longTests())
            QSKIP("about ten minutes per fixture on two cores; run with AUTOGLM_LONG_TESTS=1");
        QFETCH(QString, fixture);
        const Checkpoint& c = loaded(fixture);
        PruneParams p;
        p.pattern = "2:4";
        p.method = "sparsegpt";
        p.layers.keepLast = true;
        auto sparse = pruneModel(c.model, p, &c.calibration);
        VERIFY_RESULT(sparse);
        const double before = judge(fixture, sparse->model, "24_sparsegpt");
        auto training = trainingFromText(c.model, readText("austen_calib.txt"), 256, 1 << 20);
        VERIFY_RESULT(training);
        DistillParams d;
        d.steps = 200;
        d.batchSize = 8;
        d.learningRate = 3e-4;
        d.temperature = 1;
        auto distilled = distillModel(sparse->model, c.model, d, training.value(), nullptr);
        VERIFY_RESULT(distilled);
        const double after = judge(fixture, distilled->model, "24_sparsegpt_distilled");
        qInfo("%s 2:4 SparseGPT: %+.2f %%, distilled %+.2f %%", qPrintable(fixture), before, after);
        QVERIFY(after <= 15.0);
    }

    // A quarter of the key/value heads and their query heads removed (grouped-query attention, rotary, GLM's
    // biases): the rewritten Reshape constants hold in ORT, which computes our logits. The change is reported;
    // distillation wins it back (the pruning issue's note).
    void attentionHeadsPruned_data() { fixtures_data(); }
    void attentionHeadsPruned() {
        QFETCH(QString, fixture);
        PruneParams p;
        p.pattern = "heads";
        p.sparsity = 0.25;
        auto pruned = pruneModel(loaded(fixture).model, p, nullptr);
        VERIFY_RESULT(pruned);
        const double change = judge(fixture, pruned->model, "heads25");
        qInfo("%s heads 25%%: %+.2f %%", qPrintable(fixture), change);
        QVERIFY(std::isfinite(change));
    }

    // A quarter of the FFN neurons removed (Llama's gate and up projections; GLM-4's fused gate_up_proj, whose
    // Split sizes shrink with it): ORT runs the smaller graph and computes our logits. The change is reported.
    void ffnNeuronsPruned_data() { fixtures_data(); }
    void ffnNeuronsPruned() {
        QFETCH(QString, fixture);
        PruneParams p;
        p.pattern = "channels";
        p.sparsity = 0.25;
        auto pruned = pruneModel(loaded(fixture).model, p, nullptr);
        VERIFY_RESULT(pruned);
        QCOMPARE(pruned->report.changedLayers(), fixture == "tiny_glm" ? 4 * 2 : 4 * 3); // down + gate_up | gate, up
        const double change = judge(fixture, pruned->model, "ffn25");
        qInfo("%s FFN neurons 25%%: %+.2f %%", qPrintable(fixture), change);
        QVERIFY(std::isfinite(change));
    }

    // The generation variant of a compressed model: the float weights rebuilt with a key/value cache and
    // quantized on the same calibration windows (empty caches). With an empty past it computes what the plain
    // variant does; ORT runs it on a real 12-token cache, matching our logits and present keys/values; greedy
    // generation with the cache picks the tokens the plain variant picks without one.
    void cachedGenerationVariant() {
        const QString name = "tiny_llama";
        const Checkpoint& c = loaded(name);
        const QuantizeParams p = int4("gptq");
        const Model& plain = quantized(c, p);
        auto twin = cachedDecoderOf(c.model, kFixtures / name.toStdString());
        VERIFY_RESULT(twin);
        auto calibration = withEmptyCaches(c.calibration, twin.value());
        VERIFY_RESULT(calibration);
        auto cached = quantizeModel(twin.value(), p, &calibration.value());
        VERIFY_RESULT(cached);
        const fs::path file = work() / "tiny_llama_w4a16_gptq_with_past.onnx";
        const Model back = saveAndReload(cached->model, file);

        auto plainExec = Executor::create(plain);
        auto cachedExec = Executor::create(back);
        VERIFY_RESULT(cachedExec);
        std::vector<double> prompt(12), more(5);
        for (size_t i = 0; i < prompt.size(); ++i)
            prompt[i] = static_cast<double>(c.validation[i]);
        for (size_t i = 0; i < more.size(); ++i)
            more[i] = static_cast<double>(c.validation[12 + i]);
        TensorMap inputs;
        for (const auto& in : back.graph.feedInputs())
            if (in.name != "input_ids")
                inputs[in.name] = zerosTensor(DType::Float, {1, 4, 0, 32});
        inputs["input_ids"] = makeTensor(DType::Int64, {1, 12}, prompt);
        auto first = cachedExec->run(inputs);
        VERIFY_RESULT(first);
        auto plainFirst = plainExec->run({{"input_ids", inputs["input_ids"]}});
        VERIFY_RESULT(plainFirst);
        const double emptyPast = cosineOf(first->at("logits"), plainFirst->at("logits"));
        QVERIFY2(emptyPast >= 0.99999, std::to_string(emptyPast).c_str());

        for (auto& [input, tensor] : inputs)
            if (input != "input_ids")
                tensor = first->at("present_" + input.substr(5));
        inputs["input_ids"] = makeTensor(DType::Int64, {1, 5}, more);
        auto ours = cachedExec->run(inputs);
        VERIFY_RESULT(ours);
        auto theirs = runOrt(file, inputs, work(), 0, {{"session.qdq_matmulnbits_accuracy_level", "1"}});
        VERIFY_RESULT(theirs);
        for (const char* output : {"logits", "present_key.3", "present_value.0"}) {
            const double cosine = cosineOf(ours->at(output), theirs->at(ortFileName(output)));
            QVERIFY2(cosine >= 0.9999, (std::string(output) + ": cosine " + std::to_string(cosine)).c_str());
        }

        const std::vector<int64_t> promptIds(c.validation.begin(), c.validation.begin() + 12);
        GenerationOptions options;
        options.maxNewTokens = 16;
        auto withCache = generateGreedy(cachedExec.value(), promptIds, options);
        auto withoutCache = generateGreedy(plainExec.value(), promptIds, options);
        VERIFY_RESULT(withCache);
        VERIFY_RESULT(withoutCache);
        QCOMPARE(withCache->tokens, withoutCache->tokens);
        qInfo("tiny_llama w4a16 GPTQ with past: empty-past cosine %.7f, %.0f tokens/s with the cache vs %.0f "
              "without",
              emptyPast, withCache->tokensPerSecond(), withoutCache->tokensPerSecond());
    }
};

QTEST_GUILESS_MAIN(OrtLlmTest)
#include "tst_ort_llm.moc"
