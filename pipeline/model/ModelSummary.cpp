#include "pipeline/model/ModelSummary.h"

#include "pipeline/common/MemoryBudget.h"

#include "pipeline/exec/Executor.h"
#include "pipeline/exec/TorchTypes.h"
#include "pipeline/ir/Graph.h"

#include <ATen/ATen.h>

#include <cmath>
#include <filesystem>
#include <numeric>

namespace autoglm {
namespace {

int64_t product(const std::vector<int64_t>& v, size_t from = 0) {
    int64_t p = 1;
    for (size_t i = from; i < v.size(); ++i)
        p *= v[i];
    return p;
}

// Multiply-accumulates of the ops that dominate cost; other ops count as 0.
int64_t macsOf(const Node& node, const std::vector<Shape>& in, const std::vector<Shape>& out) {
    if (out.empty() || out[0].empty() || in.size() < 2)
        return 0;
    const Shape& y = out[0];
    const Shape& w = in[1];
    if (node.opType == "Conv" || node.opType == "ConvInteger" || node.opType == "QLinearConv") {
        const Shape& weight = node.opType == "QLinearConv" ? in[3] : w;
        return weight.size() >= 2 ? product(y) * product(weight, 1) : 0;
    }
    if (node.opType == "ConvTranspose")
        return w.size() >= 2 ? product(in[0]) * product(w, 1) : 0;
    if (node.opType == "MatMulNBits" && node.domain == "com.microsoft") {
        const Attribute* k = node.attribute("K");
        return k ? product(y) * k->i : 0;
    }
    if (node.opType == "MatMul" || node.opType == "MatMulInteger" || node.opType == "Gemm") {
        const Shape& a = in[0];
        if (a.empty())
            return 0;
        const bool transA = node.opType == "Gemm" && node.attribute("transA") && node.attribute("transA")->i;
        const int64_t k = transA && a.size() >= 2 ? a[a.size() - 2] : a.back();
        return product(y) * k;
    }
    return 0;
}

// Parameters are the model's weights: floating-point tensors, or int8/uint8/int4/uint4 ones (quantized
// weights). Integer constants such as shapes and axes are not parameters.
bool isWeight(const TensorData& t) {
    const DType d = t.dtype();
    return d == DType::Float || d == DType::Float16 || d == DType::BFloat16 || d == DType::Double || d == DType::Int8 ||
           d == DType::UInt8 || d == DType::Int4 || d == DType::UInt4;
}

// Weights that count differently from their element count: MatMulNBits packs an N x K matrix of 2-, 4- or
// 8-bit codes into a uint8 B, so B holds N * K parameters, not its byte count.
std::map<std::string, int64_t> packedWeightParameters(const Graph& g) {
    std::map<std::string, int64_t> counts;
    for (const auto& node : g.nodes) {
        const Attribute* k = node.attribute("K");
        const Attribute* n = node.attribute("N");
        if (node.opType == "MatMulNBits" && node.domain == "com.microsoft" && k && n && node.inputs.size() > 1)
            counts[node.inputs[1]] = k->i * n->i;
    }
    return counts;
}

} // namespace

std::string formatShape(const std::vector<int64_t>& shape) {
    std::string out = "[";
    for (size_t i = 0; i < shape.size(); ++i)
        out += (i ? "," : "") + std::to_string(shape[i]);
    return out + "]";
}

ModelSummary summarizeModel(const Model& model, const SummaryOptions& options) {
    ModelSummary s;
    const Graph& g = model.graph;
    s.source = model.sourcePath.string();
    s.producer = model.producerName + (model.producerVersion.empty() ? "" : " " + model.producerVersion);
    s.opset = model.opsetVersion("");
    std::error_code ec;
    if (!model.sourcePath.empty())
        s.fileBytes = static_cast<int64_t>(std::filesystem::file_size(model.sourcePath, ec));
    for (const auto& in : g.feedInputs())
        s.inputs.push_back({in.name, dtypeName(in.dtype), in.shapeString()});
    for (const auto& out : g.outputs)
        s.outputs.push_back({out.name, dtypeName(out.dtype), out.shapeString()});
    const auto packed = packedWeightParameters(g);
    auto parametersOf = [&](const std::string& name, const TensorData& tensor) {
        auto it = packed.find(name);
        return it == packed.end() ? tensor.numel() : it->second;
    };
    std::map<std::string, int64_t> zeros;
    for (const auto& [name, tensor] : g.initializers) {
        if (!isWeight(tensor))
            continue;
        s.parameters += parametersOf(name, tensor);
        s.weightBytes += tensor.byteSize();
        if (!packed.count(name) && tensor.dtype() != DType::UInt8 && tensor.dtype() != DType::UInt4) {
            zeros[name] = tensor.zeroCount();
            s.zeroParameters += zeros[name];
        }
    }

    // Share of non-zeros of each weight a layer reads: an initializer, or one dequantized by a
    // DequantizeLinear (zero codes of symmetric weights are zeros).
    std::map<std::string, std::pair<int64_t, double>> weightDensity; // value -> (elements, density)
    for (const auto& [name, z] : zeros) {
        const int64_t n = g.initializers.at(name).numel();
        weightDensity[name] = {n, n > 0 ? 1.0 - static_cast<double>(z) / static_cast<double>(n) : 1.0};
    }
    for (const auto& node : g.nodes)
        if (node.opType == "DequantizeLinear" && !node.inputs.empty() && weightDensity.count(node.inputs[0]))
            weightDensity[node.outputs.front()] = weightDensity[node.inputs[0]];
    auto densityOf = [&](const Node& node) {
        std::pair<int64_t, double> largest{0, 1.0};
        for (const auto& in : node.inputs)
            if (auto it = weightDensity.find(in); it != weightDensity.end() && it->second.first > largest.first)
                largest = it->second;
        return largest.second;
    };

    std::map<const Node*, LayerSummary> rows;
    for (const auto& node : g.nodes) {
        ++s.opHistogram[node.domain.empty() ? node.opType : node.domain + "::" + node.opType];
        LayerSummary row;
        row.name = !node.name.empty() ? node.name : node.outputs.empty() ? node.opType : node.outputs.front();
        row.opType = node.opType;
        int64_t largest = -1;
        for (const auto& in : node.inputs) {
            auto it = g.initializers.find(in);
            if (it == g.initializers.end() || !isWeight(it->second))
                continue;
            row.parameters += parametersOf(in, it->second);
            row.weightBytes += it->second.byteSize();
            if (auto z = zeros.find(in); z != zeros.end())
                row.zeroParameters += z->second;
            if (it->second.numel() > largest) {
                largest = it->second.numel();
                row.weightShape = formatShape(it->second.shape());
            }
        }
        rows[&node] = row;
    }

    // Shapes come from one real run on zeros: exact for every op we execute, with no separate inference code.
    ExecutorOptions unfused; // rows are the model's own nodes
    unfused.fuse = false;
    // The zero inputs of that run, as the model declares them: refused (no MACs) when a declared size is negative
    // or would not fit in memory (a file may declare any size; found by fuzz_onnx).
    std::map<std::string, std::vector<int64_t>> inputDims;
    int64_t inputBytes = 0;
    std::string inputProblem;
    for (const auto& in : g.feedInputs()) {
        std::vector<int64_t>& dims = inputDims[in.name];
        auto given = options.inputShapes.find(in.name);
        if (given != options.inputShapes.end())
            dims = given->second;
        else if (in.shape)
            for (const Dim& d : *in.shape)
                dims.push_back(d.isFixed() ? d.value : options.symbolicDimValue);
        int64_t elements = 1;
        for (int64_t d : dims) {
            if (d < 0 || (d > 0 && elements > (int64_t(1) << 50) / d)) {
                inputProblem = "input '" + in.name + "' declares the shape " + formatShape(dims);
                break;
            }
            elements *= d;
        }
        inputBytes += elements * 8;
    }
    if (inputProblem.empty())
        if (auto fits = checkMemoryFor(inputBytes, "the model's declared inputs"); !fits)
            inputProblem = fits.message();
    auto executor = inputProblem.empty() ? Executor::create(model, unfused) : Result<Executor>(Error{inputProblem});
    if (!executor) {
        s.macsNote = "MACs unavailable: " + executor.message();
    } else {
        TensorMap feeds;
        std::string shapes;
        for (const auto& in : g.feedInputs()) {
            const std::vector<int64_t>& dims = inputDims.at(in.name);
            const auto type = torchType(in.dtype).value_or(at::kFloat);
            feeds[in.name] = TensorData(at::zeros(dims, at::TensorOptions().dtype(type)));
            shapes += (shapes.empty() ? "" : " ") + in.name + "=" + formatShape(dims);
        }
        s.macsInputShape = shapes;
        // The executor runs its own copy of the graph: map its nodes back to ours by position.
        const Graph& runGraph = executor->model().graph;
        const Node* executorNodes = runGraph.nodes.data();
        // Activation liveness: a node's outputs live from when it runs until their last reader has run.
        std::map<std::string, int64_t> readers;
        for (const auto& node : runGraph.nodes)
            for (const auto& in : node.inputs)
                ++readers[in];
        for (const auto& out : runGraph.outputs)
            readers[out.name] += 1 << 30; // graph outputs stay
        std::map<std::string, int64_t> live;
        int64_t liveBytes = 0;
        auto ran = executor->run(feeds, {},
                                 [&](const Node& node, const std::vector<Shape>& in, const std::vector<Shape>& out) {
                                     for (size_t o = 0; o < out.size() && o < node.outputs.size(); ++o) {
                                         int64_t bytes = 4;
                                         for (int64_t d : out[o])
                                             bytes *= d;
                                         live[node.outputs[o]] = bytes;
                                         liveBytes += bytes;
                                     }
                                     s.peakActivationBytes = std::max(s.peakActivationBytes, liveBytes);
                                     for (const auto& name : node.inputs)
                                         if (auto it = live.find(name); it != live.end() && --readers[name] <= 0) {
                                             liveBytes -= it->second;
                                             live.erase(it);
                                         }
                                     LayerSummary& row = rows[&g.nodes[static_cast<size_t>(&node - executorNodes)]];
                                     row.inputShape = in.empty() ? "" : formatShape(in[0]);
                                     row.outputShape = out.empty() ? "" : formatShape(out[0]);
                                     row.macs = macsOf(node, in, out);
                                     s.totalMacs += row.macs;
                                     s.nonzeroMacs += static_cast<int64_t>(std::llround(row.macs * densityOf(node)));
                                 });
        if (!ran)
            s.macsNote = "MACs unavailable: running on zeros of " + shapes + " failed: " + ran.message();
    }
    std::vector<size_t> order(g.nodes.size());
    std::iota(order.begin(), order.end(), 0);
    if (auto sorted = g.topologicalOrder())
        order = sorted.value();
    for (size_t n : order)
        s.layers.push_back(rows[&g.nodes[n]]);
    return s;
}

} // namespace autoglm
