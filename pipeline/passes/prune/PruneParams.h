#pragma once
// Parameters of the pruning pass, with their JSON form and validation.

#include "pipeline/common/Result.h"
#include "pipeline/passes/LayerSelection.h"

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace autoglm {

struct PruneParams {
    // "unstructured": any weights, `sparsity` of them zeroed; "N:M" (2:4, 4:8, ...): at most N non-zeros in
    // every M consecutive weights along a layer's input features (the pattern sparse tensor cores run);
    // "channels": `sparsity` of the output channels of every prunable Conv / Gemm / MatMul group physically
    // removed, with the layers that read them shrunk to match (FFN neurons in a transformer); "heads":
    // `sparsity` of the heads of every multi-head attention block removed, projections and shapes shrunk.
    std::string pattern = "unstructured";
    // Share of weights (or of each group's channels, or of each attention block's heads) removed, in [0, 1).
    double sparsity = 0.5;
    // Channels: which go first, by the L1 or L2 norm of their weights or the |scale| of a BatchNormalization
    // after them.
    std::string criterion = "l2";
    // magnitude: the smallest |w| go; sparsegpt: one-shot selection and reconstruction from the calibration
    // Hessian (Frantar & Alistarh, 2023), which updates the kept weights to make up for the removed ones.
    std::string method = "magnitude";
    // Unstructured magnitude pruning: each layer to `sparsity` (per-layer) or one threshold over all the
    // selected layers (global).
    std::string scope = "per-layer";
    // SparseGPT: damping as a fraction of the Hessian's mean diagonal; columns pruned together.
    double sparsegptDamp = 0.01;
    int64_t sparsegptBlockSize = 128;
    int64_t calibrationSamples = 128;
    LayerSelection layers;

    bool semiStructured() const { return pattern != "unstructured" && !structured(); }
    bool channels() const { return pattern == "channels"; }
    bool heads() const { return pattern == "heads"; }
    // Removes whole channels or heads, shrinking shapes.
    bool structured() const { return channels() || heads(); }
    // N and M of an N:M pattern (0, 0 when unstructured).
    std::pair<int64_t, int64_t> nm() const;
    // Share of zeros the pattern produces.
    double targetSparsity() const;
    bool needsCalibration() const { return method == "sparsegpt"; }
    // "2:4 sparsegpt", "unstructured 50% magnitude global".
    std::string summary() const;

    nlohmann::json toJson() const;
    static Result<PruneParams> fromJson(const nlohmann::json& json, const std::string& path = "prune");
    Status validate(const std::string& path = "prune") const;
};

} // namespace autoglm
