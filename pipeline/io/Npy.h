#pragma once
// NumPy .npy files (format versions 1.0-3.0): the dtypes numpy writes, either byte order, C or Fortran order.

#include "pipeline/common/Result.h"
#include "pipeline/ir/TensorData.h"

#include <filesystem>
#include <string>

namespace autoglm {

Result<TensorData> loadNpy(const std::filesystem::path& file);
Result<TensorData> parseNpy(const std::string& bytes, const std::string& displayName);
// Writes little-endian, C order; atomically.
Status saveNpy(const TensorData& tensor, const std::filesystem::path& file);

} // namespace autoglm
