#include "TorchScriptSamples.h"

#include <ATen/ATen.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/serialization/import.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include <fstream>
#include <stdexcept>

namespace testutil {

std::string saveScriptModule(const std::filesystem::path& file, const std::string& source,
                             const std::map<std::string, autoglm::TensorData>& params) try {
    torch::jit::Module module("__torch__.Sample");
    module.register_attribute("training", c10::BoolType::get(), false); // as every nn.Module has
    for (const auto& [name, value] : params) {
        const at::Tensor& t = value.tensor();
        if (at::isFloatingType(t.scalar_type()))
            module.register_parameter(name, t.clone(), false);
        else
            module.register_buffer(name, t.clone());
    }
    module.define(source);
    module.save(file.string());
    return {};
} catch (const std::exception& e) {
    return e.what();
}

std::vector<autoglm::TensorData> runScriptModule(const std::filesystem::path& file,
                                                 const std::vector<autoglm::TensorData>& inputs) {
    torch::jit::Module module = torch::jit::load(file.string());
    module.eval();
    std::vector<c10::IValue> args;
    for (const auto& in : inputs)
        args.emplace_back(in.tensor());
    const c10::IValue result = module.forward(args);
    std::vector<autoglm::TensorData> out;
    std::function<void(const c10::IValue&)> flatten = [&](const c10::IValue& v) {
        if (v.isTensor())
            out.emplace_back(v.toTensor().contiguous());
        else if (v.isTuple())
            for (const auto& e : v.toTupleRef().elements())
                flatten(e);
        else if (v.isList())
            for (const auto& e : v.toListRef())
                flatten(e);
        else
            throw std::runtime_error("forward returned a value that is not a tensor");
    };
    flatten(result);
    return out;
}

void savePickleOnly(const std::filesystem::path& file) {
    c10::Dict<std::string, at::Tensor> stateDict;
    stateDict.insert("fc.weight", at::randn({4, 3}));
    stateDict.insert("fc.bias", at::zeros({4}));
    const std::vector<char> bytes = torch::jit::pickle_save(c10::IValue(stateDict));
    std::ofstream(file, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

} // namespace testutil
