#include "pipeline/llm/DecoderConfig.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace autoglm {

namespace {

using nlohmann::json;

// Reads a field, failing with its name when it is missing or of the wrong type.
template <class T> T field(const json& j, const std::string& key, const std::string& where) {
    if (!j.contains(key) || j[key].is_null())
        throw AutoglmError(where + ": '" + key + "' is missing");
    try {
        return j[key].get<T>();
    } catch (const json::exception&) {
        throw AutoglmError(where + ": '" + key + "' has the wrong type (" + j[key].dump() + ")");
    }
}

template <class T> T fieldOr(const json& j, const std::string& key, T fallback) {
    if (!j.contains(key) || j[key].is_null())
        return fallback;
    try {
        return j[key].get<T>();
    } catch (const json::exception&) {
        return fallback;
    }
}

void readRope(const json& j, DecoderConfig& c, const std::string& where) {
    // Two styles: rope_theta / rope_scaling at top level (transformers 4.x), or rope_parameters (5.x).
    json rope = j.contains("rope_parameters") && j["rope_parameters"].is_object() ? j["rope_parameters"]
                : j.contains("rope_scaling") && j["rope_scaling"].is_object()     ? j["rope_scaling"]
                                                                                  : json::object();
    c.ropeTheta = fieldOr<double>(rope, "rope_theta", fieldOr<double>(j, "rope_theta", 10000.0));
    c.ropeType = fieldOr<std::string>(rope, "rope_type", fieldOr<std::string>(rope, "type", "default"));
    c.partialRotaryFactor =
        fieldOr<double>(rope, "partial_rotary_factor", fieldOr<double>(j, "partial_rotary_factor", 1.0));
    if (c.ropeType == "linear") {
        c.ropeFactor = field<double>(rope, "factor", where + " rope");
    } else if (c.ropeType == "llama3") {
        c.ropeFactor = field<double>(rope, "factor", where + " rope");
        c.lowFreqFactor = field<double>(rope, "low_freq_factor", where + " rope");
        c.highFreqFactor = field<double>(rope, "high_freq_factor", where + " rope");
        c.originalMaxPositions = field<int64_t>(rope, "original_max_position_embeddings", where + " rope");
    } else if (c.ropeType != "default") {
        throw AutoglmError(where + ": rope type '" + c.ropeType +
                           "' is not supported (default, linear and llama3 are)");
    }
}

} // namespace

Result<DecoderConfig> loadDecoderConfig(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in)
        return Error{"cannot open '" + file.string() + "'"};
    std::ostringstream text;
    text << in.rdbuf();
    return parseDecoderConfig(text.str(), file.string());
}

Result<DecoderConfig> parseDecoderConfig(const std::string& text, const std::string& where) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return Error{where + " is not a JSON object"};
    try {
        DecoderConfig c;
        const auto architectures = fieldOr<std::vector<std::string>>(j, "architectures", {});
        c.architecture = architectures.empty() ? "" : architectures.front();
        if (c.architecture != "LlamaForCausalLM" && c.architecture != "GlmForCausalLM" &&
            c.architecture != "Qwen2ForCausalLM")
            return Error{where + ": architecture '" + c.architecture +
                         "' is not supported (LlamaForCausalLM, GlmForCausalLM, Qwen2ForCausalLM are)"};
        c.hiddenSize = field<int64_t>(j, "hidden_size", where);
        c.intermediateSize = field<int64_t>(j, "intermediate_size", where);
        c.layers = field<int64_t>(j, "num_hidden_layers", where);
        c.heads = field<int64_t>(j, "num_attention_heads", where);
        c.kvHeads = fieldOr<int64_t>(j, "num_key_value_heads", c.heads);
        c.headDim = fieldOr<int64_t>(j, "head_dim", c.heads ? c.hiddenSize / c.heads : 0);
        c.vocabSize = field<int64_t>(j, "vocab_size", where);
        c.maxPositions = field<int64_t>(j, "max_position_embeddings", where);
        c.rmsNormEps = fieldOr<double>(j, "rms_norm_eps", 1e-6);
        c.tieWordEmbeddings = fieldOr<bool>(j, "tie_word_embeddings", false);
        if (j.contains("eos_token_id") && j["eos_token_id"].is_number_integer())
            c.eosTokenId = j["eos_token_id"].get<int64_t>();
        const bool qwen = c.architecture == "Qwen2ForCausalLM";
        c.attentionBias = fieldOr<bool>(j, "attention_bias", qwen);
        c.mlpBias = fieldOr<bool>(j, "mlp_bias", false);
        c.interleavedRotary = c.architecture == "GlmForCausalLM";
        c.fusedGateUp = c.architecture == "GlmForCausalLM";
        readRope(j, c, where);

        const std::string act = fieldOr<std::string>(j, "hidden_act", "silu");
        if (act != "silu")
            return Error{where + ": hidden_act '" + act + "' is not supported (silu is)"};
        if (fieldOr<int64_t>(j, "pretraining_tp", 1) != 1)
            return Error{where + ": pretraining_tp other than 1 is not supported"};
        if (qwen && fieldOr<bool>(j, "use_sliding_window", false))
            return Error{where + ": use_sliding_window is not supported"};
        if (c.hiddenSize <= 0 || c.layers <= 0 || c.heads <= 0 || c.kvHeads <= 0 || c.heads % c.kvHeads != 0 ||
            c.headDim <= 0 || c.vocabSize <= 0 || c.maxPositions <= 0 || c.rotaryDim() % 2 != 0)
            return Error{where + ": inconsistent sizes (heads must be a multiple of num_key_value_heads, sizes "
                                 "positive, the rotary dimension even)"};
        return c;
    } catch (const AutoglmError& e) {
        return Error{e.what()};
    }
}

} // namespace autoglm
