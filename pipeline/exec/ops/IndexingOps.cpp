// Ops that select, combine or scatter elements by index: Concat, Split, Slice, the Gather and Scatter families,
// Trilu, OneHot, NonZero, Compress, ReverseSequence.
#include "pipeline/exec/OpRegistry.h"
#include "pipeline/exec/ops/OpFamilies.h"

#include <algorithm>
#include <limits>

namespace autoglm::exec {
namespace {

using Tensors = std::vector<at::Tensor>;

// Index tensors as int64 with negative entries counted from the end of a dimension of `size`.
at::Tensor wrapIndices(const at::Tensor& indices, int64_t size) {
    const at::Tensor i = indices.to(at::kLong);
    return at::where(i < 0, i + size, i);
}

void checkIndices(const OpContext& c, const at::Tensor& indices, int64_t size) {
    if (indices.numel() > 0 && (indices.min().item<int64_t>() < 0 || indices.max().item<int64_t>() >= size))
        c.fail("an index is out of range for a dimension of size " + std::to_string(size));
}

at::Tensor concat(const OpContext& c) {
    if (c.inputCount() == 0)
        c.fail("needs at least one input");
    const int64_t axis = c.axis(c.attrInt("axis", c.opset() < 4 ? 1 : 0), c.input(0).dim());
    std::vector<at::Tensor> parts;
    for (size_t i = 0; i < c.inputCount(); ++i)
        parts.push_back(c.input(i));
    return at::cat(parts, axis);
}

Tensors split(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    const int64_t axis = c.axis(c.attrInt("axis", 0), x.dim());
    const int64_t dim = x.size(axis);
    const auto outputs = static_cast<int64_t>(c.outputCount());
    std::vector<int64_t> sizes;
    if (c.hasInput(1))
        sizes = c.intsInput(1);
    else if (c.opset() < 13)
        sizes = c.attrInts("split");
    if (sizes.empty()) {
        if (c.opset() >= 18 && c.hasAttr("num_outputs")) {
            // Chunks of ceil(dim / n); the last one may be smaller.
            const int64_t n = c.attrInt("num_outputs");
            if (n <= 0 || n != outputs)
                c.fail("num_outputs must be positive and match the node's outputs");
            const int64_t chunk = (dim + n - 1) / n;
            for (int64_t i = 0; i < n; ++i)
                sizes.push_back(std::clamp<int64_t>(dim - i * chunk, 0, chunk));
        } else {
            if (outputs <= 0 || dim % outputs != 0)
                c.fail("axis of size " + std::to_string(dim) + " cannot be split equally into " +
                       std::to_string(outputs) + " outputs");
            sizes.assign(outputs, dim / outputs);
        }
    }
    int64_t total = 0;
    for (int64_t s : sizes) {
        if (s < 0)
            c.fail("split sizes must not be negative");
        total += s;
    }
    if (total != dim || static_cast<int64_t>(sizes.size()) != outputs)
        c.fail("split sizes must add up to the axis size and match the number of outputs");
    Tensors out;
    int64_t offset = 0;
    for (int64_t s : sizes) {
        out.push_back(x.narrow(axis, offset, s));
        offset += s;
    }
    return out;
}

// Clamps start and end as the spec does: into [0, dim] for positive steps and [0, dim-1] / [-1, dim-1] for
// negative ones, after counting negative values from the end.
at::Tensor slice(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    std::vector<int64_t> starts, ends, axes, steps;
    if (c.opset() < 10) {
        starts = c.attrInts("starts");
        ends = c.attrInts("ends");
        axes = c.attrInts("axes");
    } else {
        starts = c.intsInput(1);
        ends = c.intsInput(2);
        if (c.hasInput(3))
            axes = c.intsInput(3);
        if (c.hasInput(4))
            steps = c.intsInput(4);
    }
    if (ends.size() != starts.size())
        c.fail("starts and ends must have the same length");
    if (axes.empty())
        for (size_t i = 0; i < starts.size(); ++i)
            axes.push_back(static_cast<int64_t>(i));
    if (steps.empty())
        steps.assign(starts.size(), 1);
    if (axes.size() != starts.size() || steps.size() != starts.size())
        c.fail("axes and steps must have the same length as starts");

    if (x.dim() == 0 && !starts.empty())
        c.fail("the input is a scalar, which has no axis to slice"); // found by fuzz_onnx
    at::Tensor out = x;
    std::vector<bool> seen(x.dim(), false);
    for (size_t i = 0; i < starts.size(); ++i) {
        const int64_t axis = c.axis(axes[i], x.dim());
        if (seen[axis])
            c.fail("axes lists an axis twice");
        seen[axis] = true;
        const int64_t dim = x.size(axis);
        if (steps[i] == 0)
            c.fail("steps must not be 0");
        // A stride beyond the axis picks one element at most; bounding it keeps -step from overflowing.
        const int64_t step = std::clamp<int64_t>(steps[i], -dim - 1, dim + 1);
        if (dim == 0) {
            out = out.slice(axis, 0, 0);
            continue;
        }
        int64_t start = starts[i] < 0 ? starts[i] + dim : starts[i];
        int64_t end = ends[i] < 0 ? ends[i] + dim : ends[i];
        if (step > 0) {
            start = std::clamp<int64_t>(start, 0, dim);
            end = std::clamp<int64_t>(end, 0, dim);
            out = out.slice(axis, start, std::max(start, end), step);
        } else {
            start = std::clamp<int64_t>(start, 0, dim - 1);
            end = std::clamp<int64_t>(end, -1, dim - 1);
            const int64_t count = start > end ? (start - end - 1) / -step + 1 : 0;
            out = out.index_select(axis, at::arange(count, at::kLong) * step + start);
        }
    }
    return out;
}

at::Tensor gather(const OpContext& c) {
    const at::Tensor& data = c.input(0);
    const int64_t axis = c.axis(c.attrInt("axis", 0), data.dim());
    const at::Tensor indices = wrapIndices(c.input(1), data.size(axis));
    checkIndices(c, indices, data.size(axis));
    std::vector<int64_t> shape(data.sizes().begin(), data.sizes().begin() + axis);
    shape.insert(shape.end(), indices.sizes().begin(), indices.sizes().end());
    shape.insert(shape.end(), data.sizes().begin() + axis + 1, data.sizes().end());
    return data.index_select(axis, indices.reshape({-1})).reshape(shape);
}

at::Tensor gatherElements(const OpContext& c) {
    const at::Tensor& data = c.input(0);
    const int64_t axis = c.axis(c.attrInt("axis", 0), data.dim());
    const at::Tensor indices = wrapIndices(c.input(1), data.size(axis));
    checkIndices(c, indices, data.size(axis));
    return at::gather(data, axis, indices);
}

// Row-major linear positions in data.shape[first, first + k) addressed by the last axis of `indices`.
at::Tensor linearIndex(const OpContext& c, const at::Tensor& data, const at::Tensor& indices, int64_t first) {
    const int64_t k = indices.size(-1);
    if (first + k > data.dim())
        c.fail("index tuples are longer than the data's rank allows");
    at::Tensor idx = indices.to(at::kLong);
    at::Tensor linear = at::zeros(idx.sizes().slice(0, idx.dim() - 1), at::kLong);
    for (int64_t j = 0; j < k; ++j) {
        const int64_t size = data.size(first + j);
        const at::Tensor component = wrapIndices(idx.select(-1, j), size);
        checkIndices(c, component, size);
        linear = linear * size + component;
    }
    return linear;
}

at::Tensor gatherND(const OpContext& c) {
    const at::Tensor& data = c.input(0);
    const at::Tensor& indices = c.input(1);
    const int64_t b = c.attrInt("batch_dims", 0);
    if (indices.dim() < 1 || b < 0 || b >= indices.dim() || b >= data.dim())
        c.fail("batch_dims is out of range");
    const int64_t k = indices.size(-1);
    int64_t batch = 1;
    for (int64_t d = 0; d < b; ++d) {
        if (data.size(d) != indices.size(d))
            c.fail("data and indices disagree on a batch dimension");
        batch *= data.size(d);
    }
    const at::Tensor linear = linearIndex(c, data, indices, b);
    const at::Tensor rowsPerBatch = linear.reshape({batch, batch == 0 ? 0 : linear.numel() / batch});
    int64_t positions = 1;
    for (int64_t d = b; d < b + k; ++d)
        positions *= data.size(d);
    const at::Tensor flatIndex = (rowsPerBatch + at::arange(batch, at::kLong).unsqueeze(1) * positions).reshape({-1});
    std::vector<int64_t> shape(indices.sizes().begin(), indices.sizes().end() - 1);
    shape.insert(shape.end(), data.sizes().begin() + b + k, data.sizes().end());
    int64_t rowSize = 1;
    for (int64_t d = b + k; d < data.dim(); ++d)
        rowSize *= data.size(d);
    return data.reshape({batch * positions, rowSize}).index_select(0, flatIndex).reshape(shape);
}

std::string scatterReduceName(const OpContext& c, const std::string& reduction) {
    if (reduction == "add")
        return "sum";
    if (reduction == "mul")
        return "prod";
    if (reduction == "max")
        return "amax";
    if (reduction == "min")
        return "amin";
    c.fail("unknown reduction '" + reduction + "'");
}

at::Tensor scatterND(const OpContext& c) {
    const at::Tensor& data = c.input(0);
    const at::Tensor& indices = c.input(1);
    const at::Tensor& updates = c.input(2);
    if (indices.dim() < 1)
        c.fail("indices must have rank >= 1");
    const int64_t k = indices.size(-1);
    const at::Tensor linear = linearIndex(c, data, indices, 0).reshape({-1});
    int64_t positions = 1, rowSize = 1;
    for (int64_t d = 0; d < data.dim(); ++d)
        (d < k ? positions : rowSize) *= data.size(d);
    const at::Tensor rows = data.reshape({positions, rowSize});
    const at::Tensor values = updates.reshape({linear.numel(), rowSize}).to(data.scalar_type());
    const std::string reduction = c.attrString("reduction", "none");
    at::Tensor out;
    if (reduction == "none") {
        out = at::index_put(rows, {c10::optional<at::Tensor>(linear)}, values);
    } else {
        const at::Tensor index = linear.unsqueeze(1).expand(values.sizes());
        out = at::scatter_reduce(rows, 0, index, values, scatterReduceName(c, reduction), /*include_self=*/true);
    }
    return out.reshape(data.sizes());
}

at::Tensor scatterElements(const OpContext& c, bool allowReduction) {
    const at::Tensor& data = c.input(0);
    const int64_t axis = c.axis(c.attrInt("axis", 0), data.dim());
    const at::Tensor indices = wrapIndices(c.input(1), data.size(axis));
    checkIndices(c, indices, data.size(axis));
    const at::Tensor updates = c.input(2).to(data.scalar_type());
    const std::string reduction = allowReduction ? c.attrString("reduction", "none") : "none";
    if (reduction == "none")
        return at::scatter(data, axis, indices, updates);
    return at::scatter_reduce(data, axis, indices, updates, scatterReduceName(c, reduction), /*include_self=*/true);
}

at::Tensor trilu(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    if (x.dim() < 2)
        c.fail("input must have rank >= 2");
    int64_t k = 0;
    if (c.hasInput(1)) {
        const std::vector<int64_t> ks = c.intsInput(1);
        if (ks.size() != 1)
            c.fail("k must hold exactly one value");
        k = ks[0];
    }
    // Keep k inside what ATen's diagonal arithmetic expects; beyond the matrix every choice is the same.
    const int64_t limit = x.size(-2) + x.size(-1) + 1;
    k = std::clamp<int64_t>(k, -limit, limit);
    return c.attrInt("upper", 1) != 0 ? at::triu(x, k) : at::tril(x, k);
}

at::Tensor oneHot(const OpContext& c) {
    const at::Tensor& indices = c.input(0);
    const at::Tensor& values = c.input(2);
    if (c.input(1).numel() != 1)
        c.fail("depth must hold exactly one value");
    const auto depth = static_cast<int64_t>(c.input(1).to(at::kDouble).reshape({}).item<double>());
    if (depth <= 0)
        c.fail("depth must be positive");
    if (values.numel() != 2)
        c.fail("values must hold [off_value, on_value]");
    const int64_t axis = c.axis(c.attrInt("axis", -1), indices.dim() + 1);
    // Float indices are truncated; out-of-range ones give a row of off values.
    const at::Tensor idx = wrapIndices(indices.to(at::kLong), depth).unsqueeze(axis);
    std::vector<int64_t> shape(indices.dim() + 1, 1);
    shape[axis] = depth;
    const at::Tensor hot = idx == at::arange(depth, at::kLong).reshape(shape);
    const at::Tensor flat = values.reshape({2});
    return at::where(hot, flat[1], flat[0]);
}

at::Tensor nonZero(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    if (x.dim() == 0)
        return at::zeros({1, x.item<double>() != 0 ? 1 : 0}, at::kLong); // numpy treats a scalar as 1-D
    return at::nonzero(x).t().contiguous();
}

at::Tensor compress(const OpContext& c) {
    const at::Tensor& cond = c.input(1);
    at::Tensor x = c.input(0);
    int64_t axis = 0;
    if (c.hasAttr("axis"))
        axis = c.axis(c.attrInt("axis", 0), x.dim());
    else
        x = x.reshape({-1});
    const at::Tensor flags = cond.reshape({-1}).to(at::kBool);
    if (flags.numel() > x.size(axis))
        c.fail("condition is longer than the selected axis");
    return x.index_select(axis, at::nonzero(flags).reshape({-1}));
}

at::Tensor reverseSequence(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    const int64_t timeAxis = c.axis(c.attrInt("time_axis", 0), x.dim());
    const int64_t batchAxis = c.axis(c.attrInt("batch_axis", 1), x.dim());
    if (timeAxis == batchAxis)
        c.fail("time_axis and batch_axis must differ");
    const int64_t steps = x.size(timeAxis), batch = x.size(batchAxis);
    const at::Tensor lens = c.input(1).to(at::kLong).reshape({-1});
    if (lens.numel() != batch)
        c.fail("sequence_lens must have one entry per batch element");
    checkIndices(c, lens, steps + 1);
    // Position t of batch b reads from len[b]-1-t inside the sequence and from t past it.
    const at::Tensor t = at::arange(steps, at::kLong).unsqueeze(1);
    const at::Tensor len = lens.unsqueeze(0);
    at::Tensor source = at::where(t < len, len - 1 - t, t);
    std::vector<int64_t> shape(x.dim(), 1);
    shape[timeAxis] = steps;
    shape[batchAxis] = batch;
    if (timeAxis > batchAxis)
        source = source.t();
    return at::gather(x, timeAxis, source.reshape(shape).expand(x.sizes()).contiguous());
}

} // namespace

void registerIndexingOps(OpRegistry& r) {
    r.add("Concat", [](const OpContext& c) -> Tensors { return {concat(c)}; });
    r.add("Split", split);
    r.add("Slice", [](const OpContext& c) -> Tensors { return {slice(c)}; });
    r.add("Gather", [](const OpContext& c) -> Tensors { return {gather(c)}; });
    r.add("GatherElements", [](const OpContext& c) -> Tensors { return {gatherElements(c)}; });
    r.add("GatherND", [](const OpContext& c) -> Tensors { return {gatherND(c)}; });
    r.add("ScatterND", [](const OpContext& c) -> Tensors { return {scatterND(c)}; });
    r.add("ScatterElements", [](const OpContext& c) -> Tensors { return {scatterElements(c, true)}; });
    r.add("Scatter", [](const OpContext& c) -> Tensors { return {scatterElements(c, false)}; });
    r.add("Trilu", [](const OpContext& c) -> Tensors { return {trilu(c)}; });
    r.add("OneHot", [](const OpContext& c) -> Tensors { return {oneHot(c)}; });
    r.add("NonZero", [](const OpContext& c) -> Tensors { return {nonZero(c)}; });
    r.add("Compress", [](const OpContext& c) -> Tensors { return {compress(c)}; });
    r.add("ReverseSequence", [](const OpContext& c) -> Tensors { return {reverseSequence(c)}; });
}

} // namespace autoglm::exec
