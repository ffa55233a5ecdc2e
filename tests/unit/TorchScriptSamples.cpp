#include "TorchScriptSamples.h"

#include <ATen/ATen.h>
#include <torch/csrc/api/include/torch/version.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/library.h>
#include <torch/csrc/jit/serialization/import.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <stdexcept>

#if TORCH_VERSION_MAJOR < 2
// LibTorch 1.13 has no scaled_dot_product_attention (PyTorch 2.0 added it). So that modules calling it can be
// scripted, saved and run here, the op is registered under its PyTorch 2 schema with the semantics its
// documentation gives (bool masks keep where true, float masks add, is_causal keeps the lower triangle of
// [L, S], enable_gqa repeats each key/value head). The GPU machine's PyTorch 2 checks the real op
// (tests/torchscript/sdpa_on_gpu.sh).
namespace {

at::Tensor documentedAttention(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                               const c10::optional<at::Tensor>& mask, double dropout, bool causal,
                               c10::optional<double> scale, bool gqa) {
    TORCH_CHECK(dropout == 0.0, "the test op has no dropout");
    at::Tensor k = key, v = value;
    if (gqa) {
        const int64_t group = query.size(-3) / key.size(-3);
        k = key.repeat_interleave(group, -3);
        v = value.repeat_interleave(group, -3);
    }
    const double factor = scale ? *scale : 1.0 / std::sqrt(static_cast<double>(query.size(-1)));
    at::Tensor scores = at::matmul(query, k.transpose(-2, -1)) * factor;
    const double minusInf = -std::numeric_limits<double>::infinity();
    if (causal)
        scores = scores.masked_fill(at::ones({query.size(-2), k.size(-2)}, at::kBool).tril().logical_not(), minusInf);
    if (mask && mask->defined())
        scores = mask->scalar_type() == at::kBool ? scores.masked_fill(mask->logical_not(), minusInf) : scores + *mask;
    return at::matmul(at::softmax(scores, -1), v);
}

} // namespace

TORCH_LIBRARY_FRAGMENT(aten, m) {
    m.def("scaled_dot_product_attention(Tensor query, Tensor key, Tensor value, Tensor? attn_mask=None, "
          "float dropout_p=0.0, bool is_causal=False, *, float? scale=None, bool enable_gqa=False) -> Tensor",
          &documentedAttention);
}
#endif

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
