// Reductions (ReduceSum ... ReduceSumSquare), ArgMax/ArgMin, TopK and CumSum.
#include "pipeline/exec/OpRegistry.h"
#include "pipeline/exec/ops/OpFamilies.h"

#include <algorithm>

namespace autoglm::exec {
namespace {

using Tensors = std::vector<at::Tensor>;

struct Reduction {
    std::vector<int64_t> dims; // normalized, sorted; empty with `noop` means return the input
    bool keepdims = true;
    bool noop = false;
};

// Axes come from the attribute until the op's axes became an input (ReduceSum at 13, the rest at 18).
// Empty axes reduce everything unless noop_with_empty_axes is set.
Reduction reductionOf(const OpContext& c, int64_t axesInputOpset) {
    const at::Tensor& x = c.input(0);
    Reduction r;
    r.keepdims = c.attrInt("keepdims", 1) != 0;
    std::vector<int64_t> axes;
    if (c.opset() < axesInputOpset)
        axes = c.attrInts("axes");
    else if (c.hasInput(1))
        axes = c.intsInput(1);
    if (axes.empty()) {
        if (c.opset() >= axesInputOpset && c.attrInt("noop_with_empty_axes", 0) != 0) {
            r.noop = true;
            return r;
        }
        for (int64_t d = 0; d < x.dim(); ++d)
            r.dims.push_back(d);
        return r;
    }
    for (int64_t a : axes)
        r.dims.push_back(c.axis(a, x.dim()));
    std::sort(r.dims.begin(), r.dims.end());
    if (std::adjacent_find(r.dims.begin(), r.dims.end()) != r.dims.end())
        c.fail("axes lists an axis twice");
    return r;
}

// Reduces one axis at a time for ops that ATen only offers per dimension.
at::Tensor reducePerDim(const at::Tensor& x, const Reduction& r, at::Tensor (*fn)(const at::Tensor&, int64_t)) {
    at::Tensor out = x;
    for (int64_t d : r.dims)
        out = fn(out, d);
    if (!r.keepdims)
        for (auto it = r.dims.rbegin(); it != r.dims.rend(); ++it)
            out = out.squeeze(*it);
    return out;
}

at::Tensor prodDim(const at::Tensor& x, int64_t d) {
    return at::prod(x, d, /*keepdim=*/true);
}

// Integer reductions that go through floating point (mean, norms, logs) are computed in double and cast back.
at::Tensor asFloating(const at::Tensor& x) {
    return at::isFloatingType(x.scalar_type()) ? x : x.to(at::kDouble);
}

OpKernel reduceKernel(int64_t axesInputOpset, at::Tensor (*fn)(const at::Tensor&, const Reduction&)) {
    return [axesInputOpset, fn](const OpContext& c) -> Tensors {
        const at::Tensor& x = c.input(0);
        const Reduction r = reductionOf(c, axesInputOpset);
        if (r.noop)
            return {x};
        return {fn(x, r).to(x.scalar_type())};
    };
}

at::Tensor sumOf(const at::Tensor& x, const Reduction& r) {
    return at::sum(x, r.dims, r.keepdims);
}

at::Tensor reduceSum(const at::Tensor& x, const Reduction& r) {
    return sumOf(x, r);
}
at::Tensor reduceMean(const at::Tensor& x, const Reduction& r) {
    return at::mean(asFloating(x), r.dims, r.keepdims);
}
at::Tensor reduceMax(const at::Tensor& x, const Reduction& r) {
    return at::amax(x, r.dims, r.keepdims);
}
at::Tensor reduceMin(const at::Tensor& x, const Reduction& r) {
    return at::amin(x, r.dims, r.keepdims);
}
at::Tensor reduceProd(const at::Tensor& x, const Reduction& r) {
    return reducePerDim(x, r, prodDim);
}
at::Tensor reduceL1(const at::Tensor& x, const Reduction& r) {
    return sumOf(at::abs(x), r);
}
at::Tensor reduceL2(const at::Tensor& x, const Reduction& r) {
    return at::sqrt(sumOf(asFloating(x).square(), r));
}
at::Tensor reduceLogSum(const at::Tensor& x, const Reduction& r) {
    return at::log(sumOf(asFloating(x), r));
}
at::Tensor reduceLogSumExp(const at::Tensor& x, const Reduction& r) {
    return at::logsumexp(asFloating(x), r.dims, r.keepdims);
}
at::Tensor reduceSumSquare(const at::Tensor& x, const Reduction& r) {
    return sumOf(x * x, r);
}

// ArgMax/ArgMin pick the first extremum; select_last_index searches the flipped axis instead.
at::Tensor argExtremum(const OpContext& c, bool max) {
    const at::Tensor& x = c.input(0);
    const int64_t axis = c.axis(c.attrInt("axis", 0), x.dim());
    const bool keepdims = c.attrInt("keepdims", 1) != 0;
    const bool last = c.attrInt("select_last_index", 0) != 0;
    const at::Tensor source = last ? x.flip(axis) : x;
    at::Tensor index = max ? at::argmax(source, axis, keepdims) : at::argmin(source, axis, keepdims);
    if (last)
        index = (x.size(axis) - 1) - index;
    return index;
}

// A stable sort keeps equal values in index order, which is the tie rule the spec asks for.
Tensors topK(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    const int64_t axis = c.axis(c.attrInt("axis", -1), x.dim());
    int64_t k = 0;
    if (c.opset() < 10) {
        k = c.attrInt("k");
    } else {
        const std::vector<int64_t> ks = c.intsInput(1);
        if (ks.size() != 1)
            c.fail("K must hold exactly one value");
        k = ks[0];
    }
    if (k < 0 || k > x.size(axis))
        c.fail("k = " + std::to_string(k) + " is out of range for an axis of size " + std::to_string(x.size(axis)));
    const bool largest = c.attrInt("largest", 1) != 0;
    const at::Tensor order = std::get<1>(at::sort(x, /*stable=*/true, axis, /*descending=*/largest)).narrow(axis, 0, k);
    return {at::gather(x, axis, order), order};
}

at::Tensor cumSum(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    const std::vector<int64_t> axisValues = c.intsInput(1);
    if (axisValues.size() != 1)
        c.fail("axis must hold exactly one value");
    const int64_t axis = c.axis(axisValues[0], x.dim());
    const bool reverse = c.attrInt("reverse", 0) != 0;
    const bool exclusive = c.attrInt("exclusive", 0) != 0;
    at::Tensor source = reverse ? x.flip(axis) : x;
    at::Tensor sum = at::cumsum(source, axis, x.scalar_type());
    if (exclusive && x.size(axis) > 0)
        sum = at::cat({at::zeros_like(sum.narrow(axis, 0, 1)), sum.narrow(axis, 0, x.size(axis) - 1)}, axis);
    return reverse ? sum.flip(axis) : sum;
}

} // namespace

void registerReduceOps(OpRegistry& r) {
    r.add("ReduceSum", reduceKernel(13, reduceSum));
    r.add("ReduceMean", reduceKernel(18, reduceMean));
    r.add("ReduceMax", reduceKernel(18, reduceMax));
    r.add("ReduceMin", reduceKernel(18, reduceMin));
    r.add("ReduceProd", reduceKernel(18, reduceProd));
    r.add("ReduceL1", reduceKernel(18, reduceL1));
    r.add("ReduceL2", reduceKernel(18, reduceL2));
    r.add("ReduceLogSum", reduceKernel(18, reduceLogSum));
    r.add("ReduceLogSumExp", reduceKernel(18, reduceLogSumExp));
    r.add("ReduceSumSquare", reduceKernel(18, reduceSumSquare));
    r.add("ArgMax", [](const OpContext& c) -> Tensors { return {argExtremum(c, true)}; });
    r.add("ArgMin", [](const OpContext& c) -> Tensors { return {argExtremum(c, false)}; });
    r.add("TopK", topK);
    r.add("CumSum", [](const OpContext& c) -> Tensors { return {cumSum(c)}; });
}

} // namespace autoglm::exec
