#pragma once
// W4A16 group-wise GEMM (group 128, symmetric / asymmetric) on tensor cores, weights in the packed layout of
// QuantLayouts.h; the C entry point autoglm_gemm_w4a16 is declared in kernels/QuantKernels.h.
#include "kernels/QuantLayouts.h"
#include "kernels/cuda/Common.cuh"

namespace autoglm::kernels::cuda {
autoglm_kstatus launchW4A16(autoglm_dtype dtype, const void* x, int m, const autoglm_w4_packed& w, void* y,
                            cudaStream_t stream);
}
