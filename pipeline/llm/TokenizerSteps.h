#pragma once
// Internals of Tokenizer: the steps a tokenizer.json composes (normalizers, pre-tokenizers, the BPE model,
// post-processor, decoders) as plain data, and the functions that run them. Only pipeline/llm uses this header.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace autoglm::tok {

// ---- UTF-8 and character classes

// Decodes the code point at s[i] and returns its length in bytes. Malformed bytes decode as one byte each
// (code point U+FFFD) so that every byte of the input stays covered by exactly one piece.
size_t utf8Next(std::string_view s, size_t i, char32_t& cp);
void appendUtf8(std::string& out, char32_t cp);

enum class CharClass { Letter, Number, Space, Other };
// The classes of the GPT-2 split pattern: \p{L}, \p{N}, \s and the rest.
CharClass classify(char32_t cp);

// ---- pre-tokenization

// Byte ranges [first, second) of the pieces a pattern matched.
using Matches = std::vector<std::pair<size_t, size_t>>;

// tokenizers' SplitDelimiterBehavior.
enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

// Cuts `piece` at the matches and appends the non-empty results to `out`.
void splitByMatches(const std::string& piece, const Matches& matches, SplitBehavior behavior, bool invert,
                    std::vector<std::string>& out);
// Matches of `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
Matches gpt2Matches(std::string_view text);
Matches literalMatches(std::string_view text, std::string_view pattern);

// GPT-2's reversible byte-to-unicode table: each byte as the UTF-8 of its stand-in character.
const std::array<std::string, 256>& byteToUnicode();
// The byte a stand-in character encodes, or -1.
int unicodeToByte(char32_t cp);

struct NormalizerStep {
    enum class Kind { Prepend, Replace, Strip };
    Kind kind = Kind::Prepend;
    std::string text;                 // Prepend: the prefix; Replace: the pattern
    std::string replacement;          // Replace
    bool left = false, right = false; // Strip
};

enum class PrependScheme { Always, First, Never };

struct PreTokenizerStep {
    enum class Kind { ByteLevel, Split, Metaspace, WhitespaceSplit, Digits };
    Kind kind = Kind::ByteLevel;
    bool addPrefixSpace = false; // ByteLevel
    bool useRegex = true;        // ByteLevel
    std::string pattern;         // Split (literal) / Metaspace (the replacement character)
    bool gpt2Pattern = false;    // Split with the GPT-2 regex
    SplitBehavior behavior = SplitBehavior::Isolated;
    bool invert = false;
    PrependScheme prependScheme = PrependScheme::Always; // Metaspace
    bool split = true;                                   // Metaspace
    bool individualDigits = false;                       // Digits
};

std::string applyNormalizers(const std::vector<NormalizerStep>& steps, std::string text);
// `atTextStart`: the segment begins the input (Metaspace's prepend_scheme "first").
std::vector<std::string> applyPreTokenizers(const std::vector<PreTokenizerStep>& steps, std::string segment,
                                            bool atTextStart);

// ---- the BPE model

struct BpeModel {
    std::unordered_map<std::string, int32_t> vocab;
    // (left id << 32 | right id) -> (rank, merged id)
    std::unordered_map<uint64_t, std::pair<int32_t, int32_t>> merges;
    int32_t unkId = -1;
    bool fuseUnk = false;
    bool byteFallback = false;
    bool ignoreMerges = false;
    std::array<int32_t, 256> byteFallbackIds{}; // ids of <0x00>..<0xFF>, -1 where missing

    void encodeWord(const std::string& word, std::vector<int32_t>& out) const;
};

// ---- added tokens and post-processing

struct AddedToken {
    int32_t id = 0;
    std::string content;
    bool special = false;
    bool lstrip = false, rstrip = false, singleWord = false;
};

struct TemplatePiece {
    bool isSequence = true; // the input itself, otherwise special token ids
    std::vector<int32_t> ids;
};

// ---- decoders

struct DecoderStep {
    enum class Kind { ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip };
    Kind kind = Kind::ByteLevel;
    std::string pattern, content;                        // Replace; Strip's content; Metaspace's replacement
    PrependScheme prependScheme = PrependScheme::Always; // Metaspace
    int start = 0, stop = 0;                             // Strip
};

std::vector<std::string> applyDecoders(const std::vector<DecoderStep>& steps, std::vector<std::string> tokens);

struct TokenizerData {
    BpeModel model;
    std::vector<AddedToken> addedTokens;
    std::unordered_map<std::string, int32_t> addedIds;
    // Indices into addedTokens by the first byte of their text, longest first: the leftmost-longest match.
    std::array<std::vector<int32_t>, 256> addedByFirstByte;
    std::vector<std::string> idToToken;
    std::vector<NormalizerStep> normalizers;
    std::vector<PreTokenizerStep> preTokenizers;
    std::vector<TemplatePiece> singleTemplate; // empty: the sequence alone
    std::vector<DecoderStep> decoders;
};

// Throws AutoglmError / UnsupportedError naming the field; Tokenizer::fromJson turns them into an Error.
TokenizerData parseTokenizerJson(const std::string& json);

// Every occurrence of `pattern` replaced (normalizers and decoders both need it).
std::string replaceAll(const std::string& text, const std::string& pattern, const std::string& replacement);

} // namespace autoglm::tok
