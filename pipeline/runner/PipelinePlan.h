#pragma once
// A pipeline file made concrete: sweeps expanded into copies of the swept stage and everything after it,
// each copy with its parameters parsed, and the variants the run measures. A variant is a chain of stages
// from the source that ends at a stage without children or at an evaluate stage. Torch-free.

#include "pipeline/runner/PipelineSpec.h"
#include "pipeline/runner/StageParams.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace autoglm {

struct PlannedStage {
    std::string id;     // unique after expansion: "prune" or "prune@sparsity=0.3"
    std::string specId; // the stage of the file it was made from
    std::string parent; // planned id, empty for the source
    StageSpec spec;     // with the swept values in its params
    StageParams params;
    // Swept values in force for this copy ("prune.sparsity" -> 0.3).
    std::map<std::string, nlohmann::json> assignments;
    std::string outputFile; // export: the file name with {variant} replaced (when one variant reaches it)
};

struct PlannedVariant {
    std::string id;                 // the planned id of its last stage
    std::vector<size_t> chain;      // indices into PipelinePlan::stages, source first
    std::string description;        // "prune 2:4 sparsegpt > quantize w8a8 rtn per-channel minmax"
};

struct PipelinePlan {
    std::vector<PlannedStage> stages; // parents before children
    std::vector<PlannedVariant> variants;

    const PlannedStage* stage(const std::string& id) const;
    // The variants shard `index` of `count` runs: every count-th, starting at index.
    std::vector<size_t> shardVariants(int index, int count) const;
    // The stages those variants need (indices into stages): every stage of their chains.
    std::set<size_t> shardStages(int index, int count) const;
};

// Fails when the expansion makes two export stages write the same file, or more variants than a run should
// hold (4096).
Result<PipelinePlan> planPipeline(const PipelineSpec& spec);

} // namespace autoglm
