#include "pipeline/passes/prune/PruneMath_p.h"

#include <algorithm>
#include <cmath>

namespace autoglm::prune {

at::Tensor smallestMask(const at::Tensor& scores, double sparsity) {
    const int64_t count = static_cast<int64_t>(std::floor(sparsity * static_cast<double>(scores.numel())));
    at::Tensor mask = at::zeros(scores.sizes(), at::kBool);
    if (count == 0)
        return mask;
    const at::Tensor order = std::get<1>(at::topk(scores.reshape(-1), count, 0, /*largest=*/false));
    mask.view(-1).index_fill_(0, order, true);
    return mask;
}

at::Tensor nmMask(const at::Tensor& scores, int64_t n, int64_t m) {
    const int64_t rows = scores.size(0), cols = scores.size(1);
    const at::Tensor groups = scores.reshape({rows, cols / m, m});
    const at::Tensor drop = std::get<1>(at::topk(groups, m - n, -1, /*largest=*/false));
    at::Tensor mask = at::zeros(groups.sizes(), at::kBool);
    mask.scatter_(-1, drop, true);
    return mask.reshape({rows, cols});
}

at::Tensor sparseGpt(const at::Tensor& rows, const hessian::HessianSum& hessian, const SparseGptOptions& options) {
    const int64_t in = rows.size(1);
    at::Tensor W = rows.to(at::kDouble).clone();
    const at::Tensor H = hessian::normalizedHessian(hessian, W);
    const at::Tensor Hinv = hessian::upperInverseFactor(H, options.damp);
    // Blocks hold whole groups of M so that every group's mask is chosen from updated weights.
    const int64_t unit = options.m > 0 ? options.m : 1;
    const int64_t blockCols = std::min(in, ((std::max<int64_t>(options.blockSize, 1) + unit - 1) / unit) * unit);
    for (int64_t i1 = 0; i1 < in; i1 += blockCols) {
        const int64_t i2 = std::min(in, i1 + blockCols);
        at::Tensor W1 = W.slice(1, i1, i2).clone();
        at::Tensor Err = at::zeros_like(W1);
        const at::Tensor Hinv1 = Hinv.slice(0, i1, i2).slice(1, i1, i2);
        const at::Tensor d = Hinv1.diagonal();
        at::Tensor mask = options.m > 0 ? at::zeros(W1.sizes(), at::kBool)
                                        : smallestMask(W1.square() / d.square().unsqueeze(0), options.sparsity);
        for (int64_t i = 0; i < i2 - i1; ++i) {
            if (options.m > 0 && i % options.m == 0) {
                const at::Tensor group = W1.slice(1, i, i + options.m);
                const at::Tensor scores = group.square() / d.slice(0, i, i + options.m).square().unsqueeze(0);
                mask.slice(1, i, i + options.m).copy_(nmMask(scores, options.n, options.m));
            }
            const at::Tensor w = W1.select(1, i);
            const at::Tensor kept = w.masked_fill(mask.select(1, i), 0.0);
            const at::Tensor err = (w - kept) / Hinv1[i][i];
            W1.slice(1, i).sub_(err.unsqueeze(1).mm(Hinv1.slice(0, i, i + 1).slice(1, i)));
            W1.select(1, i).copy_(kept);
            Err.select(1, i).copy_(err);
        }
        W.slice(1, i1, i2).copy_(W1);
        if (i2 < in)
            W.slice(1, i2).sub_(Err.mm(Hinv.slice(0, i1, i2).slice(1, i2)));
    }
    return W.to(at::kFloat);
}

} // namespace autoglm::prune
