#include "pipeline/llm/Generation.h"

#include <ATen/ATen.h>

#include <chrono>

namespace autoglm {

double Generation::tokensPerSecond() const {
    const double decoded = static_cast<double>(tokens.size() > 0 ? tokens.size() - 1 : 0);
    return decodeMs > 0 ? decoded / (decodeMs / 1000.0) : 0.0;
}

Result<Generation> generateGreedy(const Executor& executor, const std::vector<int64_t>& prompt,
                                  const GenerationOptions& options, const TokenCallback& onToken,
                                  std::stop_token stop) {
    if (prompt.empty())
        return Error{"the prompt has no tokens"};
    if (options.maxNewTokens < 1)
        return Error{"max new tokens must be at least 1"};
    // Start from an empty cache shaped as the graph declares: [1, kv_heads, 0, head_dim].
    TensorMap feeds;
    std::vector<std::string> cacheNames;
    for (const auto& input : executor.model().graph.feedInputs()) {
        if (input.name.rfind("past_", 0) != 0)
            continue;
        if (!input.shape || input.shape->size() != 4 || !(*input.shape)[1].isFixed() || !(*input.shape)[3].isFixed())
            return Error{"cache input '" + input.name + "' must be declared [batch, kv_heads, past, head_dim]"};
        feeds[input.name] = TensorData(at::zeros({1, (*input.shape)[1].value, 0, (*input.shape)[3].value}));
        cacheNames.push_back(input.name.substr(5)); // "key.0"
    }
    // Without a cache (an exported or compressed plain decoder) every step runs the whole sequence so far:
    // slower, but any decoder can answer a prompt.
    const bool cached = !cacheNames.empty();

    Generation out;
    std::vector<int64_t> sequence = prompt;
    at::Tensor next = at::tensor(prompt, at::kLong).unsqueeze(0);
    for (int64_t step = 0; step < options.maxNewTokens; ++step) {
        feeds["input_ids"] = TensorData(next);
        const auto t0 = std::chrono::steady_clock::now();
        auto result = executor.run(feeds, stop);
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        if (!result)
            return result.error();
        (step == 0 ? out.promptMs : out.decodeMs) += ms;
        const at::Tensor& logits = result->at("logits").tensor();
        const int64_t token = logits.select(1, logits.size(1) - 1).argmax(-1).item<int64_t>();
        out.tokens.push_back(token);
        if (onToken)
            onToken(token);
        if (options.stopToken && token == *options.stopToken)
            break;
        if (cached) {
            for (const auto& name : cacheNames)
                feeds["past_" + name] = result->at("present_" + name);
            next = at::full({1, 1}, token, at::kLong);
        } else {
            sequence.push_back(token);
            next = at::tensor(sequence, at::kLong).unsqueeze(0);
        }
    }
    return out;
}

} // namespace autoglm
