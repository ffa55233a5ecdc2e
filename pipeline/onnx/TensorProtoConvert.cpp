#include "pipeline/onnx/TensorProtoConvert.h"

#include "pipeline/exec/TorchTypes.h"
#include "pipeline/ir/SubByte.h"
#include "pipeline/onnx/ExternalData.h"

#include <ATen/ATen.h>

#include <cstring>
#include <fstream>
#include <limits>

namespace autoglm::onnxio {
namespace {

std::vector<int64_t> checkedDims(const onnx::TensorProto& proto, const std::string& what, int64_t& numel) {
    std::vector<int64_t> dims(proto.dims().begin(), proto.dims().end());
    numel = 1;
    for (int64_t d : dims) {
        if (d < 0)
            throw AutoglmError(what + ": negative dimension " + std::to_string(d));
        if (d != 0 && numel > std::numeric_limits<int64_t>::max() / 16 / d)
            throw AutoglmError(what + ": dimensions overflow 64-bit element count");
        numel *= d;
    }
    return dims;
}

// Copies a typed repeated field into a tensor of the target type, element by element.
template <class Field>
at::Tensor fromRepeated(const Field& field, int64_t numel, at::ScalarType storedAs, at::ScalarType target,
                        const std::string& what) {
    if (static_cast<int64_t>(field.size()) != numel)
        throw AutoglmError(what + ": holds " + std::to_string(field.size()) + " values but its shape needs " +
                           std::to_string(numel));
    at::Tensor stored = at::empty({numel}, at::TensorOptions().dtype(storedAs));
    using Elem = std::remove_cv_t<std::remove_reference_t<decltype(*field.begin())>>;
    std::memcpy(stored.data_ptr(), field.data(), numel * sizeof(Elem));
    return stored.to(target);
}

// ONNX stores 4-bit elements two per byte (low nibble first) in raw_data and external data, and in int32_data
// one packed byte per entry (two elements each). Reads the packed bytes and unpacks them.
TensorData subByteFromProto(const onnx::TensorProto& proto, const std::filesystem::path& baseDir,
                            const std::string& what, DType dtype, const std::vector<int64_t>& dims, int64_t numel) {
    const int64_t bytes = dtypeStorageBytes(dtype, numel);
    std::string packed;
    if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
        packed.resize(static_cast<size_t>(bytes));
        readExternalData(proto, baseDir, what, bytes, packed.data());
    } else if (proto.has_raw_data()) {
        if (static_cast<int64_t>(proto.raw_data().size()) != bytes)
            throw AutoglmError(what + ": raw_data has " + std::to_string(proto.raw_data().size()) + " bytes but " +
                               dtypeName(dtype) + " " + std::to_string(numel) + " elements packed two per byte need " +
                               std::to_string(bytes));
        packed = proto.raw_data();
    } else {
        if (static_cast<int64_t>(proto.int32_data_size()) != bytes)
            throw AutoglmError(what + ": int32_data holds " + std::to_string(proto.int32_data_size()) +
                               " entries but " + dtypeName(dtype) + " " + std::to_string(numel) + " elements need " +
                               std::to_string(bytes) + " (one entry per two elements)");
        packed.resize(static_cast<size_t>(bytes));
        for (int64_t i = 0; i < bytes; ++i) {
            const int32_t entry = proto.int32_data(static_cast<int>(i));
            // Each entry holds one packed byte; a writer that sign-extended it is read the same way.
            if (entry < -128 || entry > 255)
                throw AutoglmError(what + ": int32_data entry " + std::to_string(i) + " is " + std::to_string(entry) +
                                   ", not a packed byte of two " + dtypeName(dtype) + " elements");
            packed[static_cast<size_t>(i)] = static_cast<char>(entry & 0xFF);
        }
    }
    at::Tensor flat = at::empty({numel}, at::TensorOptions().dtype(*storageTorchType(dtype)));
    unpackNibbles(reinterpret_cast<const uint8_t*>(packed.data()), numel, dtype == DType::Int4,
                  static_cast<int8_t*>(flat.data_ptr()));
    return TensorData(flat.reshape(dims), dtype);
}

} // namespace

TensorData tensorFromProto(const onnx::TensorProto& proto, const std::filesystem::path& baseDir,
                           const std::string& what) {
    const auto dtype = static_cast<DType>(proto.data_type());
    int64_t numel = 0;
    std::vector<int64_t> dims = checkedDims(proto, what, numel);
    if (isSubByte(dtype))
        return subByteFromProto(proto, baseDir, what, dtype, dims, numel);
    const at::ScalarType type = requireTorchType(dtype, what);
    const int64_t bytes = numel * dtypeSize(dtype);

    at::Tensor flat;
    if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
        flat = at::empty({numel}, at::TensorOptions().dtype(type));
        readExternalData(proto, baseDir, what, bytes, static_cast<char*>(flat.data_ptr()));
    } else if (proto.has_raw_data()) {
        if (static_cast<int64_t>(proto.raw_data().size()) != bytes)
            throw AutoglmError(what + ": raw_data has " + std::to_string(proto.raw_data().size()) + " bytes but " +
                               dtypeName(dtype) + " " + std::to_string(numel) + " elements need " +
                               std::to_string(bytes));
        flat = at::empty({numel}, at::TensorOptions().dtype(type));
        if (bytes)
            std::memcpy(flat.data_ptr(), proto.raw_data().data(), bytes);
    } else {
        switch (dtype) {
        case DType::Float:
            flat = fromRepeated(proto.float_data(), numel, at::kFloat, type, what);
            break;
        case DType::Complex64:
            flat = at::view_as_complex(
                fromRepeated(proto.float_data(), numel * 2, at::kFloat, at::kFloat, what).reshape({numel, 2}));
            break;
        case DType::Double:
            flat = fromRepeated(proto.double_data(), numel, at::kDouble, type, what);
            break;
        case DType::Int64:
            flat = fromRepeated(proto.int64_data(), numel, at::kLong, type, what);
            break;
        case DType::Float16:
        case DType::BFloat16: {
            // Half types are stored as their 16-bit patterns inside int32_data.
            at::Tensor bits = fromRepeated(proto.int32_data(), numel, at::kInt, at::kShort, what);
            flat = bits.view(type);
            break;
        }
        case DType::Int32:
        case DType::Int16:
        case DType::Int8:
        case DType::UInt8:
        case DType::Bool:
            flat = fromRepeated(proto.int32_data(), numel, at::kInt, type, what);
            break;
        default:
            throw UnsupportedError(what + ": element type " + dtypeName(dtype) + " is not supported");
        }
    }
    return TensorData(flat.reshape(dims));
}

void tensorToProto(const TensorData& tensor, const std::string& name, onnx::TensorProto& proto) {
    proto.Clear();
    proto.set_name(name);
    const DType dtype = tensor.dtype();
    if (dtype == DType::Undefined)
        throw AutoglmError("tensor '" + name + "' has an element type ONNX cannot store");
    proto.set_data_type(static_cast<int32_t>(dtype));
    for (int64_t d : tensor.shape())
        proto.add_dims(d);
    at::Tensor t = tensor.tensor().detach().contiguous().cpu();
    if (isSubByte(dtype)) {
        std::string packed(static_cast<size_t>(tensor.byteSize()), '\0');
        packNibbles(static_cast<const int8_t*>(t.data_ptr()), t.numel(), reinterpret_cast<uint8_t*>(packed.data()));
        proto.set_raw_data(std::move(packed));
        return;
    }
    proto.set_raw_data(std::string(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size()));
}

Result<TensorData> loadTensorProtoFile(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return Error{"cannot open tensor file " + file.string()};
    onnx::TensorProto proto;
    if (!proto.ParseFromIstream(&in))
        return Error{file.string() + " is not a serialized ONNX TensorProto"};
    try {
        return tensorFromProto(proto, file.parent_path(), "tensor in " + file.string());
    } catch (const UnsupportedError& e) {
        return Error{e.what(), true};
    } catch (const std::exception& e) {
        return Error{e.what()};
    }
}

} // namespace autoglm::onnxio
