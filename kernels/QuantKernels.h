#pragma once
// Quantization kernels: CUDA entry points (Marlin style: raw pointers + stream, a status code back) and their
// CPU `_ref` versions, the correctness oracle that also runs where there is no GPU. Layouts: QuantLayouts.h.
// All device pointers must be cudaMalloc'ed (16-byte aligned); int64 sizes must fit in int32 on the device.
// Without CUDA compiled in, the CUDA entry points return AUTOGLM_K_NOT_COMPILED.

#include "kernels/KernelApi.h"
#include "kernels/QuantLayouts.h"

#ifdef __cplusplus
extern "C" {
#endif

// ---- (a) per-token dynamic activation quantization --------------------------------------------------------
// x[M][K] (fp16/bf16) -> q[M][autoglm_i8_row_stride(K)] int8 and scales[M] float, per row:
//   v = x * smooth_inv[k] (SmoothQuant's division by s, given as 1/s; smooth_inv may be NULL),
//   scale = max|v| / 127, q = round_half_even(v * (127 / max|v|)); a row of zeros gets scale 0 and q 0.
// The padding bytes of each q row are written as 0.
autoglm_kstatus autoglm_quantize_act_i8(autoglm_dtype dtype, const void* x, int64_t m, int64_t k,
                                        const float* smooth_inv, int8_t* q, float* scales, autoglm_stream stream);
void autoglm_quantize_act_i8_ref(autoglm_dtype dtype, const void* x, int64_t m, int64_t k, const float* smooth_inv,
                                 int8_t* q, float* scales);

// Static (calibrated) activation quantization, a QDQ model's QuantizeLinear with one scale and zero point:
// x[M][K] (fp16 / bf16 / fp32) -> q[M][autoglm_i8_row_stride(K)] int8, element by element
//   q = clamp(round_half_even(x / scale) + zero, qmin, qmax) - shift,
// x / scale a float32 division (QuantizeLinear's arithmetic), NaN quantized to the zero point. uint8 codes
// (qmin 0, qmax 255) reach the int8 GEMM shifted by 128, int8 codes by 0: qmin - shift and qmax - shift must
// lie in [-128, 127], qmin <= zero <= qmax, the scale finite and > 0. The padding bytes are written as 0.
typedef struct autoglm_static_quant {
    float scale;
    int32_t zero, qmin, qmax, shift;
} autoglm_static_quant;
autoglm_kstatus autoglm_quantize_act_static_i8(autoglm_dtype dtype, const void* x, int64_t m, int64_t k,
                                               const autoglm_static_quant* params, int8_t* q, autoglm_stream stream);
void autoglm_quantize_act_static_i8_ref(autoglm_dtype dtype, const void* x, int64_t m, int64_t k,
                                        const autoglm_static_quant* params, int8_t* q);
// Whether `params` is one the static quantization accepts (the checks above).
int autoglm_static_quant_valid(const autoglm_static_quant* params);

// ---- (b) W8A8 GEMM ---------------------------------------------------------------------------------------------
// y[M][N] = (sum_k a[m][k] * w[n][k]) * a_scales[m] * w_scales[n], rounded once to `out` (fp16 / bf16, or fp32
// for float32 models: y then 8-byte aligned); the int32 sum is exact, the float epilogue is
// (float(sum) * a_scale) * w_scale, so GPU and _ref agree bit for bit.
// a: [M][ldk], w: [N][ldk] int8, ldk = autoglm_i8_row_stride(K), padding zero. Needs sm_80. The variant is
// chosen from the device: wgmma + TMA on compute capability 9.0 (when the build has sm_90a code), mma.sync
// elsewhere.
autoglm_kstatus autoglm_gemm_w8a8(const int8_t* a, const float* a_scales, const int8_t* w, const float* w_scales,
                                  int64_t m, int64_t n, int64_t k, autoglm_dtype out, void* y, autoglm_stream stream);
void autoglm_gemm_w8a8_ref(const int8_t* a, const float* a_scales, const int8_t* w, const float* w_scales, int64_t m,
                           int64_t n, int64_t k, autoglm_dtype out, void* y);

// The general form: the variant named (tests and benchmarks compare them) and optional per-column int32
// offsets added to each sum before the scales, y = float(sum + col_offsets[n]) * a_scale * w_scale. Offsets
// are how activations with a zero point run exactly: for uint8 codes q with zero point z, a = q - 128 fits
// int8 and sum_k (q - z) w = sum_k a w + (128 - z) sum_k w. Integer arithmetic wraps, so the result is exact
// whenever the true sum fits in int32.
typedef enum autoglm_gemm_path {
    AUTOGLM_GEMM_AUTO = 0,
    AUTOGLM_GEMM_MMA_SYNC = 1, // sm_80+
    AUTOGLM_GEMM_WGMMA = 2     // compute capability 9.0 with sm_90a code; else AUTOGLM_K_UNSUPPORTED_DEVICE
} autoglm_gemm_path;
typedef struct autoglm_w8a8_gemm {
    autoglm_gemm_path path;
    const int8_t* a;            // [M][ldk]
    const float* a_scales;      // [M]
    const int8_t* w;            // [N][ldk]
    const float* w_scales;      // [N]
    const int32_t* col_offsets; // [N] or NULL
    int64_t m, n, k;
    autoglm_dtype out;
    void* y; // [M][N] in `out`
} autoglm_w8a8_gemm;
autoglm_kstatus autoglm_gemm_w8a8_ex(const autoglm_w8a8_gemm* gemm, autoglm_stream stream);
void autoglm_gemm_w8a8_ex_ref(const autoglm_w8a8_gemm* gemm); // host pointers; `path` is ignored

// ---- (c) W4A16 group-wise GEMM ---------------------------------------------------------------------------------
// y[M][N] = x[M][K] . dequant(W)^T with dequant(W)[n][k] = round_to_dtype((code - zero) * scale) and float
// accumulation; x and y in `dtype`, x rows contiguous (stride K). Any M >= 1 (tuned for 1..256); needs sm_80.
// The packed weight's scales must be in the same dtype as x.
autoglm_kstatus autoglm_gemm_w4a16(autoglm_dtype dtype, const void* x, int64_t m, const autoglm_w4_packed* w, void* y,
                                   autoglm_stream stream);
// Reference on the *logical* layout (so it also checks autoglm_w4_pack); zeros may be NULL (symmetric).
void autoglm_gemm_w4a16_ref(autoglm_dtype dtype, const void* x, int64_t m, int64_t n, int64_t k,
                            const autoglm_block_q4* codes, const float* scales, const uint8_t* zeros, void* y);

// Offline pre-pack (host memory): logical layout -> packed. tiles: autoglm_q4_tile_count(n, k) tiles; scales_out
// and zeros_out: autoglm_q4_param_count(n, k) entries (zeros_out may be NULL when zeros is NULL). Scales are
// rounded to `dtype` here, once. Fails on a zero point over 15 or a non-finite scale.
autoglm_kstatus autoglm_w4_pack(autoglm_dtype dtype, int64_t n, int64_t k, const autoglm_block_q4* codes,
                                const float* scales, const uint8_t* zeros, autoglm_q4_tile* tiles_out,
                                uint16_t* scales_out, uint8_t* zeros_out);

// ---- (d) dequantize, for checks -------------------------------------------------------------------------------
// Packed int4 -> out[N][K] in dtype (bit-identical to autoglm_dequant_w4_ref on the logical layout).
autoglm_kstatus autoglm_dequant_w4(autoglm_dtype dtype, const autoglm_w4_packed* w, void* out, autoglm_stream stream);
void autoglm_dequant_w4_ref(autoglm_dtype dtype, int64_t n, int64_t k, const autoglm_block_q4* codes,
                            const float* scales, const uint8_t* zeros, void* out);
// Same in float32, without rounding to a dtype (the "fp32 matmul of the dequantized weights" oracle).
void autoglm_dequant_w4_f32_ref(int64_t n, int64_t k, const autoglm_block_q4* codes, const float* scales,
                                const uint8_t* zeros, float* out);
// int8 [rows][ldk] with per-row float scales -> out[rows][K] in dtype: round_to_dtype(q * scale).
autoglm_kstatus autoglm_dequant_i8(autoglm_dtype dtype, const int8_t* q, const float* scales, int64_t rows, int64_t k,
                                   void* out, autoglm_stream stream);
void autoglm_dequant_i8_ref(autoglm_dtype dtype, const int8_t* q, const float* scales, int64_t rows, int64_t k,
                            void* out);

// ---- oracle on the GPU, for shapes too large for the CPU reference ---------------------------------------------
// y[M][N] = x[M][K] . w[N][K]^T in float32 (plain FFMA, no tensor cores): slow, simple, trusted.
autoglm_kstatus autoglm_check_matmul_f32(const float* x, const float* w, int64_t m, int64_t n, int64_t k, float* y,
                                         autoglm_stream stream);

#ifdef __cplusplus
}
#endif
