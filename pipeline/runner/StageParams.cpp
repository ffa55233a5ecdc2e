#include "pipeline/runner/StageParams.h"

#include "pipeline/llm/HfExport.h"
#include "pipeline/passes/ParamsJson.h"

namespace autoglm {

nlohmann::json EvaluateParams::toJson() const {
    nlohmann::json j = nlohmann::json::object();
    if (!dataset.empty())
        j["dataset"] = dataset;
    if (samples >= 0)
        j["samples"] = samples;
    return j;
}

nlohmann::json ExportParams::toJson() const {
    return {{"hf_folder", hfFolder}, {"hf_dtype", hfDtype}, {"cached_decoder", cachedDecoder}};
}

bool StageParams::needsCalibration() const {
    return kind == "prune" ? prune.needsCalibration() : kind == "quantize" && quantize.needsCalibration();
}

int64_t StageParams::calibrationSamples() const {
    return kind == "prune" ? prune.calibrationSamples : kind == "quantize" ? quantize.calibrationSamples : 0;
}

std::string StageParams::summary() const {
    if (kind == "prune")
        return "prune " + prune.summary();
    if (kind == "quantize")
        return "quantize " + quantize.summary();
    if (kind == "distill")
        return distill.summary();
    return kind;
}

nlohmann::json StageParams::toJson() const {
    if (kind == "prune")
        return prune.toJson();
    if (kind == "quantize")
        return quantize.toJson();
    if (kind == "distill")
        return distill.toJson();
    if (kind == "evaluate")
        return evaluate.toJson();
    if (kind == "export")
        return exporting.toJson();
    return nlohmann::json::object();
}

Result<StageParams> parseStageParams(const std::string& kind, const nlohmann::json& params, const std::string& path) {
    StageParams p;
    p.kind = kind;
    if (!params.is_object())
        return Error{path + ": expected an object of parameters, got " + params.dump()};
    if (kind == "prune") {
        auto r = PruneParams::fromJson(params, path);
        if (!r)
            return r.error();
        p.prune = r.value();
    } else if (kind == "quantize") {
        auto r = QuantizeParams::fromJson(params, path);
        if (!r)
            return r.error();
        p.quantize = r.value();
    } else if (kind == "distill") {
        auto r = DistillParams::fromJson(params, path);
        if (!r)
            return r.error();
        p.distill = r.value();
    } else if (kind == "evaluate") {
        ParamsReader reader(params, path);
        reader.read("dataset", p.evaluate.dataset);
        reader.read("samples", p.evaluate.samples);
        if (auto s = reader.finish(); !s)
            return s.error();
        if (p.evaluate.samples < -1)
            return Error{path + ".samples is " + std::to_string(p.evaluate.samples) + " but must be 0 (all) or more"};
    } else if (kind == "export") {
        ParamsReader reader(params, path);
        reader.read("hf_folder", p.exporting.hfFolder);
        reader.read("hf_dtype", p.exporting.hfDtype);
        reader.read("cached_decoder", p.exporting.cachedDecoder);
        if (auto s = reader.finish(); !s)
            return s.error();
        if (!hfWeightType(p.exporting.hfDtype))
            return Error{path + ".hf_dtype is '" + p.exporting.hfDtype + "' but must be one of: float32, bfloat16, float16"};
    } else {
        return Error{path + ": unknown stage kind '" + kind + "'"};
    }
    return p;
}

void setDottedParam(nlohmann::json& params, const std::string& dottedKey, const nlohmann::json& value) {
    nlohmann::json* at = &params;
    size_t start = 0;
    for (size_t dot = dottedKey.find('.'); dot != std::string::npos; dot = dottedKey.find('.', start)) {
        nlohmann::json& next = (*at)[dottedKey.substr(start, dot - start)];
        if (!next.is_object())
            next = nlohmann::json::object();
        at = &next;
        start = dot + 1;
    }
    (*at)[dottedKey.substr(start)] = value;
}

} // namespace autoglm
