#pragma once
// Private to pipeline/passes: GPTQ (Frantar et al., 2022). Quantizes a weight column by column and feeds
// each column's rounding error forward into the columns not yet quantized, weighted by the inverse Hessian
// of the layer's reconstruction loss, H = 2 XᵀX / n over calibration inputs X.

#include "pipeline/passes/Hessians_p.h"
#include "pipeline/passes/quantize/QuantMath_p.h"

namespace autoglm::quant {

struct GptqOptions {
    int bits = 4;
    bool symmetric = true;
    int64_t groupSize = 128; // 0: whole rows
    double damp = 0.01;      // added to the diagonal, as a fraction of its mean
    bool actOrder = false;   // columns by decreasing H diagonal; group parameters then fixed up front
    int64_t blockSize = 128; // columns whose updates are applied together (rounded up to whole groups)
};

// rows [out, in] float32; the layer's input Hessian over the same columns.
QuantizedRows gptqQuantize(const at::Tensor& rows, const hessian::HessianSum& hessian, const GptqOptions& options);

} // namespace autoglm::quant
