// W4A16: y[M][N] = x[M][K] . dequant(W)^T on mma.sync m16n8k16 (fp16 or bf16 in, float accumulate).
//
// Small M (<= 16) is memory-bound: the 4-bit weight is the only large operand, so the kernel is built around
// reading it once at full bandwidth. One warp reads one 512-byte packed tile (8 rows x one group) with 32
// coalesced 16-byte loads, several groups ahead (kGroupsInFlight) so that enough bytes are in flight per SM to
// cover HBM latency; K is split over the 8 warps of a CTA (split-K inside the CTA, reduced through shared
// memory, one launch, no workspace), which gives N/16 CTAs x 8 warps of independent streams even at N = 4096.
// Dequantization stays in registers: mask + or + one sub + one mul per pair of weights (Common.cuh), and the
// pair is already an mma B-fragment register. x rows are tiny and read through L1/L2 directly into A
// fragments; rows past M are zeros, so the 16-row mma does M = 1 at no extra memory cost.
//
// Larger M: CTA tile 64 x 64, 8 warps of 32 x 16, the x tile staged in shared memory by cp.async two groups
// deep (rows padded to 320 bytes so the 16-byte fragment loads of a quad hit distinct banks), the weights
// prefetched one group ahead into registers.
#include "kernels/QuantKernels.h"
#include "kernels/cuda/W4A16Gemm.cuh"

namespace autoglm::kernels::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;

template <typename T> __device__ __forceinline__ uint32_t pairOf(uint16_t bits) {
    return uint32_t(bits) | (uint32_t(bits) << 16);
}

// 8 consecutive elements of a row of x starting at column k (a multiple of 8), zero past M or K.
template <typename T, bool kVec>
__device__ __forceinline__ uint4 loadX8(const T* __restrict__ x, int row, int m, int k, int kk) {
    if (row >= m)
        return make_uint4(0, 0, 0, 0);
    const T* p = x + size_t(row) * k + kk;
    if constexpr (kVec) {
        return kk < k ? *reinterpret_cast<const uint4*>(p) : make_uint4(0, 0, 0, 0);
    } else {
        uint4 v;
        uint16_t* e = reinterpret_cast<uint16_t*>(&v);
#pragma unroll
        for (int i = 0; i < 8; ++i)
            e[i] = kk + i < k ? reinterpret_cast<const uint16_t*>(p)[i] : uint16_t(0);
        return v;
    }
}

template <typename T> __device__ __forceinline__ void storeOut(T* y, size_t idx, float v) { y[idx] = fromFloat<T>(v); }

// ---- small M ---------------------------------------------------------------------------------------------
constexpr int kSmallNT = 2;        // n8 tiles per CTA (16 output columns)
constexpr int kGroupsInFlight = 4; // groups whose weights each warp has loading at once

template <typename T, bool kVec>
__global__ void __launch_bounds__(kThreads)
    w4a16Small(const T* __restrict__ x, int m, int k, const autoglm_q4_tile* __restrict__ tiles,
               const uint16_t* __restrict__ scales, const uint8_t* __restrict__ zeros, int n, int groups,
               T* __restrict__ y) {
    __shared__ float red[kWarps][kSmallNT * 4 * 32];
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int g = lane >> 2, t = lane & 3;
    const int tileRows = (n + 7) / 8;
    const int tile0 = blockIdx.x * kSmallNT;
    const int per = (groups + kWarps - 1) / kWarps;
    const int gBegin = warp * per, gEnd = min(groups, gBegin + per);

    float acc[kSmallNT][4];
#pragma unroll
    for (int j = 0; j < kSmallNT; ++j)
#pragma unroll
        for (int e = 0; e < 4; ++e)
            acc[j][e] = 0.f;

    for (int gg = gBegin; gg < gEnd; gg += kGroupsInFlight) {
        uint4 bw[kGroupsInFlight][kSmallNT];
        uint32_t sc[kGroupsInFlight][kSmallNT], zb[kGroupsInFlight][kSmallNT];
#pragma unroll
        for (int u = 0; u < kGroupsInFlight; ++u)
#pragma unroll
            for (int j = 0; j < kSmallNT; ++j) {
                const int gi = gg + u, tile = tile0 + j;
                const bool ok = gi < gEnd && tile < tileRows;
                const size_t ti = size_t(tile) * groups + gi;
                bw[u][j] = ok ? __ldcs(reinterpret_cast<const uint4*>(&tiles[ti].lane[lane])) : make_uint4(0, 0, 0, 0);
                sc[u][j] = ok ? pairOf<T>(scales[ti * 8 + g]) : 0u;
                zb[u][j] = Int4Dequant<T>::bias(ok && zeros ? int(zeros[ti * 8 + g]) : AUTOGLM_Q4_SYM_ZERO);
            }
#pragma unroll
        for (int u = 0; u < kGroupsInFlight; ++u) {
            const int gi = gg + u;
            if (gi >= gEnd)
                break;
#pragma unroll
            for (int jp = 0; jp < 4; ++jp) {
                const int kk = gi * AUTOGLM_Q4_GROUP + 32 * jp + 8 * t;
                const uint4 lo = loadX8<T, kVec>(x, g, m, k, kk);
                const uint4 hi = loadX8<T, kVec>(x, g + 8, m, k, kk);
                const uint32_t a0[4] = {lo.x, hi.x, lo.y, hi.y};
                const uint32_t a1[4] = {lo.z, hi.z, lo.w, hi.w};
#pragma unroll
                for (int j = 0; j < kSmallNT; ++j) {
                    uint32_t b[4];
                    dequantWord<T>(reinterpret_cast<const uint32_t*>(&bw[u][j])[jp], zb[u][j], sc[u][j], b);
                    const uint32_t b0[2] = {b[0], b[1]};
                    const uint32_t b1[2] = {b[2], b[3]};
                    mma16816<T>(acc[j], a0, b0);
                    mma16816<T>(acc[j], a1, b1);
                }
            }
        }
    }

#pragma unroll
    for (int j = 0; j < kSmallNT; ++j)
#pragma unroll
        for (int e = 0; e < 4; ++e)
            red[warp][(j * 4 + e) * 32 + lane] = acc[j][e];
    __syncthreads();
    // One output value per thread: kSmallNT * 4 * 32 == kThreads.
    const int idx = threadIdx.x;
    float sum = 0.f;
#pragma unroll
    for (int w = 0; w < kWarps; ++w)
        sum += red[w][idx];
    const int j = idx / 128, e = (idx / 32) % 4, l = idx % 32;
    const int row = (l >> 2) + 8 * (e >> 1);
    const int col = (tile0 + j) * 8 + 2 * (l & 3) + (e & 1);
    if (row < m && col < n)
        storeOut(y, size_t(row) * n + col, sum);
}

// ---- larger M ------------------------------------------------------------------------------------------
constexpr int kBM = 64;             // rows per CTA: 2 warp rows x 2 m16 tiles
constexpr int kBTiles = 8;          // n8 tiles per CTA: 4 warp columns x 2
constexpr int kRowHalves = 128 + 32; // 320-byte rows: conflict-free 16-byte fragment loads

template <typename T, bool kVec>
__global__ void __launch_bounds__(kThreads)
    w4a16Tiled(const T* __restrict__ x, int m, int k, const autoglm_q4_tile* __restrict__ tiles,
               const uint16_t* __restrict__ scales, const uint8_t* __restrict__ zeros, int n, int groups,
               T* __restrict__ y) {
    __shared__ __align__(128) T sX[2][kBM * kRowHalves];
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int g = lane >> 2, t = lane & 3;
    const int wm = warp / 4, wn = warp % 4;
    const int tileRows = (n + 7) / 8;
    const int m0 = blockIdx.y * kBM;
    const int tile0 = blockIdx.x * kBTiles + wn * 2;

    auto loadX = [&](int stage, int gi) {
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            const int c = threadIdx.x + i * kThreads; // 64 rows x 16 chunks of 8 elements
            const int r = c >> 4, cc = c & 15;
            const int kk = gi * AUTOGLM_Q4_GROUP + cc * 8;
            T* dst = &sX[stage][r * kRowHalves + cc * 8];
            if constexpr (kVec) {
                const bool ok = m0 + r < m && kk < k;
                cpAsync16(dst, ok ? x + size_t(m0 + r) * k + kk : x, ok ? 16 : 0);
            } else {
                *reinterpret_cast<uint4*>(dst) = loadX8<T, false>(x, m0 + r, m, k, kk);
            }
        }
    };
    auto loadW = [&](int gi, uint4 bw[2], uint32_t sc[2], uint32_t zb[2]) {
#pragma unroll
        for (int j = 0; j < 2; ++j) {
            const int tile = tile0 + j;
            const bool ok = tile < tileRows;
            const size_t ti = size_t(tile) * groups + gi;
            bw[j] = ok ? *reinterpret_cast<const uint4*>(&tiles[ti].lane[lane]) : make_uint4(0, 0, 0, 0);
            sc[j] = ok ? pairOf<T>(scales[ti * 8 + g]) : 0u;
            zb[j] = Int4Dequant<T>::bias(ok && zeros ? int(zeros[ti * 8 + g]) : AUTOGLM_Q4_SYM_ZERO);
        }
    };

    float acc[2][2][4];
#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j)
#pragma unroll
            for (int e = 0; e < 4; ++e)
                acc[i][j][e] = 0.f;

    uint4 bw[2], bwNext[2];
    uint32_t sc[2], scNext[2], zb[2], zbNext[2];
    loadX(0, 0);
    cpAsyncCommit();
    loadW(0, bw, sc, zb);
    for (int gi = 0; gi < groups; ++gi) {
        const bool more = gi + 1 < groups;
        if (more) {
            loadX((gi + 1) & 1, gi + 1);
            cpAsyncCommit();
            loadW(gi + 1, bwNext, scNext, zbNext);
            cpAsyncWait<1>();
        } else {
            cpAsyncWait<0>();
        }
        __syncthreads();
        const T* tileX = sX[gi & 1];
#pragma unroll
        for (int jp = 0; jp < 4; ++jp) {
            uint32_t b[2][4];
#pragma unroll
            for (int j = 0; j < 2; ++j)
                dequantWord<T>(reinterpret_cast<const uint32_t*>(&bw[j])[jp], zb[j], sc[j], b[j]);
#pragma unroll
            for (int i = 0; i < 2; ++i) {
                const int r = wm * 32 + i * 16 + g;
                const uint4 lo = *reinterpret_cast<const uint4*>(tileX + r * kRowHalves + 32 * jp + 8 * t);
                const uint4 hi = *reinterpret_cast<const uint4*>(tileX + (r + 8) * kRowHalves + 32 * jp + 8 * t);
                const uint32_t a0[4] = {lo.x, hi.x, lo.y, hi.y};
                const uint32_t a1[4] = {lo.z, hi.z, lo.w, hi.w};
#pragma unroll
                for (int j = 0; j < 2; ++j) {
                    const uint32_t b0[2] = {b[j][0], b[j][1]};
                    const uint32_t b1[2] = {b[j][2], b[j][3]};
                    mma16816<T>(acc[i][j], a0, b0);
                    mma16816<T>(acc[i][j], a1, b1);
                }
            }
        }
        __syncthreads(); // the stage just read is refilled next iteration
        if (more) {
#pragma unroll
            for (int j = 0; j < 2; ++j) {
                bw[j] = bwNext[j];
                sc[j] = scNext[j];
                zb[j] = zbNext[j];
            }
        }
    }

#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
        for (int h = 0; h < 2; ++h) {
            const int row = m0 + wm * 32 + i * 16 + g + 8 * h;
            if (row >= m)
                continue;
#pragma unroll
            for (int j = 0; j < 2; ++j) {
                const int col = (tile0 + j) * 8 + 2 * t;
                if (col < n)
                    storeOut(y, size_t(row) * n + col, acc[i][j][2 * h]);
                if (col + 1 < n)
                    storeOut(y, size_t(row) * n + col + 1, acc[i][j][2 * h + 1]);
            }
        }
}

template <typename T>
void launchTyped(const T* x, int m, const autoglm_w4_packed& w, T* y, cudaStream_t stream) {
    const int n = int(w.n), k = int(w.k), groups = int(autoglm_q4_groups(w.k));
    const int tileRows = (n + 7) / 8;
    const bool vec = k % 8 == 0 && aligned16(x);
    if (m <= 16) {
        const dim3 grid((tileRows + kSmallNT - 1) / kSmallNT);
        if (vec)
            w4a16Small<T, true><<<grid, kThreads, 0, stream>>>(x, m, k, w.tiles, w.scales, w.zeros, n, groups, y);
        else
            w4a16Small<T, false><<<grid, kThreads, 0, stream>>>(x, m, k, w.tiles, w.scales, w.zeros, n, groups, y);
    } else {
        const dim3 grid((tileRows + kBTiles - 1) / kBTiles, (m + kBM - 1) / kBM);
        if (vec)
            w4a16Tiled<T, true><<<grid, kThreads, 0, stream>>>(x, m, k, w.tiles, w.scales, w.zeros, n, groups, y);
        else
            w4a16Tiled<T, false><<<grid, kThreads, 0, stream>>>(x, m, k, w.tiles, w.scales, w.zeros, n, groups, y);
    }
}

} // namespace

autoglm_kstatus launchW4A16(autoglm_dtype dtype, const void* x, int m, const autoglm_w4_packed& w, void* y,
                            cudaStream_t stream) {
    if (dtype == AUTOGLM_F16)
        launchTyped(static_cast<const __half*>(x), m, w, static_cast<__half*>(y), stream);
    else
        launchTyped(static_cast<const __nv_bfloat16*>(x), m, w, static_cast<__nv_bfloat16*>(y), stream);
    return checkLaunch("w4a16Gemm");
}

} // namespace autoglm::kernels::cuda

extern "C" autoglm_kstatus autoglm_gemm_w4a16(autoglm_dtype dtype, const void* x, int64_t m,
                                              const autoglm_w4_packed* w, void* y, autoglm_stream stream) {
    using namespace autoglm::kernels::cuda;
    if (!x || !w || !w->tiles || !w->scales || !y || m < 0 || w->n <= 0 || w->k <= 0 ||
        (dtype != AUTOGLM_F16 && dtype != AUTOGLM_BF16) || !aligned16(w->tiles) ||
        (reinterpret_cast<uintptr_t>(x) & 1u) != 0)
        return AUTOGLM_K_INVALID_ARGUMENT;
    if (m > (1 << 30) || w->n > (1 << 30) || w->k > (1 << 30) || (m + 63) / 64 > 65535)
        return AUTOGLM_K_UNSUPPORTED_SHAPE;
    if (m == 0)
        return AUTOGLM_K_OK;
    if (const autoglm_kstatus s = requireCapability(80, "autoglm_gemm_w4a16"); s != AUTOGLM_K_OK)
        return s;
    return launchW4A16(dtype, x, int(m), *w, y, toCuda(stream));
}
