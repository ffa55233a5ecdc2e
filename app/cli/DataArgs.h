#pragma once
// The data flags `tune` and `sensitivity` share (--eval-…, --calib-…, --train-…), turned into the datasets a
// pipeline file would name: "eval", "calib" and "train".

#include "CommandLine.h"

#include "pipeline/runner/PipelineSpec.h"

#include <vector>

namespace autoglm::cli {

Result<PipelineSpec> specFromArgs(const ParsedArgs& args);

// The option list entries of those flags.
std::vector<OptionSpec> dataOptions();

} // namespace autoglm::cli
