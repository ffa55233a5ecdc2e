#include "pipeline/exec/Executor.h"

#include "pipeline/common/MemoryBudget.h"

#include "pipeline/exec/ConstantFolding.h"
#include "pipeline/exec/CudaQuantGlue_p.h"
#include "pipeline/exec/GraphRewrites.h"
#include "pipeline/exec/Int8Linear_p.h"
#include "pipeline/exec/OpRegistry.h"
#include "pipeline/exec/TorchTypes.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>

#include <algorithm>
#include <set>
#include <thread>
#include <unordered_map>

namespace autoglm {
using exec::OpContext;
using exec::OpKernel;
using exec::OpRegistry;

struct Executor::Impl {
    struct Step {
        size_t node;
        const OpKernel* kernel;
        int64_t opset;
        std::vector<int> inputSlots;  // -1: omitted optional input
        std::vector<int> outputSlots; // -1: omitted optional output
        std::vector<int> freeAfter;   // slots no later step reads
    };

    Model model;
    ExecutorOptions options;
    at::Device device{at::kCPU};
    std::unordered_map<std::string, int> slotOf;
    std::vector<at::Tensor> constants; // per slot: initializers, preloaded on the device
    std::vector<DType> constantTypes;  // per slot: Int4 / UInt4 for 4-bit initializers, else Undefined
    std::vector<Step> steps;
    std::vector<int> outputSlots;
    bool half = false; // ExecutorOptions::precision == "fp16"

    int slot(const std::string& name) {
        auto [it, inserted] = slotOf.emplace(name, static_cast<int>(slotOf.size()));
        return it->second;
    }
};

namespace {

at::Tensor toHalf(const at::Tensor& t) {
    return t.scalar_type() == at::kFloat ? t.to(at::kHalf) : t;
}

// Initializers that quantization ops read as scales or zero points (any input after the first): they keep
// float32 in half precision, so quantized values are computed as the file defines them.
std::set<std::string> quantizationParameters(const Graph& graph) {
    static const std::set<std::string> ops = {"QuantizeLinear",  "DequantizeLinear",     "DynamicQuantizeLinear",
                                              "FakeQuantize",    "FakeQuantizeSte",      "QuantizedMatMul",
                                              "MatMulNBits",     "QLinearMatMul",        "QLinearConv",
                                              "MatMulInteger",   "PackedMatMulInteger",  "ConvInteger"};
    std::set<std::string> out;
    for (const auto& node : graph.nodes)
        if (ops.count(node.opType))
            for (size_t i = 1; i < node.inputs.size(); ++i)
                if (graph.initializers.count(node.inputs[i]))
                    out.insert(node.inputs[i]);
    return out;
}

std::string shapeOf(const at::Tensor& t) {
    std::string out = "[";
    for (int64_t i = 0; i < t.dim(); ++i)
        out += (i ? "," : "") + std::to_string(t.size(i));
    return out + "]";
}

// The logical type a value carries beside its tensor: Int4 / UInt4 for 4-bit values, else Undefined (the
// tensor's own type).
DType subByteTypeOf(const TensorData& t) {
    return isSubByte(t.dtype()) ? t.dtype() : DType::Undefined;
}

Status checkInput(const ValueInfo& info, const TensorData& data) {
    const at::Tensor& t = data.tensor();
    const DType actual = data.dtype();
    if (info.dtype != DType::Undefined && actual != info.dtype)
        return Error{"input '" + info.name + "' must be " + dtypeName(info.dtype) + " but got " + dtypeName(actual)};
    if (!info.shape)
        return Ok{};
    const auto& dims = *info.shape;
    bool matches = static_cast<int64_t>(dims.size()) == t.dim();
    for (size_t i = 0; matches && i < dims.size(); ++i)
        matches = !dims[i].isFixed() || dims[i].value == t.size(static_cast<int64_t>(i));
    if (!matches)
        return Error{"input '" + info.name + "' must have shape " + info.shapeString() + " but got " + shapeOf(t)};
    return Ok{};
}

// ONNX (opset 21) admits 4-bit tensors only in a few ops. Ours read the unpacked int8 / uint8 storage as
// plain integers, which is right where they only convert, move or dequantize the values; any other kernel
// would compute in the wrong type, so a 4-bit input anywhere else is refused. Returns the inputs that may be
// 4-bit for an op, or nullptr.
const std::vector<size_t>* subByteInputs(const Node& node) {
    static const std::map<std::string, std::vector<size_t>> accepted{
        {"DequantizeLinear", {0, 2}},
        {"QuantizeLinear", {2}},
        {"Cast", {0}},
        {"CastLike", {0}},
        {"Identity", {0}},
        {"Reshape", {0}},
        {"Flatten", {0}},
        {"Squeeze", {0}},
        {"Unsqueeze", {0}},
        {"Transpose", {0}},
        {"Shape", {0}},
        {"Size", {0}},
    };
    if (!node.domain.empty())
        return nullptr;
    auto it = accepted.find(node.opType);
    return it == accepted.end() ? nullptr : &it->second;
}

// Ops whose first output is their first input's elements rearranged: a 4-bit input gives a 4-bit output.
bool keepsSubByte(const Node& node) {
    static const std::set<std::string> ops{"Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose"};
    return node.domain.empty() && ops.count(node.opType);
}

// ONNX's own list of ops with 4-bit inputs (opset 21 type constraints): a 4-bit input there is valid ONNX
// that we do not run; anywhere else it is an invalid model.
bool onnxAllowsSubByte(const Node& node) {
    static const std::set<std::string> ops{
        "Cast",  "CastLike", "Constant", "ConstantOfShape", "DequantizeLinear", "Flatten", "Identity",
        "If",    "Loop",     "Pad",      "QLinearMatMul",   "QuantizeLinear",   "Reshape", "Scan",
        "Shape", "Size",     "Squeeze",  "Transpose",       "Unsqueeze"};
    return node.domain.empty() && ops.count(node.opType);
}

Status checkSubByteInputs(const Node& node, const std::vector<DType>& types) {
    const std::vector<size_t>* accepted = subByteInputs(node);
    for (size_t i = 0; i < types.size(); ++i) {
        if (!isSubByte(types[i]) || (accepted && std::find(accepted->begin(), accepted->end(), i) != accepted->end()))
            continue;
        const std::string what =
            node.label() + ": input #" + std::to_string(i) + " '" + node.inputs[i] + "' is " + dtypeName(types[i]);
        if (onnxAllowsSubByte(node))
            return Error{what + ", which this op does not support for that input", true};
        return Error{what + ", but ONNX allows 4-bit tensors only in Cast, (De)QuantizeLinear, Reshape and other "
                            "data-movement ops"};
    }
    return Ok{};
}

} // namespace

Executor::Executor(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Executor::Executor(Executor&&) noexcept = default;
Executor& Executor::operator=(Executor&&) noexcept = default;
Executor::~Executor() {
    // Packed CUDA and int8 weights keep their source tensors alive; they go with the executor that made them (another
    // live executor repacks its own on its next run).
    if (m_impl) {
        exec::clearCudaQuantCache();
        exec::clearInt8Cache();
    }
}

const Model& Executor::model() const {
    return m_impl->model;
}
const ExecutorOptions& Executor::options() const {
    return m_impl->options;
}

Result<Executor> Executor::create(const Model& model, const ExecutorOptions& options) {
    auto valid = model.graph.validate();
    if (!valid)
        return valid.error();
    // Weights still mapped in their stored form (a checkpoint's) become float32 here: refused first if they
    // would not fit.
    int64_t firstUseBytes = 0;
    for (const auto& [name, tensor] : model.graph.initializers)
        if (!tensor.materialized())
            firstUseBytes += tensor.byteSize();
    if (auto fits = checkMemoryFor(firstUseBytes, "running the model (its weights as float32)"); !fits)
        return fits.error();
    auto impl = std::make_unique<Impl>();
    impl->model = model;
    impl->options = options;
    if (options.fuse) {
        exec::fuseErfGelu(impl->model.graph);
        exec::fuseQuantizeDequantize(impl->model.graph);
        // Quantized layers in a form our int8 / int4 kernels run: oneDNN's on the CPU, kernels/ on a CUDA device.
        const bool cudaKernels = options.device == "cuda" && exec::cudaQuantKernelsUsable();
        if (options.int8Kernels && !options.autograd &&
            ((options.device == "cpu" && exec::int8KernelsAvailable()) || cudaKernels))
            exec::fuseInt8MatMul(impl->model.graph);
        if (cudaKernels && !options.autograd)
            exec::fuseInt4MatMulNBits(impl->model.graph);
        // Folded constants would be cut off from gradients, which training through the executor needs.
        if (!options.autograd)
            exec::foldConstants(impl->model);
    }
    if (options.precision == "fp16") {
        if (options.device != "cuda" || options.autograd)
            return Error{"precision fp16 needs device cuda and no training (the CPU has no fast half GEMM)"};
        impl->half = true;
    } else if (options.precision != "fp32") {
        return Error{"unknown precision '" + options.precision + "' (expected fp32 or fp16)"};
    }
    if (options.device == "cuda") {
        if (!cudaAvailable())
            return Error{"device 'cuda' was requested but this LibTorch has no CUDA device available"};
        impl->device = at::Device(at::kCUDA);
    } else if (options.device != "cpu") {
        return Error{"unknown device '" + options.device + "' (expected cpu or cuda)"};
    }

    const Graph& graph = impl->model.graph;
    auto order = graph.topologicalOrder();
    if (!order)
        return order.error();
    const OpRegistry& registry = OpRegistry::builtin();
    std::map<std::string, std::string> unknownOps; // op -> first node using it
    for (const auto& node : graph.nodes)
        if (!registry.find(node.domain, node.opType)) {
            const std::string op = node.domain.empty() ? node.opType : node.domain + "::" + node.opType;
            unknownOps.emplace(op, node.name.empty() ? node.outputs.front() : node.name);
        }
    if (!unknownOps.empty()) {
        std::string message = "unsupported op";
        message += unknownOps.size() > 1 ? "s: " : ": ";
        bool first = true;
        for (const auto& [op, nodeName] : unknownOps) {
            message += (first ? "" : ", ") + op + " (node '" + nodeName + "')";
            first = false;
        }
        return Error{message, true};
    }

    for (const auto& in : graph.feedInputs())
        impl->slot(in.name);
    for (const auto& [name, tensor] : graph.initializers)
        impl->slot(name);
    for (size_t n : order.value()) {
        const Node& node = graph.nodes[n];
        Impl::Step step{n, registry.find(node.domain, node.opType), model.opsetVersion(node.domain), {}, {}, {}};
        if (step.opset == 0 && node.domain.empty())
            step.opset = 1;
        for (const auto& in : node.inputs)
            step.inputSlots.push_back(in.empty() ? -1 : impl->slot(in));
        for (const auto& out : node.outputs)
            step.outputSlots.push_back(out.empty() ? -1 : impl->slot(out));
        impl->steps.push_back(std::move(step));
    }
    for (const auto& out : graph.outputs)
        impl->outputSlots.push_back(impl->slot(out.name));

    // Free each intermediate after its last reader so peak memory follows the live set, not the graph size.
    std::vector<int> lastUse(impl->slotOf.size(), -1);
    for (size_t s = 0; s < impl->steps.size(); ++s)
        for (int in : impl->steps[s].inputSlots)
            if (in >= 0)
                lastUse[in] = static_cast<int>(s);
    std::set<int> keep(impl->outputSlots.begin(), impl->outputSlots.end());
    for (const auto& [name, tensor] : graph.initializers)
        keep.insert(impl->slotOf.at(name));
    for (int slotIndex = 0; slotIndex < static_cast<int>(lastUse.size()); ++slotIndex)
        if (lastUse[slotIndex] >= 0 && !keep.count(slotIndex))
            impl->steps[lastUse[slotIndex]].freeAfter.push_back(slotIndex);

    impl->constants.resize(impl->slotOf.size());
    impl->constantTypes.resize(impl->slotOf.size(), DType::Undefined);
    const std::set<std::string> keepFloat32 = impl->half ? quantizationParameters(graph) : std::set<std::string>{};
    for (const auto& [name, tensor] : graph.initializers) {
        try {
            at::Tensor& constant = impl->constants[impl->slotOf.at(name)];
            constant = tensor.tensor().to(impl->device);
            if (impl->half && !keepFloat32.count(name))
                constant = toHalf(constant);
        } catch (const std::exception& e) {
            return Error{"initializer '" + name + "' cannot be prepared for " + impl->device.str() + ": " + e.what()};
        }
        impl->constantTypes[impl->slotOf.at(name)] = subByteTypeOf(tensor);
    }
    return Executor(std::move(impl));
}

Result<TensorMap> Executor::run(const TensorMap& inputs, std::stop_token stop, const NodeObserver& observer) const {
    const Impl& impl = *m_impl;
    const Graph& graph = impl.model.graph;
    std::vector<at::Tensor> values = impl.constants;
    std::vector<DType> types = impl.constantTypes;

    const auto feeds = graph.feedInputs();
    for (const auto& [name, tensor] : inputs)
        if (std::none_of(feeds.begin(), feeds.end(), [&](const ValueInfo& v) { return v.name == name; })) {
            std::string expected;
            for (const auto& f : feeds)
                expected += (expected.empty() ? "" : ", ") + f.name;
            return Error{"the model has no input named '" + name + "' (inputs: " + expected + ")"};
        }
    for (const auto& info : feeds) {
        auto it = inputs.find(info.name);
        if (it == inputs.end() || !it->second.defined())
            return Error{"input '" + info.name + "' " + info.shapeString() + " " + dtypeName(info.dtype) +
                         " was not given"};
        auto ok = checkInput(info, it->second);
        if (!ok)
            return ok.error();
        values[impl.slotOf.at(info.name)] = it->second.tensor().to(impl.device);
        if (impl.half)
            values[impl.slotOf.at(info.name)] = toHalf(values[impl.slotOf.at(info.name)]);
        types[impl.slotOf.at(info.name)] = subByteTypeOf(it->second);
    }

    c10::AutoGradMode gradMode(impl.options.autograd);
    for (const auto& step : impl.steps) {
        if (stop.stop_requested())
            return Error{"cancelled"};
        const Node& node = graph.nodes[step.node];
        std::vector<at::Tensor> args;
        std::vector<DType> argTypes;
        args.reserve(step.inputSlots.size());
        for (int s : step.inputSlots) {
            args.push_back(s >= 0 ? values[s] : at::Tensor());
            argTypes.push_back(s >= 0 ? types[s] : DType::Undefined);
        }
        if (auto ok = checkSubByteInputs(node, argTypes); !ok)
            return ok.error();
        OpContext context(node, step.opset, std::move(args), argTypes);
        std::vector<at::Tensor> results;
        try {
            results = (*step.kernel)(context);
        } catch (const UnsupportedError& e) {
            return Error{e.what(), true};
        } catch (const AutoglmError& e) {
            return Error{e.what()};
        } catch (const c10::Error& e) {
            return Error{node.label() + ": " + e.what_without_backtrace()};
        } catch (const std::exception& e) {
            return Error{node.label() + ": " + e.what()};
        }
        if (results.size() > step.outputSlots.size())
            return Error{node.label() + ": produced " + std::to_string(results.size()) + " outputs, node declares " +
                         std::to_string(step.outputSlots.size())};
        if (observer) {
            std::vector<Shape> inShapes, outShapes;
            for (int s : step.inputSlots)
                inShapes.push_back(s >= 0 ? values[s].sizes().vec() : Shape{});
            for (const auto& r : results)
                outShapes.push_back(r.defined() ? r.sizes().vec() : Shape{});
            observer(node, inShapes, outShapes);
        }
        for (size_t o = 0; o < step.outputSlots.size(); ++o) {
            if (step.outputSlots[o] < 0)
                continue;
            if (o >= results.size() || !results[o].defined())
                return Error{node.label() + ": output '" + node.outputs[o] + "' was not produced"};
            // Kernels that build small tensors (shapes, constants) make them on the CPU; keep every value
            // on the executor's device so the next kernel never mixes devices.
            if (results[o].device() != impl.device)
                results[o] = results[o].to(impl.device);
            // In half precision every float32 result (a dequantization's, a cast's) continues as half, so the
            // next op never mixes the two.
            if (impl.half)
                results[o] = toHalf(results[o]);
            DType type = context.outputType(o);
            if (type == DType::Undefined && o == 0 && keepsSubByte(node) && isSubByte(argTypes[0]) &&
                results[0].scalar_type() == *storageTorchType(argTypes[0]))
                type = argTypes[0];
            types[step.outputSlots[o]] = isSubByte(type) ? type : DType::Undefined;
            values[step.outputSlots[o]] = std::move(results[o]);
        }
        for (int s : step.freeAfter)
            values[s] = at::Tensor();
    }

    TensorMap outputs;
    for (size_t o = 0; o < graph.outputs.size(); ++o) {
        at::Tensor t = values[impl.outputSlots[o]];
        if (!t.defined())
            return Error{"graph output '" + graph.outputs[o].name + "' was not computed"};
        // Half precision ran float outputs as half: they are handed back in the type the model declares.
        if (impl.half && t.scalar_type() == at::kHalf && graph.outputs[o].dtype != DType::Float16)
            t = t.to(at::kFloat);
        const at::Tensor held = impl.options.autograd ? t : t.cpu();
        const DType type = types[impl.outputSlots[o]];
        outputs[graph.outputs[o].name] = isSubByte(type) ? TensorData(held, type) : TensorData(held);
    }
    return outputs;
}

std::vector<std::string> supportedOpTypes() {
    return OpRegistry::builtin().opTypes();
}

bool cudaAvailable() {
    try {
        return at::hasCUDA(); // true only when LibTorch has CUDA and sees a device
    } catch (const std::exception&) {
        return false;
    }
}

CudaKernelUse cudaKernelUse() {
    const exec::CudaKernelCalls calls = exec::cudaQuantKernelCalls();
    return {calls.w4a16, calls.w4Dequantize, calls.w8a8};
}

bool int8KernelsAvailable() {
    return exec::int8KernelsAvailable();
}

void setComputeThreads(int threads) {
    const int n = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    at::set_num_threads(n);
}

int computeThreads() { return at::get_num_threads(); }

void setRandomSeed(uint64_t seed) { at::manual_seed(seed); }

} // namespace autoglm
