// Linear quantization: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, and the integer and
// quantized-linear MatMul/Conv ops. Integer products are computed in float64, which is exact at 8-bit inputs.
#include "pipeline/exec/OpRegistry.h"
#include "pipeline/exec/ops/OpFamilies.h"
#include "pipeline/exec/ops/Spatial.h"

#include <limits>

namespace autoglm::exec {
namespace {

using Tensors = std::vector<at::Tensor>;

std::pair<double, double> rangeOf(const OpContext& c, at::ScalarType type) {
    switch (type) {
    case at::kByte:
        return {0, 255};
    case at::kChar:
        return {-128, 127};
    case at::kShort:
        return {std::numeric_limits<int16_t>::min(), std::numeric_limits<int16_t>::max()};
    case at::kInt:
        return {std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()};
    default:
        c.unsupported(std::string("quantized type ") + at::toString(type) + " is not supported");
    }
}

// Rounds half to even, adds the zero point and saturates to `type`.
at::Tensor saturate(const OpContext& c, const at::Tensor& scaled, const at::Tensor& zeroPoint, at::ScalarType type) {
    const auto [lo, hi] = rangeOf(c, type);
    return at::clamp(at::round(scaled) + zeroPoint, lo, hi).to(type);
}

// Per-axis parameters (1-D, one entry per slice along `axis`) are shaped to broadcast against the input;
// scalars broadcast as they are.
at::Tensor alongAxis(const OpContext& c, const at::Tensor& p, const at::Tensor& x, int64_t axisDefault) {
    if (p.dim() == 0 || (p.dim() == 1 && p.numel() == 1))
        return p.reshape({});
    if (p.dim() != 1)
        c.unsupported("blocked quantization parameters are not supported");
    const int64_t axis = c.axis(c.attrInt("axis", axisDefault), x.dim());
    if (p.size(0) != x.size(axis))
        c.fail("per-axis parameter has " + std::to_string(p.size(0)) + " entries for an axis of size " +
               std::to_string(x.size(axis)));
    std::vector<int64_t> shape(x.dim(), 1);
    shape[axis] = p.size(0);
    return p.reshape(shape);
}

at::ScalarType computeType(const at::Tensor& x) {
    return x.scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
}

at::Tensor quantizeLinear(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    if (c.attrInt("block_size", 0) != 0)
        c.unsupported("blocked quantization is not supported");
    const at::ScalarType type = computeType(x);
    const at::Tensor scale = alongAxis(c, c.input(1), x, 1).to(type);
    at::ScalarType outType = at::kByte;
    at::Tensor zeroPoint = at::zeros({}, type);
    if (c.hasInput(2)) {
        outType = c.input(2).scalar_type();
        zeroPoint = alongAxis(c, c.input(2), x, 1).to(type);
    } else if (c.hasAttr("output_dtype")) {
        c.unsupported("output_dtype is not supported");
    }
    return saturate(c, x.to(type) / scale, zeroPoint, outType);
}

at::Tensor dequantizeLinear(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    if (c.attrInt("block_size", 0) != 0)
        c.unsupported("blocked quantization is not supported");
    const at::ScalarType outType = c.input(1).scalar_type();
    const at::ScalarType type = computeType(c.input(1));
    const at::Tensor scale = alongAxis(c, c.input(1), x, 1).to(type);
    at::Tensor shifted = x.to(type);
    if (c.hasInput(2))
        shifted = shifted - alongAxis(c, c.input(2), x, 1).to(type);
    return (shifted * scale).to(outType);
}

// uint8 with the range widened to include 0, as the spec's formula: scale = (max - min) / 255,
// zero point = saturate(round(-min / scale)).
Tensors dynamicQuantizeLinear(const OpContext& c) {
    const at::Tensor x = c.input(0).to(at::kFloat);
    const at::Tensor zero = at::zeros({}, at::kFloat);
    const at::Tensor lo = x.numel() ? at::minimum(x.min(), zero) : zero;
    const at::Tensor hi = x.numel() ? at::maximum(x.max(), zero) : zero;
    const at::Tensor span = at::where(hi == lo, at::ones({}, at::kFloat), hi - lo);
    const at::Tensor scale = span / 255.0f;
    const at::Tensor zeroPoint = at::round(at::clamp(-lo / scale, 0, 255));
    return {saturate(c, x / scale, zeroPoint, at::kByte), scale, zeroPoint.to(at::kByte)};
}

// A zero point or scale for a matrix operand: scalar, per row of A ([M] or [..., M, 1]) or per column of B
// ([N] or [..., 1, N]).
at::Tensor matrixParam(const at::Tensor& p, bool rows) {
    if (p.dim() == 0 || p.numel() == 1)
        return p.reshape({});
    return rows && p.dim() == 1 ? p.unsqueeze(-1) : p;
}

at::Tensor shiftedMatrix(const OpContext& c, size_t value, size_t zeroPoint, bool rows) {
    at::Tensor m = c.input(value).to(at::kDouble);
    if (c.hasInput(zeroPoint))
        m = m - matrixParam(c.input(zeroPoint), rows).to(at::kDouble);
    return m;
}

at::Tensor matMulInteger(const OpContext& c) {
    return at::matmul(shiftedMatrix(c, 0, 2, true), shiftedMatrix(c, 1, 3, false)).to(at::kInt);
}

// Requantizes an exact integer accumulator: the combined scale is formed in the scales' type, the product in
// float64 (as the reference does with int32 * float32), then rounded half to even and saturated.
at::Tensor requantize(const OpContext& c, const at::Tensor& acc, const at::Tensor& inScale, size_t yScale,
                      size_t yZero) {
    const at::Tensor scale = (inScale / c.input(yScale).reshape({})).to(at::kDouble);
    const at::ScalarType outType = c.hasInput(yZero) ? c.input(yZero).scalar_type() : at::kByte;
    const at::Tensor zeroPoint =
        c.hasInput(yZero) ? c.input(yZero).reshape({}).to(at::kDouble) : at::zeros({}, at::kDouble);
    return saturate(c, acc * scale, zeroPoint, outType);
}

at::Tensor qlinearMatMul(const OpContext& c) {
    const at::Tensor a = c.input(0).to(at::kDouble) - matrixParam(c.input(2), true).to(at::kDouble);
    const at::Tensor b = c.input(3).to(at::kDouble) - matrixParam(c.input(5), false).to(at::kDouble);
    const at::Tensor inScale = matrixParam(c.input(1), true) * matrixParam(c.input(4), false);
    return requantize(c, at::matmul(a, b), inScale, 6, 7);
}

// A weight parameter: scalar or one entry per output channel.
at::Tensor perOutputChannel(const at::Tensor& p, const at::Tensor& w) {
    if (p.dim() == 0 || p.numel() == 1)
        return p.reshape({});
    std::vector<int64_t> shape(w.dim(), 1);
    shape[0] = p.numel();
    return p.reshape(shape);
}

at::Tensor convInteger(const OpContext& c) {
    at::Tensor x = c.input(0).to(at::kDouble);
    at::Tensor w = c.input(1).to(at::kDouble);
    if (c.hasInput(2))
        x = x - c.input(2).reshape({}).to(at::kDouble);
    if (c.hasInput(3))
        w = w - perOutputChannel(c.input(3), w).to(at::kDouble);
    return onnxConvolution(c, x, w, at::Tensor()).to(at::kInt);
}

at::Tensor qlinearConv(const OpContext& c) {
    const at::Tensor x = c.input(0).to(at::kDouble) - c.input(2).reshape({}).to(at::kDouble);
    at::Tensor w = c.input(3).to(at::kDouble);
    w = w - perOutputChannel(c.input(5), w).to(at::kDouble);
    at::Tensor acc = onnxConvolution(c, x, w, at::Tensor());
    std::vector<int64_t> channelShape(acc.dim(), 1);
    channelShape[1] = -1;
    if (c.hasInput(8))
        acc = acc + c.input(8).to(at::kDouble).reshape(channelShape);
    at::Tensor wScale = c.input(4);
    wScale = wScale.numel() == 1 ? wScale.reshape({}) : wScale.reshape(channelShape);
    return requantize(c, acc, c.input(1).reshape({}) * wScale, 6, 7);
}

} // namespace

void registerQuantizationOps(OpRegistry& r) {
    r.add("QuantizeLinear", [](const OpContext& c) -> Tensors { return {quantizeLinear(c)}; });
    r.add("DequantizeLinear", [](const OpContext& c) -> Tensors { return {dequantizeLinear(c)}; });
    r.add("DynamicQuantizeLinear", dynamicQuantizeLinear);
    r.add("MatMulInteger", [](const OpContext& c) -> Tensors { return {matMulInteger(c)}; });
    r.add("ConvInteger", [](const OpContext& c) -> Tensors { return {convInteger(c)}; });
    r.add("QLinearMatMul", [](const OpContext& c) -> Tensors { return {qlinearMatMul(c)}; });
    r.add("QLinearConv", [](const OpContext& c) -> Tensors { return {qlinearConv(c)}; });
}

} // namespace autoglm::exec
