#pragma once
// The metric a command reports before and after a change: top-1 on labelled images, or perplexity on a
// text (per token with a checkpoint's tokenizer, else per byte).

#include "Commands.h"

#include "pipeline/ir/TensorData.h"

#include <optional>
#include <string>

namespace autoglm::cli {

struct TaskData {
    TensorData images;
    TensorData labels;
    std::string text;
    bool classification() const { return images.defined(); }
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
