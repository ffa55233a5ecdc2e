// Linear quantization: QuantizeLinear, DequantizeLinear (per tensor, per axis and, from opset 21, blocked; 8-,
// 16- and 4-bit types), DynamicQuantizeLinear, and the integer and quantized-linear MatMul/Conv ops. Integer
// products are computed in float64, which is exact at 8-bit inputs.
#include "pipeline/exec/CudaQuantGlue_p.h"
#include "pipeline/exec/Int8Linear_p.h"
#include "pipeline/exec/OpRegistry.h"
#include "pipeline/exec/TorchTypes.h"
#include "pipeline/exec/ops/OpFamilies.h"
#include "pipeline/exec/ops/Spatial.h"

#include <ATen/Parallel.h>

#include <cmath>
#include <limits>

namespace autoglm::exec {
namespace {

using Tensors = std::vector<at::Tensor>;

// A quantized element type: what it is held in and the range QuantizeLinear saturates to.
struct QuantType {
    DType logical;
    at::ScalarType storage;
    double lo;
    double hi;
};

QuantType quantType(const OpContext& c, DType type) {
    switch (type) {
    case DType::UInt8:
        return {type, at::kByte, 0, 255};
    case DType::Int8:
        return {type, at::kChar, -128, 127};
    case DType::Int16:
        return {type, at::kShort, std::numeric_limits<int16_t>::min(), std::numeric_limits<int16_t>::max()};
    case DType::Int32:
        return {type, at::kInt, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()};
    // 4-bit values are held unpacked, one per byte (see TensorData).
    case DType::UInt4:
        return {type, at::kByte, 0, 15};
    case DType::Int4:
        return {type, at::kChar, -8, 7};
    default:
        c.unsupported("quantized type " + dtypeName(type) + " is not supported");
    }
}

// Rounds half to even, adds the zero point and saturates to `type`.
at::Tensor saturate(const OpContext& c, const at::Tensor& scaled, const at::Tensor& zeroPoint, DType type) {
    const QuantType q = quantType(c, type);
    return at::clamp(at::round(scaled) + zeroPoint, q.lo, q.hi).to(q.storage);
}

std::string shapeText(at::IntArrayRef sizes) {
    std::string out = "[";
    for (size_t i = 0; i < sizes.size(); ++i)
        out += (i ? "," : "") + std::to_string(sizes[i]);
    return out + "]";
}

// Shapes a scale or zero point to broadcast against x, in the granularities of opset 21: per tensor (a scalar
// or one element), per axis (1-D, one entry per slice along `axis`) or blocked (x's rank, ceil(D / block_size)
// entries along `axis`, each repeated over its block of D; the last block may be shorter).
at::Tensor broadcastParam(const OpContext& c, const at::Tensor& p, const at::Tensor& x, const std::string& what) {
    const int64_t blockSize = c.attrInt("block_size", 0);
    if (blockSize < 0)
        c.fail("block_size must not be negative, got " + std::to_string(blockSize));
    if (blockSize == 0) {
        if (p.dim() == 0 || (p.dim() == 1 && p.numel() == 1))
            return p.reshape({});
        if (p.dim() != 1)
            c.fail(what + " has shape " + shapeText(p.sizes()) +
                   ": a scale of more than one dimension means blocked quantization, which needs block_size");
        const int64_t axis = c.axis(c.attrInt("axis", 1), x.dim());
        if (p.size(0) != x.size(axis))
            c.fail("per-axis parameter has " + std::to_string(p.size(0)) + " entries for an axis of size " +
                   std::to_string(x.size(axis)));
        std::vector<int64_t> shape(x.dim(), 1);
        shape[axis] = p.size(0);
        return p.reshape(shape);
    }
    if (c.opset() < 21)
        c.fail("block_size (blocked quantization) needs opset 21, but the model imports opset " +
               std::to_string(c.opset()));
    const int64_t axis = c.axis(c.attrInt("axis", 1), x.dim());
    const int64_t blocks = (x.size(axis) + blockSize - 1) / blockSize;
    std::vector<int64_t> expected = x.sizes().vec();
    expected[axis] = blocks;
    if (p.sizes().vec() != expected)
        c.fail(what + " has shape " + shapeText(p.sizes()) + " but blocked quantization of an input of shape " +
               shapeText(x.sizes()) + " along axis " + std::to_string(axis) + " with block_size " +
               std::to_string(blockSize) + " needs " + shapeText(expected));
    return p.repeat_interleave(blockSize, axis).narrow(axis, 0, x.size(axis));
}

at::ScalarType computeType(const at::Tensor& x) {
    return x.scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
}

// The output type is y_zero_point's, else the output_dtype attribute (opset 21), else uint8.
DType quantizeOutputType(const OpContext& c) {
    const auto requested = static_cast<DType>(c.attrInt("output_dtype", 0));
    if (!c.hasInput(2))
        return requested == DType::Undefined ? DType::UInt8 : requested;
    const DType zeroPointType = c.inputType(2);
    if (requested != DType::Undefined && requested != zeroPointType)
        c.fail("output_dtype " + dtypeName(requested) + " does not match y_zero_point's type " +
               dtypeName(zeroPointType));
    return zeroPointType;
}

at::Tensor quantizeLinear(OpContext& c) {
    const at::Tensor& x = c.input(0);
    const DType outType = quantizeOutputType(c);
    const at::ScalarType type = computeType(x);
    const at::Tensor scale = broadcastParam(c, c.input(1), x, "y_scale").to(type);
    const at::Tensor zeroPoint =
        c.hasInput(2) ? broadcastParam(c, c.input(2), x, "y_zero_point").to(type) : at::zeros({}, type);
    at::Tensor y = saturate(c, x.to(type) / scale, zeroPoint, outType);
    c.setOutputType(0, outType);
    return y;
}

at::Tensor dequantizeLinear(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    if (c.hasInput(2) && c.inputType(2) != c.inputType(0))
        c.fail("x_zero_point is " + dtypeName(c.inputType(2)) + " but x is " + dtypeName(c.inputType(0)) +
               "; they must have the same type");
    // output_dtype arrived in opset 23; before it the output has the scale's type.
    const auto requested = static_cast<DType>(c.attrInt("output_dtype", 0));
    const at::ScalarType outType =
        requested == DType::Undefined ? c.input(1).scalar_type() : requireTorchType(requested, c.node().label());
    const at::ScalarType type = computeType(c.input(1));
    const at::Tensor scale = broadcastParam(c, c.input(1), x, "x_scale").to(type);
    at::Tensor shifted = x.to(type);
    if (c.hasInput(2))
        shifted = shifted - broadcastParam(c, c.input(2), x, "x_zero_point").to(type);
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
    return {saturate(c, x / scale, zeroPoint, DType::UInt8), scale, zeroPoint.to(at::kByte)};
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

// Shifted 8-bit operands lie in [-255, 255], so products stay below 2^16 and a float32 sum of 256 of them
// stays below 2^24, where float32 is still exact: the product runs as float32 GEMMs over slices of K (twice
// as fast as float64) and the exact partial sums are added as integers.
at::Tensor matMulInteger(const OpContext& c) {
    const at::Tensor a = shiftedMatrix(c, 0, 2, true);
    const at::Tensor b = shiftedMatrix(c, 1, 3, false);
    const bool eightBit = c.input(0).element_size() == 1 && c.input(1).element_size() == 1;
    if (!eightBit)
        return at::matmul(a, b).to(at::kInt);
    constexpr int64_t kExactSlice = 256;
    const at::Tensor af = a.to(at::kFloat);
    const at::Tensor bf = b.to(at::kFloat);
    const int64_t k = af.size(-1);
    at::Tensor sum;
    for (int64_t start = 0; start < k; start += kExactSlice) {
        const int64_t end = std::min(k, start + kExactSlice);
        const at::Tensor part = at::matmul(af.slice(-1, start, end), bf.slice(-2, start, end)).to(at::kInt);
        sum = sum.defined() ? sum.add_(part) : part;
    }
    return sum.defined() ? sum : at::matmul(a, b).to(at::kInt);
}

// MatMulInteger with a constant int8 B (exec/GraphRewrites: fuseInt8MatMul) on the int8 kernels, where A is
// 8-bit with one zero point; anything else takes the general path.
at::Tensor packedMatMulInteger(const OpContext& c) {
    const at::Tensor& a = c.input(0);
    const at::Tensor& b = c.input(1);
    const bool eightBitA = a.scalar_type() == at::kByte || a.scalar_type() == at::kChar;
    if (!eightBitA || a.is_cuda() || a.dim() < 2 || a.size(-1) != b.size(0) || (c.hasInput(2) && c.input(2).numel() != 1))
        return matMulInteger(c);
    return int8MatMulInteger(a, c.hasInput(2) ? c.input(2) : at::Tensor(), b);
}

// A static W8A8 MatMul / Gemm (exec/GraphRewrites: fuseInt8MatMul): inputs x, x_scale, x_zero_point, the int8
// weight ([K, N], or [N, K] when weight_rows_are_outputs), its scale and an optional bias [N].
at::Tensor quantizedMatMul(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    const at::Tensor& w = c.input(3);
    const bool rowsAreOutputs = c.attrInt("weight_rows_are_outputs", 0) == 1;
    const int64_t k = rowsAreOutputs ? w.size(1) : w.size(0);
    if (x.dim() == 0 || x.size(-1) != k)
        c.fail("input has shape " + shapeText(x.sizes()) + " but the weight needs a last dimension of " +
               std::to_string(k));
    const at::Tensor bias = c.hasInput(5) ? c.input(5).reshape({-1}) : at::Tensor();
    const at::Tensor matrix = x.dim() == 1 ? x.unsqueeze(0) : x;
    // Constant scale and zero point come as attributes (GraphRewrites), read without a device round trip.
    const bool constantQuant = c.hasAttr("x_scale_value") && c.hasAttr("x_zero_value");
    const float xScale = constantQuant ? c.attrFloat("x_scale_value", 0.f) : c.input(1).item<float>();
    const int64_t xZero = constantQuant ? c.attrInt("x_zero_value") : c.input(2).item<int64_t>();
    const at::ScalarType zeroType = c.input(2).scalar_type();
    at::Tensor y;
    if (!x.is_cuda()) {
        y = int8QuantizedLinear(matrix, xScale, xZero, zeroType, w, c.input(4), bias, rowsAreOutputs);
    } else if (std::optional<at::Tensor> fast = cudaQuantizedLinear(matrix, xScale, xZero, zeroType, c.input(2).numel(),
                                                                    w, c.input(4), bias, rowsAreOutputs)) {
        y = *fast; // the W8A8 kernel (kernels/)
    } else {
        // The same values in float arithmetic on the device: fake-quantized input times the dequantized weight.
        const QuantType q = quantType(c, zeroType == at::kChar ? DType::Int8 : DType::UInt8);
        const double zero = double(xZero);
        const at::Tensor xq =
            at::clamp(at::round(matrix.to(at::kFloat) / at::scalar_tensor(xScale, matrix.options().dtype(at::kFloat))),
                      double(q.lo) - zero, double(q.hi) - zero) *
            xScale;
        const at::Tensor wScale = c.input(4).to(at::kFloat).reshape({-1});
        const at::Tensor wf = rowsAreOutputs ? w.to(at::kFloat) * wScale.unsqueeze(1) : w.to(at::kFloat) * wScale;
        y = at::matmul(xq, rowsAreOutputs ? wf.t() : wf);
        if (bias.defined())
            y = y + bias.to(at::kFloat);
    }
    return x.dim() == 1 ? y.squeeze(0) : y;
}

// Requantizes an exact integer accumulator: the combined scale is formed in the scales' type, the product in
// float64 (as the reference does with int32 * float32), then rounded half to even and saturated.
at::Tensor requantize(const OpContext& c, const at::Tensor& acc, const at::Tensor& inScale, size_t yScale,
                      size_t yZero) {
    const at::Tensor scale = (inScale / c.input(yScale).reshape({})).to(at::kDouble);
    const DType outType = c.hasInput(yZero) ? c.inputType(yZero) : DType::UInt8;
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

// QuantizeLinear then DequantizeLinear with one scalar scale and 8-bit zero point, in one parallel pass over
// the data instead of eight tensor ops (divide, round, shift, clamp, cast, and back), with the same arithmetic:
// x / scale rounded half to even, saturated, then scaled back (the zero point cancels once rounding is done
// on the shifted value's integer bounds).
at::Tensor fakeQuantize(const OpContext& c) {
    const at::Tensor x = c.input(0).to(at::kFloat).contiguous();
    const float scale = c.input(1).item<float>();
    const at::Tensor& zero = c.input(2);
    const QuantType q = quantType(c, zero.scalar_type() == at::kChar ? DType::Int8 : DType::UInt8);
    const float zp = static_cast<float>(zero.item<int64_t>());
    const float lo = static_cast<float>(q.lo);
    const float hi = static_cast<float>(q.hi);
    // The same arithmetic as tensor ops on the device; the scale as a device tensor, because LibTorch's CUDA
    // division by a host scalar multiplies by its reciprocal, which rounds differently.
    if (x.is_cuda())
        return at::clamp(at::round(x / at::scalar_tensor(scale, x.options())), double(lo - zp), double(hi - zp)) *
               scale;
    at::Tensor y = at::empty_like(x);
    const float* in = x.data_ptr<float>();
    float* out = y.data_ptr<float>();
    // Adding and subtracting 1.5 * 2^23 rounds a float of magnitude below 2^22 to the nearest integer, ties to
    // even (the default rounding of IEEE addition), in a form the compiler vectorizes; the value is first
    // clamped to the integer bounds, which commutes with rounding.
    constexpr float kRound = 12582912.0f;
    const float low = lo - zp;
    const float high = hi - zp;
    at::parallel_for(0, x.numel(), 1 << 14, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            const float v = std::min(std::max(in[i] / scale, low), high);
            out[i] = ((v + kRound) - kRound) * scale;
        }
    });
    return y;
}

// Fake quantization for training (distillation with a quantized student): x is float, scale and zero point
// take QuantizeLinear's granularities (axis, block_size) and the attribute quant_type names the integer type
// they stand for. The value is QuantizeLinear followed by DequantizeLinear; the gradient is the
// straight-through estimator, passed unchanged where x is inside the representable range and zero where it
// saturates.
at::Tensor fakeQuantizeSte(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    const QuantType q = quantType(c, static_cast<DType>(c.attrInt("quant_type", static_cast<int64_t>(DType::Int8))));
    const at::ScalarType type = computeType(x);
    const at::Tensor scale = broadcastParam(c, c.input(1), x, "scale").to(type);
    const at::Tensor zeroPoint =
        c.hasInput(2) ? broadcastParam(c, c.input(2), x, "zero_point").to(type) : at::zeros({}, type);
    const at::Tensor shifted = (x.detach().to(type) / scale + zeroPoint);
    const at::Tensor value = (at::clamp(at::round(shifted), q.lo, q.hi) - zeroPoint) * scale;
    if (!x.requires_grad())
        return value;
    const at::Tensor inside = ((shifted >= q.lo) & (shifted <= q.hi)).to(type);
    return value + (x - x.detach()) * inside;
}

} // namespace

void registerQuantizationOps(OpRegistry& r) {
    r.add("QuantizeLinear", [](OpContext& c) -> Tensors { return {quantizeLinear(c)}; });
    r.add("DequantizeLinear", [](const OpContext& c) -> Tensors { return {dequantizeLinear(c)}; });
    r.add("DynamicQuantizeLinear", dynamicQuantizeLinear);
    // Our fused QuantizeLinear → DequantizeLinear pair (exec/GraphRewrites: fuseQuantizeDequantize).
    r.add(
        "FakeQuantize", [](const OpContext& c) -> Tensors { return {fakeQuantize(c)}; }, kInternalDomain);
    // Distillation's training form of quantized weights and activations (passes/distill/QatGraph).
    r.add(
        "FakeQuantizeSte", [](const OpContext& c) -> Tensors { return {fakeQuantizeSte(c)}; }, kInternalDomain);
    r.add("MatMulInteger", [](const OpContext& c) -> Tensors { return {matMulInteger(c)}; });
    // Quantized layers on LibTorch's int8 kernels (exec/GraphRewrites: fuseInt8MatMul).
    r.add(
        "QuantizedMatMul", [](const OpContext& c) -> Tensors { return {quantizedMatMul(c)}; }, kInternalDomain);
    r.add(
        "PackedMatMulInteger", [](const OpContext& c) -> Tensors { return {packedMatMulInteger(c)}; },
        kInternalDomain);
    r.add("ConvInteger", [](const OpContext& c) -> Tensors { return {convInteger(c)}; });
    r.add("QLinearMatMul", [](const OpContext& c) -> Tensors { return {qlinearMatMul(c)}; });
    r.add("QLinearConv", [](const OpContext& c) -> Tensors { return {qlinearConv(c)}; });
}

} // namespace autoglm::exec
