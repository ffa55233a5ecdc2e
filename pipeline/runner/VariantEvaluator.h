#pragma once
// The task metrics of one variant on a pipeline's evaluation data: top-1 / top-5 on labelled images,
// perplexity on text, and fidelity to the original on the same inputs — top-1 agreement, mean cosine of the
// outputs and mean KL(original || variant) of their softmax over the last axis. Fidelity is the metric when
// there are no labels (synthetic inputs, unlabelled images). The original's outputs are computed once.
// Image datasets are read from their files a batch at a time on every pass (the original's and each
// variant's), so evaluation holds one batch of images whatever the dataset's size.

#include "pipeline/common/Result.h"
#include "pipeline/eval/Metrics.h"
#include "pipeline/exec/Executor.h"
#include "pipeline/runner/Datasets.h"

#include <map>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

namespace autoglm {

struct EvaluationSettings {
    int64_t samples = 0;          // images or windows at most; 0 = all
    bool fidelity = true;
    int64_t fidelitySamples = 256; // language models: at most 16 windows (their logits are large)
};

class VariantEvaluator {
public:
    static Result<VariantEvaluator> create(const Model& original, std::shared_ptr<const LoadedDataset> data,
                                           const EvaluationSettings& settings, const ProgressFn& progress = {},
                                           std::stop_token stop = {});

    Result<std::map<std::string, double>> evaluate(const Executor& executor, const ProgressFn& progress = {},
                                                   std::stop_token stop = {}) const;

    const std::string& primaryMetric() const { return m_primary; }
    // The most samples one run of a variant gets (for the memory estimate).
    int64_t largestBatch() const;
    bool higherIsBetter() const { return m_higherIsBetter; }
    std::string describe() const; // "2000 images with labels", "100 windows of 256 tokens"

private:
    // Batch b's feeds and labels (undefined when there are none): held ones, or rows read from the images.
    size_t batchCount() const;
    Result<TensorMap> feeds(size_t b) const;
    Result<TensorData> labels(size_t b) const;
    // Runs the batches and accumulates fidelity against m_reference (and top-k when labels are given).
    Status runBatches(const Executor& executor, std::map<std::string, double>& metrics, const ProgressFn& progress,
                      double progressShare, std::stop_token stop) const;

    std::shared_ptr<const LoadedDataset> m_data;
    EvaluationSettings m_settings;
    std::string m_primary;
    bool m_higherIsBetter = true;
    std::vector<TensorMap> m_batches;     // text and synthetic inputs the fidelity pass feeds
    struct Rows {
        int64_t start = 0, count = 0;
    };
    std::vector<Rows> m_imageBatches; // images: the rows of each batch, read when it runs
    std::string m_input;              // the model input images are fed to
    DType m_inputType = DType::Float;
    double m_imageScale = 1;
    std::vector<TensorData> m_reference;  // the original's first output on each batch (fidelity)
    std::vector<int64_t> m_tokens;        // text: the model's token ids
    std::string m_tokenUnit;
    int64_t m_context = 256;
};

} // namespace autoglm
