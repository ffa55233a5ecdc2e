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

// Quantized layers whose integer product LibTorch's int8 kernels can compute (exec/Int8Linear_p.h), run after
// fuseQuantizeDequantize and before constant folding (which would turn the int8 weights into float):
// - a MatMul, or a Gemm (alpha 1, beta 1, no transA), reading a FakeQuantize'd activation and a
//   DequantizeLinear of a constant symmetric int8 weight (per tensor, or per output channel) becomes one
//   QuantizedMatMul node of the internal domain (with the Gemm's constant bias of one value per output);
// - a MatMulInteger whose B is a constant int8 matrix with zero zero point becomes PackedMatMulInteger.
// Dequantizations and FakeQuantize nodes nothing else reads go with them. Returns how many layers were fused.
int fuseInt8MatMul(Graph& graph);

// For the CUDA W4A16 kernel (reached through MatMulNBits, exec/CudaQuantGlue_p.h): a blocked DequantizeLinear of
// a constant Int4 / UInt4 [K, N] weight (axis 0, block 128, float scales, optional zero points) read only as
// MatMul's B becomes com.microsoft MatMulNBits with the same values (codes shifted to unsigned, transposed to
// [N, blocks, 64]), which computes the same product. Initializers nothing reads any more are dropped. Returns
// how many MatMuls were rewritten.
int fuseInt4MatMulNBits(Graph& graph);

} // namespace autoglm::exec
