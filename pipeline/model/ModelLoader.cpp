#include "pipeline/model/ModelLoader.h"

#include "pipeline/llm/DecoderBuilder.h"
#include "pipeline/onnx/OnnxImport.h"
#include "pipeline/torchscript/TorchScriptImport.h"

#include <algorithm>

namespace autoglm {

Result<Model> loadModel(const std::filesystem::path& file, const ModelLoadOptions& options) {
    std::string ext = file.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (isTorchScriptFile(file)) {
        if (!options.trustTorchScript)
            return Error{"'" + file.string() +
                         "' is a TorchScript archive: loading one runs code it carries, so it is opened only when "
                         "you trust where it comes from (autoglm: --trust-torchscript; the studio asks first)"};
        return loadTorchScript(file, options.inputShapes);
    }
    // A Hugging Face checkpoint: its folder, its config.json, or one of its .safetensors files.
    std::error_code ec;
    Result<Model> model = std::filesystem::is_directory(file, ec) ? loadHfCheckpoint(file)
                          : file.filename() == "config.json" || ext == ".safetensors"
                              ? loadHfCheckpoint(file.parent_path().empty() ? "." : file.parent_path())
                              : loadOnnx(file);
    if (!model || options.inputShapes.empty())
        return model;
    if (auto applied = applyInputShapes(model.value(), options.inputShapes); !applied)
        return Error{file.string() + ": " + applied.message()};
    return model;
}

} // namespace autoglm
