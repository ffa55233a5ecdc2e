#pragma once
// IDX files, the format of MNIST and Fashion-MNIST (as Debian's dataset-fashion-mnist ships them): a big-endian
// header (two zero bytes, a type code, the rank, one uint32 per dimension) and the elements in C order, plain
// or gzip-compressed. Image files (rank 3: [N, rows, cols]) load as [N, 1, rows, cols], the grayscale channel
// axis every image model reads; other ranks load as stored.

#include "pipeline/common/Result.h"
#include "pipeline/ir/TensorData.h"

#include <filesystem>
#include <string>

namespace autoglm {

Result<TensorData> loadIdx(const std::filesystem::path& file);
// `bytes` is the uncompressed file.
Result<TensorData> parseIdx(const std::string& bytes, const std::string& displayName);
// Reads the first bytes: an IDX header, or a gzip stream (assumed to hold IDX when the name says so).
bool looksLikeIdx(const std::filesystem::path& file);

} // namespace autoglm
