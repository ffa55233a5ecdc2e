#include "pipeline/passes/prune/StructuredEdit_p.h"

#include <algorithm>

namespace autoglm::prune {

Result<std::set<size_t>> selectedLayerNodes(const Model& model, const LayerSelection& selection) {
    auto choice = chooseLayers(model, selection);
    if (!choice)
        return choice.error();
    std::set<size_t> nodes;
    for (const auto& layer : choice->selected)
        nodes.insert(layer.node);
    return nodes;
}

StructuredEdit::StructuredEdit(const Graph& graph) {
    for (const auto& [name, t] : graph.initializers)
        m_bytesBefore[name] = t.byteSize();
}

void StructuredEdit::finish(Graph& g, const std::string& actionPrefix, PassReport& report) const {
    // Constants replaced by cut copies or new shapes.
    std::set<std::string> read;
    for (const auto& node : g.nodes)
        read.insert(node.inputs.begin(), node.inputs.end());
    for (const auto& [name, bytes] : m_bytesBefore)
        if (!read.count(name) && g.initializers.count(name) && !g.findValueInfo(name))
            g.initializers.erase(name);
    g.valueInfos.erase(std::remove_if(g.valueInfos.begin(), g.valueInfos.end(),
                                      [&](const ValueInfo& v) { return stale.count(v.name) > 0; }),
                       g.valueInfos.end());
    for (const auto& [n, action] : actions) {
        const Node& node = g.nodes[n];
        const std::string& weight = node.inputs[1];
        auto original = m_bytesBefore.find(weight);
        LayerReport r{node.name, node.opType, weight, actionPrefix + action, "", false};
        r.bytesBefore = original != m_bytesBefore.end() ? original->second : 0;
        r.bytesAfter = g.initializers.at(weight).byteSize();
        report.layers.push_back(std::move(r));
    }
}

} // namespace autoglm::prune
