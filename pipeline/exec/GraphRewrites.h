#pragma once
// Rewrites the executor applies to its own copy of a graph before running it: same results, fewer kernels.
// The model the user sees, summarizes and exports is never changed.

#include "pipeline/ir/Graph.h"

namespace autoglm::exec {

// The exact GELU that exporters spell as Div(x, √2) → Erf → Add 1 → Mul x → Mul 0.5 (or with Mul 1/√2 in
// place of the Div) becomes one Gelu node, when the intermediate values feed nothing else. Returns how many
// were fused.
int fuseErfGelu(Graph& graph);

// QuantizeLinear whose only reader is a DequantizeLinear with the same scalar scale and 8-bit zero point (the
// activation pairs of static W8A8 QDQ models) becomes one FakeQuantize node of the internal domain, which
// computes the same values in one pass. Returns how many pairs were fused.
int fuseQuantizeDequantize(Graph& graph);

} // namespace autoglm::exec
