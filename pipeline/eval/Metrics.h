#pragma once
// Task metrics measured through the executor: classification top-1/top-5 and byte-level perplexity.

#include "pipeline/common/Result.h"
#include "pipeline/exec/Executor.h"
#include "pipeline/io/ArrayReader.h"

#include <functional>
#include <stop_token>
#include <string>

namespace autoglm {

// fraction in [0, 1]
using ProgressFn = std::function<void(double fraction)>;

struct ClassificationOptions {
    // Multiplies the images before they are fed (uint8 pixels -> [0,1] with 1/255). NaN: 1/255 for uint8
    // images, 1 otherwise.
    double scale = std::numeric_limits<double>::quiet_NaN();
    int64_t batch = 100;
};

struct ClassificationResult {
    int64_t count = 0;
    double top1 = 0;
    double top5 = 0;
    double scaleUsed = 1;
};

// images [N, ...] fed to the model's first input, labels [N] integer; logits read from the first output.
// From readers, one batch of images and labels is read at a time.
Result<ClassificationResult> evaluateClassification(const Executor& executor, const ArrayReader& images,
                                                    const ArrayReader& labels, const ClassificationOptions& options,
                                                    const ProgressFn& progress = {}, std::stop_token stop = {});
Result<ClassificationResult> evaluateClassification(const Executor& executor, const TensorData& images,
                                                    const TensorData& labels, const ClassificationOptions& options,
                                                    const ProgressFn& progress = {}, std::stop_token stop = {});

struct PerplexityOptions {
    int64_t context = 256; // tokens (bytes) per window
    int64_t batch = 8;     // windows per run
};

struct PerplexityResult {
    int64_t windows = 0;
    int64_t predictions = 0;
    double meanNll = 0; // nats per token (byte)
    double perplexity = 0;
    double bitsPerByte = 0; // bits per token for token-level models
};

// Language model over consecutive non-overlapping windows of token ids: window w feeds tokens
// [w*T, w*T+T) and scores the prediction of each next token, [w*T+1, w*T+T+1).
Result<PerplexityResult> evaluateTokenPerplexity(const Executor& executor, const std::vector<int64_t>& tokens,
                                                 const PerplexityOptions& options, const ProgressFn& progress = {},
                                                 std::stop_token stop = {});

// Byte-level language model: the text's bytes are its tokens.
Result<PerplexityResult> evaluateBytePerplexity(const Executor& executor, const std::string& text,
                                                const PerplexityOptions& options, const ProgressFn& progress = {},
                                                std::stop_token stop = {});

} // namespace autoglm
