// W8A8 GEMM: y = (A . W^T) * a_scale[m] * w_scale[n], A[M][ldk], W[N][ldk] int8 (both K-major, the "TN" case
// tensor cores want). CTA tile 128 x 128 x 64, 8 warps of 64 x 32, a 4-stage cp.async pipeline.
//
// Why no ldmatrix / swizzle: the k order inside a 64-wide k tile is permuted identically for A and W (thread
// t of a quad owns bytes 16t..16t+15 of each row and feeds them to the m16n8k32 fragments as if they were
// k = 4t.., 16+4t.. of two k32 steps). A dot product does not care about the order of its terms, so every
// fragment is one 16-byte shared load, and because a quad reads 64 contiguous bytes and two quads two
// adjacent 64-byte rows, each 8-lane phase of the load touches all 32 banks once: no conflicts, no padding.
//
// This is the sm_80+ mma.sync path; on Hopper the dispatcher below picks the wgmma/TMA kernel
// (W8A8GemmHopper.cu) instead.
#include "kernels/QuantKernels.h"
#include "kernels/cuda/W8A8Gemm.cuh"

namespace autoglm::kernels::cuda {
namespace {

constexpr int kBM = 128, kBN = 128, kBK = 64, kStages = 4, kThreads = 256;
constexpr int kSmemBytes = kStages * (kBM + kBN) * kBK; // 64 KB: needs the opt-in above 48 KB
constexpr int kMT = 4, kNT = 4; // warp tile: 4 x m16, 4 x n8

template <typename TOut>
__global__ void __launch_bounds__(kThreads) w8a8Gemm(const int8_t* __restrict__ a, const float* __restrict__ aScales,
                                                     const int8_t* __restrict__ w, const float* __restrict__ wScales,
                                                     const int32_t* __restrict__ colOffsets, int m, int n, int ldk,
                                                     TOut* __restrict__ y) {
    extern __shared__ __align__(128) int8_t smem[];
    int8_t (*sA)[kBM * kBK] = reinterpret_cast<int8_t (*)[kBM * kBK]>(smem);
    int8_t (*sB)[kBN * kBK] = reinterpret_cast<int8_t (*)[kBN * kBK]>(smem + kStages * kBM * kBK);
    const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
    const int g = lane >> 2, t = lane & 3;
    const int wm = warp / 4, wn = warp % 4;
    const int m0 = blockIdx.y * kBM, n0 = blockIdx.x * kBN;
    const int kTiles = (ldk + kBK - 1) / kBK;

    auto loadStage = [&](int stage, int kt) {
#pragma unroll
        for (int i = 0; i < 2; ++i) {
            const int c = tid + i * kThreads; // 512 chunks of 16 bytes per operand
            const int r = c >> 2, cc = c & 3;
            const int kOff = kt * kBK + cc * 16;
            const bool aOk = m0 + r < m && kOff < ldk;
            const bool bOk = n0 + r < n && kOff < ldk;
            cpAsync16(&sA[stage][r * kBK + cc * 16], aOk ? a + size_t(m0 + r) * ldk + kOff : a, aOk ? 16 : 0);
            cpAsync16(&sB[stage][r * kBK + cc * 16], bOk ? w + size_t(n0 + r) * ldk + kOff : w, bOk ? 16 : 0);
        }
    };

    int32_t acc[kMT][kNT][4];
#pragma unroll
    for (int i = 0; i < kMT; ++i)
#pragma unroll
        for (int j = 0; j < kNT; ++j)
#pragma unroll
            for (int e = 0; e < 4; ++e)
                acc[i][j][e] = 0;

#pragma unroll
    for (int s = 0; s < kStages - 1; ++s) {
        if (s < kTiles)
            loadStage(s, s);
        cpAsyncCommit();
    }

    for (int kt = 0; kt < kTiles; ++kt) {
        cpAsyncWait<kStages - 2>();
        __syncthreads();
        const int next = kt + kStages - 1;
        if (next < kTiles)
            loadStage(next % kStages, next);
        cpAsyncCommit();

        const int8_t* tileA = sA[kt % kStages];
        const int8_t* tileB = sB[kt % kStages];
        uint4 af[kMT][2], bf[kNT];
#pragma unroll
        for (int i = 0; i < kMT; ++i) {
            const int r = wm * 64 + i * 16 + g;
            af[i][0] = *reinterpret_cast<const uint4*>(tileA + r * kBK + t * 16);
            af[i][1] = *reinterpret_cast<const uint4*>(tileA + (r + 8) * kBK + t * 16);
        }
#pragma unroll
        for (int j = 0; j < kNT; ++j)
            bf[j] = *reinterpret_cast<const uint4*>(tileB + (wn * 32 + j * 8 + g) * kBK + t * 16);
#pragma unroll
        for (int s = 0; s < 2; ++s) {
#pragma unroll
            for (int i = 0; i < kMT; ++i) {
                const uint32_t* lo = reinterpret_cast<const uint32_t*>(&af[i][0]);
                const uint32_t* hi = reinterpret_cast<const uint32_t*>(&af[i][1]);
                const uint32_t fa[4] = {lo[2 * s], hi[2 * s], lo[2 * s + 1], hi[2 * s + 1]};
#pragma unroll
                for (int j = 0; j < kNT; ++j) {
                    const uint32_t* bw = reinterpret_cast<const uint32_t*>(&bf[j]);
                    const uint32_t fb[2] = {bw[2 * s], bw[2 * s + 1]};
                    mmaS8(acc[i][j], fa, fb);
                }
            }
        }
    }
    cpAsyncWait<0>();

    // Epilogue: (float(sum + offset) * a_scale) * w_scale, the reference's order, rounded once.
#pragma unroll
    for (int i = 0; i < kMT; ++i) {
#pragma unroll
        for (int h = 0; h < 2; ++h) {
            const int row = m0 + wm * 64 + i * 16 + g + 8 * h;
            if (row >= m)
                continue;
            const float sa = aScales[row];
#pragma unroll
            for (int j = 0; j < kNT; ++j)
                w8a8StorePair(y + size_t(row) * n, n0 + wn * 32 + j * 8 + 2 * t, n, acc[i][j][2 * h],
                              acc[i][j][2 * h + 1], sa, wScales, colOffsets);
        }
    }
}

template <typename TOut> autoglm_kstatus launchTyped(const W8A8Args& p, cudaStream_t stream) {
    static const bool once =
        (cudaFuncSetAttribute(w8a8Gemm<TOut>, cudaFuncAttributeMaxDynamicSharedMemorySize, kSmemBytes), true);
    (void)once;
    const dim3 grid((p.n + kBN - 1) / kBN, (p.m + kBM - 1) / kBM);
    w8a8Gemm<TOut><<<grid, kThreads, kSmemBytes, stream>>>(p.a, p.aScales, p.w, p.wScales, p.colOffsets, p.m, p.n,
                                                           p.ldk, static_cast<TOut*>(p.y));
    return checkLaunch("w8a8Gemm");
}

} // namespace

autoglm_kstatus launchW8A8(const W8A8Args& p, cudaStream_t stream) {
    return withOutputType(p.out,
                          [&](auto* type) { return launchTyped<std::remove_pointer_t<decltype(type)>>(p, stream); });
}

} // namespace autoglm::kernels::cuda

extern "C" autoglm_kstatus autoglm_gemm_w8a8_ex(const autoglm_w8a8_gemm* g, autoglm_stream stream) {
    using namespace autoglm::kernels::cuda;
    if (!g || !g->a || !g->a_scales || !g->w || !g->w_scales || !g->y || g->m < 0 || g->n <= 0 || g->k <= 0 ||
        (g->out != AUTOGLM_F16 && g->out != AUTOGLM_BF16 && g->out != AUTOGLM_F32) || !aligned16(g->a) ||
        !aligned16(g->w) || (reinterpret_cast<uintptr_t>(g->y) & (g->out == AUTOGLM_F32 ? 7u : 3u)) != 0 ||
        (g->path != AUTOGLM_GEMM_AUTO && g->path != AUTOGLM_GEMM_MMA_SYNC && g->path != AUTOGLM_GEMM_WGMMA))
        return AUTOGLM_K_INVALID_ARGUMENT;
    if (g->m > (1 << 30) || g->n > (1 << 30) || g->k > (1 << 30) || (g->m + 127) / 128 > 65535)
        return AUTOGLM_K_UNSUPPORTED_SHAPE;
    if (g->m == 0)
        return AUTOGLM_K_OK;
    if (const autoglm_kstatus s = requireCapability(80, "autoglm_gemm_w8a8"); s != AUTOGLM_K_OK)
        return s;
    const bool hopper = hopperW8A8Available();
    if (g->path == AUTOGLM_GEMM_WGMMA && !hopper) {
        autoglm_kernels_set_error("the wgmma W8A8 kernel needs compute capability 9.0 and a build with sm_90a");
        return AUTOGLM_K_UNSUPPORTED_DEVICE;
    }
    const W8A8Args args{g->a, g->a_scales, g->w, g->w_scales, g->col_offsets, int(g->m), int(g->n),
                        int(autoglm_i8_row_stride(g->k)), g->out, g->y};
    // AUTO leaves outputs of more tiles than the wgmma kernel counts to mma.sync; WGMMA is refused them by name.
    if (g->path == AUTOGLM_GEMM_WGMMA || (g->path == AUTOGLM_GEMM_AUTO && hopper && hopperW8A8TakesShape(g->m, g->n)))
        return launchW8A8Hopper(args, toCuda(stream));
    return launchW8A8(args, toCuda(stream));
}

extern "C" autoglm_kstatus autoglm_gemm_w8a8(const int8_t* a, const float* a_scales, const int8_t* w,
                                             const float* w_scales, int64_t m, int64_t n, int64_t k,
                                             autoglm_dtype out, void* y, autoglm_stream stream) {
    const autoglm_w8a8_gemm g{AUTOGLM_GEMM_AUTO, a, a_scales, w, w_scales, nullptr, m, n, k, out, y};
    return autoglm_gemm_w8a8_ex(&g, stream);
}
