#pragma once
// IDX files, the format of MNIST and Fashion-MNIST (as Debian's dataset-fashion-mnist ships them): a big-endian
// header (two zero bytes, a type code, the rank, one uint32 per dimension) and the elements in C order, plain
// or gzip-compressed. Image files (rank 3: [N, rows, cols]) load as [N, 1, rows, cols], the grayscale channel
// axis every image model reads; other ranks load as stored.

#include "pipeline/common/Result.h"
#include "pipeline/ir/TensorData.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace autoglm {

// An IDX header, checked: `dims` as stored, the data `dataBytes` bytes (big-endian) after `headerBytes`.
struct IdxHeader {
    DType dtype = DType::Undefined;
    std::vector<int64_t> dims;
    size_t headerBytes = 0;
    uint64_t dataBytes = 0;
};
// The header at the start of `bytes`; std::nullopt (with no error) when more bytes are needed.
Result<std::optional<IdxHeader>> parseIdxHeader(const std::string& bytes, const std::string& displayName);
// The message for a data section whose size differs from what the header declares.
std::string idxSizeMessage(const std::string& displayName, uint64_t declared, uint64_t have);

Result<TensorData> loadIdx(const std::filesystem::path& file);
// `bytes` is the uncompressed file.
Result<TensorData> parseIdx(const std::string& bytes, const std::string& displayName);
// Reads the first bytes: an IDX header, or a gzip stream (assumed to hold IDX when the name says so).
bool looksLikeIdx(const std::filesystem::path& file);

} // namespace autoglm
