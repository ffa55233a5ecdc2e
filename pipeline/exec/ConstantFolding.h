#pragma once
// Evaluates, once when an executor is created, every node whose inputs are all initializers, and keeps the
// results as initializers of the executor's own graph. Quantized weights stored as integers behind a
// DequantizeLinear are thereby dequantized once instead of on every run, so weight-only quantized models run
// as fast as the float model (at the float model's memory, which is the trade made here).

#include "pipeline/ir/Graph.h"

namespace autoglm::exec {

// Returns how many nodes were folded. Random generators are left alone; a node whose kernel fails is left
// for the run to report.
int foldConstants(Model& model);

} // namespace autoglm::exec
