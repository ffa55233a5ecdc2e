#pragma once
// Reader for the safetensors format (an 8-byte little-endian header length, a JSON header naming each
// tensor's dtype, shape and byte range, then the bytes). Everything the header claims is checked against the
// file before it is trusted.

#include "pipeline/common/Result.h"
#include "pipeline/ir/TensorData.h"

#include <filesystem>
#include <map>
#include <string>

namespace autoglm {

// Every tensor of one .safetensors file, keeping its stored dtype. The file is memory-mapped and the tensors
// view its bytes (copy-on-write pages), so nothing is read until it is used.
Result<std::map<std::string, TensorData>> loadSafeTensors(const std::filesystem::path& file);

// Writes tensors as one .safetensors file (names sorted, header padded to 8 bytes), atomically.
Status saveSafeTensors(const std::map<std::string, TensorData>& tensors, const std::filesystem::path& file,
                       const std::map<std::string, std::string>& metadata = {});

// Reads a checkpoint folder's weights: model.safetensors, or the shards named by
// model.safetensors.index.json (every shard must exist and every listed tensor must be found).
Result<std::map<std::string, TensorData>> loadCheckpointWeights(const std::filesystem::path& folder);

} // namespace autoglm
