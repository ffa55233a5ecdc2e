#pragma once
// The results of a pipeline run as a fixed-width table for the terminal.

#include "pipeline/runner/RunResults.h"

#include <string>

namespace autoglm::cli {

std::string formatResultsTable(const RunResults& results);

} // namespace autoglm::cli
