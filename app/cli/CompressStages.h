#pragma once
// The stages of `autoglm compress` (--prune, --quantize), built from the command line in the order they were
// given, and run one after the other on the model.

#include "Commands.h"

#include "pipeline/passes/Calibration.h"
#include "pipeline/passes/prune/PruneParams.h"
#include "pipeline/passes/quantize/QuantizeParams.h"

#include <string>
#include <vector>

namespace autoglm::cli {

struct CompressStage {
    std::string kind; // "prune" or "quantize"
    PruneParams prune;
    QuantizeParams quantize;

    bool needsCalibration() const;
    int64_t calibrationSamples() const;
    std::string summary() const;
    nlohmann::json toJson() const;
};

// Stages in the order their flags appear; --params FILE.json gives quantization parameters.
Result<std::vector<CompressStage>> stagesFrom(const ParsedArgs& args);

// Runs one stage with a progress line; `calibration` may be empty when the stage needs none.
Result<PassResult> runStage(const CompressStage& stage, const Model& model, const CalibrationSet& calibration);

// The flags the stages read, for the command's option list.
std::vector<OptionSpec> stageOptions();

} // namespace autoglm::cli
