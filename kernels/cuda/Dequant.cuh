#pragma once
// Dequantization of packed int4 and of int8 per-row weights to fp16/bf16, for checks (the GEMM kernels never
// materialize the dequantized weight); C entry points in kernels/QuantKernels.h.
#include "kernels/QuantLayouts.h"
#include "kernels/cuda/Common.cuh"

namespace autoglm::kernels::cuda {
autoglm_kstatus launchDequantW4(autoglm_dtype dtype, const autoglm_w4_packed& w, void* out, cudaStream_t stream);
autoglm_kstatus launchDequantI8(autoglm_dtype dtype, const int8_t* q, const float* scales, int rows, int k, void* out,
                                cudaStream_t stream);
} // namespace autoglm::kernels::cuda
