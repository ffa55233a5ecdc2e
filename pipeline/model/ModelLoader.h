#pragma once
// Opens a model by its kind: an ONNX file, a Hugging Face checkpoint (its folder, config.json or a .safetensors
// file in it), or a TorchScript archive (.pt/.pth). TorchScript can carry code that runs when it is loaded, so
// it is opened only when the caller says the user trusts the file.

#include "pipeline/common/Result.h"
#include "pipeline/ir/Graph.h"
#include "pipeline/model/InputShapes.h"

#include <filesystem>

namespace autoglm {

struct ModelLoadOptions {
    // Load TorchScript archives (the CLI's --trust-torchscript, the studio's confirmation); refused otherwise.
    bool trustTorchScript = false;
    // Shapes declared on the model's inputs (see InputShapes.h): a TorchScript conversion folds sizes with
    // them; for other models they must agree with what the file declares.
    InputShapes inputShapes;
};

Result<Model> loadModel(const std::filesystem::path& file, const ModelLoadOptions& options = {});

} // namespace autoglm
