#include "pipeline/passes/distill/QatGraph_p.h"

#include "pipeline/exec/OpRegistry.h"

#include <algorithm>
#include <set>

namespace autoglm::distill {
namespace {

bool isIntegerWeight(DType t) {
    return t == DType::Int8 || t == DType::UInt8 || t == DType::Int4 || t == DType::UInt4;
}

// The integer range of a quantized type, as QuantizeLinear saturates.
std::pair<double, double> intRange(DType t) {
    switch (t) {
    case DType::UInt8:
        return {0, 255};
    case DType::Int4:
        return {-8, 7};
    case DType::UInt4:
        return {0, 15};
    default:
        return {-128, 127};
    }
}

// A scale or zero point shaped to broadcast against a weight of `shape` (per tensor, per axis or blocked).
at::Tensor broadcastTo(const at::Tensor& p, at::IntArrayRef shape, int64_t axis, int64_t blockSize) {
    const int64_t rank = static_cast<int64_t>(shape.size());
    axis = axis < 0 ? axis + rank : axis;
    if (p.numel() == 1)
        return p.reshape({});
    if (blockSize == 0) {
        std::vector<int64_t> view(rank, 1);
        view[axis] = p.numel();
        return p.reshape(view);
    }
    return p.repeat_interleave(blockSize, axis).narrow(axis, 0, shape[axis]);
}

int64_t intAttr(const Node& node, const char* key, int64_t fallback) {
    const Attribute* a = node.attribute(key);
    return a ? a->i : fallback;
}

std::map<std::string, int> consumerCounts(const Graph& g) {
    std::map<std::string, int> counts;
    for (const auto& n : g.nodes)
        for (const auto& in : n.inputs)
            ++counts[in];
    for (const auto& out : g.outputs)
        ++counts[out.name];
    return counts;
}

Node steNode(const Node& from, std::vector<std::string> inputs, DType type, int64_t axis, int64_t blockSize) {
    Node n;
    n.name = from.name;
    n.opType = "FakeQuantizeSte";
    n.domain = exec::kInternalDomain;
    n.inputs = std::move(inputs);
    n.outputs = from.outputs;
    n.attributes["axis"] = Attribute::makeInt(axis);
    n.attributes["block_size"] = Attribute::makeInt(blockSize);
    n.attributes["quant_type"] = Attribute::makeInt(static_cast<int64_t>(type));
    return n;
}

} // namespace

Result<QatGraph> trainingGraph(const Model& student) {
    QatGraph out;
    out.model = student;
    Graph& g = out.model.graph;
    for (const auto& node : g.nodes)
        if (node.opType == "MatMulInteger" || node.opType == "ConvInteger" || node.opType == "MatMulNBits" ||
            node.opType == "QLinearMatMul" || node.opType == "QLinearConv" || node.opType == "DynamicQuantizeLinear")
            return Error{"distillation trains float or QDQ students; node '" + node.name + "' (" + node.opType +
                         ") has no trainable form: distill before quantizing, or quantize with a QDQ scheme "
                         "(w8a8, w8a16, w4a16 with int4 format dq)"};

    const auto consumers = consumerCounts(g);
    std::set<std::string> removedQuantize;
    for (auto& node : g.nodes) {
        if (node.opType != "DequantizeLinear" || !node.domain.empty() || node.inputs.size() < 2)
            continue;
        const std::string zero = node.inputs.size() > 2 ? node.inputs[2] : "";
        const int64_t axis = intAttr(node, "axis", 1);
        const int64_t block = intAttr(node, "block_size", 0);
        auto weight = g.initializers.find(node.inputs[0]);
        if (weight != g.initializers.end() && isIntegerWeight(weight->second.dtype()) &&
            g.initializers.count(node.inputs[1])) {
            // An integer weight: its float value becomes the trainable.
            const at::Tensor q = weight->second.tensor().to(at::kFloat);
            const at::Tensor scale = broadcastTo(g.initializers.at(node.inputs[1]).tensor().to(at::kFloat), q.sizes(),
                                                 axis, block);
            at::Tensor shifted = q;
            if (!zero.empty())
                shifted = q - broadcastTo(g.initializers.at(zero).tensor().to(at::kFloat), q.sizes(), axis, block);
            QatWeight w{weight->first, weight->first + "/qat_float", node.inputs[1], zero, axis, block,
                        weight->second.dtype()};
            g.initializers[w.trainable] = TensorData((shifted * scale).contiguous());
            std::vector<std::string> inputs{w.trainable, w.scale};
            if (!zero.empty())
                inputs.push_back(zero);
            node = steNode(node, inputs, w.type, axis, block);
            out.weights.push_back(std::move(w));
            continue;
        }
        // An activation pair: QuantizeLinear read only by this DequantizeLinear, with the same parameters.
        const auto q = std::find_if(g.nodes.begin(), g.nodes.end(), [&](const Node& n) {
            return n.opType == "QuantizeLinear" && n.domain.empty() && n.outputs.size() == 1 &&
                   n.outputs[0] == node.inputs[0];
        });
        if (q == g.nodes.end() || consumers.at(q->outputs[0]) != 1 || q->inputs.size() < 2 ||
            q->inputs[1] != node.inputs[1] || (q->inputs.size() > 2 ? q->inputs[2] : "") != zero)
            continue;
        const DType type = zero.empty() ? DType::UInt8 : g.initializers.count(zero) ? g.initializers.at(zero).dtype()
                                                                                   : DType::UInt8;
        std::vector<std::string> inputs{q->inputs[0], q->inputs[1]};
        if (!zero.empty())
            inputs.push_back(zero);
        removedQuantize.insert(q->outputs[0]);
        node = steNode(node, inputs, type, axis, block);
        ++out.activations;
    }
    g.nodes.erase(std::remove_if(g.nodes.begin(), g.nodes.end(),
                                 [&](const Node& n) {
                                     return n.opType == "QuantizeLinear" && n.outputs.size() == 1 &&
                                            removedQuantize.count(n.outputs[0]);
                                 }),
                  g.nodes.end());
    for (const auto& w : out.weights)
        g.initializers.erase(w.quantized);
    // Blocked scales need the opset-21 rules in the internal domain too.
    out.model.opsets.push_back({exec::kInternalDomain, 21});
    return out;
}

void writeBackWeights(Model& student, const QatGraph& qat, const std::map<std::string, at::Tensor>& trained) {
    Graph& g = student.graph;
    for (const auto& w : qat.weights) {
        auto it = trained.find(w.trainable);
        if (it == trained.end())
            continue;
        const TensorData& old = g.initializers.at(w.quantized);
        const at::Tensor x = it->second.detach().to(at::kFloat);
        const at::Tensor scale = broadcastTo(g.initializers.at(w.scale).tensor().to(at::kFloat), x.sizes(), w.axis,
                                             w.blockSize);
        const at::Tensor zero =
            w.zeroPoint.empty()
                ? at::zeros({}, at::kFloat)
                : broadcastTo(g.initializers.at(w.zeroPoint).tensor().to(at::kFloat), x.sizes(), w.axis, w.blockSize);
        const auto [lo, hi] = intRange(w.type);
        const at::Tensor q = at::clamp(at::round(x / scale) + zero, lo, hi).to(old.tensor().scalar_type());
        g.initializers[w.quantized] = TensorData(q.contiguous(), w.type);
    }
}

} // namespace autoglm::distill
