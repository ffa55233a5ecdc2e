// Window functions of the signal-processing ops (opset 17).
#include "pipeline/exec/OpRegistry.h"
#include "pipeline/exec/TorchTypes.h"
#include "pipeline/exec/ops/OpFamilies.h"

#include <cmath>

namespace autoglm::exec {
namespace {

using Tensors = std::vector<at::Tensor>;

// Generalised cosine window: a0 - a1 cos(2πn/N) + a2 cos(4πn/N), with N = size (periodic) or size - 1.
at::Tensor cosineWindow(const OpContext& c, double a0, double a1, double a2) {
    const int64_t size = c.intsInput(0).at(0);
    if (size < 0)
        c.fail("size must not be negative");
    const at::ScalarType type = requireTorchType(static_cast<DType>(c.attrInt("output_datatype", 1)), c.node().label());
    const double period = c.attrInt("periodic", 1) ? static_cast<double>(size) : static_cast<double>(size - 1);
    at::Tensor n = at::arange(size, at::kDouble);
    at::Tensor w = a0 - a1 * at::cos(n * (2 * M_PI / period)) + a2 * at::cos(n * (4 * M_PI / period));
    return w.to(type);
}

} // namespace

void registerSignalOps(OpRegistry& r) {
    r.add("HannWindow", [](const OpContext& c) -> Tensors { return {cosineWindow(c, 0.5, 0.5, 0.0)}; });
    r.add("HammingWindow",
          [](const OpContext& c) -> Tensors { return {cosineWindow(c, 25.0 / 46.0, 21.0 / 46.0, 0.0)}; });
    r.add("BlackmanWindow", [](const OpContext& c) -> Tensors { return {cosineWindow(c, 0.42, 0.5, 0.08)}; });
}

} // namespace autoglm::exec
