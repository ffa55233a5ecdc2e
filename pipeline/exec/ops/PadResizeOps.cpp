// Spatial reshaping with new values: Pad, Resize, and the deprecated Upsample.
#include "pipeline/exec/OpRegistry.h"
#include "pipeline/exec/ops/OpFamilies.h"

#include <cmath>

namespace autoglm::exec {
namespace {

using Tensors = std::vector<at::Tensor>;
using Ints = std::vector<int64_t>;

std::vector<double> doubles(const at::Tensor& t) {
    const at::Tensor d = t.detach().to(at::kCPU, at::kDouble).contiguous().reshape({-1});
    return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
}

// ---- Pad ------------------------------------------------------------------------------------------------------

// Source index along one axis for every output position of a non-constant pad.
at::Tensor padIndex(const OpContext& c, const std::string& mode, int64_t n, int64_t begin, int64_t end) {
    if (n == 0)
        c.fail("cannot pad an empty axis in " + mode + " mode");
    Ints idx;
    for (int64_t j = -begin; j < n + end; ++j) {
        if (mode == "edge") {
            idx.push_back(std::clamp<int64_t>(j, 0, n - 1));
        } else if (mode == "wrap") {
            idx.push_back(((j % n) + n) % n);
        } else if (n == 1) {
            idx.push_back(0);
        } else {
            // Reflection without repeating the edge is periodic with period 2(n-1); this also covers pads wider
            // than the axis, as numpy does.
            const int64_t period = 2 * (n - 1);
            const int64_t m = ((j % period) + period) % period;
            idx.push_back(m < n ? m : period - m);
        }
    }
    return at::tensor(idx, at::kLong);
}

at::Tensor pad(const OpContext& c) {
    at::Tensor x = c.input(0);
    const int64_t rank = x.dim();
    const std::string mode = c.attrString("mode", "constant");
    Ints pads;
    at::Scalar value = 0.0;
    if (c.opset() < 11) {
        pads = c.attrInts(c.opset() < 2 ? "paddings" : "pads");
        value = static_cast<double>(c.attrFloat("value", 0.0f));
    } else {
        pads = c.intsInput(1);
        if (c.hasInput(2) && c.input(2).numel() > 0)
            value = c.input(2).reshape({-1})[0].item();
    }
    if (c.hasInput(3)) {
        // opset 18: pads cover only the listed axes.
        const Ints axes = c.intsInput(3);
        if (pads.size() != 2 * axes.size())
            c.fail("pads must have twice as many entries as axes");
        Ints full(static_cast<size_t>(2 * rank), 0);
        for (size_t i = 0; i < axes.size(); ++i) {
            const int64_t a = c.axis(axes[i], rank);
            full[static_cast<size_t>(a)] = pads[i];
            full[static_cast<size_t>(a + rank)] = pads[i + axes.size()];
        }
        pads = full;
    }
    if (static_cast<int64_t>(pads.size()) != 2 * rank)
        c.fail("pads has " + std::to_string(pads.size()) + " entries for an input of rank " + std::to_string(rank));
    if (mode == "constant") {
        // constant_pad_nd takes (begin, end) pairs from the last axis; negative entries crop.
        Ints torchPads;
        for (int64_t i = rank - 1; i >= 0; --i) {
            torchPads.push_back(pads[static_cast<size_t>(i)]);
            torchPads.push_back(pads[static_cast<size_t>(i + rank)]);
        }
        return at::constant_pad_nd(x, torchPads, value);
    }
    if (mode != "reflect" && mode != "edge" && mode != "wrap")
        c.fail("unknown pad mode '" + mode + "'");
    for (int64_t i = 0; i < rank; ++i) {
        int64_t begin = pads[static_cast<size_t>(i)];
        int64_t end = pads[static_cast<size_t>(i + rank)];
        if (begin < 0 || end < 0) {
            const int64_t cropBegin = std::max<int64_t>(0, -begin);
            const int64_t cropEnd = std::max<int64_t>(0, -end);
            if (cropBegin + cropEnd > x.size(i))
                c.fail("negative pads remove more than axis " + std::to_string(i) + " holds");
            x = x.narrow(i, cropBegin, x.size(i) - cropBegin - cropEnd);
            begin = std::max<int64_t>(0, begin);
            end = std::max<int64_t>(0, end);
        }
        if (begin > 0 || end > 0)
            x = x.index_select(i, padIndex(c, mode, x.size(i), begin, end).to(x.device()));
    }
    return x;
}

// ---- Resize ---------------------------------------------------------------------------------------------------

struct ResizeParams {
    std::string mode = "nearest";
    std::string transform = "half_pixel";
    std::string nearestMode = "round_prefer_floor"; // "simple": opset < 11 behaviour
    double cubicA = -0.75;
    bool excludeOutside = false;
    bool antialias = false;
    double extrapolation = 0.0;
};

// How one axis is resampled: output o reads taps index[o][k] with weight[o][k]; outside[o] marks outputs that
// tf_crop_and_resize maps past the input and that take the extrapolation value instead.
struct AxisPlan {
    int64_t taps = 1;
    Ints index;
    std::vector<double> weight;
    std::vector<uint8_t> outside;
    bool anyOutside = false;
};

double keys(double t, double a) {
    t = std::abs(t);
    if (t <= 1)
        return ((a + 2) * t - (a + 3)) * t * t + 1;
    if (t < 2)
        return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
    return 0.0;
}

double sourceCoordinate(const OpContext& c, const ResizeParams& p, int64_t o, int64_t in, int64_t out, double scale,
                        double roiStart, double roiEnd) {
    // The reference uses the unrounded output length (scale * in) where a length appears.
    const double outLen = scale * static_cast<double>(in);
    const double x = static_cast<double>(o);
    const std::string& t = p.transform;
    if (t == "half_pixel")
        return (x + 0.5) / scale - 0.5;
    if (t == "asymmetric")
        return x / scale;
    if (t == "align_corners")
        return outLen == 1 ? 0.0 : x * static_cast<double>(in - 1) / (outLen - 1);
    if (t == "pytorch_half_pixel")
        return out > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
    if (t == "tf_half_pixel_for_nn")
        return (x + 0.5) / scale;
    if (t == "half_pixel_symmetric") {
        const double offset = static_cast<double>(in) / 2 * (1 - static_cast<double>(out) / outLen);
        return offset + (x + 0.5) / scale - 0.5;
    }
    if (t == "tf_crop_and_resize") {
        const double span = static_cast<double>(in - 1);
        if (outLen == 1)
            return (roiEnd - roiStart) * span / 2 + roiStart * span;
        return x * (roiEnd - roiStart) * span / (outLen - 1) + roiStart * span;
    }
    c.fail("unknown coordinate_transformation_mode '" + t + "'");
}

int64_t nearestIndex(const OpContext& c, const ResizeParams& p, double x, double scale) {
    const std::string& m = p.nearestMode;
    if (m == "round_prefer_floor")
        return static_cast<int64_t>(std::ceil(x - 0.5));
    if (m == "round_prefer_ceil")
        return static_cast<int64_t>(std::floor(x + 0.5));
    if (m == "floor")
        return static_cast<int64_t>(std::floor(x));
    if (m == "ceil")
        return static_cast<int64_t>(std::ceil(x));
    if (m == "simple")
        return static_cast<int64_t>(scale < 1 ? std::ceil(x) : std::floor(x));
    c.fail("unknown nearest_mode '" + m + "'");
}

AxisPlan planAxis(const OpContext& c, const ResizeParams& p, int64_t in, int64_t out, double scale, double roiStart,
                  double roiEnd) {
    AxisPlan plan;
    const bool nearest = p.mode == "nearest";
    const double radius = p.mode == "cubic" ? 2.0 : 1.0;
    // Antialiasing stretches the kernel by 1/scale when downsampling.
    const double stretch = p.antialias && !nearest ? std::min(scale, 1.0) : 1.0;
    const int64_t first = nearest ? 0 : static_cast<int64_t>(std::floor(-radius / stretch)) + 1;
    plan.taps = nearest ? 1 : 2 - 2 * first;
    plan.outside.assign(static_cast<size_t>(out), 0);
    for (int64_t o = 0; o < out; ++o) {
        const double x = sourceCoordinate(c, p, o, in, out, scale, roiStart, roiEnd);
        if (p.transform == "tf_crop_and_resize" && (x < 0 || x > static_cast<double>(in - 1))) {
            plan.outside[static_cast<size_t>(o)] = 1;
            plan.anyOutside = true;
            plan.index.insert(plan.index.end(), static_cast<size_t>(plan.taps), 0);
            plan.weight.insert(plan.weight.end(), static_cast<size_t>(plan.taps), 0.0);
            continue;
        }
        if (nearest) {
            plan.index.push_back(std::clamp<int64_t>(nearestIndex(c, p, x, scale), 0, in - 1));
            plan.weight.push_back(1.0);
            continue;
        }
        const double base = std::floor(x);
        const double ratio = x - base;
        std::vector<double> w;
        double sum = 0;
        for (int64_t k = 0; k < plan.taps; ++k) {
            const int64_t i = first + k;
            const double t = (static_cast<double>(i) - ratio) * stretch;
            double wk = p.mode == "cubic" ? keys(t, p.cubicA) : std::max(0.0, 1 - std::abs(t));
            const int64_t src = static_cast<int64_t>(base) + i;
            if (p.excludeOutside && (src < 0 || src >= in))
                wk = 0;
            w.push_back(wk);
            sum += wk;
            plan.index.push_back(std::clamp<int64_t>(src, 0, in - 1));
        }
        const bool normalize = p.excludeOutside || p.antialias;
        for (double wk : w)
            plan.weight.push_back(normalize && sum != 0 ? wk / sum : wk);
    }
    return plan;
}

at::Tensor resampleAxis(const at::Tensor& x, int64_t axis, int64_t out, const AxisPlan& plan, const ResizeParams& p) {
    const at::Tensor index = at::tensor(plan.index, at::kLong).to(x.device());
    at::Tensor y = x.index_select(axis, index);
    if (plan.taps > 1) {
        Ints shape = y.sizes().vec();
        shape[static_cast<size_t>(axis)] = out;
        shape.insert(shape.begin() + axis + 1, plan.taps);
        Ints wshape(static_cast<size_t>(x.dim() + 1), 1);
        wshape[static_cast<size_t>(axis)] = out;
        wshape[static_cast<size_t>(axis + 1)] = plan.taps;
        const at::Tensor w = at::tensor(plan.weight, at::kDouble).to(x.device(), x.scalar_type()).reshape(wshape);
        y = (y.reshape(shape) * w).sum(axis + 1);
    }
    if (plan.anyOutside) {
        Ints mshape(static_cast<size_t>(x.dim()), 1);
        mshape[static_cast<size_t>(axis)] = out;
        const at::Tensor mask = at::tensor(Ints(plan.outside.begin(), plan.outside.end()), at::kLong)
                                    .to(x.device())
                                    .reshape(mshape)
                                    .to(at::kBool);
        y = y.masked_fill(mask, p.extrapolation);
    }
    return y;
}

// Shared by Resize and Upsample once output sizes and per-axis scales are known.
at::Tensor interpolate(const OpContext& c, const at::Tensor& input, const ResizeParams& p, const Ints& outSizes,
                       const std::vector<double>& scales, const std::vector<double>& roi) {
    if (p.mode != "nearest" && p.mode != "linear" && p.mode != "cubic")
        c.fail("unknown resize mode '" + p.mode + "'");
    const int64_t rank = input.dim();
    const bool integral = !at::isFloatingType(input.scalar_type());
    at::Tensor x = integral && p.mode != "nearest" ? input.to(at::kFloat) : input;
    for (int64_t a = 0; a < rank; ++a) {
        const int64_t in = input.size(a);
        const int64_t out = outSizes[static_cast<size_t>(a)];
        if (scales[static_cast<size_t>(a)] == 1.0 && out == in)
            continue; // identity in every mode, as in the reference
        if (out > 0 && in == 0)
            c.fail("cannot resize an empty axis to " + std::to_string(out));
        const double start = roi.empty() ? 0.0 : roi[static_cast<size_t>(a)];
        const double end = roi.empty() ? 1.0 : roi[static_cast<size_t>(a + rank)];
        x = resampleAxis(x, a, out, planAxis(c, p, in, out, scales[static_cast<size_t>(a)], start, end), p);
    }
    if (integral && p.mode != "nearest") {
        x = x.round();
        if (input.scalar_type() == at::kByte)
            x = x.clamp(0, 255);
        else if (input.scalar_type() == at::kChar)
            x = x.clamp(-128, 127);
        x = x.to(input.scalar_type());
    }
    return x;
}

Ints floorSizes(const OpContext& c, const at::Tensor& x, const std::vector<double>& scales) {
    if (static_cast<int64_t>(scales.size()) != x.dim())
        c.fail("scales has " + std::to_string(scales.size()) + " entries for an input of rank " +
               std::to_string(x.dim()));
    Ints sizes;
    for (size_t i = 0; i < scales.size(); ++i) {
        if (!(scales[i] > 0))
            c.fail("scales must be positive");
        sizes.push_back(
            static_cast<int64_t>(std::floor(scales[i] * static_cast<double>(x.size(static_cast<int64_t>(i))))));
    }
    return sizes;
}

at::Tensor resize(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    const int64_t rank = x.dim();
    ResizeParams p;
    p.mode = c.attrString("mode", "nearest");
    if (c.opset() < 11) {
        // Resize-10 predates the transformation attributes; it samples like Upsample.
        p.transform = "asymmetric";
        p.nearestMode = "simple";
        std::vector<double> scales = doubles(c.input(1));
        return interpolate(c, x, p, floorSizes(c, x, scales), scales, {});
    }
    p.transform = c.attrString("coordinate_transformation_mode", "half_pixel");
    p.nearestMode = c.attrString("nearest_mode", "round_prefer_floor");
    p.cubicA = c.attrFloat("cubic_coeff_a", -0.75f);
    p.excludeOutside = c.attrInt("exclude_outside", 0) != 0;
    p.extrapolation = c.attrFloat("extrapolation_value", 0.0f);
    p.antialias = c.attrInt("antialias", 0) != 0;

    // opset 18 axes: roi/scales/sizes describe only these axes; the rest stay as they are.
    Ints axes;
    for (int64_t a : c.attrInts("axes"))
        axes.push_back(c.axis(a, rank));
    if (axes.empty())
        for (int64_t a = 0; a < rank; ++a)
            axes.push_back(a);
    const size_t na = axes.size();

    std::vector<double> roi;
    if (p.transform == "tf_crop_and_resize" && c.hasInput(1) && c.input(1).numel() > 0) {
        const std::vector<double> given = doubles(c.input(1));
        if (given.size() != 2 * na)
            c.fail("roi must have " + std::to_string(2 * na) + " entries");
        roi.assign(static_cast<size_t>(rank), 0.0);
        roi.resize(static_cast<size_t>(2 * rank), 1.0);
        for (size_t i = 0; i < na; ++i) {
            roi[static_cast<size_t>(axes[i])] = given[i];
            roi[static_cast<size_t>(axes[i] + rank)] = given[i + na];
        }
    }

    std::vector<double> scales(static_cast<size_t>(rank), 1.0);
    Ints sizes = x.sizes().vec();
    const bool haveScales = c.hasInput(2) && c.input(2).numel() > 0;
    const bool haveSizes = c.hasInput(3) && c.input(3).numel() > 0;
    if (haveScales == haveSizes)
        c.fail("exactly one of scales and sizes must be given");
    if (haveScales) {
        const std::vector<double> given = doubles(c.input(2));
        if (given.size() != na)
            c.fail("scales has " + std::to_string(given.size()) + " entries for " + std::to_string(na) + " axes");
        for (size_t i = 0; i < na; ++i)
            scales[static_cast<size_t>(axes[i])] = given[i];
        sizes = floorSizes(c, x, scales);
    } else {
        const Ints given = c.intsInput(3);
        if (given.size() != na)
            c.fail("sizes has " + std::to_string(given.size()) + " entries for " + std::to_string(na) + " axes");
        const std::string policy = c.attrString("keep_aspect_ratio_policy", "stretch");
        std::vector<double> ratios;
        for (size_t i = 0; i < na; ++i)
            ratios.push_back(static_cast<double>(given[i]) / static_cast<double>(x.size(axes[i])));
        if (policy == "stretch") {
            for (size_t i = 0; i < na; ++i) {
                scales[static_cast<size_t>(axes[i])] = ratios[i];
                sizes[static_cast<size_t>(axes[i])] = given[i];
            }
        } else if (policy == "not_larger" || policy == "not_smaller") {
            const double s = policy == "not_larger" ? *std::min_element(ratios.begin(), ratios.end())
                                                    : *std::max_element(ratios.begin(), ratios.end());
            for (size_t i = 0; i < na; ++i) {
                scales[static_cast<size_t>(axes[i])] = s;
                sizes[static_cast<size_t>(axes[i])] =
                    static_cast<int64_t>(s * static_cast<double>(x.size(axes[i])) + 0.5);
            }
        } else {
            c.fail("unknown keep_aspect_ratio_policy '" + policy + "'");
        }
    }
    return interpolate(c, x, p, sizes, scales, roi);
}

at::Tensor upsample(const OpContext& c) {
    if (c.opset() < 7)
        c.unsupported("Upsample before opset 7 (height_scale/width_scale attributes)");
    const at::Tensor& x = c.input(0);
    ResizeParams p;
    p.mode = c.attrString("mode", "nearest");
    if (p.mode == "bilinear" || p.mode == "trilinear")
        p.mode = "linear";
    p.transform = "asymmetric";
    p.nearestMode = "simple";
    std::vector<double> scales;
    if (c.opset() < 9) {
        for (float s : c.attrFloats("scales"))
            scales.push_back(s);
    } else {
        scales = doubles(c.input(1));
    }
    return interpolate(c, x, p, floorSizes(c, x, scales), scales, {});
}

} // namespace

void registerPadResizeOps(OpRegistry& r) {
    r.add("Pad", [](const OpContext& c) -> Tensors { return {pad(c)}; });
    r.add("Resize", [](const OpContext& c) -> Tensors { return {resize(c)}; });
    r.add("Upsample", [](const OpContext& c) -> Tensors { return {upsample(c)}; });
}

} // namespace autoglm::exec
