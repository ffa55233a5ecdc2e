#include "pipeline/passes/quantize/Gptq_p.h"


namespace autoglm::quant {

QuantizedRows gptqQuantize(const at::Tensor& rows, const hessian::HessianSum& hessian, const GptqOptions& options) {
    const int64_t in = rows.size(1);
    const int64_t groupSize = options.groupSize > 0 ? options.groupSize : in;
    const IntGrid grid = weightGrid(options.bits, options.symmetric);

    at::Tensor W = rows.to(at::kDouble).clone();
    at::Tensor H = hessian::normalizedHessian(hessian, W);

    const int64_t groups = (in + groupSize - 1) / groupSize;
    at::Tensor scale = at::empty({W.size(0), groups}, at::kDouble);
    at::Tensor zero = options.symmetric ? at::Tensor() : at::empty({W.size(0), groups}, at::kDouble);
    auto setGroup = [&](int64_t g, const at::Tensor& cols) {
        auto [s, z] = rangeParams(cols, options.bits, options.symmetric);
        scale.select(1, g).copy_(s);
        if (!options.symmetric)
            zero.select(1, g).copy_(z);
    };

    at::Tensor perm;
    if (options.actOrder) {
        // Static groups: with columns out of order a group's parameters must come from the original weight.
        for (int64_t g = 0; g < groups; ++g)
            setGroup(g, W.slice(1, g * groupSize, std::min(in, (g + 1) * groupSize)));
        perm = at::argsort(H.diagonal(), 0, /*descending=*/true);
        W = W.index_select(1, perm);
        H = H.index_select(0, perm).index_select(1, perm);
    }

    const at::Tensor Hinv = hessian::upperInverseFactor(H, options.damp);

    const int64_t block = ((std::max<int64_t>(options.blockSize, 1) + groupSize - 1) / groupSize) * groupSize;
    const int64_t blockCols = std::min(block, in);
    at::Tensor Q = at::zeros_like(W);
    for (int64_t i1 = 0; i1 < in; i1 += blockCols) {
        const int64_t i2 = std::min(in, i1 + blockCols);
        at::Tensor W1 = W.slice(1, i1, i2).clone();
        at::Tensor Err = at::zeros_like(W1);
        const at::Tensor Hinv1 = Hinv.slice(0, i1, i2).slice(1, i1, i2);
        for (int64_t i = 0; i < i2 - i1; ++i) {
            const int64_t column = options.actOrder ? perm.data_ptr<int64_t>()[i1 + i] : i1 + i;
            const int64_t g = column / groupSize;
            if (!options.actOrder && column % groupSize == 0) {
                // The group's parameters from its columns as updated so far: those in this block from W1.
                const int64_t end = std::min(in, column + groupSize);
                at::Tensor cols = W.slice(1, column, end).clone();
                const int64_t inBlock = std::min(end, i2) - column;
                cols.slice(1, 0, inBlock).copy_(W1.slice(1, i, i + inBlock));
                setGroup(g, cols);
            }
            const at::Tensor w = W1.select(1, i);
            const at::Tensor s = scale.select(1, g);
            const at::Tensor z = options.symmetric ? at::Tensor() : zero.select(1, g);
            at::Tensor q = at::round(w / s);
            if (z.defined())
                q = q + z;
            q = at::clamp(q, grid.lo, grid.hi);
            const at::Tensor deq = (z.defined() ? q - z : q) * s;
            Q.select(1, i1 + i).copy_(q);
            const at::Tensor err = (w - deq) / Hinv1[i][i];
            W1.slice(1, i).sub_(err.unsqueeze(1).mm(Hinv1.slice(0, i, i + 1).slice(1, i)));
            Err.select(1, i).copy_(err);
        }
        if (i2 < in)
            W.slice(1, i2).sub_(Err.mm(Hinv.slice(0, i1, i2).slice(1, i2)));
    }
    if (options.actOrder)
        Q = Q.index_select(1, at::argsort(perm));

    QuantizedRows out;
    out.bits = options.bits;
    out.symmetric = options.symmetric;
    out.groupSize = groupSize;
    out.q = Q.to(at::kFloat);
    out.scale = scale.to(at::kFloat);
    if (!options.symmetric)
        out.zeroPoint = zero.to(at::kFloat);
    return out;
}

} // namespace autoglm::quant
