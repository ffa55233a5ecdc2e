#include "pipeline/llm/TextGenerator.h"

#include "pipeline/llm/DecoderBuilder.h"
#include "pipeline/llm/DecoderConfig.h"
#include "pipeline/model/ModelLoader.h"

#include <algorithm>

namespace autoglm {
namespace fs = std::filesystem;

TextModelFiles textModelFiles(const fs::path& given) {
    TextModelFiles files;
    std::error_code ec;
    std::string ext = given.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (fs::is_directory(given, ec)) {
        files.model = given;
        files.checkpoint = true;
    } else if (given.filename() == "config.json" || ext == ".safetensors") {
        files.model = given.parent_path().empty() ? fs::path(".") : given.parent_path();
        files.checkpoint = true;
    } else {
        files.model = given;
    }
    const fs::path folder = files.checkpoint ? files.model : given.parent_path();
    files.tokenizer = folder / "tokenizer.json";
    files.config = folder / "config.json";
    return files;
}

TextGenerator::TextGenerator(Tokenizer tokenizer, Executor executor, std::optional<int64_t> eos, bool cached)
    : m_tokenizer(std::move(tokenizer)), m_executor(std::move(executor)), m_eos(eos), m_cached(cached) {}

Result<TextGenerator> TextGenerator::open(const fs::path& given, const ExecutorOptions& options) {
    const TextModelFiles files = textModelFiles(given);
    std::error_code ec;
    std::optional<int64_t> eos;
    if (files.checkpoint || fs::exists(files.config, ec)) {
        auto config = loadDecoderConfig(files.config);
        if (!config)
            return config.error();
        eos = config->eosTokenId;
    }
    if (!fs::exists(files.tokenizer, ec))
        return Error{"'" + given.string() + "' has no tokenizer.json beside it (looked for '" +
                     files.tokenizer.string() + "')"};
    auto tokenizer = Tokenizer::load(files.tokenizer);
    if (!tokenizer)
        return tokenizer.error();
    DecoderBuildOptions cached;
    cached.kvCache = true;
    auto model = files.checkpoint ? loadHfCheckpoint(files.model, cached) : loadModel(files.model);
    if (!model)
        return model.error();
    // generateGreedy feeds input_ids and reads logits; anything else is not a decoder we can prompt.
    const auto& graph = model->graph;
    const auto inputs = graph.feedInputs();
    const bool hasIds = std::any_of(inputs.begin(), inputs.end(), [](const auto& v) { return v.name == "input_ids"; });
    const bool hasLogits =
        std::any_of(graph.outputs.begin(), graph.outputs.end(), [](const auto& v) { return v.name == "logits"; });
    if (!hasIds || !hasLogits)
        return Error{"'" + given.string() +
                     "' is not a decoder language model: generation needs an input 'input_ids' and an output "
                     "'logits'"};
    const bool usesCache =
        std::any_of(inputs.begin(), inputs.end(), [](const auto& v) { return v.name.rfind("past_", 0) == 0; });
    auto executor = Executor::create(model.value(), options);
    if (!executor)
        return executor.error();
    return TextGenerator(std::move(tokenizer.value()), std::move(executor.value()), eos, usesCache);
}

namespace {
// The length of the longest prefix of `s` that does not end inside a UTF-8 character. Bytes that are not
// UTF-8 at all count as complete: holding them back would hide them for good.
size_t completeUtf8Prefix(const std::string& s) {
    const size_t n = s.size();
    for (size_t back = 1; back <= 4 && back <= n; ++back) {
        const auto c = static_cast<unsigned char>(s[n - back]);
        if ((c & 0xC0) == 0x80)
            continue; // a continuation byte: the lead is further back
        const size_t length = c < 0x80             ? 1
                              : (c & 0xE0) == 0xC0 ? 2
                              : (c & 0xF0) == 0xE0 ? 3
                              : (c & 0xF8) == 0xF0 ? 4
                                                   : 1;
        return length > back ? n - back : n;
    }
    return n;
}
} // namespace

std::string TextStream::push(int64_t token) {
    m_ids.push_back(static_cast<int32_t>(token));
    m_text = m_tokenizer.decode(m_ids);
    const size_t complete = completeUtf8Prefix(m_text);
    if (complete <= m_emitted)
        return {};
    std::string fresh = m_text.substr(m_emitted, complete - m_emitted);
    m_emitted = complete;
    return fresh;
}

std::string TextStream::finish() {
    std::string rest = m_emitted < m_text.size() ? m_text.substr(m_emitted) : std::string();
    m_emitted = m_text.size();
    return rest;
}

} // namespace autoglm
