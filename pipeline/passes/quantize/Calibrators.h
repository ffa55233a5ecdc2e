#pragma once
// Static activation ranges from calibration statistics. Each calibrator turns what was observed of one
// activation (its extremes and a histogram over them) into the range [lo, hi] that its uint8 quantization
// covers; values outside are clipped. Plain C++ on a histogram: unit-testable without LibTorch.

#include "pipeline/common/Result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace autoglm {

// Counts of observed values in equal bins over [lo, hi].
struct Histogram {
    double lo = 0;
    double hi = 0;
    std::vector<double> counts;

    double binWidth() const { return (hi - lo) / static_cast<double>(counts.size()); }
    double total() const;
};

struct ActivationRange {
    double lo = 0;
    double hi = 0;
};

// uint8 asymmetric parameters covering a range (widened to include zero): scale and zero point.
struct Uint8Params {
    float scale = 1;
    uint8_t zeroPoint = 0;
};
Uint8Params uint8Params(const ActivationRange& range);

// minmax: the extremes. percentile: the `percentile` and (100 - percentile) quantiles. mse: the range (the
// extremes, each shrunk towards zero on its own) with the least expected squared quantization error over the histogram.
// entropy: the range whose quantized histogram has the least KL divergence from the observed one.
Result<ActivationRange> calibrateRange(const std::string& calibrator, const Histogram& histogram, double percentile);

// Expected squared error of quantizing the histogram's values with uint8 parameters for `range`.
double quantizationMse(const Histogram& histogram, const ActivationRange& range);

} // namespace autoglm
