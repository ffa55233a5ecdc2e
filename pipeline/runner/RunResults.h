#pragma once
// What a pipeline run measured: one row per variant plus the original, each with size, compute, latency and
// task metrics and its deltas against the original, and the Pareto flags of the trade-offs the studio
// plots. Written as JSON (everything, read back by `autoglm merge`) and CSV (one row per variant).
// Torch-free: the studio's table and plots read these.

#include "pipeline/common/Result.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace autoglm {

struct VariantResult {
    std::string id;                 // "original" for the source model
    int64_t planIndex = -1;         // position in the whole plan (shards merge by it); -1 for the original
    std::string description;        // "prune 2:4 sparsegpt > quantize w8a8 ..."
    std::vector<std::string> chain; // planned stage ids, source first
    nlohmann::json parameters = nlohmann::json::object(); // stage id -> complete params
    std::string status = "ok";      // ok | failed | cancelled
    std::string error;              // why it failed
    std::string file;               // the exported ONNX file (relative to the output folder), if any

    int64_t fileBytes = 0; // ONNX file as written (or as it would be written)
    int64_t weightBytes = 0;
    int64_t parameterCount = 0;
    int64_t zeroParameters = 0;
    int64_t macs = 0;         // at batch 1 (sequence latencySequence for language models)
    int64_t nonzeroMacs = 0;
    int64_t peakActivationBytes = 0; // estimate at the latency batch
    double sparsity() const;

    double latencyMedianMs = -1; // -1: not measured
    double latencyP90Ms = -1;
    int64_t latencyBatch = 0;
    int latencyThreads = 0;
    std::string device;

    // The task metric ("top-1", "top-5", "perplexity", "agreement", "cosine", "kl") -> value.
    std::map<std::string, double> metrics;
    std::string primaryMetric; // what the trade-off plots use
    bool higherIsBetter = true;
    double primary() const; // NaN when not measured
    double delta = NAN;     // primary minus the original's
    double relativeDelta = NAN; // delta / original

    bool paretoSize = false;    // no other variant is both smaller and at least as good
    bool paretoLatency = false; // likewise for latency

    nlohmann::json toJson() const;
    static Result<VariantResult> fromJson(const nlohmann::json& json, const std::string& path);
};

struct RunResults {
    std::string pipeline;    // the pipeline's name
    std::string pipelineFolder; // the folder its relative paths were resolved against
    int64_t seed = 0;
    int shardIndex = 0;
    int shardCount = 1;
    std::string status = "complete"; // complete | cancelled | failed
    int64_t plannedVariants = 0;     // in the whole plan (all shards)
    VariantResult original;
    std::vector<VariantResult> variants; // in plan order
    // Each stage's pass report (stage id -> PassReport JSON), for the studio's details and the HTML report.
    nlohmann::json stageReports = nlohmann::json::object();

    const VariantResult* variant(const std::string& id) const;
    nlohmann::json toJson() const;
    static Result<RunResults> fromJson(const nlohmann::json& json);
    std::string toCsv() const;
};

// Whether `a` at `costA` dominates `b` at `costB`: no costlier, no worse on the primary metric, and strictly
// better on one of the two. Both Pareto fronts (results, auto-tuning) are the points nothing dominates.
bool dominates(const VariantResult& a, double costA, const VariantResult& b, double costB);

// Fills delta / relativeDelta against the original and the two Pareto flags (over variants that succeeded
// and have the primary metric; the original takes part too).
void computeComparisons(RunResults& results);

// Joins the results of the shards of one run (same pipeline, seed and shard count, every shard once) into
// one table in plan order, with the comparisons recomputed.
Result<RunResults> mergeShardResults(const std::vector<RunResults>& shards);

Result<RunResults> loadRunResults(const std::filesystem::path& file);
// results.json and results.csv in `folder`, each written atomically.
Status saveRunResults(const RunResults& results, const std::filesystem::path& folder);

} // namespace autoglm
