#include "CompressStages.h"

#include "pipeline/io/ArrayFile.h"
#include "pipeline/passes/distill/DistillPass.h"
#include "pipeline/passes/prune/PrunePass.h"
#include "pipeline/passes/quantize/QuantizePass.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

namespace autoglm::cli {
namespace {

// Flags that select layers apply to every stage.
void readLayerFlags(const ParsedArgs& args, LayerSelection& layers) {
    if (args.has("keep-first"))
        layers.keepFirst = true;
    if (args.has("keep-last"))
        layers.keepLast = true;
    for (const auto& pattern : args.all("exclude"))
        layers.exclude.push_back(pattern);
    for (const auto& pattern : args.all("include"))
        layers.include.push_back(pattern);
}

Result<QuantizeParams> quantizeParamsFrom(const ParsedArgs& args) {
    QuantizeParams p;
    if (args.has("params")) {
        std::ifstream in(args.value("params"));
        if (!in)
            return Error{"cannot open parameters file '" + args.value("params") + "'"};
        nlohmann::json json = nlohmann::json::parse(in, nullptr, false);
        if (json.is_discarded())
            return Error{"'" + args.value("params") + "' is not valid JSON"};
        auto parsed = QuantizeParams::fromJson(json, args.value("params"));
        if (!parsed)
            return parsed.error();
        p = parsed.value();
    }
    p.scheme = args.value("quantize", p.scheme);
    p.method = args.value("method", p.method);
    p.granularity = args.value("granularity", p.granularity);
    p.calibrator = args.value("calibrator", p.calibrator);
    p.int4Format = args.value("int4-format", p.int4Format);
    if (args.has("asymmetric"))
        p.symmetric = false;
    if (args.has("act-order"))
        p.gptqActOrder = true;
    readLayerFlags(args, p.layers);
    auto group = args.integer("group", p.groupSize, 1, 1 << 20);
    auto samples = args.integer("calib-samples", p.calibrationSamples, 1, 1 << 30);
    auto percentile = args.real("percentile", p.percentile);
    auto smooth = args.real("smoothquant", p.smoothquantAlpha);
    for (const auto* r : {&group, &samples})
        if (!*r)
            return r->error();
    for (const auto* r : {&percentile, &smooth})
        if (!*r)
            return r->error();
    p.groupSize = group.value();
    p.calibrationSamples = samples.value();
    p.percentile = percentile.value();
    if (args.has("smoothquant")) {
        p.smoothquant = true;
        p.smoothquantAlpha = smooth.value();
    }
    if (auto s = p.validate("--quantize"); !s)
        return s.error();
    return p;
}

// --prune unstructured:0.5 | channels:0.5 | 2:4 | 4:8 | N:M.
Result<PruneParams> pruneParamsFrom(const ParsedArgs& args) {
    PruneParams p;
    const std::string spec = args.value("prune");
    const std::string kind = spec.substr(0, spec.find(':'));
    if (kind == "unstructured" || kind == "channels" || kind == "heads") {
        p.pattern = kind;
        const std::string share = spec.size() > kind.size() + 1 ? spec.substr(kind.size() + 1) : "";
        try {
            size_t used = 0;
            p.sparsity = std::stod(share, &used);
            if (used != share.size())
                throw std::invalid_argument(share);
        } catch (const std::exception&) {
            return Error{"--prune " + spec + ": expected " + kind + ":SHARE, e.g. " + kind + ":0.5"};
        }
    } else {
        p.pattern = spec;
    }
    p.method = args.value("prune-method", p.method);
    p.scope = args.value("prune-scope", p.scope);
    p.criterion = args.value("prune-criterion", p.criterion);
    readLayerFlags(args, p.layers);
    auto samples = args.integer("calib-samples", p.calibrationSamples, 1, 1 << 30);
    if (!samples)
        return samples.error();
    p.calibrationSamples = samples.value();
    if (auto s = p.validate("--prune"); !s)
        return s.error();
    return p;
}

// --distill steps=300,lr=1e-3,temperature=2,alpha=0.5,...: the keys of DistillParams' JSON (with the short
// names lr and batch), each with a number.
Result<DistillParams> distillParamsFrom(const ParsedArgs& args) {
    const std::string spec = args.value("distill");
    nlohmann::json json = nlohmann::json::object();
    size_t start = 0;
    while (start < spec.size()) {
        const size_t end = std::min(spec.find(',', start), spec.size());
        const std::string item = spec.substr(start, end - start);
        start = end + 1;
        const size_t eq = item.find('=');
        if (eq == std::string::npos)
            return Error{"--distill: '" + item + "' is not KEY=VALUE (e.g. steps=300,lr=1e-3,temperature=2)"};
        std::string key = item.substr(0, eq);
        const std::string text = item.substr(eq + 1);
        std::replace(key.begin(), key.end(), '-', '_');
        key = key == "lr" ? "learning_rate" : key == "batch" ? "batch_size" : key;
        try {
            size_t used = 0;
            const double value = std::stod(text, &used);
            if (used != text.size())
                throw std::invalid_argument(text);
            if (value == std::floor(value) && std::abs(value) < 1e15 && text.find_first_of(".eE") == std::string::npos)
                json[key] = static_cast<int64_t>(value);
            else
                json[key] = value;
        } catch (const std::exception&) {
            return Error{"--distill: " + key + " expects a number, got '" + text + "'"};
        }
    }
    return DistillParams::fromJson(json, "--distill");
}

} // namespace

Result<std::vector<CompressStage>> stagesFrom(const ParsedArgs& args) {
    std::vector<CompressStage> stages;
    for (const auto& name : args.order) {
        const std::string kind = name == "params" ? "quantize" : name;
        if (kind != "prune" && kind != "quantize" && kind != "distill")
            continue;
        if (std::any_of(stages.begin(), stages.end(), [&](const CompressStage& s) { return s.kind == kind; }))
            continue;
        CompressStage stage;
        stage.kind = kind;
        if (kind == "distill") {
            auto p = distillParamsFrom(args);
            if (!p)
                return p.error();
            stage.distill = p.value();
        } else if (kind == "prune") {
            auto p = pruneParamsFrom(args);
            if (!p)
                return p.error();
            stage.prune = p.value();
        } else {
            auto p = quantizeParamsFrom(args);
            if (!p)
                return p.error();
            stage.quantize = p.value();
        }
        stages.push_back(std::move(stage));
    }
    if (stages.empty())
        return Error{"say what to do: --prune unstructured:S|N:M, --quantize w8a8|w8a16|w4a16|dynamic-int8 (or "
                     "--params FILE.json), --distill steps=N,lr=X,..."};
    return stages;
}

Result<std::optional<TrainingSet>> trainingFrom(const ParsedArgs& args, const Model& model,
                                                const std::vector<CompressStage>& stages) {
    const bool needed =
        std::any_of(stages.begin(), stages.end(), [](const CompressStage& s) { return s.kind == "distill"; });
    const bool given = args.has("train-images") || args.has("train-text");
    if (!needed) {
        if (given)
            return Error{"--train-images/--train-text are read by --distill, which was not given"};
        return std::optional<TrainingSet>{};
    }
    if (args.has("train-images") == args.has("train-text"))
        return Error{"--distill needs training data: give either --train-images X.npy [--train-labels Y.npy] or "
                     "--train-text FILE"};
    auto limit = args.integer("train-samples", int64_t(1) << 40, 1, int64_t(1) << 40);
    if (!limit)
        return limit.error();
    Result<TrainingSet> set = Error{""};
    if (args.has("train-images")) {
        auto images = loadArrayFile(args.value("train-images"));
        if (!images)
            return images.error();
        TensorData labels;
        if (args.has("train-labels")) {
            auto read = loadArrayFile(args.value("train-labels"));
            if (!read)
                return read.error();
            labels = read.value();
        }
        set = trainingFromImages(model, images.value(), labels, limit.value());
        if (!set)
            return Error{args.value("train-images") + ": " + set.message()};
    } else {
        if (args.has("train-labels"))
            return Error{"--train-labels goes with --train-images; text is labelled by its next tokens"};
        std::ifstream in(args.value("train-text"), std::ios::binary);
        if (!in)
            return Error{"cannot open training text '" + args.value("train-text") + "'"};
        std::ostringstream text;
        text << in.rdbuf();
        set = trainingFromText(model, text.str(), 256, limit.value());
        if (!set)
            return Error{args.value("train-text") + ": " + set.message()};
    }
    return std::optional<TrainingSet>{std::move(set.value())};
}

Result<PassResult> runStage(const CompressStage& stage, const Model& model, const StageData& data) {
    ProgressLine progress(stage.kind);
    PassContext context;
    context.progress = [&](const PassProgress& p) { progress.update(p.fraction, p.message); };
    const CalibrationSet* calibration = data.calibration.empty() ? nullptr : &data.calibration;
    Result<PassResult> result = Error{"no training data"};
    if (stage.kind == "prune")
        result = pruneModel(model, stage.prune, calibration, context);
    else if (stage.kind == "quantize")
        result = quantizeModel(model, stage.quantize, calibration, context);
    else if (data.training)
        result = distillModel(model, data.original, stage.distill, *data.training, nullptr, context);
    else
        result = Error{"distillation needs training data: give --train-images X.npy [--train-labels Y.npy] or "
                       "--train-text FILE"};
    progress.finish();
    if (!result)
        return Error{stage.summary() + ": " + result.message()};
    return result;
}

std::vector<OptionSpec> stageOptions() {
    return {{"prune", "SPEC",
             "unstructured:S (share S of weights zeroed), N:M such as 2:4 or 4:8, channels:S (share S of "
             "channels removed, shapes shrink) or heads:S (share S of each attention block's heads removed)"},
            {"prune-criterion", "C", "channels and heads: l2 (default), l1 or (channels) bn-scale"},
            {"prune-method", "M", "magnitude (default) or sparsegpt (needs calibration data)"},
            {"prune-scope", "S", "unstructured magnitude: per-layer (default) or global"},
            {"distill", "K=V,...", "train against the original: steps=N|epochs=N, lr=X, temperature=T, alpha=A, "
                                   "batch=B, patience=P, validate_every=N, weight_decay=W, warmup=F"},
            {"train-images", "X.npy", "distillation images"},
            {"train-labels", "Y.npy", "labels for --train-images (hard-label loss mixed in by alpha)"},
            {"train-text", "FILE", "distillation text (256-token windows)"},
            {"train-samples", "N", "training images or windows used at most (default all)"},
            {"quantize", "SCHEME", "w8a8 (static activations), w8a16, w4a16 or dynamic-int8"},
            {"params", "FILE.json", "quantization parameters as JSON (flags given too override them)"},
            {"method", "M", "rtn, gptq or awq (default rtn)"},
            {"granularity", "G", "int8 weights: per-channel (default) or per-tensor"},
            {"group", "N", "4-bit group size: 32, 64 or 128 (default 128)"},
            {"asymmetric", "", "4-bit weights with a zero point"},
            {"int4-format", "F", "dq (opset-21 DequantizeLinear, default) or matmulnbits"},
            {"act-order", "", "GPTQ: quantize columns by decreasing activation energy"},
            {"smoothquant", "ALPHA", "migrate activation outliers into the weights (e.g. 0.5)"},
            {"calibrator", "C", "w8a8 activation ranges: minmax, percentile, mse or entropy"},
            {"percentile", "P", "percentile calibrator (default 99.99)"},
            {"include", "PATTERN", "only layers whose node or weight name matches (glob)", true},
            {"exclude", "PATTERN", "skip layers whose node or weight name matches (glob)", true},
            {"keep-first", "", "keep the first weight layer as it is"},
            {"keep-last", "", "keep the last weight layer as it is"}};
}

} // namespace autoglm::cli
