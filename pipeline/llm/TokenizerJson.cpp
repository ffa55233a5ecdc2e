// Reading tokenizer.json into TokenizerData. Every field we read is checked, and every component type we do not
// implement is refused by name, so an unsupported file fails at load instead of tokenizing differently.
#include "pipeline/common/Result.h"
#include "pipeline/llm/TokenizerSteps.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>

namespace autoglm::tok {

namespace {

using Json = nlohmann::json;

const char* const kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

[[noreturn]] void fail(const std::string& message) {
    throw AutoglmError(message);
}

[[noreturn]] void unsupported(const std::string& field, const std::string& value, const std::string& what) {
    throw UnsupportedError(field + " '" + value + "' is not supported" + (what.empty() ? "" : " (" + what + ")"));
}

const Json* find(const Json& obj, const char* key) {
    auto it = obj.find(key);
    return it == obj.end() || it->is_null() ? nullptr : &*it;
}

const Json& require(const Json& obj, const char* key, const std::string& path) {
    const Json* j = find(obj, key);
    if (!j)
        fail(path + "." + key + " is missing");
    return *j;
}

std::string getString(const Json& j, const std::string& path) {
    if (!j.is_string())
        fail(path + " must be a string");
    return j.get<std::string>();
}

std::string stringOr(const Json& obj, const char* key, const std::string& fallback, const std::string& path) {
    const Json* j = find(obj, key);
    return j ? getString(*j, path + "." + key) : fallback;
}

bool boolOr(const Json& obj, const char* key, bool fallback, const std::string& path) {
    const Json* j = find(obj, key);
    if (!j)
        return fallback;
    if (!j->is_boolean())
        fail(path + "." + key + " must be true or false");
    return j->get<bool>();
}

int64_t getInt(const Json& j, const std::string& path) {
    if (!j.is_number_integer())
        fail(path + " must be an integer");
    return j.get<int64_t>();
}

int32_t getId(const Json& j, const std::string& path) {
    const int64_t id = getInt(j, path);
    if (id < 0 || id > INT32_MAX)
        fail(path + " must be a token id, not " + std::to_string(id));
    return static_cast<int32_t>(id);
}

const Json& array(const Json& obj, const char* key, const std::string& path) {
    const Json& j = require(obj, key, path);
    if (!j.is_array())
        fail(path + "." + key + " must be an array");
    return j;
}

std::string typeOf(const Json& obj, const std::string& path) {
    if (!obj.is_object())
        fail(path + " must be an object");
    return getString(require(obj, "type", path), path + ".type");
}

// A Split/Replace pattern: {"String": "..."} or {"Regex": "..."}. Returns the text and whether it is a regex.
std::pair<std::string, bool> pattern(const Json& obj, const std::string& path) {
    const Json& p = require(obj, "pattern", path);
    if (const Json* s = p.is_object() ? find(p, "String") : nullptr)
        return {getString(*s, path + ".pattern.String"), false};
    if (const Json* r = p.is_object() ? find(p, "Regex") : nullptr)
        return {getString(*r, path + ".pattern.Regex"), true};
    fail(path + ".pattern must be {\"String\": ...} or {\"Regex\": ...}");
}

PrependScheme prependScheme(const Json& obj, const std::string& path) {
    if (const Json* s = find(obj, "prepend_scheme")) {
        const std::string v = getString(*s, path + ".prepend_scheme");
        if (v == "always")
            return PrependScheme::Always;
        if (v == "first")
            return PrependScheme::First;
        if (v == "never")
            return PrependScheme::Never;
        unsupported(path + ".prepend_scheme", v, "expected always, first or never");
    }
    // Files from before prepend_scheme existed say add_prefix_space.
    return boolOr(obj, "add_prefix_space", true, path) ? PrependScheme::Always : PrependScheme::Never;
}

std::string metaspaceReplacement(const Json& obj, const std::string& path) {
    const std::string r = stringOr(obj, "replacement", "\xE2\x96\x81", path);
    char32_t cp;
    if (r.empty() || utf8Next(r, 0, cp) != r.size())
        fail(path + ".replacement must be one character");
    return r;
}

void parseNormalizer(const Json& obj, const std::string& path, std::vector<NormalizerStep>& out) {
    const std::string type = typeOf(obj, path);
    NormalizerStep step;
    if (type == "Sequence") {
        const Json& list = array(obj, "normalizers", path);
        for (size_t i = 0; i < list.size(); ++i)
            parseNormalizer(list[i], path + ".normalizers[" + std::to_string(i) + "]", out);
        return;
    }
    if (type == "Prepend") {
        step.kind = NormalizerStep::Kind::Prepend;
        step.text = getString(require(obj, "prepend", path), path + ".prepend");
    } else if (type == "Replace") {
        const auto [text, regex] = pattern(obj, path);
        if (regex)
            unsupported(path + ".pattern.Regex", text, "only String patterns");
        step.kind = NormalizerStep::Kind::Replace;
        step.text = text;
        step.replacement = getString(require(obj, "content", path), path + ".content");
    } else if (type == "Strip") {
        step.kind = NormalizerStep::Kind::Strip;
        step.left = boolOr(obj, "strip_left", true, path);
        step.right = boolOr(obj, "strip_right", true, path);
    } else {
        unsupported(path + ".type", type, "supported: Sequence, Prepend, Replace, Strip");
    }
    out.push_back(step);
}

SplitBehavior splitBehavior(const Json& obj, const std::string& path) {
    const std::string b = getString(require(obj, "behavior", path), path + ".behavior");
    if (b == "Removed")
        return SplitBehavior::Removed;
    if (b == "Isolated")
        return SplitBehavior::Isolated;
    if (b == "MergedWithPrevious")
        return SplitBehavior::MergedWithPrevious;
    if (b == "MergedWithNext")
        return SplitBehavior::MergedWithNext;
    if (b == "Contiguous")
        return SplitBehavior::Contiguous;
    unsupported(path + ".behavior", b, "");
}

void parsePreTokenizer(const Json& obj, const std::string& path, std::vector<PreTokenizerStep>& out) {
    const std::string type = typeOf(obj, path);
    PreTokenizerStep step;
    if (type == "Sequence") {
        const Json& list = array(obj, "pretokenizers", path);
        for (size_t i = 0; i < list.size(); ++i)
            parsePreTokenizer(list[i], path + ".pretokenizers[" + std::to_string(i) + "]", out);
        return;
    }
    if (type == "ByteLevel") {
        step.kind = PreTokenizerStep::Kind::ByteLevel;
        step.addPrefixSpace = boolOr(obj, "add_prefix_space", true, path);
        step.useRegex = boolOr(obj, "use_regex", true, path);
    } else if (type == "Split") {
        step.kind = PreTokenizerStep::Kind::Split;
        const auto [text, regex] = pattern(obj, path);
        // The only regex we run is GPT-2's, written out by hand; any other would need a Unicode regex engine.
        if (regex && text != kGpt2Pattern)
            unsupported(path + ".pattern.Regex", text, "only the GPT-2 pattern");
        step.gpt2Pattern = regex;
        step.pattern = text;
        step.behavior = splitBehavior(obj, path);
        step.invert = boolOr(obj, "invert", false, path);
    } else if (type == "Metaspace") {
        step.kind = PreTokenizerStep::Kind::Metaspace;
        step.pattern = metaspaceReplacement(obj, path);
        step.prependScheme = prependScheme(obj, path);
        step.split = boolOr(obj, "split", true, path);
    } else if (type == "WhitespaceSplit") {
        step.kind = PreTokenizerStep::Kind::WhitespaceSplit;
    } else if (type == "Digits") {
        step.kind = PreTokenizerStep::Kind::Digits;
        step.individualDigits = boolOr(obj, "individual_digits", false, path);
    } else {
        unsupported(path + ".type", type, "supported: Sequence, ByteLevel, Split, Metaspace, WhitespaceSplit, Digits");
    }
    out.push_back(step);
}

void parseDecoder(const Json& obj, const std::string& path, std::vector<DecoderStep>& out) {
    const std::string type = typeOf(obj, path);
    DecoderStep step;
    if (type == "Sequence") {
        const Json& list = array(obj, "decoders", path);
        for (size_t i = 0; i < list.size(); ++i)
            parseDecoder(list[i], path + ".decoders[" + std::to_string(i) + "]", out);
        return;
    }
    if (type == "ByteLevel") {
        step.kind = DecoderStep::Kind::ByteLevel;
    } else if (type == "Metaspace") {
        step.kind = DecoderStep::Kind::Metaspace;
        step.content = metaspaceReplacement(obj, path);
        step.prependScheme = prependScheme(obj, path);
    } else if (type == "Replace") {
        step.kind = DecoderStep::Kind::Replace;
        const auto [text, regex] = pattern(obj, path);
        if (regex)
            unsupported(path + ".pattern.Regex", text, "only String patterns");
        step.pattern = text;
        step.content = getString(require(obj, "content", path), path + ".content");
    } else if (type == "ByteFallback") {
        step.kind = DecoderStep::Kind::ByteFallback;
    } else if (type == "Fuse") {
        step.kind = DecoderStep::Kind::Fuse;
    } else if (type == "Strip") {
        step.kind = DecoderStep::Kind::Strip;
        step.content = getString(require(obj, "content", path), path + ".content");
        step.start = static_cast<int>(getInt(require(obj, "start", path), path + ".start"));
        step.stop = static_cast<int>(getInt(require(obj, "stop", path), path + ".stop"));
    } else {
        unsupported(path + ".type", type,
                    "supported: Sequence, ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip");
    }
    out.push_back(step);
}

// The special tokens a post-processor puts around a single sequence.
void parsePostProcessor(const Json& obj, const std::string& path, std::vector<TemplatePiece>& out) {
    const std::string type = typeOf(obj, path);
    if (type == "ByteLevel")
        return; // only adjusts offsets
    if (!out.empty())
        fail(path + ": more than one post-processor adds special tokens");
    if (type == "Sequence") {
        const Json& list = array(obj, "processors", path);
        for (size_t i = 0; i < list.size(); ++i)
            parsePostProcessor(list[i], path + ".processors[" + std::to_string(i) + "]", out);
    } else if (type == "TemplateProcessing") {
        const Json& single = array(obj, "single", path);
        const Json* specials = find(obj, "special_tokens");
        for (size_t i = 0; i < single.size(); ++i) {
            const std::string at = path + ".single[" + std::to_string(i) + "]";
            if (single[i].is_object() && find(single[i], "Sequence")) {
                out.push_back({true, {}});
            } else if (const Json* s = single[i].is_object() ? find(single[i], "SpecialToken") : nullptr) {
                const std::string name = getString(require(*s, "id", at + ".SpecialToken"), at + ".SpecialToken.id");
                const Json* entry = specials && specials->is_object() ? find(*specials, name.c_str()) : nullptr;
                if (!entry)
                    fail(at + ": special token '" + name + "' is not in " + path + ".special_tokens");
                TemplatePiece piece{false, {}};
                const std::string idsPath = path + ".special_tokens." + name + ".ids";
                for (const Json& id : array(*entry, "ids", path + ".special_tokens." + name))
                    piece.ids.push_back(getId(id, idsPath));
                out.push_back(std::move(piece));
            } else {
                fail(at + " must be {\"Sequence\": ...} or {\"SpecialToken\": ...}");
            }
        }
    } else if (type == "RobertaProcessing" || type == "BertProcessing") {
        const auto special = [&](const char* key) {
            const Json& pair = array(obj, key, path);
            if (pair.size() != 2)
                fail(path + "." + key + " must be [token, id]");
            return TemplatePiece{false, {getId(pair[1], path + "." + key + "[1]")}};
        };
        out = {special("cls"), TemplatePiece{true, {}}, special("sep")};
    } else {
        unsupported(path + ".type", type,
                    "supported: TemplateProcessing, ByteLevel, RobertaProcessing, BertProcessing, Sequence");
    }
}

std::pair<std::string, std::string> mergePair(const Json& m, const std::string& path) {
    if (m.is_string()) {
        const std::string s = m.get<std::string>();
        const size_t space = s.find(' ');
        if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos)
            fail(path + " must be two tokens separated by one space, not '" + s + "'");
        return {s.substr(0, space), s.substr(space + 1)};
    }
    if (m.is_array() && m.size() == 2)
        return {getString(m[0], path + "[0]"), getString(m[1], path + "[1]")};
    fail(path + " must be \"a b\" or [\"a\", \"b\"]");
}

void parseBpe(const Json& obj, BpeModel& model) {
    const std::string path = "model";
    if (!obj.is_object())
        fail("model must be an object");
    // Files written before the model was tagged have no type; merges make them BPE.
    const std::string type = find(obj, "type") ? typeOf(obj, path) : (find(obj, "merges") ? "BPE" : "");
    if (type != "BPE")
        unsupported("model.type", type, "only BPE");
    if (const Json* d = find(obj, "dropout"); d && (!d->is_number() || d->get<double>() != 0.0))
        unsupported("model.dropout", d->dump(), "dropout makes encoding random");
    for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"})
        if (const std::string v = stringOr(obj, key, "", path); !v.empty())
            unsupported(path + "." + key, v, "");

    const Json& vocab = require(obj, "vocab", path);
    if (!vocab.is_object())
        fail("model.vocab must be an object of token: id");
    model.vocab.reserve(vocab.size());
    for (auto it = vocab.begin(); it != vocab.end(); ++it)
        model.vocab[it.key()] = getId(it.value(), "model.vocab['" + it.key() + "']");

    const auto idOf = [&](const std::string& token, const std::string& at) {
        auto it = model.vocab.find(token);
        if (it == model.vocab.end())
            fail(at + ": '" + token + "' is not in model.vocab");
        return it->second;
    };
    const Json& merges = array(obj, "merges", path);
    model.merges.reserve(merges.size());
    for (size_t rank = 0; rank < merges.size(); ++rank) {
        const std::string at = "model.merges[" + std::to_string(rank) + "]";
        const auto [a, b] = mergePair(merges[rank], at);
        const uint64_t key =
            (static_cast<uint64_t>(static_cast<uint32_t>(idOf(a, at))) << 32) | static_cast<uint32_t>(idOf(b, at));
        model.merges[key] = {static_cast<int32_t>(rank), idOf(a + b, at)};
    }

    if (const std::string unk = stringOr(obj, "unk_token", "", path); !unk.empty())
        model.unkId = idOf(unk, "model.unk_token");
    model.fuseUnk = boolOr(obj, "fuse_unk", false, path);
    model.byteFallback = boolOr(obj, "byte_fallback", false, path);
    model.ignoreMerges = boolOr(obj, "ignore_merges", false, path);
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        auto it = model.vocab.find(name);
        model.byteFallbackIds[b] = it == model.vocab.end() ? -1 : it->second;
    }
}

void parseAddedTokens(const Json& list, TokenizerData& data) {
    if (!list.is_array())
        fail("added_tokens must be an array");
    for (size_t i = 0; i < list.size(); ++i) {
        const std::string at = "added_tokens[" + std::to_string(i) + "]";
        const Json& t = list[i];
        if (!t.is_object())
            fail(at + " must be an object");
        AddedToken token;
        token.id = getId(require(t, "id", at), at + ".id");
        token.content = getString(require(t, "content", at), at + ".content");
        if (token.content.empty())
            fail(at + ".content is empty");
        token.special = boolOr(t, "special", false, at);
        token.lstrip = boolOr(t, "lstrip", false, at);
        token.rstrip = boolOr(t, "rstrip", false, at);
        token.singleWord = boolOr(t, "single_word", false, at);
        data.addedIds[token.content] = token.id;
        data.addedTokens.push_back(std::move(token));
    }
    for (size_t i = 0; i < data.addedTokens.size(); ++i)
        data.addedByFirstByte[static_cast<unsigned char>(data.addedTokens[i].content[0])].push_back(
            static_cast<int32_t>(i));
    for (auto& candidates : data.addedByFirstByte)
        std::stable_sort(candidates.begin(), candidates.end(), [&](int32_t x, int32_t y) {
            return data.addedTokens[x].content.size() > data.addedTokens[y].content.size();
        });
}

} // namespace

TokenizerData parseTokenizerJson(const std::string& text) {
    Json root;
    try {
        root = Json::parse(text);
    } catch (const Json::parse_error& e) {
        fail(std::string("not valid JSON: ") + e.what());
    }
    if (!root.is_object())
        fail("the top level must be an object");

    TokenizerData data;
    parseBpe(require(root, "model", "tokenizer"), data.model);
    if (const Json* added = find(root, "added_tokens"))
        parseAddedTokens(*added, data);
    if (const Json* n = find(root, "normalizer"))
        parseNormalizer(*n, "normalizer", data.normalizers);
    if (const Json* p = find(root, "pre_tokenizer"))
        parsePreTokenizer(*p, "pre_tokenizer", data.preTokenizers);
    if (const Json* p = find(root, "post_processor"))
        parsePostProcessor(*p, "post_processor", data.singleTemplate);
    if (const Json* d = find(root, "decoder"))
        parseDecoder(*d, "decoder", data.decoders);

    int32_t size = 0;
    for (const auto& [token, id] : data.model.vocab)
        size = std::max(size, id + 1);
    for (const AddedToken& t : data.addedTokens)
        size = std::max(size, t.id + 1);
    // Ids index a dense table; a stray huge id would make it absurdly large.
    if (static_cast<size_t>(size) > 4 * (data.model.vocab.size() + data.addedTokens.size()) + 1024)
        fail("token ids go up to " + std::to_string(size - 1) + " for only " +
             std::to_string(data.model.vocab.size() + data.addedTokens.size()) + " tokens");
    data.idToToken.resize(static_cast<size_t>(size));
    for (const auto& [token, id] : data.model.vocab)
        data.idToToken[id] = token;
    for (const AddedToken& t : data.addedTokens)
        data.idToToken[t.id] = t.content;
    return data;
}

} // namespace autoglm::tok
