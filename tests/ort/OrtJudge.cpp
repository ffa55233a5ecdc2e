#include "OrtJudge.h"

#include "pipeline/io/Npy.h"

#include <QProcess>
#include <QStandardPaths>

namespace testutil {
namespace fs = std::filesystem;
using namespace autoglm;

namespace {
const fs::path kOrtDir = fs::path(AUTOGLM_SOURCE_DIR) / "tests" / "ort";
}

std::string ortUnavailableReason() {
    if (QStandardPaths::findExecutable("node").isEmpty())
        return "node is not installed (./test installs it)";
    if (!fs::exists(kOrtDir / "node_modules" / "onnxruntime-node"))
        return "onnxruntime-node is not installed in tests/ort (./test installs it)";
    return {};
}

std::string ortFileName(const std::string& outputName) {
    std::string out = outputName;
    for (char& ch : out)
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '_' && ch != '-')
            ch = '_';
    return out;
}

Result<TensorMap> runOrt(const fs::path& model, const TensorMap& inputs, const fs::path& workDir, int threads,
                         const OrtConfig& config) {
    const fs::path inDir = workDir / "ort_in";
    const fs::path outDir = workDir / "ort_out";
    fs::create_directories(inDir);
    fs::remove_all(outDir);
    fs::create_directories(outDir);
    QStringList args{QString::fromStdString((kOrtDir / "run_ort.js").string()), QString::fromStdString(model.string()),
                     QString::fromStdString(outDir.string())};
    if (threads > 0)
        args << "--threads" << QString::number(threads);
    for (const auto& [key, value] : config)
        args << "--config" << QString::fromStdString(key + "=" + value);
    int index = 0;
    for (const auto& [name, tensor] : inputs) {
        const fs::path file = inDir / ("input_" + std::to_string(index++) + ".npy");
        auto saved = saveNpy(tensor, file);
        if (!saved)
            return saved.error();
        args << QString::fromStdString(name + "=" + file.string());
    }
    QProcess node;
    node.start("node", args);
    if (!node.waitForFinished(10 * 60 * 1000) || node.exitCode() != 0)
        return Error{"ONNX Runtime failed on " + model.string() + ": " + node.readAllStandardError().toStdString()};
    TensorMap outputs;
    for (const auto& entry : fs::directory_iterator(outDir)) {
        auto tensor = loadNpy(entry.path());
        if (!tensor)
            return tensor.error();
        outputs[entry.path().stem().string()] = tensor.value();
    }
    return outputs;
}

} // namespace testutil
