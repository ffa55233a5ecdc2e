#pragma once
// A pipeline file (`.autoglm.json`, docs/PIPELINES.md): the source model, named datasets, a DAG of stages
// (prune, quantize, distill, evaluate, export) whose branches make several variants of one source, sweeps
// that expand a list of parameter values into variants, and how variants are measured. The CLI (`autoglm
// run`) and the studio's canvas read and write this same form. Torch-free: widgets include it.

#include "pipeline/common/Result.h"
#include "pipeline/model/InputShapes.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace autoglm {

inline constexpr const char* kPipelineFormat = "autoglm-pipeline";
inline constexpr int kPipelineVersion = 1;
// The parent of a stage that reads the source model.
inline constexpr const char* kSourceStage = "source";

struct DatasetSpec {
    std::string id;
    // "images": .npy images [N, ...] (uint8 pixels are scaled by 1/255 unless `scale` says otherwise) with
    // optional .npy labels [N]; "image-folder": one sub-folder of images per class (PNG, JPEG, BMP, PGM),
    // classes numbered by sorted folder name; "text": a text or byte file cut into windows of `context`
    // tokens; "synthetic": inputs drawn from the model's declared input shapes (no labels: metrics are
    // agreement with the original model).
    std::string kind = "images";
    std::string images; // images: the .npy file
    std::string labels; // images: optional .npy labels
    std::string path;   // text: the file; image-folder: the folder
    double scale = 0;   // images: factor applied to pixels; 0 = 1/255 for uint8, 1 otherwise
    int64_t samples = 0; // images or windows used at most; 0 = all (synthetic: how many to draw, default 64)
    int64_t context = 256; // text: tokens per window; synthetic: sequence length of symbolic dims
    int64_t seed = 1;      // synthetic

    nlohmann::json toJson() const;
};

struct StageSpec {
    std::string id;
    std::string kind;                     // prune | quantize | distill | evaluate | export
    std::string after = kSourceStage;     // the stage whose model this one reads
    nlohmann::json params = nlohmann::json::object(); // the pass's parameters (docs/PIPELINES.md)
    std::string calibration;              // dataset id (prune with sparsegpt, quantize)
    std::string training;                 // dataset id (distill)
    std::string validation;               // dataset id (distill, optional)
    // export: file name inside the run's output folder; "{variant}" is replaced by the variant id.
    std::string output;
    std::string label;                    // shown instead of the id, optional
    std::optional<std::pair<double, double>> position; // where the canvas drew the node

    nlohmann::json toJson() const;
};

// A list of values for one parameter of one stage: the stage and everything after it are repeated once per
// value. Several sweeps multiply.
struct SweepSpec {
    std::string stage;
    std::string param; // a key of the stage's params, dotted for nested ones ("layers.keep_last")
    std::vector<nlohmann::json> values;

    nlohmann::json toJson() const;
};

// How every variant (and the original) is measured.
struct EvaluationSpec {
    std::string dataset;  // task metric data; empty: size and latency only
    int64_t samples = 0;  // images or windows evaluated at most; 0 = all
    // Outputs compared with the original's on the same inputs (agreement, cosine, KL); samples used at most.
    bool fidelity = true;
    int64_t fidelitySamples = 256;
    bool latency = true;
    int64_t latencyBatch = 1;
    int64_t latencySequence = 256; // language models: tokens per timed run
    int64_t latencyWarmup = 3;
    int64_t latencyIterations = 20;

    nlohmann::json toJson() const;
};

struct PipelineSpec {
    int version = kPipelineVersion;
    std::string name;
    std::string description;
    std::string model; // as written: relative paths are relative to baseDir
    InputShapes inputShapes; // "input_shapes": declared on the model's inputs when it is loaded
    int64_t seed = 0;
    std::vector<DatasetSpec> datasets;
    std::vector<StageSpec> stages;
    std::vector<SweepSpec> sweeps;
    EvaluationSpec evaluation;
    // The folder the file's relative paths are relative to (the file's own folder); not stored.
    std::filesystem::path baseDir;

    std::filesystem::path resolve(const std::string& path) const;
    const DatasetSpec* dataset(const std::string& id) const;
    const StageSpec* stage(const std::string& id) const;
    // inputShapes when `modelFile` is this pipeline's model (they belong to it alone), else none.
    InputShapes inputShapesFor(const std::filesystem::path& modelFile) const;

    nlohmann::json toJson() const;
    // Reads the file's JSON; every error names its JSON path ("stages[2].params.sparsity: ..."). Checks
    // structure, references between ids and the DAG, and each stage's parameters.
    static Result<PipelineSpec> fromJson(const nlohmann::json& json, const std::filesystem::path& baseDir);
    // The structure alone (format, version, field names and types), without checking references between ids
    // or stage parameters: what a studio's autosave holds may be unfinished work.
    static Result<PipelineSpec> parse(const nlohmann::json& json, const std::filesystem::path& baseDir);
    Status validate() const;
};

enum class PipelineCheck { Full, StructureOnly };

// `file` names every error ("starter.autoglm.json: stages[1].after: ...").
Result<PipelineSpec> loadPipelineFile(const std::filesystem::path& file, PipelineCheck check = PipelineCheck::Full);
// Written atomically; relative paths are rewritten to stay right from the new file's folder.
Status savePipelineFile(const PipelineSpec& spec, const std::filesystem::path& file);

// The stage kinds, in the order a palette shows them.
const std::vector<std::string>& stageKinds();
const std::vector<std::string>& datasetKinds();

} // namespace autoglm
