#pragma once
// Private to pipeline/passes/*.cpp: the arithmetic of linear quantization on LibTorch tensors. Every
// algorithm works on a weight seen as rows [out, in] (output channels × input features, conv kernels
// flattened), which is how GPTQ and AWQ reason about it; toRows/fromRows convert from and to the stored
// layout.

#include "pipeline/passes/LayerSelection.h"

#include <ATen/ATen.h>

namespace autoglm::quant {

// The integer range of a weight format: int8 symmetric [-127, 127]; 4-bit symmetric [-8, 7] (int4), 4-bit
// asymmetric [0, 15] (uint4, with a zero point).
struct IntGrid {
    int64_t lo = -127;
    int64_t hi = 127;
};
IntGrid weightGrid(int bits, bool symmetric);

// A weight as rows [out, in] in float32, and back to the layer's stored shape.
at::Tensor toRows(const at::Tensor& weight, const WeightLayer& layer);
at::Tensor fromRows(const at::Tensor& rows, const WeightLayer& layer);

// Rows quantized group-wise: columns [g*G, (g+1)*G) of a row share scale[row, g] (and zeroPoint[row, g]).
// groupSize == in: one scale per row (per output channel); perTensor: one scale for everything.
struct QuantizedRows {
    at::Tensor q;         // [out, in] float holding integers of the grid
    at::Tensor scale;     // [out, groups] float32 ([1, 1] per tensor)
    at::Tensor zeroPoint; // [out, groups] float holding integers; undefined when symmetric
    int64_t groupSize = 0;
    int bits = 8;
    bool symmetric = true;
    bool perTensor = false;

    int64_t groups() const { return scale.size(1); }
    // [out, in] float32: (q - zeroPoint) * scale.
    at::Tensor dequantize() const;
    // Stored bytes: integers at `bits` each, float32 scales, zero points at `bits` each.
    int64_t bytes() const;
};

// Scale (and zero point) for each row of `cols` [out, n] so that its range fits the grid; asymmetric ranges
// are widened to include zero so that zero stays exact.
std::pair<at::Tensor, at::Tensor> rangeParams(const at::Tensor& cols, int bits, bool symmetric);
// Integers for `cols` [out, n] with per-row scale/zero point [out] (round half to even, then clamp).
at::Tensor quantizeColumns(const at::Tensor& cols, const at::Tensor& scale, const at::Tensor& zeroPoint,
                           const IntGrid& grid);

// Round to nearest. groupSize 0 means whole rows.
QuantizedRows quantizeRowsRtn(const at::Tensor& rows, int bits, bool symmetric, int64_t groupSize);
QuantizedRows quantizeTensorRtn(const at::Tensor& rows);

// ||a - b|| / ||b||, 0 when b is zero.
double relativeError(const at::Tensor& a, const at::Tensor& b);

} // namespace autoglm::quant
