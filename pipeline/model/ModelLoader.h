#pragma once
// Opens a model by its kind: an ONNX file, or a Hugging Face checkpoint (its folder, config.json or a
// .safetensors file in it). TorchScript .pt/.pth is refused with a message that says how to proceed.

#include "pipeline/common/Result.h"
#include "pipeline/ir/Graph.h"

#include <filesystem>

namespace autoglm {

Result<Model> loadModel(const std::filesystem::path& file);

} // namespace autoglm
