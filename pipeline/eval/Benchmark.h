#pragma once
// Latency of one executor run: warm-up, then timed iterations; median and p90.

#include "pipeline/common/Result.h"
#include "pipeline/exec/Executor.h"

#include <stop_token>
#include <string>
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

// One model of a comparison: its executor and the inputs it runs on.
struct TimedRun {
    const Executor* executor = nullptr;
    const TensorMap* inputs = nullptr;
    std::string name; // prefixes its errors ("name: ..."); empty: none
};
// Several models timed in rounds: after each one's warm-up, every round runs each model once, in turn, so clock
// ramps, allocator or library warm-up and background load fall on all of them alike (timing one model's whole
// block after another's favours the later ones). Stats in the order given.
Result<std::vector<LatencyStats>> measureLatencyRounds(const std::vector<TimedRun>& runs, int warmup, int iterations,
                                                       std::stop_token stop = {});

LatencyStats latencyStats(std::vector<double> samplesMs);

struct OpTime {
    std::string opType;
    int64_t nodes = 0;   // nodes of this op type in the graph
    double msPerRun = 0; // time spent in them per run
};

// Where a run's time goes, by op type, slowest first: each node is charged the time from the end of the
// previous node to its own end (its kernel plus the executor's bookkeeping for it). On CUDA, kernels run
// asynchronously, so the figures there show launch cost rather than GPU time.
Result<std::vector<OpTime>> profileOpTypes(const Executor& executor, const TensorMap& inputs, int iterations,
                                           std::stop_token stop = {});

// Inputs for timing: the declared shapes with symbolic dims set to `batch` (first dim) or `seq` (others);
// floats uniform in [0,1), integers in [0, 256) (token ids of byte-level models).
Result<TensorMap> syntheticInputs(const Model& model, int64_t batch, int64_t seq, uint64_t seed = 1);

} // namespace autoglm
