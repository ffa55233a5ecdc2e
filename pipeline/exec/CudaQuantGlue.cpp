// Glue between the executor's quantized ops and kernels/ (see CudaQuantGlue_p.h).
#include "pipeline/exec/CudaQuantGlue_p.h"

#include "kernels/QuantKernels.h"
#include "pipeline/common/Result.h"

#include <c10/core/DeviceGuard.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
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

// A static W8A8 weight as the kernel reads it: [N][ldk] int8 rows, float scales [N], int32 offsets [N] that
// carry the activation zero point (see cudaQuantizedLinear).
struct PreparedW8 {
    at::Tensor sources[2]; // weight and scale as given, kept alive so their addresses stay unique
    at::Tensor rows, scales, offsets;
};
using W8Key = std::tuple<const void*, const void*, int64_t, bool, int64_t>;
std::map<W8Key, PreparedW8> g_w8Cache;
std::map<std::pair<int64_t, float>, at::Tensor> g_rowScales; // see rowScales

std::atomic<int64_t> g_w4Calls{0}, g_w4DequantCalls{0}, g_w8Calls{0};

// Rows (tokens) up to which the W4A16 GEMM kernel beats dequantize + cuBLAS fp16. H100, 4096 x 4096
// (kernels/README.md): the streaming kernel takes 7.9 us at M = 16 and 10.9 us at M = 32 against cuBLAS's
// 15.4 / 13.7 us alone; past 32 rows the tiled kernel runs (29.6 us at M = 64 against cuBLAS's 13.9 us plus
// ~10 us to dequantize: 8 MB read, 32 MB written).
constexpr int64_t kW4KernelMaxRows = 32;

void throwOnKernelFailure(autoglm_kstatus st, const char* kernel) {
    if (st != AUTOGLM_K_OK)
        throw AutoglmError(std::string("CUDA ") + kernel + " kernel failed: " + autoglm_kstatus_name(st) + " (" +
                           autoglm_kernels_last_error() + ")");
}

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
    const autoglm_w4_packed view{reinterpret_cast<const autoglm_q4_tile*>(w->tiles.data_ptr<uint8_t>()),
                                 reinterpret_cast<const uint16_t*>(w->scales.data_ptr<int16_t>()),
                                 w->zeros.data_ptr<uint8_t>(), n, k};
    at::Tensor y;
    if (x.size(0) <= kW4KernelMaxRows) {
        y = at::empty({x.size(0), n}, x.options());
        throwOnKernelFailure(autoglm_gemm_w4a16(dtype, x.data_ptr(), x.size(0), &view, y.data_ptr(), nullptr),
                             "W4A16");
        ++g_w4Calls;
    } else {
        // Prefill-sized M: the weight is dequantized per call (never kept: the int4 copy is what saves memory)
        // and the product runs on LibTorch's cuBLAS.
        at::Tensor dense = at::empty({n, k}, x.options());
        throwOnKernelFailure(autoglm_dequant_w4(dtype, &view, dense.data_ptr(), nullptr), "int4 dequantize");
        y = at::matmul(x, dense.t());
        ++g_w4DequantCalls;
    }
    std::vector<int64_t> shape = a.sizes().vec();
    shape.back() = n;
    return y.reshape(shape).to(type);
#endif
}

#ifdef AUTOGLM_HAVE_CUDA
namespace {

// Codes of an activation type enter the kernel shifted into int8: uint8 by -128, int8 unchanged.
int64_t codeShift(at::ScalarType zeroType) {
    return zeroType == at::kByte ? 128 : 0;
}

const PreparedW8* preparedWeight(const at::Tensor& w, const at::Tensor& wScale, int64_t zero, at::ScalarType zeroType,
                                 bool rowsAreOutputs, int64_t n, int64_t k, const at::Device& device) {
    const W8Key key{w.data_ptr(), wScale.data_ptr(), zero - codeShift(zeroType), rowsAreOutputs,
                    int64_t(device.index())};
    std::lock_guard<std::mutex> lock(g_cacheMutex);
    if (auto it = g_w8Cache.find(key); it != g_w8Cache.end())
        return &it->second;
    const int64_t ldk = autoglm_i8_row_stride(k);
    const at::Tensor rows = (rowsAreOutputs ? w : w.t()).to(at::kCPU).to(at::kChar).contiguous(); // [N, K]
    const at::Tensor padded = at::constant_pad_nd(rows, {0, ldk - k}).contiguous();
    // sum_k (q - z) w = sum_k (q - shift) w + (shift - z) sum_k w: the second term is one int32 per column.
    const at::Tensor offsets = (rows.to(at::kLong).sum(1) * (codeShift(zeroType) - zero)).to(at::kInt);
    const at::Tensor scales = wScale.to(at::kCPU).to(at::kFloat).reshape({-1}).expand({n}).contiguous();
    PreparedW8 prepared{{w, wScale}, padded.to(device), scales.to(device), offsets.to(device)};
    return &g_w8Cache.emplace(key, std::move(prepared)).first->second;
}

// The per-row activation scales the W8A8 kernel reads, all equal to a layer's static scale: kept per (device,
// scale) and grown to the largest row count seen, so a layer launches no fill kernel per call. Later uses of
// a replaced tensor are ordered after earlier kernels by the stream, as for any LibTorch allocation.
at::Tensor rowScales(float scale, int64_t rows, const at::Device& device) {
    std::lock_guard<std::mutex> lock(g_cacheMutex);
    at::Tensor& t = g_rowScales[{int64_t(device.index()), scale}];
    if (!t.defined() || t.size(0) < rows)
        t = at::full({std::max<int64_t>(rows, 64)}, scale, at::TensorOptions().device(device).dtype(at::kFloat));
    return t.narrow(0, 0, rows);
}

} // namespace
#endif

std::optional<at::Tensor> cudaQuantizedLinear(const at::Tensor& x, float xScale, int64_t zero, at::ScalarType zeroType,
                                              int64_t zeroCount, const at::Tensor& w, const at::Tensor& wScale,
                                              const at::Tensor& bias, bool weightRowsAreOutputs) {
#ifndef AUTOGLM_HAVE_CUDA
    (void)x, (void)xScale, (void)zero, (void)zeroType, (void)zeroCount, (void)w, (void)wScale, (void)bias,
        (void)weightRowsAreOutputs;
    return std::nullopt;
#else
    const int64_t k = x.dim() ? x.size(-1) : 0;
    const at::ScalarType xType = x.scalar_type();
    const bool xTypeTaken =
        xType == at::kHalf || xType == at::kBFloat16 || xType == at::kFloat || xType == at::kDouble;
    if (!x.is_cuda() || !xTypeTaken || k == 0 || k > 65536 || w.dim() != 2 ||
        (zeroType != at::kByte && zeroType != at::kChar) || zeroCount != 1 || !std::isfinite(xScale) ||
        xScale <= 0.f)
        return std::nullopt;
    const int64_t n = weightRowsAreOutputs ? w.size(0) : w.size(1);
    if ((weightRowsAreOutputs ? w.size(1) : w.size(0)) != k)
        return std::nullopt;
    const c10::DeviceGuard guard(x.device());
    if (autoglm_device_compute_capability() < 80)
        return std::nullopt;
    // QuantizeLinear's arithmetic (x / scale in float32, rounded half to even, plus the zero point, saturated)
    // in one kernel that also shifts uint8 codes into int8 and pads rows to the GEMM's stride.
    const autoglm_static_quant params{xScale, int32_t(zero), zeroType == at::kByte ? 0 : -128,
                                      zeroType == at::kByte ? 255 : 127, int32_t(codeShift(zeroType))};
    if (!autoglm_static_quant_valid(&params))
        return std::nullopt;
    const PreparedW8* prepared = preparedWeight(w, wScale, zero, zeroType, weightRowsAreOutputs, n, k, x.device());
    const at::Tensor rowsIn =
        (x.scalar_type() == at::kDouble ? x.to(at::kFloat) : x).reshape({-1, k}).contiguous();
    const autoglm_dtype inType = rowsIn.scalar_type() == at::kHalf       ? AUTOGLM_F16
                                 : rowsIn.scalar_type() == at::kBFloat16 ? AUTOGLM_BF16
                                                                         : AUTOGLM_F32;
    const int64_t m = rowsIn.size(0);
    const at::Tensor a = at::empty({m, autoglm_i8_row_stride(k)}, x.options().dtype(at::kChar));
    throwOnKernelFailure(
        autoglm_quantize_act_static_i8(inType, rowsIn.data_ptr(), m, k, &params, a.data_ptr<int8_t>(), nullptr),
        "static activation quantization");
    const at::Tensor aScales = rowScales(xScale, m, x.device());
    // The output keeps the activation's precision: a float32 (or float64) model gets float32 from the epilogue,
    // not values rounded to half on the way; a half model gets half.
    const at::Tensor y = at::empty({m, n}, x.options().dtype(rowsIn.scalar_type()));
    const autoglm_w8a8_gemm gemm{AUTOGLM_GEMM_AUTO,
                                 a.data_ptr<int8_t>(),
                                 aScales.data_ptr<float>(),
                                 prepared->rows.data_ptr<int8_t>(),
                                 prepared->scales.data_ptr<float>(),
                                 prepared->offsets.data_ptr<int32_t>(),
                                 m,
                                 n,
                                 k,
                                 inType,
                                 y.data_ptr()};
    throwOnKernelFailure(autoglm_gemm_w8a8_ex(&gemm, nullptr), "W8A8");
    ++g_w8Calls;
    at::Tensor out = y.to(x.scalar_type());
    if (bias.defined())
        out = out + bias.to(out.device()).to(out.scalar_type()).reshape({n});
    std::vector<int64_t> shape = x.sizes().vec();
    shape.back() = n;
    return out.reshape(shape);
#endif
}

bool cudaQuantKernelsUsable() {
#ifdef AUTOGLM_HAVE_CUDA
    return autoglm_device_probe() == AUTOGLM_K_OK && autoglm_device_compute_capability() >= 80;
#else
    return false;
#endif
}

CudaKernelCalls cudaQuantKernelCalls() {
#ifdef AUTOGLM_HAVE_CUDA
    return {g_w4Calls.load(), g_w4DequantCalls.load(), g_w8Calls.load()};
#else
    return {};
#endif
}

void clearCudaQuantCache() {
#ifdef AUTOGLM_HAVE_CUDA
    std::lock_guard<std::mutex> lock(g_cacheMutex);
    g_cache.clear();
    g_w8Cache.clear();
    g_rowScales.clear();
#endif
}

} // namespace autoglm::exec
