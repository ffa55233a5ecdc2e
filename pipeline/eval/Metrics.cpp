#include "pipeline/eval/Metrics.h"

#include "pipeline/exec/TorchTypes.h"

#include <ATen/ATen.h>

#include <cmath>

namespace autoglm {
namespace {

Result<std::pair<std::string, std::string>> singleInputOutput(const Executor& executor) {
    const Graph& g = executor.model().graph;
    const auto feeds = g.feedInputs();
    if (feeds.empty() || g.outputs.empty())
        return Error{"the model needs at least one input and one output for evaluation"};
    return std::make_pair(feeds.front().name, g.outputs.front().name);
}

} // namespace

Result<ClassificationResult> evaluateClassification(const Executor& executor, const ArrayReader& images,
                                                    const ArrayReader& labels, const ClassificationOptions& options,
                                                    const ProgressFn& progress, std::stop_token stop) {
    auto io = singleInputOutput(executor);
    if (!io)
        return io.error();
    const auto& [inputName, outputName] = io.value();
    if (images.shape().empty())
        return Error{"images must be an array [N, ...]"};
    const int64_t n = images.rows();
    if (labels.shape().size() != 1 || labels.rows() != n) {
        int64_t entries = 1;
        for (int64_t d : labels.shape())
            entries *= d;
        return Error{"labels must be a 1-d array of " + std::to_string(n) + " entries (one per image), got " +
                     std::to_string(entries) + " entries"};
    }
    if (options.batch <= 0)
        return Error{"batch must be positive"};
    const ValueInfo* info = executor.model().graph.findValueInfo(inputName);
    const at::ScalarType inputType = info ? torchType(info->dtype).value_or(at::kFloat) : at::kFloat;

    ClassificationResult result;
    result.scaleUsed = std::isnan(options.scale) ? (images.dtype() == DType::UInt8 ? 1.0 / 255.0 : 1.0) : options.scale;
    int64_t correct1 = 0;
    int64_t correct5 = 0;
    for (int64_t start = 0; start < n; start += options.batch) {
        if (stop.stop_requested())
            return Error{"cancelled"};
        const int64_t end = std::min(n, start + options.batch);
        auto rows = images.readRows(start, end - start);
        if (!rows)
            return rows.error();
        auto truthRows = labels.readRows(start, end - start);
        if (!truthRows)
            return truthRows.error();
        at::Tensor batch = rows->tensor().to(at::kDouble).mul(result.scaleUsed).to(inputType);
        auto out = executor.run({{inputName, TensorData(batch)}}, stop);
        if (!out)
            return out.error();
        at::Tensor logits = out->at(outputName).tensor();
        if (logits.dim() != 2 || logits.size(0) != end - start)
            return Error{"output '" + outputName + "' must be logits [batch, classes] for classification, got " +
                         std::to_string(logits.dim()) + "-d"};
        const at::Tensor truth = truthRows->tensor().to(at::kLong);
        const int64_t k = std::min<int64_t>(5, logits.size(1));
        at::Tensor topk = std::get<1>(logits.topk(k, 1));
        correct1 += topk.select(1, 0).eq(truth).sum().item<int64_t>();
        correct5 += topk.eq(truth.unsqueeze(1)).any(1).sum().item<int64_t>();
        if (progress)
            progress(static_cast<double>(end) / static_cast<double>(n));
    }
    result.count = n;
    result.top1 = static_cast<double>(correct1) / static_cast<double>(n);
    result.top5 = static_cast<double>(correct5) / static_cast<double>(n);
    return result;
}

Result<ClassificationResult> evaluateClassification(const Executor& executor, const TensorData& images,
                                                    const TensorData& labels, const ClassificationOptions& options,
                                                    const ProgressFn& progress, std::stop_token stop) {
    if (!images.defined() || images.shape().empty())
        return Error{"images must be an array [N, ...]"};
    if (!labels.defined())
        return Error{"labels must be a 1-d array of " + std::to_string(images.shape()[0]) +
                     " entries (one per image), got 0 entries"};
    return evaluateClassification(executor, *ArrayReader::fromTensor(images, "images"),
                                  *ArrayReader::fromTensor(labels, "labels"), options, progress, stop);
}

Result<PerplexityResult> evaluateBytePerplexity(const Executor& executor, const std::string& text,
                                                const PerplexityOptions& options, const ProgressFn& progress,
                                                std::stop_token stop) {
    std::vector<int64_t> tokens(text.size());
    for (size_t i = 0; i < text.size(); ++i)
        tokens[i] = static_cast<unsigned char>(text[i]);
    return evaluateTokenPerplexity(executor, tokens, options, progress, stop);
}

Result<PerplexityResult> evaluateTokenPerplexity(const Executor& executor, const std::vector<int64_t>& tokens,
                                                 const PerplexityOptions& options, const ProgressFn& progress,
                                                 std::stop_token stop) {
    auto io = singleInputOutput(executor);
    if (!io)
        return io.error();
    const auto& [inputName, outputName] = io.value();
    const int64_t t = options.context;
    if (t < 1 || options.batch < 1)
        return Error{"context and batch must be positive"};
    const int64_t windows = (static_cast<int64_t>(tokens.size()) - 1) / t;
    if (windows < 1)
        return Error{"the text has " + std::to_string(tokens.size()) + " tokens, fewer than one window of " +
                     std::to_string(t + 1)};
    const at::Tensor ids = at::tensor(tokens, at::kLong);

    double totalNll = 0;
    for (int64_t w = 0; w < windows; w += options.batch) {
        if (stop.stop_requested())
            return Error{"cancelled"};
        const int64_t count = std::min(options.batch, windows - w);
        at::Tensor starts = at::arange(w, w + count, at::kLong).mul(t).unsqueeze(1);
        at::Tensor index = starts + at::arange(t + 1, at::kLong).unsqueeze(0);
        at::Tensor chunk = ids.index_select(0, index.reshape({-1})).reshape({count, t + 1});
        auto out = executor.run({{inputName, TensorData(chunk.slice(1, 0, t).contiguous())}}, stop);
        if (!out)
            return out.error();
        at::Tensor logits = out->at(outputName).tensor();
        if (logits.dim() != 3 || logits.size(0) != count || logits.size(1) != t)
            return Error{"output '" + outputName + "' must be logits [batch, time, vocab] for perplexity"};
        at::Tensor logp = logits.to(at::kDouble).log_softmax(-1);
        at::Tensor targets = chunk.slice(1, 1, t + 1).unsqueeze(-1);
        totalNll -= logp.gather(-1, targets).sum().item<double>();
        if (progress)
            progress(static_cast<double>(w + count) / static_cast<double>(windows));
    }
    PerplexityResult r;
    r.windows = windows;
    r.predictions = windows * t;
    r.meanNll = totalNll / static_cast<double>(r.predictions);
    r.perplexity = std::exp(r.meanNll);
    r.bitsPerByte = r.meanNll / std::log(2.0);
    return r;
}

} // namespace autoglm
