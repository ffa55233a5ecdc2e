#pragma once
// A decoder language model ready to answer prompts: a Hugging Face checkpoint folder (built with the key/value
// cache) or an ONNX decoder (an exported or compressed variant, run without a cache) together with its
// tokenizer.json and, when it has one, the end-of-sequence token of its config.json. The CLI's `generate` and the
// studio's generation preview open models the same way through here.

#include "pipeline/common/Result.h"
#include "pipeline/exec/Executor.h"
#include "pipeline/llm/Tokenizer.h"

#include <filesystem>
#include <optional>

namespace autoglm {

// Where a model's parts are: for a checkpoint (its folder, its config.json or one of its .safetensors files) the
// folder's config.json and tokenizer.json; for an ONNX file the tokenizer.json and config.json beside it (the
// Runner and `autoglm compress` copy a checkpoint's tokenizer.json beside every file they export). Only paths:
// cheap enough for the GUI thread to tell a user what is missing before anything loads.
struct TextModelFiles {
    std::filesystem::path model; // the checkpoint folder or the ONNX file
    std::filesystem::path tokenizer;
    std::filesystem::path config; // optional for an ONNX file
    bool checkpoint = false;
};
TextModelFiles textModelFiles(const std::filesystem::path& given);

class TextGenerator {
public:
    // Loads and builds the model and its executor (seconds for a large checkpoint: call it on a worker).
    static Result<TextGenerator> open(const std::filesystem::path& given, const ExecutorOptions& options = {});

    const Tokenizer& tokenizer() const { return m_tokenizer; }
    const Executor& executor() const { return m_executor; }
    // From config.json; an ONNX file without one beside it has none.
    std::optional<int64_t> eosTokenId() const { return m_eos; }
    bool usesCache() const { return m_cached; }

private:
    TextGenerator(Tokenizer tokenizer, Executor executor, std::optional<int64_t> eos, bool cached);

    Tokenizer m_tokenizer;
    Executor m_executor;
    std::optional<int64_t> m_eos;
    bool m_cached = false;
};

// Turns generated tokens into text as they come. The whole output so far is decoded each time (a byte-level
// tokenizer's characters can span several tokens), and only what is new and ends on a complete UTF-8 character is
// handed out: a half character at the end waits for the token that completes it instead of showing as U+FFFD.
class TextStream {
public:
    explicit TextStream(Tokenizer tokenizer) : m_tokenizer(std::move(tokenizer)) {}

    // The text that became complete with this token (often empty in the middle of a character).
    std::string push(int64_t token);
    // What is still held back (an incomplete character at the very end), handed out as it is.
    std::string finish();
    // Everything decoded so far, including what is held back.
    const std::string& text() const { return m_text; }

private:
    Tokenizer m_tokenizer;
    std::vector<int32_t> m_ids;
    std::string m_text;
    size_t m_emitted = 0;
};

} // namespace autoglm
