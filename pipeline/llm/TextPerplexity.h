#pragma once
// Perplexity of a text under a language model, in the model's own units: the tokens of a Hugging Face
// checkpoint's tokenizer.json when the model came from such a folder, bytes otherwise (byte-level models).

#include "pipeline/eval/Metrics.h"

#include <string>
#include <vector>

namespace autoglm {

struct TextPerplexity {
    PerplexityResult result;
    std::string unit; // "token" or "byte"
    int64_t tokens = 0;
};

struct ModelTokens {
    std::vector<int64_t> ids;
    std::string unit; // "token" or "byte"
};

// The text as the model's input ids: the tokenizer.json of its checkpoint folder, or beside its model file,
// when there is one; else its bytes.
Result<ModelTokens> tokenizeForModel(const Model& model, const std::string& text);

Result<TextPerplexity> evaluateTextPerplexity(const Executor& executor, const std::string& text,
                                              const PerplexityOptions& options, const ProgressFn& progress = {},
                                              std::stop_token stop = {});

} // namespace autoglm
