// Pooling: MaxPool (with ONNX indices), AveragePool, LpPool, their global forms, and MaxUnpool.
#include "pipeline/exec/OpRegistry.h"
#include "pipeline/exec/ops/OpFamilies.h"
#include "pipeline/exec/ops/Spatial.h"

#include <cmath>
#include <limits>
#include <tuple>

namespace autoglm::exec {
namespace {

using Tensors = std::vector<at::Tensor>;

// Window geometry per spatial axis. ceilExtra is end padding beyond padEnd that ceil_mode needs so the last
// window exists; those cells never count as input or as explicit padding.
struct PoolGeometry {
    Ints kernel, strides, dilations, padBegin, padEnd, ceilExtra, out;
};

int64_t spatialRank(const OpContext& c, const at::Tensor& x) {
    if (x.dim() < 3 || x.dim() > 5)
        c.unsupported("only 1-D, 2-D and 3-D pooling is supported (input rank " + std::to_string(x.dim()) + ")");
    return x.dim() - 2;
}

PoolGeometry poolGeometry(const OpContext& c, const at::Tensor& x, bool hasDilations) {
    const size_t n = static_cast<size_t>(spatialRank(c, x));
    PoolGeometry g;
    g.kernel = c.attrInts("kernel_shape");
    if (g.kernel.size() != n)
        c.fail("kernel_shape must have " + std::to_string(n) + " entries");
    g.strides = spatialAttr(c, "strides", n, 1);
    g.dilations = hasDilations ? spatialAttr(c, "dilations", n, 1) : Ints(n, 1);
    const Ints pads = spatialAttr(c, "pads", 2 * n, 0);
    g.padBegin.assign(pads.begin(), pads.begin() + static_cast<int64_t>(n));
    g.padEnd.assign(pads.begin() + static_cast<int64_t>(n), pads.end());
    const std::string autoPad = c.attrString("auto_pad", "NOTSET");
    const bool ceilMode = c.attrInt("ceil_mode", 0) != 0;
    for (size_t i = 0; i < n; ++i) {
        const int64_t in = x.size(static_cast<int64_t>(i) + 2);
        const int64_t s = g.strides[i];
        const int64_t span = (g.kernel[i] - 1) * g.dilations[i] + 1;
        if (s < 1 || g.kernel[i] < 1 || g.dilations[i] < 1)
            c.fail("kernel_shape, strides and dilations must be positive");
        int64_t out = 0;
        if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
            out = (in + s - 1) / s;
            std::tie(g.padBegin[i], g.padEnd[i]) = samePadding(in, s, span, autoPad == "SAME_UPPER");
        } else {
            if (autoPad == "VALID")
                g.padBegin[i] = g.padEnd[i] = 0;
            else if (autoPad != "NOTSET")
                c.fail("unknown auto_pad '" + autoPad + "'");
            const int64_t room = in + g.padBegin[i] + g.padEnd[i] - span;
            if (room < 0)
                c.fail("the pooling window is larger than the padded input");
            out = (ceilMode ? (room + s - 1) / s : room / s) + 1;
            // A window that would start inside the end padding is dropped, as in PyTorch and current ONNX.
            if (ceilMode && (out - 1) * s >= in + g.padBegin[i])
                --out;
        }
        g.out.push_back(out);
        g.ceilExtra.push_back(std::max<int64_t>(0, (out - 1) * s + span - (in + g.padBegin[i] + g.padEnd[i])));
    }
    return g;
}

Ints endWithExtra(const PoolGeometry& g) {
    Ints end = g.padEnd;
    for (size_t i = 0; i < end.size(); ++i)
        end[i] += g.ceilExtra[i];
    return end;
}

at::Tensor cropToOutput(at::Tensor y, const PoolGeometry& g) {
    for (size_t i = 0; i < g.out.size(); ++i)
        y = y.narrow(static_cast<int64_t>(i) + 2, 0, g.out[i]);
    return y;
}

// Window sums over an already padded tensor, every window fully inside it.
at::Tensor windowSum(const at::Tensor& xp, const PoolGeometry& g) {
    const size_t n = g.kernel.size();
    const bool dilated = std::any_of(g.dilations.begin(), g.dilations.end(), [](int64_t d) { return d != 1; });
    if (dilated) {
        // Pooling kernels have no dilation; a depthwise convolution with a ones kernel does.
        Ints planes = {xp.size(0) * xp.size(1), 1};
        planes.insert(planes.end(), xp.sizes().begin() + 2, xp.sizes().end());
        Ints kshape = {1, 1};
        kshape.insert(kshape.end(), g.kernel.begin(), g.kernel.end());
        at::Tensor y = at::convolution(xp.reshape(planes), at::ones(kshape, xp.options()), at::Tensor(), g.strides,
                                       Ints(n, 0), g.dilations, false, Ints(n, 0), 1);
        Ints shape = {xp.size(0), xp.size(1)};
        shape.insert(shape.end(), y.sizes().begin() + 2, y.sizes().end());
        return y.reshape(shape);
    }
    if (n == 3)
        return at::avg_pool3d(xp, g.kernel, g.strides, 0, false, true, 1);
    if (n == 2)
        return at::avg_pool2d(xp, g.kernel, g.strides, 0, false, true, 1);
    return at::avg_pool2d(xp.unsqueeze(2), {1, g.kernel[0]}, {1, g.strides[0]}, 0, false, true, 1).squeeze(2);
}

at::Tensor floatWork(const at::Tensor& x) {
    if (x.scalar_type() == at::kDouble || x.scalar_type() == at::kFloat)
        return x;
    if (x.scalar_type() == at::kInt || x.scalar_type() == at::kLong)
        return x.to(at::kDouble);
    return x.to(at::kFloat);
}

at::Tensor averagePool(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    const PoolGeometry g = poolGeometry(c, x, c.opset() >= 19);
    const at::Tensor work = floatWork(x);
    const Ints padEnd = endWithExtra(g);
    const at::Tensor sums = cropToOutput(windowSum(at::constant_pad_nd(work, torchPads(g.padBegin, padEnd), 0), g), g);
    // The divisor counts input cells, plus explicit padding with count_include_pad, never ceil_mode's overhang.
    Ints maskShape = {1, 1};
    for (int64_t i = 2; i < x.dim(); ++i)
        maskShape.push_back(x.size(i));
    at::Tensor mask = at::ones(maskShape, work.options().requires_grad(false));
    if (c.attrInt("count_include_pad", 0) != 0)
        mask = at::constant_pad_nd(at::constant_pad_nd(mask, torchPads(g.padBegin, g.padEnd), 1),
                                   torchPads(Ints(g.out.size(), 0), g.ceilExtra), 0);
    else
        mask = at::constant_pad_nd(mask, torchPads(g.padBegin, padEnd), 0);
    const at::Tensor counts = cropToOutput(windowSum(mask, g), g);
    return (sums / counts).to(x.scalar_type());
}

at::Tensor lpPool(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    const PoolGeometry g = poolGeometry(c, x, c.opset() >= 18);
    const double p = c.opset() < 2 ? c.attrFloat("p", 2.0f) : static_cast<double>(c.attrInt("p", 2));
    const at::Tensor powered = at::pow(at::abs(floatWork(x)), p);
    const at::Tensor sums =
        cropToOutput(windowSum(at::constant_pad_nd(powered, torchPads(g.padBegin, endWithExtra(g)), 0), g), g);
    return at::pow(sums, 1.0 / p).to(x.scalar_type());
}

// Converts per-plane indices into the padded spatial block to ONNX's: flattened over the whole unpadded input,
// row-major (storage_order 0) or column-major within each plane (storage_order 1).
at::Tensor onnxIndices(const at::Tensor& idx, const at::Tensor& x, const PoolGeometry& g, bool columnMajor) {
    const int64_t n = static_cast<int64_t>(g.kernel.size());
    Ints paddedSize(n);
    for (int64_t i = 0; i < n; ++i)
        paddedSize[i] = x.size(i + 2) + g.padBegin[i] + g.padEnd[i] + g.ceilExtra[i];
    at::Tensor rest = idx;
    std::vector<at::Tensor> coords(n);
    for (int64_t i = n - 1; i >= 0; --i) {
        coords[i] = at::remainder(rest, paddedSize[i]) - g.padBegin[i];
        rest = at::div(rest, paddedSize[i], "floor");
    }
    at::Tensor flat = at::zeros_like(idx);
    int64_t stride = 1;
    for (int64_t k = 0; k < n; ++k) {
        const int64_t i = columnMajor ? k : n - 1 - k;
        flat = flat + coords[i] * stride;
        stride *= x.size(i + 2);
    }
    Ints planeShape(static_cast<size_t>(idx.dim()), 1);
    planeShape[0] = idx.size(0);
    planeShape[1] = idx.size(1);
    const at::Tensor planes = at::arange(idx.size(0) * idx.size(1), idx.options()).reshape(planeShape);
    return flat + planes * stride;
}

Tensors maxPool(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    const PoolGeometry g = poolGeometry(c, x, true);
    const int64_t n = static_cast<int64_t>(g.kernel.size());
    const at::Tensor xp = at::constant_pad_nd(floatWork(x), torchPads(g.padBegin, endWithExtra(g)),
                                              -std::numeric_limits<double>::infinity());
    const bool wantIndices = c.wantsOutput(1);
    at::Tensor y, idx;
    if (n == 3) {
        if (wantIndices)
            std::tie(y, idx) = at::max_pool3d_with_indices(xp, g.kernel, g.strides, 0, g.dilations, false);
        else
            y = at::max_pool3d(xp, g.kernel, g.strides, 0, g.dilations, false);
    } else {
        // 1-D pools run as 2-D over a unit height.
        const bool oneD = n == 1;
        const at::Tensor in = oneD ? xp.unsqueeze(2) : xp;
        const Ints k = oneD ? Ints{1, g.kernel[0]} : g.kernel;
        const Ints s = oneD ? Ints{1, g.strides[0]} : g.strides;
        const Ints d = oneD ? Ints{1, g.dilations[0]} : g.dilations;
        if (wantIndices)
            std::tie(y, idx) = at::max_pool2d_with_indices(in, k, s, 0, d, false);
        else
            y = at::max_pool2d(in, k, s, 0, d, false);
        if (oneD) {
            y = y.squeeze(2);
            if (idx.defined())
                idx = idx.squeeze(2);
        }
    }
    y = cropToOutput(y, g).to(x.scalar_type());
    if (!wantIndices)
        return {y};
    idx = onnxIndices(cropToOutput(idx, g), x, g, c.attrInt("storage_order", 0) != 0);
    return {y, idx};
}

// Indices address the unpooled shape implied by kernel, strides and pads; an explicit output_shape only extends
// (or trims) that shape at the end of each axis, as the reference does.
at::Tensor maxUnpool(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    const at::Tensor& indices = c.input(1);
    const int64_t n = spatialRank(c, x);
    const Ints kernel = c.attrInts("kernel_shape");
    if (static_cast<int64_t>(kernel.size()) != n)
        c.fail("kernel_shape must have " + std::to_string(n) + " entries");
    const Ints strides = spatialAttr(c, "strides", static_cast<size_t>(n), 1);
    const Ints pads = spatialAttr(c, "pads", static_cast<size_t>(2 * n), 0);
    Ints shape = {x.size(0), x.size(1)};
    for (int64_t i = 0; i < n; ++i)
        shape.push_back((x.size(i + 2) - 1) * strides[i] + kernel[i] - pads[i] - pads[i + n]);
    int64_t total = 1;
    for (int64_t s : shape)
        total *= s;
    const at::Tensor flatIdx = indices.to(at::kLong).reshape({-1});
    if (flatIdx.numel() > 0 && (flatIdx.min().item<int64_t>() < 0 || flatIdx.max().item<int64_t>() >= total))
        c.fail("an index is outside the output");
    at::Tensor y = at::zeros({total}, x.options()).scatter(0, flatIdx, x.reshape({-1})).reshape(shape);
    if (!c.hasInput(2))
        return y;
    const Ints wanted = c.intsInput(2);
    if (static_cast<int64_t>(wanted.size()) != x.dim())
        c.fail("output_shape must have " + std::to_string(x.dim()) + " entries");
    if (wanted[0] != shape[0] || wanted[1] != shape[1])
        c.fail("output_shape must keep the batch and channel sizes");
    Ints grow(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
        grow[static_cast<size_t>(i)] = wanted[static_cast<size_t>(i + 2)] - shape[static_cast<size_t>(i + 2)];
    return at::constant_pad_nd(y, torchPads(Ints(static_cast<size_t>(n), 0), grow), 0);
}

Ints spatialDims(const at::Tensor& x) {
    Ints dims;
    for (int64_t i = 2; i < x.dim(); ++i)
        dims.push_back(i);
    return dims;
}

at::Tensor globalAveragePool(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    if (x.dim() <= 2)
        return x;
    return x.mean(spatialDims(x), true);
}

at::Tensor globalMaxPool(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    if (x.dim() <= 2)
        return x;
    return x.amax(spatialDims(x), true);
}

at::Tensor globalLpPool(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    const double p = c.opset() < 2 ? c.attrFloat("p", 2.0f) : static_cast<double>(c.attrInt("p", 2));
    if (x.dim() <= 2)
        return at::abs(x);
    return at::pow(at::pow(at::abs(x), p).sum(spatialDims(x), true), 1.0 / p);
}

} // namespace

void registerPoolOps(OpRegistry& r) {
    r.add("MaxPool", [](const OpContext& c) -> Tensors { return maxPool(c); });
    r.add("AveragePool", [](const OpContext& c) -> Tensors { return {averagePool(c)}; });
    r.add("LpPool", [](const OpContext& c) -> Tensors { return {lpPool(c)}; });
    r.add("MaxUnpool", [](const OpContext& c) -> Tensors { return {maxUnpool(c)}; });
    r.add("GlobalAveragePool", [](const OpContext& c) -> Tensors { return {globalAveragePool(c)}; });
    r.add("GlobalMaxPool", [](const OpContext& c) -> Tensors { return {globalMaxPool(c)}; });
    r.add("GlobalLpPool", [](const OpContext& c) -> Tensors { return {globalLpPool(c)}; });
}

} // namespace autoglm::exec
