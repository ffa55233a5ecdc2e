// Normalizations: BatchNormalization, InstanceNormalization, LayerNormalization, LRN, MeanVarianceNormalization.
#include "pipeline/exec/OpRegistry.h"
#include "pipeline/exec/TorchTypes.h"
#include "pipeline/exec/ops/OpFamilies.h"

namespace autoglm::exec {
namespace {

using Tensors = std::vector<at::Tensor>;

// A per-channel parameter of shape [C] viewed as [1, C, 1, ...] against an input of `rank`. Parameters of
// higher rank (BatchNormalization's spatial=0 before opset 9) already carry the non-batch dims.
at::Tensor perChannel(const at::Tensor& p, int64_t rank, at::ScalarType type) {
    at::Tensor t = p.to(type);
    if (t.dim() > 1)
        return t.unsqueeze(0);
    std::vector<int64_t> shape(std::max<int64_t>(rank, 2), 1);
    shape[1] = t.numel();
    return t.reshape(shape);
}

std::vector<int64_t> allButChannel(int64_t rank) {
    std::vector<int64_t> dims{0};
    for (int64_t d = 2; d < rank; ++d)
        dims.push_back(d);
    return dims;
}

Tensors batchNormalization(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    const int64_t rank = x.dim();
    const at::ScalarType type = x.scalar_type();
    const double eps = c.attrFloat("epsilon", 1e-5f);
    const double momentum = c.attrFloat("momentum", 0.9f);
    // Opset 14 made training explicit; earlier opsets are in training mode when the statistics outputs are asked for.
    bool training = c.attrInt("training_mode", 0) != 0;
    if (c.opset() < 14)
        for (size_t o = 1; o < 5; ++o)
            training = training || c.wantsOutput(o);
    if (c.opset() < 9 && c.attrInt("spatial", 1) == 0 && c.input(1).dim() <= 1 && rank > 2)
        c.unsupported("spatial=0 with 1-D parameters is not supported");

    const at::Tensor scale = perChannel(c.input(1), rank, type);
    const at::Tensor bias = perChannel(c.input(2), rank, type);
    at::Tensor mean = perChannel(c.input(3), rank, type);
    at::Tensor var = perChannel(c.input(4), rank, type);
    if (!training)
        return {(x - mean) / at::sqrt(var + eps) * scale + bias};

    const std::vector<int64_t> dims = allButChannel(rank);
    const at::Tensor batchMean = x.mean(dims, /*keepdim=*/true);
    const at::Tensor batchVar = (x - batchMean).square().mean(dims, /*keepdim=*/true);
    const at::Tensor y = (x - batchMean) / at::sqrt(batchVar + eps) * scale + bias;
    const auto flat = [&](const at::Tensor& t) { return t.reshape(c.input(3).sizes()).to(c.input(3).scalar_type()); };
    const at::Tensor runningMean = flat(mean * momentum + batchMean * (1 - momentum));
    const at::Tensor runningVar = flat(var * momentum + batchVar * (1 - momentum));
    Tensors out{y, runningMean, runningVar};
    if (c.opset() < 14) {
        out.push_back(flat(batchMean));
        out.push_back(flat(batchVar));
    }
    out.resize(std::min(out.size(), c.outputCount()));
    return out;
}

at::Tensor instanceNormalization(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    const int64_t rank = x.dim();
    if (rank < 2)
        c.fail("input must have rank >= 2");
    const double eps = c.attrFloat("epsilon", 1e-5f);
    std::vector<int64_t> dims;
    for (int64_t d = 2; d < rank; ++d)
        dims.push_back(d);
    if (dims.empty())
        return perChannel(c.input(2), rank, x.scalar_type()).expand(x.sizes());
    const at::Tensor mean = x.mean(dims, true);
    const at::Tensor var = (x - mean).square().mean(dims, true);
    return (x - mean) / at::sqrt(var + eps) * perChannel(c.input(1), rank, x.scalar_type()) +
           perChannel(c.input(2), rank, x.scalar_type());
}

// Statistics are computed in stash_type (float by default) and Y is cast back to X's type, as the function body does.
Tensors layerNormalization(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    const int64_t rank = x.dim();
    const int64_t axis = c.axis(c.attrInt("axis", -1), rank);
    const double eps = c.attrFloat("epsilon", 1e-5f);
    const at::ScalarType stash = requireTorchType(static_cast<DType>(c.attrInt("stash_type", 1)), c.node().label());
    std::vector<int64_t> dims;
    for (int64_t d = axis; d < rank; ++d)
        dims.push_back(d);
    const at::Tensor xs = x.to(stash);
    const at::Tensor mean = dims.empty() ? xs : xs.mean(dims, true);
    const at::Tensor centered = xs - mean;
    const at::Tensor var = dims.empty() ? at::zeros_like(xs) : centered.square().mean(dims, true);
    const at::Tensor invStd = at::rsqrt(var + eps);
    at::Tensor y = (centered * invStd).to(x.scalar_type()) * c.input(1);
    if (c.hasInput(2))
        y = y + c.input(2);
    Tensors out{y};
    if (c.wantsOutput(1) || c.wantsOutput(2)) {
        out.push_back(mean);
        out.push_back(invStd);
    }
    return out;
}

// Each channel is divided by a power of the sum of squares over a window of `size` neighbouring channels,
// floor((size-1)/2) before and ceil((size-1)/2) after.
at::Tensor lrn(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    if (x.dim() < 2)
        c.fail("input must have rank >= 2");
    const int64_t size = c.attrInt("size");
    if (size <= 0)
        c.fail("size must be positive");
    const double alpha = c.attrFloat("alpha", 1e-4f), beta = c.attrFloat("beta", 0.75f),
                 bias = c.attrFloat("bias", 1.0f);
    const int64_t channels = x.size(1);
    const int64_t before = (size - 1) / 2, after = size - 1 - before;
    const at::Tensor squares = x.square().reshape({x.size(0), channels, -1});
    const at::Tensor padded = at::constant_pad_nd(squares, {0, 0, before, after}, 0);
    at::Tensor sum = padded.narrow(1, 0, channels);
    for (int64_t i = 1; i < size; ++i)
        sum = sum + padded.narrow(1, i, channels);
    return x / at::pow(bias + (alpha / static_cast<double>(size)) * sum.reshape(x.sizes()), beta);
}

// The function body's formula: (X - E[X]) / (sqrt(E[X^2] - E[X]^2) + 1e-9).
at::Tensor meanVarianceNormalization(const OpContext& c) {
    const at::Tensor& x = c.input(0);
    std::vector<int64_t> axes;
    for (int64_t a : c.attrInts("axes", {0, 2, 3}))
        axes.push_back(c.axis(a, x.dim()));
    const at::Tensor mean = x.mean(axes, true);
    const at::Tensor variance = x.square().mean(axes, true) - mean.square();
    return (x - mean) / (at::sqrt(variance) + 1e-9);
}

} // namespace

void registerNormalizationOps(OpRegistry& r) {
    r.add("BatchNormalization", batchNormalization);
    r.add("InstanceNormalization", [](const OpContext& c) -> Tensors { return {instanceNormalization(c)}; });
    r.add("LayerNormalization", layerNormalization);
    r.add("LRN", [](const OpContext& c) -> Tensors { return {lrn(c)}; });
    r.add("MeanVarianceNormalization", [](const OpContext& c) -> Tensors { return {meanVarianceNormalization(c)}; });
}

} // namespace autoglm::exec
