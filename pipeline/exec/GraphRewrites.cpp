#include "pipeline/exec/GraphRewrites.h"

#include "pipeline/exec/OpRegistry.h"

#include "pipeline/ir/SubByte.h"
#include "pipeline/ir/TensorUtil.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <map>
#include <set>
#include <unordered_map>

namespace autoglm::exec {
namespace {

class Uses {
public:
    explicit Uses(const Graph& g) : m_graph(g) {
        for (size_t n = 0; n < g.nodes.size(); ++n) {
            for (const auto& out : g.nodes[n].outputs)
                m_producer[out] = n;
            for (const auto& in : g.nodes[n].inputs)
                m_consumers[in].push_back(n);
        }
        for (const auto& out : g.outputs)
            m_graphOutputs.insert(out.name);
    }

    // The single node reading `value`, when exactly one does and the value is not a graph output.
    const Node* soleConsumer(const std::string& value) const {
        auto it = m_consumers.find(value);
        if (m_graphOutputs.count(value) || it == m_consumers.end() || it->second.size() != 1)
            return nullptr;
        return &m_graph.nodes[it->second.front()];
    }

    // Readers of `value`, counting a graph output as one more.
    size_t readers(const std::string& value) const {
        auto it = m_consumers.find(value);
        return (it == m_consumers.end() ? 0 : it->second.size()) + m_graphOutputs.count(value);
    }

    const Node* producer(const std::string& value) const {
        auto it = m_producer.find(value);
        return it == m_producer.end() ? nullptr : &m_graph.nodes[it->second];
    }

private:
    const Graph& m_graph;
    std::unordered_map<std::string, size_t> m_producer;
    std::unordered_map<std::string, std::vector<size_t>> m_consumers;
    std::set<std::string> m_graphOutputs;
};

bool isScalarNear(const Graph& g, const std::string& name, double value) {
    auto it = g.initializers.find(name);
    if (it == g.initializers.end() || it->second.numel() != 1)
        return false;
    return std::abs(tensorValues(it->second).front() - value) < 1e-4;
}

// For a binary node with a scalar constant near `value` on one side, the other input; else empty.
std::string otherThanScalar(const Graph& g, const Node& n, double value) {
    if (n.inputs.size() != 2)
        return {};
    if (isScalarNear(g, n.inputs[1], value))
        return n.inputs[0];
    if (isScalarNear(g, n.inputs[0], value))
        return n.inputs[1];
    return {};
}

bool is(const Node* n, const char* op) {
    return n && n->domain.empty() && n->opType == op && n->outputs.size() == 1;
}

// Rebuilds the node list without `removed`, with each node in `replaced` swapped for its new form.
void applyFusions(Graph& graph, const std::set<const Node*>& removed, std::map<const Node*, Node> replaced) {
    std::vector<Node> kept;
    for (const auto& node : graph.nodes) {
        if (removed.count(&node))
            continue;
        auto it = replaced.find(&node);
        kept.push_back(it == replaced.end() ? node : std::move(it->second));
    }
    graph.nodes = std::move(kept);
}

} // namespace

int fuseErfGelu(Graph& graph) {
    const Uses uses(graph);
    std::set<const Node*> removed;
    std::map<const Node*, Node> fused; // final Mul node -> the Gelu node replacing it
    for (const auto& erf : graph.nodes) {
        if (!is(&erf, "Erf") || erf.inputs.size() != 1)
            continue;
        const Node* scale = uses.producer(erf.inputs[0]);
        if (!uses.soleConsumer(erf.inputs[0]) || !(is(scale, "Div") || is(scale, "Mul")))
            continue;
        const std::string x =
            scale->opType == "Div"
                ? (isScalarNear(graph, scale->inputs[1], std::sqrt(2.0)) ? scale->inputs[0] : std::string())
                : otherThanScalar(graph, *scale, 1.0 / std::sqrt(2.0));
        const Node* addOne = uses.soleConsumer(erf.outputs[0]);
        if (x.empty() || !is(addOne, "Add") || otherThanScalar(graph, *addOne, 1.0) != erf.outputs[0])
            continue;
        const Node* timesX = uses.soleConsumer(addOne->outputs[0]);
        if (!is(timesX, "Mul") || timesX->inputs.size() != 2 ||
            !((timesX->inputs[0] == x && timesX->inputs[1] == addOne->outputs[0]) ||
              (timesX->inputs[1] == x && timesX->inputs[0] == addOne->outputs[0])))
            continue;
        const Node* half = uses.soleConsumer(timesX->outputs[0]);
        if (!is(half, "Mul") || otherThanScalar(graph, *half, 0.5) != timesX->outputs[0])
            continue;
        removed.insert({scale, &erf, addOne, timesX});
        Node gelu = *half;
        gelu.opType = "Gelu";
        gelu.inputs = {x};
        gelu.attributes.clear();
        fused.emplace(half, std::move(gelu));
    }
    const int count = static_cast<int>(fused.size());
    if (count)
        applyFusions(graph, removed, std::move(fused));
    return count;
}

namespace {

bool scalarInitializer(const Graph& g, const std::string& name) {
    auto it = g.initializers.find(name);
    return it != g.initializers.end() && it->second.numel() == 1;
}

} // namespace

int fuseQuantizeDequantize(Graph& graph) {
    const Uses uses(graph);
    std::set<const Node*> removed;
    std::map<const Node*, Node> fused; // DequantizeLinear -> the FakeQuantize node replacing it
    for (const auto& q : graph.nodes) {
        if (!is(&q, "QuantizeLinear") || q.inputs.size() != 3 || q.attribute("block_size") ||
            q.attribute("output_dtype") || !scalarInitializer(graph, q.inputs[1]) ||
            !scalarInitializer(graph, q.inputs[2]))
            continue;
        const DType zeroType = graph.initializers.at(q.inputs[2]).dtype();
        if (zeroType != DType::UInt8 && zeroType != DType::Int8)
            continue;
        const Node* dq = uses.soleConsumer(q.outputs[0]);
        if (!is(dq, "DequantizeLinear") || dq->inputs.size() != 3 || dq->inputs[0] != q.outputs[0] ||
            dq->inputs[1] != q.inputs[1] || dq->inputs[2] != q.inputs[2] ||
            graph.initializers.at(q.inputs[1]).dtype() != DType::Float)
            continue;
        removed.insert(&q);
        Node fake = *dq;
        fake.opType = "FakeQuantize";
        fake.domain = kInternalDomain;
        fake.inputs = q.inputs;
        fake.attributes.clear();
        fused.emplace(dq, std::move(fake));
    }
    const int count = static_cast<int>(fused.size());
    if (count)
        applyFusions(graph, removed, std::move(fused));
    return count;
}

namespace {

const TensorData* initializer(const Graph& g, const std::string& name) {
    auto it = g.initializers.find(name);
    return it == g.initializers.end() ? nullptr : &it->second;
}

bool allZero(const TensorData& t) {
    const auto values = tensorValues(t);
    return std::all_of(values.begin(), values.end(), [](double v) { return v == 0.0; });
}

// A DequantizeLinear of a constant symmetric int8 matrix, per tensor or along `outputAxis`: its weight and
// scale names; empty when the node is anything else.
std::pair<std::string, std::string> int8Weight(const Graph& g, const Node* dq, int64_t outputAxis) {
    if (!is(dq, "DequantizeLinear") || dq->inputs.size() < 2 || dq->attribute("block_size"))
        return {};
    const TensorData* w = initializer(g, dq->inputs[0]);
    const TensorData* scale = initializer(g, dq->inputs[1]);
    if (!w || w->dtype() != DType::Int8 || w->shape().size() != 2 || !scale || scale->dtype() != DType::Float)
        return {};
    if (dq->inputs.size() > 2 && !dq->inputs[2].empty()) {
        const TensorData* zero = initializer(g, dq->inputs[2]);
        if (!zero || zero->dtype() != DType::Int8 || !allZero(*zero))
            return {};
    }
    if (scale->numel() != 1) {
        const Attribute* axis = dq->attribute("axis");
        const int64_t a = axis ? (axis->i < 0 ? axis->i + 2 : axis->i) : 1;
        if (scale->shape().size() != 1 || a != outputAxis || scale->numel() != w->shape()[outputAxis])
            return {};
    }
    return {dq->inputs[0], dq->inputs[1]};
}

int64_t intAttr(const Node& n, const char* name, int64_t fallback) {
    const Attribute* a = n.attribute(name);
    return a ? a->i : fallback;
}

float floatAttr(const Node& n, const char* name, float fallback) {
    const Attribute* a = n.attribute(name);
    return a ? a->f : fallback;
}

// The static W8A8 form of a MatMul / Gemm, or nothing.
std::optional<Node> quantizedMatMul(const Graph& g, const Uses& uses, const Node& n) {
    const bool gemm = is(&n, "Gemm");
    if (!(is(&n, "MatMul") && n.inputs.size() == 2) && !(gemm && n.inputs.size() >= 2))
        return std::nullopt;
    const bool rowsAreOutputs = gemm && intAttr(n, "transB", 0) == 1;
    if (gemm && (intAttr(n, "transA", 0) != 0 || floatAttr(n, "alpha", 1.0f) != 1.0f))
        return std::nullopt;
    const Node* fake = uses.producer(n.inputs[0]);
    if (!fake || fake->domain != kInternalDomain || fake->opType != "FakeQuantize")
        return std::nullopt;
    const auto [weight, scale] = int8Weight(g, uses.producer(n.inputs[1]), rowsAreOutputs ? 0 : 1);
    if (weight.empty())
        return std::nullopt;
    Node fused = n;
    fused.opType = "QuantizedMatMul";
    fused.domain = kInternalDomain;
    fused.inputs = {fake->inputs[0], fake->inputs[1], fake->inputs[2], weight, scale};
    fused.attributes = {{"weight_rows_are_outputs", Attribute::makeInt(rowsAreOutputs ? 1 : 0)}};
    // Constant input scale and zero point also travel as attributes, so the op reads no scalar back from a
    // device (on CUDA every .item() would wait for the GPU, at every layer).
    const TensorData* xScale = initializer(g, fake->inputs[1]);
    const TensorData* xZero = initializer(g, fake->inputs[2]);
    if (xScale && xZero && xScale->numel() == 1 && xZero->numel() == 1) {
        fused.attributes["x_scale_value"] = Attribute::makeFloat(static_cast<float>(tensorValues(*xScale)[0]));
        fused.attributes["x_zero_value"] = Attribute::makeInt(static_cast<int64_t>(tensorValues(*xZero)[0]));
    }
    if (gemm && n.inputs.size() > 2 && !n.inputs[2].empty()) {
        const TensorData* bias = initializer(g, n.inputs[2]);
        const int64_t outputs = g.initializers.at(weight).shape()[rowsAreOutputs ? 0 : 1];
        if (!bias || bias->dtype() != DType::Float || bias->numel() != outputs ||
            floatAttr(n, "beta", 1.0f) != 1.0f)
            return std::nullopt;
        fused.inputs.push_back(n.inputs[2]);
    }
    return fused;
}

// The packed form of a MatMulInteger with a constant int8 B of zero zero point, or nothing.
std::optional<Node> packedMatMulInteger(const Graph& g, const Node& n) {
    if (!is(&n, "MatMulInteger") || n.inputs.size() < 2)
        return std::nullopt;
    const TensorData* b = initializer(g, n.inputs[1]);
    if (!b || b->dtype() != DType::Int8 || b->shape().size() != 2)
        return std::nullopt;
    if (n.inputs.size() > 3 && !n.inputs[3].empty()) {
        const TensorData* zero = initializer(g, n.inputs[3]);
        if (!zero || !allZero(*zero))
            return std::nullopt;
    }
    Node fused = n;
    fused.opType = "PackedMatMulInteger";
    fused.domain = kInternalDomain;
    fused.inputs = {n.inputs[0], n.inputs[1], n.inputs.size() > 2 ? n.inputs[2] : std::string()};
    return fused;
}

} // namespace

int fuseInt8MatMul(Graph& graph) {
    const Uses uses(graph);
    std::map<const Node*, Node> fused;
    std::map<const Node*, size_t> fusedReaders; // FakeQuantize / DequantizeLinear -> fused layers reading it
    for (const auto& node : graph.nodes) {
        if (auto q = quantizedMatMul(graph, uses, node)) {
            ++fusedReaders[uses.producer(node.inputs[0])];
            ++fusedReaders[uses.producer(node.inputs[1])];
            fused.emplace(&node, std::move(*q));
        } else if (auto p = packedMatMulInteger(graph, node)) {
            fused.emplace(&node, std::move(*p));
        }
    }
    std::set<const Node*> removed;
    for (const auto& [producer, count] : fusedReaders)
        if (uses.readers(producer->outputs[0]) == count)
            removed.insert(producer);
    const int count = static_cast<int>(fused.size());
    if (count)
        applyFusions(graph, removed, std::move(fused));
    return count;
}

namespace {

constexpr int64_t kNBitsBlock = 128; // the block the W4A16 kernel reads

// 4-bit codes [rows, cols] (values already unsigned, 0..15) as MatMulNBits packs them: each row's codes,
// padded with `pad` to `paddedCols`, two per byte, low nibble first.
at::Tensor packRows(const at::Tensor& codes, int64_t paddedCols, int pad) {
    const at::Tensor padded =
        at::constant_pad_nd(codes.to(at::kChar), {0, paddedCols - codes.size(1)}, pad).contiguous();
    const int64_t rows = padded.size(0);
    at::Tensor packed = at::empty({rows, paddedCols / 2}, at::TensorOptions().dtype(at::kByte));
    for (int64_t r = 0; r < rows; ++r)
        packNibbles(padded.data_ptr<int8_t>() + r * paddedCols, paddedCols, packed.data_ptr<uint8_t>() + r * (paddedCols / 2));
    return packed;
}

struct NBitsWeight {
    std::string b, scales, zeroPoints; // new initializer names (zeroPoints empty: symmetric, MatMulNBits' 8)
    int64_t k = 0, n = 0;
};

// The MatMulNBits form of a blocked 4-bit DequantizeLinear, added to the graph's initializers; nothing when
// the node is not one the rewrite handles.
std::optional<NBitsWeight> nbitsWeight(Graph& g, const Node& dq) {
    if (!is(&dq, "DequantizeLinear") || dq.inputs.size() < 2 || intAttr(dq, "block_size", 0) != kNBitsBlock)
        return std::nullopt;
    const int64_t axis = intAttr(dq, "axis", 1);
    const TensorData* w = initializer(g, dq.inputs[0]);
    const TensorData* scale = initializer(g, dq.inputs[1]);
    if (!w || (w->dtype() != DType::Int4 && w->dtype() != DType::UInt4) || w->shape().size() != 2 ||
        (axis != 0 && axis != -2) || !scale || scale->dtype() != DType::Float)
        return std::nullopt;
    const int64_t k = w->shape()[0], n = w->shape()[1], blocks = (k + kNBitsBlock - 1) / kNBitsBlock;
    if (scale->shape() != std::vector<int64_t>{blocks, n})
        return std::nullopt;
    const TensorData* zero = dq.inputs.size() > 2 && !dq.inputs[2].empty() ? initializer(g, dq.inputs[2]) : nullptr;
    if (dq.inputs.size() > 2 && !dq.inputs[2].empty() && (!zero || zero->dtype() != w->dtype() || zero->shape() != scale->shape()))
        return std::nullopt;
    // MatMulNBits' codes are unsigned with a zero point (8 when absent): Int4 values and zero points shift by 8.
    const int shift = w->dtype() == DType::Int4 ? 8 : 0;
    const at::Tensor codes = (w->tensor().to(at::kInt) + shift).t(); // [N, K]
    NBitsWeight out{g.uniqueName(dq.inputs[0] + "_nbits"), g.uniqueName(dq.inputs[1] + "_nbits"), {}, k, n};
    g.initializers[out.b] = TensorData(packRows(codes, blocks * kNBitsBlock, shift).reshape({n, blocks, kNBitsBlock / 2}));
    g.initializers[out.scales] = TensorData(scale->tensor().t().contiguous().reshape({-1}));
    if (zero || shift == 0) {
        const at::Tensor zeroCodes = zero ? (zero->tensor().to(at::kInt) + shift).t()
                                          : at::zeros({n, blocks}, at::TensorOptions().dtype(at::kInt));
        out.zeroPoints = g.uniqueName(dq.inputs[0] + "_nbits_zero_point");
        g.initializers[out.zeroPoints] = TensorData(packRows(zeroCodes, (blocks + 1) / 2 * 2, 0).reshape({-1}));
    }
    return out;
}

void dropUnreadInitializers(Graph& g, const std::set<std::string>& candidates) {
    std::set<std::string> read;
    for (const auto& node : g.nodes)
        read.insert(node.inputs.begin(), node.inputs.end());
    for (const auto& out : g.outputs)
        read.insert(out.name);
    for (const auto& name : candidates)
        if (!read.count(name))
            g.initializers.erase(name);
}

} // namespace

int fuseInt4MatMulNBits(Graph& graph) {
    const Uses uses(graph);
    std::map<const Node*, Node> fused;
    std::set<const Node*> removed;
    std::set<std::string> oldWeights;
    std::vector<const Node*> candidates;
    for (const auto& node : graph.nodes)
        if (is(&node, "DequantizeLinear") && node.attribute("block_size"))
            candidates.push_back(&node);
    for (const Node* dq : candidates) {
        // Every reader must be a MatMul reading it as B, or the float weight is still needed.
        std::vector<const Node*> readers;
        for (const auto& node : graph.nodes)
            if (std::find(node.inputs.begin(), node.inputs.end(), dq->outputs[0]) != node.inputs.end())
                readers.push_back(&node);
        const bool onlyMatMulB = !readers.empty() && readers.size() == uses.readers(dq->outputs[0]) &&
                                 std::all_of(readers.begin(), readers.end(), [&](const Node* r) {
                                     return is(r, "MatMul") && r->inputs.size() == 2 && r->inputs[1] == dq->outputs[0] &&
                                            r->inputs[0] != dq->outputs[0];
                                 });
        if (!onlyMatMulB)
            continue;
        const std::optional<NBitsWeight> w = nbitsWeight(graph, *dq);
        if (!w)
            continue;
        for (const Node* matmul : readers) {
            Node nbits = *matmul;
            nbits.opType = "MatMulNBits";
            nbits.domain = "com.microsoft";
            nbits.inputs = {matmul->inputs[0], w->b, w->scales};
            if (!w->zeroPoints.empty())
                nbits.inputs.push_back(w->zeroPoints);
            nbits.attributes = {{"K", Attribute::makeInt(w->k)},
                                {"N", Attribute::makeInt(w->n)},
                                {"bits", Attribute::makeInt(4)},
                                {"block_size", Attribute::makeInt(kNBitsBlock)}};
            fused.emplace(matmul, std::move(nbits));
        }
        removed.insert(dq);
        oldWeights.insert(dq->inputs.begin(), dq->inputs.end());
    }
    const int count = static_cast<int>(fused.size());
    if (count) {
        applyFusions(graph, removed, std::move(fused));
        dropUnreadInitializers(graph, oldWeights);
    }
    return count;
}

} // namespace autoglm::exec
