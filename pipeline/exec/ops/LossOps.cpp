// Training losses ONNX defines as ops: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss.
#include "pipeline/exec/OpRegistry.h"
#include "pipeline/exec/ops/OpFamilies.h"

namespace autoglm::exec {
namespace {

using Tensors = std::vector<at::Tensor>;

int64_t reductionOf(const OpContext& c) {
    const std::string reduction = c.attrString("reduction", "mean");
    if (reduction == "none")
        return at::Reduction::None;
    if (reduction == "sum")
        return at::Reduction::Sum;
    if (reduction == "mean")
        return at::Reduction::Mean;
    c.fail("reduction must be none, sum or mean, got '" + reduction + "'");
}

// -input[n, target[n, d...], d...] * weight[target], with ignored targets contributing nothing; "mean" divides by
// the summed weights of the targets that count, exactly as LibTorch's nll_loss does.
at::Tensor nllLoss(const OpContext& c, const at::Tensor& logProb, const at::Tensor& target, const at::Tensor& weight) {
    if (logProb.dim() < 2)
        c.fail("input must have at least 2 dimensions [N, C, ...]");
    // Without ignore_index every target counts; LibTorch needs some index, so use one no target can equal.
    const int64_t ignore =
        c.hasAttr("ignore_index") ? c.attrInt("ignore_index", 0) : std::numeric_limits<int64_t>::min();
    const at::Tensor t = target.to(at::kLong);
    const at::Tensor w = weight.defined() ? weight.to(logProb.scalar_type()) : at::Tensor();
    const int64_t reduction = reductionOf(c);
    if (logProb.dim() == 2)
        return at::nll_loss(logProb, t, w, reduction, ignore);
    // Extra dims [N, C, d1, ...]: move classes last and flatten, so one 2-D call handles every rank.
    const at::Tensor rows = logProb.movedim(1, -1).reshape({-1, logProb.size(1)});
    const at::Tensor loss = at::nll_loss(rows, t.reshape({-1}), w, reduction, ignore);
    return reduction == at::Reduction::None ? loss.reshape(t.sizes()) : loss;
}

Tensors softmaxCrossEntropy(const OpContext& c) {
    const at::Tensor logProb = at::log_softmax(c.input(0), 1);
    Tensors out{nllLoss(c, logProb, c.input(1), c.hasInput(2) ? c.input(2) : at::Tensor())};
    if (c.wantsOutput(1))
        out.push_back(logProb);
    return out;
}

} // namespace

void registerLossOps(OpRegistry& r) {
    r.add("NegativeLogLikelihoodLoss", [](const OpContext& c) -> Tensors {
        return {nllLoss(c, c.input(0), c.input(1), c.hasInput(2) ? c.input(2) : at::Tensor())};
    });
    r.add("SoftmaxCrossEntropyLoss", softmaxCrossEntropy);
}

} // namespace autoglm::exec
