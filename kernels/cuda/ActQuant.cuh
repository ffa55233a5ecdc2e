#pragma once
// Per-token dynamic int8 quantization of activations (optionally fused with SmoothQuant's division); the C
// entry point autoglm_quantize_act_i8 is declared in kernels/QuantKernels.h.
#include "kernels/cuda/Common.cuh"

namespace autoglm::kernels::cuda {
autoglm_kstatus launchActQuant(autoglm_dtype dtype, const void* x, int m, int k, const float* smoothInv, int8_t* q,
                               float* scales, cudaStream_t stream);
}
