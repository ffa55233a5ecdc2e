#include "pipeline/passes/Calibration.h"

#include "pipeline/exec/TorchTypes.h"
#include "pipeline/llm/TextPerplexity.h"

#include <ATen/ATen.h>

namespace autoglm {
namespace {

Result<ValueInfo> firstInput(const Model& model) {
    const auto feeds = model.graph.feedInputs();
    if (feeds.empty())
        return Error{"the model has no input to feed calibration data to"};
    return feeds.front();
}

std::string dimsText(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i)
        s += (i ? "," : "") + std::to_string(shape[i]);
    return s + "]";
}

} // namespace

Result<CalibrationSet> calibrationFromImages(const Model& model, const ArrayReader& images, int64_t maxSamples,
                                             int64_t batch, double scale) {
    auto input = firstInput(model);
    if (!input)
        return input.error();
    const auto shape = images.shape();
    if (shape.empty() || images.rows() == 0 || images.rowBytes() == 0)
        return Error{"the calibration images are empty"};
    const DType type = images.dtype();
    if (type != DType::UInt8 && type != DType::Float && type != DType::Double)
        return Error{"calibration images must be uint8 or float, got " + dtypeName(type)};
    if (input->dtype != DType::Float && input->dtype != DType::Undefined)
        return Error{"calibration images were given but the model's input '" + input->name + "' takes " +
                     dtypeName(input->dtype) + " " + input->shapeString() + " (use text calibration?)"};
    if (input->shape) {
        const auto& dims = *input->shape;
        bool fits = dims.size() == shape.size();
        for (size_t i = 1; fits && i < dims.size(); ++i)
            fits = !dims[i].isFixed() || dims[i].value == shape[i];
        if (!fits)
            return Error{"calibration images have shape " + dimsText(shape) + " but the model's input '" + input->name +
                         "' is " + input->shapeString()};
    }
    if (batch <= 0)
        return Error{"the calibration batch must be positive"};
    const double factor = scale > 0 ? scale : (type == DType::UInt8 ? 1.0 / 255.0 : 1.0);
    const int64_t n = std::min<int64_t>(images.rows(), maxSamples);
    // Only the images used are read, converted and checked, a batch at a time.
    CalibrationSet set;
    for (int64_t start = 0; start < n; start += batch) {
        const int64_t end = std::min(n, start + batch);
        auto rows = images.readRows(start, end - start);
        if (!rows)
            return rows.error();
        const at::Tensor part = rows->tensor().to(at::kFloat);
        if (!at::isfinite(part).all().item<bool>())
            return Error{"the calibration images contain NaN or Inf"};
        set.batches.push_back({{input->name, TensorData(part.mul(factor).contiguous())}});
    }
    set.samples = n;
    set.source = std::to_string(n) + " images";
    return set;
}

Result<CalibrationSet> calibrationFromImages(const Model& model, const TensorData& images, int64_t maxSamples,
                                             int64_t batch, double scale) {
    if (!images.defined() || images.numel() == 0 || images.shape().empty() || images.shape()[0] == 0)
        return Error{"the calibration images are empty"};
    return calibrationFromImages(model, *ArrayReader::fromTensor(images, "calibration images"), maxSamples, batch,
                                 scale);
}

Result<CalibrationSet> calibrationFromText(const Model& model, const std::string& text, int64_t context,
                                           int64_t maxWindows, int64_t batch) {
    auto input = firstInput(model);
    if (!input)
        return input.error();
    if (input->dtype != DType::Int64 && input->dtype != DType::Int32)
        return Error{"calibration text was given but the model's input '" + input->name + "' takes " +
                     dtypeName(input->dtype) + " " + input->shapeString() + " (use image calibration?)"};
    if (input->shape && input->shape->size() != 2)
        return Error{"calibration text needs an input of token ids [batch, seq]; '" + input->name + "' is " +
                     input->shapeString()};
    if (input->shape && (*input->shape)[1].isFixed())
        context = (*input->shape)[1].value;
    auto tokens = tokenizeForModel(model, text);
    if (!tokens)
        return tokens.error();
    const int64_t windows = std::min<int64_t>(static_cast<int64_t>(tokens->ids.size()) / context, maxWindows);
    if (windows <= 0)
        return Error{"the calibration text has " + std::to_string(tokens->ids.size()) + " " + tokens->unit +
                     "s, fewer than one window of " + std::to_string(context)};
    const at::Tensor ids =
        at::tensor(tokens->ids, at::kLong).slice(0, 0, windows * context).reshape({windows, context});
    const at::ScalarType type = input->dtype == DType::Int32 ? at::kInt : at::kLong;
    CalibrationSet set;
    for (int64_t start = 0; start < windows; start += batch) {
        const int64_t end = std::min(windows, start + batch);
        set.batches.push_back({{input->name, TensorData(ids.slice(0, start, end).to(type).contiguous())}});
    }
    set.samples = windows;
    set.source = std::to_string(windows) + " windows of " + std::to_string(context) + " " + tokens->unit + "s";
    return set;
}

Result<CalibrationSet> withEmptyCaches(const CalibrationSet& set, const Model& model) {
    CalibrationSet out = set;
    for (const auto& input : model.graph.feedInputs()) {
        if (input.name.rfind("past_", 0) != 0)
            continue;
        if (!input.shape || input.shape->size() != 4 || !(*input.shape)[1].isFixed() || !(*input.shape)[3].isFixed())
            return Error{"cache input '" + input.name + "' must be declared [batch, kv_heads, past, head_dim]"};
        for (auto& batch : out.batches) {
            const int64_t n = batch.begin()->second.shape().at(0);
            batch[input.name] = TensorData(at::zeros({n, (*input.shape)[1].value, 0, (*input.shape)[3].value}));
        }
    }
    return out;
}

CalibrationSet limitSamples(const CalibrationSet& set, int64_t samples) {
    CalibrationSet out;
    for (const auto& batch : set.batches) {
        if (out.samples >= samples)
            break;
        const int64_t n = batch.begin()->second.shape().at(0);
        const int64_t take = std::min(n, samples - out.samples);
        TensorMap part;
        for (const auto& [name, t] : batch)
            part[name] = take == n ? t : TensorData(t.tensor().slice(0, 0, take).contiguous());
        out.batches.push_back(std::move(part));
        out.samples += take;
    }
    out.source = std::to_string(out.samples) + " of " + set.source;
    return out;
}


} // namespace autoglm
