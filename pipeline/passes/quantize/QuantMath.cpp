#include "pipeline/passes/quantize/QuantMath_p.h"

namespace autoglm::quant {

IntGrid weightGrid(int bits, bool symmetric) {
    if (bits == 8)
        return symmetric ? IntGrid{-127, 127} : IntGrid{0, 255};
    return symmetric ? IntGrid{-8, 7} : IntGrid{0, 15};
}

at::Tensor toRows(const at::Tensor& weight, const WeightLayer& layer) {
    at::Tensor w = weight.to(at::kFloat);
    if (layer.opType == "Conv")
        return w.reshape({w.size(0), -1}).contiguous();
    return (layer.outputAxis == 0 ? w : w.t()).contiguous();
}

at::Tensor fromRows(const at::Tensor& rows, const WeightLayer& layer) {
    if (layer.opType == "Conv")
        return rows.reshape(layer.shape).contiguous();
    return (layer.outputAxis == 0 ? rows : rows.t()).contiguous();
}

at::Tensor QuantizedRows::dequantize() const {
    const int64_t out = q.size(0);
    const int64_t in = q.size(1);
    if (perTensor)
        return q * scale.reshape({});
    // Expand [out, groups] to [out, in]; the last group may be shorter.
    auto expand = [&](const at::Tensor& p) { return p.repeat_interleave(groupSize, 1).slice(1, 0, in); };
    at::Tensor shifted = symmetric ? q : q - expand(zeroPoint);
    return (shifted * expand(scale)).reshape({out, in});
}

int64_t QuantizedRows::bytes() const {
    const int64_t ints = (q.numel() * bits + 7) / 8;
    const int64_t scales = scale.numel() * 4;
    const int64_t zeros = symmetric ? 0 : (zeroPoint.numel() * bits + 7) / 8;
    return ints + scales + zeros;
}

std::pair<at::Tensor, at::Tensor> rangeParams(const at::Tensor& cols, int bits, bool symmetric) {
    const IntGrid grid = weightGrid(bits, symmetric);
    if (symmetric) {
        at::Tensor absMax = cols.abs().amax(1);
        at::Tensor scale = absMax / static_cast<double>(grid.hi);
        scale = at::where(scale > 0, scale, at::ones_like(scale));
        return {scale, at::Tensor()};
    }
    at::Tensor lo = at::clamp_max(cols.amin(1), 0);
    at::Tensor hi = at::clamp_min(cols.amax(1), 0);
    at::Tensor scale = (hi - lo) / static_cast<double>(grid.hi - grid.lo);
    scale = at::where(scale > 0, scale, at::ones_like(scale));
    at::Tensor zero = at::clamp(at::round(-lo / scale) + grid.lo, grid.lo, grid.hi);
    return {scale, zero};
}

at::Tensor quantizeColumns(const at::Tensor& cols, const at::Tensor& scale, const at::Tensor& zeroPoint,
                           const IntGrid& grid) {
    at::Tensor s = scale.unsqueeze(1);
    at::Tensor q = at::round(cols / s);
    if (zeroPoint.defined())
        q = q + zeroPoint.unsqueeze(1);
    return at::clamp(q, grid.lo, grid.hi);
}

QuantizedRows quantizeRowsRtn(const at::Tensor& rows, int bits, bool symmetric, int64_t groupSize) {
    const int64_t in = rows.size(1);
    QuantizedRows out;
    out.bits = bits;
    out.symmetric = symmetric;
    out.groupSize = groupSize > 0 ? groupSize : in;
    const IntGrid grid = weightGrid(bits, symmetric);
    std::vector<at::Tensor> qs, scales, zeros;
    for (int64_t start = 0; start < in; start += out.groupSize) {
        const at::Tensor cols = rows.slice(1, start, std::min(in, start + out.groupSize));
        auto [scale, zero] = rangeParams(cols, bits, symmetric);
        qs.push_back(quantizeColumns(cols, scale, zero, grid));
        scales.push_back(scale.unsqueeze(1));
        if (!symmetric)
            zeros.push_back(zero.unsqueeze(1));
    }
    out.q = at::cat(qs, 1);
    out.scale = at::cat(scales, 1);
    if (!symmetric)
        out.zeroPoint = at::cat(zeros, 1);
    return out;
}

QuantizedRows quantizeTensorRtn(const at::Tensor& rows) {
    QuantizedRows out;
    out.perTensor = true;
    out.groupSize = rows.size(1);
    const double absMax = rows.abs().max().item<double>();
    const double scale = absMax > 0 ? absMax / 127.0 : 1.0;
    out.scale = at::full({1, 1}, scale, at::kFloat);
    out.q = at::clamp(at::round(rows / scale), -127, 127);
    return out;
}

double relativeError(const at::Tensor& a, const at::Tensor& b) {
    const double denom = b.to(at::kDouble).norm().item<double>();
    if (denom == 0)
        return 0;
    return (a.to(at::kDouble) - b.to(at::kDouble)).norm().item<double>() / denom;
}

} // namespace autoglm::quant
