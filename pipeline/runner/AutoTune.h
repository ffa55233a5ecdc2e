#pragma once
// Accuracy-budget auto-tuning: given a model, its data and a budget (the largest drop of the metric a user
// accepts), search pruning x quantization x per-layer precision for the smallest (or fastest) variant within
// budget. The search is guided by per-layer sensitivity (the least sensitive layers go to INT4 first), then
// refined around the budget's edge by measuring real combinations, then GPTQ and channel pruning are tried on
// the best mix; the result is the Pareto set with a log of every candidate, each a chain of pipeline stages
// that `autoglm run` can replay. Candidates are measured by the Runner, so shared prefixes run once.

#include "pipeline/common/Result.h"
#include "pipeline/runner/PipelineSpec.h"
#include "pipeline/runner/RunResults.h"
#include "pipeline/runner/Runner.h"
#include "pipeline/runner/Sensitivity.h"

#include <nlohmann/json.hpp>

#include <stop_token>
#include <string>
#include <vector>

namespace autoglm {

struct TuneOptions {
    // Largest accepted drop: points of top-1 / agreement (0.5 = half a percentage point), or percent of
    // perplexity (2 = perplexity at most 2% higher).
    double budget = 0.5;
    std::string objective = "size"; // size | latency
    std::string calibration;        // dataset id: enables GPTQ for 4-bit and static W8A8 for latency
    std::string training;           // dataset id: channel-pruned candidates are distilled on it
    int64_t distillSteps = 300;     // with `training`
    std::vector<double> channelShares{0.1, 0.2, 0.3};
    int64_t groupSize = 128;
    int64_t calibrationSamples = 128; // GPTQ and W8A8 calibration
    // Evaluation samples per candidate during the search (0: the pipeline's); the Pareto set is measured
    // again on the pipeline's full evaluation at the end.
    int64_t searchSamples = 0;
    std::filesystem::path workDir; // where candidates' results go while searching (empty: not written)
    int threads = 0;               // LibTorch intra-op threads (0: one per core)
    bool trustTorchScript = false; // the pipeline's model may be a TorchScript archive (ModelLoadOptions)
};

struct TuneCandidate {
    std::string id;          // "c3"
    std::string phase;       // int8 | sensitivity | refine | gptq | pruned | latency
    std::string description; // "INT4 on the 12 least sensitive of 25 layers, INT8 on the rest"
    std::vector<StageSpec> stages; // the chain from the source, as a pipeline runs it
    VariantResult result;
    double drop = NAN;       // in the budget's unit
    bool withinBudget = false;
    bool final = false;      // measured again on the full evaluation
};

struct TuneResult {
    std::string objective;
    double budget = 0;
    std::string dropUnit; // points | percent
    VariantResult original;
    SensitivityTable sensitivity;
    std::vector<TuneCandidate> log;
    std::vector<size_t> pareto; // indices into log, best objective first
    int64_t best = -1;          // index into log; -1: nothing within budget

    nlohmann::json toJson() const;
};

// `spec` names the model, datasets and evaluation; its own stages and sweeps are not used.
Result<TuneResult> autoTune(const PipelineSpec& spec, const TuneOptions& options, const RunEventFn& onEvent = {},
                            std::stop_token stop = {});

// A candidate as a pipeline file of its own: the spec's model, datasets and evaluation, the candidate's chain
// and an export of it to `output` (a file name in the run's output folder).
PipelineSpec candidatePipeline(const PipelineSpec& spec, const TuneCandidate& candidate, const std::string& output);

} // namespace autoglm
