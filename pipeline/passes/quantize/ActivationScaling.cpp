#include "pipeline/passes/quantize/ActivationScaling_p.h"

#include <limits>

namespace autoglm::quant {

void ChannelStats::add(const at::Tensor& activation, int64_t sampleRows) {
    const at::Tensor x = activation.to(at::kFloat).reshape({-1, activation.size(-1)});
    const at::Tensor a = x.abs();
    absMax = absMax.defined() ? at::maximum(absMax, a.amax(0)) : a.amax(0);
    absSum = absSum.defined() ? absSum + a.to(at::kDouble).sum(0) : a.to(at::kDouble).sum(0);
    rows += x.size(0);
    if (sampleRows > 0) {
        const int64_t take = std::min(sampleRows, x.size(0));
        const at::Tensor picked = x.index_select(0, at::linspace(0, x.size(0) - 1, take).round().to(at::kLong));
        sample = sample.defined() ? at::cat({sample, picked}, 0) : picked.clone();
    }
}

at::Tensor smoothQuantFactors(const ChannelStats& stats, const std::vector<at::Tensor>& consumerRows, double alpha) {
    at::Tensor wMax;
    for (const auto& rows : consumerRows) {
        const at::Tensor m = rows.abs().amax(0);
        wMax = wMax.defined() ? at::maximum(wMax, m) : m;
    }
    const at::Tensor xMax = stats.absMax.to(at::kDouble);
    const at::Tensor w = wMax.to(at::kDouble);
    at::Tensor s = at::pow(xMax, alpha) / at::pow(w, 1.0 - alpha);
    const at::Tensor usable = (xMax > 0) & (w > 0) & at::isfinite(s);
    s = at::where(usable, at::clamp(s, 1e-5, 1e5), at::ones_like(s));
    return s.to(at::kFloat);
}

AwqChoice awqSearch(const ChannelStats& stats, const std::vector<at::Tensor>& consumerRows, int64_t grid,
                    const ScaledRoundTrip& roundTrip) {
    const at::Tensor x = stats.sample.to(at::kFloat);
    std::vector<at::Tensor> reference;
    for (const auto& rows : consumerRows)
        reference.push_back(x.mm(rows.t()));
    const at::Tensor mean = at::clamp_min(stats.absMean().to(at::kFloat), 1e-8);

    auto lossFor = [&](const at::Tensor& s) {
        double loss = 0;
        for (size_t c = 0; c < consumerRows.size(); ++c) {
            const at::Tensor effective = roundTrip(consumerRows[c] * s, s) / s;
            loss += (x.mm(effective.t()) - reference[c]).pow(2).sum().item<double>();
        }
        return loss;
    };

    AwqChoice best;
    best.loss = std::numeric_limits<double>::infinity();
    for (int64_t i = 0; i < grid; ++i) {
        const double alpha = static_cast<double>(i) / static_cast<double>(grid);
        at::Tensor s = at::pow(mean, alpha);
        // Normalised so that the scales sit around 1 and the weights' range stays comparable.
        s = s / (s.max() * s.min()).sqrt();
        const double loss = lossFor(s);
        if (i == 0)
            best.lossUnscaled = loss;
        if (loss < best.loss) {
            best.loss = loss;
            best.alpha = alpha;
            best.scale = s;
        }
    }
    return best;
}

QuantizedRows awqClipQuantize(const at::Tensor& rows, const at::Tensor& sample, int bits, bool symmetric,
                              int64_t groupSize) {
    const int64_t in = rows.size(1);
    const IntGrid grid = weightGrid(bits, symmetric);
    // Rows of the sample are enough to rank the ratios; a few hundred keep the search cheap.
    const at::Tensor x = sample.slice(0, 0, std::min<int64_t>(sample.size(0), 2048)).to(at::kFloat);
    std::vector<at::Tensor> qs, scales, zeros;
    for (int64_t start = 0; start < in; start += groupSize) {
        const int64_t end = std::min(in, start + groupSize);
        const at::Tensor w = rows.slice(1, start, end);
        const at::Tensor xg = x.slice(1, start, end);
        at::Tensor bestErr, bestQ, bestScale, bestZero;
        for (int step = 0; step <= 20; ++step) {
            const double ratio = 1.0 - 0.025 * step;
            // The clipped group: its range shrunk, so rangeParams picks a finer scale for what remains.
            at::Tensor lo = at::clamp_max(w.amin(1, true), 0) * ratio;
            at::Tensor hi = at::clamp_min(w.amax(1, true), 0) * ratio;
            if (symmetric)
                hi = at::maximum(hi, -lo), lo = -hi;
            auto [scale, zero] = rangeParams(at::cat({lo, hi}, 1), bits, symmetric);
            const at::Tensor q = quantizeColumns(w, scale, zero, grid);
            const at::Tensor deq = (zero.defined() ? q - zero.unsqueeze(1) : q) * scale.unsqueeze(1);
            const at::Tensor err = xg.mm((w - deq).t()).pow(2).sum(0); // per output row
            if (!bestErr.defined()) {
                bestErr = err, bestQ = q, bestScale = scale, bestZero = zero;
                continue;
            }
            const at::Tensor better = err < bestErr;
            bestErr = at::where(better, err, bestErr);
            bestQ = at::where(better.unsqueeze(1), q, bestQ);
            bestScale = at::where(better, scale, bestScale);
            if (zero.defined())
                bestZero = at::where(better, zero, bestZero);
        }
        qs.push_back(bestQ);
        scales.push_back(bestScale.unsqueeze(1));
        if (!symmetric)
            zeros.push_back(bestZero.unsqueeze(1));
    }
    QuantizedRows out;
    out.bits = bits;
    out.symmetric = symmetric;
    out.groupSize = groupSize;
    out.q = at::cat(qs, 1);
    out.scale = at::cat(scales, 1);
    if (!symmetric)
        out.zeroPoint = at::cat(zeros, 1);
    return out;
}

} // namespace autoglm::quant
