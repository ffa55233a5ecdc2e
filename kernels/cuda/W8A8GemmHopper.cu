// W8A8 GEMM for Hopper (sm_90a): y = (A . W^T) * a_scale[m] * w_scale[n], A[M][ldk], W[N][ldk] int8, both
// K-major. Persistent and warp-specialised: one CTA per SM walks the output tiles; warpgroup 0 is the producer
// (one thread issues TMA loads of 128 x 128-byte tiles with the 128-byte swizzle into a ring of stages, each
// guarded by a "full" and an "empty" mbarrier, running ahead into the next tile while the consumers finish the
// last); warpgroups 1 and 2 are consumers, each multiplying 64 rows of the CTA's 128 by all BN columns with
// wgmma m64nBNk32 straight from shared memory, one group kept in flight while the next stage is waited for.
//
// Epilogue: 16-bit outputs (N % 8 == 0) go through shared memory and TMA stores, which leave asynchronously
// while the next tile's main loop runs; other outputs take the mma.sync kernel's stores (w8a8StorePair). Both
// compute the same float arithmetic, so every variant and the reference agree bit for bit. The staged stores
// took 4096^3 from 148 to 111 us on the H100: the main loop's cost was unchanged, the time each call pays
// besides it fell from ~55 to ~20 us (bench_kernels --w8-ksweep, kernels/README.md).
//
// Edges cost nothing in the main loop: TMA fills rows past M / N and k past ldk with zeros (the padding bytes
// of a row are zero by the layout's contract), and the epilogue skips (or the TMA store clips) outputs outside
// [M, N).
//
// Tensor maps are encoded on the host for every call (cuTensorMapEncodeTiled, fetched from the driver through
// the runtime, so nothing links libcuda: a build machine without a driver still links and runs the CPU paths).
#include "kernels/QuantKernels.h"
#include "kernels/cuda/Hopper.cuh"
#include "kernels/cuda/W8A8Gemm.cuh"

#include <cudaTypedefs.h>

#include <algorithm>
#include <cstdint>

namespace autoglm::kernels::cuda {
namespace {

constexpr int kBM = 128, kBK = 128, kThreads = 384;

// The staged epilogue's buffer: per consumer warpgroup two boxes of 64 rows x 128 bytes (64 16-bit outputs).
constexpr int kEpiBoxBytes = 64 * 128, kEpiBytes = 2 * 2 * kEpiBoxBytes;

template <int BN, int Stages> struct HopperTile {
    static constexpr int kABytes = kBM * kBK, kBBytes = BN * kBK, kStageBytes = kABytes + kBBytes;
    // + the epilogue buffer, + slack to align the ring to 1024 bytes
    static constexpr int kSmemBytes = Stages * kStageBytes + kEpiBytes + 1024;
    static_assert(kABytes % 1024 == 0 && kBBytes % 1024 == 0, "swizzled tiles start on 1024-byte boundaries");
    static_assert(kSmemBytes <= 227 * 1024, "the ring must fit Hopper's 227 KB of shared memory per CTA");
};

template <int BN> struct Wgmma;
template <> struct Wgmma<256> {
    __device__ __forceinline__ static void run(int32_t (&d)[128], uint64_t a, uint64_t b, int scaleD) {
        wgmmaS8N256(d, a, b, scaleD);
    }
};
template <> struct Wgmma<128> {
    __device__ __forceinline__ static void run(int32_t (&d)[64], uint64_t a, uint64_t b, int scaleD) {
        wgmmaS8N128(d, a, b, scaleD);
    }
};

// Keeps the compiler from moving accumulator reads or writes across the asynchronous MMAs.
template <int N> __device__ __forceinline__ void fenceRegisters(int32_t (&d)[N]) {
#pragma unroll
    for (int i = 0; i < N; ++i)
        asm volatile("" : "+r"(d[i])::"memory");
}

template <typename TOut> __device__ __forceinline__ uint32_t packPair(float a, float b);
template <> __device__ __forceinline__ uint32_t packPair<__half>(float a, float b) {
    const __half2 h = __floats2half2_rn(a, b);
    return *reinterpret_cast<const uint32_t*>(&h);
}
template <> __device__ __forceinline__ uint32_t packPair<__nv_bfloat16>(float a, float b) {
    const __nv_bfloat162 h = __floats2bfloat162_rn(a, b);
    return *reinterpret_cast<const uint32_t*>(&h);
}

// One consumer warpgroup's 64 x BN block, through shared memory and TMA stores: 128 columns per round, as two
// 64 x 64 boxes in the 128-byte-swizzled layout the store reads (16-byte chunk c of row r at c ^ (r % 8), which
// also spreads a warp's writes over all 32 banks). The values are w8a8Value's, as in w8a8StorePair; outputs
// outside [M, N) are computed from zero scales and clipped by the store. Returns with the stores in flight.
template <int BN, typename TOut>
__device__ __forceinline__ void storeBlockStaged(const int32_t (&acc)[BN / 2], uint8_t* buf, const CUtensorMap* mapY,
                                                 int row0, int n0, int barrierId, int tid, int m, int n,
                                                 const float* __restrict__ aScales, const float* __restrict__ wScales,
                                                 const int32_t* __restrict__ offsets) {
    const int warp = tid / 32, lane = tid % 32;
    float sa[2];
#pragma unroll
    for (int h = 0; h < 2; ++h) {
        const int row = row0 + warp * 16 + lane / 4 + 8 * h;
        sa[h] = row < m ? aScales[row] : 0.f;
    }
    const uint32_t base = smemAddress(buf);
#pragma unroll
    for (int round = 0; round < BN / 128; ++round) {
        if (tid == 0)
            bulkWaitRead(); // the previous round's stores have read the buffer
        namedBarrier(barrierId, 128);
#pragma unroll
        for (int jj = 0; jj < 16; ++jj) {
            const int j = round * 16 + jj, col = n0 + 8 * j + 2 * (lane % 4);
            const float w0 = col < n ? wScales[col] : 0.f, w1 = col + 1 < n ? wScales[col + 1] : 0.f;
            const uint32_t o0 = offsets && col < n ? uint32_t(offsets[col]) : 0u;
            const uint32_t o1 = offsets && col + 1 < n ? uint32_t(offsets[col + 1]) : 0u;
#pragma unroll
            for (int h = 0; h < 2; ++h) {
                const int r = warp * 16 + lane / 4 + 8 * h;
                const float v0 = w8a8Value(acc[4 * j + 2 * h], o0, sa[h], w0);
                const float v1 = w8a8Value(acc[4 * j + 2 * h + 1], o1, sa[h], w1);
                const uint32_t at =
                    base + (jj / 8) * kEpiBoxBytes + r * 128 + (((jj % 8) ^ (r % 8)) * 16) + 4 * (lane % 4);
                asm volatile("st.shared.b32 [%0], %1;\n" ::"r"(at), "r"(packPair<TOut>(v0, v1)) : "memory");
            }
        }
        fenceProxyAsyncShared();
        namedBarrier(barrierId, 128);
        if (tid == 0) {
            tmaStore2d(mapY, n0 + round * 128, row0, buf);
            tmaStore2d(mapY, n0 + round * 128 + 64, row0, buf + kEpiBoxBytes);
            bulkCommit();
        }
    }
}

// The ring's position: stage index and the parity of its current use, advanced once per k tile across all the
// CTA's tiles (the producer and each consumer keep their own copy in step).
template <int Stages> struct RingCursor {
    int stage = 0;
    uint32_t phase = 0;
    __device__ __forceinline__ void advance() {
        if (++stage == Stages) {
            stage = 0;
            phase ^= 1u;
        }
    }
};

template <int BN, int Stages, typename TOut>
__global__ void __launch_bounds__(kThreads, 1)
    w8a8GemmHopper(const __grid_constant__ CUtensorMap mapA, const __grid_constant__ CUtensorMap mapW,
                   const float* __restrict__ aScales, const float* __restrict__ wScales,
                   const int32_t* __restrict__ colOffsets, int m, int n, int kTiles, int mTiles, int tiles,
                   TOut* __restrict__ y, const __grid_constant__ CUtensorMap mapY, int staged) {
    using Tile = HopperTile<BN, Stages>;
    extern __shared__ uint8_t smemRaw[];
    __shared__ uint64_t full[Stages], empty[Stages];
    uint8_t* ring = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(smemRaw) + 1023) & ~uintptr_t(1023));
    const int warpgroup = threadIdx.x / 128, tid = threadIdx.x % 128;

    if (threadIdx.x == 0) {
        for (int s = 0; s < Stages; ++s) {
            mbarrierInit(&full[s], 1);  // the producer's arrive.expect_tx; the TMA bytes complete the phase
            mbarrierInit(&empty[s], 2); // one arrival per consumer warpgroup
        }
        fenceBarrierInit();
    }
    __syncthreads();

    // A CTA walks tiles blockIdx.x, + gridDim.x, ... (the grid is at most one CTA per SM). M tiles vary
    // fastest: the CTAs running at one time share a few W column tiles (read from DRAM once) while A, the
    // smaller operand of LLM shapes, stays in L2. Against N-fastest on the H100 (one tile per CTA then, CUDA-graph
    // replay, M = 4096): 4096^3 146 -> 142 us, 11008 x 4096 422 -> 379 us, 4096 x 11008 303 -> 270 us,
    // 14336 x 4096 597 -> 501 us (kernels/README.md).
    if (warpgroup == 0) {
        if (tid == 0) {
            prefetchTensorMap(&mapA);
            prefetchTensorMap(&mapW);
            RingCursor<Stages> slot;
            int uses = 0;
            for (int tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
                const int m0 = (tile % mTiles) * kBM, n0 = (tile / mTiles) * BN;
                for (int kt = 0; kt < kTiles; ++kt, ++uses, slot.advance()) {
                    if (uses >= Stages)
                        mbarrierWait(&empty[slot.stage], slot.phase ^ 1u);
                    uint8_t* stage = ring + slot.stage * Tile::kStageBytes;
                    mbarrierArriveExpectTx(&full[slot.stage], Tile::kStageBytes);
                    tmaLoad2d(stage, &mapA, kt * kBK, m0, &full[slot.stage]);
                    tmaLoad2d(stage + Tile::kABytes, &mapW, kt * kBK, n0, &full[slot.stage]);
                }
            }
        }
        return;
    }

    const int consumer = warpgroup - 1;
    const int warp = tid / 32, lane = tid % 32;
    RingCursor<Stages> slot;
    int32_t acc[BN / 2];
#pragma unroll
    for (int i = 0; i < BN / 2; ++i)
        acc[i] = 0; // never read (each tile's first MMA overwrites), but defined
    fenceRegisters(acc);
    for (int tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
        const int m0 = (tile % mTiles) * kBM, n0 = (tile / mTiles) * BN;
        int previous = -1; // the stage whose MMAs may still be in flight
        for (int kt = 0; kt < kTiles; ++kt, slot.advance()) {
            mbarrierWait(&full[slot.stage], slot.phase);
            const uint8_t* stage = ring + slot.stage * Tile::kStageBytes;
            const uint64_t descA = wgmmaDescK128(stage + consumer * 64 * kBK);
            const uint64_t descW = wgmmaDescK128(stage + Tile::kABytes);
            wgmmaFence();
#pragma unroll
            for (int kk = 0; kk < kBK / 32; ++kk) // 32 bytes of k per step: +2 in the descriptor's address field
                Wgmma<BN>::run(acc, descA + 2 * kk, descW + 2 * kk, (kt | kk) != 0);
            wgmmaCommit();
            // The previous stage's MMAs are done: hand its buffers back to the producer. (Two groups in flight
            // measured slower on the H100: 125 vs 122 us at 4096^3, with one stage fewer to load into.)
            wgmmaWait<1>();
            if (previous >= 0 && tid == 0)
                mbarrierArrive(&empty[previous]);
            previous = slot.stage;
        }
        wgmmaWait<0>();
        fenceRegisters(acc);
        if (tid == 0)
            mbarrierArrive(&empty[previous]);

        // Accumulator layout of m64nNk32: register 4 j + 2 h + e holds row 16 warp + lane / 4 + 8 h and column
        // 8 j + 2 (lane % 4) + e of the consumer's 64 x BN block.
        if constexpr (sizeof(TOut) == 2) {
            if (staged) {
                storeBlockStaged<BN, TOut>(acc, ring + Stages * Tile::kStageBytes + consumer * 2 * kEpiBoxBytes, &mapY,
                                           m0 + consumer * 64, n0, 1 + consumer, tid, m, n, aScales, wScales,
                                           colOffsets);
                continue;
            }
        }
#pragma unroll
        for (int h = 0; h < 2; ++h) {
            const int row = m0 + consumer * 64 + warp * 16 + lane / 4 + 8 * h;
            if (row >= m)
                continue;
            const float sa = aScales[row];
#pragma unroll
            for (int j = 0; j < BN / 8; ++j)
                w8a8StorePair(y + size_t(row) * n, n0 + 8 * j + 2 * (lane % 4), n, acc[4 * j + 2 * h],
                              acc[4 * j + 2 * h + 1], sa, wScales, colOffsets);
        }
    }
    if (staged && tid == 0)
        bulkWaitAll(); // the shared memory the stores read lives as long as the CTA
}

PFN_cuTensorMapEncodeTiled_v12000 tensorMapEncoder() {
    static const PFN_cuTensorMapEncodeTiled_v12000 fn = [] {
        void* p = nullptr;
        cudaDriverEntryPointQueryResult found{};
        if (cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &p, 12000, cudaEnableDefault, &found) !=
                cudaSuccess ||
            found != cudaDriverEntryPointSuccess) {
            cudaGetLastError();
            p = nullptr;
        }
        return reinterpret_cast<PFN_cuTensorMapEncodeTiled_v12000>(p);
    }();
    return fn;
}

// A 2-D map over an int8 [rows][ldk] operand, boxes of boxRows x 128 bytes, 128-byte swizzle.
bool encodeOperand(CUtensorMap* map, const int8_t* base, int rows, int ldk, int boxRows) {
    const PFN_cuTensorMapEncodeTiled_v12000 encode = tensorMapEncoder();
    if (!encode)
        return false;
    const cuuint64_t dims[2] = {cuuint64_t(ldk), cuuint64_t(rows)};
    const cuuint64_t strides[1] = {cuuint64_t(ldk)};
    const cuuint32_t box[2] = {cuuint32_t(kBK), cuuint32_t(boxRows)};
    const cuuint32_t elementStrides[2] = {1, 1};
    return encode(map, CU_TENSOR_MAP_DATA_TYPE_UINT8, 2, const_cast<int8_t*>(base), dims, strides, box,
                  elementStrides, CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
                  CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE) == CUDA_SUCCESS;
}

// The output as a 2-D map of 16-bit values, boxes of 64 rows x 64 columns, 128-byte swizzle (the staged
// epilogue's layout). Needs N % 8 == 0 and a 16-byte aligned y (TMA's global stride and address rules).
bool encodeOutput(CUtensorMap* map, void* y, autoglm_dtype out, int rows, int n) {
    const PFN_cuTensorMapEncodeTiled_v12000 encode = tensorMapEncoder();
    if (!encode)
        return false;
    const cuuint64_t dims[2] = {cuuint64_t(n), cuuint64_t(rows)};
    const cuuint64_t strides[1] = {cuuint64_t(n) * 2};
    const cuuint32_t box[2] = {64, 64};
    const cuuint32_t elementStrides[2] = {1, 1};
    return encode(map, out == AUTOGLM_F16 ? CU_TENSOR_MAP_DATA_TYPE_FLOAT16 : CU_TENSOR_MAP_DATA_TYPE_BFLOAT16, 2, y,
                  dims, strides, box, elementStrides, CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
                  CU_TENSOR_MAP_L2_PROMOTION_NONE, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE) == CUDA_SUCCESS;
}

int64_t hopperW8A8Tiles(int64_t m, int64_t n, int bn) {
    return ((m + kBM - 1) / kBM) * ((n + bn - 1) / bn);
}

template <int BN, int Stages, typename TOut> struct HopperLauncher {
    static constexpr auto kernel = w8a8GemmHopper<BN, Stages, TOut>;

    // True when this binary holds the sm_90a code of the kernel for the current device (a build without 90a in
    // CMAKE_CUDA_ARCHITECTURES would otherwise run the sm_80 pass's trap).
    static bool available() {
        static const bool ok = [] {
            cudaFuncAttributes attr{};
            if (cudaFuncGetAttributes(&attr, kernel) != cudaSuccess) {
                cudaGetLastError();
                return false;
            }
            return attr.binaryVersion == 90 &&
                   cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                        HopperTile<BN, Stages>::kSmemBytes) == cudaSuccess;
        }();
        return ok;
    }

    static autoglm_kstatus launch(const W8A8Args& p, cudaStream_t stream) {
        CUtensorMap mapA, mapW;
        if (!encodeOperand(&mapA, p.a, p.m, p.ldk, kBM) || !encodeOperand(&mapW, p.w, p.n, p.ldk, BN)) {
            autoglm_kernels_set_error("cuTensorMapEncodeTiled failed for the W8A8 operands (driver too old?)");
            return AUTOGLM_K_CUDA_ERROR;
        }
        // TMA stores need a 16-byte aligned base and row stride; float outputs keep the direct stores.
        CUtensorMap mapY{};
        const int staged = sizeof(TOut) == 2 && p.n % 8 == 0 && (reinterpret_cast<uintptr_t>(p.y) & 15u) == 0 &&
                           encodeOutput(&mapY, p.y, p.out, p.m, p.n);
        const int mTiles = (p.m + kBM - 1) / kBM, tiles = int(hopperW8A8Tiles(p.m, p.n, BN));
        const int grid = std::min(tiles, multiprocessorCount());
        kernel<<<grid, kThreads, HopperTile<BN, Stages>::kSmemBytes, stream>>>(
            mapA, mapW, p.aScales, p.wScales, p.colOffsets, p.m, p.n, (p.ldk + kBK - 1) / kBK, mTiles, tiles,
            static_cast<TOut*>(p.y), mapY, staged);
        return checkLaunch("w8a8GemmHopper");
    }
};

template <typename TOut> autoglm_kstatus launchHopperTyped(const W8A8Args& p, cudaStream_t stream) {
    using Wide = HopperLauncher<256, 4, TOut>;
    using Narrow = HopperLauncher<128, 6, TOut>;
    if (!Wide::available() || !Narrow::available()) {
        autoglm_kernels_set_error("this build has no sm_90a code for the W8A8 wgmma kernel");
        return AUTOGLM_K_UNSUPPORTED_DEVICE;
    }
    if (!hopperW8A8TakesShape(p.m, p.n)) {
        autoglm_kernels_set_error("the wgmma W8A8 kernel takes at most 2^30 - 1 output tiles of 128 x 128");
        return AUTOGLM_K_UNSUPPORTED_SHAPE;
    }
    // 128 x 256 tiles halve the operand traffic per MAC; when they would leave SMs idle, 128 x 128 tiles
    // spread the work over twice as many CTAs.
    const bool wideFillsSms = hopperW8A8Tiles(p.m, p.n, 256) >= multiprocessorCount();
    return wideFillsSms ? Wide::launch(p, stream) : Narrow::launch(p, stream);
}

} // namespace

bool hopperW8A8TakesShape(int64_t m, int64_t n) {
    return hopperW8A8Tiles(m, n, 128) <= INT32_MAX / 2; // the kernel counts tiles in int, a grid's width at a time
}

bool hopperW8A8Available() {
    return computeCapability() == 90 && HopperLauncher<256, 4, __half>::available() &&
           HopperLauncher<128, 6, __half>::available() && tensorMapEncoder() != nullptr;
}

autoglm_kstatus launchW8A8Hopper(const W8A8Args& p, cudaStream_t stream) {
    return withOutputType(p.out, [&](auto* type) {
        return launchHopperTyped<std::remove_pointer_t<decltype(type)>>(p, stream);
    });
}

} // namespace autoglm::kernels::cuda
