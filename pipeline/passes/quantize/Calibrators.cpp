#include "pipeline/passes/quantize/Calibrators.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace autoglm {

double Histogram::total() const {
    return std::accumulate(counts.begin(), counts.end(), 0.0);
}

Uint8Params uint8Params(const ActivationRange& range) {
    const double lo = std::min(range.lo, 0.0);
    const double hi = std::max(range.hi, 0.0);
    Uint8Params p;
    const double span = hi - lo;
    p.scale = span > 0 ? static_cast<float>(span / 255.0) : 1.0f;
    const double zero = std::nearbyint(-lo / static_cast<double>(p.scale));
    p.zeroPoint = static_cast<uint8_t>(std::clamp(zero, 0.0, 255.0));
    return p;
}

namespace {

double binCenter(const Histogram& h, size_t i) {
    return h.lo + (static_cast<double>(i) + 0.5) * h.binWidth();
}

// The value below which `fraction` of the histogram's mass lies (linear inside a bin).
double quantile(const Histogram& h, double fraction) {
    const double target = fraction * h.total();
    double seen = 0;
    for (size_t i = 0; i < h.counts.size(); ++i) {
        if (seen + h.counts[i] >= target && h.counts[i] > 0) {
            const double inside = (target - seen) / h.counts[i];
            return h.lo + (static_cast<double>(i) + inside) * h.binWidth();
        }
        seen += h.counts[i];
    }
    return h.hi;
}

double dequantized(double x, const Uint8Params& p) {
    const double q = std::clamp(std::nearbyint(x / p.scale) + p.zeroPoint, 0.0, 255.0);
    return (q - p.zeroPoint) * p.scale;
}

// Candidate ranges: each end of the observed range shrunk towards zero on its own (activations are often
// lopsided: a long positive tail after GELU, a few large values on one side), by factors 1, 0.98, ... 0.02.
std::vector<ActivationRange> shrunkRanges(const Histogram& h) {
    std::vector<ActivationRange> out;
    const double lo = std::min(0.0, h.lo);
    const double hi = std::max(0.0, h.hi);
    for (int i = 0; i < 50; ++i)
        for (int j = 0; j < 50; ++j) {
            if ((lo == 0 && i > 0) || (hi == 0 && j > 0))
                continue;
            out.push_back({lo * (1.0 - 0.02 * i), hi * (1.0 - 0.02 * j)});
        }
    return out;
}

// KL(P || Q) where Q is P after quantization to the range: mass outside is clipped into the edge levels, and
// each quantization level spreads its mass uniformly over the histogram bins that fall into it and were
// non-empty (the TensorRT construction, adapted to asymmetric ranges over bins).
double klDivergence(const Histogram& h, const ActivationRange& range) {
    const Uint8Params p = uint8Params(range);
    const size_t bins = h.counts.size();
    std::vector<int> level(bins);
    std::vector<double> levelMass(256, 0), levelBins(256, 0);
    for (size_t i = 0; i < bins; ++i) {
        const double q = std::clamp(std::nearbyint(binCenter(h, i) / p.scale) + p.zeroPoint, 0.0, 255.0);
        level[i] = static_cast<int>(q);
        levelMass[level[i]] += h.counts[i];
        if (h.counts[i] > 0)
            levelBins[level[i]] += 1;
    }
    const double total = h.total();
    double kl = 0;
    for (size_t i = 0; i < bins; ++i) {
        if (h.counts[i] <= 0)
            continue;
        const double pi = h.counts[i] / total;
        const double qi = levelMass[level[i]] / levelBins[level[i]] / total;
        kl += pi * std::log(pi / qi);
    }
    return kl;
}

} // namespace

double quantizationMse(const Histogram& h, const ActivationRange& range) {
    const Uint8Params p = uint8Params(range);
    double err = 0;
    for (size_t i = 0; i < h.counts.size(); ++i) {
        if (h.counts[i] <= 0)
            continue;
        const double x = binCenter(h, i);
        const double d = x - dequantized(x, p);
        err += h.counts[i] * d * d;
    }
    return err / std::max(h.total(), 1.0);
}

Result<ActivationRange> calibrateRange(const std::string& calibrator, const Histogram& h, double percentile) {
    if (h.counts.empty() || h.total() <= 0)
        return Error{"no activation values were observed"};
    if (!(h.hi >= h.lo))
        return Error{"activation range is empty"};
    if (calibrator == "minmax" || h.hi == h.lo)
        return ActivationRange{h.lo, h.hi};
    if (calibrator == "percentile") {
        const double tail = (100.0 - percentile) / 100.0;
        return ActivationRange{std::min(0.0, quantile(h, tail)), std::max(0.0, quantile(h, 1.0 - tail))};
    }
    if (calibrator == "mse" || calibrator == "entropy") {
        ActivationRange best{h.lo, h.hi};
        double bestScore = std::numeric_limits<double>::infinity();
        for (const auto& candidate : shrunkRanges(h)) {
            const double score =
                calibrator == "mse" ? quantizationMse(h, candidate) : klDivergence(h, candidate);
            if (score < bestScore) {
                bestScore = score;
                best = candidate;
            }
        }
        return best;
    }
    return Error{"unknown calibrator '" + calibrator + "' (expected minmax, percentile, mse or entropy)"};
}

} // namespace autoglm
