#include "pipeline/passes/quantize/ActivationScaling_p.h"

#include <limits>

namespace autoglm::quant {

void ChannelStats::add(const at::Tensor& activation) {
    const at::Tensor a = activation.to(at::kFloat).reshape({-1, activation.size(-1)}).abs();
    absMax = absMax.defined() ? at::maximum(absMax, a.amax(0)) : a.amax(0);
    absSum = absSum.defined() ? absSum + a.to(at::kDouble).sum(0) : a.to(at::kDouble).sum(0);
    rows += a.size(0);
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

namespace {

// tr(Δ G Δᵀ) per row of Δ: each row's output error summed over the calibration rows (divided by their count).
at::Tensor rowOutputError(const at::Tensor& delta, const at::Tensor& gram) { return (delta.mm(gram) * delta).sum(1); }

// One clipping candidate of a group: its integers, parameters and dequantized values.
struct ClippedGroup {
    at::Tensor q, scale, zero, dequantized;
};

ClippedGroup clipGroup(const at::Tensor& w, double ratio, int bits, bool symmetric, const IntGrid& grid) {
    // The group's range shrunk by `ratio`, so that rangeParams picks a finer scale for what remains.
    at::Tensor lo = at::clamp_max(w.amin(1, true), 0) * ratio;
    at::Tensor hi = at::clamp_min(w.amax(1, true), 0) * ratio;
    if (symmetric)
        hi = at::maximum(hi, -lo), lo = -hi;
    auto [scale, zero] = rangeParams(at::cat({lo, hi}, 1), bits, symmetric);
    at::Tensor q = quantizeColumns(w, scale, zero, grid);
    at::Tensor deq = (zero.defined() ? q - zero.unsqueeze(1) : q) * scale.unsqueeze(1);
    return {std::move(q), std::move(scale), std::move(zero), std::move(deq)};
}

} // namespace

at::Tensor scaledGram(const at::Tensor& gram, const at::Tensor& scale) {
    const at::Tensor inverse = 1.0 / scale.to(gram.scalar_type());
    return gram * inverse.unsqueeze(1) * inverse.unsqueeze(0);
}

AwqChoice awqSearch(const ChannelStats& stats, const at::Tensor& gram, const std::vector<at::Tensor>& consumerRows,
                    int64_t grid, const ScaledRoundTrip& roundTrip) {
    const at::Tensor mean = at::clamp_min(stats.absMean().to(at::kFloat), 1e-8);
    auto lossFor = [&](const at::Tensor& s) {
        double loss = 0;
        for (const auto& rows : consumerRows)
            loss += rowOutputError(rows - roundTrip(rows * s, s) / s, gram).sum().item<double>();
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

QuantizedRows awqClipQuantize(const at::Tensor& rows, const at::Tensor& gram, int bits, bool symmetric,
                              int64_t groupSize, int sweeps) {
    const int64_t in = rows.size(1);
    const IntGrid grid = weightGrid(bits, symmetric);
    const at::Tensor g = gram.to(at::kFloat);
    std::vector<ClippedGroup> chosen;
    at::Tensor delta = at::empty_like(rows); // W - Ŵ under the current choices
    for (int64_t start = 0; start < in; start += groupSize) {
        const int64_t end = std::min(in, start + groupSize);
        chosen.push_back(clipGroup(rows.slice(1, start, end), 1.0, bits, symmetric, grid));
        delta.slice(1, start, end).copy_(rows.slice(1, start, end) - chosen.back().dequantized);
    }
    for (int sweep = 0; sweep < sweeps; ++sweep) {
        for (size_t k = 0; k < chosen.size(); ++k) {
            const int64_t start = static_cast<int64_t>(k) * groupSize;
            const int64_t end = std::min(in, start + groupSize);
            const at::Tensor w = rows.slice(1, start, end);
            const at::Tensor own = g.slice(0, start, end).slice(1, start, end);
            // The other groups' errors meet this group's in every output: 2 Δ_g · (G_g,rest Δ_restᵀ).
            const at::Tensor cross = delta.mm(g.slice(1, start, end)) - delta.slice(1, start, end).mm(own);
            ClippedGroup& best = chosen[k];
            at::Tensor bestLoss;
            for (int step = 0; step <= 20; ++step) {
                ClippedGroup c = clipGroup(w, 1.0 - 0.025 * step, bits, symmetric, grid);
                const at::Tensor d = w - c.dequantized;
                const at::Tensor loss = rowOutputError(d, own) + 2.0 * (d * cross).sum(1);
                if (!bestLoss.defined()) {
                    bestLoss = loss, best = std::move(c);
                    continue;
                }
                const at::Tensor better = loss < bestLoss;
                bestLoss = at::where(better, loss, bestLoss);
                best.q = at::where(better.unsqueeze(1), c.q, best.q);
                best.dequantized = at::where(better.unsqueeze(1), c.dequantized, best.dequantized);
                best.scale = at::where(better, c.scale, best.scale);
                if (c.zero.defined())
                    best.zero = at::where(better, c.zero, best.zero);
            }
            delta.slice(1, start, end).copy_(w - best.dequantized);
        }
    }
    QuantizedRows out;
    out.bits = bits;
    out.symmetric = symmetric;
    out.groupSize = groupSize;
    std::vector<at::Tensor> qs, scales, zeros;
    for (const auto& c : chosen) {
        qs.push_back(c.q);
        scales.push_back(c.scale.unsqueeze(1));
        if (!symmetric)
            zeros.push_back(c.zero.unsqueeze(1));
    }
    out.q = at::cat(qs, 1);
    out.scale = at::cat(scales, 1);
    if (!symmetric)
        out.zeroPoint = at::cat(zeros, 1);
    return out;
}

} // namespace autoglm::quant
