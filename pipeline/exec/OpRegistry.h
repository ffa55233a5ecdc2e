#pragma once
// Private to pipeline/*.cpp: the op registry maps (domain, op type) to a kernel written against LibTorch.
// One file per op family under exec/ops registers its kernels (see ops/OpFamilies.h).

#include "pipeline/common/Result.h"
#include "pipeline/ir/Graph.h"

#include <ATen/ATen.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace autoglm::exec {

// What a kernel sees of one node: its inputs (undefined tensors for omitted optional inputs), attributes with
// defaults, and the opset version in force, so kernels can follow each opset's semantics.
//
// 4-bit values travel unpacked in int8 / uint8 tensors (LibTorch has no 4-bit type), so their logical type
// travels beside them: inputType() reports Int4 / UInt4 for such inputs, and a kernel that produces 4-bit
// values says so with setOutputType().
class OpContext {
public:
    // inputTypes: the logical type of each input where it differs from its tensor's (4-bit values); may be
    // shorter than inputs or empty.
    OpContext(const Node& node, int64_t opset, std::vector<at::Tensor> inputs, std::vector<DType> inputTypes = {});

    const Node& node() const { return m_node; }
    int64_t opset() const { return m_opset; }

    size_t inputCount() const { return m_inputs.size(); }
    bool hasInput(size_t index) const;
    // Throws AutoglmError naming the node when the input is missing.
    const at::Tensor& input(size_t index) const;
    const std::vector<at::Tensor>& inputs() const { return m_inputs; }
    // The input's logical element type (Int4 / UInt4 for 4-bit values); Undefined when the input is missing.
    DType inputType(size_t index) const;
    size_t outputCount() const { return m_node.outputs.size(); }
    bool wantsOutput(size_t index) const;
    // Declares that output `index` holds 4-bit values (in an int8 / uint8 tensor). Outputs not declared have
    // their tensor's type.
    void setOutputType(size_t index, DType type);
    DType outputType(size_t index) const;

    bool hasAttr(const std::string& name) const { return m_node.attribute(name) != nullptr; }
    int64_t attrInt(const std::string& name, int64_t fallback) const;
    int64_t attrInt(const std::string& name) const; // required
    float attrFloat(const std::string& name, float fallback) const;
    std::string attrString(const std::string& name, const std::string& fallback) const;
    std::vector<int64_t> attrInts(const std::string& name, std::vector<int64_t> fallback = {}) const;
    std::vector<float> attrFloats(const std::string& name, std::vector<float> fallback = {}) const;
    const TensorData* attrTensor(const std::string& name) const;

    // A 0-d or 1-d integer tensor input as values (shapes, axes, pads...).
    std::vector<int64_t> intsInput(size_t index) const;
    // Normalizes a possibly negative axis against a rank; throws naming the node when out of range.
    int64_t axis(int64_t axis, int64_t rank) const;

    [[noreturn]] void fail(const std::string& message) const;
    [[noreturn]] void unsupported(const std::string& message) const;

private:
    const Node& m_node;
    int64_t m_opset;
    std::vector<at::Tensor> m_inputs;
    std::vector<DType> m_inputTypes;
    std::vector<DType> m_outputTypes;
};

// Kernels that only read their context take it as const; the context is non-const so that a kernel can
// declare its outputs' logical types.
// Ops the executor's own rewrites create (never in a model file).
inline constexpr const char* kInternalDomain = "ai.autoglm.internal";

using OpKernel = std::function<std::vector<at::Tensor>(OpContext&)>;

class OpRegistry {
public:
    void add(const std::string& opType, OpKernel kernel, const std::string& domain = "");
    const OpKernel* find(const std::string& domain, const std::string& opType) const;
    std::vector<std::string> opTypes() const; // "domain::Op" for non-default domains

    // Every kernel we have, registered once.
    static const OpRegistry& builtin();

private:
    std::map<std::pair<std::string, std::string>, OpKernel> m_kernels;
};

std::vector<int64_t> toInts(const at::Tensor& tensor);

} // namespace autoglm::exec
