#include "pipeline/llm/Generation.h"

#include <ATen/ATen.h>

#include <chrono>

namespace autoglm {

double Generation::tokensPerSecond() const {
    const double decoded = static_cast<double>(tokens.size() > 0 ? tokens.size() - 1 : 0);
    return decodeMs > 0 ? decoded / (decodeMs / 1000.0) : 0.0;
}

struct GreedyGenerator::State {
    const Executor* executor = nullptr;
    GenerationOptions options;
    TensorMap feeds;
    std::vector<std::string> cacheNames; // "key.0", ... for past_key.0 / present_key.0
    std::vector<int64_t> sequence;       // prompt and new tokens (the uncached path feeds it whole)
    at::Tensor next;                     // what the next run reads as input_ids
    Generation out;
    bool stopped = false; // the stop token came
};

GreedyGenerator::GreedyGenerator(std::unique_ptr<State> state) : m_state(std::move(state)) {}
GreedyGenerator::GreedyGenerator(GreedyGenerator&&) noexcept = default;
GreedyGenerator& GreedyGenerator::operator=(GreedyGenerator&&) noexcept = default;
GreedyGenerator::~GreedyGenerator() = default;

Result<GreedyGenerator> GreedyGenerator::start(const Executor& executor, const std::vector<int64_t>& prompt,
                                               const GenerationOptions& options) {
    if (prompt.empty())
        return Error{"the prompt has no tokens"};
    if (options.maxNewTokens < 1)
        return Error{"max new tokens must be at least 1"};
    auto state = std::make_unique<State>();
    state->executor = &executor;
    state->options = options;
    // Start from an empty cache shaped as the graph declares: [1, kv_heads, 0, head_dim].
    for (const auto& input : executor.model().graph.feedInputs()) {
        if (input.name.rfind("past_", 0) != 0)
            continue;
        if (!input.shape || input.shape->size() != 4 || !(*input.shape)[1].isFixed() || !(*input.shape)[3].isFixed())
            return Error{"cache input '" + input.name + "' must be declared [batch, kv_heads, past, head_dim]"};
        state->feeds[input.name] = TensorData(at::zeros({1, (*input.shape)[1].value, 0, (*input.shape)[3].value}));
        state->cacheNames.push_back(input.name.substr(5)); // "key.0"
    }
    state->sequence = prompt;
    state->next = at::tensor(prompt, at::kLong).unsqueeze(0);
    return GreedyGenerator(std::move(state));
}

bool GreedyGenerator::done() const {
    return m_state->stopped || static_cast<int64_t>(m_state->out.tokens.size()) >= m_state->options.maxNewTokens;
}

bool GreedyGenerator::usesCache() const {
    return !m_state->cacheNames.empty();
}

const Generation& GreedyGenerator::generation() const {
    return m_state->out;
}

Result<int64_t> GreedyGenerator::step(std::stop_token stop) {
    State& s = *m_state;
    if (done())
        return Error{"the generation is complete"};
    s.feeds["input_ids"] = TensorData(s.next);
    const auto t0 = std::chrono::steady_clock::now();
    auto result = s.executor->run(s.feeds, stop);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (!result)
        return result.error();
    (s.out.tokens.empty() ? s.out.promptMs : s.out.decodeMs) += ms;
    const at::Tensor& logits = result->at("logits").tensor();
    const int64_t token = logits.select(1, logits.size(1) - 1).argmax(-1).item<int64_t>();
    s.out.tokens.push_back(token);
    if (s.options.stopToken && token == *s.options.stopToken)
        s.stopped = true;
    // Without a cache (an exported or compressed plain decoder) every step runs the whole sequence so far:
    // slower, but any decoder can answer a prompt.
    if (usesCache()) {
        for (const auto& name : s.cacheNames)
            s.feeds["past_" + name] = result->at("present_" + name);
        s.next = at::full({1, 1}, token, at::kLong);
    } else {
        s.sequence.push_back(token);
        s.next = at::tensor(s.sequence, at::kLong).unsqueeze(0);
    }
    return token;
}

Result<Generation> generateGreedy(const Executor& executor, const std::vector<int64_t>& prompt,
                                  const GenerationOptions& options, const TokenCallback& onToken,
                                  std::stop_token stop) {
    auto generator = GreedyGenerator::start(executor, prompt, options);
    if (!generator)
        return generator.error();
    while (!generator->done()) {
        auto token = generator->step(stop);
        if (!token)
            return token.error();
        if (onToken)
            onToken(token.value());
    }
    return generator->generation();
}

} // namespace autoglm
