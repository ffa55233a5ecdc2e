#include "pipeline/model/ModelLoader.h"

#include "pipeline/onnx/OnnxImport.h"

#include <algorithm>

namespace autoglm {

Result<Model> loadModel(const std::filesystem::path& file) {
    std::string ext = file.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (ext == ".pt" || ext == ".pth")
        return Error{"'" + file.string() + "' is a TorchScript archive; TorchScript import is not available in this "
                     "version: export the model to ONNX (torch.onnx.export) and open the .onnx file",
                     true};
    return loadOnnx(file);
}

} // namespace autoglm
