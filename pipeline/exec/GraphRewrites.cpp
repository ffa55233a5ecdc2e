#include "pipeline/exec/GraphRewrites.h"

#include "pipeline/exec/OpRegistry.h"

#include "pipeline/ir/TensorUtil.h"

#include <cmath>
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

} // namespace autoglm::exec
