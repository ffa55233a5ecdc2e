#pragma once
// Quantized weight and activation layouts, defined once for the C++ reference code, the CUDA kernels and the
// executor's glue (ggml style: each block a struct with a static_assert on its size).
//
// int4, group-wise along K (group 128), for W4A16:
//   logical  - what the quantization pass and ONNX Runtime's MatMulNBits (bits 4, block_size 128) hold:
//              codes[N][G] blocks of 64 bytes, element k = 128 g + i in byte i / 2, low nibble for even i;
//              scales[N][G] (float); zero points[N][G] uint8 in [0, 15] or none (symmetric: zero point 8).
//              W[n][k] = (code - zero) * scale.  G = ceil(K / 128); codes past K in the last group are ignored.
//   packed   - the order the W4A16 kernel reads, made once offline by autoglm_w4_pack (kernels/QuantKernels.h):
//              tiles of 8 output rows x one group (512 bytes), tile (n / 8) * G + g, so that one warp reads one
//              tile with 32 coalesced 16-byte loads. Lane L = 4 r + t (row r = n % 8, t = 0..3) owns 16 bytes,
//              words j = 0..3; word j holds the codes of k = 128 g + 32 j + 8 t + o, o = 0..7, at nibble
//              (o / 2) + 4 (o % 2): a mask-and-or with 0x000F000F / 0x64006400 then turns nibbles (p, p + 4)
//              into the fp16 pair (1024 + code(o = 2p), 1024 + code(o = 2p + 1)) without any conversion
//              instruction, and each pair is exactly an mma.sync m16n8k16 B-fragment register. The A operand
//              uses the same k permutation, so each thread's A values are 16 contiguous bytes as well.
//              Scales (activation dtype bits) and zero points (uint8) are [Npad / 8][G][8], Npad = ceil(N/8)*8;
//              padded rows have scale 0.
//
// int8, per output channel / per token, for W8A8:
//   weights  w[N][ldk] int8 with float scales[N]; activations q[M][ldk] int8 with float scales[M];
//   ldk = autoglm_i8_row_stride(K) (K rounded up to 16, padding bytes zero) so every row starts on a 16-byte
//   boundary for cp.async. Value = int * scale.

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AUTOGLM_Q4_GROUP 128
#define AUTOGLM_Q4_TILE_ROWS 8
#define AUTOGLM_Q4_SYM_ZERO 8

typedef struct autoglm_block_q4 {
    uint8_t qs[AUTOGLM_Q4_GROUP / 2];
} autoglm_block_q4;

typedef struct autoglm_q4_lane {
    uint32_t w[4];
} autoglm_q4_lane;

typedef struct autoglm_q4_tile {
    autoglm_q4_lane lane[32];
} autoglm_q4_tile;

// A packed int4 weight on the device (or the host, for the dequantize reference).
typedef struct autoglm_w4_packed {
    const autoglm_q4_tile* tiles; // [Npad / 8 * G]
    const uint16_t* scales;       // [Npad / 8 * G * 8], bits of the activation dtype
    const uint8_t* zeros;         // same indexing; NULL for symmetric weights (zero point 8)
    int64_t n;                    // logical N (output features)
    int64_t k;                    // logical K (input features)
} autoglm_w4_packed;

#ifdef __cplusplus
}
static_assert(sizeof(autoglm_block_q4) == 64, "one int4 group of 128 codes is 64 bytes");
static_assert(sizeof(autoglm_q4_lane) == 16, "a lane reads one 16-byte vector");
static_assert(sizeof(autoglm_q4_tile) == 512, "a tile is 8 rows x 128 codes");
#else
_Static_assert(sizeof(autoglm_block_q4) == 64, "one int4 group of 128 codes is 64 bytes");
_Static_assert(sizeof(autoglm_q4_tile) == 512, "a tile is 8 rows x 128 codes");
#endif

#if defined(__CUDACC__)
#define AUTOGLM_HD __host__ __device__ inline
#else
#define AUTOGLM_HD static inline
#endif

AUTOGLM_HD int64_t autoglm_q4_groups(int64_t k) { return (k + AUTOGLM_Q4_GROUP - 1) / AUTOGLM_Q4_GROUP; }
AUTOGLM_HD int64_t autoglm_q4_padded_rows(int64_t n) {
    return (n + AUTOGLM_Q4_TILE_ROWS - 1) / AUTOGLM_Q4_TILE_ROWS * AUTOGLM_Q4_TILE_ROWS;
}
// Number of tiles and of per-group parameters (scales, zero points) of a packed N x K weight.
AUTOGLM_HD int64_t autoglm_q4_tile_count(int64_t n, int64_t k) {
    return autoglm_q4_padded_rows(n) / AUTOGLM_Q4_TILE_ROWS * autoglm_q4_groups(k);
}
AUTOGLM_HD int64_t autoglm_q4_param_count(int64_t n, int64_t k) {
    return autoglm_q4_padded_rows(n) * autoglm_q4_groups(k);
}
// Index of (n, g) in the packed scales / zero points.
AUTOGLM_HD int64_t autoglm_q4_param_index(int64_t n, int64_t g, int64_t groups) {
    return ((n / AUTOGLM_Q4_TILE_ROWS) * groups + g) * AUTOGLM_Q4_TILE_ROWS + n % AUTOGLM_Q4_TILE_ROWS;
}
// Row stride of int8 operands.
AUTOGLM_HD int64_t autoglm_i8_row_stride(int64_t k) { return (k + 15) / 16 * 16; }
