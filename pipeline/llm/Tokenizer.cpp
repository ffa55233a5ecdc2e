// Encoding runs tokenizers' pipeline: cut the text at added tokens, then per remaining segment normalize,
// pre-tokenize and BPE each piece; finally the post-processor's template. Decoding runs the decoder chain.
#include "pipeline/llm/Tokenizer.h"

#include "pipeline/llm/TokenizerSteps.h"

#include <fstream>
#include <sstream>
#include <unordered_map>

namespace autoglm {

using namespace tok;

namespace {

bool isAsciiSpace(char c) {
    return c == ' ' || (c >= '\t' && c <= '\r');
}

bool isWordChar(char32_t cp) {
    const CharClass c = classify(cp);
    return cp == '_' || c == CharClass::Letter || c == CharClass::Number;
}

// The code point that ends just before byte `end`.
char32_t codePointBefore(const std::string& s, size_t end) {
    size_t begin = end - 1;
    while (begin > 0 && end - begin < 4 && (static_cast<unsigned char>(s[begin]) & 0xC0) == 0x80)
        --begin;
    char32_t cp;
    utf8Next(s, begin, cp);
    return cp;
}

// The added token whose text starts at `pos`, honouring single_word, or null.
const AddedToken* addedTokenAt(const TokenizerData& data, const std::string& text, size_t pos) {
    for (int32_t index : data.addedByFirstByte[static_cast<unsigned char>(text[pos])]) {
        const AddedToken& t = data.addedTokens[index];
        if (text.compare(pos, t.content.size(), t.content) != 0)
            continue;
        if (t.singleWord) {
            const size_t end = pos + t.content.size();
            char32_t after = 0;
            if (end < text.size())
                utf8Next(text, end, after);
            if ((pos > 0 && isWordChar(codePointBefore(text, pos))) || (after && isWordChar(after)))
                continue;
        }
        return &t;
    }
    return nullptr;
}

} // namespace

Result<Tokenizer> Tokenizer::load(const std::filesystem::path& tokenizerJson) {
    std::ifstream in(tokenizerJson, std::ios::binary);
    if (!in)
        return Error{tokenizerJson.string() + ": cannot open the file"};
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad())
        return Error{tokenizerJson.string() + ": cannot read the file"};
    return fromJson(text.str(), tokenizerJson.string());
}

Result<Tokenizer> Tokenizer::fromJson(const std::string& json, const std::string& source) {
    try {
        return Tokenizer(std::make_shared<const TokenizerData>(parseTokenizerJson(json)));
    } catch (const UnsupportedError& e) {
        return Error{source + ": " + e.what(), true};
    } catch (const AutoglmError& e) {
        return Error{source + ": " + e.what()};
    } catch (const std::exception& e) {
        // nlohmann's type errors for shapes the checks above did not anticipate.
        return Error{source + ": " + e.what()};
    }
}

std::vector<int32_t> Tokenizer::encode(const std::string& text) const {
    const TokenizerData& data = *m_data;
    std::vector<int32_t> ids;
    ids.reserve(text.size() / 3);
    // Per call rather than per Tokenizer, so that encode stays const and lock-free; a long text repeats its
    // words often enough that this still saves most of the BPE work.
    std::unordered_map<std::string, std::vector<int32_t>> cache;

    const auto encodeSegment = [&](size_t begin, size_t end) {
        if (end <= begin)
            return;
        const std::string normalized = applyNormalizers(data.normalizers, text.substr(begin, end - begin));
        for (std::string& piece : applyPreTokenizers(data.preTokenizers, normalized, begin == 0)) {
            auto [it, fresh] = cache.try_emplace(std::move(piece));
            if (fresh)
                data.model.encodeWord(it->first, it->second);
            ids.insert(ids.end(), it->second.begin(), it->second.end());
        }
    };

    // Added tokens are found in the raw text (tokenizers matches tokens with normalized=true in the normalized
    // text; with the normalizers we support that differs only for a token that a Replace would rewrite).
    size_t segmentStart = 0;
    for (size_t pos = 0; pos < text.size();) {
        const AddedToken* token = data.addedTokens.empty() ? nullptr : addedTokenAt(data, text, pos);
        if (!token) {
            ++pos;
            continue;
        }
        size_t begin = pos, end = pos + token->content.size();
        if (token->lstrip)
            while (begin > segmentStart && isAsciiSpace(text[begin - 1]))
                --begin;
        if (token->rstrip)
            while (end < text.size() && isAsciiSpace(text[end]))
                ++end;
        encodeSegment(segmentStart, begin);
        ids.push_back(token->id);
        segmentStart = pos = end;
    }
    encodeSegment(segmentStart, text.size());

    if (data.singleTemplate.empty())
        return ids;
    std::vector<int32_t> out;
    out.reserve(ids.size() + data.singleTemplate.size());
    for (const TemplatePiece& piece : data.singleTemplate)
        out.insert(out.end(), piece.isSequence ? ids.begin() : piece.ids.begin(),
                   piece.isSequence ? ids.end() : piece.ids.end());
    return out;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids) const {
    const TokenizerData& data = *m_data;
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (int32_t id : ids)
        if (id >= 0 && static_cast<size_t>(id) < data.idToToken.size() && !data.idToToken[id].empty())
            tokens.push_back(data.idToToken[id]);
    std::string out;
    if (data.decoders.empty()) {
        // tokenizers joins with spaces when the file has no decoder.
        for (size_t i = 0; i < tokens.size(); ++i)
            out += (i ? " " : "") + tokens[i];
        return out;
    }
    for (const std::string& piece : applyDecoders(data.decoders, std::move(tokens)))
        out += piece;
    return out;
}

int32_t Tokenizer::vocabSize() const {
    return static_cast<int32_t>(m_data->idToToken.size());
}

std::optional<int32_t> Tokenizer::tokenId(const std::string& token) const {
    if (auto it = m_data->addedIds.find(token); it != m_data->addedIds.end())
        return it->second;
    if (auto it = m_data->model.vocab.find(token); it != m_data->model.vocab.end())
        return it->second;
    return std::nullopt;
}

std::optional<std::string> Tokenizer::tokenText(int32_t id) const {
    if (id < 0 || static_cast<size_t>(id) >= m_data->idToToken.size() || m_data->idToToken[id].empty())
        return std::nullopt;
    return m_data->idToToken[id];
}

} // namespace autoglm
