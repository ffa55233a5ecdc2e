#include "pipeline/llm/DecoderBuilder.h"

#include "pipeline/llm/SafeTensors.h"

#include <ATen/ATen.h>

#include <cmath>

namespace autoglm {
namespace {

class DecoderGraph {
public:
    DecoderGraph(const DecoderConfig& c, const std::map<std::string, TensorData>& w, Graph& g, bool kvCache)
        : m_config(c), m_weights(w), m_graph(g), m_kvCache(kvCache) {}

    void build() {
        buildConstants();
        std::string x =
            node("Gather",
                 {floatWeight("model.embed_tokens.weight", {m_config.vocabSize, m_config.hiddenSize}), "input_ids"},
                 "embed");
        for (int64_t layer = 0; layer < m_config.layers; ++layer) {
            const std::string prefix = "model.layers." + std::to_string(layer) + ".";
            x = node("Add", {x, attention(rmsNorm(x, prefix + "input_layernorm.weight"), prefix, layer)},
                     prefix + "attn_residual");
            x = node("Add", {x, mlp(rmsNorm(x, prefix + "post_attention_layernorm.weight"), prefix)},
                     prefix + "mlp_residual");
        }
        x = rmsNorm(x, "model.norm.weight");
        const std::string head = m_config.tieWordEmbeddings && !m_weights.count("lm_head.weight")
                                     ? "model.embed_tokens.weight"
                                     : "lm_head.weight";
        m_graph.nodes.push_back(
            makeNode("MatMul", {x, projection(head, m_config.vocabSize, m_config.hiddenSize)}, {"logits"}, "lm_head"));
    }

private:
    const DecoderConfig& m_config;
    const std::map<std::string, TensorData>& m_weights;
    Graph& m_graph;
    const bool m_kvCache;
    int m_counter = 0;
    std::string m_seqLength;  // [1] int64: T, the new tokens
    std::string m_pastLength; // [1] int64: tokens already in the cache (0 without one)
    std::string m_totalLength;
    std::string m_cos, m_sin, m_mask;

    static Node makeNode(const std::string& op, std::vector<std::string> inputs, std::vector<std::string> outputs,
                         const std::string& name) {
        Node n;
        n.name = name;
        n.opType = op;
        n.inputs = std::move(inputs);
        n.outputs = std::move(outputs);
        return n;
    }

    std::string node(const std::string& op, std::vector<std::string> inputs, const std::string& name,
                     std::map<std::string, Attribute> attributes = {}) {
        const std::string out = name + "_" + std::to_string(m_counter++);
        Node n = makeNode(op, std::move(inputs), {out}, name);
        n.attributes = std::move(attributes);
        m_graph.nodes.push_back(std::move(n));
        return out;
    }

    std::vector<std::string> split(const std::string& x, std::vector<int64_t> sizes, int64_t axis,
                                   const std::string& name) {
        std::vector<std::string> outs;
        for (size_t i = 0; i < sizes.size(); ++i)
            outs.push_back(name + "_" + std::to_string(m_counter++));
        Node n = makeNode("Split", {x, ints(name + ".sizes", sizes)}, outs, name);
        n.attributes["axis"] = Attribute::makeInt(axis);
        m_graph.nodes.push_back(std::move(n));
        return outs;
    }

    std::string constant(const std::string& name, const at::Tensor& value) {
        m_graph.initializers[name] = TensorData(value);
        return name;
    }
    std::string ints(const std::string& name, const std::vector<int64_t>& values) {
        return constant(name, at::tensor(values, at::kLong));
    }
    std::string scalar(const std::string& name, double value) {
        return constant(name, at::scalar_tensor(value, at::kFloat));
    }

    const at::Tensor& stored(const std::string& name, const std::vector<int64_t>& shape) const {
        auto it = m_weights.find(name);
        if (it == m_weights.end())
            throw AutoglmError("tensor '" + name + "' is missing from the checkpoint");
        if (it->second.shape() != shape) {
            std::string expected, got;
            for (auto d : shape)
                expected += std::to_string(d) + ",";
            for (auto d : it->second.shape())
                got += std::to_string(d) + ",";
            throw AutoglmError("tensor '" + name + "' has shape [" + got + "] but the config implies [" + expected +
                               "]");
        }
        return it->second.tensor();
    }

    // Checkpoint weights stay in their mapped, stored form until the executor or a pass reads them.
    std::string floatWeight(const std::string& name, const std::vector<int64_t>& shape) {
        if (!m_graph.initializers.count(name))
            m_graph.initializers[name] = TensorData::floatOnFirstUse(stored(name, shape), false);
        return name;
    }

    // HF stores linear weights [out, in]; MatMul wants [in, out].
    std::string projection(const std::string& name, int64_t out, int64_t in) {
        const std::string transposed = name + ".T";
        if (!m_graph.initializers.count(transposed))
            m_graph.initializers[transposed] = TensorData::floatOnFirstUse(stored(name, {out, in}), true);
        return transposed;
    }

    std::string linear(const std::string& x, const std::string& name, int64_t out, int64_t in, bool bias) {
        std::string y = node("MatMul", {x, projection(name + ".weight", out, in)}, name);
        if (bias)
            y = node("Add", {y, floatWeight(name + ".bias", {out})}, name + ".bias");
        return y;
    }

    // x / sqrt(mean(x^2) + eps) * weight, computed in float32 as the reference does.
    std::string rmsNorm(const std::string& x, const std::string& weight) {
        const std::string name = weight.substr(0, weight.size() - std::string(".weight").size());
        const std::string square = node("Mul", {x, x}, name + ".square");
        const std::string mean = node("ReduceMean", {square}, name + ".mean",
                                      {{"axes", Attribute::makeInts({-1})}, {"keepdims", Attribute::makeInt(1)}});
        const std::string root =
            node("Sqrt", {node("Add", {mean, scalar(name + ".eps", m_config.rmsNormEps)}, name + ".add_eps")},
                 name + ".sqrt");
        const std::string normed = node("Div", {x, root}, name + ".div");
        return node("Mul", {normed, floatWeight(weight, {m_config.hiddenSize})}, name + ".scale");
    }

    std::vector<float> inverseFrequencies() const {
        const int64_t dim = m_config.rotaryDim();
        std::vector<float> inv(static_cast<size_t>(dim / 2));
        for (int64_t i = 0; i < dim / 2; ++i)
            inv[i] = static_cast<float>(1.0 / std::pow(m_config.ropeTheta, static_cast<double>(2 * i) / dim));
        if (m_config.ropeType == "linear") {
            for (float& f : inv)
                f = static_cast<float>(f / m_config.ropeFactor);
        } else if (m_config.ropeType == "llama3") {
            // Llama 3.1's frequency-dependent scaling: long wavelengths scaled by `factor`, short kept,
            // the band between blended smoothly.
            const double old = static_cast<double>(m_config.originalMaxPositions);
            const double lowWavelen = old / m_config.lowFreqFactor;
            const double highWavelen = old / m_config.highFreqFactor;
            for (float& f : inv) {
                const double wavelen = 2 * M_PI / f;
                if (wavelen > lowWavelen) {
                    f = static_cast<float>(f / m_config.ropeFactor);
                } else if (wavelen >= highWavelen) {
                    const double smooth =
                        (old / wavelen - m_config.lowFreqFactor) / (m_config.highFreqFactor - m_config.lowFreqFactor);
                    f = static_cast<float>((1 - smooth) * f / m_config.ropeFactor + smooth * f);
                }
            }
        }
        return inv;
    }

    void buildConstants() {
        m_seqLength = node("Slice",
                           {node("Shape", {"input_ids"}, "seq_shape"), ints("const.one", {1}), ints("const.two", {2}),
                            ints("const.zero", {0})},
                           "seq_length");
        if (m_kvCache) {
            m_pastLength = node("Slice",
                                {node("Shape", {"past_key.0"}, "past_shape"), ints("const.two", {2}),
                                 ints("const.three", {3}), ints("const.zero", {0})},
                                "past_length");
            m_totalLength = node("Add", {m_pastLength, m_seqLength}, "total_length");
        } else {
            m_pastLength = ints("const.zero", {0});
            m_totalLength = m_seqLength;
        }
        // Positions [past, past+T) and the rotary angles and causal mask for them are computed at run time,
        // as exporters do: tables for every position would cost max_positions^2 floats for the mask alone
        // (64 GB at Llama 3's 131,072).
        const std::string axis0 = ints("const.axis0", {0});
        const std::string past = node("Squeeze", {m_pastLength, axis0}, "past_scalar");
        const std::string total = node("Squeeze", {m_totalLength, axis0}, "total_scalar");
        const std::string step = constant("const.step", at::scalar_tensor(1, at::kLong));
        const std::string rows = node("Range", {past, total, step}, "positions");
        const std::string columns =
            node("Range", {constant("const.start", at::scalar_tensor(0, at::kLong)), total, step}, "all_positions");

        const auto inv = inverseFrequencies();
        const std::string positions = node("Cast", {rows}, "positions_float", {{"to", Attribute::makeInt(1)}});
        const std::string freqs = node("Mul",
                                       {node("Unsqueeze", {positions, ints("const.axis1", {1})}, "positions_col"),
                                        constant("rope.inv_freq", at::tensor(inv, at::kFloat))},
                                       "rope.freqs");
        std::string angles;
        if (m_config.interleavedRotary) {
            // (f0, f0, f1, f1, ...)
            const std::string pairs = node("Unsqueeze", {freqs, ints("const.axis_last", {-1})}, "rope.pairs");
            angles = node("Reshape",
                          {node("Concat", {pairs, pairs}, "rope.twice", {{"axis", Attribute::makeInt(-1)}}),
                           ints("rope.flat_shape", {0, -1})},
                          "rope.angles");
        } else {
            // (f0, f1, ..., f0, f1, ...)
            angles = node("Concat", {freqs, freqs}, "rope.angles", {{"axis", Attribute::makeInt(-1)}});
        }
        m_cos = node("Cos", {angles}, "rope.cos");
        m_sin = node("Sin", {angles}, "rope.sin");

        // Rows are the new positions, columns every position so far; later columns are masked out.
        const std::string future = node("Greater",
                                        {node("Unsqueeze", {columns, axis0}, "mask.columns"),
                                         node("Unsqueeze", {rows, ints("const.axis1", {1})}, "mask.rows")},
                                        "mask.future");
        m_mask =
            node("Where",
                 {future, scalar("mask.blocked", -std::numeric_limits<float>::infinity()), scalar("mask.open", 0.0)},
                 "causal_mask");
    }

    // q*cos + rotate(q)*sin on the rotary part of the head dimension; the rest passes through.
    std::string rotary(const std::string& x, const std::string& name) {
        const int64_t rot = m_config.rotaryDim();
        const bool partial = rot < m_config.headDim;
        std::string rotPart = x;
        std::string passPart;
        if (partial) {
            auto parts = split(x, {rot, m_config.headDim - rot}, -1, name + ".partial");
            rotPart = parts[0];
            passPart = parts[1];
        }
        std::string rotated;
        if (m_config.interleavedRotary) {
            // (x0, x1, x2, x3, ...) -> (-x1, x0, -x3, x2, ...)
            const std::string pairs =
                node("Reshape", {rotPart, ints(name + ".pairs_shape", {0, 0, 0, -1, 2})}, name + ".pairs");
            auto halves = split(pairs, {1, 1}, -1, name + ".pair_split");
            rotated = node("Reshape",
                           {node("Concat", {node("Neg", {halves[1]}, name + ".neg"), halves[0]}, name + ".swap",
                                 {{"axis", Attribute::makeInt(-1)}}),
                            ints(name + ".flat_shape", {0, 0, 0, -1})},
                           name + ".rotated");
        } else {
            auto halves = split(rotPart, {rot / 2, rot / 2}, -1, name + ".half_split");
            rotated = node("Concat", {node("Neg", {halves[1]}, name + ".neg"), halves[0]}, name + ".rotated",
                           {{"axis", Attribute::makeInt(-1)}});
        }
        std::string out =
            node("Add", {node("Mul", {rotPart, m_cos}, name + ".cos"), node("Mul", {rotated, m_sin}, name + ".sin")},
                 name + ".rope");
        if (partial)
            out = node("Concat", {out, passPart}, name + ".join", {{"axis", Attribute::makeInt(-1)}});
        return out;
    }

    // [B, T, heads*hd] -> [B, heads, T, hd]
    std::string toHeads(const std::string& x, int64_t heads, const std::string& name) {
        return node(
            "Transpose",
            {node("Reshape", {x, ints(name + ".heads_shape", {0, 0, heads, m_config.headDim})}, name + ".split_heads")},
            name + ".to_heads", {{"perm", Attribute::makeInts({0, 2, 1, 3})}});
    }

    // Grouped-query attention: each key/value head serves heads/kvHeads consecutive query heads.
    std::string repeatKv(const std::string& x, const std::string& name) {
        const int64_t rep = m_config.heads / m_config.kvHeads;
        if (rep == 1)
            return x;
        const std::string expanded =
            node("Expand",
                 {node("Unsqueeze", {x, ints(name + ".unsqueeze_axes", {2})}, name + ".unsqueeze"),
                  ints(name + ".expand_shape", {1, 1, rep, 1, 1})},
                 name + ".expand");
        return node("Reshape", {expanded, ints(name + ".merge_shape", {0, m_config.heads, -1, m_config.headDim})},
                    name + ".merge");
    }

    // Concatenates the cached keys (values) of a layer with the new ones and returns them as present_*.l.
    std::string appendToCache(const std::string& x, const std::string& kind, int64_t layer) {
        const std::string suffix = kind + "." + std::to_string(layer);
        const std::string joined =
            node("Concat", {"past_" + suffix, x}, "cache." + suffix, {{"axis", Attribute::makeInt(2)}});
        m_graph.nodes.push_back(makeNode("Identity", {joined}, {"present_" + suffix}, "present." + suffix));
        return joined;
    }

    std::string attention(const std::string& x, const std::string& prefix, int64_t layer) {
        const std::string p = prefix + "self_attn.";
        const int64_t h = m_config.hiddenSize, hd = m_config.headDim;
        const bool bias = m_config.attentionBias;
        const std::string q =
            rotary(toHeads(linear(x, p + "q_proj", m_config.heads * hd, h, bias), m_config.heads, p + "q"), p + "q");
        std::string k = rotary(
            toHeads(linear(x, p + "k_proj", m_config.kvHeads * hd, h, bias), m_config.kvHeads, p + "k"), p + "k");
        std::string v = toHeads(linear(x, p + "v_proj", m_config.kvHeads * hd, h, bias), m_config.kvHeads, p + "v");
        if (m_kvCache) {
            k = appendToCache(k, "key", layer);
            v = appendToCache(v, "value", layer);
        }
        const std::string kT =
            node("Transpose", {repeatKv(k, p + "k")}, p + "k_t", {{"perm", Attribute::makeInts({0, 1, 3, 2})}});
        std::string scores = node("MatMul", {q, kT}, p + "scores");
        scores = node("Mul", {scores, scalar(p + "scale", 1.0 / std::sqrt(static_cast<double>(hd)))}, p + "scaled");
        scores = node("Add", {scores, m_mask}, p + "masked");
        const std::string probs = node("Softmax", {scores}, p + "softmax", {{"axis", Attribute::makeInt(-1)}});
        const std::string context = node("MatMul", {probs, repeatKv(v, p + "v")}, p + "context");
        const std::string merged =
            node("Reshape",
                 {node("Transpose", {context}, p + "from_heads", {{"perm", Attribute::makeInts({0, 2, 1, 3})}}),
                  ints(p + "merge_shape", {0, 0, m_config.heads * hd})},
                 p + "merge_heads");
        return linear(merged, p + "o_proj", h, m_config.heads * hd, false);
    }

    std::string mlp(const std::string& x, const std::string& prefix) {
        const std::string p = prefix + "mlp.";
        const int64_t h = m_config.hiddenSize, f = m_config.intermediateSize;
        std::string gate, up;
        if (m_config.fusedGateUp) {
            auto parts = split(linear(x, p + "gate_up_proj", 2 * f, h, m_config.mlpBias), {f, f}, -1, p + "chunk");
            gate = parts[0];
            up = parts[1];
        } else {
            gate = linear(x, p + "gate_proj", f, h, m_config.mlpBias);
            up = linear(x, p + "up_proj", f, h, m_config.mlpBias);
        }
        const std::string silu = node("Mul", {gate, node("Sigmoid", {gate}, p + "sigmoid")}, p + "silu");
        return linear(node("Mul", {silu, up}, p + "gated"), p + "down_proj", h, f, m_config.mlpBias);
    }
};

} // namespace

Result<Model> buildDecoder(const DecoderConfig& config, const std::map<std::string, TensorData>& weights,
                           const std::string& source, const DecoderBuildOptions& options) {
    Model model;
    model.opsets = {{"", 17}};
    model.producerName = "Open-AutoGLM Studio";
    model.metadata["source"] = source;
    model.metadata["architecture"] = config.architecture;
    Graph& g = model.graph;
    g.name = config.architecture;
    g.inputs.push_back({"input_ids", DType::Int64, std::vector<Dim>{{-1, "batch"}, {-1, "seq"}}, ""});
    g.outputs.push_back(
        {"logits", DType::Float, std::vector<Dim>{{-1, "batch"}, {-1, "seq"}, {config.vocabSize, ""}}, ""});
    if (options.kvCache) {
        for (int64_t layer = 0; layer < config.layers; ++layer)
            for (const char* kind : {"key", "value"}) {
                const std::string suffix = std::string(kind) + "." + std::to_string(layer);
                g.inputs.push_back(
                    {"past_" + suffix, DType::Float,
                     std::vector<Dim>{{-1, "batch"}, {config.kvHeads, ""}, {-1, "past"}, {config.headDim, ""}}, ""});
                g.outputs.push_back(
                    {"present_" + suffix, DType::Float,
                     std::vector<Dim>{{-1, "batch"}, {config.kvHeads, ""}, {-1, "total"}, {config.headDim, ""}}, ""});
            }
    }
    try {
        DecoderGraph(config, weights, g, options.kvCache).build();
    } catch (const AutoglmError& e) {
        return Error{source + ": " + e.what()};
    }
    auto valid = g.validate();
    if (!valid)
        return Error{source + ": internal error, the built graph is invalid: " + valid.message()};
    return model;
}

Result<Model> loadHfCheckpoint(const std::filesystem::path& folder, const DecoderBuildOptions& options) {
    auto config = loadDecoderConfig(folder / "config.json");
    if (!config)
        return config.error();
    auto weights = loadCheckpointWeights(folder);
    if (!weights)
        return weights.error();
    auto model = buildDecoder(config.value(), weights.value(), folder.string(), options);
    if (model)
        model->sourcePath = folder;
    return model;
}

} // namespace autoglm
