#pragma once
// A Hugging Face tokenizer.json tokenizer without LibTorch or the Rust library: BPE (byte-level GPT-2 style and
// SentencePiece style with byte fallback), the normalizers, pre-tokenizers, post-processors and decoders those
// files use, and added/special tokens. What a file asks for that we do not support is an Error naming the field,
// never a silently different tokenization.

#include "pipeline/common/Result.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace autoglm {

namespace tok {
struct TokenizerData;
}

class Tokenizer {
public:
    static Result<Tokenizer> load(const std::filesystem::path& tokenizerJson);
    // Parses tokenizer.json text; `source` names it in error messages.
    static Result<Tokenizer> fromJson(const std::string& json, const std::string& source);

    // Like Hugging Face `encode(text)` (add_special_tokens=True): the post_processor's template for a single
    // sequence is applied, so a file whose template lists special tokens (e.g. a BOS) gets them; the fixtures'
    // template is only the sequence, which adds nothing. Added tokens in the text are matched as whole strings.
    // The file's truncation and padding settings are ignored: the ids always cover the whole text.
    std::vector<int32_t> encode(const std::string& text) const;
    // Like `decode(ids, skip_special_tokens=False)`: special tokens come out as their text. Unknown ids are
    // skipped. The result is the exact bytes the tokens stand for; where Hugging Face would substitute U+FFFD for
    // an incomplete UTF-8 sequence (e.g. half a character at the end of a generation) the bytes are kept.
    std::string decode(const std::vector<int32_t>& ids) const;

    // One past the largest id of the model vocabulary and the added tokens.
    int32_t vocabSize() const;
    std::optional<int32_t> tokenId(const std::string& token) const;
    // The token's text as stored in the vocabulary (byte-level tokens in their mapped form, e.g. "Ġthe").
    std::optional<std::string> tokenText(int32_t id) const;

private:
    explicit Tokenizer(std::shared_ptr<const tok::TokenizerData> data) : m_data(std::move(data)) {}

    // Shared and immutable: copies are cheap and encode/decode may run on several threads at once.
    std::shared_ptr<const tok::TokenizerData> m_data;
};

} // namespace autoglm
