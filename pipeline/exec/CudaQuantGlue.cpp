// Glue between the executor's quantized ops and kernels/ (see CudaQuantGlue_p.h).
#include "pipeline/exec/CudaQuantGlue_p.h"

#include "kernels/QuantKernels.h"
#include "pipeline/common/Result.h"

#include <c10/core/DeviceGuard.h>

#include <cmath>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace autoglm::exec {

#ifdef AUTOGLM_HAVE_CUDA
namespace {

struct PackedW4 {
    at::Tensor sources[3]; // B, scales, zero points as given: kept alive so their addresses stay unique
    at::Tensor tiles, scales, zeros;
};

using CacheKey = std::tuple<const void*, const void*, const void*, int, int64_t, int64_t>;
std::mutex g_cacheMutex;
std::map<CacheKey, PackedW4> g_cache;

// Zero points as uint8 [N, blocks], or an empty vector when they are not integers in [0, 15] (then the kernel
// does not apply). Absent zero points are the symmetric 8, as in MatMulNBits.
std::optional<std::vector<uint8_t>> zeroPointCodes(const at::Tensor* zp, const at::Tensor& scales, int64_t n,
                                                   int64_t blocks) {
    std::vector<uint8_t> out(size_t(n * blocks), uint8_t(AUTOGLM_Q4_SYM_ZERO));
    if (!zp)
        return out;
    const at::Tensor z = zp->to(at::kCPU).contiguous();
    if (z.scalar_type() == at::kByte) {
        const int64_t rowBytes = (blocks * 4 + 7) / 8;
        if (z.numel() != n * rowBytes)
            return std::nullopt;
        const uint8_t* p = z.data_ptr<uint8_t>();
        for (int64_t r = 0; r < n; ++r)
            for (int64_t g = 0; g < blocks; ++g) {
                const uint8_t byte = p[r * rowBytes + g / 2];
                out[size_t(r * blocks + g)] = g % 2 == 0 ? (byte & 0xf) : (byte >> 4);
            }
        return out;
    }
    if (z.scalar_type() != scales.scalar_type() || z.numel() != n * blocks)
        return std::nullopt;
    const at::Tensor zf = z.to(at::kFloat);
    const float* p = zf.data_ptr<float>();
    for (int64_t i = 0; i < n * blocks; ++i) {
        if (!(p[i] >= 0.f && p[i] <= 15.f) || p[i] != std::nearbyint(p[i]))
            return std::nullopt;
        out[size_t(i)] = uint8_t(p[i]);
    }
    return out;
}

const PackedW4* packedWeight(const at::Tensor& b, const at::Tensor& scales, const at::Tensor* zp, int64_t n,
                             int64_t k, autoglm_dtype dtype, const at::Device& device) {
    const CacheKey key{b.data_ptr(), scales.data_ptr(), zp ? zp->data_ptr() : nullptr, int(dtype), n,
                       int64_t(device.index())};
    std::lock_guard<std::mutex> lock(g_cacheMutex);
    if (auto it = g_cache.find(key); it != g_cache.end())
        return &it->second;

    const int64_t blocks = autoglm_q4_groups(k);
    if (scales.numel() != n * blocks)
        return nullptr;
    const std::optional<std::vector<uint8_t>> zeros = zeroPointCodes(zp, scales, n, blocks);
    if (!zeros)
        return nullptr;
    const at::Tensor codes = b.to(at::kCPU).contiguous();
    const at::Tensor scalesF = scales.to(at::kCPU).to(at::kFloat).contiguous();
    const auto cpuBytes = at::TensorOptions().dtype(at::kByte);
    at::Tensor tiles = at::empty({autoglm_q4_tile_count(n, k) * int64_t(sizeof(autoglm_q4_tile))}, cpuBytes);
    at::Tensor packedScales = at::empty({autoglm_q4_param_count(n, k)}, at::TensorOptions().dtype(at::kShort));
    at::Tensor packedZeros = at::empty({autoglm_q4_param_count(n, k)}, cpuBytes);
    const autoglm_kstatus st = autoglm_w4_pack(
        dtype, n, k, reinterpret_cast<const autoglm_block_q4*>(codes.data_ptr<uint8_t>()), scalesF.data_ptr<float>(),
        zeros->data(), reinterpret_cast<autoglm_q4_tile*>(tiles.data_ptr<uint8_t>()),
        reinterpret_cast<uint16_t*>(packedScales.data_ptr<int16_t>()), packedZeros.data_ptr<uint8_t>());
    if (st != AUTOGLM_K_OK)
        return nullptr; // a non-finite scale: the CPU path reproduces what the model says
    PackedW4 packed{{b, scales, zp ? *zp : at::Tensor()}, tiles.to(device), packedScales.to(device),
                    packedZeros.to(device)};
    return &g_cache.emplace(key, std::move(packed)).first->second;
}

} // namespace
#endif

std::optional<at::Tensor> cudaMatMulNBits(const at::Tensor& a, const at::Tensor& b, const at::Tensor& scales,
                                          const at::Tensor* zeroPoints, int64_t n, int64_t k, int64_t bits,
                                          int64_t blockSize) {
#ifndef AUTOGLM_HAVE_CUDA
    (void)a, (void)b, (void)scales, (void)zeroPoints, (void)n, (void)k, (void)bits, (void)blockSize;
    return std::nullopt;
#else
    if (!a.is_cuda() || bits != 4 || blockSize != AUTOGLM_Q4_GROUP || b.scalar_type() != at::kByte ||
        b.numel() != n * autoglm_q4_groups(k) * (AUTOGLM_Q4_GROUP / 2) || a.size(-1) != k)
        return std::nullopt;
    const at::ScalarType type = a.scalar_type();
    if (type != at::kHalf && type != at::kBFloat16 && type != at::kFloat)
        return std::nullopt;
    const c10::DeviceGuard guard(a.device());
    if (autoglm_device_compute_capability() < 80)
        return std::nullopt;
    const autoglm_dtype dtype = type == at::kBFloat16 ? AUTOGLM_BF16 : AUTOGLM_F16;
    const PackedW4* w = packedWeight(b, scales, zeroPoints, n, k, dtype, a.device());
    if (!w)
        return std::nullopt;

    const at::Tensor x = a.to(dtype == AUTOGLM_BF16 ? at::kBFloat16 : at::kHalf).reshape({-1, k}).contiguous();
    at::Tensor y = at::empty({x.size(0), n}, x.options());
    const autoglm_w4_packed view{reinterpret_cast<const autoglm_q4_tile*>(w->tiles.data_ptr<uint8_t>()),
                                 reinterpret_cast<const uint16_t*>(w->scales.data_ptr<int16_t>()),
                                 w->zeros.data_ptr<uint8_t>(), n, k};
    const autoglm_kstatus st = autoglm_gemm_w4a16(dtype, x.data_ptr(), x.size(0), &view, y.data_ptr(), nullptr);
    if (st != AUTOGLM_K_OK)
        throw AutoglmError(std::string("CUDA W4A16 kernel failed: ") + autoglm_kstatus_name(st) + " (" +
                           autoglm_kernels_last_error() + ")");
    std::vector<int64_t> shape = a.sizes().vec();
    shape.back() = n;
    return y.reshape(shape).to(type);
#endif
}

void clearCudaQuantCache() {
#ifdef AUTOGLM_HAVE_CUDA
    std::lock_guard<std::mutex> lock(g_cacheMutex);
    g_cache.clear();
#endif
}

} // namespace autoglm::exec
