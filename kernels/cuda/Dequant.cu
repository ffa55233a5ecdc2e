// Dequantize kernels: one thread per packed lane (32 codes) for int4, using the very same register
// dequantization as the GEMM (Common.cuh), so a bit-exact match with the reference checks pack + dequant.
#include "kernels/QuantKernels.h"
#include "kernels/cuda/Dequant.cuh"

namespace autoglm::kernels::cuda {
namespace {

template <typename T>
__global__ void dequantW4(const autoglm_q4_tile* __restrict__ tiles, const uint16_t* __restrict__ scales,
                          const uint8_t* __restrict__ zeros, int n, int k, int groups, T* __restrict__ out) {
    const size_t laneIdx = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
    const size_t tileCount = size_t((n + 7) / 8) * groups;
    if (laneIdx >= tileCount * 32)
        return;
    const size_t ti = laneIdx / 32;
    const int lane = int(laneIdx % 32);
    const int tileRow = int(ti / groups), gi = int(ti % groups);
    const int row = tileRow * 8 + lane / 4, t = lane % 4;
    if (row >= n)
        return;
    const uint4 v = *reinterpret_cast<const uint4*>(&tiles[ti].lane[lane]);
    const uint16_t s = scales[ti * 8 + lane / 4];
    const uint32_t sp = uint32_t(s) | (uint32_t(s) << 16);
    const uint32_t zb = Int4Dequant<T>::bias(zeros ? int(zeros[ti * 8 + lane / 4]) : AUTOGLM_Q4_SYM_ZERO);
    const uint32_t* words = reinterpret_cast<const uint32_t*>(&v);
#pragma unroll
    for (int j = 0; j < 4; ++j) {
        uint32_t pairs[4];
        dequantWord<T>(words[j], zb, sp, pairs);
#pragma unroll
        for (int p = 0; p < 4; ++p) {
            const int kk = gi * AUTOGLM_Q4_GROUP + 32 * j + 8 * t + 2 * p;
            const T* e = reinterpret_cast<const T*>(&pairs[p]);
            if (kk < k)
                out[size_t(row) * k + kk] = e[0];
            if (kk + 1 < k)
                out[size_t(row) * k + kk + 1] = e[1];
        }
    }
}

template <typename T>
__global__ void dequantI8(const int8_t* __restrict__ q, const float* __restrict__ scales, int rows, int k, int ldk,
                          T* __restrict__ out) {
    const size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= size_t(rows) * k)
        return;
    const size_t r = i / k, c = i % k;
    out[i] = fromFloat<T>(float(q[r * ldk + c]) * scales[r]);
}

} // namespace

autoglm_kstatus launchDequantW4(autoglm_dtype dtype, const autoglm_w4_packed& w, void* out, cudaStream_t stream) {
    const int n = int(w.n), k = int(w.k), groups = int(autoglm_q4_groups(w.k));
    const size_t lanes = size_t((n + 7) / 8) * groups * 32;
    const unsigned blocks = unsigned((lanes + 255) / 256);
    if (dtype == AUTOGLM_F16)
        dequantW4<__half><<<blocks, 256, 0, stream>>>(w.tiles, w.scales, w.zeros, n, k, groups, static_cast<__half*>(out));
    else
        dequantW4<__nv_bfloat16>
            <<<blocks, 256, 0, stream>>>(w.tiles, w.scales, w.zeros, n, k, groups, static_cast<__nv_bfloat16*>(out));
    return checkLaunch("dequantW4");
}

autoglm_kstatus launchDequantI8(autoglm_dtype dtype, const int8_t* q, const float* scales, int rows, int k, void* out,
                                cudaStream_t stream) {
    const int ldk = int(autoglm_i8_row_stride(k));
    const unsigned blocks = unsigned((size_t(rows) * k + 255) / 256);
    if (dtype == AUTOGLM_F16)
        dequantI8<__half><<<blocks, 256, 0, stream>>>(q, scales, rows, k, ldk, static_cast<__half*>(out));
    else
        dequantI8<__nv_bfloat16><<<blocks, 256, 0, stream>>>(q, scales, rows, k, ldk, static_cast<__nv_bfloat16*>(out));
    return checkLaunch("dequantI8");
}

} // namespace autoglm::kernels::cuda

using namespace autoglm::kernels::cuda;

extern "C" autoglm_kstatus autoglm_dequant_w4(autoglm_dtype dtype, const autoglm_w4_packed* w, void* out,
                                              autoglm_stream stream) {
    if (!w || !w->tiles || !w->scales || !out || w->n <= 0 || w->k <= 0 ||
        (dtype != AUTOGLM_F16 && dtype != AUTOGLM_BF16))
        return AUTOGLM_K_INVALID_ARGUMENT;
    if (w->n > (1 << 30) || w->k > (1 << 30))
        return AUTOGLM_K_UNSUPPORTED_SHAPE;
    if (const autoglm_kstatus s = requireCapability(80, "autoglm_dequant_w4"); s != AUTOGLM_K_OK)
        return s;
    return launchDequantW4(dtype, *w, out, toCuda(stream));
}

extern "C" autoglm_kstatus autoglm_dequant_i8(autoglm_dtype dtype, const int8_t* q, const float* scales, int64_t rows,
                                              int64_t k, void* out, autoglm_stream stream) {
    if (!q || !scales || !out || rows < 0 || k <= 0 || (dtype != AUTOGLM_F16 && dtype != AUTOGLM_BF16))
        return AUTOGLM_K_INVALID_ARGUMENT;
    if (rows > (1 << 30) || k > (1 << 30))
        return AUTOGLM_K_UNSUPPORTED_SHAPE;
    if (rows == 0)
        return AUTOGLM_K_OK;
    if (const autoglm_kstatus s = requireCapability(70, "autoglm_dequant_i8"); s != AUTOGLM_K_OK)
        return s;
    return launchDequantI8(dtype, q, scales, int(rows), int(k), out, toCuda(stream));
}
