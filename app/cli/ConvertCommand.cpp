#include "Commands.h"

#include "pipeline/model/ModelLoader.h"
#include "pipeline/onnx/OnnxExport.h"
#include "pipeline/onnx/OnnxImport.h"

#include <filesystem>
#include <iostream>

// `autoglm convert`: a TorchScript archive or a Hugging Face checkpoint as a float ONNX file, without Python.
// The file written is read back before the command says it succeeded.
namespace autoglm::cli {
namespace {
namespace fs = std::filesystem;

int runConvert(const ParsedArgs& args) {
    if (!args.has("output"))
        return fail("-o OUT.onnx is required");
    const fs::path output = args.value("output");
    auto model = loadModelArg(args, args.positional[0]);
    if (!model)
        return fail(model.message());
    for (const auto& in : model->graph.feedInputs())
        if (!in.shape)
            std::cerr << "autoglm: note: input '" << in.name << "' has no declared shape (nothing in the model fixes "
                      << "its rank); declare it with --input-shape " << in.name << "=D0,D1,...\n";
    if (auto saved = saveOnnx(model.value(), output); !saved)
        return fail(saved.message());
    auto back = loadOnnx(output);
    if (!back)
        return fail("the file written cannot be read back: " + back.message());
    std::cout << output.string() << ": " << back->graph.nodes.size() << " nodes, " << back->graph.inputs.size()
              << " input" << (back->graph.inputs.size() == 1 ? "" : "s");
    for (const auto& in : back->graph.feedInputs())
        std::cout << " " << in.name << in.shapeString();
    std::cout << "\n";
    return 0;
}

} // namespace

Command convertCommand() {
    return {{"convert",
             "MODEL",
             "Write a model (TorchScript archive, Hugging Face checkpoint or ONNX) as a float ONNX file.",
             {{"output", "OUT.onnx", "the ONNX file to write (atomically)", false, 'o'},
              trustTorchScriptOption(),
              inputShapeOption()}},
            runConvert};
}

} // namespace autoglm::cli
