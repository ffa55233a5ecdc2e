// The pruning pass on the fixtures: parameters (JSON, validation), magnitude pruning per layer and global,
// N:M patterns along input channels, SparseGPT (through Conv patches too) against magnitude, what the model
// summary counts, cancellation and bad input.
#include "PassFixtures.h"
#include "TestSupport.h"

#include "pipeline/ir/TensorUtil.h"
#include "pipeline/llm/DecoderBuilder.h"
#include "pipeline/model/ModelSummary.h"
#include "pipeline/passes/prune/PrunePass.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <cmath>
#include <limits>

using namespace autoglm;
using namespace testutil;

namespace {

double zeroShare(const TensorData& t) {
    const auto v = tensorValues(t);
    return static_cast<double>(std::count(v.begin(), v.end(), 0.0)) / static_cast<double>(v.size());
}

// The most non-zeros found in any group of `m` consecutive weights along a layer's reduction: input channels
// (at each kernel position) for Conv, K for Gemm (transB) and MatMul.
int64_t mostNonZerosPerGroup(const Model& model, const std::string& layer, int64_t m) {
    const Node* node = nullptr;
    for (const auto& n : model.graph.nodes)
        if (n.name == layer)
            node = &n;
    const TensorData& w = model.graph.initializers.at(node->inputs[1]);
    const auto v = tensorValues(w);
    const auto shape = w.shape();
    // Strides of (output, reduction, inner position) over the stored layout.
    int64_t outs, reduce, inner, outStride, reduceStride, innerStride;
    if (node->opType == "Conv") {
        inner = v.size() / (shape[0] * shape[1]);
        outs = shape[0], reduce = shape[1], outStride = shape[1] * inner, reduceStride = inner, innerStride = 1;
    } else if (node->opType == "Gemm") {
        outs = shape[0], reduce = shape[1], inner = 1, outStride = shape[1], reduceStride = 1, innerStride = 0;
    } else {
        outs = shape[1], reduce = shape[0], inner = 1, outStride = 1, reduceStride = shape[1], innerStride = 0;
    }
    int64_t most = 0;
    for (int64_t o = 0; o < outs; ++o)
        for (int64_t p = 0; p < inner; ++p)
            for (int64_t g = 0; g < reduce; g += m) {
                int64_t count = 0;
                for (int64_t k = g; k < g + m; ++k)
                    count += v[o * outStride + k * reduceStride + p * innerStride] != 0.0;
                most = std::max(most, count);
            }
    return most;
}

const Node& nodeNamed(const Model& model, const std::string& name) {
    for (const auto& n : model.graph.nodes)
        if (n.name == name)
            return n;
    qFatal("no node %s", name.c_str());
}

// Zeroes indices [from, from + count) along `axis` (0 or 1) of a 1-D or 2-D initializer.
void zeroAlong(Model& model, const std::string& name, int64_t axis, int64_t from, int64_t count) {
    TensorData& t = model.graph.initializers.at(name);
    auto v = tensorValues(t);
    const auto shape = t.shape();
    const int64_t cols = shape.size() == 2 ? shape[1] : 1;
    for (int64_t i = 0; i < static_cast<int64_t>(v.size()); ++i) {
        const int64_t at = axis == 0 ? i / cols : i % cols;
        if (at >= from && at < from + count)
            v[i] = 0;
    }
    t = makeTensor(DType::Float, shape, v);
}

// Zeroes output columns of a MatMul's weight and, when an Add with a constant follows it, of that bias.
void zeroProjectionColumns(Model& model, const std::string& matmul, int64_t from, int64_t count) {
    const Node& node = nodeNamed(model, matmul);
    zeroAlong(model, node.inputs[1], 1, from, count);
    for (const auto& n : model.graph.nodes)
        if (n.opType == "Add")
            for (size_t i = 0; i < 2; ++i)
                if (n.inputs[i] == node.outputs[0] && model.graph.initializers.count(n.inputs[1 - i]))
                    zeroAlong(model, n.inputs[1 - i], 0, from, count);
}

CalibrationSet fashionCalibration(const Model& model, int64_t count) {
    auto set = calibrationFromImages(model, fashionImages(count), count, 16);
    if (!set)
        qFatal("%s", set.message().c_str());
    return set.value();
}

} // namespace

class PruneTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void paramsRoundTripAndValidation() {
        PruneParams p;
        p.pattern = "4:8";
        p.method = "sparsegpt";
        p.sparsegptBlockSize = 64;
        p.layers.exclude = {"/net/stem/*"};
        auto back = PruneParams::fromJson(p.toJson());
        VERIFY_RESULT(back);
        QCOMPARE(back->toJson().dump(), p.toJson().dump());
        QCOMPARE(back->nm(), (std::pair<int64_t, int64_t>{4, 8}));
        QCOMPARE(back->targetSparsity(), 0.5);
        QCOMPARE(back->summary(), std::string("4:8 sparsegpt"));

        VERIFY_ERROR_MENTIONS(PruneParams::fromJson({{"sparsity", 1.0}}), "prune.sparsity is 1");
        VERIFY_ERROR_MENTIONS(PruneParams::fromJson({{"sparsity", -0.1}}), "[0, 1)");
        VERIFY_ERROR_MENTIONS(PruneParams::fromJson({{"pattern", "4:2"}}), "between 1 and M-1");
        VERIFY_ERROR_MENTIONS(PruneParams::fromJson({{"pattern", "half"}}), "prune.pattern is 'half'");
        VERIFY_ERROR_MENTIONS(PruneParams::fromJson({{"method", "sparsegpt"}, {"scope", "global"}}),
                              "unstructured magnitude pruning only");
        VERIFY_ERROR_MENTIONS(PruneParams::fromJson({{"sparsity", "0.5"}}), "prune.sparsity");
        VERIFY_ERROR_MENTIONS(PruneParams::fromJson({{"sparsty", 0.5}}), "sparsty");
    }

    void magnitudePerLayerAndGlobal() {
        const Model model = loadFixture("fashion_cnn.onnx");
        PruneParams p;
        p.sparsity = 0.6;
        auto perLayer = pruneModel(model, p, nullptr);
        VERIFY_RESULT(perLayer);
        QCOMPARE(perLayer->report.changedLayers(), 11);
        for (const auto& layer : perLayer->report.layers) {
            const double zeros = zeroShare(perLayer->model.graph.initializers.at(layer.weight));
            QVERIFY2(std::abs(zeros - 0.6) < 0.01, layer.layer.c_str());
            QCOMPARE(layer.sparsity, zeros);
            QVERIFY(layer.paramsAfter < layer.paramsBefore);
            QCOMPARE(layer.bytesAfter, layer.bytesBefore); // dense storage keeps its size
        }
        // The input model is untouched.
        QVERIFY(zeroShare(model.graph.initializers.at(perLayer->report.layers[0].weight)) < 0.01);

        p.scope = "global";
        auto global = pruneModel(model, p, nullptr);
        VERIFY_RESULT(global);
        int64_t total = 0, kept = 0;
        double lowest = 1, highest = 0;
        for (const auto& layer : global->report.layers) {
            total += layer.paramsBefore;
            kept += layer.paramsAfter;
            lowest = std::min(lowest, layer.sparsity);
            highest = std::max(highest, layer.sparsity);
        }
        QVERIFY(std::abs(1.0 - static_cast<double>(kept) / static_cast<double>(total) - 0.6) < 0.01);
        QVERIFY2(highest - lowest > 0.1, "one global threshold prunes layers unevenly");
        QVERIFY(global->report.notes.front().find("global magnitude threshold") != std::string::npos);

        const ModelSummary summary = summarizeModel(global->model);
        QVERIFY(std::abs(static_cast<double>(summary.zeroParameters) / static_cast<double>(summary.parameters) - 0.6) <
                0.01);
        QVERIFY(summary.nonzeroMacs < summary.totalMacs / 2);
    }

    void nmPatternRunsAlongInputChannels() {
        const Model model = loadFixture("fashion_cnn.onnx");
        PruneParams p;
        p.pattern = "2:4";
        // The stem reads one channel, which cannot hold groups of four: a clear error names it.
        VERIFY_ERROR_MENTIONS(pruneModel(model, p, nullptr), "'/net/stem/stem.0/Conv' has 1, not a multiple of 4");
        p.layers.exclude = {"/net/stem/*"};
        for (const char* method : {"magnitude", "sparsegpt"}) {
            p.method = method;
            const CalibrationSet calibration = fashionCalibration(model, 32);
            auto result = pruneModel(model, p, &calibration);
            VERIFY_RESULT(result);
            for (const auto& layer : result->report.layers) {
                if (layer.skipped)
                    continue;
                QCOMPARE(mostNonZerosPerGroup(result->model, layer.layer, 4), int64_t(2));
                QVERIFY2(std::abs(layer.sparsity - 0.5) < 1e-9, layer.layer.c_str());
                QVERIFY2(layer.action.find(method) != std::string::npos, layer.action.c_str());
            }
        }
    }

    void sparseGptBeatsMagnitudeThroughConvPatches() {
        const Model model = loadFixture("fashion_cnn.onnx");
        const CalibrationSet calibration = fashionCalibration(model, 64);
        PruneParams p;
        auto magnitude = pruneModel(model, p, nullptr);
        p.method = "sparsegpt";
        auto sparsegpt = pruneModel(model, p, &calibration);
        VERIFY_RESULT(magnitude);
        VERIFY_RESULT(sparsegpt);
        for (const auto& layer : sparsegpt->report.layers) {
            QVERIFY2(layer.action.find("sparsegpt") != std::string::npos, layer.layer.c_str());
            QVERIFY(layer.outputError >= 0);
            QVERIFY2(std::abs(layer.sparsity - 0.5) < 0.01, layer.layer.c_str());
        }
        // Top-1 agreement with the original on test images the calibration never saw.
        const TensorMap inputs = fashionInput(500);
        const double magnitudeAgree = top1Agreement(model, magnitude->model, inputs);
        const double sparsegptAgree = top1Agreement(model, sparsegpt->model, inputs);
        qInfo("fashion 50%% unstructured: top-1 agreement magnitude %.3f, SparseGPT %.3f", magnitudeAgree,
              sparsegptAgree);
        QVERIFY(sparsegptAgree > 0.9);
        QVERIFY(sparsegptAgree > magnitudeAgree + 0.1);
    }

    void sparseGptTwoFourOnTinyGpt() {
        const Model model = loadFixture("tiny_gpt.onnx");
        auto calibration = calibrationFromText(model, readText("austen_calib.txt"), 256, 16);
        VERIFY_RESULT(calibration);
        PruneParams p;
        p.pattern = "2:4";
        p.layers.keepLast = true;
        auto magnitude = pruneModel(model, p, nullptr);
        p.method = "sparsegpt";
        auto sparsegpt = pruneModel(model, p, &calibration.value());
        VERIFY_RESULT(magnitude);
        VERIFY_RESULT(sparsegpt);
        for (const auto& layer : sparsegpt->report.layers)
            if (!layer.skipped)
                QCOMPARE(mostNonZerosPerGroup(sparsegpt->model, layer.layer, 4), int64_t(2));
        QVERIFY(sparsegpt->report.layers.back().skipped || sparsegpt->report.skippedLayers() == 1);
        const TensorMap inputs = calibration->batches.front();
        const double magnitudeDiff = relativeOutputDiff(model, magnitude->model, inputs);
        const double sparsegptDiff = relativeOutputDiff(model, sparsegpt->model, inputs);
        qInfo("tiny_gpt 2:4: logit diff magnitude %.4f, SparseGPT %.4f", magnitudeDiff, sparsegptDiff);
        QVERIFY(sparsegptDiff < magnitudeDiff);
    }

    void channelPruningRemovesExactlyTheZeroChannels() {
        // Channels whose weights and biases are zero contribute nothing; removing them must leave the outputs
        // as they were. Zero 8 channels of an inner group (l1.c1) and of a residual group (stem + l1.c2).
        Model model = loadFixture("fashion_cnn.onnx");
        auto zeroRows = [&](const std::string& node, int64_t rows) {
            for (const auto& n : model.graph.nodes)
                if (n.name == node)
                    for (size_t i = 1; i < 3; ++i) {
                        TensorData& t = model.graph.initializers.at(n.inputs[i]);
                        auto v = tensorValues(t);
                        const size_t perRow = v.size() / static_cast<size_t>(t.shape()[0]);
                        std::fill(v.begin(), v.begin() + rows * static_cast<int64_t>(perRow), 0.0);
                        t = makeTensor(DType::Float, t.shape(), v);
                    }
        };
        for (const char* node : {"/net/stem/stem.0/Conv", "/net/l1/c1/Conv", "/net/l1/c2/Conv"})
            zeroRows(node, 8);
        PruneParams p;
        p.pattern = "channels";
        p.sparsity = 0.25;
        p.layers.include = {"/net/stem/*", "/net/l1/*"};
        auto pruned = pruneModel(model, p, nullptr);
        VERIFY_RESULT(pruned);
        const TensorMap inputs = fashionInput(32);
        const double diff = relativeOutputDiff(model, pruned->model, inputs);
        qInfo("outputs after removing the zero channels: relative difference %.2e", diff);
        QVERIFY(diff < 1e-5);
        auto shapeOf = [&](const Model& m, const std::string& node) {
            for (const auto& n : m.graph.nodes)
                if (n.name == node)
                    return m.graph.initializers.at(n.inputs[1]).shape();
            return std::vector<int64_t>{};
        };
        QCOMPARE(shapeOf(pruned->model, "/net/stem/stem.0/Conv"), (std::vector<int64_t>{24, 1, 3, 3}));
        QCOMPARE(shapeOf(pruned->model, "/net/l1/c1/Conv"), (std::vector<int64_t>{24, 24, 3, 3}));
        QCOMPARE(shapeOf(pruned->model, "/net/l2/c1/Conv"), (std::vector<int64_t>{64, 24, 3, 3}));
        QCOMPARE(shapeOf(pruned->model, "/net/l2/sc/sc.0/Conv"), (std::vector<int64_t>{64, 24, 1, 1}));
        bool saidWhy = false;
        for (const auto& note : pruned->report.notes)
            saidWhy |= note.find("kept whole") != std::string::npos && note.find("not selected") != std::string::npos;
        QVERIFY(saidWhy);
    }

    void halfTheChannelsShrinkParametersAndMacs() {
        const Model model = loadFixture("fashion_cnn.onnx");
        PruneParams p;
        p.pattern = "channels";
        p.sparsity = 0.5;
        auto pruned = pruneModel(model, p, nullptr);
        VERIFY_RESULT(pruned);
        const ModelSummary before = summarizeModel(model);
        const ModelSummary after = summarizeModel(pruned->model);
        qInfo("parameters %lld -> %lld, MACs %lld -> %lld", static_cast<long long>(before.parameters),
              static_cast<long long>(after.parameters), static_cast<long long>(before.totalMacs),
              static_cast<long long>(after.totalMacs));
        QVERIFY(after.parameters < 0.35 * before.parameters);
        QVERIFY(after.totalMacs < 0.35 * before.totalMacs);
        bool outputKept = false;
        for (const auto& note : pruned->report.notes)
            outputKept |= note.find("graph output 'logits'") != std::string::npos;
        QVERIFY(outputKept);
        // It runs; the accuracy is distillation's to win back (tst_ort_prune).
        QVERIFY(std::isfinite(relativeOutputDiff(model, pruned->model, fashionInput(8))));

        // A transformer: FFN neurons go, the residual stream (read by LayerNormalization) and qkv stay.
        const Model gpt = loadFixture("tiny_gpt.onnx");
        auto ffn = pruneModel(gpt, p, nullptr);
        VERIFY_RESULT(ffn);
        for (const auto& layer : ffn->report.layers) {
            const bool ffnLayer = layer.layer.find("/fc/") != std::string::npos ||
                                  layer.layer.find("/out/") != std::string::npos;
            QVERIFY2(ffnLayer, layer.layer.c_str());
            QVERIFY(layer.bytesAfter * 2 == layer.bytesBefore);
        }
        QCOMPARE(ffn->report.layers.size(), size_t(8));
        auto calibration = calibrationFromText(gpt, readText("austen_calib.txt"), 256, 2);
        VERIFY_RESULT(calibration);
        QVERIFY(relativeOutputDiff(gpt, ffn->model, calibration->batches.front()) < 2.0);

        p.method = "sparsegpt";
        VERIFY_ERROR_MENTIONS(pruneModel(model, p, nullptr), "use method 'magnitude'");
    }

    void headPruningRemovesWholeHeads() {
        // Heads whose q/k/v columns, biases and output-projection rows are zero add nothing to the residual
        // stream; removing them must leave the logits as they were, for any batch and sequence length.
        Model model = loadFixture("tiny_gpt.onnx");
        const std::vector<int64_t> zeroHeads = {2, 5};
        const int64_t heads = 8, headDim = 32, embed = heads * headDim;
        for (int block = 0; block < 4; ++block) {
            const std::string prefix = "/blocks." + std::to_string(block) + "/attn/";
            for (int64_t h : zeroHeads) {
                for (int64_t part = 0; part < 3; ++part) // q, k and v of the fused projection
                    zeroProjectionColumns(model, prefix + "qkv/MatMul", part * embed + h * headDim, headDim);
                zeroAlong(model, nodeNamed(model, prefix + "proj/MatMul").inputs[1], 0, h * headDim, headDim);
            }
        }
        PruneParams p;
        p.pattern = "heads";
        p.sparsity = 0.25;
        auto pruned = pruneModel(model, p, nullptr);
        VERIFY_RESULT(pruned);
        QCOMPARE(pruned->report.changedLayers(), 8);
        for (int block = 0; block < 4; ++block) {
            const std::string prefix = "/blocks." + std::to_string(block) + "/attn/";
            const auto& init = pruned->model.graph.initializers;
            QCOMPARE(init.at(nodeNamed(pruned->model, prefix + "qkv/MatMul").inputs[1]).shape(),
                     (std::vector<int64_t>{256, 576}));
            QCOMPARE(init.at(nodeNamed(pruned->model, prefix + "proj/MatMul").inputs[1]).shape(),
                     (std::vector<int64_t>{192, 256}));
        }
        int saidWhich = 0;
        for (const auto& note : pruned->report.notes)
            saidWhich += note.find("pruned 2 of 8 heads (2,5)") != std::string::npos;
        QCOMPARE(saidWhich, 4);
        const ModelSummary before = summarizeModel(model), after = summarizeModel(pruned->model);
        QCOMPARE(before.parameters - after.parameters, int64_t(4 * (256 * 192 + 64 * 256 + 192)));
        for (int64_t context : {16, 40}) {
            auto windows = calibrationFromText(model, readText("austen_calib.txt"), context, 3, 3);
            VERIFY_RESULT(windows);
            const double diff = relativeOutputDiff(model, pruned->model, windows->batches.front());
            qInfo("context %lld: logits after removing the zero heads differ by %.2e", static_cast<long long>(context),
                  diff);
            QVERIFY(diff < 1e-5);
        }

        // Real heads: the least important quarter goes and the model still runs.
        const Model original = loadFixture("tiny_gpt.onnx");
        p.criterion = "l1";
        auto real = pruneModel(original, p, nullptr);
        VERIFY_RESULT(real);
        QCOMPARE(real->report.changedLayers(), 8);
        auto windows = calibrationFromText(original, readText("austen_calib.txt"), 32, 2, 2);
        VERIFY_RESULT(windows);
        QVERIFY(std::isfinite(relativeOutputDiff(original, real->model, windows->batches.front())));
        p.sparsity = 0.95; // a head always stays
        auto one = pruneModel(original, p, nullptr);
        VERIFY_RESULT(one);
        QCOMPARE(one->model.graph.initializers.at(nodeNamed(one->model, "/blocks.3/attn/proj/MatMul").inputs[1]).shape(),
                 (std::vector<int64_t>{32, 256}));
        p.sparsity = 0.1;
        VERIFY_ERROR_MENTIONS(pruneModel(original, p, nullptr), "of 8 heads removes none");

        p.method = "sparsegpt";
        VERIFY_ERROR_MENTIONS(PruneParams::fromJson(p.toJson()), "magnitude");
        VERIFY_ERROR_MENTIONS(pruneModel(loadFixture("fashion_cnn.onnx"), PruneParams::fromJson(
                                             {{"pattern", "heads"}, {"sparsity", 0.25}}).value(), nullptr),
                              "attention");
    }

    void groupedQueryHeadPruningRemovesWholeGroups() {
        // Llama and GLM-4 share each key/value head between two query heads (GQA), and rotate q and k (GLM:
        // half of each head, interleaved pairs). Zero key/value head 1 and its query heads 2 and 3 in every layer:
        // removing that group must leave the logits as they were.
        const int64_t headDim = 32;
        for (const char* fixture : {"tiny_llama", "tiny_glm"}) {
            auto loaded = loadHfCheckpoint(kFixtures / fixture);
            VERIFY_RESULT(loaded);
            Model model = loaded.value();
            for (int layer = 0; layer < 4; ++layer) {
                const std::string prefix = "model.layers." + std::to_string(layer) + ".self_attn.";
                zeroProjectionColumns(model, prefix + "q_proj", 2 * headDim, 2 * headDim);
                zeroProjectionColumns(model, prefix + "k_proj", headDim, headDim);
                zeroProjectionColumns(model, prefix + "v_proj", headDim, headDim);
                zeroAlong(model, nodeNamed(model, prefix + "o_proj").inputs[1], 0, 2 * headDim, 2 * headDim);
            }
            PruneParams p;
            p.pattern = "heads";
            p.sparsity = 0.25;
            auto pruned = pruneModel(model, p, nullptr);
            VERIFY_RESULT(pruned);
            QCOMPARE(pruned->report.changedLayers(), 16);
            int saidWhich = 0;
            for (const auto& note : pruned->report.notes)
                saidWhich += note.find("pruned 1 of 4 key/value heads (1) and their 2 of 8 query heads (2,3)") !=
                             std::string::npos;
            QCOMPARE(saidWhich, 4);
            for (int64_t context : {16, 40}) {
                auto windows = calibrationFromText(model, readText("austen_calib.txt"), context, 2, 2);
                VERIFY_RESULT(windows);
                const double diff = relativeOutputDiff(model, pruned->model, windows->batches.front());
                qInfo("%s, context %lld: logits after removing the zero group differ by %.2e", fixture,
                      static_cast<long long>(context), diff);
                QVERIFY(diff < 1e-5);
            }
        }
    }

    void fusedGateUpNeuronPruningRemovesExactlyTheZeroNeurons() {
        // GLM-4 computes gate and up in one projection and splits its output; neuron j of the FFN is column j of
        // both halves. Zero neurons 100..163 of every layer in both halves: channel pruning must find the fused
        // layout, remove those 64 neurons from both halves and the down projection, and leave the logits alone.
        auto loaded = loadHfCheckpoint(kFixtures / "tiny_glm");
        VERIFY_RESULT(loaded);
        Model model = loaded.value();
        const int64_t ffn = 768;
        for (int layer = 0; layer < 4; ++layer) {
            const std::string prefix = "model.layers." + std::to_string(layer) + ".mlp.";
            zeroProjectionColumns(model, prefix + "gate_up_proj", 100, 64);
            zeroProjectionColumns(model, prefix + "gate_up_proj", ffn + 100, 64);
        }
        PruneParams p;
        p.pattern = "channels";
        p.sparsity = 64.0 / ffn;
        auto pruned = pruneModel(model, p, nullptr);
        VERIFY_RESULT(pruned);
        int fused = 0;
        for (const auto& note : pruned->report.notes)
            fused += note.find("pruned 64 of 768 channels of model.layers.") != std::string::npos &&
                     note.find("gate_up_proj") != std::string::npos;
        QCOMPARE(fused, 4);
        for (int layer = 0; layer < 4; ++layer) {
            const std::string prefix = "model.layers." + std::to_string(layer) + ".mlp.";
            const Graph& g = pruned->model.graph;
            QCOMPARE(g.initializers.at(nodeNamed(pruned->model, prefix + "gate_up_proj").inputs[1]).shape(),
                     (std::vector<int64_t>{256, 2 * (ffn - 64)}));
            QCOMPARE(g.initializers.at(nodeNamed(pruned->model, prefix + "down_proj").inputs[1]).shape(),
                     (std::vector<int64_t>{ffn - 64, 256}));
            const auto sizes = tensorValues(g.initializers.at(nodeNamed(pruned->model, prefix + "chunk").inputs[1]));
            QCOMPARE(sizes, (std::vector<double>{double(ffn - 64), double(ffn - 64)}));
        }
        auto windows = calibrationFromText(model, readText("austen_calib.txt"), 24, 2, 2);
        VERIFY_RESULT(windows);
        const double diff = relativeOutputDiff(model, pruned->model, windows->batches.front());
        qInfo("tiny_glm: logits after removing the zero FFN neurons differ by %.2e", diff);
        QVERIFY(diff < 1e-5);
    }

    void cancellationAndBadInput() {
        Model model = loadFixture("fashion_cnn.onnx");
        std::stop_source stop;
        PassContext context;
        int reports = 0;
        context.progress = [&](const PassProgress&) {
            if (++reports == 3)
                stop.request_stop();
        };
        context.stop = stop.get_token();
        PruneParams p;
        VERIFY_ERROR_MENTIONS(pruneModel(model, p, nullptr, context), "cancelled");

        p.method = "sparsegpt";
        VERIFY_ERROR_MENTIONS(pruneModel(model, p, nullptr), "needs calibration data");
        CalibrationSet empty;
        VERIFY_ERROR_MENTIONS(pruneModel(model, p, &empty), "needs calibration data");

        p.method = "magnitude";
        p.layers.include = {"nothing*"};
        VERIFY_ERROR_MENTIONS(pruneModel(model, p, nullptr), "no layer can be pruned");

        const std::string weight = model.graph.nodes[2].inputs[1];
        auto values = tensorValues(model.graph.initializers.at(weight));
        values[5] = std::numeric_limits<double>::quiet_NaN();
        model.graph.initializers[weight] = makeTensor(DType::Float, model.graph.initializers.at(weight).shape(), values);
        p.layers.include.clear();
        VERIFY_ERROR_MENTIONS(pruneModel(model, p, nullptr), "holds NaN or Inf");
    }
};

QTEST_GUILESS_MAIN(PruneTest)
#include "tst_prune.moc"
