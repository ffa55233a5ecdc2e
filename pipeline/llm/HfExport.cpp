#include "pipeline/llm/HfExport.h"

#include "pipeline/common/AtomicFile.h"
#include "pipeline/common/ReadFile.h"
#include "pipeline/exec/TorchTypes.h"
#include "pipeline/llm/DecoderBuilder.h"
#include "pipeline/llm/DecoderConfig.h"
#include "pipeline/llm/SafeTensors.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <map>
#include <unistd.h>

namespace autoglm {
namespace fs = std::filesystem;

namespace {

constexpr const char* kEmbedding = "model.embed_tokens.weight";

// The checkpoint tensor `name` as the variant holds it: under its own name, or transposed for MatMul.
struct VariantWeights {
    const Graph& graph;

    std::optional<at::Tensor> plain(const std::string& name) const { return floatInitializer(name); }
    std::optional<at::Tensor> transposedBack(const std::string& name) const {
        auto t = floatInitializer(name + ".T");
        return t ? std::optional<at::Tensor>(t->t()) : std::nullopt;
    }

private:
    std::optional<at::Tensor> floatInitializer(const std::string& name) const {
        auto it = graph.initializers.find(name);
        if (it == graph.initializers.end() || it->second.dtype() != DType::Float)
            return std::nullopt;
        return it->second.tensor();
    }
};

// The tensors to write under their checkpoint names, and whether the embedding had to be untied.
struct CollectedWeights {
    std::map<std::string, TensorData> tensors;
    bool untied = false;
};

Result<CollectedWeights> collectWeights(const Model& variant, const std::map<std::string, TensorData>& original,
                                        bool tied, DType dtype) {
    const VariantWeights weights{variant.graph};
    const auto type = torchType(dtype);
    CollectedWeights out;
    auto put = [&](const std::string& name, const at::Tensor& t) {
        out.tensors.emplace(name, TensorData(t.to(*type).contiguous()));
    };
    for (const auto& [name, stored] : original) {
        auto plain = weights.plain(name);
        auto transposed = weights.transposedBack(name);
        if (!plain && !transposed)
            return Error{"the variant has no float weight '" + name +
                         "' (quantized or rewritten layers cannot go into a Hugging Face folder: export it as ONNX)"};
        if (plain && transposed && !at::equal(*plain, *transposed)) {
            // A tied embedding is both the lookup table and the output head; training moved them apart, so the
            // folder gets an lm_head of its own.
            if (!(tied && name == kEmbedding))
                return Error{"the variant holds two different copies of '" + name + "'"};
            put("lm_head.weight", *transposed);
            out.untied = true;
        }
        put(name, plain ? *plain : *transposed);
    }
    return out;
}

// intermediate_size after FFN-neuron pruning: what every layer's down projection takes.
Result<int64_t> intermediateSize(const std::map<std::string, TensorData>& tensors, int64_t layers) {
    std::optional<int64_t> size;
    for (int64_t l = 0; l < layers; ++l) {
        const std::string name = "model.layers." + std::to_string(l) + ".mlp.down_proj.weight";
        auto it = tensors.find(name);
        if (it == tensors.end())
            return Error{"the variant has no '" + name + "'"};
        const int64_t kept = it->second.shape().at(1);
        if (size && kept != *size)
            return Error{"layer " + std::to_string(l) + " keeps " + std::to_string(kept) + " FFN neurons and layer 0 " +
                         std::to_string(*size) +
                         ": a Hugging Face config has one intermediate_size for every layer (export it as ONNX)"};
        size = kept;
    }
    return size.value_or(0);
}

// num_attention_heads / num_key_value_heads after head pruning: what every layer's o_proj and k_proj keep.
struct AttentionHeads {
    int64_t heads = 0;
    int64_t kvHeads = 0;
};
Result<AttentionHeads> attentionHeads(const std::map<std::string, TensorData>& tensors, int64_t layers,
                                      int64_t headDim) {
    std::optional<AttentionHeads> first;
    for (int64_t l = 0; l < layers; ++l) {
        const std::string prefix = "model.layers." + std::to_string(l) + ".self_attn.";
        auto o = tensors.find(prefix + "o_proj.weight");
        auto k = tensors.find(prefix + "k_proj.weight");
        if (o == tensors.end() || k == tensors.end())
            return Error{"the variant has no '" + prefix + "o_proj.weight' or '" + prefix + "k_proj.weight'"};
        const AttentionHeads here{o->second.shape().at(1) / headDim, k->second.shape().at(0) / headDim};
        if (first && (here.heads != first->heads || here.kvHeads != first->kvHeads))
            return Error{"layer " + std::to_string(l) + " keeps " + std::to_string(here.heads) +
                         " attention heads and layer 0 " + std::to_string(first->heads) +
                         ": a Hugging Face config has one head count for every layer (export it as ONNX)"};
        first = here;
    }
    return first.value_or(AttentionHeads{});
}

Status copyIfPresent(const fs::path& from, const fs::path& to) {
    std::error_code ec;
    if (!fs::exists(from, ec))
        return Ok{};
    auto bytes = readFileBytes(from);
    if (!bytes)
        return bytes.error();
    return writeFileAtomically(to, bytes.value());
}

} // namespace

std::optional<DType> hfWeightType(const std::string& name) {
    if (name == "float32")
        return DType::Float;
    if (name == "bfloat16")
        return DType::BFloat16;
    if (name == "float16")
        return DType::Float16;
    return std::nullopt;
}

std::string hfWeightTypeName(DType type) {
    return type == DType::Float ? "float32" : type == DType::BFloat16 ? "bfloat16" : "float16";
}

Result<VariantCheckpoint> variantCheckpoint(const Model& variant, const fs::path& originalFolder, DType dtype) {
    auto configText = readFileBytes(originalFolder / "config.json");
    if (!configText)
        return configText.error();
    nlohmann::json config = nlohmann::json::parse(configText.value(), nullptr, false);
    if (!config.is_object())
        return Error{(originalFolder / "config.json").string() + " is not a JSON object"};
    auto original = loadCheckpointWeights(originalFolder);
    if (!original)
        return original.error();
    const bool tied = config.value("tie_word_embeddings", false) && !original->count("lm_head.weight");
    auto collected = collectWeights(variant, original.value(), tied, dtype);
    if (!collected)
        return collected.error();
    auto inter = intermediateSize(collected->tensors, config.value("num_hidden_layers", int64_t(0)));
    if (!inter)
        return inter.error();

    config["intermediate_size"] = inter.value();
    const int64_t layers = config.value("num_hidden_layers", int64_t(0));
    const int64_t heads = config.value("num_attention_heads", int64_t(0));
    if (layers > 0 && heads > 0) {
        // head_dim is written out: after head pruning hidden_size / num_attention_heads no longer gives it.
        const int64_t headDim = config.value("head_dim", config.value("hidden_size", int64_t(0)) / heads);
        auto kept = attentionHeads(collected->tensors, layers, headDim);
        if (!kept)
            return kept.error();
        if (kept->heads != heads || kept->kvHeads != config.value("num_key_value_heads", heads)) {
            config["num_attention_heads"] = kept->heads;
            config["num_key_value_heads"] = kept->kvHeads;
            config["head_dim"] = headDim;
        }
    }
    if (collected->untied)
        config["tie_word_embeddings"] = false;
    const std::string dtypeName = hfWeightTypeName(dtype);
    config["dtype"] = dtypeName;
    if (config.contains("torch_dtype"))
        config["torch_dtype"] = dtypeName;
    return VariantCheckpoint{std::move(collected->tensors), config.dump(2) + "\n"};
}

namespace {

Status writeFolder(const Model& variant, const fs::path& originalFolder, const fs::path& folder,
                   const HfExportOptions& options) {
    auto checkpoint = variantCheckpoint(variant, originalFolder, options.dtype);
    if (!checkpoint)
        return checkpoint.error();
    if (auto s = saveSafeTensors(checkpoint->tensors, folder / "model.safetensors", {{"format", "pt"}}); !s)
        return s;
    if (auto s = writeFileAtomically(folder / "config.json", checkpoint->configJson); !s)
        return s;
    for (const char* file :
         {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"})
        if (auto s = copyIfPresent(originalFolder / file, folder / file); !s)
            return s;
    // The importer checks every shape against the new config: what it cannot load is not written.
    if (auto back = loadHfCheckpoint(folder); !back)
        return Error{"the written folder does not load back: " + back.message()};
    return Ok{};
}

} // namespace

Result<Model> cachedDecoderOf(const Model& variant, const fs::path& originalFolder) {
    auto checkpoint = variantCheckpoint(variant, originalFolder, DType::Float);
    if (!checkpoint)
        return checkpoint.error();
    auto config = parseDecoderConfig(checkpoint->configJson, (originalFolder / "config.json").string());
    if (!config)
        return config.error();
    DecoderBuildOptions cached;
    cached.kvCache = true;
    auto model = buildDecoder(config.value(), checkpoint->tensors, originalFolder.string(), cached);
    if (model)
        model->sourcePath = originalFolder;
    return model;
}

Status exportHfCheckpoint(const Model& variant, const fs::path& originalFolder, const fs::path& outFolder,
                          const HfExportOptions& options) {
    if (options.dtype != DType::Float && options.dtype != DType::BFloat16 && options.dtype != DType::Float16)
        return Error{"a Hugging Face folder holds float32, bfloat16 or float16 weights, not " +
                     dtypeName(options.dtype)};
    std::error_code ec;
    const bool occupied = fs::exists(outFolder, ec) && !(fs::is_directory(outFolder, ec) && fs::is_empty(outFolder, ec));
    if (occupied && !(options.replace && fs::is_directory(outFolder, ec)))
        return Error{"'" + outFolder.string() + "' already exists and is not an empty folder"};
    const fs::path parent = outFolder.has_parent_path() ? outFolder.parent_path() : fs::path(".");
    if (!fs::is_directory(parent, ec))
        return Error{"the folder '" + parent.string() + "' does not exist"};
    // Everything is written into a hidden sibling and renamed into place at the end.
    const fs::path staging =
        parent / ("." + outFolder.filename().string() + ".part-" + std::to_string(static_cast<long>(::getpid())));
    fs::remove_all(staging, ec);
    if (!fs::create_directory(staging, ec))
        return Error{"cannot create '" + staging.string() + "': " + ec.message()};
    Status written = Ok{};
    try {
        written = writeFolder(variant, originalFolder, staging, options);
    } catch (const std::exception& e) {
        written = Error{e.what()};
    }
    if (written) {
        // The old folder is moved aside, not deleted, until the new one is in place.
        const fs::path old = parent / ("." + outFolder.filename().string() + ".old-" + std::to_string(::getpid()));
        fs::remove_all(old, ec);
        if (occupied)
            fs::rename(outFolder, old, ec);
        else
            fs::remove(outFolder, ec); // an empty folder the user made
        ec.clear();
        fs::rename(staging, outFolder, ec);
        if (ec) {
            written = Error{"cannot move the export into '" + outFolder.string() + "': " + ec.message()};
            if (occupied)
                fs::rename(old, outFolder, ec);
        } else {
            fs::remove_all(old, ec);
        }
    }
    if (!written)
        fs::remove_all(staging, ec);
    return written;
}

} // namespace autoglm
