#include "Commands.h"

#include "pipeline/exec/Executor.h"
#include "pipeline/io/Npy.h"
#include "pipeline/model/ModelLoader.h"

#include <filesystem>
#include <iostream>

namespace autoglm::cli {
namespace {
namespace fs = std::filesystem;

// Output names can hold characters that are not safe in file names ("/", ":"); they become "_".
std::string fileNameFor(const std::string& valueName) {
    std::string out = valueName;
    for (char& ch : out)
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '-' && ch != '_')
            ch = '_';
    return out.empty() || out[0] == '.' ? "_" + out : out;
}

int runModel(const ParsedArgs& args) {
    if (!args.has("output-dir"))
        return fail("--output-dir DIR is required");
    auto model = loadModelArg(args, args.positional[0]);
    if (!model)
        return fail(model.message());
    TensorMap inputs;
    for (const auto& spec : args.all("input")) {
        const auto eq = spec.find('=');
        if (eq == std::string::npos || eq == 0)
            return fail("--input expects NAME=FILE.npy, got '" + spec + "'");
        auto tensor = loadNpy(spec.substr(eq + 1));
        if (!tensor)
            return fail(tensor.message());
        inputs[spec.substr(0, eq)] = tensor.value();
    }
    auto executor = Executor::create(model.value(), executorOptions(args));
    if (!executor)
        return fail(executor.message());
    auto outputs = executor->run(inputs);
    if (!outputs)
        return fail(outputs.message());
    const fs::path dir = args.value("output-dir");
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        return fail("cannot create output directory '" + dir.string() + "': " + ec.message());
    for (const auto& [name, tensor] : outputs.value()) {
        const fs::path file = dir / (fileNameFor(name) + ".npy");
        auto saved = saveNpy(tensor, file);
        if (!saved)
            return fail(saved.message());
        std::cout << name << " " << dtypeName(tensor.dtype()) << " -> " << file.string() << "\n";
    }
    return 0;
}

} // namespace

Command runModelCommand() {
    return {{"run-model",
             "MODEL",
             "Run a model on .npy inputs and write every output as DIR/NAME.npy.",
             {{"input", "NAME=FILE.npy", "value for the model input NAME", true},
              {"output-dir", "DIR", "where the outputs are written (created if missing)"},
              deviceOption(), precisionOption(),
              trustTorchScriptOption(), inputShapeOption()}},
            runModel};
}

} // namespace autoglm::cli
