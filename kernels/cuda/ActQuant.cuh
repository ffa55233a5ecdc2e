#pragma once
// Per-token dynamic int8 quantization of activations (optionally fused with SmoothQuant's division) and static
// quantization with one calibrated scale; the C entry points are declared in kernels/QuantKernels.h.
#include "kernels/cuda/Common.cuh"

namespace autoglm::kernels::cuda {
autoglm_kstatus launchActQuant(autoglm_dtype dtype, const void* x, int m, int k, const float* smoothInv, int8_t* q,
                               float* scales, cudaStream_t stream);
autoglm_kstatus launchActQuantStatic(autoglm_dtype dtype, const void* x, int64_t m, int k,
                                     const autoglm_static_quant& p, int8_t* q, cudaStream_t stream);
}
