#pragma once
// W8A8 int8 GEMM with the per-token x per-channel scale epilogue (and optional per-column int32 offsets), two
// variants: mma.sync m16n8k32 (sm_80+, W8A8Gemm.cu) and wgmma + TMA (sm_90a, W8A8GemmHopper.cu). The C entry
// points are declared in kernels/QuantKernels.h and defined in W8A8Gemm.cu, which picks the variant.
#include "kernels/cuda/Common.cuh"

#include <type_traits>

namespace autoglm::kernels::cuda {

// Checked arguments of one call, as the launchers take them.
struct W8A8Args {
    const int8_t* a;
    const float* aScales;
    const int8_t* w;
    const float* wScales;
    const int32_t* colOffsets; // may be null
    int m, n, ldk;
    autoglm_dtype out;
    void* y;
};

autoglm_kstatus launchW8A8(const W8A8Args& args, cudaStream_t stream);

// Calls f with a null pointer of the element type `out` names (fp16, bf16 or fp32): the launchers' one switch
// from the runtime dtype to their template instantiation.
template <typename F> autoglm_kstatus withOutputType(autoglm_dtype out, F&& f) {
    switch (out) {
    case AUTOGLM_F16:
        return f(static_cast<__half*>(nullptr));
    case AUTOGLM_BF16:
        return f(static_cast<__nv_bfloat16*>(nullptr));
    default:
        return f(static_cast<float*>(nullptr));
    }
}

// True on a compute capability 9.0 device when this build holds the sm_90a kernels and the driver can encode
// tensor maps.
bool hopperW8A8Available();
// Whether the wgmma kernel takes an M x N output (it counts tiles in int, stepping past the last by the grid).
bool hopperW8A8TakesShape(int64_t m, int64_t n);
autoglm_kstatus launchW8A8Hopper(const W8A8Args& args, cudaStream_t stream);

// The shared epilogue of both variants: (float(sum + offset) * a_scale) * w_scale for a pair of adjacent
// columns of one row, rounded once; scalar stores at the right edge or when N is odd.
__device__ __forceinline__ void storeOutPair(__half* p, float a, float b) {
    *reinterpret_cast<__half2*>(p) = __floats2half2_rn(a, b);
}
__device__ __forceinline__ void storeOutPair(__nv_bfloat16* p, float a, float b) {
    *reinterpret_cast<__nv_bfloat162*>(p) = __floats2bfloat162_rn(a, b);
}
__device__ __forceinline__ void storeOutPair(float* p, float a, float b) {
    *reinterpret_cast<float2*>(p) = make_float2(a, b);
}
// One output before its rounding: the add wraps, like the reference's uint32 arithmetic. Every epilogue (both
// kernels' direct stores, the wgmma kernel's staged stores) computes it here, which keeps them bit-exact.
__device__ __forceinline__ float w8a8Value(int32_t sum, uint32_t offset, float aScale, float wScale) {
    return (float(int32_t(uint32_t(sum) + offset)) * aScale) * wScale;
}
template <typename TOut>
__device__ __forceinline__ void w8a8StorePair(TOut* row, int col, int n, int32_t s0, int32_t s1, float aScale,
                                              const float* __restrict__ wScales, const int32_t* __restrict__ offsets) {
    const uint32_t o0 = offsets && col < n ? uint32_t(offsets[col]) : 0u;
    const uint32_t o1 = offsets && col + 1 < n ? uint32_t(offsets[col + 1]) : 0u;
    if ((n % 2) == 0 && col + 1 < n) {
        storeOutPair(row + col, w8a8Value(s0, o0, aScale, wScales[col]), w8a8Value(s1, o1, aScale, wScales[col + 1]));
    } else {
        if (col < n)
            row[col] = fromFloat<TOut>(w8a8Value(s0, o0, aScale, wScales[col]));
        if (col + 1 < n)
            row[col + 1] = fromFloat<TOut>(w8a8Value(s1, o1, aScale, wScales[col + 1]));
    }
}

} // namespace autoglm::kernels::cuda
