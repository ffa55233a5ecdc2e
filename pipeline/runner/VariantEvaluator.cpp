#include "pipeline/runner/VariantEvaluator.h"

#include "pipeline/exec/TorchTypes.h"
#include "pipeline/llm/TextPerplexity.h"
#include "pipeline/model/ModelSummary.h"

#include <ATen/ATen.h>

namespace autoglm {
namespace {

constexpr int64_t kImageBatch = 100;
constexpr int64_t kTextBatch = 8;
constexpr int64_t kMaxFidelityWindows = 16;

Result<std::pair<std::string, std::string>> firstInputOutput(const Model& model) {
    const auto feeds = model.graph.feedInputs();
    if (feeds.empty() || model.graph.outputs.empty())
        return Error{"evaluation needs a model with at least one input and one output"};
    return std::make_pair(feeds.front().name, model.graph.outputs.front().name);
}

at::ScalarType inputType(const Model& model, const std::string& input, at::ScalarType fallback) {
    const ValueInfo* info = model.graph.findValueInfo(input);
    return info ? torchType(info->dtype).value_or(fallback) : fallback;
}

// Sums over one batch: agreement of the arg-max, cosine of each sample's output, KL per position.
struct FidelitySums {
    double agree = 0, positions = 0, cosine = 0, samples = 0, kl = 0;

    void add(const at::Tensor& reference, const at::Tensor& output) {
        const at::Tensor r = reference.to(at::kDouble);
        const at::Tensor o = output.to(at::kDouble);
        const int64_t classes = r.dim() > 0 ? r.size(-1) : 1;
        const at::Tensor r2 = r.reshape({-1, classes});
        const at::Tensor o2 = o.reshape({-1, classes});
        agree += r2.argmax(1).eq(o2.argmax(1)).sum().item<double>();
        positions += static_cast<double>(r2.size(0));
        const at::Tensor rs = r.reshape({r.size(0), -1});
        const at::Tensor os = o.reshape({o.size(0), -1});
        cosine += at::cosine_similarity(rs, os, 1, 1e-12).sum().item<double>();
        samples += static_cast<double>(r.size(0));
        const at::Tensor logR = r2.log_softmax(1);
        kl += (logR.exp() * (logR - o2.log_softmax(1))).sum().item<double>();
    }
    void store(std::map<std::string, double>& m) const {
        if (positions == 0)
            return;
        m["agreement"] = agree / positions;
        m["cosine"] = cosine / samples;
        m["kl"] = kl / positions;
    }
};

} // namespace

Result<VariantEvaluator> VariantEvaluator::create(const Model& original, std::shared_ptr<const LoadedDataset> data,
                                                  const EvaluationSettings& settings, const ProgressFn& progress,
                                                  std::stop_token stop) {
    VariantEvaluator e;
    e.m_data = std::move(data);
    e.m_settings = settings;
    const LoadedDataset& d = *e.m_data;
    auto io = firstInputOutput(original);
    if (!io)
        return io.error();
    const std::string input = io->first;
    if (d.isText()) {
        e.m_primary = "perplexity";
        e.m_higherIsBetter = false;
        e.m_context = d.spec.context;
        if (const ValueInfo* info = original.graph.findValueInfo(input);
            info && info->shape && info->shape->size() == 2 && (*info->shape)[1].isFixed())
            e.m_context = (*info->shape)[1].value;
        auto tokens = tokenizeForModel(original, d.text);
        if (!tokens)
            return Error{"dataset '" + d.spec.id + "': " + tokens.message()};
        e.m_tokens = tokens->ids;
        e.m_tokenUnit = tokens->unit;
        const int64_t available = (static_cast<int64_t>(e.m_tokens.size()) - 1) / e.m_context;
        if (available < 1)
            return Error{"dataset '" + d.spec.id + "': " + std::to_string(e.m_tokens.size()) + " " + e.m_tokenUnit +
                         "s are fewer than one window of " + std::to_string(e.m_context + 1)};
        const int64_t windows = settings.samples > 0 ? std::min(settings.samples, available) : available;
        e.m_tokens.resize(static_cast<size_t>(windows * e.m_context + 1));
        if (settings.fidelity) {
            const int64_t f = std::min({windows, settings.fidelitySamples, kMaxFidelityWindows});
            const at::Tensor ids = at::tensor(e.m_tokens, at::kLong).to(inputType(original, input, at::kLong));
            for (int64_t w = 0; w < f; w += kTextBatch) {
                const int64_t count = std::min(kTextBatch, f - w);
                at::Tensor chunk = ids.slice(0, w * e.m_context, (w + count) * e.m_context).reshape({count, e.m_context});
                e.m_batches.push_back({{input, TensorData(chunk.contiguous())}});
            }
        }
    } else if (d.isSynthetic()) {
        e.m_primary = "agreement";
        int64_t taken = 0;
        for (const auto& feeds : d.synthetic) {
            if (settings.samples > 0 && taken >= settings.samples)
                break;
            e.m_batches.push_back(feeds);
            taken += feeds.begin()->second.shape().at(0);
        }
    } else {
        e.m_primary = d.hasLabels() ? "top-1" : "agreement";
        const int64_t n = settings.samples > 0 ? std::min(settings.samples, d.imageCount()) : d.imageCount();
        e.m_imageScale = d.images->dtype() == DType::UInt8 ? 1.0 / 255.0 : 1.0;
        e.m_input = input;
        const ValueInfo* info = original.graph.findValueInfo(input);
        e.m_inputType = info && torchType(info->dtype) ? info->dtype : DType::Float;
        for (int64_t start = 0; start < n; start += kImageBatch)
            e.m_imageBatches.push_back({start, std::min(n, start + kImageBatch) - start});
    }
    if (!e.m_primary.empty() && e.m_primary == "agreement" && !settings.fidelity)
        return Error{"dataset '" + d.spec.id + "' has no labels, so variants are judged by agreement with the "
                     "original: turn evaluation.fidelity on"};

    // The original's outputs, once, for every variant to be compared with.
    if (settings.fidelity && e.batchCount() > 0) {
        auto executor = Executor::create(original);
        if (!executor)
            return executor.error();
        const std::string output = io->second;
        for (size_t b = 0; b < e.batchCount(); ++b) {
            auto feeds = e.feeds(b);
            if (!feeds)
                return feeds.error();
            auto out = executor->run(feeds.value(), stop);
            if (!out)
                return Error{"evaluating the original: " + out.message()};
            e.m_reference.push_back(out->at(output));
            if (progress)
                progress(static_cast<double>(b + 1) / static_cast<double>(e.batchCount()));
        }
    }
    return e;
}

std::string VariantEvaluator::describe() const {
    if (m_data->isText())
        return std::to_string((m_tokens.size() - 1) / static_cast<size_t>(m_context)) + " windows of " +
               std::to_string(m_context) + " " + m_tokenUnit + "s";
    int64_t n = 0;
    for (const auto& b : m_batches)
        n += b.begin()->second.shape().at(0);
    for (const auto& rows : m_imageBatches)
        n += rows.count;
    return std::to_string(n) + (m_data->isSynthetic() ? " synthetic samples" : " images") +
           (m_data->hasLabels() ? " with labels" : "");
}

size_t VariantEvaluator::batchCount() const { return m_batches.size() + m_imageBatches.size(); }

Result<TensorMap> VariantEvaluator::feeds(size_t b) const {
    if (b < m_batches.size())
        return m_batches[b];
    const Rows& rows = m_imageBatches.at(b - m_batches.size());
    auto images = m_data->images->readRows(rows.start, rows.count);
    if (!images)
        return Error{"dataset '" + m_data->spec.id + "': " + images.message()};
    // As the whole array was converted before: through double, scaled, to the input's type.
    const at::Tensor batch =
        images->tensor().to(at::kDouble).mul(m_imageScale).to(*torchType(m_inputType)).contiguous();
    return TensorMap{{m_input, TensorData(batch)}};
}

Result<TensorData> VariantEvaluator::labels(size_t b) const {
    if (b < m_batches.size() || !m_data->labels)
        return TensorData();
    const Rows& rows = m_imageBatches.at(b - m_batches.size());
    auto labels = m_data->labels->readRows(rows.start, rows.count);
    if (!labels)
        return Error{"dataset '" + m_data->spec.id + "': " + labels.message()};
    return TensorData(labels->tensor().to(at::kLong));
}

Status VariantEvaluator::runBatches(const Executor& executor, std::map<std::string, double>& metrics,
                                    const ProgressFn& progress, double progressShare, std::stop_token stop) const {
    const std::string output = executor.model().graph.outputs.front().name;
    FidelitySums fidelity;
    double correct1 = 0, correct5 = 0, labelled = 0;
    const size_t count = batchCount();
    for (size_t b = 0; b < count; ++b) {
        auto batch = feeds(b);
        if (!batch)
            return batch.error();
        auto out = executor.run(batch.value(), stop);
        if (!out)
            return out.error();
        const at::Tensor logits = out->at(output).tensor();
        if (b < m_reference.size()) {
            const at::Tensor& ref = m_reference[b].tensor();
            if (!ref.sizes().equals(logits.sizes()))
                return Error{"output '" + output + "' has shape " + formatShape(logits.sizes().vec()) +
                             " but the original's is " + formatShape(ref.sizes().vec())};
            fidelity.add(ref, logits);
        }
        auto batchLabels = labels(b);
        if (!batchLabels)
            return batchLabels.error();
        if (batchLabels->defined()) {
            if (logits.dim() != 2)
                return Error{"output '" + output + "' must be logits [batch, classes] for top-1"};
            const at::Tensor truth = batchLabels->tensor();
            const int64_t k = std::min<int64_t>(5, logits.size(1));
            const at::Tensor top = std::get<1>(logits.topk(k, 1));
            correct1 += top.select(1, 0).eq(truth).sum().item<double>();
            correct5 += top.eq(truth.unsqueeze(1)).any(1).sum().item<double>();
            labelled += static_cast<double>(truth.size(0));
        }
        if (progress)
            progress(progressShare * static_cast<double>(b + 1) / static_cast<double>(count));
    }
    fidelity.store(metrics);
    if (labelled > 0) {
        metrics["top-1"] = correct1 / labelled;
        metrics["top-5"] = correct5 / labelled;
    }
    return Ok{};
}

Result<std::map<std::string, double>> VariantEvaluator::evaluate(const Executor& executor, const ProgressFn& progress,
                                                                 std::stop_token stop) const {
    std::map<std::string, double> metrics;
    const bool text = m_data->isText();
    const double share = text ? 0.1 : 1.0; // perplexity over all windows is most of the work
    if (auto s = runBatches(executor, metrics, progress, share, stop); !s)
        return s.error();
    if (text) {
        auto ppl = evaluateTokenPerplexity(executor, m_tokens, {m_context, kTextBatch},
                                           [&](double f) {
                                               if (progress)
                                                   progress(share + (1 - share) * f);
                                           },
                                           stop);
        if (!ppl)
            return ppl.error();
        metrics["perplexity"] = ppl->perplexity;
    }
    return metrics;
}

int64_t VariantEvaluator::largestBatch() const {
    int64_t largest = 1;
    for (const auto& rows : m_imageBatches)
        largest = std::max(largest, rows.count);
    for (const auto& feeds : m_batches)
        for (const auto& [name, t] : feeds)
            if (!t.shape().empty())
                largest = std::max(largest, t.shape().front());
    return largest;
}

} // namespace autoglm
