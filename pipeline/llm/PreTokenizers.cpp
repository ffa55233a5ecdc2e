// Normalizers and pre-tokenizers of tokenizer.json, and the GPT-2 split pattern written out by hand over UTF-8
// code points (std::regex has no \p{L} / \p{N}).
#include "pipeline/llm/TokenizerSteps.h"

#include <algorithm>

namespace autoglm::tok {

size_t utf8Next(std::string_view s, size_t i, char32_t& cp) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    }
    size_t len = 0;
    char32_t value = 0;
    if ((b0 & 0xE0) == 0xC0) {
        len = 2;
        value = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3;
        value = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4;
        value = b0 & 0x07;
    } else {
        cp = 0xFFFD;
        return 1;
    }
    if (i + len > s.size()) {
        cp = 0xFFFD;
        return 1;
    }
    for (size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80) {
            cp = 0xFFFD;
            return 1;
        }
        value = (value << 6) | (b & 0x3F);
    }
    cp = value;
    return len;
}

void appendUtf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

namespace {

struct ClassRange {
    char32_t first, last;
    CharClass cls;
};

// Outside ASCII we carry no Unicode database: this table lists the whitespace (Unicode White_Space), the
// decimal digits and number forms of the common scripts, and the blocks of punctuation, symbols, combining marks,
// controls and emoji. Every other code point counts as a letter. That is exact for Latin, Greek, Cyrillic, CJK,
// kana and hangul text; rarer cases (marks inside some Indic blocks, digits of scripts not listed, the letters
// among the letterlike symbols) may split differently from the real \p{L}/\p{N} classes.
constexpr ClassRange kRanges[] = {
    {0x80, 0x84, CharClass::Other},       {0x85, 0x85, CharClass::Space},        {0x86, 0x9F, CharClass::Other},
    {0xA0, 0xA0, CharClass::Space},       {0xA1, 0xA9, CharClass::Other},        {0xAB, 0xB1, CharClass::Other},
    {0xB2, 0xB3, CharClass::Number},      {0xB4, 0xB4, CharClass::Other},        {0xB6, 0xB8, CharClass::Other},
    {0xB9, 0xB9, CharClass::Number},      {0xBB, 0xBB, CharClass::Other},        {0xBC, 0xBE, CharClass::Number},
    {0xBF, 0xBF, CharClass::Other},       {0xD7, 0xD7, CharClass::Other},        {0xF7, 0xF7, CharClass::Other},
    {0x300, 0x36F, CharClass::Other},     {0x37E, 0x37E, CharClass::Other},      {0x387, 0x387, CharClass::Other},
    {0x483, 0x489, CharClass::Other},     {0x55A, 0x55F, CharClass::Other},      {0x589, 0x58A, CharClass::Other},
    {0x591, 0x5C7, CharClass::Other},     {0x600, 0x61F, CharClass::Other},      {0x64B, 0x65F, CharClass::Other},
    {0x660, 0x669, CharClass::Number},    {0x66A, 0x66D, CharClass::Other},      {0x6D4, 0x6D4, CharClass::Other},
    {0x6F0, 0x6F9, CharClass::Number},    {0x7C0, 0x7C9, CharClass::Number},     {0x900, 0x903, CharClass::Other},
    {0x93A, 0x93C, CharClass::Other},     {0x93E, 0x94F, CharClass::Other},      {0x951, 0x957, CharClass::Other},
    {0x962, 0x965, CharClass::Other},     {0x966, 0x96F, CharClass::Number},     {0x970, 0x970, CharClass::Other},
    {0x9E6, 0x9EF, CharClass::Number},    {0xA66, 0xA6F, CharClass::Number},     {0xAE6, 0xAEF, CharClass::Number},
    {0xB66, 0xB6F, CharClass::Number},    {0xBE6, 0xBF2, CharClass::Number},     {0xC66, 0xC6F, CharClass::Number},
    {0xCE6, 0xCEF, CharClass::Number},    {0xD66, 0xD78, CharClass::Number},     {0xE31, 0xE31, CharClass::Other},
    {0xE34, 0xE3A, CharClass::Other},     {0xE3F, 0xE3F, CharClass::Other},      {0xE47, 0xE4F, CharClass::Other},
    {0xE50, 0xE59, CharClass::Number},    {0xE5A, 0xE5B, CharClass::Other},      {0xED0, 0xED9, CharClass::Number},
    {0xF20, 0xF33, CharClass::Number},    {0x1040, 0x1049, CharClass::Number},   {0x1680, 0x1680, CharClass::Space},
    {0x17E0, 0x17E9, CharClass::Number},  {0x1810, 0x1819, CharClass::Number},   {0x1AB0, 0x1AFF, CharClass::Other},
    {0x1DC0, 0x1DFF, CharClass::Other},   {0x2000, 0x200A, CharClass::Space},    {0x200B, 0x2027, CharClass::Other},
    {0x2028, 0x2029, CharClass::Space},   {0x202A, 0x202E, CharClass::Other},    {0x202F, 0x202F, CharClass::Space},
    {0x2030, 0x205E, CharClass::Other},   {0x205F, 0x205F, CharClass::Space},    {0x2060, 0x206F, CharClass::Other},
    {0x2070, 0x2070, CharClass::Number},  {0x2074, 0x2079, CharClass::Number},   {0x207A, 0x207E, CharClass::Other},
    {0x2080, 0x2089, CharClass::Number},  {0x208A, 0x208E, CharClass::Other},    {0x20A0, 0x20FF, CharClass::Other},
    {0x2100, 0x214F, CharClass::Other},   {0x2150, 0x2182, CharClass::Number},   {0x2185, 0x2189, CharClass::Number},
    {0x218A, 0x245F, CharClass::Other},   {0x2460, 0x249B, CharClass::Number},   {0x249C, 0x24E9, CharClass::Other},
    {0x24EA, 0x24FF, CharClass::Number},  {0x2500, 0x2775, CharClass::Other},    {0x2776, 0x2793, CharClass::Number},
    {0x2794, 0x2BFF, CharClass::Other},   {0x2CFD, 0x2CFD, CharClass::Number},   {0x2E00, 0x2E7F, CharClass::Other},
    {0x2E80, 0x2FFF, CharClass::Other},   {0x3000, 0x3000, CharClass::Space},    {0x3001, 0x3004, CharClass::Other},
    {0x3007, 0x3007, CharClass::Number},  {0x3008, 0x3020, CharClass::Other},    {0x3021, 0x3029, CharClass::Number},
    {0x302A, 0x3030, CharClass::Other},   {0x3036, 0x3037, CharClass::Other},    {0x3038, 0x303A, CharClass::Number},
    {0x303D, 0x303F, CharClass::Other},   {0x3099, 0x309C, CharClass::Other},    {0x30A0, 0x30A0, CharClass::Other},
    {0x30FB, 0x30FB, CharClass::Other},   {0x3190, 0x3191, CharClass::Other},    {0x3192, 0x3195, CharClass::Number},
    {0x3196, 0x319F, CharClass::Other},   {0x31C0, 0x31EF, CharClass::Other},    {0x3200, 0x321E, CharClass::Other},
    {0x3220, 0x3229, CharClass::Number},  {0x322A, 0x3247, CharClass::Other},    {0x3248, 0x324F, CharClass::Number},
    {0x3250, 0x3250, CharClass::Other},   {0x3251, 0x325F, CharClass::Number},   {0x3260, 0x327F, CharClass::Other},
    {0x3280, 0x3289, CharClass::Number},  {0x328A, 0x32B0, CharClass::Other},    {0x32B1, 0x32BF, CharClass::Number},
    {0x32C0, 0x33FF, CharClass::Other},   {0x4DC0, 0x4DFF, CharClass::Other},    {0xA490, 0xA4CF, CharClass::Other},
    {0xA700, 0xA716, CharClass::Other},   {0xD800, 0xF8FF, CharClass::Other},    {0xFB29, 0xFB29, CharClass::Other},
    {0xFD3E, 0xFD3F, CharClass::Other},   {0xFE00, 0xFE19, CharClass::Other},    {0xFE20, 0xFE6F, CharClass::Other},
    {0xFEFF, 0xFEFF, CharClass::Other},   {0xFF01, 0xFF0F, CharClass::Other},    {0xFF10, 0xFF19, CharClass::Number},
    {0xFF1A, 0xFF20, CharClass::Other},   {0xFF3B, 0xFF40, CharClass::Other},    {0xFF5B, 0xFF65, CharClass::Other},
    {0xFFE0, 0xFFFF, CharClass::Other},   {0x1D100, 0x1D24F, CharClass::Other},  {0x1D7CE, 0x1D7FF, CharClass::Number},
    {0x1F000, 0x1F0FF, CharClass::Other}, {0x1F100, 0x1F10C, CharClass::Number}, {0x1F10D, 0x1FAFF, CharClass::Other},
    {0xE0000, 0xE01EF, CharClass::Other}, {0xF0000, 0x10FFFF, CharClass::Other},
};

bool isAsciiSpace(char32_t cp) {
    return cp == ' ' || (cp >= 0x09 && cp <= 0x0D);
}

} // namespace

CharClass classify(char32_t cp) {
    if (cp < 0x80) {
        if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'))
            return CharClass::Letter;
        if (cp >= '0' && cp <= '9')
            return CharClass::Number;
        return isAsciiSpace(cp) ? CharClass::Space : CharClass::Other;
    }
    const auto* end = std::end(kRanges);
    const auto* it =
        std::upper_bound(std::begin(kRanges), end, cp, [](char32_t c, const ClassRange& r) { return c < r.first; });
    if (it != std::begin(kRanges) && cp <= (it - 1)->last)
        return (it - 1)->cls;
    return CharClass::Letter;
}

Matches gpt2Matches(std::string_view text) {
    // Code points with their byte offsets, so the pattern can look one character ahead.
    std::vector<char32_t> cps;
    std::vector<size_t> offsets;
    for (size_t i = 0; i < text.size();) {
        char32_t cp;
        const size_t len = utf8Next(text, i, cp);
        cps.push_back(cp);
        offsets.push_back(i);
        i += len;
    }
    offsets.push_back(text.size());
    const size_t n = cps.size();
    Matches out;
    size_t i = 0;
    while (i < n) {
        size_t end = i + 1;
        const char32_t c = cps[i];
        const auto at = [&](size_t k) { return k < n ? cps[k] : char32_t(0); };
        if (c == '\'' && (at(i + 1) == 's' || at(i + 1) == 't' || at(i + 1) == 'm' || at(i + 1) == 'd')) {
            end = i + 2;
        } else if (c == '\'' && ((at(i + 1) == 'r' && at(i + 2) == 'e') || (at(i + 1) == 'v' && at(i + 2) == 'e') ||
                                 (at(i + 1) == 'l' && at(i + 2) == 'l'))) {
            end = i + 3;
        } else {
            // " ?\p{L}+", " ?\p{N}+" and " ?[^\s\p{L}\p{N}]+": one optional space, then a run of one class.
            size_t start = i;
            if (c == ' ' && i + 1 < n && classify(cps[i + 1]) != CharClass::Space)
                start = i + 1;
            const CharClass cls = classify(cps[start]);
            if (cls != CharClass::Space) {
                end = start + 1;
                while (end < n && classify(cps[end]) == cls)
                    ++end;
            } else {
                // "\s+(?!\S)" leaves the last space of a run that precedes a word to that word; a single space
                // before a word falls through to "\s+".
                end = i + 1;
                while (end < n && classify(cps[end]) == CharClass::Space)
                    ++end;
                if (end < n && end - i > 1)
                    --end;
            }
        }
        out.emplace_back(offsets[i], offsets[end]);
        i = end;
    }
    return out;
}

Matches literalMatches(std::string_view text, std::string_view pattern) {
    Matches out;
    if (pattern.empty())
        return out;
    for (size_t pos = text.find(pattern); pos != std::string_view::npos; pos = text.find(pattern, pos)) {
        out.emplace_back(pos, pos + pattern.size());
        pos += pattern.size();
    }
    return out;
}

void splitByMatches(const std::string& piece, const Matches& matches, SplitBehavior behavior, bool invert,
                    std::vector<std::string>& out) {
    struct Span {
        size_t begin, end;
        bool match;
    };
    std::vector<Span> spans;
    size_t pos = 0;
    for (const auto& [b, e] : matches) {
        if (b > pos)
            spans.push_back({pos, b, invert});
        spans.push_back({b, e, !invert});
        pos = e;
    }
    if (pos < piece.size())
        spans.push_back({pos, piece.size(), invert});

    // The merge rules of tokenizers' NormalizedString::split.
    std::vector<std::pair<size_t, size_t>> parts;
    bool previousMatch = false;
    switch (behavior) {
    case SplitBehavior::Removed:
        for (const Span& s : spans)
            if (!s.match)
                parts.emplace_back(s.begin, s.end);
        break;
    case SplitBehavior::Isolated:
        for (const Span& s : spans)
            parts.emplace_back(s.begin, s.end);
        break;
    case SplitBehavior::MergedWithPrevious:
        for (const Span& s : spans) {
            if (s.match && !previousMatch && !parts.empty())
                parts.back().second = s.end;
            else
                parts.emplace_back(s.begin, s.end);
            previousMatch = s.match;
        }
        break;
    case SplitBehavior::MergedWithNext:
        for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
            if (it->match && !previousMatch && !parts.empty())
                parts.back().first = it->begin;
            else
                parts.emplace_back(it->begin, it->end);
            previousMatch = it->match;
        }
        std::reverse(parts.begin(), parts.end());
        break;
    case SplitBehavior::Contiguous:
        for (const Span& s : spans) {
            if (s.match == previousMatch && !parts.empty())
                parts.back().second = s.end;
            else
                parts.emplace_back(s.begin, s.end);
            previousMatch = s.match;
        }
        break;
    }
    for (const auto& [b, e] : parts)
        if (e > b)
            out.push_back(piece.substr(b, e - b));
}

const std::array<std::string, 256>& byteToUnicode() {
    static const std::array<std::string, 256> table = [] {
        std::array<std::string, 256> t;
        // Printable Latin-1 bytes stand for themselves; the rest move to U+0100 and up, in byte order.
        char32_t next = 256;
        for (int b = 0; b < 256; ++b) {
            const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            appendUtf8(t[b], printable ? char32_t(b) : next++);
        }
        return t;
    }();
    return table;
}

int unicodeToByte(char32_t cp) {
    static const std::array<int16_t, 324> table = [] {
        std::array<int16_t, 324> t;
        t.fill(-1);
        const auto& forward = byteToUnicode();
        for (int b = 0; b < 256; ++b) {
            char32_t c;
            utf8Next(forward[b], 0, c);
            t[c] = static_cast<int16_t>(b);
        }
        return t;
    }();
    return cp < table.size() ? table[cp] : -1;
}

namespace {

Matches classMatches(std::string_view text, CharClass cls) {
    Matches out;
    for (size_t i = 0; i < text.size();) {
        char32_t cp;
        const size_t len = utf8Next(text, i, cp);
        if (classify(cp) == cls)
            out.emplace_back(i, i + len);
        i += len;
    }
    return out;
}

std::string toByteLevel(const std::string& piece) {
    const auto& table = byteToUnicode();
    std::string out;
    out.reserve(piece.size() * 2);
    for (unsigned char b : piece)
        out += table[b];
    return out;
}

} // namespace

std::string applyNormalizers(const std::vector<NormalizerStep>& steps, std::string text) {
    for (const NormalizerStep& step : steps) {
        switch (step.kind) {
        case NormalizerStep::Kind::Prepend:
            if (!text.empty())
                text = step.text + text;
            break;
        case NormalizerStep::Kind::Replace:
            text = replaceAll(text, step.text, step.replacement);
            break;
        case NormalizerStep::Kind::Strip: {
            const Matches spaces = classMatches(text, CharClass::Space);
            size_t begin = 0, end = text.size();
            if (step.left)
                for (auto it = spaces.begin(); it != spaces.end() && it->first == begin; ++it)
                    begin = it->second;
            if (step.right)
                for (auto it = spaces.rbegin(); it != spaces.rend() && it->second == end && it->first >= begin; ++it)
                    end = it->first;
            text = text.substr(begin, end - begin);
            break;
        }
        }
    }
    return text;
}

std::vector<std::string> applyPreTokenizers(const std::vector<PreTokenizerStep>& steps, std::string segment,
                                            bool atTextStart) {
    std::vector<std::string> pieces;
    if (segment.empty())
        return pieces;
    pieces.push_back(std::move(segment));
    for (const PreTokenizerStep& step : steps) {
        std::vector<std::string> next;
        next.reserve(pieces.size());
        for (size_t p = 0; p < pieces.size(); ++p) {
            std::string& piece = pieces[p];
            switch (step.kind) {
            case PreTokenizerStep::Kind::ByteLevel: {
                if (step.addPrefixSpace && piece[0] != ' ')
                    piece.insert(piece.begin(), ' ');
                std::vector<std::string> parts;
                if (step.useRegex)
                    splitByMatches(piece, gpt2Matches(piece), SplitBehavior::Isolated, false, parts);
                else
                    parts.push_back(std::move(piece));
                for (const std::string& part : parts)
                    next.push_back(toByteLevel(part));
                break;
            }
            case PreTokenizerStep::Kind::Split:
                splitByMatches(piece, step.gpt2Pattern ? gpt2Matches(piece) : literalMatches(piece, step.pattern),
                               step.behavior, step.invert, next);
                break;
            case PreTokenizerStep::Kind::Metaspace: {
                piece = replaceAll(piece, " ", step.pattern);
                const bool prepend = step.prependScheme == PrependScheme::Always ||
                                     (step.prependScheme == PrependScheme::First && atTextStart && p == 0);
                if (prepend && piece.compare(0, step.pattern.size(), step.pattern) != 0)
                    piece = step.pattern + piece;
                if (step.split)
                    splitByMatches(piece, literalMatches(piece, step.pattern), SplitBehavior::MergedWithNext, false,
                                   next);
                else
                    next.push_back(std::move(piece));
                break;
            }
            case PreTokenizerStep::Kind::WhitespaceSplit:
                splitByMatches(piece, classMatches(piece, CharClass::Space), SplitBehavior::Removed, false, next);
                break;
            case PreTokenizerStep::Kind::Digits:
                splitByMatches(piece, classMatches(piece, CharClass::Number),
                               step.individualDigits ? SplitBehavior::Isolated : SplitBehavior::Contiguous, false,
                               next);
                break;
            }
        }
        pieces = std::move(next);
    }
    return pieces;
}

} // namespace autoglm::tok
