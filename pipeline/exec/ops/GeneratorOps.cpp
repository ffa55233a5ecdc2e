// Ops that create tensors or change element types: Constant, ConstantOfShape, Range, EyeLike, Cast, CastLike.
#include "pipeline/exec/OpRegistry.h"
#include "pipeline/exec/TorchTypes.h"
#include "pipeline/exec/ops/OpFamilies.h"

namespace autoglm::exec {
namespace {

using Tensors = std::vector<at::Tensor>;

at::Tensor constant(const OpContext& c) {
    if (const TensorData* t = c.attrTensor("value"))
        return t->tensor();
    if (c.hasAttr("value_float"))
        return at::scalar_tensor(c.attrFloat("value_float", 0), at::kFloat);
    if (c.hasAttr("value_int"))
        return at::scalar_tensor(c.attrInt("value_int", 0), at::kLong);
    if (c.hasAttr("value_floats"))
        return at::tensor(c.attrFloats("value_floats"), at::kFloat);
    if (c.hasAttr("value_ints"))
        return at::tensor(c.attrInts("value_ints"), at::kLong);
    if (c.hasAttr("sparse_value") || c.hasAttr("value_string") || c.hasAttr("value_strings"))
        c.unsupported("sparse and string constants are not supported");
    c.fail("has no value attribute");
}

at::Tensor constantOfShape(const OpContext& c) {
    const std::vector<int64_t> shape = c.intsInput(0);
    for (int64_t d : shape)
        if (d < 0)
            c.fail("shape has a negative dimension " + std::to_string(d));
    if (const TensorData* value = c.attrTensor("value")) {
        if (value->numel() != 1)
            c.fail("value must hold exactly one element");
        return at::full(shape, value->tensor().reshape({}).item(), value->tensor().options());
    }
    return at::zeros(shape, at::kFloat);
}

at::Tensor range(const OpContext& c) {
    const at::Tensor &start = c.input(0), &limit = c.input(1), &delta = c.input(2);
    const double s = start.item<double>(), l = limit.item<double>(), d = delta.item<double>();
    if (d == 0)
        c.fail("delta must not be 0");
    const auto n = static_cast<int64_t>(std::max(std::ceil((l - s) / d), 0.0));
    // start + i * delta in the output type, like the ONNX reference (not arange's accumulated float steps).
    if (at::isFloatingType(start.scalar_type()))
        return (at::arange(n, at::kDouble) * d + s).to(start.scalar_type());
    return at::arange(n, at::kLong).mul(delta.item<int64_t>()).add(start.item<int64_t>()).to(start.scalar_type());
}

at::Tensor eyeLike(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    if (x.dim() != 2)
        c.fail("input must be 2-D");
    const at::ScalarType type = c.hasAttr("dtype")
                                    ? requireTorchType(static_cast<DType>(c.attrInt("dtype", 1)), c.node().label())
                                    : x.scalar_type();
    const int64_t k = c.attrInt("k", 0);
    at::Tensor out = at::zeros(x.sizes(), at::TensorOptions().dtype(type));
    if (k < x.size(1) && -k < x.size(0))
        out.diagonal(k).fill_(1);
    return out;
}

} // namespace

void registerGeneratorOps(OpRegistry& r) {
    r.add("Constant", [](const OpContext& c) -> Tensors { return {constant(c)}; });
    r.add("ConstantOfShape", [](const OpContext& c) -> Tensors { return {constantOfShape(c)}; });
    r.add("Range", [](const OpContext& c) -> Tensors { return {range(c)}; });
    r.add("EyeLike", [](const OpContext& c) -> Tensors { return {eyeLike(c)}; });
    r.add("Cast", [](const OpContext& c) -> Tensors {
        return {c.input(0).to(requireTorchType(static_cast<DType>(c.attrInt("to")), c.node().label()))};
    });
    r.add("CastLike", [](const OpContext& c) -> Tensors { return {c.input(0).to(c.input(1).scalar_type())}; });
}

} // namespace autoglm::exec
