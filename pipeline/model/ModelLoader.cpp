#include "pipeline/model/ModelLoader.h"

#include "pipeline/llm/DecoderBuilder.h"
#include "pipeline/onnx/OnnxImport.h"

#include <algorithm>

namespace autoglm {

Result<Model> loadModel(const std::filesystem::path& file) {
    std::string ext = file.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (ext == ".pt" || ext == ".pth")
        return Error{"'" + file.string() +
                         "' is a TorchScript archive; TorchScript import is not available in this "
                         "version: export the model to ONNX (torch.onnx.export) and open the .onnx file",
                     true};
    // A Hugging Face checkpoint: its folder, its config.json, or one of its .safetensors files.
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec))
        return loadHfCheckpoint(file);
    if (file.filename() == "config.json" || ext == ".safetensors")
        return loadHfCheckpoint(file.parent_path().empty() ? "." : file.parent_path());
    return loadOnnx(file);
}

} // namespace autoglm
