#include "pipeline/llm/TextPerplexity.h"

#include "pipeline/llm/Tokenizer.h"

#include <filesystem>

namespace autoglm {

Result<ModelTokens> tokenizeForModel(const Model& model, const std::string& text) {
    // A checkpoint folder's tokenizer.json, or the one beside an exported model file (autoglm compress puts
    // it there).
    std::error_code ec;
    const bool folder = std::filesystem::is_directory(model.sourcePath, ec);
    const std::filesystem::path tokenizerFile =
        (folder ? model.sourcePath : model.sourcePath.parent_path()) / "tokenizer.json";
    ModelTokens out;
    if (!model.sourcePath.empty() && std::filesystem::exists(tokenizerFile, ec)) {
        auto tokenizer = Tokenizer::load(tokenizerFile);
        if (!tokenizer)
            return tokenizer.error();
        const std::vector<int32_t> ids = tokenizer->encode(text);
        out.ids.assign(ids.begin(), ids.end());
        out.unit = "token";
    } else {
        out.ids.reserve(text.size());
        for (unsigned char c : text)
            out.ids.push_back(c);
        out.unit = "byte";
    }
    return out;
}

Result<TextPerplexity> evaluateTextPerplexity(const Executor& executor, const std::string& text,
                                              const PerplexityOptions& options, const ProgressFn& progress,
                                              std::stop_token stop) {
    auto tokens = tokenizeForModel(executor.model(), text);
    if (!tokens)
        return tokens.error();
    TextPerplexity out;
    out.unit = tokens->unit;
    out.tokens = static_cast<int64_t>(tokens->ids.size());
    auto result = evaluateTokenPerplexity(executor, tokens->ids, options, progress, stop);
    if (!result)
        return result.error();
    out.result = result.value();
    return out;
}

} // namespace autoglm
