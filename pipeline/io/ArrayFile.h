#pragma once
// Arrays of a dataset (images, labels) from whichever file format holds them: NumPy .npy or IDX (plain or
// .gz), told apart by their first bytes rather than their names.

#include "pipeline/common/Result.h"
#include "pipeline/ir/TensorData.h"

#include <filesystem>

namespace autoglm {

Result<TensorData> loadArrayFile(const std::filesystem::path& file);

} // namespace autoglm
