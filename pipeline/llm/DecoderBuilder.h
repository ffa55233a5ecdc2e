#pragma once
// Builds the IR graph of a decoder-only language model (Llama family, GLM-4, Qwen2) from its config and
// weights, in standard ONNX ops so that the executor runs it and ONNX export needs nothing special:
// input_ids int64 [batch, seq] -> logits float32 [batch, seq, vocab]. Weights become float32 initializers
// ("float32 maths on the stored weights"); projection matrices are stored [in, out] for MatMul.

#include "pipeline/common/Result.h"
#include "pipeline/ir/Graph.h"
#include "pipeline/llm/DecoderConfig.h"

#include <map>
#include <string>

namespace autoglm {

struct DecoderBuildOptions {
    // Adds, per layer l, inputs past_key.l / past_value.l [batch, kv_heads, past, head_dim] and outputs
    // present_key.l / present_value.l [batch, kv_heads, past + seq, head_dim]; positions start at `past`.
    // With an empty past (past = 0) the graph computes exactly what the plain one does.
    bool kvCache = false;
};

Result<Model> buildDecoder(const DecoderConfig& config, const std::map<std::string, TensorData>& weights,
                           const std::string& source, const DecoderBuildOptions& options = {});

// A Hugging Face checkpoint folder (config.json + safetensors) as a Model.
Result<Model> loadHfCheckpoint(const std::filesystem::path& folder, const DecoderBuildOptions& options = {});

} // namespace autoglm
