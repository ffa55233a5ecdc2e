#include "CompressStages.h"

#include "pipeline/passes/prune/PrunePass.h"
#include "pipeline/passes/quantize/QuantizePass.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>

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

// --prune unstructured:0.5 | 2:4 | 4:8 | N:M.
Result<PruneParams> pruneParamsFrom(const ParsedArgs& args) {
    PruneParams p;
    const std::string spec = args.value("prune");
    const std::string kind = spec.substr(0, spec.find(':'));
    if (kind == "unstructured") {
        const std::string share = spec.size() > kind.size() + 1 ? spec.substr(kind.size() + 1) : "";
        try {
            size_t used = 0;
            p.sparsity = std::stod(share, &used);
            if (used != share.size())
                throw std::invalid_argument(share);
        } catch (const std::exception&) {
            return Error{"--prune " + spec + ": expected unstructured:SPARSITY, e.g. unstructured:0.5"};
        }
    } else if (kind == "channels" || kind == "heads") {
        return Error{"--prune " + spec + ": structured " + kind +
                     " pruning (physically removing channels / heads) is not available yet; use unstructured:S or "
                     "N:M"};
    } else {
        p.pattern = spec;
    }
    p.method = args.value("prune-method", p.method);
    p.scope = args.value("prune-scope", p.scope);
    readLayerFlags(args, p.layers);
    auto samples = args.integer("calib-samples", p.calibrationSamples, 1, 1 << 30);
    if (!samples)
        return samples.error();
    p.calibrationSamples = samples.value();
    if (auto s = p.validate("--prune"); !s)
        return s.error();
    return p;
}

} // namespace

bool CompressStage::needsCalibration() const {
    return kind == "prune" ? prune.needsCalibration() : quantize.needsCalibration();
}

int64_t CompressStage::calibrationSamples() const {
    return kind == "prune" ? prune.calibrationSamples : quantize.calibrationSamples;
}

std::string CompressStage::summary() const {
    return kind + " " + (kind == "prune" ? prune.summary() : quantize.summary());
}

nlohmann::json CompressStage::toJson() const {
    return {{"stage", kind}, {"params", kind == "prune" ? prune.toJson() : quantize.toJson()}};
}

Result<std::vector<CompressStage>> stagesFrom(const ParsedArgs& args) {
    std::vector<CompressStage> stages;
    for (const auto& name : args.order) {
        const std::string kind = name == "params" ? "quantize" : name;
        if (kind != "prune" && kind != "quantize")
            continue;
        if (std::any_of(stages.begin(), stages.end(), [&](const CompressStage& s) { return s.kind == kind; }))
            continue;
        CompressStage stage{kind, {}, {}};
        if (kind == "prune") {
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
        return Error{"say what to do: --prune unstructured:S|N:M and/or --quantize w8a8|w8a16|w4a16|dynamic-int8 "
                     "(or --params FILE.json)"};
    return stages;
}

Result<PassResult> runStage(const CompressStage& stage, const Model& model, const CalibrationSet& calibration) {
    ProgressLine progress(stage.kind);
    PassContext context;
    context.progress = [&](const PassProgress& p) { progress.update(p.fraction, p.message); };
    const CalibrationSet* data = calibration.empty() ? nullptr : &calibration;
    auto result = stage.kind == "prune" ? pruneModel(model, stage.prune, data, context)
                                        : quantizeModel(model, stage.quantize, data, context);
    progress.finish();
    if (!result)
        return Error{stage.summary() + ": " + result.message()};
    return result;
}

std::vector<OptionSpec> stageOptions() {
    return {{"prune", "SPEC", "unstructured:S (share S of weights zeroed), or N:M such as 2:4 or 4:8"},
            {"prune-method", "M", "magnitude (default) or sparsegpt (needs calibration data)"},
            {"prune-scope", "S", "unstructured magnitude: per-layer (default) or global"},
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
