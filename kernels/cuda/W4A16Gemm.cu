// W4A16: y[M][N] = x[M][K] . dequant(W)^T on mma.sync m16n8k16 (fp16 or bf16 in, float accumulate).
//
// Small M (<= 32) is memory-bound: the 4-bit weight is the only large operand, so the kernel is built around
// streaming it once. A CTA owns 16 output features (two packed 8-row tiles) and splits K over its 8 warps
// (reduced through shared memory at the end: one launch, no workspace), so N = 4096 gives 256 CTAs, two per SM,
// all resident at once. Each warp streams its groups through a private cp.async ring; one group of one tile is
// 512 contiguous bytes read with 32 coalesced 16-byte copies. The weight is the mma's A operand (see
// w4a16Small), dequantized in registers to exact integers, with the scale applied to float partial sums.
// Measured on the H100 (kernels/README.md), 4096 x 4096: 4.9 us at M = 1 (3.1x cuBLAS fp16 under CUDA graphs,
// 3.15x with plain launches), 7.9 us at M = 16 (1.95x), 10.9 us at M = 32 (1.26x).
//
// Larger M (beyond 32 rows the executor dequantizes and runs cuBLAS instead): CTA tile 64 x 64, 8 warps of
// 32 x 16; x, weight tiles, scales and zero points go through a 4-stage cp.async pipeline (x rows padded to 320
// bytes so the 16-byte fragment loads of a quad hit distinct banks).
#include "kernels/QuantKernels.h"
#include "kernels/cuda/W4A16Gemm.cuh"

#include <type_traits>

namespace autoglm::kernels::cuda {
namespace {

constexpr int kThreads = 256;

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
// Roles swapped (the weight is the mma's A operand, 16 rows = the CTA's two 8-row tiles; x is B, 8 columns =
// 8 tokens), so M <= 8 costs one m16n8k16 per 16 x 16 weight block instead of two with 15/16 of the rows empty,
// and each thread's accumulator rows are exactly the weight rows whose scale it holds: the mma runs on the
// exact integers (code - zero) and the group's scale multiplies the float partial sum once, so dequantization
// is mask + or + one subtraction per pair of weights.
//
// Each warp streams its share of K (split over the CTA's 8 warps, reduced through shared memory at the end)
// through a private 4-deep cp.async ring in shared memory: HBM latency is covered by the groups in flight, and
// the wait for group i does not wait for groups i+1.. (registers loaded by plain loads would share the warp's
// few scoreboards and wait for all of them). x is staged in shared memory once per CTA when it fits.
constexpr int kSmallSlot = 2 * 512 + 2 * 16 + 2 * 8;      // two tiles, their 8 scales and 8 zero points each
constexpr int kStageXBytes = 32 * 1024;                    // x staged when M * K * 2 fits in this

constexpr int kSmallRing = 4;
template <int kW> __host__ __device__ constexpr int smallRingBytes() { return kW * kSmallRing * kSmallSlot; }

// kW warps per CTA split K. At M <= 8 four CTAs of 8 warps must fit on an SM (at most 64 registers a thread):
// two of this kernel's (the N = 4096 grid of 256 CTAs is resident at once) and two of the next one's, which
// under programmatic dependent launch start their weight prefetch while this kernel finishes. Measured on the
// H100 (4096 x 4096, M = 1, CUDA-graph replay): 4.82 us with room for four, 5.65 us with two (the previous
// bound); with a fifth ring slot (a whole K = 4096 share prefetched) 5.35 us, and 6.37 us when dependents are
// then released before the prefetch instead of after the wait. More tokens need the registers (16 tokens:
// 88-96), so two CTAs.
template <typename T, bool kVec, bool kStageX, int kMB, int kW>
__global__ void __launch_bounds__(32 * kW, (kMB == 1 ? 32 : 16) / kW)
    w4a16Small(const T* __restrict__ x, int m, int k, const autoglm_q4_tile* __restrict__ tiles,
               const uint16_t* __restrict__ scales, const uint8_t* __restrict__ zeros, int n, int groups,
               T* __restrict__ y) {
    __shared__ float red[kW][kMB * 4 * 32];
    extern __shared__ __align__(16) unsigned char dynSmem[];
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int g = lane >> 2, t = lane & 3;
    const int tileRows = (n + 7) / 8;
    const int tile0 = blockIdx.x * 2;
    const int per = (groups + kW - 1) / kW;
    const int gBegin = warp * per, gEnd = min(groups, gBegin + per);
    unsigned char* ring = dynSmem + warp * kSmallRing * kSmallSlot;

    // One group of the warp's share: each lane copies its own 16 bytes of both tiles; lanes 0-1 the scales,
    // lanes 2-3 the zero points. Always commits, so wait_group counts stay uniform at the tail.
    auto issue = [&](int slot, int gi) {
        if (gi < gEnd) {
            unsigned char* d = ring + slot * kSmallSlot;
#pragma unroll
            for (int j = 0; j < 2; ++j) {
                const bool ok = tile0 + j < tileRows;
                const size_t ti = size_t(tile0 + j) * groups + gi;
                cpAsync16(d + j * 512 + lane * 16, ok ? (const void*)&tiles[ti].lane[lane] : (const void*)tiles,
                          ok ? 16 : 0);
            }
            if (lane < 2) {
                const bool ok = tile0 + lane < tileRows;
                const size_t ti = size_t(tile0 + lane) * groups + gi;
                cpAsync16(d + 1024 + lane * 16, ok ? (const void*)(scales + ti * 8) : (const void*)scales, ok ? 16 : 0);
            } else if (lane < 4 && zeros) {
                const int j = lane - 2;
                const bool ok = tile0 + j < tileRows;
                const size_t ti = size_t(tile0 + j) * groups + gi;
                asm volatile("cp.async.ca.shared.global [%0], [%1], 8, %2;\n" ::"r"(smemAddress(d + 1056 + j * 8)),
                             "l"(ok ? (const void*)(zeros + ti * 8) : (const void*)zeros), "r"(ok ? 8 : 0));
            }
        }
        cpAsyncCommit();
    };

    // Weights first: they are what the kernel waits for, and no earlier kernel writes them, so under
    // programmatic dependent launch these copies overlap the previous kernel's tail. x and y only after it.
#pragma unroll
    for (int s = 0; s < kSmallRing - 1; ++s)
        issue(s, gBegin + s);
    gridDependencyWait();
    gridDependencyLaunchDependents();
    const T* xs = x;
    if constexpr (kStageX) {
        T* stage = reinterpret_cast<T*>(dynSmem + smallRingBytes<kW>());
        const int chunks = m * k / 8;
        for (int c = threadIdx.x; c < chunks; c += 32 * kW)
            *reinterpret_cast<uint4*>(stage + size_t(c) * 8) = *reinterpret_cast<const uint4*>(x + size_t(c) * 8);
        xs = stage;
        __syncthreads();
    }

    float acc[kMB][4];
#pragma unroll
    for (int b = 0; b < kMB; ++b)
#pragma unroll
        for (int e = 0; e < 4; ++e)
            acc[b][e] = 0.f;

    for (int gi = gBegin, i = 0; gi < gEnd; ++gi, ++i) {
        __syncwarp(); // every lane is done with the slot refilled next (it holds other lanes' scales)
        issue((i + kSmallRing - 1) % kSmallRing, gi + kSmallRing - 1);
        cpAsyncWait<kSmallRing - 1>();
        __syncwarp(); // scales and zero points copied by lanes 0-3 are visible to all
        const unsigned char* d = ring + (i % kSmallRing) * kSmallSlot;
        const uint4 w0 = *reinterpret_cast<const uint4*>(d + lane * 16);
        const uint4 w1 = *reinterpret_cast<const uint4*>(d + 512 + lane * 16);
        const uint16_t* sc = reinterpret_cast<const uint16_t*>(d + 1024);
        const float s0 = toFloat(*reinterpret_cast<const T*>(&sc[g]));
        const float s1 = toFloat(*reinterpret_cast<const T*>(&sc[8 + g]));
        const int z0 = zeros ? int(d[1056 + g]) : AUTOGLM_Q4_SYM_ZERO;
        const int z1 = zeros ? int(d[1064 + g]) : AUTOGLM_Q4_SYM_ZERO;
        const uint32_t bias0 = Int4Dequant<T>::bias(z0), bias1 = Int4Dequant<T>::bias(z1);
        uint32_t negHi0 = 0, negHi1 = 0;
        if constexpr (std::is_same_v<T, __half>) {
            negHi0 = negHiF16(z0);
            negHi1 = negHiF16(z1);
        }

        // Two accumulator chains (even / odd word) so consecutive mmas do not wait on each other.
        float part[2][kMB][4];
#pragma unroll
        for (int c = 0; c < 2; ++c)
#pragma unroll
            for (int b = 0; b < kMB; ++b)
#pragma unroll
                for (int e = 0; e < 4; ++e)
                    part[c][b][e] = 0.f;
        // x fragments of up to 16 tokens are loaded together before their mmas (32 tokens at once would take 64
        // registers): one round trip to L2 per 16 tokens and group.
        constexpr int kChunk = kMB < 2 ? kMB : 2;
#pragma unroll
        for (int b0 = 0; b0 < kMB; b0 += kChunk) {
            uint4 xv[kChunk][4];
#pragma unroll
            for (int b = 0; b < kChunk; ++b)
#pragma unroll
                for (int jp = 0; jp < 4; ++jp)
                    xv[b][jp] = loadX8<T, kVec || kStageX>(xs, (b0 + b) * 8 + g, m, k,
                                                            gi * AUTOGLM_Q4_GROUP + 32 * jp + 8 * t);
#pragma unroll
            for (int jp = 0; jp < 4; ++jp) {
                uint32_t d0[4], d1[4];
                const uint32_t w0j = reinterpret_cast<const uint32_t*>(&w0)[jp];
                const uint32_t w1j = reinterpret_cast<const uint32_t*>(&w1)[jp];
                if constexpr (std::is_same_v<T, __half>) {
                    codesMinusZeroF16(w0j, bias0, negHi0, d0);
                    codesMinusZeroF16(w1j, bias1, negHi1, d1);
                } else {
                    codesMinusZero<T>(w0j, bias0, d0);
                    codesMinusZero<T>(w1j, bias1, d1);
                }
                const uint32_t a0[4] = {d0[0], d1[0], d0[1], d1[1]};
                const uint32_t a1[4] = {d0[2], d1[2], d0[3], d1[3]};
#pragma unroll
                for (int b = 0; b < kChunk; ++b) {
                    const uint32_t x0[2] = {xv[b][jp].x, xv[b][jp].y};
                    const uint32_t x1[2] = {xv[b][jp].z, xv[b][jp].w};
                    mma16816<T>(part[jp & 1][b0 + b], a0, x0);
                    mma16816<T>(part[jp & 1][b0 + b], a1, x1);
                }
            }
        }
#pragma unroll
        for (int b = 0; b < kMB; ++b) {
            acc[b][0] = fmaf(s0, part[0][b][0] + part[1][b][0], acc[b][0]);
            acc[b][1] = fmaf(s0, part[0][b][1] + part[1][b][1], acc[b][1]);
            acc[b][2] = fmaf(s1, part[0][b][2] + part[1][b][2], acc[b][2]);
            acc[b][3] = fmaf(s1, part[0][b][3] + part[1][b][3], acc[b][3]);
        }
    }
    cpAsyncWait<0>();

#pragma unroll
    for (int b = 0; b < kMB; ++b)
#pragma unroll
        for (int e = 0; e < 4; ++e)
            red[warp][(b * 4 + e) * 32 + lane] = acc[b][e];
    __syncthreads();
    for (int idx = threadIdx.x; idx < kMB * 4 * 32; idx += 32 * kW) {
        float sum = 0.f;
#pragma unroll
        for (int w = 0; w < kW; ++w)
            sum += red[w][idx];
        const int b = idx / 128, e = (idx / 32) % 4, l = idx % 32;
        // c0, c1: weight row g of tile 0, tokens 2t, 2t+1; c2, c3: the same of tile 1.
        const int col = (tile0 + (e >> 1)) * 8 + (l >> 2);
        const int row = b * 8 + 2 * (l & 3) + (e & 1);
        if (row < m && col < n)
            storeOut(y, size_t(row) * n + col, sum);
    }
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

// The small-M kernel wants several CTAs per SM (its own and, under programmatic dependent launch, the next
// kernel's): all of the unified L1 / shared memory goes to shared memory (its loads bypass L1 anyway).
template <typename K> void preferShared(K kernel, int bytes) {
    allowSmem(kernel, bytes);
    cudaFuncSetAttribute(kernel, cudaFuncAttributePreferredSharedMemoryCarveout, int(cudaSharedmemCarveoutMaxShared));
}

// On sm_90 the small-M kernel is launched with programmatic stream serialization, so its weight prefetch
// overlaps the tail of the kernel before it (a decode step is a chain of such short launches). Falls back to a
// plain launch when the driver refuses the attribute.
template <typename... Params, typename... Args>
void launchMaybeDependent(void (*kernel)(Params...), dim3 grid, dim3 block, size_t smem, cudaStream_t stream,
                          Args... args) {
    static bool pdl = true;
    if (pdl && computeCapability() >= 90) {
        cudaLaunchAttribute attr;
        attr.id = cudaLaunchAttributeProgrammaticStreamSerialization;
        attr.val.programmaticStreamSerializationAllowed = 1;
        cudaLaunchConfig_t cfg = {};
        cfg.gridDim = grid;
        cfg.blockDim = block;
        cfg.dynamicSmemBytes = smem;
        cfg.stream = stream;
        cfg.attrs = &attr;
        cfg.numAttrs = 1;
        if (cudaLaunchKernelEx(&cfg, kernel, Params(args)...) == cudaSuccess)
            return;
        cudaGetLastError();
        pdl = false;
    }
    kernel<<<grid, block, smem, stream>>>(args...);
}

template <typename T, int kMB, int kW>
void launchSmall(const T* x, int m, int k, const autoglm_w4_packed& w, T* y, cudaStream_t stream, bool vec,
                 bool stage) {
    const int n = int(w.n), groups = int(autoglm_q4_groups(w.k));
    const int tileRows = (n + 7) / 8;
    constexpr int ringBytes = smallRingBytes<kW>();
    static const bool once = [] {
        const int bytes = ringBytes + kStageXBytes;
        preferShared(w4a16Small<T, true, true, kMB, kW>, bytes);
        preferShared(w4a16Small<T, true, false, kMB, kW>, bytes);
        preferShared(w4a16Small<T, false, false, kMB, kW>, bytes);
        return true;
    }();
    (void)once;
    const dim3 grid((tileRows + 1) / 2);
    const size_t smemBytes = ringBytes + (stage ? size_t(m) * k * sizeof(T) : 0);
    auto run = [&](auto kernel) {
        launchMaybeDependent(kernel, grid, dim3(32 * kW), smemBytes, stream, x, m, k, w.tiles, w.scales, w.zeros, n,
                             groups, y);
    };
    if (stage)
        run(w4a16Small<T, true, true, kMB, kW>);
    else if (vec)
        run(w4a16Small<T, true, false, kMB, kW>);
    else
        run(w4a16Small<T, false, false, kMB, kW>);
}

template <typename T>
void launchTyped(const T* x, int m, const autoglm_w4_packed& w, T* y, cudaStream_t stream) {
    const int n = int(w.n), k = int(w.k), groups = int(autoglm_q4_groups(w.k));
    const int tileRows = (n + 7) / 8;
    const bool vec = k % 8 == 0 && aligned16(x);
    if (m <= 32) {
        const size_t xBytes = size_t(m) * k * sizeof(T);
        const bool stage = vec && xBytes <= size_t(kStageXBytes);
        // 8 warps per CTA measured best on the H200 at M = 1 (4096 x 4096: 5.4 us with 8, 5.6 with 16, 6.4 with 4).
        if (m <= 8)
            launchSmall<T, 1, 8>(x, m, k, w, y, stream, vec, stage);
        else if (m <= 16)
            launchSmall<T, 2, 8>(x, m, k, w, y, stream, vec, stage);
        else
            launchSmall<T, 4, 8>(x, m, k, w, y, stream, vec, stage);
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
