#include "pipeline/ir/DType.h"

#include <array>
#include <utility>

namespace autoglm {
namespace {

struct DTypeRow {
    DType type;
    const char* name;
    int64_t size;
};

constexpr std::array<DTypeRow, 17> kDTypes{{
    {DType::Undefined, "undefined", 0},
    {DType::Float, "float32", 4},
    {DType::UInt8, "uint8", 1},
    {DType::Int8, "int8", 1},
    {DType::UInt16, "uint16", 2},
    {DType::Int16, "int16", 2},
    {DType::Int32, "int32", 4},
    {DType::Int64, "int64", 8},
    {DType::String, "string", 0},
    {DType::Bool, "bool", 1},
    {DType::Float16, "float16", 2},
    {DType::Double, "float64", 8},
    {DType::UInt32, "uint32", 4},
    {DType::UInt64, "uint64", 8},
    {DType::Complex64, "complex64", 8},
    {DType::Complex128, "complex128", 16},
    {DType::BFloat16, "bfloat16", 2},
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

int64_t dtypeSize(DType type) {
    const DTypeRow* row = rowOf(type);
    return row ? row->size : 0;
}

std::optional<DType> dtypeFromName(const std::string& name) {
    for (const auto& row : kDTypes)
        if (name == row.name)
            return row.type;
    return std::nullopt;
}

} // namespace autoglm
