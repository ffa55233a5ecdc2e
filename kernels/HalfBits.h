#pragma once
// Host conversions between float and fp16 / bf16 bit patterns, round to nearest even (what the GPU's
// __float2half_rn / __float2bfloat16_rn do), so the CPU references round exactly as the kernels do.

#include <cstdint>
#include <cstring>

namespace autoglm::kernels {

inline float bitsToFloat(uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
inline uint32_t floatToBits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}

inline float bf16ToFloat(uint16_t h) { return bitsToFloat(uint32_t(h) << 16); }
inline uint16_t floatToBf16(float f) {
    const uint32_t u = floatToBits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) // NaN stays a (quiet) NaN
        return uint16_t((u >> 16) | 0x40);
    return uint16_t((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

inline float halfToFloat(uint16_t h) {
    const uint32_t sign = uint32_t(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t mant = h & 0x3ffu;
    if (exp == 0x1f)
        return bitsToFloat(sign | 0x7f800000u | (mant << 13));
    if (exp == 0) {
        if (mant == 0)
            return bitsToFloat(sign);
        // subnormal: normalize
        int e = -1;
        do {
            ++e;
            mant <<= 1;
        } while ((mant & 0x400u) == 0);
        mant &= 0x3ffu;
        return bitsToFloat(sign | uint32_t(127 - 15 - e) << 23 | (mant << 13));
    }
    return bitsToFloat(sign | (exp + 112u) << 23 | (mant << 13));
}

inline uint16_t floatToHalf(float f) {
    const uint32_t u = floatToBits(f);
    const uint16_t sign = uint16_t((u >> 16) & 0x8000u);
    const uint32_t a = u & 0x7fffffffu;
    if (a > 0x7f800000u)
        return uint16_t(sign | 0x7e00u);
    if (a >= 0x477ff000u) // rounds to >= 65520: infinity
        return uint16_t(sign | 0x7c00u);
    if (a < 0x38800000u) { // below the smallest normal half (2^-14): subnormal or zero
        // Scale into the subnormal range with an exact float add, which rounds to nearest even for us.
        const float r = bitsToFloat(a) + 0.5f; // 0.5 = 2^-1: ulp there is 2^-24, the half subnormal step
        return uint16_t(sign | (floatToBits(r) - 0x3f000000u));
    }
    const uint32_t mantOdd = (a >> 13) & 1u;
    const uint32_t r = a + 0xfffu + mantOdd - (112u << 23);
    return uint16_t(sign | (r >> 13));
}

inline float dtypeToFloat(int dtype, uint16_t bits) { return dtype == 0 ? halfToFloat(bits) : bf16ToFloat(bits); }
inline uint16_t floatToDtype(int dtype, float f) { return dtype == 0 ? floatToHalf(f) : floatToBf16(f); }

} // namespace autoglm::kernels
