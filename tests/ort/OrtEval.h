#pragma once
// Task metrics measured by ONNX Runtime on a model file (tests/ort/eval_ort.js): quality floors of the
// files we export are judged by ORT, not by our own executor.

#include "pipeline/common/Result.h"

#include <filesystem>
#include <string>
#include <vector>

namespace testutil {

struct OrtClassification {
    double top1 = 0;
    std::vector<int64_t> predictions; // argmax class per image
};

// The first `limit` images (uint8, scaled by 1/255; 0: all) of an .npy file.
autoglm::Result<OrtClassification> ortClassify(const std::filesystem::path& model, const std::filesystem::path& images,
                                               const std::filesystem::path& labels,
                                               const std::filesystem::path& workDir, int64_t limit = 0);

struct OrtPerplexity {
    double perplexity = 0;
    int64_t windows = 0;
    std::vector<float> firstLogits; // logits of the first `keepWindows` windows, [W, T, vocab] flattened
};

// Byte-level perplexity over the first `windows` (0: all) 256-byte windows of a text file.
autoglm::Result<OrtPerplexity> ortBytePerplexity(const std::filesystem::path& model, const std::filesystem::path& text,
                                                 const std::filesystem::path& workDir, int keepWindows = 0,
                                                 int64_t windows = 0);

// The same over token ids (a text encoded by the checkpoint's tokenizer), 256-token windows.
autoglm::Result<OrtPerplexity> ortTokenPerplexity(const std::filesystem::path& model,
                                                  const std::vector<int64_t>& tokens,
                                                  const std::filesystem::path& workDir, int keepWindows = 0,
                                                  int64_t windows = 0);

} // namespace testutil
