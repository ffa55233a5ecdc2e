// The decoders of tokenizer.json, each a pass over the token strings like tokenizers' decode_chain. Strings here
// are bytes: a byte-level or byte-fallback token may hold part of a UTF-8 character.
#include "pipeline/llm/TokenizerSteps.h"

namespace autoglm::tok {

namespace {

std::vector<std::string> byteLevelDecode(const std::vector<std::string>& tokens) {
    std::string out;
    for (const std::string& token : tokens) {
        std::string bytes;
        bool mapped = true;
        for (size_t i = 0; i < token.size() && mapped;) {
            char32_t cp;
            i += utf8Next(token, i, cp);
            const int b = unicodeToByte(cp);
            mapped = b >= 0;
            bytes += static_cast<char>(b);
        }
        // A token outside the byte alphabet (an added token such as "<|endoftext|>" with a space in it) stays as
        // written, as in tokenizers.
        out += mapped ? bytes : token;
    }
    return {out};
}

// "<0xNN>" -> NN, or -1.
int fallbackByte(const std::string& token) {
    if (token.size() != 6 || token.compare(0, 3, "<0x") != 0 || token[5] != '>')
        return -1;
    int value = 0;
    for (int k = 3; k < 5; ++k) {
        const char c = token[k];
        const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (digit < 0)
            return -1;
        value = value * 16 + digit;
    }
    return value;
}

std::vector<std::string> byteFallbackDecode(const std::vector<std::string>& tokens) {
    std::vector<std::string> out;
    bool inBytes = false;
    for (const std::string& token : tokens) {
        const int b = fallbackByte(token);
        if (b < 0) {
            out.push_back(token);
            inBytes = false;
        } else {
            if (!inBytes)
                out.emplace_back();
            out.back() += static_cast<char>(b);
            inBytes = true;
        }
    }
    return out;
}

std::string strip(const std::string& token, const std::string& content, int start, int stop) {
    if (content.empty())
        return token;
    size_t begin = 0, end = token.size();
    for (int k = 0; k < start && token.compare(begin, content.size(), content) == 0; ++k)
        begin += content.size();
    for (int k = 0;
         k < stop && end >= begin + content.size() && token.compare(end - content.size(), content.size(), content) == 0;
         ++k)
        end -= content.size();
    return token.substr(begin, end - begin);
}

} // namespace

std::vector<std::string> applyDecoders(const std::vector<DecoderStep>& steps, std::vector<std::string> tokens) {
    for (const DecoderStep& step : steps) {
        switch (step.kind) {
        case DecoderStep::Kind::ByteLevel:
            tokens = byteLevelDecode(tokens);
            break;
        case DecoderStep::Kind::ByteFallback:
            tokens = byteFallbackDecode(tokens);
            break;
        case DecoderStep::Kind::Replace:
            for (std::string& token : tokens)
                token = replaceAll(token, step.pattern, step.content);
            break;
        case DecoderStep::Kind::Metaspace:
            // As tokenizers does it: in the first token the replacement character is dropped (it stood for the
            // prepended space), everywhere else it is a space.
            for (size_t i = 0; i < tokens.size(); ++i)
                tokens[i] = replaceAll(tokens[i], step.content,
                                       i == 0 && step.prependScheme != PrependScheme::Never ? "" : " ");
            break;
        case DecoderStep::Kind::Fuse: {
            std::string all;
            for (const std::string& token : tokens)
                all += token;
            tokens = {all};
            break;
        }
        case DecoderStep::Kind::Strip:
            for (std::string& token : tokens)
                token = strip(token, step.content, step.start, step.stop);
            break;
        }
    }
    return tokens;
}

std::string replaceAll(const std::string& text, const std::string& pattern, const std::string& replacement) {
    if (pattern.empty())
        return text;
    std::string out;
    size_t pos = 0;
    for (size_t hit = text.find(pattern); hit != std::string::npos; hit = text.find(pattern, pos)) {
        out.append(text, pos, hit - pos);
        out += replacement;
        pos = hit + pattern.size();
    }
    out.append(text, pos, std::string::npos);
    return out;
}

} // namespace autoglm::tok
