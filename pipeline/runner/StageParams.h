#pragma once
// The typed parameters of one pipeline stage, read from its `params` JSON: the pass's own Params for prune,
// quantize and distill; what to measure for evaluate; what to write besides the ONNX file for export.
// Torch-free.

#include "pipeline/common/Result.h"
#include "pipeline/passes/distill/DistillParams.h"
#include "pipeline/passes/prune/PruneParams.h"
#include "pipeline/passes/quantize/QuantizeParams.h"

#include <nlohmann/json.hpp>

#include <string>

namespace autoglm {

// evaluate: overrides of the pipeline's evaluation for the variant this stage ends.
struct EvaluateParams {
    std::string dataset; // empty: the pipeline's
    int64_t samples = -1; // -1: the pipeline's

    nlohmann::json toJson() const;
};

// export: besides the ONNX file, a Hugging Face folder (checkpoints' float variants only) and the generation
// variant with past/present key/value (checkpoints only), written as <name>_hf/ and <name>_cached.onnx.
struct ExportParams {
    bool hfFolder = false;
    std::string hfDtype = "float32"; // float32, bfloat16 or float16
    bool cachedDecoder = false;

    nlohmann::json toJson() const;
};

struct StageParams {
    std::string kind;
    PruneParams prune;
    QuantizeParams quantize;
    DistillParams distill;
    EvaluateParams evaluate;
    ExportParams exporting;

    bool needsCalibration() const;
    int64_t calibrationSamples() const;
    // "prune 2:4 sparsegpt", "quantize w8a8 rtn per-channel minmax", "export"
    std::string summary() const;
    // The complete parameters, defaults filled in (what the results record).
    nlohmann::json toJson() const;
};

// Errors name `path` ("stages[1].params.sparsity is 1.2 but must be between 0 and 1").
Result<StageParams> parseStageParams(const std::string& kind, const nlohmann::json& params, const std::string& path);

// Sets params["a"]["b"] for the dotted key "a.b", creating objects on the way.
void setDottedParam(nlohmann::json& params, const std::string& dottedKey, const nlohmann::json& value);

} // namespace autoglm
