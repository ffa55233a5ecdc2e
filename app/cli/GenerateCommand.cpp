#include "Commands.h"

#include "pipeline/llm/Generation.h"
#include "pipeline/llm/TextGenerator.h"

#include <cstdio>
#include <iostream>
#include <optional>

namespace autoglm::cli {
namespace {
int runGenerate(const ParsedArgs& args) {
    if (!args.has("prompt"))
        return fail("--prompt TEXT is required");
    auto maxNew = args.integer("max-new-tokens", 64, 1, 1 << 20);
    if (!maxNew)
        return fail(maxNew.message());
    // A checkpoint folder (or a file in it) builds the decoder with a key/value cache; an ONNX file (an exported
    // or compressed variant) runs as it is, with the tokenizer.json that autoglm compress put beside it.
    auto model = TextGenerator::open(args.positional[0], executorOptions(args));
    if (!model)
        return fail(model.message());
    const std::optional<int64_t> eosTokenId = model->eosTokenId();

    const std::string prompt = args.value("prompt");
    const auto promptIds = model->tokenizer().encode(prompt);
    if (promptIds.empty())
        return fail("the prompt encodes to no tokens");
    GenerationOptions options;
    options.maxNewTokens = maxNew.value();
    options.stopToken = eosTokenId;
    // Stream: print only what is new, once complete enough to decode (TextStream).
    TextStream stream(model->tokenizer());
    std::cout << prompt << std::flush;
    auto generation = generateGreedy(model->executor(), std::vector<int64_t>(promptIds.begin(), promptIds.end()),
                                     options, [&](int64_t token) {
                                         if (eosTokenId && token == *eosTokenId)
                                             return;
                                         std::cout << stream.push(token) << std::flush;
                                     });
    std::cout << stream.finish();
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
