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

// KL(P || Q) as TensorRT's entropy calibration defines it, on an asymmetric range: P is the histogram with
// the mass outside the range moved into the range's edge bins (what clipping does to the values); Q is the
// histogram inside the range, without that mass, quantized to the 256 uint8 levels with each level's mass
// spread evenly over the non-empty bins it covers. Clipping shows as mass in P's edge bins that Q lacks;
// too wide a range shows as levels that blur many bins together.
double klDivergence(const Histogram& h, const ActivationRange& range) {
    const Uint8Params p = uint8Params(range);
    const size_t bins = h.counts.size();
    const double width = h.binWidth();
    auto binOf = [&](double x) {
        return static_cast<size_t>(std::clamp((x - h.lo) / width, 0.0, static_cast<double>(bins - 1)));
    };
    const size_t first = binOf(range.lo);
    const size_t last = std::max(first, binOf(range.hi - 0.5 * width));
    const size_t n = last - first + 1;
    std::vector<double> clipped(h.counts.begin() + first, h.counts.begin() + last + 1);
    for (size_t i = 0; i < first; ++i)
        clipped.front() += h.counts[i];
    for (size_t i = last + 1; i < bins; ++i)
        clipped.back() += h.counts[i];

    std::vector<int> level(n);
    std::vector<double> levelMass(256, 0), levelBins(256, 0);
    double inside = 0;
    for (size_t i = 0; i < n; ++i) {
        const double c = h.counts[first + i];
        const double q = std::clamp(std::nearbyint(binCenter(h, first + i) / p.scale) + p.zeroPoint, 0.0, 255.0);
        level[i] = static_cast<int>(q);
        levelMass[level[i]] += c;
        levelBins[level[i]] += c > 0 ? 1 : 0;
        inside += c;
    }
    const double total = h.total();
    if (inside <= 0)
        return std::numeric_limits<double>::infinity();
    // Bins Q leaves empty get a small share so that the divergence stays finite (and large).
    constexpr double kFloor = 1e-9;
    double kl = 0;
    for (size_t i = 0; i < n; ++i) {
        if (clipped[i] <= 0)
            continue;
        const double pi = clipped[i] / total;
        const double c = h.counts[first + i];
        const double qi = c > 0 ? levelMass[level[i]] / levelBins[level[i]] / inside : kFloor;
        kl += pi * std::log(pi / std::max(qi, kFloor));
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
            const double score = calibrator == "mse" ? quantizationMse(h, candidate) : klDivergence(h, candidate);
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
