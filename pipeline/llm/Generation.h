#pragma once
// Greedy text generation. With a key/value cache (a decoder built with DecoderBuildOptions::kvCache) the prompt
// runs once, then each new token runs alone against the cached keys and values; a decoder without past_*
// inputs (an exported or compressed variant) runs the whole sequence again for every new token.

#include "pipeline/common/Result.h"
#include "pipeline/exec/Executor.h"

#include <functional>
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

// Called with each new token as soon as it is chosen (for streaming).
using TokenCallback = std::function<void(int64_t token)>;

Result<Generation> generateGreedy(const Executor& executor, const std::vector<int64_t>& prompt,
                                  const GenerationOptions& options, const TokenCallback& onToken = {},
                                  std::stop_token stop = {});

} // namespace autoglm
