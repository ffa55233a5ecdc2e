#pragma once
// Private to pipeline/passes: per-input-channel rescaling of linear layers, X·Wᵀ = (X/s)·(W·s)ᵀ, which
// leaves the float model's function unchanged and moves difficulty between activations and weights.
// SmoothQuant picks s to tame activation outliers before int8 activation quantization; AWQ searches s so
// that the salient input channels (large mean |x|) lose least to weight-only rounding.

#include "pipeline/passes/quantize/QuantMath_p.h"

#include <functional>
#include <vector>

namespace autoglm::quant {

// What calibration showed of one activation along its last axis (the layers' input features).
struct ChannelStats {
    at::Tensor absMax; // [K]
    at::Tensor absSum; // [K]
    int64_t rows = 0;

    void add(const at::Tensor& activation);
    at::Tensor absMean() const { return absSum / static_cast<double>(std::max<int64_t>(rows, 1)); }
};

// SmoothQuant: s_j = max|X_j|^α / max|W_j|^(1-α), W_j over every consumer's column j; 1 where either is zero.
at::Tensor smoothQuantFactors(const ChannelStats& stats, const std::vector<at::Tensor>& consumerRows, double alpha);

struct AwqChoice {
    at::Tensor scale;        // [K], multiply the weights' columns, divide the activation
    double alpha = 0;        // exponent chosen on the grid
    double loss = 0;         // reconstruction error with the chosen scales
    double lossUnscaled = 0; // the same without scaling (plain round to nearest)
};

// AWQ's objective is the consumers' output error over the calibration rows X, ||X (W - Ŵ)ᵀ||², which equals
// tr(ΔW G ΔWᵀ) with the activation's second moment G = XᵀX / n ("gram", [K, K]): every calibration row counts,
// at a cost that does not grow with their number.

// AWQ: s = mean|X|^α (normalised), α on a grid of `grid` points in [0, 1), minimising that error summed over
// the consumers when each weight is rounded by `roundTrip` (quantize, then dequantize), which gets the scaled
// weights W·s and the scales.
using ScaledRoundTrip = std::function<at::Tensor(const at::Tensor& scaledRows, const at::Tensor& scale)>;
AwqChoice awqSearch(const ChannelStats& stats, const at::Tensor& gram, const std::vector<at::Tensor>& consumerRows,
                    int64_t grid, const ScaledRoundTrip& roundTrip);

// The gram matrix of the activation divided by `scale` (what the scaled weights see).
at::Tensor scaledGram(const at::Tensor& gram, const at::Tensor& scale);

// AWQ's clipping search: for every row and group of `rows` (already scaled; `gram` of the activation that
// reads them, scaled alike) the range is shrunk by the ratio in 1, 0.975, ... 0.5 that least disturbs the row's
// output. The error a group adds meets the errors of the row's other groups in the same output, so groups are
// visited in turn against the others' current choices, `sweeps` times (coordinate descent on the exact loss).
QuantizedRows awqClipQuantize(const at::Tensor& rows, const at::Tensor& gram, int bits, bool symmetric,
                              int64_t groupSize, int sweeps = 2);

} // namespace autoglm::quant
