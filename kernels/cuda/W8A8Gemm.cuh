#pragma once
// W8A8 int8 GEMM on tensor cores (mma.sync m16n8k32, sm_80+) with the per-token x per-channel scale epilogue;
// the C entry point autoglm_gemm_w8a8 is declared in kernels/QuantKernels.h.
#include "kernels/cuda/Common.cuh"

namespace autoglm::kernels::cuda {
autoglm_kstatus launchW8A8(const int8_t* a, const float* aScales, const int8_t* w, const float* wScales, int m, int n,
                           int k, autoglm_dtype out, void* y, cudaStream_t stream);
}
