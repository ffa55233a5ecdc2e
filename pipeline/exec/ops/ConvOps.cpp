// Convolutions: Conv and ConvTranspose over 1-3 spatial dimensions.
#include "pipeline/exec/OpRegistry.h"
#include "pipeline/exec/ops/OpFamilies.h"
#include "pipeline/exec/ops/Spatial.h"

#include <tuple>

namespace autoglm::exec {
namespace {

using Tensors = std::vector<at::Tensor>;

// Per-axis geometry after attributes and auto_pad are resolved.
struct Geometry {
    Ints kernel, strides, dilations, padBegin, padEnd;
};

// Reads kernel_shape/strides/dilations/pads and checks kernel_shape against the weight's own.
Geometry readGeometry(const OpContext& c, const at::Tensor& x, const at::Tensor& w) {
    if (x.dim() < 3 || x.dim() > 5)
        c.unsupported("only 1-D, 2-D and 3-D convolutions are supported (input rank " + std::to_string(x.dim()) + ")");
    if (w.dim() != x.dim())
        c.fail("weight rank " + std::to_string(w.dim()) + " does not match input rank " + std::to_string(x.dim()));
    const size_t n = static_cast<size_t>(x.dim() - 2);
    Geometry g;
    g.kernel = Ints(w.sizes().begin() + 2, w.sizes().end());
    const Ints declared = c.attrInts("kernel_shape");
    if (!declared.empty() && declared != g.kernel)
        c.fail("kernel_shape does not match the weight's spatial shape");
    g.strides = spatialAttr(c, "strides", n, 1);
    g.dilations = spatialAttr(c, "dilations", n, 1);
    const Ints pads = spatialAttr(c, "pads", 2 * n, 0);
    g.padBegin.assign(pads.begin(), pads.begin() + static_cast<int64_t>(n));
    g.padEnd.assign(pads.begin() + static_cast<int64_t>(n), pads.end());
    return g;
}

// Conv's auto_pad: SAME keeps ceil(in / stride) outputs, the odd pixel going last (UPPER) or first (LOWER).
void applyConvAutoPad(const OpContext& c, Geometry& g, const at::Tensor& x) {
    const std::string autoPad = c.attrString("auto_pad", "NOTSET");
    if (autoPad == "NOTSET")
        return;
    for (size_t i = 0; i < g.kernel.size(); ++i) {
        if (autoPad == "VALID") {
            g.padBegin[i] = g.padEnd[i] = 0;
            continue;
        }
        if (autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER")
            c.fail("unknown auto_pad '" + autoPad + "'");
        const int64_t span = (g.kernel[i] - 1) * g.dilations[i] + 1;
        std::tie(g.padBegin[i], g.padEnd[i]) =
            samePadding(x.size(static_cast<int64_t>(i) + 2), g.strides[i], span, autoPad == "SAME_UPPER");
    }
}

void checkChannels(const OpContext& c, int64_t channels, int64_t weightChannels, int64_t group) {
    if (group < 1 || channels % group != 0 || channels / group != weightChannels)
        c.fail("input has " + std::to_string(channels) + " channels, weight expects " + std::to_string(weightChannels) +
               " per group with group=" + std::to_string(group));
}

} // namespace

at::Tensor onnxConvolution(const OpContext& c, at::Tensor x, const at::Tensor& w, const at::Tensor& bias) {
    Geometry g = readGeometry(c, x, w);
    applyConvAutoPad(c, g, x);
    const int64_t group = c.attrInt("group", 1);
    checkChannels(c, x.size(1), w.size(1), group);
    // ATen pads symmetrically; an asymmetric remainder is padded explicitly first.
    Ints symmetric(g.kernel.size());
    bool asymmetric = false;
    for (size_t i = 0; i < symmetric.size(); ++i) {
        symmetric[i] = std::min(g.padBegin[i], g.padEnd[i]);
        asymmetric = asymmetric || g.padBegin[i] != g.padEnd[i];
    }
    if (asymmetric) {
        Ints extraBegin(symmetric.size()), extraEnd(symmetric.size());
        for (size_t i = 0; i < symmetric.size(); ++i) {
            extraBegin[i] = g.padBegin[i] - symmetric[i];
            extraEnd[i] = g.padEnd[i] - symmetric[i];
        }
        x = at::constant_pad_nd(x, torchPads(extraBegin, extraEnd), 0);
    }
    return at::convolution(x, w, bias, g.strides, symmetric, g.dilations, false, Ints(g.kernel.size(), 0), group);
}

namespace {

at::Tensor convTranspose(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    const at::Tensor& w = c.input(1);
    Geometry g = readGeometry(c, x, w);
    const size_t n = g.kernel.size();
    const int64_t group = c.attrInt("group", 1);
    if (group < 1 || x.size(1) % group != 0 || w.size(0) != x.size(1))
        c.fail("input has " + std::to_string(x.size(1)) + " channels, weight has " + std::to_string(w.size(0)) +
               " with group=" + std::to_string(group));
    Ints outputPadding = spatialAttr(c, "output_padding", n, 0);
    Ints outputShape = c.attrInts("output_shape");
    if (outputShape.size() == n + 2)
        outputShape.erase(outputShape.begin(), outputShape.begin() + 2);
    if (!outputShape.empty() && outputShape.size() != n)
        c.fail("output_shape has " + std::to_string(outputShape.size()) + " entries for " + std::to_string(n) +
               " spatial axes");
    const std::string autoPad = c.attrString("auto_pad", "NOTSET");
    if (outputShape.empty() && (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER"))
        for (size_t i = 0; i < n; ++i)
            outputShape.push_back(x.size(static_cast<int64_t>(i) + 2) * g.strides[i]);
    for (size_t i = 0; i < n; ++i) {
        const int64_t in = x.size(static_cast<int64_t>(i) + 2);
        const int64_t full = g.strides[i] * (in - 1) + outputPadding[i] + (g.kernel[i] - 1) * g.dilations[i] + 1;
        if (autoPad == "VALID") {
            g.padBegin[i] = g.padEnd[i] = 0;
        } else if (!outputShape.empty()) {
            // The spec's split: the odd pixel is trimmed from the end for SAME_UPPER, from the start otherwise.
            // A larger output than the kernel covers is zero-extended at the end, like output_padding.
            const int64_t total = full - outputShape[i];
            g.padBegin[i] = total < 0 ? 0 : autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
            g.padEnd[i] = total - g.padBegin[i];
        }
    }
    const at::Tensor bias = c.hasInput(2) ? c.input(2) : at::Tensor();
    bool direct = true;
    for (size_t i = 0; i < n; ++i)
        direct = direct && g.padBegin[i] == g.padEnd[i] && g.padBegin[i] >= 0 &&
                 (outputPadding[i] < g.strides[i] || outputPadding[i] < g.dilations[i]);
    if (direct)
        return at::convolution(x, w, bias, g.strides, g.padBegin, g.dilations, true, outputPadding, group);
    // General case: the unpadded transposed convolution, then crop (or zero-extend) each axis to the requested
    // extent; bias goes on afterwards so it also covers output_padding cells.
    at::Tensor y = at::convolution(x, w, at::Tensor(), g.strides, Ints(n, 0), g.dilations, true, Ints(n, 0), group);
    Ints begin(n), end(n);
    for (size_t i = 0; i < n; ++i) {
        begin[i] = -g.padBegin[i];
        end[i] = outputPadding[i] - g.padEnd[i];
    }
    y = at::constant_pad_nd(y, torchPads(begin, end), 0);
    if (bias.defined()) {
        Ints shape(static_cast<size_t>(y.dim()), 1);
        shape[1] = bias.numel();
        y = y + bias.reshape(shape);
    }
    return y;
}

} // namespace

void registerConvOps(OpRegistry& r) {
    r.add("Conv", [](const OpContext& c) -> Tensors {
        return {onnxConvolution(c, c.input(0), c.input(1), c.hasInput(2) ? c.input(2) : at::Tensor())};
    });
    r.add("ConvTranspose", [](const OpContext& c) -> Tensors { return {convTranspose(c)}; });
}

} // namespace autoglm::exec
