#pragma once
// Runs a pipeline: measures the original, then each planned stage in dependency order — a prefix shared by
// several variants runs once and its model is kept until the last branch that reads it is done — measures
// every variant, and returns the results table. Reports through a plain callback; honours a stop_token
// between and inside stages. A failed stage fails the variants after it, not the others. Deterministic for
// the pipeline's seed: every stage is seeded from the seed and its own id, so a shard computes what the whole
// run computes. Torch-free: the studio's JobController drives this on a worker thread.

#include "pipeline/common/Result.h"
#include "pipeline/runner/PipelineSpec.h"
#include "pipeline/runner/RunResults.h"

#include <filesystem>
#include <functional>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

namespace autoglm {

enum class RunEventKind {
    RunStarted,      // message: what will run (stages, variants)
    StageStarted,    // stage, stageKind
    StageProgress,   // fraction of the stage, message
    StageMetric,     // metrics of a training step (distillation: step, loss, lr, validation)
    StageFinished,   // message: the pass's summary line
    StageFailed,     // message: the error
    StageCancelled,
    VariantMeasured, // variant: the row just measured (also the original)
    RunFinished,     // message: complete | cancelled
};

struct RunEvent {
    RunEventKind kind = RunEventKind::RunStarted;
    std::string stage;     // planned stage id ("original" while the original is measured)
    std::string stageKind; // prune | quantize | distill | evaluate | export | measure
    double fraction = 0;   // of the current stage, in [0, 1]
    double overall = 0;    // of the whole run, in [0, 1]
    std::string message;
    std::vector<std::pair<std::string, double>> metrics;
    const VariantResult* variant = nullptr; // VariantMeasured only; valid during the callback
};

using RunEventFn = std::function<void(const RunEvent&)>;

struct RunOptions {
    // Where exports, results.json and results.csv go; created when missing.
    std::filesystem::path outputDir;
    int shardIndex = 0;
    int shardCount = 1;
    std::string device = "cpu"; // cpu | cuda
    int threads = 0;            // LibTorch intra-op threads for the run (0: one per core)
    bool writeResults = true;   // results.json / results.csv in outputDir
    bool trustTorchScript = false; // the pipeline's model may be a TorchScript archive (ModelLoadOptions)
};

// Errors before any stage runs (bad pipeline file, missing model or dataset, bad shard) are returned;
// errors inside a stage become failed variants in the results. A stop request ends the run with the
// variants measured so far and status "cancelled"; no partial files are left in the output folder.
Result<RunResults> runPipeline(const PipelineSpec& spec, const RunOptions& options, const RunEventFn& onEvent = {},
                               std::stop_token stop = {});

} // namespace autoglm
