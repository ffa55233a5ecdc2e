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
// Larger M: CTA tile 64 x 64, 8 warps of 32 x 16; x, weight tiles, scales and zero points go through a 4-stage
// cp.async pipeline (x rows padded to 320 bytes so the 16-byte fragment loads of a quad hit distinct banks).
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
constexpr int kStageXBytes = 32 * 1024; // x is staged in shared memory when M * K * 2 fits in this

// kStageX: x (M x K, at most 32 KB: M = 1 up to K = 16384) is copied once per CTA into shared memory, while the
// first weight loads are in flight, so no weight batch waits on an L2 round trip for x. Otherwise x fragments
// come from global memory (L1/L2), all 8 of a group issued together.
template <typename T, bool kVec, bool kStageX>
__global__ void __launch_bounds__(kThreads, 2) // two CTAs per SM: the whole N = 4096 grid is resident at once
    w4a16Small(const T* __restrict__ x, int m, int k, const autoglm_q4_tile* __restrict__ tiles,
               const uint16_t* __restrict__ scales, const uint8_t* __restrict__ zeros, int n, int groups,
               T* __restrict__ y) {
    __shared__ float red[kWarps][kSmallNT * 4 * 32];
    extern __shared__ __align__(16) unsigned char dynSmem[];
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int g = lane >> 2, t = lane & 3;
    const int tileRows = (n + 7) / 8;
    const int tile0 = blockIdx.x * kSmallNT;
    const int per = (groups + kWarps - 1) / kWarps;
    const int gBegin = warp * per, gEnd = min(groups, gBegin + per);

    uint4 bw[kGroupsInFlight][kSmallNT];
    uint32_t sc[kGroupsInFlight][kSmallNT], zb[kGroupsInFlight][kSmallNT];
    auto loadBatch = [&](int gg) {
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
    };

    const T* xs = x;
    if constexpr (kStageX) {
        T* stage = reinterpret_cast<T*>(dynSmem);
        const int chunks = m * k / 8;
        for (int c = threadIdx.x; c < chunks; c += kThreads)
            cpAsync16(stage + size_t(c) * 8, x + size_t(c) * 8, 16);
        cpAsyncCommit();
        xs = stage;
    }
    loadBatch(gBegin); // weights first: they are what the kernel waits for
    if constexpr (kStageX) {
        cpAsyncWait<0>();
        __syncthreads();
    }

    float acc[kSmallNT][4];
#pragma unroll
    for (int j = 0; j < kSmallNT; ++j)
#pragma unroll
        for (int e = 0; e < 4; ++e)
            acc[j][e] = 0.f;

    for (int gg = gBegin; gg < gEnd; gg += kGroupsInFlight) {
        if (gg != gBegin)
            loadBatch(gg);
#pragma unroll
        for (int u = 0; u < kGroupsInFlight; ++u) {
            const int gi = gg + u;
            if (gi >= gEnd)
                break;
            uint4 lo[4], hi[4];
#pragma unroll
            for (int jp = 0; jp < 4; ++jp) {
                const int kk = gi * AUTOGLM_Q4_GROUP + 32 * jp + 8 * t;
                lo[jp] = loadX8<T, kVec || kStageX>(xs, g, m, k, kk);
                hi[jp] = loadX8<T, kVec || kStageX>(xs, g + 8, m, k, kk);
            }
#pragma unroll
            for (int jp = 0; jp < 4; ++jp) {
                const uint32_t a0[4] = {lo[jp].x, hi[jp].x, lo[jp].y, hi[jp].y};
                const uint32_t a1[4] = {lo[jp].z, hi[jp].z, lo[jp].w, hi[jp].w};
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
// CTA tile 64 x 64 (8 n8 tiles), 8 warps of 32 x 16; x tile, weight tiles, scales and zero points of a group
// all go through a 4-stage cp.async pipeline in shared memory (three groups in flight cover HBM latency; the
// two warp rows share each weight tile instead of both loading it).
constexpr int kBM = 64;
constexpr int kBTiles = 8;
constexpr int kRowHalves = 128 + 32; // 320-byte rows: conflict-free 16-byte fragment loads
constexpr int kTiledStages = 4;
constexpr int kTileX = kBM * kRowHalves * 2;                 // 20480 bytes
constexpr int kTileW = kBTiles * 512;                         // 4096
constexpr int kTileS = kBTiles * 8 * 2;                       // 128
constexpr int kTileZ = 128;                                   // 64 used, padded for alignment
constexpr int kTileStageBytes = kTileX + kTileW + kTileS + kTileZ;
constexpr int kTiledSmem = kTiledStages * kTileStageBytes;         // 99328

__device__ __forceinline__ void cpAsync8(void* smem, const void* gmem, int srcBytes) {
    asm volatile("cp.async.ca.shared.global [%0], [%1], 8, %2;\n" ::"r"(smemAddress(smem)), "l"(gmem), "r"(srcBytes));
}

template <typename T, bool kVec>
__global__ void __launch_bounds__(kThreads)
    w4a16Tiled(const T* __restrict__ x, int m, int k, const autoglm_q4_tile* __restrict__ tiles,
               const uint16_t* __restrict__ scales, const uint8_t* __restrict__ zeros, int n, int groups,
               T* __restrict__ y) {
    extern __shared__ __align__(128) unsigned char smem[];
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int g = lane >> 2, t = lane & 3;
    const int wm = warp / 4, wn = warp % 4;
    const int tileRows = (n + 7) / 8;
    const int m0 = blockIdx.y * kBM;
    const int ctaTile0 = blockIdx.x * kBTiles;

    auto loadStage = [&](int stage, int gi) {
        unsigned char* base = smem + stage * kTileStageBytes;
        T* sX = reinterpret_cast<T*>(base);
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            const int c = threadIdx.x + i * kThreads; // 64 rows x 16 chunks of 8 elements
            const int r = c >> 4, cc = c & 15;
            const int kk = gi * AUTOGLM_Q4_GROUP + cc * 8;
            T* dst = &sX[r * kRowHalves + cc * 8];
            if constexpr (kVec) {
                const bool ok = m0 + r < m && kk < k;
                cpAsync16(dst, ok ? x + size_t(m0 + r) * k + kk : x, ok ? 16 : 0);
            } else {
                *reinterpret_cast<uint4*>(dst) = loadX8<T, false>(x, m0 + r, m, k, kk);
            }
        }
        {
            const int tile = threadIdx.x / 32, l = threadIdx.x % 32; // 8 tiles x 32 lanes: one chunk each
            const bool ok = ctaTile0 + tile < tileRows;
            const size_t ti = size_t(ctaTile0 + tile) * groups + gi;
            cpAsync16(base + kTileX + tile * 512 + l * 16, ok ? &tiles[ti].lane[l] : (const void*)tiles, ok ? 16 : 0);
        }
        if (threadIdx.x < kBTiles) {
            const int tile = threadIdx.x;
            const bool ok = ctaTile0 + tile < tileRows;
            const size_t ti = size_t(ctaTile0 + tile) * groups + gi;
            cpAsync16(base + kTileX + kTileW + tile * 16, ok ? scales + ti * 8 : scales, ok ? 16 : 0);
            if (zeros)
                cpAsync8(base + kTileX + kTileW + kTileS + tile * 8, ok ? zeros + ti * 8 : zeros, ok ? 8 : 0);
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

#pragma unroll
    for (int s = 0; s < kTiledStages - 1; ++s) {
        if (s < groups)
            loadStage(s, s);
        cpAsyncCommit();
    }
    for (int gi = 0; gi < groups; ++gi) {
        cpAsyncWait<kTiledStages - 2>();
        __syncthreads();
        const int next = gi + kTiledStages - 1;
        if (next < groups)
            loadStage(next % kTiledStages, next);
        cpAsyncCommit();

        const unsigned char* base = smem + (gi % kTiledStages) * kTileStageBytes;
        const T* tileX = reinterpret_cast<const T*>(base);
        uint4 bw[2];
        uint32_t sc[2], zb[2];
#pragma unroll
        for (int j = 0; j < 2; ++j) {
            const int tile = wn * 2 + j;
            bw[j] = *reinterpret_cast<const uint4*>(base + kTileX + tile * 512 + lane * 16);
            sc[j] = pairOf<T>(reinterpret_cast<const uint16_t*>(base + kTileX + kTileW)[tile * 8 + g]);
            zb[j] = Int4Dequant<T>::bias(zeros ? int(base[kTileX + kTileW + kTileS + tile * 8 + g])
                                               : AUTOGLM_Q4_SYM_ZERO);
        }
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
    }
    cpAsyncWait<0>();

    const int tile0 = ctaTile0 + wn * 2;
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

// Kernels that take more than 48 KB of dynamic shared memory must say so once per function.
template <typename K> void allowSmem(K kernel, int bytes) {
    cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes);
}

template <typename T>
void launchTyped(const T* x, int m, const autoglm_w4_packed& w, T* y, cudaStream_t stream) {
    const int n = int(w.n), k = int(w.k), groups = int(autoglm_q4_groups(w.k));
    const int tileRows = (n + 7) / 8;
    const bool vec = k % 8 == 0 && aligned16(x);
    if (m <= 16) {
        const dim3 grid((tileRows + kSmallNT - 1) / kSmallNT);
        const size_t xBytes = size_t(m) * k * sizeof(T);
        if (vec && xBytes <= size_t(kStageXBytes))
            w4a16Small<T, true, true>
                <<<grid, kThreads, xBytes, stream>>>(x, m, k, w.tiles, w.scales, w.zeros, n, groups, y);
        else if (vec)
            w4a16Small<T, true, false><<<grid, kThreads, 0, stream>>>(x, m, k, w.tiles, w.scales, w.zeros, n, groups, y);
        else
            w4a16Small<T, false, false><<<grid, kThreads, 0, stream>>>(x, m, k, w.tiles, w.scales, w.zeros, n, groups, y);
    } else {
        static const bool once = (allowSmem(w4a16Tiled<T, true>, kTiledSmem), allowSmem(w4a16Tiled<T, false>, kTiledSmem),
                                  true);
        (void)once;
        const dim3 grid((tileRows + kBTiles - 1) / kBTiles, (m + kBM - 1) / kBM);
        if (vec)
            w4a16Tiled<T, true><<<grid, kThreads, kTiledSmem, stream>>>(x, m, k, w.tiles, w.scales, w.zeros, n, groups, y);
        else
            w4a16Tiled<T, false><<<grid, kThreads, kTiledSmem, stream>>>(x, m, k, w.tiles, w.scales, w.zeros, n, groups, y);
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
        (dtype != AUTOGLM_F16 && dtype != AUTOGLM_BF16) || !aligned16(w->tiles) || !aligned16(w->scales) ||
        (reinterpret_cast<uintptr_t>(w->zeros) & 7u) != 0 ||
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
