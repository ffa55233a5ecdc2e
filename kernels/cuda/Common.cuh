#pragma once
// Shared by the kernel files: launch checks that turn CUDA errors into status codes, the device capability
// cache, and thin wrappers over the PTX the kernels use (mma.sync, cp.async). No framework includes.

#include "kernels/KernelApi.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

extern "C" void autoglm_kernels_set_error(const char* message);

namespace autoglm::kernels::cuda {

// Records "what: CUDA's message" for autoglm_kernels_last_error() and returns AUTOGLM_K_CUDA_ERROR.
autoglm_kstatus fail(cudaError_t err, const char* what);
// Checks the launch just made (cudaGetLastError) and names the kernel on failure.
autoglm_kstatus checkLaunch(const char* kernel);
// Compute capability (major * 10 + minor) of the current device, cached per device; 0 when none.
int computeCapability();
// AUTOGLM_K_OK when the current device has at least `needed` (e.g. 80); else NO_DEVICE / UNSUPPORTED_DEVICE.
autoglm_kstatus requireCapability(int needed, const char* kernel);
int multiprocessorCount();

inline cudaStream_t toCuda(autoglm_stream s) { return reinterpret_cast<cudaStream_t>(s); }

inline bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

// ---- PTX wrappers ----------------------------------------------------------------------------------------

__device__ __forceinline__ uint32_t smemAddress(const void* p) {
    return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// 16-byte global->shared copy that bypasses L1; bytes past `srcBytes` (0 or 16) are zero-filled, which is how
// the tiles' edges (rows past M/N, k past K) read as zeros without branches around the copy.
__device__ __forceinline__ void cpAsync16(void* smem, const void* gmem, int srcBytes) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smemAddress(smem)), "l"(gmem),
                 "r"(srcBytes));
}
__device__ __forceinline__ void cpAsyncCommit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N> __device__ __forceinline__ void cpAsyncWait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N)); }

// Programmatic dependent launch (sm_90; no-ops elsewhere and when the kernel was launched without it): work
// before gridDependencyWait() may overlap the previous kernel in the stream, so it must touch only data no
// earlier kernel writes (weights); launchDependents() lets the next kernel start its own such prologue.
__device__ __forceinline__ void gridDependencyWait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;\n" ::: "memory");
#endif
}
__device__ __forceinline__ void gridDependencyLaunchDependents() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.launch_dependents;\n" ::: "memory");
#endif
}

// D = A * B + D, m16n8k32, int8 in, int32 accumulate (sm_80+).
__device__ __forceinline__ void mmaS8(int32_t c[4], const uint32_t a[4], const uint32_t b[2]) {
    asm volatile("mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                 "{%0,%1,%2,%3};\n"
                 : "+r"(c[0]), "+r"(c[1]), "+r"(c[2]), "+r"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// D = A * B + D, m16n8k16, fp16 or bf16 in, float accumulate (sm_80+).
template <typename T> __device__ __forceinline__ void mma16816(float c[4], const uint32_t a[4], const uint32_t b[2]);
template <> __device__ __forceinline__ void mma16816<__half>(float c[4], const uint32_t a[4], const uint32_t b[2]) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                 "{%0,%1,%2,%3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}
template <>
__device__ __forceinline__ void mma16816<__nv_bfloat16>(float c[4], const uint32_t a[4], const uint32_t b[2]) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                 "{%0,%1,%2,%3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

template <typename T> __device__ __forceinline__ T fromFloat(float v);
template <> __device__ __forceinline__ __half fromFloat<__half>(float v) { return __float2half_rn(v); }
template <> __device__ __forceinline__ __nv_bfloat16 fromFloat<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }
template <> __device__ __forceinline__ float fromFloat<float>(float v) { return v; }
__device__ __forceinline__ float toFloat(__half v) { return __half2float(v); }
__device__ __forceinline__ float toFloat(__nv_bfloat16 v) { return __bfloat162float(v); }
__device__ __forceinline__ float toFloat(float v) { return v; }

// int4 codes -> (code - zero) * scale as a packed pair, for the word layout of QuantLayouts.h. The magic
// exponent makes the nibble the low mantissa bits: fp16 0x6400 | q = 1024 + q, bf16 0x4300 | q = 128 + q,
// both exact, so one subtraction of (magic + zero) gives code - zero exactly and the multiply by the scale
// rounds once, like the reference.
template <typename T> struct Int4Dequant;
template <> struct Int4Dequant<__half> {
    static constexpr uint32_t kMagic = 0x64006400u;
    __device__ __forceinline__ static uint32_t bias(int zero) {
        const __half2 b = __half2half2(__ushort_as_half(uint16_t(0x6400u | uint32_t(zero))));
        return *reinterpret_cast<const uint32_t*>(&b);
    }
    __device__ __forceinline__ static uint32_t sub(uint32_t bits, uint32_t biasPair) {
        const __half2 v = __hsub2(*reinterpret_cast<const __half2*>(&bits), *reinterpret_cast<const __half2*>(&biasPair));
        return *reinterpret_cast<const uint32_t*>(&v);
    }
    __device__ __forceinline__ static uint32_t apply(uint32_t bits, uint32_t biasPair, uint32_t scalePair) {
        __half2 v = __hsub2(*reinterpret_cast<const __half2*>(&bits), *reinterpret_cast<const __half2*>(&biasPair));
        v = __hmul2(v, *reinterpret_cast<const __half2*>(&scalePair));
        return *reinterpret_cast<const uint32_t*>(&v);
    }
};
template <> struct Int4Dequant<__nv_bfloat16> {
    static constexpr uint32_t kMagic = 0x43004300u;
    __device__ __forceinline__ static uint32_t bias(int zero) {
        const uint32_t b = 0x4300u | uint32_t(zero);
        return b | (b << 16);
    }
    __device__ __forceinline__ static uint32_t sub(uint32_t bits, uint32_t biasPair) {
        const __nv_bfloat162 v = __hsub2(*reinterpret_cast<const __nv_bfloat162*>(&bits),
                                         *reinterpret_cast<const __nv_bfloat162*>(&biasPair));
        return *reinterpret_cast<const uint32_t*>(&v);
    }
    __device__ __forceinline__ static uint32_t apply(uint32_t bits, uint32_t biasPair, uint32_t scalePair) {
        __nv_bfloat162 v = __hsub2(*reinterpret_cast<const __nv_bfloat162*>(&bits),
                                   *reinterpret_cast<const __nv_bfloat162*>(&biasPair));
        v = __hmul2(v, *reinterpret_cast<const __nv_bfloat162*>(&scalePair));
        return *reinterpret_cast<const uint32_t*>(&v);
    }
};

// One packed word (8 codes) -> 4 registers of pairs: out[0], out[1] are the B fragment (b0, b1) of the first
// k16 step, out[2], out[3] of the second.
template <typename T>
__device__ __forceinline__ void dequantWord(uint32_t w, uint32_t biasPair, uint32_t scalePair, uint32_t out[4]) {
    constexpr uint32_t kMask = 0x000f000fu;
#pragma unroll
    for (int p = 0; p < 4; ++p) {
        const uint32_t bits = ((w >> (4 * p)) & kMask) | Int4Dequant<T>::kMagic;
        out[p] = Int4Dequant<T>::apply(bits, biasPair, scalePair);
    }
}

// Same without the scale: code - zero, exact (|code - zero| <= 15), for kernels that apply the group's scale to
// a float partial sum instead of to every weight.
template <typename T> __device__ __forceinline__ void codesMinusZero(uint32_t w, uint32_t biasPair, uint32_t out[4]) {
    constexpr uint32_t kMask = 0x000f000fu;
#pragma unroll
    for (int p = 0; p < 4; ++p)
        out[p] = Int4Dequant<T>::sub(((w >> (4 * p)) & kMask) | Int4Dequant<T>::kMagic, biasPair);
}

// fp16 only: the same with one shift instead of three. The 0x00F000F0 mask leaves the odd nibble pairs as
// 1024 + 16 code; one fma by 1/16 with -(64 + zero) gives code - zero exactly (every step is exact in fp16).
// bf16 has too few mantissa bits for 16 code, so it keeps codesMinusZero.
__device__ __forceinline__ void codesMinusZeroF16(uint32_t w, uint32_t biasPair, uint32_t negHiPair, uint32_t out[4]) {
    const __half2 sixteenth = __half2half2(__ushort_as_half(0x2c00u)); // 1/16
    const uint32_t w8 = w >> 8;
    const uint32_t lo0 = (w & 0x000f000fu) | 0x64006400u, hi0 = (w & 0x00f000f0u) | 0x64006400u;
    const uint32_t lo1 = (w8 & 0x000f000fu) | 0x64006400u, hi1 = (w8 & 0x00f000f0u) | 0x64006400u;
    const __half2 bias = *reinterpret_cast<const __half2*>(&biasPair);
    const __half2 negHi = *reinterpret_cast<const __half2*>(&negHiPair);
    const __half2 r0 = __hsub2(*reinterpret_cast<const __half2*>(&lo0), bias);
    const __half2 r1 = __hfma2(*reinterpret_cast<const __half2*>(&hi0), sixteenth, negHi);
    const __half2 r2 = __hsub2(*reinterpret_cast<const __half2*>(&lo1), bias);
    const __half2 r3 = __hfma2(*reinterpret_cast<const __half2*>(&hi1), sixteenth, negHi);
    out[0] = *reinterpret_cast<const uint32_t*>(&r0);
    out[1] = *reinterpret_cast<const uint32_t*>(&r1);
    out[2] = *reinterpret_cast<const uint32_t*>(&r2);
    out[3] = *reinterpret_cast<const uint32_t*>(&r3);
}
__device__ __forceinline__ uint32_t negHiF16(int zero) {
    const __half2 v = __half2half2(__float2half_rn(-float(64 + zero)));
    return *reinterpret_cast<const uint32_t*>(&v);
}

} // namespace autoglm::kernels::cuda
