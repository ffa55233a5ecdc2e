#include "pipeline/passes/distill/TrainingData.h"

#include "pipeline/llm/TextPerplexity.h"
#include "pipeline/model/ModelSummary.h"
#include "pipeline/passes/Calibration.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

namespace autoglm {

Result<TrainingSet> trainingFromImages(const Model& model, const TensorData& images, const TensorData& labels,
                                       int64_t maxSamples) {
    // The same checks and scaling as calibration images, as one batch.
    auto checked = calibrationFromImages(model, images, maxSamples, maxSamples);
    if (!checked)
        return Error{"training data: " + checked.message()};
    TrainingSet set;
    set.input = checked->batches.front().begin()->first;
    set.inputs = checked->batches.front().begin()->second;
    const int64_t n = set.samples();
    set.source = std::to_string(n) + " images";
    if (labels.defined()) {
        const DType t = labels.dtype();
        if (t != DType::Int64 && t != DType::Int32 && t != DType::UInt8 && t != DType::Int8 && t != DType::Int16)
            return Error{"training labels must be integers, got " + dtypeName(t)};
        if (labels.shape().size() != 1 || labels.shape()[0] < n)
            return Error{"training labels have shape " + formatShape(labels.shape()) + " but " + std::to_string(n) +
                         " images need one label each"};
        const at::Tensor l = labels.tensor().slice(0, 0, n).to(at::kLong).contiguous();
        if (l.min().item<int64_t>() < 0)
            return Error{"training labels hold a negative class"};
        set.labels = TensorData(l);
        set.source += " with labels";
    }
    return set;
}

Result<TrainingSet> trainingFromText(const Model& model, const std::string& text, int64_t context,
                                     int64_t maxWindows) {
    const auto feeds = model.graph.feedInputs();
    if (feeds.empty())
        return Error{"the model has no input to feed training data to"};
    const ValueInfo& input = feeds.front();
    if (input.dtype != DType::Int64 && input.dtype != DType::Int32)
        return Error{"training text was given but the model's input '" + input.name + "' takes " +
                     dtypeName(input.dtype) + " " + input.shapeString() + " (use training images?)"};
    if (input.shape && (*input.shape)[1].isFixed())
        context = (*input.shape)[1].value;
    auto tokens = tokenizeForModel(model, text);
    if (!tokens)
        return tokens.error();
    const int64_t count = static_cast<int64_t>(tokens->ids.size());
    const int64_t windows = std::min<int64_t>((count - 1) / context, maxWindows);
    if (windows <= 0)
        return Error{"the training text has " + std::to_string(count) + " " + tokens->unit +
                     "s, fewer than one window of " + std::to_string(context) + " and the token after it"};
    const at::Tensor ids = at::tensor(tokens->ids, at::kLong);
    TrainingSet set;
    set.input = input.name;
    set.inputs = TensorData(ids.slice(0, 0, windows * context)
                                .reshape({windows, context})
                                .to(input.dtype == DType::Int32 ? at::kInt : at::kLong)
                                .contiguous());
    set.labels = TensorData(ids.slice(0, 1, windows * context + 1).reshape({windows, context}).contiguous());
    set.languageModel = true;
    set.source = std::to_string(windows) + " windows of " + std::to_string(context) + " " + tokens->unit + "s";
    return set;
}

std::pair<TrainingSet, TrainingSet> splitValidation(const TrainingSet& set, double share) {
    const int64_t n = set.samples();
    const int64_t held = std::clamp<int64_t>(static_cast<int64_t>(std::llround(share * static_cast<double>(n))), 1,
                                             std::max<int64_t>(n - 1, 1));
    auto part = [&](int64_t from, int64_t to, const std::string& what) {
        TrainingSet p = set;
        p.inputs = TensorData(set.inputs.tensor().slice(0, from, to));
        if (set.labels.defined())
            p.labels = TensorData(set.labels.tensor().slice(0, from, to));
        p.source = std::to_string(to - from) + " of " + set.source + " (" + what + ")";
        return p;
    };
    return {part(0, n - held, "training"), part(n - held, n, "validation")};
}

} // namespace autoglm
