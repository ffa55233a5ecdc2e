// The float32 oracle on the GPU: a plain shared-memory tiled FFMA matmul, for shapes whose CPU reference
// would take minutes. Deliberately simple: no tensor cores, no tricks, so it can be trusted by reading it.
#include "kernels/QuantKernels.h"
#include "kernels/cuda/Common.cuh"

namespace autoglm::kernels::cuda {
namespace {

constexpr int kTile = 16;

__global__ void matmulF32(const float* __restrict__ x, const float* __restrict__ w, int m, int n, int k,
                          float* __restrict__ y) {
    __shared__ float sx[kTile][kTile + 1];
    __shared__ float sw[kTile][kTile + 1];
    const int row = blockIdx.y * kTile + threadIdx.y;
    const int col = blockIdx.x * kTile + threadIdx.x;
    float acc = 0.f;
    for (int k0 = 0; k0 < k; k0 += kTile) {
        const int kx = k0 + threadIdx.x;
        sx[threadIdx.y][threadIdx.x] = row < m && kx < k ? x[size_t(row) * k + kx] : 0.f;
        const int wrow = blockIdx.x * kTile + threadIdx.y;
        sw[threadIdx.y][threadIdx.x] = wrow < n && kx < k ? w[size_t(wrow) * k + kx] : 0.f;
        __syncthreads();
#pragma unroll
        for (int i = 0; i < kTile; ++i)
            acc = fmaf(sx[threadIdx.y][i], sw[threadIdx.x][i], acc);
        __syncthreads();
    }
    if (row < m && col < n)
        y[size_t(row) * n + col] = acc;
}

} // namespace
} // namespace autoglm::kernels::cuda

extern "C" autoglm_kstatus autoglm_check_matmul_f32(const float* x, const float* w, int64_t m, int64_t n, int64_t k,
                                                    float* y, autoglm_stream stream) {
    using namespace autoglm::kernels::cuda;
    if (!x || !w || !y || m < 0 || n <= 0 || k <= 0)
        return AUTOGLM_K_INVALID_ARGUMENT;
    if (m > 65535 * kTile || n > (1 << 30) || k > (1 << 30))
        return AUTOGLM_K_UNSUPPORTED_SHAPE;
    if (m == 0)
        return AUTOGLM_K_OK;
    if (const autoglm_kstatus s = requireCapability(50, "autoglm_check_matmul_f32"); s != AUTOGLM_K_OK)
        return s;
    const dim3 grid(unsigned((n + kTile - 1) / kTile), unsigned((m + kTile - 1) / kTile));
    matmulF32<<<grid, dim3(kTile, kTile), 0, toCuda(stream)>>>(x, w, int(m), int(n), int(k), y);
    return checkLaunch("matmulF32");
}
