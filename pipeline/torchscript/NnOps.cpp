// Layers: linear and matrix products, convolutions, normalization, activations, pooling, embedding, dropout and
// attention — written as torch.onnx.export writes them (Gemm / MatMul over a transposed weight, Conv with
// explicit pads, GELU as the Erf formula the executor fuses), so that passes see the same graph as on an ONNX
// import of the same model.

#include "pipeline/torchscript/GraphConverter_p.h"

#include <cmath>
#include <limits>
#include <numeric>

namespace autoglm::torchscript {
namespace {
using torch::jit::Node;

Attribute intAttr(int64_t v) {
    return Attribute::makeInt(v);
}
Attribute intsAttr(std::vector<int64_t> v) {
    return Attribute::makeInts(std::move(v));
}
Attribute floatAttr(double v) {
    return Attribute::makeFloat(static_cast<float>(v));
}

bool isParam(const Sym& s) {
    return s.isConstant() && s.constant.isTensor();
}

std::vector<int64_t> perSpatial(std::vector<int64_t> v, size_t spatial, const char* what) {
    if (v.size() == 1 && spatial > 1)
        v.assign(spatial, v.front());
    if (v.size() != spatial)
        throw AutoglmError(std::string(what) + " has " + std::to_string(v.size()) + " values for " +
                           std::to_string(spatial) + " spatial dimensions");
    return v;
}

std::vector<int64_t> symmetricPads(const std::vector<int64_t>& p) {
    std::vector<int64_t> pads(p);
    pads.insert(pads.end(), p.begin(), p.end());
    return pads;
}

// Output length of a convolution or pooling window along one dimension, when the input length is known.
Dim windowed(const Dim& in, int64_t kernel, int64_t stride, int64_t padBegin, int64_t padEnd, int64_t dilation,
             bool ceil = false) {
    if (!in.isFixed())
        return Dim{};
    const int64_t span = in.value + padBegin + padEnd - dilation * (kernel - 1) - 1;
    const int64_t out = ceil ? (span + stride - 1) / stride + 1 : span / stride + 1;
    return Dim{out, {}};
}

void linear(GraphConverter& c, const Node& n) {
    const Sym& x = c.in(n, 0);
    const Sym& w = c.in(n, 1);
    const Sym& b = c.in(n, 2);
    const auto rank = x.rank();
    Shape shape = c.shapeOf(x);
    const Shape ws = c.shapeOf(w);
    if (shape && ws && ws->size() == 2)
        shape->back() = (*ws)[0];
    else
        shape = std::nullopt;
    if (rank && *rank == 2 && isParam(w)) {
        std::vector<std::string> inputs{c.tensor(x), c.weight(w, false)};
        if (!b.isNone())
            inputs.push_back(isParam(b) ? c.weight(b, false) : c.tensor(b));
        c.bindTensor(n.output(), c.emit1("Gemm", inputs, {{"transB", intAttr(1)}}), c.dtypeOf(x), shape);
        return;
    }
    const std::string wt = isParam(w) ? c.weight(w, true)
                                      : c.emit1("Transpose", {c.tensor(w)}, {{"perm", intsAttr({1, 0})}});
    std::string out = c.emit1("MatMul", {c.tensor(x), wt});
    if (!b.isNone())
        out = c.emit1("Add", {out, isParam(b) ? c.weight(b, false) : c.tensor(b)});
    c.bindTensor(n.output(), out, c.dtypeOf(x), shape);
}

Shape matmulShape(const Shape& a, const Shape& b) {
    if (!a || !b || a->empty() || b->empty())
        return std::nullopt;
    if (a->size() == 1 && b->size() == 1)
        return std::vector<Dim>{};
    if (a->size() == 1) {
        std::vector<Dim> out(b->begin(), b->end() - 2);
        out.push_back(b->back());
        return out;
    }
    if (b->size() == 1)
        return std::vector<Dim>(a->begin(), a->end() - 1);
    std::vector<Dim> batch = GraphConverter::broadcast(std::vector<Dim>(a->begin(), a->end() - 2),
                                                       std::vector<Dim>(b->begin(), b->end() - 2));
    batch.push_back((*a)[a->size() - 2]);
    batch.push_back(b->back());
    return batch;
}

void matmul(GraphConverter& c, const Node& n) {
    const Sym& a = c.in(n, 0);
    const Sym& b = c.in(n, 1);
    const DType type = c.promote({&a, &b});
    const std::string rhs = isParam(b) ? c.weight(b, false) : c.tensorAs(b, type);
    c.bindTensor(n.output(), c.emit1("MatMul", {c.tensorAs(a, type), rhs}), type, matmulShape(c.shapeOf(a), c.shapeOf(b)));
}

void addmm(GraphConverter& c, const Node& n) {
    const Sym& bias = c.in(n, 0);
    const Sym& a = c.in(n, 1);
    const Sym& b = c.in(n, 2);
    const double beta = n.inputs().size() > 3 ? c.constDouble(c.in(n, 3), "beta") : 1.0;
    const double alpha = n.inputs().size() > 4 ? c.constDouble(c.in(n, 4), "alpha") : 1.0;
    const std::string rhs = isParam(b) ? c.weight(b, false) : c.tensor(b);
    const std::string out = c.emit1("Gemm", {c.tensor(a), rhs, c.tensor(bias)},
                                    {{"alpha", floatAttr(alpha)}, {"beta", floatAttr(beta)}});
    c.bindTensor(n.output(), out, c.dtypeOf(a), matmulShape(c.shapeOf(a), c.shapeOf(b)));
}

struct ConvArgs {
    size_t bias = 2, stride = 3, padding = 4, dilation = 5, groups = 6;
    std::optional<size_t> transposed, outputPadding;
    bool alwaysTransposed = false; // conv_transpose1d/2d
};

void convolution(GraphConverter& c, const Node& n, const ConvArgs& at) {
    const Sym& x = c.in(n, 0);
    const Sym& w = c.in(n, 1);
    const Sym& b = c.in(n, at.bias);
    const at::Tensor weight = c.constTensor(w, "weight");
    const size_t spatial = static_cast<size_t>(weight.dim() - 2);
    const bool transposed = at.alwaysTransposed || (at.transposed && c.constBool(c.in(n, *at.transposed), "transposed"));
    const int64_t groups = c.constInt(c.in(n, at.groups), "groups");
    const auto stride = perSpatial(c.constInts(c.in(n, at.stride), "stride"), spatial, "stride");
    const auto dilation = perSpatial(c.constInts(c.in(n, at.dilation), "dilation"), spatial, "dilation");
    std::vector<int64_t> kernel(weight.sizes().begin() + 2, weight.sizes().end());
    std::vector<int64_t> pads;
    if (auto mode = c.constString(c.in(n, at.padding))) {
        pads.assign(2 * spatial, 0);
        if (*mode == "same") {
            // torch pads the extra element of an even total at the end.
            for (size_t i = 0; i < spatial; ++i) {
                const int64_t total = dilation[i] * (kernel[i] - 1);
                pads[i] = total / 2;
                pads[i + spatial] = total - total / 2;
            }
        } else if (*mode != "valid") {
            throw UnsupportedError("padding mode '" + *mode + "'");
        }
    } else {
        pads = symmetricPads(perSpatial(c.constInts(c.in(n, at.padding), "padding"), spatial, "padding"));
    }
    std::map<std::string, Attribute> attrs{{"strides", intsAttr(stride)},   {"pads", intsAttr(pads)},
                                           {"dilations", intsAttr(dilation)}, {"group", intAttr(groups)},
                                           {"kernel_shape", intsAttr(kernel)}};
    std::vector<std::string> inputs{c.tensor(x), c.weight(w, false)};
    if (!b.isNone())
        inputs.push_back(isParam(b) ? c.weight(b, false) : c.tensor(b));
    Shape shape = c.shapeOf(x);
    if (shape && shape->size() == spatial + 2) {
        (*shape)[1] = Dim{transposed ? weight.size(1) * groups : weight.size(0), {}};
        for (size_t i = 0; i < spatial; ++i)
            (*shape)[i + 2] = transposed ? Dim{} : windowed((*shape)[i + 2], kernel[i], stride[i], pads[i], pads[i + spatial], dilation[i]);
    } else {
        shape = std::nullopt;
    }
    if (transposed) {
        if (at.outputPadding)
            attrs["output_padding"] = intsAttr(perSpatial(c.constInts(c.in(n, *at.outputPadding), "output_padding"), spatial, "output_padding"));
        c.bindTensor(n.output(), c.emit1("ConvTranspose", inputs, attrs), c.dtypeOf(x), shape);
        return;
    }
    c.bindTensor(n.output(), c.emit1("Conv", inputs, attrs), c.dtypeOf(x), shape);
}

// A per-channel parameter, or `fill` repeated over `channels` when the module has none (affine=False).
std::string channelParam(GraphConverter& c, const Sym& s, int64_t channels, double fill, const char* what) {
    if (!s.isNone())
        return c.tensor(s);
    if (channels < 0)
        throw UnsupportedError(std::string("no ") + what + " and the channel count is not known");
    return c.initializer(at::full({channels}, fill, at::kFloat), what);
}

int64_t channelsOf(GraphConverter& c, const Sym& x, const std::vector<const Sym*>& params) {
    for (const Sym* p : params)
        if (isParam(*p))
            return c.constTensor(*p, "parameter").numel();
    const Shape s = c.shapeOf(x);
    return s && s->size() > 1 && (*s)[1].isFixed() ? (*s)[1].value : -1;
}

void batchNorm(GraphConverter& c, const Node& n) {
    const Sym& x = c.in(n, 0);
    if (c.constBool(c.in(n, 5), "training"))
        throw UnsupportedError("batch_norm in training mode (call model.eval() before saving)");
    const int64_t channels = channelsOf(c, x, {&c.in(n, 1), &c.in(n, 2), &c.in(n, 3), &c.in(n, 4)});
    const std::string out =
        c.emit1("BatchNormalization",
                {c.tensor(x), channelParam(c, c.in(n, 1), channels, 1.0, "scale"),
                 channelParam(c, c.in(n, 2), channels, 0.0, "bias"), c.tensor(c.in(n, 3)), c.tensor(c.in(n, 4))},
                {{"epsilon", floatAttr(c.constDouble(c.in(n, 7), "eps"))}});
    c.bindTensor(n.output(), out, c.dtypeOf(x), c.shapeOf(x));
}

void layerNorm(GraphConverter& c, const Node& n) {
    const Sym& x = c.in(n, 0);
    const std::vector<int64_t> normalized = c.constInts(c.in(n, 1), "normalized_shape");
    std::vector<std::string> inputs{c.tensor(x)};
    const Sym& w = c.in(n, 2);
    const Sym& b = c.in(n, 3);
    inputs.push_back(w.isNone() ? c.initializer(at::ones(normalized, at::kFloat), "scale") : c.tensor(w));
    if (!b.isNone())
        inputs.push_back(c.tensor(b));
    const std::string out = c.emit1("LayerNormalization", inputs,
                                    {{"axis", intAttr(-static_cast<int64_t>(normalized.size()))},
                                     {"epsilon", floatAttr(c.constDouble(c.in(n, 4), "eps"))}});
    c.bindTensor(n.output(), out, c.dtypeOf(x), c.shapeOf(x));
}

// GroupNormalization needs opset 18 (beyond what ONNX 1.12 checks): normalize [N, G, -1] per group with
// InstanceNormalization, reshape back, then the per-channel affine.
void groupNorm(GraphConverter& c, const Node& n) {
    const Sym& x = c.in(n, 0);
    const int64_t groups = c.constInt(c.in(n, 1), "num_groups");
    const int64_t rank = c.requireRank(x, "input");
    const double eps = c.constDouble(c.in(n, 4), "eps");
    const std::string grouped = c.emit1("Reshape", {c.tensor(x), c.int64s({0, groups, -1})});
    const std::string normed =
        c.emit1("InstanceNormalization",
                {grouped, c.initializer(at::ones({groups}, at::kFloat), "scale"),
                 c.initializer(at::zeros({groups}, at::kFloat), "bias")},
                {{"epsilon", floatAttr(eps)}});
    std::string out = c.emit1("Reshape", {normed, c.emit1("Shape", {c.tensor(x)})});
    std::vector<int64_t> affineShape(static_cast<size_t>(std::max<int64_t>(rank - 1, 1)), 1);
    for (size_t i = 2; i <= 3; ++i) {
        const Sym& p = c.in(n, i);
        if (p.isNone())
            continue;
        at::Tensor t = c.constTensor(p, i == 2 ? "weight" : "bias");
        affineShape[0] = t.numel();
        out = c.emit1(i == 2 ? "Mul" : "Add", {out, c.initializer(t.reshape(affineShape), paramName(p.source))});
    }
    c.bindTensor(n.output(), out, c.dtypeOf(x), c.shapeOf(x));
}

void instanceNorm(GraphConverter& c, const Node& n) {
    const Sym& x = c.in(n, 0);
    if (!c.constBool(c.in(n, 5), "use_input_stats"))
        throw UnsupportedError("instance_norm with running statistics");
    const int64_t channels = channelsOf(c, x, {&c.in(n, 1), &c.in(n, 2)});
    const std::string out = c.emit1("InstanceNormalization",
                                    {c.tensor(x), channelParam(c, c.in(n, 1), channels, 1.0, "scale"),
                                     channelParam(c, c.in(n, 2), channels, 0.0, "bias")},
                                    {{"epsilon", floatAttr(c.constDouble(c.in(n, 7), "eps"))}});
    c.bindTensor(n.output(), out, c.dtypeOf(x), c.shapeOf(x));
}

void unary(GraphConverter& c, const Node& n, const std::string& op, std::map<std::string, Attribute> attrs = {}) {
    const Sym& x = c.in(n, 0);
    c.bindTensor(n.output(), c.emit1(op, {c.tensor(x)}, std::move(attrs)), c.dtypeOf(x), c.shapeOf(x));
}

void gelu(GraphConverter& c, const Node& n) {
    const Sym& x = c.in(n, 0);
    const DType type = c.dtypeOf(x);
    const std::string approximate = n.inputs().size() > 1 ? c.constString(c.in(n, 1)).value_or("none") : "none";
    const std::string v = c.tensor(x);
    std::string out;
    if (approximate == "none") {
        // 0.5 * x * (1 + erf(x / sqrt(2))): the form exec/GraphRewrites fuses into one Gelu kernel.
        const std::string e = c.emit1("Erf", {c.emit1("Div", {v, c.scalar(std::sqrt(2.0), type)})});
        const std::string onePlus = c.emit1("Add", {e, c.scalar(1.0, type)});
        out = c.emit1("Mul", {c.emit1("Mul", {v, onePlus}), c.scalar(0.5, type)});
    } else if (approximate == "tanh") {
        const std::string cube = c.emit1("Mul", {c.emit1("Mul", {v, v}), v});
        const std::string inner = c.emit1("Add", {v, c.emit1("Mul", {cube, c.scalar(0.044715, type)})});
        const std::string t = c.emit1("Tanh", {c.emit1("Mul", {inner, c.scalar(std::sqrt(2.0 / M_PI), type)})});
        out = c.emit1("Mul", {c.emit1("Mul", {v, c.emit1("Add", {t, c.scalar(1.0, type)})}), c.scalar(0.5, type)});
    } else {
        throw UnsupportedError("gelu approximation '" + approximate + "'");
    }
    c.bindTensor(n.output(), out, type, c.shapeOf(x));
}

void softmax(GraphConverter& c, const Node& n, const char* op) {
    const Sym& x = c.in(n, 0);
    const int64_t dim = c.constInt(c.in(n, 1), "dim");
    DType type = c.dtypeOf(x);
    if (n.inputs().size() > 2)
        if (auto d = c.scalarTypeArg(c.in(n, 2)))
            type = *d;
    const std::string out = c.emit1(op, {c.tensorAs(x, type)}, {{"axis", intAttr(dim)}});
    c.bindTensor(n.output(), out, type, c.shapeOf(x));
}

void clip(GraphConverter& c, const Node& n, double lo, double hi) {
    const Sym& x = c.in(n, 0);
    const DType type = c.dtypeOf(x);
    const std::string out = c.emit1("Clip", {c.tensor(x), c.scalar(lo, type), c.scalar(hi, type)});
    c.bindTensor(n.output(), out, type, c.shapeOf(x));
}

void embedding(GraphConverter& c, const Node& n) {
    const Sym& w = c.in(n, 0);
    const Sym& idx = c.in(n, 1);
    Shape shape = c.shapeOf(idx);
    const Shape ws = c.shapeOf(w);
    if (shape && ws && ws->size() == 2)
        shape->push_back((*ws)[1]);
    else
        shape = std::nullopt;
    const std::string out = c.emit1("Gather", {c.tensor(w), c.tensorAs(idx, DType::Int64)}, {{"axis", intAttr(0)}});
    c.bindTensor(n.output(), out, c.dtypeOf(w), shape);
}

void adaptiveAvgPool(GraphConverter& c, const Node& n, size_t spatial) {
    const Sym& x = c.in(n, 0);
    const auto size = perSpatial(c.constInts(c.in(n, 1), "output_size"), spatial, "output_size");
    Shape shape = c.shapeOf(x);
    if (std::all_of(size.begin(), size.end(), [](int64_t s) { return s == 1; })) {
        if (shape)
            for (size_t i = 0; i < spatial && i + 2 < shape->size(); ++i)
                (*shape)[i + 2] = Dim{1, {}};
        c.bindTensor(n.output(), c.emit1("GlobalAveragePool", {c.tensor(x)}), c.dtypeOf(x), shape);
        return;
    }
    // Other output sizes are a plain average pool when every input length is a multiple of its output length.
    std::vector<int64_t> kernel;
    for (size_t i = 0; i < spatial; ++i) {
        if (!shape || shape->size() != spatial + 2 || !(*shape)[i + 2].isFixed() || (*shape)[i + 2].value % size[i])
            throw UnsupportedError("adaptive pooling to a size that does not divide the input size (or an input "
                                   "size not known when the model is loaded)");
        kernel.push_back((*shape)[i + 2].value / size[i]);
        (*shape)[i + 2] = Dim{size[i], {}};
    }
    c.bindTensor(n.output(),
                 c.emit1("AveragePool", {c.tensor(x)}, {{"kernel_shape", intsAttr(kernel)}, {"strides", intsAttr(kernel)}}),
                 c.dtypeOf(x), shape);
}

// max_pool: (x, kernel, stride, padding, dilation, ceil_mode); avg_pool: (x, kernel, stride, padding, ceil_mode,
// count_include_pad, divisor_override).
void pool(GraphConverter& c, const Node& n, size_t spatial, bool isMax) {
    const Sym& x = c.in(n, 0);
    const auto kernel = perSpatial(c.constInts(c.in(n, 1), "kernel_size"), spatial, "kernel_size");
    std::vector<int64_t> stride = c.constInts(c.in(n, 2), "stride");
    stride = stride.empty() ? kernel : perSpatial(stride, spatial, "stride");
    const auto padding = perSpatial(c.constInts(c.in(n, 3), "padding"), spatial, "padding");
    std::vector<int64_t> dilation(spatial, 1);
    bool ceil = false;
    std::map<std::string, Attribute> attrs{{"kernel_shape", intsAttr(kernel)},
                                           {"strides", intsAttr(stride)},
                                           {"pads", intsAttr(symmetricPads(padding))}};
    if (isMax) {
        dilation = perSpatial(c.constInts(c.in(n, 4), "dilation"), spatial, "dilation");
        ceil = c.constBool(c.in(n, 5), "ceil_mode");
        attrs["dilations"] = intsAttr(dilation);
    } else {
        ceil = c.constBool(c.in(n, 4), "ceil_mode");
        attrs["count_include_pad"] = intAttr(c.constBool(c.in(n, 5), "count_include_pad") ? 1 : 0);
        if (n.inputs().size() > 6 && !c.in(n, 6).isNone())
            throw UnsupportedError("avg_pool with divisor_override");
    }
    attrs["ceil_mode"] = intAttr(ceil ? 1 : 0);
    Shape shape = c.shapeOf(x);
    if (shape && shape->size() == spatial + 2) {
        for (size_t i = 0; i < spatial; ++i)
            (*shape)[i + 2] = windowed((*shape)[i + 2], kernel[i], stride[i], padding[i], padding[i], dilation[i], ceil);
    } else {
        shape = std::nullopt;
    }
    c.bindTensor(n.output(), c.emit1(isMax ? "MaxPool" : "AveragePool", {c.tensor(x)}, attrs), c.dtypeOf(x), shape);
}

// Grouped-query attention's keys and values, [..., Hkv, S, E] -> [..., Hkv·g, S, E] with each head repeated
// g = Hq / Hkv times in a row (repeat_interleave on the head axis), as enable_gqa does.
Sym repeatHeads(GraphConverter& c, const Sym& kv, const Sym& q, const char* what) {
    const Shape qs = c.shapeOf(q), ks = c.shapeOf(kv);
    if (!qs || !ks || qs->size() != ks->size() || qs->size() < 3)
        throw UnsupportedError(std::string("enable_gqa needs the ranks of query and ") + what);
    const Dim hq = (*qs)[qs->size() - 3], hkv = (*ks)[ks->size() - 3];
    if (!hq.isFixed() || !hkv.isFixed() || hkv.value == 0 || hq.value % hkv.value != 0)
        throw UnsupportedError(std::string("enable_gqa needs head counts of query and ") + what +
                               " known when the model is loaded, the query's a multiple of the other's");
    if (hq.value == hkv.value)
        return kv;
    const int64_t rank = static_cast<int64_t>(ks->size());
    const int64_t group = hq.value / hkv.value;
    // Unsqueeze a group axis after the heads, expand it, then merge heads and group.
    const std::string unsqueezed = c.emit1("Unsqueeze", {c.tensor(kv), c.int64s({rank - 2})});
    std::vector<int64_t> ones(static_cast<size_t>(rank + 1), 1);
    ones[static_cast<size_t>(rank - 2)] = group;
    const std::string expanded = c.emit1("Expand", {unsqueezed, c.int64s(ones)});
    // Target shape: kv's own sizes with the head axis multiplied (read at run time: lengths may vary).
    const std::string sizes = c.emit1("Shape", {c.tensor(kv)});
    const std::string lead = c.emit1("Slice", {sizes, c.int64s({0}), c.int64s({rank - 3})});
    const std::string tail = c.emit1("Slice", {sizes, c.int64s({rank - 2}), c.int64s({rank})});
    const std::string target = c.emit1("Concat", {lead, c.int64s({hq.value}), tail}, {{"axis", intAttr(0)}});
    std::vector<Dim> shape = *ks;
    shape[static_cast<size_t>(rank - 3)] = hq;
    Sym out;
    out.kind = Sym::Kind::Tensor;
    out.name = c.emit1("Reshape", {expanded, target});
    out.dtype = c.dtypeOf(kv);
    out.shape = shape;
    return out;
}

// softmax(q kᵀ · scale + mask) v, with the causal mask built from the run-time lengths when they vary.
void attention(GraphConverter& c, const Node& n) {
    const Sym& q = c.in(n, 0);
    const bool gqa = n.inputs().size() > 7 && c.constBool(c.in(n, 7), "enable_gqa");
    const Sym k = gqa ? repeatHeads(c, c.in(n, 1), q, "key") : c.in(n, 1);
    const Sym v = gqa ? repeatHeads(c, c.in(n, 2), q, "value") : c.in(n, 2);
    const Sym* mask = n.inputs().size() > 3 ? &c.in(n, 3) : nullptr;
    if (n.inputs().size() > 4 && c.constDouble(c.in(n, 4), "dropout_p") != 0.0)
        throw UnsupportedError("attention dropout (save the model in eval mode with dropout_p=0)");
    const bool causal = n.inputs().size() > 5 && c.constBool(c.in(n, 5), "is_causal");
    const DType type = c.dtypeOf(q);
    const int64_t rank = c.requireRank(k, "key");
    if (rank < 2)
        throw UnsupportedError("attention over tensors of rank below 2");
    std::vector<int64_t> perm(static_cast<size_t>(rank));
    std::iota(perm.begin(), perm.end(), 0);
    std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
    const std::string kt = c.emit1("Transpose", {c.tensor(k)}, {{"perm", intsAttr(perm)}});
    std::string scores = c.emit1("MatMul", {c.tensor(q), kt});
    std::string scale;
    if (n.inputs().size() > 6 && !c.in(n, 6).isNone()) {
        scale = c.tensorAs(c.in(n, 6), type);
    } else if (const Shape qs = c.shapeOf(q); qs && !qs->empty() && qs->back().isFixed()) {
        scale = c.scalar(1.0 / std::sqrt(static_cast<double>(qs->back().value)), type);
    } else {
        const std::string e = c.emit1("Gather", {c.emit1("Shape", {c.tensor(q)}), c.scalar(-1, DType::Int64)},
                                      {{"axis", intAttr(0)}});
        scale = c.emit1("Reciprocal", {c.emit1("Sqrt", {c.emit1("Cast", {e}, {{"to", intAttr(static_cast<int64_t>(type))}})})});
    }
    scores = c.emit1("Mul", {scores, scale});
    const std::string minusInf = c.scalar(-std::numeric_limits<double>::infinity(), type);
    if (causal) {
        const std::string lq = c.emit1("Slice", {c.emit1("Shape", {c.tensor(q)}), c.int64s({-2}), c.int64s({-1})});
        const std::string lk = c.emit1("Slice", {c.emit1("Shape", {c.tensor(k)}), c.int64s({-2}), c.int64s({-1})});
        const std::string square = c.emit1("Concat", {lq, lk}, {{"axis", intAttr(0)}});
        at::Tensor one = at::ones({1}, at::kFloat);
        const std::string ones = c.emit1("ConstantOfShape", {square}, {{"value", Attribute::makeTensor(TensorData(one))}});
        const std::string lower = c.emit1("Cast", {c.emit1("Trilu", {ones}, {{"upper", intAttr(0)}})},
                                          {{"to", intAttr(static_cast<int64_t>(DType::Bool))}});
        scores = c.emit1("Where", {lower, scores, minusInf});
    }
    if (mask && !mask->isNone()) {
        if (c.dtypeOf(*mask) == DType::Bool)
            scores = c.emit1("Where", {c.tensor(*mask), scores, minusInf});
        else
            scores = c.emit1("Add", {scores, c.tensorAs(*mask, type)});
    }
    const std::string weights = c.emit1("Softmax", {scores}, {{"axis", intAttr(-1)}});
    Shape shape = c.shapeOf(q);
    const Shape vs = c.shapeOf(v);
    if (shape && vs && !shape->empty() && !vs->empty())
        shape->back() = vs->back();
    else
        shape = std::nullopt;
    c.bindTensor(n.output(), c.emit1("MatMul", {weights, c.tensor(v)}), type, shape);
}

} // namespace

void registerNnOps(HandlerTable& t) {
    t["aten::linear"] = linear;
    t["aten::matmul"] = matmul;
    t["aten::mm"] = matmul;
    t["aten::bmm"] = matmul;
    t["aten::addmm"] = addmm;
    t["aten::_convolution"] = [](GraphConverter& c, const Node& n) {
        ConvArgs at;
        at.transposed = 6;
        at.outputPadding = 7;
        at.groups = 8;
        convolution(c, n, at);
    };
    t["aten::convolution"] = t["aten::_convolution"];
    t["aten::conv1d"] = [](GraphConverter& c, const Node& n) { convolution(c, n, ConvArgs{}); };
    t["aten::conv2d"] = t["aten::conv1d"];
    t["aten::conv3d"] = t["aten::conv1d"];
    // conv_transpose*d(input, weight, bias, stride, padding, output_padding, groups, dilation)
    t["aten::conv_transpose1d"] = [](GraphConverter& c, const Node& n) {
        ConvArgs at;
        at.outputPadding = 5;
        at.groups = 6;
        at.dilation = 7;
        at.alwaysTransposed = true;
        convolution(c, n, at);
    };
    t["aten::conv_transpose2d"] = t["aten::conv_transpose1d"];
    t["aten::batch_norm"] = batchNorm;
    t["aten::layer_norm"] = layerNorm;
    t["aten::group_norm"] = groupNorm;
    t["aten::instance_norm"] = instanceNorm;
    t["aten::relu"] = [](GraphConverter& c, const Node& n) { unary(c, n, "Relu"); };
    t["aten::sigmoid"] = [](GraphConverter& c, const Node& n) { unary(c, n, "Sigmoid"); };
    t["aten::tanh"] = [](GraphConverter& c, const Node& n) { unary(c, n, "Tanh"); };
    t["aten::hardswish"] = [](GraphConverter& c, const Node& n) { unary(c, n, "HardSwish"); };
    t["aten::hardsigmoid"] = [](GraphConverter& c, const Node& n) {
        unary(c, n, "HardSigmoid", {{"alpha", floatAttr(1.0 / 6.0)}, {"beta", floatAttr(0.5)}});
    };
    t["aten::leaky_relu"] = [](GraphConverter& c, const Node& n) {
        const double slope = n.inputs().size() > 1 ? c.constDouble(c.in(n, 1), "negative_slope") : 0.01;
        unary(c, n, "LeakyRelu", {{"alpha", floatAttr(slope)}});
    };
    t["aten::relu6"] = [](GraphConverter& c, const Node& n) { clip(c, n, 0.0, 6.0); };
    t["aten::hardtanh"] = [](GraphConverter& c, const Node& n) {
        clip(c, n, c.constDouble(c.in(n, 1), "min_val"), c.constDouble(c.in(n, 2), "max_val"));
    };
    t["aten::gelu"] = gelu;
    t["aten::silu"] = [](GraphConverter& c, const Node& n) {
        const Sym& x = c.in(n, 0);
        const std::string v = c.tensor(x);
        c.bindTensor(n.output(), c.emit1("Mul", {v, c.emit1("Sigmoid", {v})}), c.dtypeOf(x), c.shapeOf(x));
    };
    t["aten::softmax"] = [](GraphConverter& c, const Node& n) { softmax(c, n, "Softmax"); };
    t["aten::log_softmax"] = [](GraphConverter& c, const Node& n) { softmax(c, n, "LogSoftmax"); };
    t["aten::embedding"] = embedding;
    t["aten::adaptive_avg_pool1d"] = [](GraphConverter& c, const Node& n) { adaptiveAvgPool(c, n, 1); };
    t["aten::adaptive_avg_pool2d"] = [](GraphConverter& c, const Node& n) { adaptiveAvgPool(c, n, 2); };
    t["aten::max_pool1d"] = [](GraphConverter& c, const Node& n) { pool(c, n, 1, true); };
    t["aten::max_pool2d"] = [](GraphConverter& c, const Node& n) { pool(c, n, 2, true); };
    t["aten::avg_pool1d"] = [](GraphConverter& c, const Node& n) { pool(c, n, 1, false); };
    t["aten::avg_pool2d"] = [](GraphConverter& c, const Node& n) { pool(c, n, 2, false); };
    auto identity = [](GraphConverter& c, const Node& n) { c.bind(n.output(), c.in(n, 0)); };
    t["aten::dropout"] = identity; // inference: dropout passes its input through
    t["aten::feature_dropout"] = identity;
    t["aten::alpha_dropout"] = identity;
    t["aten::feature_alpha_dropout"] = identity;
    t["aten::scaled_dot_product_attention"] = attention;
}

} // namespace autoglm::torchscript
