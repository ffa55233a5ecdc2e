#include "pipeline/exec/OpRegistry.h"

#include "pipeline/exec/TorchTypes.h"
#include "pipeline/exec/ops/OpFamilies.h"

namespace autoglm::exec {

OpContext::OpContext(const Node& node, int64_t opset, std::vector<at::Tensor> inputs, std::vector<DType> inputTypes)
    : m_node(node), m_opset(opset), m_inputs(std::move(inputs)), m_inputTypes(std::move(inputTypes)) {}

DType OpContext::inputType(size_t index) const {
    if (!hasInput(index))
        return DType::Undefined;
    if (index < m_inputTypes.size() && m_inputTypes[index] != DType::Undefined)
        return m_inputTypes[index];
    return dtypeFromTorch(m_inputs[index].scalar_type());
}

void OpContext::setOutputType(size_t index, DType type) {
    if (m_outputTypes.size() <= index)
        m_outputTypes.resize(index + 1, DType::Undefined);
    m_outputTypes[index] = type;
}

DType OpContext::outputType(size_t index) const {
    return index < m_outputTypes.size() ? m_outputTypes[index] : DType::Undefined;
}

bool OpContext::hasInput(size_t index) const {
    return index < m_inputs.size() && m_inputs[index].defined();
}

const at::Tensor& OpContext::input(size_t index) const {
    if (!hasInput(index))
        fail("input #" + std::to_string(index) + " is required but missing");
    return m_inputs[index];
}

bool OpContext::wantsOutput(size_t index) const {
    return index < m_node.outputs.size() && !m_node.outputs[index].empty();
}

int64_t OpContext::attrInt(const std::string& name, int64_t fallback) const {
    const Attribute* a = m_node.attribute(name);
    return a ? a->i : fallback;
}

int64_t OpContext::attrInt(const std::string& name) const {
    const Attribute* a = m_node.attribute(name);
    if (!a)
        fail("attribute '" + name + "' is required");
    return a->i;
}

float OpContext::attrFloat(const std::string& name, float fallback) const {
    const Attribute* a = m_node.attribute(name);
    return a ? a->f : fallback;
}

std::string OpContext::attrString(const std::string& name, const std::string& fallback) const {
    const Attribute* a = m_node.attribute(name);
    return a ? a->s : fallback;
}

std::vector<int64_t> OpContext::attrInts(const std::string& name, std::vector<int64_t> fallback) const {
    const Attribute* a = m_node.attribute(name);
    return a ? a->ints : fallback;
}

std::vector<float> OpContext::attrFloats(const std::string& name, std::vector<float> fallback) const {
    const Attribute* a = m_node.attribute(name);
    return a ? a->floats : fallback;
}

const TensorData* OpContext::attrTensor(const std::string& name) const {
    const Attribute* a = m_node.attribute(name);
    return a && a->kind == Attribute::Kind::Tensor ? &a->t : nullptr;
}

std::vector<int64_t> OpContext::intsInput(size_t index) const {
    return toInts(input(index));
}

int64_t OpContext::axis(int64_t axis, int64_t rank) const {
    if (axis < -rank || axis >= std::max<int64_t>(rank, 1))
        fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
    return axis < 0 ? axis + rank : axis;
}

void OpContext::fail(const std::string& message) const {
    throw AutoglmError(m_node.label() + ": " + message);
}

void OpContext::unsupported(const std::string& message) const {
    throw UnsupportedError(m_node.label() + ": " + message);
}

std::vector<int64_t> toInts(const at::Tensor& tensor) {
    at::Tensor flat = tensor.detach().to(at::kCPU).to(at::kLong).contiguous().reshape({-1});
    const int64_t* data = flat.data_ptr<int64_t>();
    return {data, data + flat.numel()};
}

void OpRegistry::add(const std::string& opType, OpKernel kernel, const std::string& domain) {
    m_kernels[{domain, opType}] = std::move(kernel);
}

const OpKernel* OpRegistry::find(const std::string& domain, const std::string& opType) const {
    auto it = m_kernels.find({domain == "ai.onnx" ? "" : domain, opType});
    return it == m_kernels.end() ? nullptr : &it->second;
}

std::vector<std::string> OpRegistry::opTypes() const {
    std::vector<std::string> out;
    for (const auto& [key, kernel] : m_kernels)
        out.push_back(key.first.empty() ? key.second : key.first + "::" + key.second);
    return out;
}

const OpRegistry& OpRegistry::builtin() {
    static const OpRegistry registry = [] {
        OpRegistry r;
        registerElementwiseOps(r);
        registerActivationOps(r);
        registerLogicOps(r);
        registerLinearOps(r);
        registerConvOps(r);
        registerPoolOps(r);
        registerNormalizationOps(r);
        registerReduceOps(r);
        registerShapeOps(r);
        registerIndexingOps(r);
        registerGeneratorOps(r);
        registerPadResizeOps(r);
        registerRecurrentOps(r);
        registerQuantizationOps(r);
        registerLossOps(r);
        registerSignalOps(r);
        registerContribOps(r);
        return r;
    }();
    return registry;
}

} // namespace autoglm::exec
