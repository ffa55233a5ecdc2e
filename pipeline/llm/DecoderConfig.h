#pragma once
// The parts of a Hugging Face config.json that decide the decoder graph of Llama-family, GLM-4 and Qwen2
// causal language models. Unknown architectures and unsupported non-default settings are refused by name.

#include "pipeline/common/Result.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace autoglm {

struct DecoderConfig {
    std::string architecture; // LlamaForCausalLM, GlmForCausalLM, Qwen2ForCausalLM
    int64_t hiddenSize = 0;
    int64_t intermediateSize = 0;
    int64_t layers = 0;
    int64_t heads = 0;
    int64_t kvHeads = 0;
    int64_t headDim = 0;
    int64_t vocabSize = 0;
    int64_t maxPositions = 0;
    double rmsNormEps = 1e-6;
    bool attentionBias = false;
    bool mlpBias = false;
    bool tieWordEmbeddings = false;
    std::optional<int64_t> eosTokenId; // generation stops here

    // Rotary position embedding.
    double ropeTheta = 10000.0;
    std::string ropeType = "default"; // default, linear, llama3
    double ropeFactor = 1.0;
    double lowFreqFactor = 1.0;       // llama3
    double highFreqFactor = 4.0;      // llama3
    int64_t originalMaxPositions = 0; // llama3
    double partialRotaryFactor = 1.0; // GLM-4: 0.5
    // GLM-4 rotates interleaved pairs (x0,x1), (x2,x3)...; Llama and Qwen2 rotate the two halves.
    bool interleavedRotary = false;
    // GLM-4 stores gate and up projections as one matrix, gate first.
    bool fusedGateUp = false;

    int64_t rotaryDim() const { return static_cast<int64_t>(static_cast<double>(headDim) * partialRotaryFactor); }
};

Result<DecoderConfig> loadDecoderConfig(const std::filesystem::path& configJson);
// The same from the text of a config.json; `where` names it in errors.
Result<DecoderConfig> parseDecoderConfig(const std::string& configJson, const std::string& where);

} // namespace autoglm
