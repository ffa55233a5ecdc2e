// Ops that only move data around: reshaping, transposition, broadcasting, and shape queries.
#include "pipeline/exec/OpRegistry.h"
#include "pipeline/exec/ops/OpFamilies.h"

namespace autoglm::exec {
namespace {

using Tensors = std::vector<at::Tensor>;

at::Tensor flatten(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    const int64_t rank = x.dim();
    int64_t axis = c.attrInt("axis", 1);
    if (axis < -rank || axis > rank)
        c.fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
    if (axis < 0)
        axis += rank;
    int64_t outer = 1;
    for (int64_t i = 0; i < axis; ++i)
        outer *= x.size(i);
    int64_t inner = 1;
    for (int64_t i = axis; i < rank; ++i)
        inner *= x.size(i);
    return x.reshape({outer, inner});
}

at::Tensor reshape(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    std::vector<int64_t> shape = c.opset() < 5 ? c.attrInts("shape") : c.intsInput(1);
    const bool allowZero = c.attrInt("allowzero", 0) != 0;
    int inferred = 0;
    for (size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] == 0 && !allowZero) {
            if (static_cast<int64_t>(i) >= x.dim())
                c.fail("shape entry " + std::to_string(i) + " is 0 (copy) but the input has rank " +
                       std::to_string(x.dim()));
            shape[i] = x.size(static_cast<int64_t>(i));
        } else if (shape[i] == -1) {
            ++inferred;
        } else if (shape[i] < -1) {
            c.fail("shape entry " + std::to_string(shape[i]) + " is invalid");
        }
    }
    if (inferred > 1)
        c.fail("at most one shape entry may be -1");
    return x.reshape(shape);
}

at::Tensor transpose(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    std::vector<int64_t> perm = c.attrInts("perm");
    if (perm.empty())
        for (int64_t i = x.dim() - 1; i >= 0; --i)
            perm.push_back(i);
    if (static_cast<int64_t>(perm.size()) != x.dim())
        c.fail("perm has " + std::to_string(perm.size()) + " entries for an input of rank " + std::to_string(x.dim()));
    return x.permute(perm);
}

std::vector<int64_t> axesOf(const OpContext& c, size_t inputIndex) {
    if (c.opset() < 13)
        return c.attrInts("axes");
    return c.hasInput(inputIndex) ? c.intsInput(inputIndex) : std::vector<int64_t>{};
}

at::Tensor squeeze(const OpContext& c) {
    at::Tensor x = c.input(0);
    std::vector<int64_t> axes = axesOf(c, 1);
    if (axes.empty()) {
        std::vector<int64_t> kept;
        for (int64_t i = 0; i < x.dim(); ++i)
            if (x.size(i) != 1)
                kept.push_back(x.size(i));
        return x.reshape(kept);
    }
    std::vector<bool> drop(x.dim(), false);
    for (int64_t a : axes) {
        const int64_t axis = c.axis(a, x.dim());
        if (x.size(axis) != 1)
            c.fail("cannot squeeze axis " + std::to_string(a) + " of size " + std::to_string(x.size(axis)));
        drop[axis] = true;
    }
    std::vector<int64_t> kept;
    for (int64_t i = 0; i < x.dim(); ++i)
        if (!drop[i])
            kept.push_back(x.size(i));
    return x.reshape(kept);
}

at::Tensor unsqueeze(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    std::vector<int64_t> axes = axesOf(c, 1);
    const int64_t outRank = x.dim() + static_cast<int64_t>(axes.size());
    std::vector<bool> inserted(outRank, false);
    for (int64_t a : axes) {
        const int64_t axis = c.axis(a, outRank);
        if (inserted[axis])
            c.fail("axes lists axis " + std::to_string(a) + " twice");
        inserted[axis] = true;
    }
    std::vector<int64_t> shape;
    int64_t next = 0;
    for (int64_t i = 0; i < outRank; ++i)
        shape.push_back(inserted[i] ? 1 : x.size(next++));
    return x.reshape(shape);
}

// ONNX Expand broadcasts both ways: a 1 in `shape` keeps the input's size.
at::Tensor expand(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    const std::vector<int64_t> shape = c.intsInput(1);
    const int64_t rank = std::max<int64_t>(x.dim(), static_cast<int64_t>(shape.size()));
    std::vector<int64_t> out(rank);
    for (int64_t i = 0; i < rank; ++i) {
        const int64_t xi = i - (rank - x.dim());
        const int64_t si = i - (rank - static_cast<int64_t>(shape.size()));
        const int64_t a = xi >= 0 ? x.size(xi) : 1;
        const int64_t b = si >= 0 ? shape[si] : 1;
        if (a != b && a != 1 && b != 1)
            c.fail("cannot broadcast input dimension " + std::to_string(a) + " to " + std::to_string(b));
        out[i] = a == 1 ? b : a;
    }
    return x.expand(out);
}

at::Tensor shapeOf(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    const int64_t rank = x.dim();
    int64_t start = c.attrInt("start", 0);
    int64_t end = c.attrInt("end", rank);
    start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
    end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
    std::vector<int64_t> dims;
    for (int64_t i = start; i < end; ++i)
        dims.push_back(x.size(i));
    return at::tensor(dims, at::kLong).reshape({static_cast<int64_t>(dims.size())});
}

at::Tensor depthToSpace(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    if (x.dim() != 4)
        c.fail("input must be 4-D [N,C,H,W]");
    const int64_t b = c.attrInt("blocksize");
    const int64_t n = x.size(0), ch = x.size(1), h = x.size(2), w = x.size(3);
    if (b <= 0 || ch % (b * b) != 0)
        c.fail("channels " + std::to_string(ch) + " are not divisible by blocksize^2");
    if (c.attrString("mode", "DCR") == "CRD")
        return x.reshape({n, ch / (b * b), b, b, h, w})
            .permute({0, 1, 4, 2, 5, 3})
            .reshape({n, ch / (b * b), h * b, w * b});
    return x.reshape({n, b, b, ch / (b * b), h, w})
        .permute({0, 3, 4, 1, 5, 2})
        .reshape({n, ch / (b * b), h * b, w * b});
}

at::Tensor spaceToDepth(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    if (x.dim() != 4)
        c.fail("input must be 4-D [N,C,H,W]");
    const int64_t b = c.attrInt("blocksize");
    const int64_t n = x.size(0), ch = x.size(1), h = x.size(2), w = x.size(3);
    if (b <= 0 || h % b != 0 || w % b != 0)
        c.fail("height and width must be divisible by blocksize");
    return x.reshape({n, ch, h / b, b, w / b, b}).permute({0, 3, 5, 1, 2, 4}).reshape({n, ch * b * b, h / b, w / b});
}

Tensors dropout(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    const bool training = c.opset() >= 12 && c.hasInput(2) && c.input(2).item<bool>();
    const double ratio =
        c.opset() >= 12 ? (c.hasInput(1) ? c.input(1).item<double>() : 0.5) : c.attrFloat("ratio", 0.5f);
    if (training && ratio != 0.0)
        c.unsupported("training-mode dropout is random; only inference (or ratio 0) is supported");
    Tensors out{x};
    if (c.wantsOutput(1))
        out.push_back(at::ones_like(x, at::kBool));
    return out;
}

} // namespace

void registerShapeOps(OpRegistry& r) {
    r.add("Flatten", [](const OpContext& c) -> Tensors { return {flatten(c)}; });
    r.add("Reshape", [](const OpContext& c) -> Tensors { return {reshape(c)}; });
    r.add("Transpose", [](const OpContext& c) -> Tensors { return {transpose(c)}; });
    r.add("Squeeze", [](const OpContext& c) -> Tensors { return {squeeze(c)}; });
    r.add("Unsqueeze", [](const OpContext& c) -> Tensors { return {unsqueeze(c)}; });
    r.add("Expand", [](const OpContext& c) -> Tensors { return {expand(c)}; });
    r.add("Tile", [](const OpContext& c) -> Tensors { return {c.input(0).repeat(c.intsInput(1))}; });
    r.add("Shape", [](const OpContext& c) -> Tensors { return {shapeOf(c)}; });
    r.add("Size", [](const OpContext& c) -> Tensors { return {at::scalar_tensor(c.input(0).numel(), at::kLong)}; });
    r.add("DepthToSpace", [](const OpContext& c) -> Tensors { return {depthToSpace(c)}; });
    r.add("SpaceToDepth", [](const OpContext& c) -> Tensors { return {spaceToDepth(c)}; });
    r.add("Identity", [](const OpContext& c) -> Tensors { return {c.input(0)}; });
    r.add("Dropout", dropout);
}

} // namespace autoglm::exec
