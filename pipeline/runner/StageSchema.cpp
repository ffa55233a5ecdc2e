#include "pipeline/runner/StageSchema.h"

#include "pipeline/runner/StageParams.h"

#include <map>

// lupdate collects the labels and tooltips below for the studio's translation file by this macro's name; the
// core itself has no Qt, so here it is only the identity.
#define QT_TRANSLATE_NOOP(context, text) text

namespace autoglm {
namespace {

using nlohmann::json;
using T = StageFieldType;

StageField choice(std::string key, std::vector<json> choices, const char* label, const char* tooltip) {
    StageField f;
    f.key = std::move(key);
    f.type = T::Choice;
    f.choices = std::move(choices);
    f.label = label;
    f.tooltip = tooltip;
    return f;
}

StageField number(T type, std::string key, double lo, double hi, const char* label, const char* tooltip) {
    StageField f;
    f.key = std::move(key);
    f.type = type;
    f.minimum = lo;
    f.maximum = hi;
    f.label = label;
    f.tooltip = tooltip;
    return f;
}

StageField flag(std::string key, const char* label, const char* tooltip) {
    StageField f;
    f.key = std::move(key);
    f.type = T::Bool;
    f.label = label;
    f.tooltip = tooltip;
    return f;
}

StageField list(std::string key, std::vector<json> choices, const char* label, const char* tooltip) {
    StageField f = choice(std::move(key), std::move(choices), label, tooltip);
    f.type = T::StringList;
    return f;
}

StageField when(StageField f, std::string key, std::vector<json> values) {
    f.whenKey = std::move(key);
    f.whenValues = std::move(values);
    return f;
}

// The layer selection shared by prune and quantize (LayerSelection).
void addLayerFields(std::vector<StageField>& fields) {
    fields.push_back(list("layers.op_types", {"MatMul", "Gemm", "Conv"},
                          QT_TRANSLATE_NOOP("autoglm::StageSchema", "Layer types"),
                          QT_TRANSLATE_NOOP("autoglm::StageSchema", "Which weight-bearing layers the pass touches")));
    fields.push_back(list(
        "layers.include", {}, QT_TRANSLATE_NOOP("autoglm::StageSchema", "Include layers"),
        QT_TRANSLATE_NOOP("autoglm::StageSchema", "Name patterns (shell globs) of the layers to touch; empty: all")));
    fields.push_back(
        list("layers.exclude", {}, QT_TRANSLATE_NOOP("autoglm::StageSchema", "Exclude layers"),
             QT_TRANSLATE_NOOP("autoglm::StageSchema", "Name patterns (shell globs) of layers left alone")));
    fields.push_back(flag("layers.keep_first", QT_TRANSLATE_NOOP("autoglm::StageSchema", "Keep first layer"),
                          QT_TRANSLATE_NOOP("autoglm::StageSchema", "Leave the first selected layer in float")));
    fields.push_back(flag("layers.keep_last", QT_TRANSLATE_NOOP("autoglm::StageSchema", "Keep last layer"),
                          QT_TRANSLATE_NOOP("autoglm::StageSchema", "Leave the last selected layer in float")));
}

std::vector<StageField> pruneFields() {
    std::vector<StageField> f;
    StageField pattern = choice(
        "pattern", {"unstructured", "2:4", "4:8", "channels", "heads"}, QT_TRANSLATE_NOOP("autoglm::StageSchema", "Pattern"),
        QT_TRANSLATE_NOOP("autoglm::StageSchema", "unstructured: any weights; N:M: at most N non-zeros in "
                                                  "every M inputs; channels: whole channels removed; heads: whole "
                                                  "attention heads removed"));
    pattern.editable = true;
    f.push_back(pattern);
    StageField sparsity =
        number(T::Double, "sparsity", 0, 1, QT_TRANSLATE_NOOP("autoglm::StageSchema", "Sparsity"),
               QT_TRANSLATE_NOOP("autoglm::StageSchema", "Share of the weights (or channels, or heads) removed"));
    sparsity.maximumExclusive = true;
    f.push_back(when(sparsity, "pattern", {"unstructured", "channels", "heads"}));
    f.push_back(choice("method", {"magnitude", "sparsegpt"}, QT_TRANSLATE_NOOP("autoglm::StageSchema", "Method"),
                       QT_TRANSLATE_NOOP("autoglm::StageSchema",
                                         "magnitude: the smallest weights go; sparsegpt: one-shot selection "
                                         "and reconstruction from calibration data")));
    f.push_back(when(choice("scope", {"per-layer", "global"}, QT_TRANSLATE_NOOP("autoglm::StageSchema", "Scope"),
                            QT_TRANSLATE_NOOP("autoglm::StageSchema",
                                              "Each layer to the sparsity, or one threshold over all layers")),
                     "pattern", {"unstructured"}));
    f.push_back(when(
        choice("criterion", {"l1", "l2", "bn-scale"}, QT_TRANSLATE_NOOP("autoglm::StageSchema", "Channel criterion"),
               QT_TRANSLATE_NOOP("autoglm::StageSchema", "Which channels or heads go first: by weight norm or (channels) "
                                                  "BatchNorm scale")),
        "pattern", {"channels", "heads"}));
    f.push_back(when(
        number(T::Double, "sparsegpt_damp", 1e-6, 1, QT_TRANSLATE_NOOP("autoglm::StageSchema", "SparseGPT damping"),
               QT_TRANSLATE_NOOP("autoglm::StageSchema", "Damping as a fraction of the Hessian's mean diagonal")),
        "method", {"sparsegpt"}));
    f.push_back(when(number(T::Int, "sparsegpt_block_size", 1, 4096,
                            QT_TRANSLATE_NOOP("autoglm::StageSchema", "SparseGPT block size"),
                            QT_TRANSLATE_NOOP("autoglm::StageSchema", "Columns pruned together")),
                     "method", {"sparsegpt"}));
    f.push_back(when(number(T::Int, "calibration_samples", 1, 100000,
                            QT_TRANSLATE_NOOP("autoglm::StageSchema", "Calibration samples"),
                            QT_TRANSLATE_NOOP("autoglm::StageSchema", "Calibration samples used at most")),
                     "method", {"sparsegpt"}));
    addLayerFields(f);
    return f;
}

std::vector<StageField> quantizeFields() {
    std::vector<StageField> f;
    f.push_back(choice(
        "scheme", {"w8a8", "w8a16", "w4a16", "dynamic-int8"}, QT_TRANSLATE_NOOP("autoglm::StageSchema", "Scheme"),
        QT_TRANSLATE_NOOP("autoglm::StageSchema", "w8a8: int8 weights and activations; w8a16 / w4a16: weights only; "
                                                  "dynamic-int8: activations quantized at run time")));
    f.push_back(
        choice("method", {"rtn", "gptq", "awq"}, QT_TRANSLATE_NOOP("autoglm::StageSchema", "Method"),
               QT_TRANSLATE_NOOP("autoglm::StageSchema", "How weights are rounded: to nearest, GPTQ error feedback, or "
                                                         "activation-aware scales")));
    f.push_back(when(
        choice("granularity", {"per-channel", "per-tensor"}, QT_TRANSLATE_NOOP("autoglm::StageSchema", "Granularity"),
               QT_TRANSLATE_NOOP("autoglm::StageSchema", "int8 weights: one scale per output channel or per tensor")),
        "scheme", {"w8a8", "w8a16", "dynamic-int8"}));
    f.push_back(
        when(choice("group_size", {32, 64, 128}, QT_TRANSLATE_NOOP("autoglm::StageSchema", "Group size"),
                    QT_TRANSLATE_NOOP("autoglm::StageSchema", "4-bit weights: input elements sharing one scale")),
             "scheme", {"w4a16"}));
    f.push_back(when(flag("symmetric", QT_TRANSLATE_NOOP("autoglm::StageSchema", "Symmetric"),
                          QT_TRANSLATE_NOOP("autoglm::StageSchema", "4-bit weights without a zero point")),
                     "scheme", {"w4a16"}));
    f.push_back(when(
        choice("int4_format", {"dq", "matmulnbits"}, QT_TRANSLATE_NOOP("autoglm::StageSchema", "4-bit format"),
               QT_TRANSLATE_NOOP("autoglm::StageSchema", "Export as opset-21 DequantizeLinear or as ONNX Runtime's "
                                                         "MatMulNBits")),
        "scheme", {"w4a16"}));
    f.push_back(when(choice("calibrator", {"minmax", "percentile", "mse", "entropy"},
                            QT_TRANSLATE_NOOP("autoglm::StageSchema", "Calibrator"),
                            QT_TRANSLATE_NOOP("autoglm::StageSchema", "How static activation ranges are chosen")),
                     "scheme", {"w8a8"}));
    f.push_back(when(number(T::Double, "percentile", 90, 100, QT_TRANSLATE_NOOP("autoglm::StageSchema", "Percentile"),
                            QT_TRANSLATE_NOOP("autoglm::StageSchema", "Share of activation values the range covers")),
                     "calibrator", {"percentile"}));
    f.push_back(flag("smoothquant", QT_TRANSLATE_NOOP("autoglm::StageSchema", "SmoothQuant"),
                     QT_TRANSLATE_NOOP("autoglm::StageSchema", "Migrate activation outliers into the weights")));
    f.push_back(when(number(T::Double, "smoothquant_alpha", 0, 1,
                            QT_TRANSLATE_NOOP("autoglm::StageSchema", "SmoothQuant alpha"),
                            QT_TRANSLATE_NOOP("autoglm::StageSchema", "Migration strength")),
                     "smoothquant", {true}));
    f.push_back(
        when(number(T::Double, "gptq_damp", 1e-6, 1, QT_TRANSLATE_NOOP("autoglm::StageSchema", "GPTQ damping"),
                    QT_TRANSLATE_NOOP("autoglm::StageSchema", "Damping as a fraction of the Hessian's mean diagonal")),
             "method", {"gptq"}));
    f.push_back(
        when(flag("gptq_act_order", QT_TRANSLATE_NOOP("autoglm::StageSchema", "GPTQ activation order"),
                  QT_TRANSLATE_NOOP("autoglm::StageSchema", "Quantize columns by decreasing activation energy")),
             "method", {"gptq"}));
    f.push_back(
        when(number(T::Int, "gptq_block_size", 1, 4096, QT_TRANSLATE_NOOP("autoglm::StageSchema", "GPTQ block size"),
                    QT_TRANSLATE_NOOP("autoglm::StageSchema", "Columns updated together")),
             "method", {"gptq"}));
    f.push_back(when(number(T::Int, "awq_grid", 2, 100, QT_TRANSLATE_NOOP("autoglm::StageSchema", "AWQ grid"),
                            QT_TRANSLATE_NOOP("autoglm::StageSchema", "Points of the scale-exponent grid searched")),
                     "method", {"awq"}));
    f.push_back(number(T::Int, "calibration_samples", 1, 100000,
                       QT_TRANSLATE_NOOP("autoglm::StageSchema", "Calibration samples"),
                       QT_TRANSLATE_NOOP("autoglm::StageSchema", "Calibration samples used at most")));
    addLayerFields(f);
    return f;
}

std::vector<StageField> distillFields() {
    std::vector<StageField> f;
    f.push_back(number(T::Int, "steps", 1, 1e7, QT_TRANSLATE_NOOP("autoglm::StageSchema", "Steps"),
                       QT_TRANSLATE_NOOP("autoglm::StageSchema", "Optimizer steps (unless epochs is set)")));
    f.push_back(number(T::Int, "epochs", 0, 1e5, QT_TRANSLATE_NOOP("autoglm::StageSchema", "Epochs"),
                       QT_TRANSLATE_NOOP("autoglm::StageSchema", "Whole passes over the training data; 0: use steps")));
    f.push_back(number(T::Int, "batch_size", 1, 65536, QT_TRANSLATE_NOOP("autoglm::StageSchema", "Batch size"),
                       QT_TRANSLATE_NOOP("autoglm::StageSchema", "Training samples per step")));
    f.push_back(number(
        T::Double, "learning_rate", 1e-9, 1, QT_TRANSLATE_NOOP("autoglm::StageSchema", "Learning rate"),
        QT_TRANSLATE_NOOP("autoglm::StageSchema", "AdamW peak learning rate, after warm-up, before cosine decay")));
    f.push_back(number(T::Double, "weight_decay", 0, 1, QT_TRANSLATE_NOOP("autoglm::StageSchema", "Weight decay"),
                       QT_TRANSLATE_NOOP("autoglm::StageSchema", "Decoupled weight decay of matrices and kernels")));
    f.push_back(
        number(T::Double, "warmup", 0, 0.5, QT_TRANSLATE_NOOP("autoglm::StageSchema", "Warm-up"),
               QT_TRANSLATE_NOOP("autoglm::StageSchema", "Share of the steps spent warming the learning rate up")));
    f.push_back(number(T::Double, "grad_clip", 0, 1e6, QT_TRANSLATE_NOOP("autoglm::StageSchema", "Gradient clip"),
                       QT_TRANSLATE_NOOP("autoglm::StageSchema", "Largest global gradient norm; 0: never clip")));
    f.push_back(number(T::Double, "temperature", 0.05, 100, QT_TRANSLATE_NOOP("autoglm::StageSchema", "Temperature"),
                       QT_TRANSLATE_NOOP("autoglm::StageSchema", "Softmax temperature of the distillation loss")));
    f.push_back(number(
        T::Double, "alpha", 0, 1, QT_TRANSLATE_NOOP("autoglm::StageSchema", "Alpha"),
        QT_TRANSLATE_NOOP("autoglm::StageSchema", "Weight of the teacher's soft labels against the hard labels")));
    f.push_back(list(
        "hidden_values", {}, QT_TRANSLATE_NOOP("autoglm::StageSchema", "Hidden values"),
        QT_TRANSLATE_NOOP("autoglm::StageSchema", "Values of both models whose mean squared difference is added")));
    f.push_back(
        number(T::Double, "hidden_weight", 0, 1e6, QT_TRANSLATE_NOOP("autoglm::StageSchema", "Hidden weight"),
               QT_TRANSLATE_NOOP("autoglm::StageSchema", "Weight of the hidden-state loss; needs hidden values")));
    f.push_back(number(T::Int, "validate_every", 1, 1e7, QT_TRANSLATE_NOOP("autoglm::StageSchema", "Validate every"),
                       QT_TRANSLATE_NOOP("autoglm::StageSchema", "Steps between validations")));
    f.push_back(
        number(T::Int, "patience", 0, 1e6, QT_TRANSLATE_NOOP("autoglm::StageSchema", "Patience"),
               QT_TRANSLATE_NOOP("autoglm::StageSchema", "Validations without improvement before stopping; 0: never")));
    f.push_back(
        number(T::Double, "validation_share", 0.01, 0.5, QT_TRANSLATE_NOOP("autoglm::StageSchema", "Validation share"),
               QT_TRANSLATE_NOOP("autoglm::StageSchema", "Training data held out when no validation set is given")));
    f.push_back(number(T::Int, "seed", -kUnboundedParam, kUnboundedParam,
                       QT_TRANSLATE_NOOP("autoglm::StageSchema", "Seed"),
                       QT_TRANSLATE_NOOP("autoglm::StageSchema", "Seed of shuffling and augmentation")));
    f.push_back(flag("augment", QT_TRANSLATE_NOOP("autoglm::StageSchema", "Augment images"),
                     QT_TRANSLATE_NOOP("autoglm::StageSchema", "Random shifts and flips of image batches")));
    f.push_back(
        flag("mixup", QT_TRANSLATE_NOOP("autoglm::StageSchema", "Mixup"),
             QT_TRANSLATE_NOOP("autoglm::StageSchema", "Mix image pairs, labelled by the teacher (alpha 1 only)")));
    return f;
}

std::vector<StageField> evaluateFields() {
    std::vector<StageField> f;
    StageField dataset;
    dataset.key = "dataset";
    dataset.type = T::DatasetRef;
    dataset.label = QT_TRANSLATE_NOOP("autoglm::StageSchema", "Dataset");
    dataset.tooltip =
        QT_TRANSLATE_NOOP("autoglm::StageSchema", "Data this variant is measured on; empty: the pipeline's");
    f.push_back(dataset);
    f.push_back(
        number(T::Int, "samples", -1, kUnboundedParam, QT_TRANSLATE_NOOP("autoglm::StageSchema", "Samples"),
               QT_TRANSLATE_NOOP("autoglm::StageSchema", "Samples evaluated at most; 0: all; -1: the pipeline's")));
    return f;
}

std::vector<StageField> exportFields() {
    return {flag("hf_folder", QT_TRANSLATE_NOOP("autoglm::StageSchema", "Hugging Face folder"),
                 QT_TRANSLATE_NOOP("autoglm::StageSchema",
                                   "Also write config.json, model.safetensors and the tokenizer beside the ONNX file "
                                   "(float variants of a checkpoint: pruned or distilled, not quantized)")),
            when(choice("hf_dtype", {"float32", "bfloat16", "float16"},
                        QT_TRANSLATE_NOOP("autoglm::StageSchema", "Folder weights"),
                        QT_TRANSLATE_NOOP("autoglm::StageSchema",
                                          "float32 keeps the outputs identical; bfloat16 and float16 halve the files")),
                 "hf_folder", {true}),
            flag("cached_decoder", QT_TRANSLATE_NOOP("autoglm::StageSchema", "Generation variant"),
                 QT_TRANSLATE_NOOP("autoglm::StageSchema",
                                   "Also write NAME_cached.onnx, the same variant with past/present key/value inputs "
                                   "and outputs for fast generation (checkpoints only; no pruning or training after quantizing)"))};
}

// Fills every field's default from the Params struct of its kind.
std::vector<StageField> withDefaults(const std::string& kind, std::vector<StageField> fields) {
    json defaults;
    if (kind == "evaluate") {
        // EvaluateParams::toJson leaves out what defers to the pipeline, so read the struct's members.
        const EvaluateParams params;
        defaults = {{"dataset", params.dataset}, {"samples", params.samples}};
    } else {
        auto parsed = parseStageParams(kind, json::object(), kind);
        defaults = parsed ? parsed->toJson() : json::object();
    }
    for (auto& f : fields)
        f.defaultValue = dottedParam(defaults, f.key);
    return fields;
}

} // namespace

bool StageField::applies(const json& completeParams) const {
    if (whenKey.empty())
        return true;
    const json value = dottedParam(completeParams, whenKey);
    for (const auto& v : whenValues)
        if (v == value)
            return true;
    return false;
}

const std::vector<StageField>& stageSchema(const std::string& kind) {
    static const std::map<std::string, std::vector<StageField>> schemas{
        {"prune", withDefaults("prune", pruneFields())},
        {"quantize", withDefaults("quantize", quantizeFields())},
        {"distill", withDefaults("distill", distillFields())},
        {"evaluate", withDefaults("evaluate", evaluateFields())},
        {"export", withDefaults("export", exportFields())},
    };
    static const std::vector<StageField> none;
    auto it = schemas.find(kind);
    return it == schemas.end() ? none : it->second;
}

const StageField* findStageField(const std::string& kind, const std::string& key) {
    for (const auto& f : stageSchema(kind))
        if (f.key == key)
            return &f;
    return nullptr;
}

json dottedParam(const json& params, const std::string& key) {
    const json* at = &params;
    size_t start = 0;
    while (true) {
        const size_t dot = key.find('.', start);
        const std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (!at->is_object() || !at->contains(part))
            return nullptr;
        at = &(*at)[part];
        if (dot == std::string::npos)
            return *at;
        start = dot + 1;
    }
}

std::vector<std::string> stageDatasetRoles(const std::string& kind) {
    if (kind == "prune" || kind == "quantize")
        return {"calibration"};
    if (kind == "distill")
        return {"training", "validation"};
    return {};
}

} // namespace autoglm
