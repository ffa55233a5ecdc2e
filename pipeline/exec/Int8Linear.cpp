#include "pipeline/exec/Int8Linear_p.h"

#include <ATen/Parallel.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/native/quantized/PackedParams.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <tuple>

namespace autoglm::exec {
namespace {

using Packed = c10::intrusive_ptr<LinearPackedParamsBase>;

Packed prepack(const at::Tensor& weightRows, const at::Tensor& rowScales, const at::Tensor& bias) {
    static const auto op =
        c10::Dispatcher::singleton()
            .findSchemaOrThrow("quantized::linear_prepack", "")
            .typed<Packed(at::Tensor, c10::optional<at::Tensor>)>();
    const at::Tensor q = at::_make_per_channel_quantized_tensor(
        weightRows.contiguous(), rowScales.to(at::kDouble).contiguous(),
        at::zeros({weightRows.size(0)}, at::kLong), 0);
    return op.call(q, bias.defined() ? c10::optional<at::Tensor>(bias.to(at::kFloat).contiguous()) : c10::nullopt);
}

// The integer range of an 8-bit activation type.
std::pair<float, float> rangeOf(at::ScalarType type) {
    return type == at::kChar ? std::pair<float, float>{-128, 127} : std::pair<float, float>{0, 255};
}

// [rows + 2, K]: `fill` writes rows [0, rows) (the shifted integers as floats), then the two rows of the
// range's ends relative to the zero point, which pin apply_dynamic's input scale to 1.
template <typename Fill>
at::Tensor shiftedWithEnds(int64_t rows, int64_t k, float lo, float hi, Fill fill) {
    at::Tensor out = at::empty({rows + 2, k}, at::kFloat);
    float* data = out.data_ptr<float>();
    fill(data);
    std::fill(data + rows * k, data + (rows + 1) * k, lo);
    std::fill(data + (rows + 1) * k, data + (rows + 2) * k, hi);
    return out;
}

at::Tensor productRows(const Packed& packed, const at::Tensor& shifted, int64_t rows) {
    return packed->apply_dynamic(shifted, /*reduce_range=*/false).narrow(0, 0, rows);
}

std::vector<int64_t> outputShape(const at::Tensor& x, int64_t n) {
    std::vector<int64_t> shape = x.sizes().vec();
    shape.back() = n;
    return shape;
}

// Packed weights by (weight, scales, input scale bits, bias, layout); entries keep their tensors alive, so a
// key's addresses cannot be reused while it is cached.
using CacheKey = std::tuple<const void*, const void*, uint32_t, const void*, bool>;
struct CacheEntry {
    Packed packed;
    std::vector<at::Tensor> keptAlive;
};
std::mutex g_cacheMutex;
std::map<CacheKey, CacheEntry> g_cache;

template <typename Make>
Packed cachedPack(const CacheKey& key, std::vector<at::Tensor> sources, Make make) {
    std::lock_guard<std::mutex> lock(g_cacheMutex);
    if (auto it = g_cache.find(key); it != g_cache.end())
        return it->second.packed;
    Packed packed = make();
    g_cache.emplace(key, CacheEntry{packed, std::move(sources)});
    return packed;
}

const void* addressOf(const at::Tensor& t) {
    return t.defined() ? t.data_ptr() : nullptr;
}

// Values spread over [0, modulus) by a fixed formula: the probe must not draw from LibTorch's generator, whose
// sequence seeded runs depend on.
at::Tensor spread(int64_t rows, int64_t cols, int64_t modulus) {
    const at::Tensor i = at::arange(rows, at::kLong).unsqueeze(1);
    const at::Tensor j = at::arange(cols, at::kLong).unsqueeze(0);
    return (i * 7919 + j * 104729 + i * j * 31).remainder(modulus);
}

// Integer products at the types' extreme values and odd K, checked against float64.
bool probeExactness() {
    const int64_t m = 3, k = 301, n = 19;
    at::Tensor w = (spread(n, k, 255) - 127).to(at::kChar);
    w.select(0, 0).fill_(127);
    w.select(0, 1).fill_(-127);
    const Packed packed = prepack(w, at::ones({n}, at::kDouble), at::Tensor());
    for (const float zero : {0.0f, 128.0f, 255.0f}) {
        at::Tensor q = spread(m, k, 256).to(at::kFloat);
        q.select(0, 0).fill_(255);
        q.select(0, 1).fill_(0);
        const at::Tensor shiftedQ = q - zero;
        const at::Tensor shifted = shiftedWithEnds(m, k, -zero, 255 - zero, [&](float* d) {
            std::memcpy(d, shiftedQ.contiguous().data_ptr<float>(), sizeof(float) * m * k);
        });
        const at::Tensor got = productRows(packed, shifted, m).to(at::kDouble);
        const at::Tensor want = at::matmul(shiftedQ.to(at::kDouble), w.to(at::kDouble).t());
        // Below 2^24 every integer is a float32: the product must be exact.
        if (!at::equal(got, want))
            return false;
    }
    return true;
}

} // namespace

bool int8KernelsAvailable() {
    static const bool available = [] {
        try {
            const auto engines = at::globalContext().supportedQEngines();
            if (std::find(engines.begin(), engines.end(), at::QEngine::ONEDNN) == engines.end())
                return false;
            at::globalContext().setQEngine(at::QEngine::ONEDNN);
            return probeExactness();
        } catch (const std::exception&) {
            return false;
        }
    }();
    return available;
}

at::Tensor int8QuantizedLinear(const at::Tensor& x, float xScale, int64_t xZero, at::ScalarType zeroType,
                               const at::Tensor& w, const at::Tensor& wScale, const at::Tensor& bias,
                               bool weightRowsAreOutputs) {
    const int64_t k = x.size(-1);
    const int64_t n = weightRowsAreOutputs ? w.size(0) : w.size(1);
    uint32_t scaleBits = 0;
    std::memcpy(&scaleBits, &xScale, sizeof scaleBits);
    const CacheKey key{w.data_ptr(), wScale.data_ptr(), scaleBits, addressOf(bias), weightRowsAreOutputs};
    const Packed packed = cachedPack(key, {w, wScale, bias}, [&] {
        // The product's scale per output: input scale × weight scale, both float32 as DequantizeLinear has them.
        const at::Tensor scales = (wScale.to(at::kFloat).reshape({-1}).expand({n}) * xScale).contiguous();
        return prepack(weightRowsAreOutputs ? w : w.t(), scales, bias);
    });

    const auto [lo, hi] = rangeOf(zeroType);
    const float zero = static_cast<float>(xZero);
    const at::Tensor input = x.to(at::kFloat).contiguous();
    const int64_t rows = input.numel() / k;
    const float* in = input.data_ptr<float>();
    // QuantizeLinear's arithmetic (x / scale, saturated, rounded half to even) less the zero point; adding and
    // subtracting 1.5 · 2^23 rounds to the nearest integer in a form the compiler vectorizes.
    constexpr float kRound = 12582912.0f;
    const float low = lo - zero;
    const float high = hi - zero;
    const at::Tensor shifted = shiftedWithEnds(rows, k, low, high, [&](float* out) {
        at::parallel_for(0, rows * k, 1 << 14, [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i) {
                const float v = std::min(std::max(in[i] / xScale, low), high);
                out[i] = (v + kRound) - kRound;
            }
        });
    });
    return productRows(packed, shifted, rows).reshape(outputShape(x, n));
}

at::Tensor int8MatMulInteger(const at::Tensor& a, const at::Tensor& aZero, const at::Tensor& b) {
    const int64_t k = a.size(-1);
    const int64_t n = b.size(1);
    const CacheKey key{b.data_ptr(), nullptr, 0, nullptr, false};
    const Packed packed = cachedPack(key, {b}, [&] { return prepack(b.t(), at::ones({n}, at::kDouble), at::Tensor()); });

    const auto [lo, hi] = rangeOf(a.scalar_type());
    const float zero = aZero.defined() ? static_cast<float>(aZero.item<int64_t>()) : 0.0f;
    const at::Tensor input = a.to(at::kFloat).contiguous();
    const int64_t rows = input.numel() / k;
    const float* in = input.data_ptr<float>();
    const at::Tensor shifted = shiftedWithEnds(rows, k, lo - zero, hi - zero, [&](float* out) {
        at::parallel_for(0, rows * k, 1 << 14, [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i)
                out[i] = in[i] - zero;
        });
    });
    return at::round(productRows(packed, shifted, rows)).to(at::kInt).reshape(outputShape(a, n));
}

void clearInt8Cache() {
    std::lock_guard<std::mutex> lock(g_cacheMutex);
    g_cache.clear();
}

} // namespace autoglm::exec
