#pragma once
// Private to pipeline/passes/prune: finds the attention blocks whose heads can be removed, and every node that
// indexes those heads (see HeadPruning_p.h for what is followed).
//
// Heads are counted in units: a unit is one head of the block's split with the fewest heads. Multi-head
// attention has one head per unit in every split; grouped-query attention (each key/value head read by
// `group` consecutive query heads, expanded by Unsqueeze → Expand → Reshape) has a key/value head and its
// query heads in a unit. Removing a unit removes all of its heads, so every split, merge and projection keeps
// the same grouping.

#include "pipeline/exec/Executor.h"
#include "pipeline/passes/Pass.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace autoglm::prune {

// Columns [offset, offset + heads·headDim) of a projection weight (MatMul [in, out]) and of its bias produce a
// head split.
struct HeadProjection {
    size_t matmul = 0;
    std::string weight;
    std::string bias;     // empty when there is none
    int64_t offset = 0;   // first column of this split's heads
    int64_t heads = 0;
    int split = -1;       // the Split node that cuts this part from a fused projection, or -1
    std::string part;     // the Split output that is this projection's part
    std::vector<std::string> chain; // values from the MatMul's output to the head split's input
};

struct HeadBlock {
    std::vector<size_t> splits;          // Reshapes [.., E] → [.., H, D]
    std::vector<HeadProjection> projections;
    std::vector<size_t> merges;          // Reshapes [.., H, D] → [.., H·D]
    std::vector<size_t> outProjections;  // MatMuls reading the merged heads
    // Reshapes whose constant shape names the head count at an axis of their output: grouped-query head
    // expansions, and reshapes of the features within each head (interleaved rotary pairs).
    std::map<size_t, int64_t> headReshapes;
    std::set<std::string> values;        // values carrying the head axis (their value_info goes stale)
    std::string blocked;
    int64_t units = 0;
    int64_t headDim = 0;
};

struct HeadBlocks {
    std::vector<HeadBlock> blocks;
    std::map<std::string, Shape> shapes; // of every value, from one run on small inputs
};

// Runs the model once (symbolic dimensions set to a small size) to learn its shapes, then finds its attention
// blocks in `order` (a topological order of the graph).
Result<HeadBlocks> findHeadBlocks(const Model& model, const std::vector<size_t>& order, const PassContext& context);

} // namespace autoglm::prune
