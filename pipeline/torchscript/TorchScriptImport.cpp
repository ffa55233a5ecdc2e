#include "pipeline/torchscript/TorchScriptImport.h"

#include "pipeline/exec/Executor.h"
#include "pipeline/exec/TorchTypes.h"
#include "pipeline/torchscript/GraphConverter_p.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/ir/irparser.h>
#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/csrc/jit/passes/lower_tuples.h>
#include <torch/csrc/jit/passes/remove_mutation.h>
#include <torch/csrc/jit/serialization/import.h>

#include <algorithm>
#include <fstream>

namespace autoglm {
namespace fs = std::filesystem;
namespace {

const char* kHowToScript =
    "produce a TorchScript archive in Python with model.eval(); torch.jit.trace(model, example_inputs).save(path) "
    "(or torch.jit.script(model).save(path)), or export ONNX with torch.onnx.export";

std::string torchMessage(const c10::Error& e) {
    std::string m = e.what_without_backtrace();
    while (!m.empty() && std::isspace(static_cast<unsigned char>(m.back())))
        m.pop_back();
    return m;
}

// What the file is before LibTorch runs anything from it: a zip archive with TorchScript code, a zip written by
// torch.save (pickled data only), an older non-zip torch.save file, or something else. Only the zip directory
// is read here.
Status checkArchive(const fs::path& file) {
    const std::string name = file.string();
    unsigned char magic[4] = {0, 0, 0, 0};
    {
        std::ifstream in(file, std::ios::binary);
        if (!in)
            return Error{"cannot open model '" + name + "'"};
        in.read(reinterpret_cast<char*>(magic), 4);
        if (in.gcount() < 4)
            return Error{"'" + name + "' is not a TorchScript archive: the file is empty or truncated"};
    }
    const bool zip = magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
    if (!zip) {
        // torch.save before PyTorch 1.6 wrote a bare pickle stream (PROTO opcode 0x80 first).
        if (magic[0] == 0x80)
            return Error{"'" + name + "' was written by torch.save (pickled tensors or a state_dict), not "
                         "torch.jit.save: it holds no TorchScript program to convert; " + kHowToScript};
        return Error{"'" + name + "' is not a TorchScript archive (not a zip file)"};
    }
    std::vector<std::string> records;
    try {
        caffe2::serialize::PyTorchStreamReader reader(name);
        records = reader.getAllRecords();
    } catch (const c10::Error& e) {
        return Error{"'" + name + "' is not a readable TorchScript archive: the zip file is truncated or damaged (" +
                     torchMessage(e) + ")"};
    }
    auto has = [&](const std::string& prefix) {
        return std::any_of(records.begin(), records.end(), [&](const std::string& r) { return r.rfind(prefix, 0) == 0; });
    };
    if (!has("code/") && !has("constants.pkl")) {
        if (has("data.pkl"))
            return Error{"'" + name + "' was written by torch.save (pickled tensors, a state_dict or a whole "
                         "nn.Module), not torch.jit.save: it holds no TorchScript program to convert; " + kHowToScript};
        return Error{"'" + name + "' is a zip file but not a TorchScript archive (no code/ or constants.pkl)"};
    }
    return Ok{};
}

// forward's arguments after self must all be tensors: they become the model's inputs.
Status checkSignature(const torch::jit::Module& module, const std::string& name) {
    auto method = module.find_method("forward");
    if (!method)
        return Error{"'" + name + "' has no forward method"};
    const c10::FunctionSchema& schema = method->function().getSchema();
    std::vector<std::string> bad;
    for (size_t i = 1; i < schema.arguments().size(); ++i) {
        const c10::Argument& arg = schema.arguments()[i];
        if (!arg.type()->isSubtypeOf(*c10::TensorType::get()))
            bad.push_back("'" + arg.name() + ": " + arg.type()->annotation_str() + "'");
    }
    if (schema.arguments().size() <= 1)
        return Error{"'" + name + "': forward takes no inputs; a model needs at least one tensor input", true};
    if (bad.empty())
        return Ok{};
    std::string list;
    for (size_t i = 0; i < bad.size(); ++i)
        list += (i ? ", " : "") + bad[i];
    return Error{"'" + name + "': forward takes " + list + ", which " + (bad.size() == 1 ? "is" : "are") +
                     " not a tensor; only tensor arguments can be model inputs (make the other values attributes "
                     "of the module, or trace it with tensor inputs)",
                 true};
}

// Leaves one flat graph of aten ops: calls inlined, tuples and in-place ops removed where that is safe,
// constants folded (branches on self.training disappear in eval mode).
void simplify(std::shared_ptr<torch::jit::Graph>& graph) {
    torch::jit::Inline(*graph);
    torch::jit::LowerSimpleTuples(graph);
    torch::jit::RemoveListMutation(graph);
    torch::jit::RemoveTensorMutation(graph);
    torch::jit::ConstantPropagation(graph);
    torch::jit::EliminateDeadCode(graph);
}

// Outputs whose rank the conversion could not follow (an op that loses track of shapes) get it from one run on
// zeros, every size left unnamed: ONNX needs the rank of a model's outputs. Only when every input has a shape.
void fillOutputRanks(Model& model) {
    const bool unknown = std::any_of(model.graph.outputs.begin(), model.graph.outputs.end(),
                                     [](const ValueInfo& out) { return !out.shape; });
    const auto inputs = model.graph.feedInputs();
    if (!unknown || std::any_of(inputs.begin(), inputs.end(), [](const ValueInfo& in) { return !in.shape; }))
        return;
    auto executor = Executor::create(model);
    if (!executor)
        return;
    TensorMap zeros;
    for (const ValueInfo& in : inputs) {
        std::vector<int64_t> dims;
        for (const Dim& d : *in.shape)
            dims.push_back(d.isFixed() ? d.value : 2);
        zeros[in.name] = TensorData(at::zeros(dims, at::TensorOptions().dtype(torchType(in.dtype).value_or(at::kFloat))));
    }
    auto outputs = executor->run(zeros);
    if (!outputs)
        return; // the model fails on zeros: the rank stays unknown and export says so
    for (ValueInfo& out : model.graph.outputs)
        if (!out.shape && outputs->count(out.name))
            out.shape = std::vector<Dim>(static_cast<size_t>(outputs->at(out.name).tensor().dim()));
}

} // namespace

bool isTorchScriptFile(const fs::path& file) {
    std::string ext = file.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext == ".pt" || ext == ".pth";
}

namespace {

using GraphResult = Result<std::shared_ptr<torch::jit::Graph>>;

// Simplifies and converts the forward graph `makeGraph` gives, turning every failure into an error that names
// `name`.
template <typename MakeGraph>
Result<Model> convertGuarded(const std::string& name, const InputShapes& inputShapes, MakeGraph makeGraph,
                             const char* loadFailure) {
    try {
        GraphResult made = makeGraph();
        if (!made)
            return made.error();
        std::shared_ptr<torch::jit::Graph> graph = made.value();
        simplify(graph);
        torchscript::GraphConverter converter(name, inputShapes);
        Model model = converter.convert(*graph);
        fillOutputRanks(model);
        if (auto valid = model.graph.validate(); !valid)
            return Error{name + ": the converted graph is not valid: " + valid.message()};
        return model;
    } catch (const UnsupportedError& e) {
        return Error{name + ": " + e.what(), true};
    } catch (const AutoglmError& e) {
        return Error{name + ": " + e.what()};
    } catch (const c10::Error& e) {
        return Error{std::string(loadFailure) + " '" + name + "': " + torchMessage(e)};
    } catch (const std::exception& e) {
        return Error{std::string(loadFailure) + " '" + name + "': " + e.what()};
    }
}

} // namespace

Result<Model> loadTorchScript(const fs::path& file, const InputShapes& inputShapes) {
    const std::string name = file.string();
    std::error_code ec;
    if (!fs::is_regular_file(file, ec))
        return Error{"cannot open model '" + name + "': no such file"};
    if (auto archive = checkArchive(file); !archive)
        return archive.error();
    auto model = convertGuarded(
        name, inputShapes,
        [&]() -> GraphResult {
            torch::jit::Module module = torch::jit::load(name, c10::Device(c10::kCPU));
            if (module.hasattr("training"))
                module.eval();
            if (auto signature = checkSignature(module, name); !signature)
                return signature.error();
            torch::jit::Module frozen = torch::jit::freeze(module, c10::nullopt, /*optimize_numerics=*/true);
            return frozen.get_method("forward").graph();
        },
        "cannot load TorchScript archive");
    if (model)
        model->sourcePath = file;
    return model;
}

Result<Model> convertTorchScriptIr(const std::string& irText, const InputShapes& inputShapes) {
    return convertGuarded(
        "<TorchScript IR>", inputShapes,
        [&]() -> GraphResult {
            auto graph = std::make_shared<torch::jit::Graph>();
            torch::jit::parseIR(irText, graph.get());
            return graph;
        },
        "cannot parse TorchScript IR");
}

} // namespace autoglm
