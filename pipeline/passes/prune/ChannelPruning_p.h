#pragma once
// Private to pipeline/passes/prune: structured pruning that physically removes output channels (Conv) and
// features (Gemm / MatMul), with every node that indexes them rewritten to match.
//
// Channels are followed forward from each producer through the ops that keep them apart (activations,
// BatchNormalization, per-channel constants, pooling, a Flatten of 1×1 maps, depthwise convolutions) to the
// layers that reduce over them (the next Conv's input channels, the next Gemm / MatMul's input features).
// Values joined by an elementwise op (a residual Add) must keep the same channels, so their producers form
// one group pruned together. A group whose channels reach anything else (a graph output, a Reshape, a
// Concat, a normalisation over channels) is left whole, and the report says why. In a transformer this
// prunes FFN neurons (fc → activation → out) and leaves the residual stream, which LayerNormalization reads.

#include "pipeline/passes/Pass.h"
#include "pipeline/passes/prune/PruneParams.h"

namespace autoglm::prune {

// Removes `params.sparsity` of the channels of every prunable group (the least important by params.criterion)
// from `model` in place; returns the per-layer report rows and notes.
Result<PassReport> pruneChannels(Model& model, const PruneParams& params, const PassContext& context);

} // namespace autoglm::prune
