#pragma once
// Element types, numbered as ONNX's TensorProto.DataType so conversion is a cast.

#include <cstdint>
#include <optional>
#include <string>

namespace autoglm {

enum class DType : int32_t {
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
    Complex64 = 14,
    Complex128 = 15,
    BFloat16 = 16,
    // 17-20 are the float8 types, which we do not hold.
    UInt4 = 21,
    Int4 = 22,
};

std::string dtypeName(DType type);
// Bits per element; 0 for String and Undefined.
int64_t dtypeBits(DType type);
// Bytes per element; 0 for String, Undefined and the 4-bit types, whose elements are half a byte (use
// dtypeStorageBytes for byte counts of any type).
int64_t dtypeSize(DType type);
// Bytes that numel elements take when packed as ONNX stores them: 4-bit types two per byte, the last byte
// half-filled for odd counts.
int64_t dtypeStorageBytes(DType type, int64_t numel);
// Int4 and UInt4.
bool isSubByte(DType type);
std::optional<DType> dtypeFromName(const std::string& name);

} // namespace autoglm
