// Activation quantization to int8.
// Per-token (dynamic): one CTA per row. The kernel is memory-bound (2 bytes read, 1 written per element), so a
// row is read once with 16-byte loads, kept in registers while the CTA finds max|x|, and written as 8-byte
// stores; only very long rows (K > 16384) or misaligned ones take the two-pass loop.
// Static (one calibrated scale): element-wise, each thread writes 8 output bytes (one uint2) of the padded rows.
#include "kernels/QuantKernels.h"
#include "kernels/cuda/ActQuant.cuh"

#include <algorithm>

namespace autoglm::kernels::cuda {
namespace {

constexpr int kThreads = 256;

__device__ __forceinline__ float blockMax(float v, float* scratch) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1)
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    const int warp = threadIdx.x / 32;
    if ((threadIdx.x & 31) == 0)
        scratch[warp] = v;
    __syncthreads();
    if (threadIdx.x < 32) {
        v = threadIdx.x < kThreads / 32 ? scratch[threadIdx.x] : 0.f;
#pragma unroll
        for (int o = 16; o > 0; o >>= 1)
            v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
        if (threadIdx.x == 0)
            scratch[0] = v;
    }
    __syncthreads();
    return scratch[0];
}

__device__ __forceinline__ int8_t quantizeOne(float v, float inv) {
    const int t = __float2int_rn(v * inv); // round half to even, as std::nearbyint in the reference
    return int8_t(max(-127, min(127, t)));
}

__device__ __forceinline__ void zeroPadding(int8_t* qrow, int k, int ldq) {
    for (int c = k + threadIdx.x; c < ldq; c += kThreads)
        qrow[c] = 0;
}

template <typename T, int VPT>
__global__ void __launch_bounds__(kThreads) actQuantRegs(const T* __restrict__ x, int k, int ldq,
                                                         const float* __restrict__ smoothInv, int8_t* __restrict__ q,
                                                         float* __restrict__ scales) {
    __shared__ float scratch[kThreads / 32];
    const int row = blockIdx.x;
    const uint4* xr = reinterpret_cast<const uint4*>(x + size_t(row) * k);
    const int nvec = k / 8;
    float v[VPT][8];
    float amax = 0.f;
    uint4 raw[VPT];
#pragma unroll
    for (int i = 0; i < VPT; ++i) {
        const int idx = threadIdx.x + i * kThreads;
        raw[i] = idx < nvec ? __ldcs(xr + idx) : make_uint4(0, 0, 0, 0); // streamed: read once
    }
#pragma unroll
    for (int i = 0; i < VPT; ++i) {
        const int idx = threadIdx.x + i * kThreads;
        const T* e = reinterpret_cast<const T*>(&raw[i]);
#pragma unroll
        for (int j = 0; j < 8; ++j)
            v[i][j] = toFloat(e[j]);
        if (smoothInv && idx < nvec) {
            const float4 s0 = reinterpret_cast<const float4*>(smoothInv)[2 * idx];
            const float4 s1 = reinterpret_cast<const float4*>(smoothInv)[2 * idx + 1];
            v[i][0] *= s0.x, v[i][1] *= s0.y, v[i][2] *= s0.z, v[i][3] *= s0.w;
            v[i][4] *= s1.x, v[i][5] *= s1.y, v[i][6] *= s1.z, v[i][7] *= s1.w;
        }
#pragma unroll
        for (int j = 0; j < 8; ++j)
            amax = fmaxf(amax, fabsf(v[i][j]));
    }
    amax = blockMax(amax, scratch);
    const float inv = amax > 0.f ? 127.f / amax : 0.f;
    int8_t* qrow = q + size_t(row) * ldq;
#pragma unroll
    for (int i = 0; i < VPT; ++i) {
        const int idx = threadIdx.x + i * kThreads;
        if (idx < nvec) {
            uint2 out;
            int8_t* o = reinterpret_cast<int8_t*>(&out);
#pragma unroll
            for (int j = 0; j < 8; ++j)
                o[j] = quantizeOne(v[i][j], inv);
            reinterpret_cast<uint2*>(qrow)[idx] = out;
        }
    }
    zeroPadding(qrow, k, ldq);
    if (threadIdx.x == 0)
        scales[row] = amax / 127.f;
}

// Any K and alignment: two passes over the row (the second mostly hits L1/L2).
template <typename T>
__global__ void __launch_bounds__(kThreads) actQuantLoop(const T* __restrict__ x, int k, int ldq,
                                                         const float* __restrict__ smoothInv, int8_t* __restrict__ q,
                                                         float* __restrict__ scales) {
    __shared__ float scratch[kThreads / 32];
    const int row = blockIdx.x;
    const T* xr = x + size_t(row) * k;
    float amax = 0.f;
    for (int c = threadIdx.x; c < k; c += kThreads) {
        float v = toFloat(xr[c]);
        if (smoothInv)
            v = v * smoothInv[c];
        amax = fmaxf(amax, fabsf(v));
    }
    amax = blockMax(amax, scratch);
    const float inv = amax > 0.f ? 127.f / amax : 0.f;
    int8_t* qrow = q + size_t(row) * ldq;
    for (int c = threadIdx.x; c < k; c += kThreads) {
        float v = toFloat(xr[c]);
        if (smoothInv)
            v = v * smoothInv[c];
        qrow[c] = quantizeOne(v, inv);
    }
    zeroPadding(qrow, k, ldq);
    if (threadIdx.x == 0)
        scales[row] = amax / 127.f;
}

template <typename T>
void launchTyped(const T* x, int m, int k, const float* smoothInv, int8_t* q, float* scales, cudaStream_t stream) {
    const int ldq = int(autoglm_i8_row_stride(k));
    const int nvec = k / 8;
    const bool vec = k % 8 == 0 && aligned16(x) && (!smoothInv || aligned16(smoothInv)) && nvec <= 8 * kThreads;
    if (!vec) {
        actQuantLoop<T><<<m, kThreads, 0, stream>>>(x, k, ldq, smoothInv, q, scales);
        return;
    }
    const int per = (nvec + kThreads - 1) / kThreads;
    if (per <= 1)
        actQuantRegs<T, 1><<<m, kThreads, 0, stream>>>(x, k, ldq, smoothInv, q, scales);
    else if (per <= 2)
        actQuantRegs<T, 2><<<m, kThreads, 0, stream>>>(x, k, ldq, smoothInv, q, scales);
    else if (per <= 4)
        actQuantRegs<T, 4><<<m, kThreads, 0, stream>>>(x, k, ldq, smoothInv, q, scales);
    else
        actQuantRegs<T, 8><<<m, kThreads, 0, stream>>>(x, k, ldq, smoothInv, q, scales);
}

// Eight consecutive elements of x as float, zero past K; `vec` when the eight are one aligned vector load.
template <typename T> __device__ __forceinline__ void load8(const T* p, int valid, bool vec, float (&v)[8]) {
    if (vec && valid == 8) {
        if constexpr (sizeof(T) == 4) {
            const float4 a = reinterpret_cast<const float4*>(p)[0], b = reinterpret_cast<const float4*>(p)[1];
            v[0] = a.x, v[1] = a.y, v[2] = a.z, v[3] = a.w, v[4] = b.x, v[5] = b.y, v[6] = b.z, v[7] = b.w;
        } else {
            const uint4 raw = *reinterpret_cast<const uint4*>(p);
            const T* e = reinterpret_cast<const T*>(&raw);
#pragma unroll
            for (int j = 0; j < 8; ++j)
                v[j] = toFloat(e[j]);
        }
        return;
    }
#pragma unroll
    for (int j = 0; j < 8; ++j)
        v[j] = j < valid ? toFloat(p[j]) : 0.f;
}

template <typename T>
__global__ void __launch_bounds__(kThreads) actQuantStatic(const T* __restrict__ x, int64_t m, int k, int ldq,
                                                           autoglm_static_quant p, bool vec, int8_t* __restrict__ q) {
    const int unitsPerRow = ldq / 8;
    const int64_t units = m * unitsPerRow;
    for (int64_t u = blockIdx.x * int64_t(kThreads) + threadIdx.x; u < units; u += int64_t(gridDim.x) * kThreads) {
        const int64_t row = u / unitsPerRow;
        const int c0 = int(u % unitsPerRow) * 8;
        float v[8];
        load8(x + row * k + c0, max(0, min(8, k - c0)), vec, v);
        uint2 out;
        int8_t* o = reinterpret_cast<int8_t*>(&out);
#pragma unroll
        for (int j = 0; j < 8; ++j) {
            float t = rintf(__fdiv_rn(v[j], p.scale)); // rint: half to even; IEEE division as in the reference
            if (t != t)
                t = 0.f;
            t = fminf(float(p.qmax), fmaxf(float(p.qmin), t + float(p.zero)));
            o[j] = c0 + j < k ? int8_t(int(t) - p.shift) : int8_t(0);
        }
        reinterpret_cast<uint2*>(q + row * ldq)[c0 / 8] = out;
    }
}

template <typename T>
void launchStaticTyped(const T* x, int64_t m, int k, const autoglm_static_quant& p, int8_t* q, cudaStream_t stream) {
    const int ldq = int(autoglm_i8_row_stride(k));
    const bool vec = k % 8 == 0 && aligned16(x);
    const int64_t blocks = (m * (ldq / 8) + kThreads - 1) / kThreads;
    const int grid = int(std::min<int64_t>(blocks, int64_t(multiprocessorCount()) * 16));
    actQuantStatic<T><<<grid, kThreads, 0, stream>>>(x, m, k, ldq, p, vec, q);
}

} // namespace

autoglm_kstatus launchActQuant(autoglm_dtype dtype, const void* x, int m, int k, const float* smoothInv, int8_t* q,
                               float* scales, cudaStream_t stream) {
    if (dtype == AUTOGLM_F16)
        launchTyped(static_cast<const __half*>(x), m, k, smoothInv, q, scales, stream);
    else
        launchTyped(static_cast<const __nv_bfloat16*>(x), m, k, smoothInv, q, scales, stream);
    return checkLaunch("actQuant");
}

autoglm_kstatus launchActQuantStatic(autoglm_dtype dtype, const void* x, int64_t m, int k,
                                     const autoglm_static_quant& p, int8_t* q, cudaStream_t stream) {
    if (dtype == AUTOGLM_F16)
        launchStaticTyped(static_cast<const __half*>(x), m, k, p, q, stream);
    else if (dtype == AUTOGLM_BF16)
        launchStaticTyped(static_cast<const __nv_bfloat16*>(x), m, k, p, q, stream);
    else
        launchStaticTyped(static_cast<const float*>(x), m, k, p, q, stream);
    return checkLaunch("actQuantStatic");
}

} // namespace autoglm::kernels::cuda

extern "C" autoglm_kstatus autoglm_quantize_act_i8(autoglm_dtype dtype, const void* x, int64_t m, int64_t k,
                                                   const float* smooth_inv, int8_t* q, float* scales,
                                                   autoglm_stream stream) {
    using namespace autoglm::kernels::cuda;
    if (!x || !q || !scales || m < 0 || k <= 0 || (dtype != AUTOGLM_F16 && dtype != AUTOGLM_BF16))
        return AUTOGLM_K_INVALID_ARGUMENT;
    if (m > 0x7fffffff || k > (1 << 30))
        return AUTOGLM_K_UNSUPPORTED_SHAPE;
    if (m == 0)
        return AUTOGLM_K_OK;
    if (const autoglm_kstatus s = requireCapability(70, "autoglm_quantize_act_i8"); s != AUTOGLM_K_OK)
        return s;
    return launchActQuant(dtype, x, int(m), int(k), smooth_inv, q, scales, toCuda(stream));
}

extern "C" autoglm_kstatus autoglm_quantize_act_static_i8(autoglm_dtype dtype, const void* x, int64_t m, int64_t k,
                                                          const autoglm_static_quant* params, int8_t* q,
                                                          autoglm_stream stream) {
    using namespace autoglm::kernels::cuda;
    if (!x || !q || m < 0 || k <= 0 || !autoglm_static_quant_valid(params) ||
        (dtype != AUTOGLM_F16 && dtype != AUTOGLM_BF16 && dtype != AUTOGLM_F32) ||
        (reinterpret_cast<uintptr_t>(x) & (dtype == AUTOGLM_F32 ? 3u : 1u)) != 0 || (reinterpret_cast<uintptr_t>(q) & 7u) != 0)
        return AUTOGLM_K_INVALID_ARGUMENT;
    if (k > (1 << 30))
        return AUTOGLM_K_UNSUPPORTED_SHAPE;
    if (m == 0)
        return AUTOGLM_K_OK;
    if (const autoglm_kstatus s = requireCapability(70, "autoglm_quantize_act_static_i8"); s != AUTOGLM_K_OK)
        return s;
    return launchActQuantStatic(dtype, x, m, int(k), *params, q, toCuda(stream));
}
