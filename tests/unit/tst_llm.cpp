// Hugging Face checkpoints (tiny_llama, tiny_glm): import, greedy generation against the fixture's reference,
// ONNX export judged by ONNX Runtime, and hostile or broken checkpoints.
#include "../ort/OrtJudge.h"
#include "TestSupport.h"

#include "pipeline/exec/Executor.h"
#include "pipeline/io/Npy.h"
#include "pipeline/ir/TensorUtil.h"
#include "pipeline/llm/DecoderBuilder.h"
#include "pipeline/llm/Generation.h"
#include "pipeline/llm/SafeTensors.h"
#include "pipeline/llm/TextPerplexity.h"
#include "pipeline/llm/Tokenizer.h"
#include "pipeline/onnx/OnnxExport.h"

#include <ATen/ATen.h>
#include <QTemporaryDir>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using namespace autoglm;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = AUTOGLM_FIXTURES;

nlohmann::json readJson(const fs::path& file) {
    std::ifstream in(file);
    return nlohmann::json::parse(in);
}

void writeSafeTensors(const fs::path& file, const std::string& header, const std::string& data) {
    std::ofstream out(file, std::ios::binary);
    const uint64_t length = header.size();
    for (int i = 0; i < 8; ++i)
        out.put(static_cast<char>((length >> (8 * i)) & 0xff));
    out << header << data;
}

// A copy of a fixture folder whose files can be changed.
fs::path copyFixture(const QTemporaryDir& dir, const std::string& name) {
    const fs::path target = fs::path(dir.path().toStdString()) / name;
    fs::copy(kFixtures / name, target, fs::copy_options::recursive);
    for (const auto& entry : fs::recursive_directory_iterator(target))
        fs::permissions(entry.path(), fs::perms::owner_write, fs::perm_options::add);
    return target;
}

} // namespace

class LlmTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        setComputeThreads(0);
        if (!fs::exists(kFixtures / "tiny_llama" / "config.json"))
            QSKIP("fixtures missing");
    }

    void greedyGenerationMatchesReference_data() {
        QTest::addColumn<QString>("fixture");
        QTest::newRow("tiny_llama") << "tiny_llama";
        QTest::newRow("tiny_glm") << "tiny_glm";
    }
    // A plain decoder (no past_* inputs, as every exported or compressed variant is) generates by running the
    // whole sequence again for each token.
    void greedyGenerationMatchesReference() {
        QFETCH(QString, fixture);
        const fs::path folder = kFixtures / fixture.toStdString();
        auto model = loadHfCheckpoint(folder);
        VERIFY_RESULT(model);
        auto executor = Executor::create(model.value());
        VERIFY_RESULT(executor);
        const auto reference = readJson(folder / "reference.json");
        auto generation = generateGreedy(executor.value(), reference["prompt_ids"].get<std::vector<int64_t>>(), {});
        VERIFY_RESULT(generation);
        QCOMPARE(generation->tokens, reference["greedy_32_ids"].get<std::vector<int64_t>>());
    }

    void greedyWithKvCacheMatchesReference_data() { greedyGenerationMatchesReference_data(); }
    void greedyWithKvCacheMatchesReference() {
        QFETCH(QString, fixture);
        const fs::path folder = kFixtures / fixture.toStdString();
        DecoderBuildOptions cached;
        cached.kvCache = true;
        auto model = loadHfCheckpoint(folder, cached);
        VERIFY_RESULT(model);
        auto executor = Executor::create(model.value());
        VERIFY_RESULT(executor);
        const auto reference = readJson(folder / "reference.json");
        int64_t streamed = 0;
        auto generation = generateGreedy(executor.value(), reference["prompt_ids"].get<std::vector<int64_t>>(), {},
                                         [&](int64_t) { ++streamed; });
        VERIFY_RESULT(generation);
        QCOMPARE(generation->tokens, reference["greedy_32_ids"].get<std::vector<int64_t>>());
        QCOMPARE(streamed, int64_t(32));
        qInfo("%s: %.1f tokens/s with the cache", qPrintable(fixture), generation->tokensPerSecond());
    }

    void logitsOfFirst64ValidationTokensMatchReference_data() { greedyGenerationMatchesReference_data(); }
    void logitsOfFirst64ValidationTokensMatchReference() {
        QFETCH(QString, fixture);
        const fs::path folder = kFixtures / fixture.toStdString();
        auto model = loadHfCheckpoint(folder);
        VERIFY_RESULT(model);
        auto tokenizer = Tokenizer::load(folder / "tokenizer.json");
        VERIFY_RESULT(tokenizer);
        std::ifstream in(kFixtures / "austen_val.txt", std::ios::binary);
        std::string text(4096, '\0');
        in.read(text.data(), static_cast<std::streamsize>(text.size()));
        const auto ids = tokenizer->encode(text);
        QVERIFY(ids.size() > 64);
        // Loading copies no weight: each stays a bf16 view of the mapped file until the executor reads it.
        // (bf16 weights seen as float, and how many of them are materialized)
        auto checkpointWeights = [&] {
            std::pair<int64_t, int64_t> counts{0, 0};
            for (const auto& [name, t] : model->graph.initializers)
                if (t.storedDtype() == DType::BFloat16 && t.dtype() == DType::Float)
                    ++counts.first, counts.second += t.materialized();
            return counts;
        };
        const Model copy = model.value(); // copies share the first-use tensors
        const int64_t weights = checkpointWeights().first;
        QVERIFY2(weights >= 4 * 9, std::to_string(weights).c_str());
        QCOMPARE(checkpointWeights().second, int64_t(0));
        const TensorData& head = model->graph.initializers.at("lm_head.weight.T");
        QCOMPARE(head.shape(), (std::vector<int64_t>{256, 2048}));
        QCOMPARE(head.byteSize(), int64_t(256 * 2048 * 4));
        auto executor = Executor::create(model.value());
        VERIFY_RESULT(executor);
        QCOMPARE(checkpointWeights(), std::make_pair(weights, weights));
        QVERIFY(copy.graph.initializers.at("lm_head.weight.T").materialized());
        auto out = executor->run(
            {{"input_ids", makeTensor(DType::Int64, {1, 64}, std::vector<double>(ids.begin(), ids.begin() + 64))}});
        VERIFY_RESULT(out);
        auto reference = loadNpy(folder / "reference_logits_val64.npy");
        VERIFY_RESULT(reference);
        const auto ours = tensorValues(out->at("logits"));
        const auto theirs = tensorValues(reference.value());
        QCOMPARE(ours.size(), theirs.size());
        double worst = 0;
        for (size_t i = 0; i < ours.size(); ++i)
            worst = std::max(worst, std::abs(ours[i] - theirs[i]));
        qInfo("%s: max abs difference to reference logits %.3g", qPrintable(fixture), worst);
        QVERIFY(worst <= 2e-3);
    }

    void tokenPerplexityMatchesReference_data() { greedyGenerationMatchesReference_data(); }
    void tokenPerplexityMatchesReference() {
        QFETCH(QString, fixture);
        const fs::path folder = kFixtures / fixture.toStdString();
        auto model = loadHfCheckpoint(folder);
        VERIFY_RESULT(model);
        auto executor = Executor::create(model.value());
        VERIFY_RESULT(executor);
        std::ifstream in(kFixtures / "austen_val.txt", std::ios::binary);
        const std::string text((std::istreambuf_iterator<char>(in)), {});
        auto measured = evaluateTextPerplexity(executor.value(), text, {});
        VERIFY_RESULT(measured);
        QCOMPARE(measured->unit, std::string("token"));
        const auto reference = readJson(folder / "reference.json");
        const double expected = reference["val_token_perplexity"].get<double>();
        qInfo("%s: token perplexity %.4f over %lld windows (reference %.4f)", qPrintable(fixture),
              measured->result.perplexity, static_cast<long long>(measured->result.windows), expected);
        QCOMPARE(measured->result.windows, reference["windows"].get<int64_t>());
        QVERIFY(std::abs(measured->result.perplexity / expected - 1) <= 0.005);
    }

    void exportedDecoderRunsInOrt_data() { greedyGenerationMatchesReference_data(); }
    void exportedDecoderRunsInOrt() {
        QFETCH(QString, fixture);
        if (auto reason = testutil::ortUnavailableReason(); !reason.empty())
            QSKIP(reason.c_str());
        auto model = loadHfCheckpoint(kFixtures / fixture.toStdString());
        VERIFY_RESULT(model);
        QTemporaryDir dir;
        const fs::path file = fs::path(dir.path().toStdString()) / "decoder.onnx";
        VERIFY_RESULT(saveOnnx(model.value(), file));
        std::vector<double> ids(40);
        for (size_t i = 0; i < ids.size(); ++i)
            ids[i] = static_cast<double>((i * 53) % 2048);
        const TensorMap inputs{{"input_ids", makeTensor(DType::Int64, {2, 20}, ids)}};
        auto executor = Executor::create(model.value());
        VERIFY_RESULT(executor);
        auto ours = executor->run(inputs);
        VERIFY_RESULT(ours);
        auto theirs = testutil::runOrt(file, inputs, dir.path().toStdString());
        VERIFY_RESULT(theirs);
        const auto c = compareTensors(ours->at("logits"), theirs->at("logits"), 0, 1e-3);
        qInfo("%s: max abs difference to ONNX Runtime %.3g", qPrintable(fixture), c.maxAbsDiff);
        QVERIFY2(c.close, c.reason.c_str());
    }

    // The generation variant: past keys/values in, present out, judged by ONNX Runtime on a real cache.
    void exportedCachedDecoderRunsInOrt() {
        if (auto reason = testutil::ortUnavailableReason(); !reason.empty())
            QSKIP(reason.c_str());
        DecoderBuildOptions cached;
        cached.kvCache = true;
        auto model = loadHfCheckpoint(kFixtures / "tiny_glm", cached);
        VERIFY_RESULT(model);
        auto executor = Executor::create(model.value());
        VERIFY_RESULT(executor);
        TensorMap inputs;
        for (const auto& in : model->graph.feedInputs())
            if (in.name != "input_ids")
                inputs[in.name] = zerosTensor(DType::Float, {1, 4, 0, 32});
        std::vector<double> prompt(12), more(5);
        for (size_t i = 0; i < prompt.size(); ++i)
            prompt[i] = static_cast<double>((i * 71) % 2048);
        for (size_t i = 0; i < more.size(); ++i)
            more[i] = static_cast<double>((i * 13 + 5) % 2048);
        inputs["input_ids"] = makeTensor(DType::Int64, {1, 12}, prompt);
        auto first = executor->run(inputs);
        VERIFY_RESULT(first);
        for (auto& [name, tensor] : inputs)
            if (name != "input_ids")
                tensor = first->at("present_" + name.substr(5));
        inputs["input_ids"] = makeTensor(DType::Int64, {1, 5}, more);
        auto ours = executor->run(inputs);
        VERIFY_RESULT(ours);
        QTemporaryDir dir;
        const fs::path file = fs::path(dir.path().toStdString()) / "decoder_with_past.onnx";
        VERIFY_RESULT(saveOnnx(model.value(), file));
        auto theirs = testutil::runOrt(file, inputs, dir.path().toStdString());
        VERIFY_RESULT(theirs);
        for (const char* name : {"logits", "present_key.3", "present_value.0"}) {
            const auto c = compareTensors(ours->at(name), theirs->at(testutil::ortFileName(name)), 0, 1e-3);
            QVERIFY2(c.close, (std::string(name) + ": " + c.reason).c_str());
        }
    }

    // No Qwen2 checkpoint ships with the fixtures, so one is made from tiny_llama's weights with q/k/v biases
    // (Qwen2's only difference for this graph; its config has no attention_bias field and o_proj no bias).
    // Zero biases must compute exactly what tiny_llama does; random ones what Llama with attention_bias and a
    // zero o_proj bias does. A missing bias is named.
    void qwen2CheckpointImports() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        auto weights = loadCheckpointWeights(kFixtures / "tiny_llama");
        VERIFY_RESULT(weights);
        auto config = readJson(kFixtures / "tiny_llama" / "config.json");
        const int64_t kvWidth = config["num_key_value_heads"].get<int64_t>() * config["head_dim"].get<int64_t>();
        const int64_t width = config["num_attention_heads"].get<int64_t>() * config["head_dim"].get<int64_t>();
        auto writeFolder = [&](const fs::path& folder, const nlohmann::json& cfg,
                               const std::map<std::string, TensorData>& tensors) {
            fs::create_directory(folder);
            std::ofstream(folder / "config.json") << cfg.dump(2);
            if (auto saved = saveSafeTensors(tensors, folder / "model.safetensors"); !saved)
                qFatal("%s", saved.message().c_str());
        };
        auto logits = [](const fs::path& folder) {
            auto model = loadHfCheckpoint(folder);
            if (!model)
                qFatal("%s", model.message().c_str());
            auto executor = Executor::create(model.value());
            const at::Tensor ids = at::arange(24, at::kLong).mul(53).remainder(2048).unsqueeze(0);
            return executor->run({{"input_ids", TensorData(ids)}}).value().at("logits").tensor().clone();
        };

        nlohmann::json qwen = config;
        qwen["architectures"] = {"Qwen2ForCausalLM"};
        qwen["model_type"] = "qwen2";
        qwen.erase("attention_bias");
        qwen.erase("mlp_bias");
        at::manual_seed(3);
        std::map<std::string, TensorData> zeroBias = weights.value(), randomBias = weights.value(),
                                          llamaBias = weights.value();
        for (int64_t l = 0; l < config["num_hidden_layers"].get<int64_t>(); ++l) {
            const std::string p = "model.layers." + std::to_string(l) + ".self_attn.";
            for (const auto& [proj, n] : std::vector<std::pair<std::string, int64_t>>{
                     {"q_proj", width}, {"k_proj", kvWidth}, {"v_proj", kvWidth}}) {
                zeroBias.insert_or_assign(p + proj + ".bias", TensorData(at::zeros({n}, at::kBFloat16)));
                const TensorData random(at::randn({n}).mul(0.5).to(at::kBFloat16));
                randomBias.insert_or_assign(p + proj + ".bias", random);
                llamaBias.insert_or_assign(p + proj + ".bias", random);
            }
            llamaBias.insert_or_assign(p + "o_proj.bias",
                                       TensorData(at::zeros({config["hidden_size"].get<int64_t>()}, at::kBFloat16)));
        }
        writeFolder(root / "qwen_zero", qwen, zeroBias);
        QVERIFY(at::equal(logits(root / "qwen_zero"), logits(kFixtures / "tiny_llama")));

        writeFolder(root / "qwen_random", qwen, randomBias);
        nlohmann::json llamaWithBias = config;
        llamaWithBias["attention_bias"] = true;
        writeFolder(root / "llama_bias", llamaWithBias, llamaBias);
        const at::Tensor a = logits(root / "qwen_random");
        QVERIFY(!at::allclose(a, logits(kFixtures / "tiny_llama"), 1e-3, 1e-3));
        QVERIFY(at::allclose(a, logits(root / "llama_bias"), 1e-5, 1e-5));

        randomBias.erase("model.layers.2.self_attn.k_proj.bias");
        writeFolder(root / "qwen_missing", qwen, randomBias);
        VERIFY_ERROR_MENTIONS(loadHfCheckpoint(root / "qwen_missing"), "model.layers.2.self_attn.k_proj.bias");
        qwen["use_sliding_window"] = true;
        writeFolder(root / "qwen_sliding", qwen, zeroBias);
        VERIFY_ERROR_MENTIONS(loadHfCheckpoint(root / "qwen_sliding"), "sliding");
    }

    void shapesThatDisagreeWithTheConfig() {
        QTemporaryDir dir;
        const fs::path folder = copyFixture(dir, "tiny_llama");
        auto config = readJson(folder / "config.json");
        config["intermediate_size"] = 512;
        std::ofstream(folder / "config.json") << config.dump();
        auto model = loadHfCheckpoint(folder);
        VERIFY_ERROR_MENTIONS(model, "mlp.");
        VERIFY_ERROR_MENTIONS(model, "but the config implies [");
    }

    void unsupportedArchitectureAndSettings() {
        QTemporaryDir dir;
        const fs::path folder = copyFixture(dir, "tiny_llama");
        auto config = readJson(folder / "config.json");
        config["architectures"] = {"MistralForCausalLM"};
        std::ofstream(folder / "config.json") << config.dump();
        VERIFY_ERROR_MENTIONS(loadHfCheckpoint(folder), "'MistralForCausalLM' is not supported");
        config["architectures"] = {"LlamaForCausalLM"};
        config["rope_parameters"]["rope_type"] = "yarn";
        std::ofstream(folder / "config.json") << config.dump();
        VERIFY_ERROR_MENTIONS(loadHfCheckpoint(folder), "rope type 'yarn'");
    }

    void missingShard() {
        QTemporaryDir dir;
        const fs::path folder = copyFixture(dir, "tiny_llama");
        fs::remove(folder / "model.safetensors");
        std::ofstream(folder / "model.safetensors.index.json")
            << R"({"weight_map": {"lm_head.weight": "model-00001-of-00002.safetensors"}})";
        VERIFY_ERROR_MENTIONS(loadHfCheckpoint(folder), "'model-00001-of-00002.safetensors', which is missing");
    }

    void hostileSafetensors() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        writeSafeTensors(root / "fp8.safetensors",
                         R"({"w": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}})", "ab");
        VERIFY_ERROR_MENTIONS(loadSafeTensors(root / "fp8.safetensors"), "dtype F8_E4M3");
        writeSafeTensors(root / "outside.safetensors",
                         R"({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})", "12345678");
        VERIFY_ERROR_MENTIONS(loadSafeTensors(root / "outside.safetensors"), "outside the data section");
        writeSafeTensors(root / "size.safetensors", R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})",
                         "12345678");
        VERIFY_ERROR_MENTIONS(loadSafeTensors(root / "size.safetensors"), "needs 12");
        writeSafeTensors(root / "json.safetensors", "{not json", "");
        VERIFY_ERROR_MENTIONS(loadSafeTensors(root / "json.safetensors"), "not a JSON object");
        // A header length far past the end of the file, and a file cut inside its header.
        std::ofstream(root / "huge.safetensors", std::ios::binary)
            << std::string("\xff\xff\xff\xff\xff\xff\xff\x7f{}", 10);
        VERIFY_ERROR_MENTIONS(loadSafeTensors(root / "huge.safetensors"), "does not fit the file");
        std::ifstream in(kFixtures / "tiny_llama" / "model.safetensors", std::ios::binary);
        std::string head(2000, '\0');
        in.read(head.data(), 2000);
        std::ofstream(root / "cut.safetensors", std::ios::binary) << head;
        VERIFY_ERROR_MENTIONS(loadSafeTensors(root / "cut.safetensors"), "does not fit the file");
    }
};

QTEST_GUILESS_MAIN(LlmTest)
#include "tst_llm.moc"
