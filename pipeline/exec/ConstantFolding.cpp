#include "pipeline/exec/ConstantFolding.h"

#include "pipeline/exec/OpRegistry.h"

#include <algorithm>
#include <set>

namespace autoglm::exec {

int foldConstants(Model& model) {
    Graph& graph = model.graph;
    auto order = graph.topologicalOrder();
    if (!order)
        return 0;
    static const std::set<std::string> kNondeterministic{"RandomNormal",      "RandomUniform", "RandomNormalLike",
                                                         "RandomUniformLike", "Multinomial",   "Bernoulli"};
    std::set<std::string> graphOutputs;
    for (const auto& v : graph.outputs)
        graphOutputs.insert(v.name);
    const OpRegistry& registry = OpRegistry::builtin();
    std::vector<bool> folded(graph.nodes.size(), false);
    int count = 0;
    for (size_t n : order.value()) {
        const Node& node = graph.nodes[n];
        if (node.inputs.empty() || kNondeterministic.count(node.opType))
            continue;
        const bool constant = std::all_of(node.inputs.begin(), node.inputs.end(), [&](const std::string& in) {
            return in.empty() || graph.initializers.count(in);
        });
        const OpKernel* kernel = registry.find(node.domain, node.opType);
        if (!constant || !kernel)
            continue;
        std::vector<at::Tensor> inputs;
        std::vector<DType> types;
        bool subByte = false;
        for (const auto& in : node.inputs) {
            const TensorData* t = in.empty() ? nullptr : &graph.initializers.at(in);
            inputs.push_back(t ? t->tensor() : at::Tensor());
            types.push_back(t && isSubByte(t->dtype()) ? t->dtype() : DType::Undefined);
            subByte |= t && isSubByte(t->dtype());
        }
        // 4-bit values are only folded where they end: a DequantizeLinear to float.
        if (subByte && !(node.domain.empty() && node.opType == "DequantizeLinear"))
            continue;
        int64_t opset = model.opsetVersion(node.domain);
        if (opset == 0 && node.domain.empty())
            opset = 1;
        std::vector<at::Tensor> results;
        try {
            OpContext context(node, opset, std::move(inputs), std::move(types));
            results = (*kernel)(context);
        } catch (const std::exception&) {
            continue;
        }
        if (results.size() < node.outputs.size())
            continue;
        for (size_t o = 0; o < node.outputs.size(); ++o)
            if (!node.outputs[o].empty())
                graph.initializers[node.outputs[o]] = TensorData(results[o].contiguous());
        folded[n] = true;
        ++count;
    }
    if (count == 0)
        return 0;
    std::vector<Node> kept;
    for (size_t n = 0; n < graph.nodes.size(); ++n)
        if (!folded[n])
            kept.push_back(std::move(graph.nodes[n]));
    graph.nodes = std::move(kept);
    // Initializers no node reads any more (the integer weights) are dropped from the executor's copy.
    std::set<std::string> read(graphOutputs);
    for (const auto& v : graph.inputs) // old models list initializers as inputs; those must stay
        read.insert(v.name);
    for (const auto& node : graph.nodes)
        read.insert(node.inputs.begin(), node.inputs.end());
    for (auto it = graph.initializers.begin(); it != graph.initializers.end();)
        it = read.count(it->first) ? std::next(it) : graph.initializers.erase(it);
    return count;
}

} // namespace autoglm::exec
