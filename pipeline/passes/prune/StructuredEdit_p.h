#pragma once
// Private to pipeline/passes/prune: what the structured rewrites (channels, heads) share around their own
// work: the layers they may touch, and the clean-up and report rows once weights have shrunk.

#include "pipeline/passes/Pass.h"
#include "pipeline/passes/LayerSelection.h"

#include <map>
#include <set>
#include <string>

namespace autoglm::prune {

// The nodes of the layers `selection` picks.
Result<std::set<size_t>> selectedLayerNodes(const Model& model, const LayerSelection& selection);

// The bookkeeping of one structured rewrite of a graph.
class StructuredEdit {
public:
    explicit StructuredEdit(const Graph& graph); // remembers every initializer's size before

    // What happened to the weight (input 1) of node `n`, for its report row.
    std::map<size_t, std::string> actions;
    // Values whose shapes changed: their value_info is dropped.
    std::set<std::string> stale;

    // Drops initializers no node reads any more and stale value_info, and adds one report row per action
    // ("<actionPrefix><action>", bytes before and after).
    void finish(Graph& graph, const std::string& actionPrefix, PassReport& report) const;

private:
    std::map<std::string, int64_t> m_bytesBefore;
};

} // namespace autoglm::prune
