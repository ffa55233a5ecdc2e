// Float variants of Hugging Face checkpoints written back as Hugging Face folders (exportHfCheckpoint), and the
// safetensors writer and memory-mapped reader under them: pruned and trained variants load back with identical
// outputs, FFN-neuron pruning updates intermediate_size, a tied embedding that training moved apart gets its
// own head, and what a folder cannot hold is refused with the reason.
#include "TestSupport.h"

#include "pipeline/exec/Executor.h"
#include "pipeline/ir/TensorUtil.h"
#include "pipeline/llm/DecoderBuilder.h"
#include "pipeline/llm/HfExport.h"
#include "pipeline/llm/SafeTensors.h"
#include "pipeline/passes/prune/PrunePass.h"
#include "pipeline/passes/quantize/QuantizePass.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <QTemporaryDir>

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

// Logits of a decoder for a fixed sequence of 40 tokens.
at::Tensor logitsOf(const Model& model) {
    auto executor = Executor::create(model);
    if (!executor)
        qFatal("%s", executor.message().c_str());
    const at::Tensor ids = at::arange(40, at::kLong).mul(37).remainder(2048).unsqueeze(0);
    auto out = executor->run({{"input_ids", TensorData(ids)}});
    if (!out)
        qFatal("%s", out.message().c_str());
    return out->at("logits").tensor().clone();
}

Model pruned(const Model& model, const PruneParams& p) {
    auto result = pruneModel(model, p, nullptr);
    if (!result)
        qFatal("%s", result.message().c_str());
    return result->model;
}

// What training does to a model, without the minutes: every float weight nudged, pruned zeros kept (the
// masks stay fixed in distillation).
void nudgeWeights(Model& model) {
    at::manual_seed(7);
    for (auto& [name, tensor] : model.graph.initializers)
        if (tensor.dtype() == DType::Float && (name.ends_with(".weight") || name.ends_with(".weight.T") ||
                                               name.ends_with(".bias")))
            tensor = TensorData(tensor.tensor() + 0.01 * at::randn_like(tensor.tensor()) * tensor.tensor().ne(0));
}

} // namespace

class HfExportTest : public QObject {
    Q_OBJECT

    fs::path work() const { return m_dir.path().toStdString(); }
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase() {
        setComputeThreads(0);
        if (!fs::exists(kFixtures / "tiny_llama" / "config.json"))
            QSKIP("fixtures missing");
    }

    void fixtures_data() {
        QTest::addColumn<QString>("fixture");
        QTest::newRow("tiny_llama") << "tiny_llama";
        QTest::newRow("tiny_glm") << "tiny_glm";
    }

    // 2:4 pruned, then trained (nudged): the folder loads back computing exactly what the variant computes,
    // keeps the zeros, and carries the tokenizer; bfloat16 halves the file at a rounding's cost.
    void prunedAndTrainedVariantLoadsBackIdentical_data() { fixtures_data(); }
    void prunedAndTrainedVariantLoadsBackIdentical() {
        QFETCH(QString, fixture);
        const fs::path source = kFixtures / fixture.toStdString();
        auto original = loadHfCheckpoint(source);
        VERIFY_RESULT(original);
        PruneParams p;
        p.pattern = "2:4";
        Model variant = pruned(original.value(), p);
        nudgeWeights(variant);
        const fs::path out = work() / (fixture.toStdString() + "_24");
        VERIFY_RESULT(exportHfCheckpoint(variant, source, out));
        for (const char* file : {"config.json", "model.safetensors", "tokenizer.json", "generation_config.json"})
            QVERIFY2(fs::exists(out / file), file);
        QCOMPARE(readJson(out / "config.json")["dtype"].get<std::string>(), std::string("float32"));
        auto back = loadHfCheckpoint(out);
        VERIFY_RESULT(back);
        QVERIFY(at::equal(logitsOf(back.value()), logitsOf(variant)));
        auto weights = loadCheckpointWeights(out);
        VERIFY_RESULT(weights);
        const at::Tensor q = weights->at("model.layers.1.self_attn.q_proj.weight").tensor();
        QCOMPARE(q.eq(0).sum().item<int64_t>(), q.numel() / 2);

        HfExportOptions half;
        half.dtype = DType::BFloat16;
        const fs::path outHalf = work() / (fixture.toStdString() + "_24_bf16");
        VERIFY_RESULT(exportHfCheckpoint(variant, source, outHalf, half));
        QVERIFY(fs::file_size(outHalf / "model.safetensors") < fs::file_size(out / "model.safetensors") * 0.51);
        auto backHalf = loadHfCheckpoint(outHalf);
        VERIFY_RESULT(backHalf);
        const at::Tensor a = logitsOf(backHalf.value());
        const at::Tensor b = logitsOf(variant);
        QVERIFY(at::cosine_similarity(a.flatten(), b.flatten(), 0).item<double>() > 0.999);
    }

    // Half the FFN neurons of every layer removed (GLM-4: from both halves of its fused gate/up projection):
    // intermediate_size follows, the importer checks the shapes.
    void ffnNeuronPruningUpdatesIntermediateSize_data() { fixtures_data(); }
    void ffnNeuronPruningUpdatesIntermediateSize() {
        QFETCH(QString, fixture);
        const fs::path source = kFixtures / fixture.toStdString();
        auto original = loadHfCheckpoint(source);
        VERIFY_RESULT(original);
        PruneParams p;
        p.pattern = "channels";
        p.sparsity = 0.5;
        const Model variant = pruned(original.value(), p);
        const fs::path out = work() / (fixture.toStdString() + "_ffn50");
        VERIFY_RESULT(exportHfCheckpoint(variant, source, out));
        QCOMPARE(readJson(out / "config.json")["intermediate_size"].get<int64_t>(), int64_t(384));
        auto back = loadHfCheckpoint(out);
        VERIFY_RESULT(back);
        QVERIFY(at::equal(logitsOf(back.value()), logitsOf(variant)));
    }

    // A quarter of the key/value heads (and their query heads) removed: the head counts follow, head_dim is
    // written out, the importer rebuilds the same smaller attention.
    void headPruningUpdatesHeadCounts_data() { fixtures_data(); }
    void headPruningUpdatesHeadCounts() {
        QFETCH(QString, fixture);
        const fs::path source = kFixtures / fixture.toStdString();
        auto original = loadHfCheckpoint(source);
        VERIFY_RESULT(original);
        PruneParams p;
        p.pattern = "heads";
        p.sparsity = 0.25;
        Model variant = pruned(original.value(), p);
        nudgeWeights(variant);
        const fs::path out = work() / (fixture.toStdString() + "_heads25");
        VERIFY_RESULT(exportHfCheckpoint(variant, source, out));
        const nlohmann::json config = readJson(out / "config.json");
        QCOMPARE(config["num_attention_heads"].get<int64_t>(), int64_t(6));
        QCOMPARE(config["num_key_value_heads"].get<int64_t>(), int64_t(3));
        QCOMPARE(config["head_dim"].get<int64_t>(), int64_t(32));
        auto back = loadHfCheckpoint(out);
        VERIFY_RESULT(back);
        QVERIFY(at::equal(logitsOf(back.value()), logitsOf(variant)));
    }

    // A tied checkpoint (no lm_head.weight) whose head and embedding training moved apart is written untied.
    void tiedEmbeddingsTrainedApartAreUntied() {
        const fs::path tied = work() / "tied_source";
        fs::create_directory(tied);
        auto weights = loadCheckpointWeights(kFixtures / "tiny_llama");
        VERIFY_RESULT(weights);
        weights->erase("lm_head.weight");
        VERIFY_RESULT(saveSafeTensors(weights.value(), tied / "model.safetensors"));
        nlohmann::json config = readJson(kFixtures / "tiny_llama" / "config.json");
        config["tie_word_embeddings"] = true;
        std::ofstream(tied / "config.json") << config.dump(2);
        fs::copy_file(kFixtures / "tiny_llama" / "tokenizer.json", tied / "tokenizer.json");

        auto model = loadHfCheckpoint(tied);
        VERIFY_RESULT(model);
        Model variant = model.value();
        const fs::path unchanged = work() / "tied_unchanged";
        VERIFY_RESULT(exportHfCheckpoint(variant, tied, unchanged));
        QVERIFY(readJson(unchanged / "config.json")["tie_word_embeddings"].get<bool>());

        nudgeWeights(variant);
        const fs::path out = work() / "tied_trained";
        VERIFY_RESULT(exportHfCheckpoint(variant, tied, out));
        QVERIFY(!readJson(out / "config.json")["tie_word_embeddings"].get<bool>());
        auto back = loadHfCheckpoint(out);
        VERIFY_RESULT(back);
        QVERIFY(at::equal(logitsOf(back.value()), logitsOf(variant)));
    }

    void refusesWhatAFolderCannotHold() {
        const fs::path source = kFixtures / "tiny_llama";
        auto original = loadHfCheckpoint(source);
        VERIFY_RESULT(original);
        QuantizeParams q;
        q.scheme = "w8a16";
        auto quantized = quantizeModel(original.value(), q, nullptr);
        VERIFY_RESULT(quantized);
        const fs::path out = work() / "quantized";
        {
            const Status r = exportHfCheckpoint(quantized->model, source, out);
            VERIFY_ERROR_MENTIONS(r, "export it as ONNX");
        }
        QVERIFY(!fs::exists(out));

        const fs::path busy = work() / "busy";
        fs::create_directory(busy);
        std::ofstream(busy / "keep.txt") << "mine";
        {
            const Status r = exportHfCheckpoint(original.value(), source, busy);
            VERIFY_ERROR_MENTIONS(r, "not an empty folder");
        }
        QVERIFY(fs::exists(busy / "keep.txt"));
        {
            const Status r = exportHfCheckpoint(original.value(), source, work() / "absent" / "out");
            VERIFY_ERROR_MENTIONS(r, "does not exist");
        }
        HfExportOptions int8;
        int8.dtype = DType::Int8;
        {
            const Status r = exportHfCheckpoint(original.value(), source, work() / "int8", int8);
            VERIFY_ERROR_MENTIONS(r, "float32, bfloat16");
        }
        // Nothing half-written is left beside the outputs.
        for (const auto& entry : fs::directory_iterator(work()))
            QVERIFY2(entry.path().filename().string().find(".part-") == std::string::npos,
                     entry.path().string().c_str());
    }

    // Written files follow the format (8-byte header length, padded header, data in order) and read back with
    // their dtypes; bytes misaligned for their type (which the format allows) are read through a copy.
    void safetensorsWriteAndMisalignedRead() {
        std::map<std::string, TensorData> tensors;
        tensors.emplace("a", TensorData(at::arange(6, at::kFloat).reshape({2, 3})));
        tensors.emplace("b", TensorData(at::arange(5, at::kLong)));
        tensors.emplace("c", TensorData(at::ones({3}, at::kBFloat16)));
        const fs::path file = work() / "written.safetensors";
        VERIFY_RESULT(saveSafeTensors(tensors, file, {{"format", "pt"}}));
        std::ifstream in(file, std::ios::binary);
        unsigned char length[8];
        in.read(reinterpret_cast<char*>(length), 8);
        QCOMPARE(int(length[0]) % 8, 0);
        auto back = loadSafeTensors(file);
        VERIFY_RESULT(back);
        for (const auto& [name, t] : tensors)
            QVERIFY2(back->at(name).bitEqual(t), name.c_str());

        // A header of 9 bytes puts the float data at an odd address.
        const std::string header = R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} )";
        const fs::path odd = work() / "odd.safetensors";
        {
            std::ofstream out(odd, std::ios::binary);
            const uint64_t n = header.size();
            for (int i = 0; i < 8; ++i)
                out.put(static_cast<char>((n >> (8 * i)) & 0xff));
            const float values[2] = {1.5f, -2.0f};
            out << header;
            out.write(reinterpret_cast<const char*>(values), sizeof(values));
        }
        QVERIFY(header.size() % 4 != 0);
        auto misaligned = loadSafeTensors(odd);
        VERIFY_RESULT(misaligned);
        QCOMPARE(tensorValues(misaligned->at("x")), (std::vector<double>{1.5, -2.0}));
    }
};

QTEST_GUILESS_MAIN(HfExportTest)
#include "tst_hf_export.moc"
