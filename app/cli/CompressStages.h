#pragma once
// The stages of `autoglm compress` (--prune, --quantize), built from the command line in the order they were
// given, and run one after the other on the model.

#include "Commands.h"

#include "pipeline/passes/Calibration.h"
#include "pipeline/passes/distill/DistillParams.h"
#include "pipeline/passes/distill/TrainingData.h"
#include "pipeline/passes/prune/PruneParams.h"
#include "pipeline/passes/quantize/QuantizeParams.h"
#include "pipeline/runner/StageParams.h"

#include <optional>
#include <string>
#include <vector>

namespace autoglm::cli {

// A stage of the chain: the same typed parameters a pipeline file's stage has.
using CompressStage = StageParams;

// Stages in the order their flags appear; --params FILE.json gives quantization parameters.
Result<std::vector<CompressStage>> stagesFrom(const ParsedArgs& args);

// What the stages read besides the model they change.
struct StageData {
    const Model& original;             // the teacher of distillation
    const CalibrationSet& calibration; // empty when no stage needs it
    const TrainingSet* training;       // null when no stage needs it
};

// --train-images [--train-labels] or --train-text, read when a distill stage needs them (nullopt otherwise).
Result<std::optional<TrainingSet>> trainingFrom(const ParsedArgs& args, const Model& model,
                                                const std::vector<CompressStage>& stages);

// Runs one stage on `model` with a progress line.
Result<PassResult> runStage(const CompressStage& stage, const Model& model, const StageData& data);

// The flags the stages read, for the command's option list.
std::vector<OptionSpec> stageOptions();

} // namespace autoglm::cli
