#pragma once
// Greedy text generation. With a key/value cache (a decoder built with DecoderBuildOptions::kvCache) the prompt
// runs once, then each new token runs alone against the cached keys and values; a decoder without past_*
// inputs (an exported or compressed variant) runs the whole sequence again for every new token.

#include "pipeline/common/Result.h"
#include "pipeline/exec/Executor.h"

#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <vector>

namespace autoglm {

struct GenerationOptions {
    int64_t maxNewTokens = 32;
    std::optional<int64_t> stopToken; // end of sequence: generation stops after producing it
};

struct Generation {
    std::vector<int64_t> tokens; // the new tokens only
    double promptMs = 0;         // the first run, over the whole prompt
    double decodeMs = 0;         // every later run
    double tokensPerSecond() const;
};

// One greedy generation advanced a token at a time, so that a caller can interleave several on one thread: the
// studio's side-by-side preview steps the original and a variant in turn, and each step's time is that model's
// own (two generations on two threads would share the cores and slow each other's figures down).
class GreedyGenerator {
public:
    // Checks the prompt, the options and the executor's cache inputs; runs nothing yet.
    static Result<GreedyGenerator> start(const Executor& executor, const std::vector<int64_t>& prompt,
                                         const GenerationOptions& options);

    GreedyGenerator(GreedyGenerator&&) noexcept;
    GreedyGenerator& operator=(GreedyGenerator&&) noexcept;
    ~GreedyGenerator();

    // True once maxNewTokens were produced or the stop token was.
    bool done() const;
    // Runs the model once (over the prompt the first time) and returns the chosen token. A cancelled run returns
    // the executor's error and leaves the generator as it was.
    Result<int64_t> step(std::stop_token stop = {});
    // What was produced so far, with the time spent.
    const Generation& generation() const;
    bool usesCache() const;

    struct State;

private:
    explicit GreedyGenerator(std::unique_ptr<State> state);
    std::unique_ptr<State> m_state;
};

// Called with each new token as soon as it is chosen (for streaming).
using TokenCallback = std::function<void(int64_t token)>;

Result<Generation> generateGreedy(const Executor& executor, const std::vector<int64_t>& prompt,
                                  const GenerationOptions& options, const TokenCallback& onToken = {},
                                  std::stop_token stop = {});

} // namespace autoglm
