#include "TaskEvaluation.h"

#include "pipeline/eval/Metrics.h"
#include "pipeline/llm/TextPerplexity.h"

#include <fstream>
#include <sstream>

namespace autoglm::cli {

Result<std::optional<TaskData>> loadTaskData(const ParsedArgs& args, const std::string& prefix) {
    const bool images = args.has(prefix + "images");
    const bool text = args.has(prefix + "text");
    if (images && text)
        return Error{"give either --" + prefix + "images with --" + prefix + "labels, or --" + prefix + "text"};
    if (!images && !text) {
        if (args.has(prefix + "labels"))
            return Error{"--" + prefix + "labels needs --" + prefix + "images"};
        return std::optional<TaskData>();
    }
    TaskData data;
    if (images) {
        if (!args.has(prefix + "labels"))
            return Error{"--" + prefix + "images needs --" + prefix + "labels Y.npy"};
        auto x = ArrayReader::open(args.value(prefix + "images"));
        if (!x)
            return x.error();
        auto y = ArrayReader::open(args.value(prefix + "labels"));
        if (!y)
            return y.error();
        data.images = x.value();
        data.labels = y.value();
    } else {
        std::ifstream in(args.value(prefix + "text"), std::ios::binary);
        if (!in)
            return Error{"cannot open text file '" + args.value(prefix + "text") + "'"};
        std::ostringstream buffer;
        buffer << in.rdbuf();
        data.text = buffer.str();
    }
    return std::optional<TaskData>(std::move(data));
}

Result<TaskMetric> evaluateTask(const Executor& executor, const TaskData& data, const std::string& progressLabel) {
    ProgressLine progress(progressLabel);
    auto onProgress = [&](double f) { progress.update(f); };
    if (data.classification()) {
        auto r = evaluateClassification(executor, *data.images, *data.labels, {}, onProgress);
        progress.finish();
        if (!r)
            return r.error();
        return TaskMetric{"top-1", r->top1, true};
    }
    auto r = evaluateTextPerplexity(executor, data.text, {}, onProgress);
    progress.finish();
    if (!r)
        return r.error();
    return TaskMetric{r->unit + " perplexity", r->result.perplexity, false};
}

} // namespace autoglm::cli
