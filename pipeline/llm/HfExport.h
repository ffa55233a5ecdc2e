#pragma once
// Writes a float variant of a Hugging Face checkpoint (pruned, distilled) back as a Hugging Face folder:
// config.json, model.safetensors and the tokenizer files, loadable by transformers and by loadHfCheckpoint.
// The variant's graph must be the decoder graph buildDecoder made (weights under their checkpoint names, linear
// weights transposed as "<name>.T"); quantized variants have no float weights to write and are refused.

#include "pipeline/common/Result.h"
#include "pipeline/ir/DType.h"
#include "pipeline/ir/Graph.h"

#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace autoglm {

struct HfExportOptions {
    // Float keeps every output identical to the variant; BFloat16 / Float16 halve the files (rounded weights).
    DType dtype = DType::Float;
    // A folder already at the target is replaced once the new one is complete (a run's own output); else
    // the target must not exist or be empty.
    bool replace = false;
};

// The variant's float weights under their checkpoint names (linear weights transposed back, in `dtype`), and
// the original config.json rewritten for them. Fails, naming the weight, for quantized or rewritten layers.
struct VariantCheckpoint {
    std::map<std::string, TensorData> tensors;
    std::string configJson;
};
Result<VariantCheckpoint> variantCheckpoint(const Model& variant, const std::filesystem::path& originalFolder,
                                            DType dtype = DType::Float);

// The generation twin of a float variant: the same weights in the decoder built with a key/value cache
// (past_* inputs, present_* outputs), which computes what the variant does when the past is empty.
Result<Model> cachedDecoderOf(const Model& variant, const std::filesystem::path& originalFolder);

// The weight types a folder can hold, by the names configs use: "float32", "bfloat16", "float16" (nullopt
// for any other); and back.
std::optional<DType> hfWeightType(const std::string& name);
std::string hfWeightTypeName(DType type);

// `originalFolder` is the checkpoint the variant was made from (its config and tokenizer are carried over;
// intermediate_size follows FFN-neuron pruning when every layer kept the same number). `outFolder` must not
// exist or be empty; it appears complete or not at all.
Status exportHfCheckpoint(const Model& variant, const std::filesystem::path& originalFolder,
                          const std::filesystem::path& outFolder, const HfExportOptions& options = {});

} // namespace autoglm
