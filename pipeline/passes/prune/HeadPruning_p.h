#pragma once
// Private to pipeline/passes/prune: attention-head pruning that physically removes heads of multi-head
// attention blocks, with every node that indexes them rewritten to match.
//
// Shapes come from one run of the model on zeros. A head split is a Reshape [.., E] → [.., H, D] (H·D = E)
// whose input is a slice of a MatMul's output columns (the MatMul itself, a bias Add after it, or one part of a
// Split of a fused q/k/v projection). From each split the head axis is followed forward through Transpose,
// MatMul (heads as a batch axis), elementwise ops, Softmax, casts, Split / Slice / Concat on other axes and
// Reshapes within each head (rotary embeddings, interleaved pairs), through grouped-query attention's head
// expansion (Unsqueeze → Expand → Reshape), to a head merge, a Reshape [.., H, D] → [.., H·D] read by a MatMul
// with a weight (the output projection). Splits whose heads meet (q·kᵀ, the attention weights · v) form one
// block, pruned together in units (HeadAnalysis_p.h): a head, or under grouped-query attention a key/value
// head with its query heads. The least important units' columns go from the projections, their rows from the
// output projection, and the Reshape shapes become constants [0, .., 0, H', D] and [0, .., 0, H'·D] (0 copies
// the dimension), so they hold for any batch and sequence length. A block whose heads reach anything else (a
// graph output, a Shape, a constant with one value per head, a key/value cache input) is left whole and the
// report says why.

#include "pipeline/passes/Pass.h"
#include "pipeline/passes/prune/PruneParams.h"

namespace autoglm::prune {

// Removes `params.sparsity` of the units of every prunable attention block (rounded down; the least important
// by the L1 or L2 norm of their projection weights, per params.criterion) from `model` in place.
Result<PassReport> pruneHeads(Model& model, const PruneParams& params, const PassContext& context);

} // namespace autoglm::prune
