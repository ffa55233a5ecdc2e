#pragma once
// The metric a command reports before and after a change: top-1 on labelled images, or perplexity on a
// text (per token with a checkpoint's tokenizer, else per byte).

#include "Commands.h"

#include "pipeline/io/ArrayReader.h"

#include <memory>
#include <optional>
#include <string>

namespace autoglm::cli {

struct TaskData {
    // Read a batch at a time while evaluating: the images are never in memory whole.
    std::shared_ptr<const ArrayReader> images;
    std::shared_ptr<const ArrayReader> labels;
    std::string text;
    bool classification() const { return images != nullptr; }
};

struct TaskMetric {
    std::string name; // "top-1" or "perplexity"
    double value = 0;
    bool higherIsBetter = true;
};

// Reads --<prefix>images/--<prefix>labels or --<prefix>text; nullopt when neither was given.
Result<std::optional<TaskData>> loadTaskData(const ParsedArgs& args, const std::string& prefix);

Result<TaskMetric> evaluateTask(const Executor& executor, const TaskData& data, const std::string& progressLabel);

} // namespace autoglm::cli
