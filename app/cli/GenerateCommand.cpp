#include "Commands.h"

#include "pipeline/llm/DecoderBuilder.h"
#include "pipeline/llm/DecoderConfig.h"
#include "pipeline/llm/Generation.h"
#include "pipeline/llm/Tokenizer.h"
#include "pipeline/model/ModelLoader.h"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

namespace autoglm::cli {
namespace {
namespace fs = std::filesystem;

int runGenerate(const ParsedArgs& args) {
    if (!args.has("prompt"))
        return fail("--prompt TEXT is required");
    auto maxNew = args.integer("max-new-tokens", 64, 1, 1 << 20);
    if (!maxNew)
        return fail(maxNew.message());
    // A checkpoint folder (or a file in it) builds the decoder with a key/value cache; an ONNX file (an exported
    // or compressed variant) runs as it is, with the tokenizer.json that autoglm compress put beside it.
    const fs::path given = args.positional[0];
    const bool onnxFile = given.extension() == ".onnx";
    const fs::path folder = fs::is_directory(given) ? given : given.parent_path();
    std::optional<int64_t> eosTokenId;
    if (!onnxFile || fs::exists(folder / "config.json")) {
        auto config = loadDecoderConfig(folder / "config.json");
        if (!config)
            return fail(config.message());
        eosTokenId = config->eosTokenId;
    }
    auto tokenizer = Tokenizer::load(folder / "tokenizer.json");
    if (!tokenizer)
        return fail(tokenizer.message());
    DecoderBuildOptions cached;
    cached.kvCache = true;
    auto model = onnxFile ? loadModel(given) : loadHfCheckpoint(folder, cached);
    if (!model)
        return fail(model.message());
    auto executor = Executor::create(model.value(), executorOptions(args));
    if (!executor)
        return fail(executor.message());

    const std::string prompt = args.value("prompt");
    const auto promptIds = tokenizer->encode(prompt);
    if (promptIds.empty())
        return fail("the prompt encodes to no tokens");
    GenerationOptions options;
    options.maxNewTokens = maxNew.value();
    options.stopToken = eosTokenId;
    // Stream: decode everything generated so far and print only what is new, so multi-token characters appear
    // once complete enough to decode.
    std::vector<int32_t> generated;
    size_t printed = 0;
    std::cout << prompt << std::flush;
    auto generation = generateGreedy(executor.value(), std::vector<int64_t>(promptIds.begin(), promptIds.end()),
                                     options, [&](int64_t token) {
                                         if (eosTokenId && token == *eosTokenId)
                                             return;
                                         generated.push_back(static_cast<int32_t>(token));
                                         const std::string text = tokenizer->decode(generated);
                                         std::cout << text.substr(std::min(printed, text.size())) << std::flush;
                                         printed = text.size();
                                     });
    std::cout << "\n";
    if (!generation)
        return fail(generation.message());
    std::fprintf(stderr, "%zu prompt tokens in %.1f ms, %zu new tokens, %.1f tokens/s\n", promptIds.size(),
                 generation->promptMs, generation->tokens.size(), generation->tokensPerSecond());
    return 0;
}

} // namespace

Command generateCommand() {
    return {{"generate",
             "CHECKPOINT_DIR|MODEL.onnx",
             "Greedy text generation, streamed as it goes: a Hugging Face checkpoint (with a key/value cache) or an "
             "exported decoder with its tokenizer.json beside it (the whole sequence runs again for each token).",
             {{"prompt", "TEXT", "the text to continue"},
              {"max-new-tokens", "N", "stop after N new tokens (default 64; the model's end token stops earlier)"},
              deviceOption()}},
            runGenerate};
}

} // namespace autoglm::cli
