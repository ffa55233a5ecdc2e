#pragma once
// The pruning pass: zeroes weights of MatMul / Gemm / Conv layers, unstructured (a share of each layer, or
// one threshold over all) or N:M semi-structured, by magnitude or by SparseGPT from calibration data. Shapes
// stay; the zeros are stored in the exported file and the report gives each layer's measured sparsity.

#include "pipeline/passes/Calibration.h"
#include "pipeline/passes/Pass.h"
#include "pipeline/passes/prune/PruneParams.h"

namespace autoglm {

// `calibration` may be null when the parameters need none (PruneParams::needsCalibration).
Result<PassResult> pruneModel(const Model& model, const PruneParams& params, const CalibrationSet* calibration,
                              const PassContext& context = {});

} // namespace autoglm
