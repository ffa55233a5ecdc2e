#include "pipeline/model/ModelLoader.h"

#include "pipeline/common/MemoryBudget.h"

#include "pipeline/llm/DecoderBuilder.h"
#include "pipeline/onnx/OnnxImport.h"
#include "pipeline/torchscript/TorchScriptImport.h"

#include <algorithm>

namespace autoglm {

namespace {

// Reading a file into a model holds its bytes, the parsed messages and the tensors at once: about three times
// its size at the peak.
Status checkReadable(const std::filesystem::path& file) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    return ec ? Status(Ok{}) : checkMemoryFor(3 * static_cast<int64_t>(size), "loading '" + file.string() + "'");
}

} // namespace

Result<Model> loadModel(const std::filesystem::path& file, const ModelLoadOptions& options) {
    std::string ext = file.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    std::error_code ec;
    const bool folder = std::filesystem::is_directory(file, ec);
    const bool checkpoint = folder || file.filename() == "config.json" || ext == ".safetensors";
    if (!checkpoint)
        if (auto fits = checkReadable(file); !fits)
            return fits.error();
    if (isTorchScriptFile(file)) {
        if (!options.trustTorchScript)
            return Error{"'" + file.string() +
                         "' is a TorchScript archive: loading one runs code it carries, so it is opened only when "
                         "you trust where it comes from (autoglm: --trust-torchscript; the studio asks first)"};
        return loadTorchScript(file, options.inputShapes);
    }
    // A Hugging Face checkpoint: its folder, its config.json, or one of its .safetensors files.
    Result<Model> model = !checkpoint ? loadOnnx(file)
                          : folder    ? loadHfCheckpoint(file)
                                      : loadHfCheckpoint(file.parent_path().empty() ? "." : file.parent_path());
    // A checkpoint's weights stay mapped until first use: the executor checks the memory they will need then,
    // so that a checkpoint too large to run here can still be inspected.
    if (!model || options.inputShapes.empty())
        return model;
    if (auto applied = applyInputShapes(model.value(), options.inputShapes); !applied)
        return Error{file.string() + ": " + applied.message()};
    return model;
}

} // namespace autoglm
