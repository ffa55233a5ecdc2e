#include "pipeline/llm/TextPerplexity.h"

#include "pipeline/llm/Tokenizer.h"

#include <filesystem>

namespace autoglm {

Result<TextPerplexity> evaluateTextPerplexity(const Executor& executor, const std::string& text,
                                              const PerplexityOptions& options, const ProgressFn& progress,
                                              std::stop_token stop) {
    const std::filesystem::path tokenizerFile = executor.model().sourcePath / "tokenizer.json";
    std::error_code ec;
    TextPerplexity out;
    Result<PerplexityResult> result = Error{""};
    if (std::filesystem::is_directory(executor.model().sourcePath, ec) && std::filesystem::exists(tokenizerFile, ec)) {
        auto tokenizer = Tokenizer::load(tokenizerFile);
        if (!tokenizer)
            return tokenizer.error();
        const std::vector<int32_t> ids = tokenizer->encode(text);
        out.unit = "token";
        out.tokens = static_cast<int64_t>(ids.size());
        result =
            evaluateTokenPerplexity(executor, std::vector<int64_t>(ids.begin(), ids.end()), options, progress, stop);
    } else {
        out.unit = "byte";
        out.tokens = static_cast<int64_t>(text.size());
        result = evaluateBytePerplexity(executor, text, options, progress, stop);
    }
    if (!result)
        return result.error();
    out.result = result.value();
    return out;
}

} // namespace autoglm
