// CPU reference versions of the quantization kernels: scalar, obvious, and the oracle the CUDA kernels are
// tested against. Rounding follows the kernels exactly where the kernels promise bit-identical results
// (activation quantization, the W8A8 epilogue, dequantization); sums are in double where they only promise
// float accuracy (W4A16).
#include "kernels/HalfBits.h"
#include "kernels/QuantKernels.h"

#include <algorithm>
#include <cmath>
#include <vector>

using namespace autoglm::kernels;

namespace {

float load(autoglm_dtype dtype, const void* p, int64_t i) {
    return dtypeToFloat(dtype, static_cast<const uint16_t*>(p)[i]);
}
void store(autoglm_dtype dtype, void* p, int64_t i, float v) { static_cast<uint16_t*>(p)[i] = floatToDtype(dtype, v); }

int code(const autoglm_block_q4* codes, int64_t groups, int64_t n, int64_t kk) {
    const uint8_t byte = codes[n * groups + kk / AUTOGLM_Q4_GROUP].qs[(kk % AUTOGLM_Q4_GROUP) / 2];
    return (kk % 2 == 0) ? (byte & 0xf) : (byte >> 4);
}

int zeroPoint(const uint8_t* zeros, int64_t groups, int64_t n, int64_t g) {
    return zeros ? zeros[n * groups + g] : AUTOGLM_Q4_SYM_ZERO;
}

// (code - zero) * scale: an integer of at most 5 bits times a float is exact in float, so rounding it to the
// dtype is the only rounding, as in the kernel's hsub2 + hmul2.
float dequantW4(autoglm_dtype dtype, const autoglm_block_q4* codes, const float* scales, const uint8_t* zeros,
                int64_t groups, int64_t n, int64_t kk) {
    const int64_t g = kk / AUTOGLM_Q4_GROUP;
    const float s = dtypeToFloat(dtype, floatToDtype(dtype, scales[n * groups + g])); // scale as packed
    return dtypeToFloat(dtype, floatToDtype(dtype, float(code(codes, groups, n, kk) - zeroPoint(zeros, groups, n, g)) * s));
}

} // namespace

extern "C" int autoglm_static_quant_valid(const autoglm_static_quant* p) {
    return p && std::isfinite(p->scale) && p->scale > 0.f && p->qmin <= p->zero && p->zero <= p->qmax &&
           p->qmin - p->shift >= -128 && p->qmax - p->shift <= 127;
}

// The kernel's arithmetic, step for step (float division, rint, float clamp), so the two agree bit for bit.
extern "C" void autoglm_quantize_act_static_i8_ref(autoglm_dtype dtype, const void* x, int64_t m, int64_t k,
                                                   const autoglm_static_quant* p, int8_t* q) {
    const int64_t ldk = autoglm_i8_row_stride(k);
    for (int64_t r = 0; r < m; ++r)
        for (int64_t c = 0; c < ldk; ++c) {
            if (c >= k) {
                q[r * ldk + c] = 0;
                continue;
            }
            const float v = dtype == AUTOGLM_F32 ? static_cast<const float*>(x)[r * k + c] : load(dtype, x, r * k + c);
            float t = std::nearbyint(v / p->scale);
            if (std::isnan(t))
                t = 0.f;
            t = std::min(float(p->qmax), std::max(float(p->qmin), t + float(p->zero)));
            q[r * ldk + c] = int8_t(int(t) - p->shift);
        }
}

extern "C" void autoglm_quantize_act_i8_ref(autoglm_dtype dtype, const void* x, int64_t m, int64_t k,
                                            const float* smooth_inv, int8_t* q, float* scales) {
    const int64_t ldk = autoglm_i8_row_stride(k);
    std::vector<float> v(size_t(std::max<int64_t>(k, 0)));
    for (int64_t r = 0; r < m; ++r) {
        float amax = 0.f;
        for (int64_t c = 0; c < k; ++c) {
            v[c] = load(dtype, x, r * k + c);
            if (smooth_inv)
                v[c] = v[c] * smooth_inv[c];
            amax = std::max(amax, std::fabs(v[c]));
        }
        const float inv = amax > 0.f ? 127.f / amax : 0.f;
        scales[r] = amax / 127.f;
        for (int64_t c = 0; c < ldk; ++c) {
            float t = c < k ? std::nearbyint(v[c] * inv) : 0.f;
            t = std::min(127.f, std::max(-127.f, t));
            q[r * ldk + c] = int8_t(t);
        }
    }
}

extern "C" void autoglm_gemm_w8a8_ex_ref(const autoglm_w8a8_gemm* g) {
    const int64_t ldk = autoglm_i8_row_stride(g->k);
    for (int64_t r = 0; r < g->m; ++r)
        for (int64_t c = 0; c < g->n; ++c) {
            // uint32 arithmetic: wraps like the GPU's int32 adds (signed overflow would be undefined here).
            uint32_t acc = g->col_offsets ? uint32_t(g->col_offsets[c]) : 0u;
            for (int64_t i = 0; i < g->k; ++i)
                acc += uint32_t(int32_t(g->a[r * ldk + i]) * int32_t(g->w[c * ldk + i]));
            const float v = (float(int32_t(acc)) * g->a_scales[r]) * g->w_scales[c];
            if (g->out == AUTOGLM_F32)
                static_cast<float*>(g->y)[r * g->n + c] = v;
            else
                store(g->out, g->y, r * g->n + c, v);
        }
}

extern "C" void autoglm_gemm_w8a8_ref(const int8_t* a, const float* a_scales, const int8_t* w, const float* w_scales,
                                      int64_t m, int64_t n, int64_t k, autoglm_dtype out, void* y) {
    const autoglm_w8a8_gemm g{AUTOGLM_GEMM_AUTO, a, a_scales, w, w_scales, nullptr, m, n, k, out, y};
    autoglm_gemm_w8a8_ex_ref(&g);
}

extern "C" void autoglm_dequant_w4_ref(autoglm_dtype dtype, int64_t n, int64_t k, const autoglm_block_q4* codes,
                                       const float* scales, const uint8_t* zeros, void* out) {
    const int64_t groups = autoglm_q4_groups(k);
    for (int64_t r = 0; r < n; ++r)
        for (int64_t c = 0; c < k; ++c)
            store(dtype, out, r * k + c, dequantW4(dtype, codes, scales, zeros, groups, r, c));
}

extern "C" void autoglm_dequant_w4_f32_ref(int64_t n, int64_t k, const autoglm_block_q4* codes, const float* scales,
                                           const uint8_t* zeros, float* out) {
    const int64_t groups = autoglm_q4_groups(k);
    for (int64_t r = 0; r < n; ++r)
        for (int64_t c = 0; c < k; ++c) {
            const int64_t g = c / AUTOGLM_Q4_GROUP;
            out[r * k + c] = float(code(codes, groups, r, c) - zeroPoint(zeros, groups, r, g)) * scales[r * groups + g];
        }
}

extern "C" void autoglm_gemm_w4a16_ref(autoglm_dtype dtype, const void* x, int64_t m, int64_t n, int64_t k,
                                       const autoglm_block_q4* codes, const float* scales, const uint8_t* zeros,
                                       void* y) {
    const int64_t groups = autoglm_q4_groups(k);
    std::vector<float> wrow(size_t(std::max<int64_t>(k, 0)));
    std::vector<float> xf(size_t(std::max<int64_t>(m * k, 0)));
    for (int64_t i = 0; i < m * k; ++i)
        xf[i] = load(dtype, x, i);
    for (int64_t c = 0; c < n; ++c) {
        for (int64_t i = 0; i < k; ++i)
            wrow[i] = dequantW4(dtype, codes, scales, zeros, groups, c, i);
        for (int64_t r = 0; r < m; ++r) {
            double acc = 0.0;
            for (int64_t i = 0; i < k; ++i)
                acc += double(xf[r * k + i]) * double(wrow[i]);
            store(dtype, y, r * n + c, float(acc));
        }
    }
}

extern "C" autoglm_kstatus autoglm_w4_pack(autoglm_dtype dtype, int64_t n, int64_t k, const autoglm_block_q4* codes,
                                           const float* scales, const uint8_t* zeros, autoglm_q4_tile* tiles_out,
                                           uint16_t* scales_out, uint8_t* zeros_out) {
    if (n <= 0 || k <= 0 || !codes || !scales || !tiles_out || !scales_out || (zeros && !zeros_out) ||
        (dtype != AUTOGLM_F16 && dtype != AUTOGLM_BF16))
        return AUTOGLM_K_INVALID_ARGUMENT;
    const int64_t groups = autoglm_q4_groups(k);
    const int64_t npad = autoglm_q4_padded_rows(n);
    for (int64_t r = 0; r < npad; ++r)
        for (int64_t g = 0; g < groups; ++g) {
            const int64_t p = autoglm_q4_param_index(r, g, groups);
            if (r >= n) {
                scales_out[p] = 0;
                if (zeros_out)
                    zeros_out[p] = AUTOGLM_Q4_SYM_ZERO;
                continue;
            }
            const float s = scales[r * groups + g];
            if (!std::isfinite(s))
                return AUTOGLM_K_INVALID_ARGUMENT;
            scales_out[p] = floatToDtype(dtype, s);
            if (zeros) {
                if (zeros[r * groups + g] > 15)
                    return AUTOGLM_K_INVALID_ARGUMENT;
                zeros_out[p] = zeros[r * groups + g];
            } else if (zeros_out) {
                zeros_out[p] = AUTOGLM_Q4_SYM_ZERO;
            }
        }
    for (int64_t tile = 0; tile < npad / AUTOGLM_Q4_TILE_ROWS; ++tile)
        for (int64_t g = 0; g < groups; ++g) {
            autoglm_q4_tile& out = tiles_out[tile * groups + g];
            for (int lane = 0; lane < 32; ++lane) {
                const int64_t r = tile * AUTOGLM_Q4_TILE_ROWS + lane / 4;
                const int t = lane % 4;
                for (int j = 0; j < 4; ++j) {
                    uint32_t word = 0;
                    for (int o = 0; o < 8; ++o) {
                        const int64_t kk = g * AUTOGLM_Q4_GROUP + 32 * j + 8 * t + o;
                        // Rows past N hold code 8 with scale 0; codes past K are copied (x is zero there).
                        const uint32_t c = r < n ? uint32_t(code(codes, groups, r, kk)) : 8u;
                        word |= c << (4 * (o / 2 + 4 * (o % 2)));
                    }
                    out.lane[lane].w[j] = word;
                }
            }
        }
    return AUTOGLM_K_OK;
}

extern "C" void autoglm_dequant_i8_ref(autoglm_dtype dtype, const int8_t* q, const float* scales, int64_t rows,
                                       int64_t k, void* out) {
    const int64_t ldk = autoglm_i8_row_stride(k);
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < k; ++c)
            store(dtype, out, r * k + c, float(q[r * ldk + c]) * scales[r]);
}
