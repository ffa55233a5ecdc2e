#pragma once
// Latency of one executor run: warm-up, then timed iterations; median and p90.

#include "pipeline/common/Result.h"
#include "pipeline/exec/Executor.h"

#include <stop_token>
#include <vector>

namespace autoglm {

struct LatencyStats {
    int iterations = 0;
    double medianMs = 0;
    double p90Ms = 0;
    double meanMs = 0;
    double minMs = 0;
};

Result<LatencyStats> measureLatency(const Executor& executor, const TensorMap& inputs, int warmup, int iterations,
                                    std::stop_token stop = {});

LatencyStats latencyStats(std::vector<double> samplesMs);

// Inputs for timing: the declared shapes with symbolic dims set to `batch` (first dim) or `seq` (others);
// floats uniform in [0,1), integers in [0, 256) (token ids of byte-level models).
Result<TensorMap> syntheticInputs(const Model& model, int64_t batch, int64_t seq, uint64_t seed = 1);

} // namespace autoglm
