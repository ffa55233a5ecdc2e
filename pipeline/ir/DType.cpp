#include "pipeline/ir/DType.h"

#include <array>
#include <utility>

namespace autoglm {
namespace {

struct DTypeRow {
    DType type;
    const char* name;
    int64_t bits;
};

constexpr std::array<DTypeRow, 19> kDTypes{{
    {DType::Undefined, "undefined", 0},
    {DType::Float, "float32", 32},
    {DType::UInt8, "uint8", 8},
    {DType::Int8, "int8", 8},
    {DType::UInt16, "uint16", 16},
    {DType::Int16, "int16", 16},
    {DType::Int32, "int32", 32},
    {DType::Int64, "int64", 64},
    {DType::String, "string", 0},
    {DType::Bool, "bool", 8},
    {DType::Float16, "float16", 16},
    {DType::Double, "float64", 64},
    {DType::UInt32, "uint32", 32},
    {DType::UInt64, "uint64", 64},
    {DType::Complex64, "complex64", 64},
    {DType::Complex128, "complex128", 128},
    {DType::BFloat16, "bfloat16", 16},
    {DType::UInt4, "uint4", 4},
    {DType::Int4, "int4", 4},
}};

const DTypeRow* rowOf(DType type) {
    for (const auto& row : kDTypes)
        if (row.type == type)
            return &row;
    return nullptr;
}

} // namespace

std::string dtypeName(DType type) {
    const DTypeRow* row = rowOf(type);
    return row ? row->name : "dtype#" + std::to_string(static_cast<int>(type));
}

int64_t dtypeBits(DType type) {
    const DTypeRow* row = rowOf(type);
    return row ? row->bits : 0;
}

int64_t dtypeSize(DType type) {
    const int64_t bits = dtypeBits(type);
    return bits % 8 == 0 ? bits / 8 : 0;
}

int64_t dtypeStorageBytes(DType type, int64_t numel) {
    return (numel * dtypeBits(type) + 7) / 8;
}

bool isSubByte(DType type) {
    return type == DType::Int4 || type == DType::UInt4;
}

std::optional<DType> dtypeFromName(const std::string& name) {
    for (const auto& row : kDTypes)
        if (name == row.name)
            return row.type;
    return std::nullopt;
}

} // namespace autoglm
