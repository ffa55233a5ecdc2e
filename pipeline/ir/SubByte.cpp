#include "pipeline/ir/SubByte.h"

namespace autoglm {

std::pair<int, int> subByteRange(DType type) {
    return type == DType::Int4 ? std::pair{-8, 7} : std::pair{0, 15};
}

void packNibbles(const int8_t* values, int64_t count, uint8_t* packed) {
    for (int64_t i = 0; i < count; i += 2) {
        const auto low = static_cast<uint8_t>(values[i] & 0x0F);
        const auto high = static_cast<uint8_t>(i + 1 < count ? values[i + 1] & 0x0F : 0);
        packed[i / 2] = static_cast<uint8_t>(low | (high << 4));
    }
}

void unpackNibbles(const uint8_t* packed, int64_t count, bool isSigned, int8_t* values) {
    for (int64_t i = 0; i < count; ++i) {
        const int nibble = (packed[i / 2] >> (4 * (i % 2))) & 0x0F;
        values[i] = static_cast<int8_t>(isSigned && nibble >= 8 ? nibble - 16 : nibble);
    }
}

} // namespace autoglm
