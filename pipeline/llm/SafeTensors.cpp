#include "pipeline/llm/SafeTensors.h"

#include "pipeline/common/AtomicFile.h"
#include "pipeline/common/MappedFile.h"
#include "pipeline/exec/TorchTypes.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <fstream>
#include <set>

namespace autoglm {
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kMaxHeaderBytes = 100 * 1024 * 1024; // the format's own limit

std::optional<DType> safetensorsType(const std::string& name) {
    static const std::map<std::string, DType> types = {
        {"F32", DType::Float}, {"F16", DType::Float16}, {"BF16", DType::BFloat16}, {"F64", DType::Double},
        {"I64", DType::Int64}, {"I32", DType::Int32},   {"I16", DType::Int16},     {"I8", DType::Int8},
        {"U8", DType::UInt8},  {"BOOL", DType::Bool},
    };
    auto it = types.find(name);
    return it == types.end() ? std::nullopt : std::optional<DType>(it->second);
}

std::optional<std::string> safetensorsName(DType type) {
    static const std::map<DType, std::string> names = {
        {DType::Float, "F32"}, {DType::Float16, "F16"}, {DType::BFloat16, "BF16"}, {DType::Double, "F64"},
        {DType::Int64, "I64"}, {DType::Int32, "I32"},   {DType::Int16, "I16"},     {DType::Int8, "I8"},
        {DType::UInt8, "U8"},  {DType::Bool, "BOOL"},
    };
    auto it = names.find(type);
    return it == names.end() ? std::nullopt : std::optional<std::string>(it->second);
}

} // namespace

Result<std::map<std::string, TensorData>> loadSafeTensors(const fs::path& file) {
    const std::string where = file.string();
    auto mapped = MappedFile::open(file);
    if (!mapped)
        return mapped.error();
    const std::shared_ptr<const MappedFile> mapping = mapped.value();
    const uint64_t fileSize = mapping->size();
    if (fileSize < 8)
        return Error{where + " is too short to be a safetensors file"};
    uint64_t headerLength = 0;
    for (int i = 7; i >= 0; --i)
        headerLength = (headerLength << 8) | mapping->data()[i];
    if (headerLength > kMaxHeaderBytes || headerLength > fileSize - 8)
        return Error{where + ": header length " + std::to_string(headerLength) + " does not fit the file (" +
                     std::to_string(fileSize) + " bytes)"};
    const std::string headerText(reinterpret_cast<const char*>(mapping->data()) + 8, headerLength);
    nlohmann::json header = nlohmann::json::parse(headerText, nullptr, false);
    if (header.is_discarded() || !header.is_object())
        return Error{where + ": the header is not a JSON object"};

    const uint64_t dataStart = 8 + headerLength;
    const uint64_t dataSize = fileSize - dataStart;
    std::map<std::string, TensorData> tensors;
    for (const auto& [name, entry] : header.items()) {
        if (name == "__metadata__")
            continue;
        const std::string what = where + ": tensor '" + name + "'";
        if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") ||
            !entry.contains("data_offsets") || !entry["dtype"].is_string() || !entry["shape"].is_array() ||
            !entry["data_offsets"].is_array() || entry["data_offsets"].size() != 2)
            return Error{what + " needs dtype, shape and data_offsets [begin, end]"};
        const auto type = safetensorsType(entry["dtype"].get<std::string>());
        if (!type)
            return Error{what + " has dtype " + entry["dtype"].get<std::string>() +
                         ", which is not supported (F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL)"};
        std::vector<int64_t> shape;
        uint64_t numel = 1;
        for (const auto& d : entry["shape"]) {
            if (!d.is_number_unsigned() || d.get<uint64_t>() > (uint64_t(1) << 40))
                return Error{what + " has an invalid dimension " + d.dump()};
            shape.push_back(d.get<int64_t>());
            numel *= d.get<uint64_t>();
            if (numel > (uint64_t(1) << 40))
                return Error{what + ": its shape is too large"};
        }
        const auto& offsets = entry["data_offsets"];
        if (!offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned())
            return Error{what + ": data_offsets must be non-negative integers"};
        const auto begin = offsets[0].get<uint64_t>();
        const auto end = offsets[1].get<uint64_t>();
        const uint64_t bytes = numel * static_cast<uint64_t>(dtypeSize(*type));
        if (begin > end || end > dataSize)
            return Error{what + ": bytes " + std::to_string(begin) + ".." + std::to_string(end) +
                         " lie outside the data section (" + std::to_string(dataSize) + " bytes)"};
        if (end - begin != bytes)
            return Error{what + ": holds " + std::to_string(end - begin) + " bytes but " + dtypeName(*type) + " " +
                         entry["shape"].dump() + " needs " + std::to_string(bytes)};
        // A view of the mapped bytes (no copy; the tensor keeps the mapping alive), unless the bytes are not
        // aligned to their element type, which the format allows but vectorised kernels do not.
        unsigned char* bytesAt = mapping->data() + dataStart + begin;
        const auto options = at::TensorOptions().dtype(*torchType(*type));
        at::Tensor t = at::from_blob(bytesAt, shape, [mapping](void*) {}, options);
        if (reinterpret_cast<uintptr_t>(bytesAt) % static_cast<uintptr_t>(dtypeSize(*type)) != 0)
            t = t.clone();
        tensors.emplace(name, TensorData(t));
    }
    return tensors;
}

Status saveSafeTensors(const std::map<std::string, TensorData>& tensors, const fs::path& file,
                       const std::map<std::string, std::string>& metadata) {
    nlohmann::json header = nlohmann::json::object();
    if (!metadata.empty())
        header["__metadata__"] = metadata;
    std::vector<at::Tensor> data;
    uint64_t offset = 0;
    for (const auto& [name, tensor] : tensors) {
        const auto type = safetensorsName(tensor.dtype());
        if (!type)
            return Error{"tensor '" + name + "' is " + dtypeName(tensor.dtype()) +
                         ", which safetensors cannot hold here (F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL)"};
        at::Tensor bytes = tensor.tensor().to(at::kCPU).contiguous();
        const uint64_t size = static_cast<uint64_t>(bytes.nbytes());
        header[name] = {{"dtype", *type}, {"shape", tensor.shape()}, {"data_offsets", {offset, offset + size}}};
        offset += size;
        data.push_back(bytes);
    }
    // The format pads the header with spaces so that the data starts 8-byte aligned.
    std::string headerText = header.dump();
    headerText.append((8 - headerText.size() % 8) % 8, ' ');
    return writeFileAtomically(file, [&](std::ostream& out) {
        const uint64_t length = headerText.size();
        for (int i = 0; i < 8; ++i)
            out.put(static_cast<char>((length >> (8 * i)) & 0xff));
        out.write(headerText.data(), static_cast<std::streamsize>(headerText.size()));
        for (const at::Tensor& t : data)
            out.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.nbytes()));
        return static_cast<bool>(out);
    });
}

Result<std::map<std::string, TensorData>> loadCheckpointWeights(const fs::path& folder) {
    const fs::path single = folder / "model.safetensors";
    const fs::path index = folder / "model.safetensors.index.json";
    if (fs::exists(single))
        return loadSafeTensors(single);
    if (!fs::exists(index))
        return Error{"'" + folder.string() + "' has neither model.safetensors nor model.safetensors.index.json"};
    std::ifstream in(index);
    nlohmann::json json = nlohmann::json::parse(in, nullptr, false);
    if (json.is_discarded() || !json.contains("weight_map") || !json["weight_map"].is_object())
        return Error{index.string() + ": expected a JSON object with a 'weight_map'"};
    std::map<std::string, std::string> wanted;
    std::set<std::string> shards;
    for (const auto& [name, shard] : json["weight_map"].items()) {
        if (!shard.is_string())
            return Error{index.string() + ": the shard of '" + name + "' is not a file name"};
        const std::string file = shard.get<std::string>();
        if (fs::path(file).has_parent_path() || file.find("..") != std::string::npos)
            return Error{index.string() + ": shard '" + file + "' must be a file inside the folder"};
        wanted[name] = file;
        shards.insert(file);
    }
    std::map<std::string, TensorData> all;
    for (const auto& shard : shards) {
        if (!fs::exists(folder / shard))
            return Error{index.string() + " names shard '" + shard + "', which is missing"};
        auto part = loadSafeTensors(folder / shard);
        if (!part)
            return part.error();
        all.merge(part.value());
    }
    for (const auto& [name, shard] : wanted)
        if (!all.count(name))
            return Error{"tensor '" + name + "' is listed in " + index.string() + " but not found in " + shard};
    return all;
}

} // namespace autoglm
