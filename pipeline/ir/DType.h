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
};

std::string dtypeName(DType type);
// Bytes per element; 0 for String and Undefined.
int64_t dtypeSize(DType type);
std::optional<DType> dtypeFromName(const std::string& name);

} // namespace autoglm
