#pragma once
// Opens a model file by its kind (ONNX today; TorchScript .pt/.pth is refused with a message that says so).

#include "pipeline/common/Result.h"
#include "pipeline/ir/Graph.h"

#include <filesystem>

namespace autoglm {

Result<Model> loadModel(const std::filesystem::path& file);

} // namespace autoglm
