#pragma once
// Raising a model's default-domain (ai.onnx) opset, so that newer operators can be added to it: opset-21
// blocked DequantizeLinear over INT4 weights needs opset 21, while our fixtures are opsets 13 and 17.

#include "pipeline/common/Result.h"
#include "pipeline/ir/Graph.h"

#include <cstdint>

namespace autoglm {

// The opset whose changes upgradeOpset knows (ONNX's changelog up to opset 21) and the oldest it starts from.
constexpr int64_t kUpgradeMinOpset = 13;
constexpr int64_t kUpgradeMaxOpset = 21;

// Raises the default-domain opset import to `target` and rewrites every node whose operator changed meaning
// between the model's opset and the target: Reduce* `axes` attribute -> int64 initializer input (opset 18),
// Split without sizes -> num_outputs (18), RoiAlign's old coordinate mode made explicit (16), GridSample's
// renamed modes (20). Nodes it cannot convert safely (GroupNormalization before 21, DFT before 20,
// BatchNormalization with training outputs, QuantizeLinear of int32) are refused with an error naming the
// node. Imports of other domains are kept; the IR version is raised to what the target opset needs. On
// failure the model is left unchanged.
Status upgradeOpset(Model& model, int64_t target);

// The lowest IR version a model importing this default-domain opset may declare (from ONNX's release table:
// opset 21 came with IR version 10, which also brought the 4-bit element types).
int64_t minIrVersionForOpset(int64_t opset);

} // namespace autoglm
