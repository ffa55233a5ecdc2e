#include "pipeline/exec/Executor.h"

#include "pipeline/exec/ConstantFolding.h"
#include "pipeline/exec/GraphRewrites.h"
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
    std::vector<Step> steps;
    std::vector<int> outputSlots;

    int slot(const std::string& name) {
        auto [it, inserted] = slotOf.emplace(name, static_cast<int>(slotOf.size()));
        return it->second;
    }
};

namespace {

std::string shapeOf(const at::Tensor& t) {
    std::string out = "[";
    for (int64_t i = 0; i < t.dim(); ++i)
        out += (i ? "," : "") + std::to_string(t.size(i));
    return out + "]";
}

Status checkInput(const ValueInfo& info, const at::Tensor& t) {
    const DType actual = dtypeFromTorch(t.scalar_type());
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

} // namespace

Executor::Executor(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Executor::Executor(Executor&&) noexcept = default;
Executor& Executor::operator=(Executor&&) noexcept = default;
Executor::~Executor() = default;

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
    auto impl = std::make_unique<Impl>();
    impl->model = model;
    impl->options = options;
    if (options.fuse) {
        exec::fuseErfGelu(impl->model.graph);
        // Folded constants would be cut off from gradients, which training through the executor needs.
        if (!options.autograd)
            exec::foldConstants(impl->model);
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
    for (const auto& [name, tensor] : graph.initializers)
        impl->constants[impl->slotOf.at(name)] = tensor.tensor().to(impl->device);
    return Executor(std::move(impl));
}

Result<TensorMap> Executor::run(const TensorMap& inputs, std::stop_token stop, const NodeObserver& observer) const {
    const Impl& impl = *m_impl;
    const Graph& graph = impl.model.graph;
    std::vector<at::Tensor> values = impl.constants;

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
        auto ok = checkInput(info, it->second.tensor());
        if (!ok)
            return ok.error();
        values[impl.slotOf.at(info.name)] = it->second.tensor().to(impl.device);
    }

    c10::AutoGradMode gradMode(impl.options.autograd);
    for (const auto& step : impl.steps) {
        if (stop.stop_requested())
            return Error{"cancelled"};
        const Node& node = graph.nodes[step.node];
        std::vector<at::Tensor> args;
        args.reserve(step.inputSlots.size());
        for (int s : step.inputSlots)
            args.push_back(s >= 0 ? values[s] : at::Tensor());
        std::vector<at::Tensor> results;
        try {
            results = (*step.kernel)(OpContext(node, step.opset, std::move(args)));
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
        outputs[graph.outputs[o].name] = TensorData(impl.options.autograd ? t : t.cpu());
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

void setComputeThreads(int threads) {
    const int n = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    at::set_num_threads(n);
}

} // namespace autoglm
