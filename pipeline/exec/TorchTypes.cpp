#include "pipeline/exec/TorchTypes.h"

#include "pipeline/common/Result.h"

namespace autoglm {

std::optional<at::ScalarType> torchType(DType type) {
    switch (type) {
    case DType::Float:
        return at::kFloat;
    case DType::UInt8:
        return at::kByte;
    case DType::Int8:
        return at::kChar;
    case DType::Int16:
        return at::kShort;
    case DType::Int32:
        return at::kInt;
    case DType::Int64:
        return at::kLong;
    case DType::Bool:
        return at::kBool;
    case DType::Float16:
        return at::kHalf;
    case DType::Double:
        return at::kDouble;
    case DType::BFloat16:
        return at::kBFloat16;
    case DType::Complex64:
        return at::kComplexFloat;
    case DType::Complex128:
        return at::kComplexDouble;
    default:
        return std::nullopt;
    }
}

std::optional<at::ScalarType> storageTorchType(DType type) {
    if (type == DType::Int4)
        return at::kChar;
    if (type == DType::UInt4)
        return at::kByte;
    return torchType(type);
}

at::ScalarType requireTorchType(DType type, const std::string& context) {
    if (auto t = torchType(type))
        return *t;
    throw UnsupportedError(context + ": element type " + dtypeName(type) + " is not supported by the executor");
}

DType dtypeFromTorch(at::ScalarType type) {
    switch (type) {
    case at::kFloat:
        return DType::Float;
    case at::kByte:
        return DType::UInt8;
    case at::kChar:
        return DType::Int8;
    case at::kShort:
        return DType::Int16;
    case at::kInt:
        return DType::Int32;
    case at::kLong:
        return DType::Int64;
    case at::kBool:
        return DType::Bool;
    case at::kHalf:
        return DType::Float16;
    case at::kDouble:
        return DType::Double;
    case at::kBFloat16:
        return DType::BFloat16;
    case at::kComplexFloat:
        return DType::Complex64;
    case at::kComplexDouble:
        return DType::Complex128;
    default:
        return DType::Undefined;
    }
}

} // namespace autoglm
