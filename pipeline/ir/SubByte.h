#pragma once
// ONNX's packing of 4-bit elements: two per byte, the first element in the low nibble, the last byte's high
// nibble zero when the count is odd. The IR holds such tensors unpacked (one value per byte, see TensorData);
// these convert at the file boundary. Torch-free, on raw bytes.

#include "pipeline/ir/DType.h"

#include <cstdint>
#include <utility>

namespace autoglm {

// The values a 4-bit type holds: [-8, 7] for Int4, [0, 15] for UInt4.
std::pair<int, int> subByteRange(DType type);

// Packs count values into (count + 1) / 2 bytes, keeping each value's low 4 bits (two's complement for Int4).
void packNibbles(const int8_t* values, int64_t count, uint8_t* packed);

// Unpacks count values from (count + 1) / 2 bytes; with isSigned each nibble is sign-extended (Int4).
void unpackNibbles(const uint8_t* packed, int64_t count, bool isSigned, int8_t* values);

} // namespace autoglm
