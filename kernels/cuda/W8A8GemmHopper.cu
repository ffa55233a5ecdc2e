// W8A8 GEMM for Hopper (sm_90a): y = (A . W^T) * a_scale[m] * w_scale[n], A[M][ldk], W[N][ldk] int8, both
// K-major. Warp-specialised: warpgroup 0 is the producer (one thread issues TMA loads of 128 x 128-byte tiles
// with the 128-byte swizzle into a ring of stages, each guarded by a "full" and an "empty" mbarrier);
// warpgroups 1 and 2 are consumers, each multiplying 64 rows of the CTA's 128 by all BN columns with
// wgmma m64nBNk32 straight from shared memory, one group kept in flight while the next stage is waited for.
// The epilogue is the mma.sync kernel's (w8a8StorePair), so both variants and the reference agree bit for bit.
//
// Edges cost nothing in the main loop: TMA fills rows past M / N and k past ldk with zeros (the padding bytes
// of a row are zero by the layout's contract), and the epilogue skips outputs outside [M, N).
//
// Tensor maps are encoded on the host for every call (cuTensorMapEncodeTiled, fetched from the driver through
// the runtime, so nothing links libcuda: a build machine without a driver still links and runs the CPU paths).
#include "kernels/QuantKernels.h"
#include "kernels/cuda/Hopper.cuh"
#include "kernels/cuda/W8A8Gemm.cuh"

#include <cudaTypedefs.h>

namespace autoglm::kernels::cuda {
namespace {

constexpr int kBM = 128, kBK = 128, kThreads = 384;

template <int BN, int Stages> struct HopperTile {
    static constexpr int kABytes = kBM * kBK, kBBytes = BN * kBK, kStageBytes = kABytes + kBBytes;
    static constexpr int kSmemBytes = Stages * kStageBytes + 1024; // + slack to align the ring to 1024 bytes
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

template <int BN, int Stages, typename TOut>
__global__ void __launch_bounds__(kThreads, 1)
    w8a8GemmHopper(const __grid_constant__ CUtensorMap mapA, const __grid_constant__ CUtensorMap mapW,
                   const float* __restrict__ aScales, const float* __restrict__ wScales,
                   const int32_t* __restrict__ colOffsets, int m, int n, int kTiles, TOut* __restrict__ y) {
    using Tile = HopperTile<BN, Stages>;
    extern __shared__ uint8_t smemRaw[];
    __shared__ uint64_t full[Stages], empty[Stages];
    uint8_t* ring = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(smemRaw) + 1023) & ~uintptr_t(1023));
    const int warpgroup = threadIdx.x / 128, tid = threadIdx.x % 128;
    // M tiles vary fastest: a wave of CTAs shares a few W column tiles (read from DRAM once) while A, the smaller
    // operand of LLM shapes, stays in L2. Against N-fastest on the H100 (same session, CUDA-graph replay,
    // M = 4096): 4096^3 146 -> 142 us, 11008 x 4096 422 -> 379 us, 4096 x 11008 303 -> 270 us,
    // 14336 x 4096 597 -> 501 us (kernels/README.md).
    const int m0 = blockIdx.x * kBM, n0 = blockIdx.y * BN;

    if (threadIdx.x == 0) {
        for (int s = 0; s < Stages; ++s) {
            mbarrierInit(&full[s], 1);  // the producer's arrive.expect_tx; the TMA bytes complete the phase
            mbarrierInit(&empty[s], 2); // one arrival per consumer warpgroup
        }
        fenceBarrierInit();
    }
    __syncthreads();

    if (warpgroup == 0) {
        if (tid == 0) {
            prefetchTensorMap(&mapA);
            prefetchTensorMap(&mapW);
            for (int kt = 0; kt < kTiles; ++kt) {
                const int s = kt % Stages;
                if (kt >= Stages)
                    mbarrierWait(&empty[s], uint32_t((kt / Stages + 1) & 1));
                uint8_t* stage = ring + s * Tile::kStageBytes;
                mbarrierArriveExpectTx(&full[s], Tile::kStageBytes);
                tmaLoad2d(stage, &mapA, kt * kBK, m0, &full[s]);
                tmaLoad2d(stage + Tile::kABytes, &mapW, kt * kBK, n0, &full[s]);
            }
        }
        return;
    }

    const int consumer = warpgroup - 1;
    int32_t acc[BN / 2];
#pragma unroll
    for (int i = 0; i < BN / 2; ++i)
        acc[i] = 0;
    fenceRegisters(acc);
    for (int kt = 0; kt < kTiles; ++kt) {
        const int s = kt % Stages;
        mbarrierWait(&full[s], uint32_t((kt / Stages) & 1));
        const uint8_t* stage = ring + s * Tile::kStageBytes;
        const uint64_t descA = wgmmaDescK128(stage + consumer * 64 * kBK);
        const uint64_t descW = wgmmaDescK128(stage + Tile::kABytes);
        wgmmaFence();
#pragma unroll
        for (int kk = 0; kk < kBK / 32; ++kk) // 32 bytes of k per step: +2 in the descriptor's address field
            Wgmma<BN>::run(acc, descA + 2 * kk, descW + 2 * kk, (kt | kk) != 0);
        wgmmaCommit();
        wgmmaWait<1>(); // the previous stage's MMAs are done: hand its buffers back to the producer
        if (kt > 0 && tid == 0)
            mbarrierArrive(&empty[(kt - 1) % Stages]);
    }
    wgmmaWait<0>();
    fenceRegisters(acc);

    // Accumulator layout of m64nNk32: register 4 j + 2 h + e holds row 16 warp + lane / 4 + 8 h and column
    // 8 j + 2 (lane % 4) + e of the consumer's 64 x BN block.
    const int warp = tid / 32, lane = tid % 32;
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
        const dim3 grid((p.m + kBM - 1) / kBM, (p.n + BN - 1) / BN);
        kernel<<<grid, kThreads, HopperTile<BN, Stages>::kSmemBytes, stream>>>(
            mapA, mapW, p.aScales, p.wScales, p.colOffsets, p.m, p.n, (p.ldk + kBK - 1) / kBK, static_cast<TOut*>(p.y));
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
    if (!hopperW8A8TakesN(p.n)) {
        autoglm_kernels_set_error("the wgmma W8A8 kernel takes N up to 8388480");
        return AUTOGLM_K_UNSUPPORTED_SHAPE;
    }
    // 128 x 256 tiles halve the operand traffic per MAC; when they would leave SMs idle, 128 x 128 tiles
    // spread the work over twice as many CTAs.
    const long wideTiles = long((p.m + kBM - 1) / kBM) * ((p.n + 255) / 256);
    return wideTiles >= multiprocessorCount() ? Wide::launch(p, stream) : Narrow::launch(p, stream);
}

} // namespace

bool hopperW8A8TakesN(int64_t n) {
    return (n + 127) / 128 <= 65535;
}

bool hopperW8A8Available() {
    return computeCapability() == 90 && HopperLauncher<256, 4, __half>::available() &&
           HopperLauncher<128, 6, __half>::available() && tensorMapEncoder() != nullptr;
}

autoglm_kstatus launchW8A8Hopper(const W8A8Args& p, cudaStream_t stream) {
    return p.out == AUTOGLM_F16 ? launchHopperTyped<__half>(p, stream) : launchHopperTyped<__nv_bfloat16>(p, stream);
}

} // namespace autoglm::kernels::cuda
