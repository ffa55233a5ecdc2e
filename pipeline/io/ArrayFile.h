#pragma once
// Arrays of a dataset (images, labels) from whichever file format holds them: NumPy .npy or IDX (plain or
// .gz), told apart by their first bytes rather than their names. Reads the whole array (refused beyond the
// memory budget); io/ArrayReader reads rows on demand.

#include "pipeline/common/Result.h"
#include "pipeline/ir/TensorData.h"

#include <filesystem>

namespace autoglm {

Result<TensorData> loadArrayFile(const std::filesystem::path& file);

} // namespace autoglm
