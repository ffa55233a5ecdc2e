// Arithmetic: binary ops with numpy broadcasting, unary maths, variadic Min/Max/Mean/Sum, Clip.
#include "pipeline/exec/OpRegistry.h"
#include "pipeline/exec/ops/OpFamilies.h"

namespace autoglm::exec {
namespace {

using Tensors = std::vector<at::Tensor>;

OpKernel unary(at::Tensor (*fn)(const at::Tensor&)) {
    return [fn](const OpContext& c) -> Tensors { return {fn(c.input(0))}; };
}

// Integer division in ONNX truncates toward zero, like C; torch's `/` would promote to float.
at::Tensor onnxDivide(const at::Tensor& a, const at::Tensor& b) {
    if (at::isIntegralType(a.scalar_type(), /*includeBool=*/false))
        return at::div(a, b, "trunc");
    return at::div(a, b);
}

// ONNX Pow keeps the base's element type whatever the exponent's type is.
at::Tensor power(const at::Tensor& base, const at::Tensor& exponent) {
    if (at::isIntegralType(base.scalar_type(), false) || at::isIntegralType(exponent.scalar_type(), false)) {
        const bool intBase = at::isIntegralType(base.scalar_type(), false);
        const bool intExp = at::isIntegralType(exponent.scalar_type(), false);
        if (intBase && intExp)
            return at::pow(base, exponent).to(base.scalar_type());
        return at::pow(base.to(at::kDouble), exponent.to(at::kDouble)).to(base.scalar_type());
    }
    return at::pow(base, exponent.to(base.scalar_type()));
}

Tensors variadic(const OpContext& c, at::Tensor (*combine)(const at::Tensor&, const at::Tensor&)) {
    at::Tensor acc = c.input(0);
    for (size_t i = 1; i < c.inputCount(); ++i)
        acc = combine(acc, c.input(i));
    return {acc};
}

at::Tensor clip(const OpContext& c) {
    at::Tensor x = c.input(0);
    at::Tensor out = x;
    if (c.opset() < 11) {
        const float lo = c.attrFloat("min", -std::numeric_limits<float>::infinity());
        const float hi = c.attrFloat("max", std::numeric_limits<float>::infinity());
        return at::clamp(x, lo, hi);
    }
    if (c.hasInput(1))
        out = at::maximum(out, c.input(1).to(x.scalar_type()));
    if (c.hasInput(2))
        out = at::minimum(out, c.input(2).to(x.scalar_type()));
    return out;
}

at::Tensor isInf(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    const bool neg = c.attrInt("detect_negative", 1) != 0;
    const bool pos = c.attrInt("detect_positive", 1) != 0;
    at::Tensor inf = at::isinf(x);
    if (neg && pos)
        return inf;
    if (neg)
        return inf & (x < 0);
    if (pos)
        return inf & (x > 0);
    return at::zeros_like(x, at::kBool);
}

} // namespace

void registerElementwiseOps(OpRegistry& r) {
    r.add("Add", [](const OpContext& c) -> Tensors { return {at::add(c.input(0), c.input(1))}; });
    r.add("Sub", [](const OpContext& c) -> Tensors { return {at::sub(c.input(0), c.input(1))}; });
    r.add("Mul", [](const OpContext& c) -> Tensors { return {at::mul(c.input(0), c.input(1))}; });
    r.add("Div", [](const OpContext& c) -> Tensors { return {onnxDivide(c.input(0), c.input(1))}; });
    r.add("Pow", [](const OpContext& c) -> Tensors { return {power(c.input(0), c.input(1))}; });
    r.add("Mod", [](const OpContext& c) -> Tensors {
        const at::Tensor &a = c.input(0), &b = c.input(1);
        if (c.attrInt("fmod", 0))
            return {at::fmod(a, b)};
        if (at::isFloatingType(a.scalar_type()))
            c.fail("fmod must be 1 for floating-point inputs");
        return {at::remainder(a, b)};
    });

    r.add("Abs", unary(at::abs));
    r.add("Neg", unary(at::neg));
    r.add("Reciprocal", unary(at::reciprocal));
    r.add("Floor", unary(at::floor));
    r.add("Ceil", unary(at::ceil));
    r.add("Round", unary(at::round)); // half to even, as ONNX specifies
    r.add("Sign", unary(at::sign));
    r.add("Sqrt", unary(at::sqrt));
    r.add("Exp", unary(at::exp));
    r.add("Log", unary(at::log));
    r.add("Erf", unary(at::erf));
    r.add("Sin", unary(at::sin));
    r.add("Cos", unary(at::cos));
    r.add("Tan", unary(at::tan));
    r.add("Asin", unary(at::asin));
    r.add("Acos", unary(at::acos));
    r.add("Atan", unary(at::atan));
    r.add("Sinh", unary(at::sinh));
    r.add("Cosh", unary(at::cosh));
    r.add("Asinh", unary(at::asinh));
    r.add("Acosh", unary(at::acosh));
    r.add("Atanh", unary(at::atanh));
    r.add("IsNaN", unary(at::isnan));
    r.add("IsInf", [](const OpContext& c) -> Tensors { return {isInf(c)}; });

    r.add("Min", [](const OpContext& c) { return variadic(c, at::minimum); });
    r.add("Max", [](const OpContext& c) { return variadic(c, at::maximum); });
    r.add("Sum", [](const OpContext& c) {
        return variadic(c, [](const at::Tensor& a, const at::Tensor& b) { return at::add(a, b); });
    });
    r.add("Mean", [](const OpContext& c) -> Tensors {
        at::Tensor sum = variadic(c, [](const at::Tensor& a, const at::Tensor& b) { return at::add(a, b); })[0];
        return {sum / static_cast<double>(c.inputCount())};
    });
    r.add("Clip", [](const OpContext& c) -> Tensors { return {clip(c)}; });
}

} // namespace autoglm::exec
