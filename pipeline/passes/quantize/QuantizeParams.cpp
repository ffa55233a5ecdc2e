#include "pipeline/passes/quantize/QuantizeParams.h"

#include "pipeline/passes/ParamsJson.h"

#include <nlohmann/json.hpp>

namespace autoglm {

bool QuantizeParams::needsCalibration() const {
    return staticActivations() || smoothquant || method == "gptq" || method == "awq";
}

std::string QuantizeParams::summary() const {
    std::string s = scheme + " " + method;
    if (weightBits() == 4)
        s += " g" + std::to_string(groupSize) + (symmetric ? " sym" : " asym") + " " + int4Format;
    else
        s += " " + granularity;
    if (staticActivations())
        s += " " + calibrator;
    if (smoothquant) {
        std::string alpha = std::to_string(smoothquantAlpha);
        alpha.erase(alpha.find_last_not_of('0') + 1);
        s += " smoothquant " + alpha;
    }
    return s;
}

nlohmann::json QuantizeParams::toJson() const {
    return {{"scheme", scheme},
            {"method", method},
            {"granularity", granularity},
            {"group_size", groupSize},
            {"symmetric", symmetric},
            {"int4_format", int4Format},
            {"calibrator", calibrator},
            {"percentile", percentile},
            {"smoothquant", smoothquant},
            {"smoothquant_alpha", smoothquantAlpha},
            {"gptq_damp", gptqDamp},
            {"gptq_act_order", gptqActOrder},
            {"gptq_block_size", gptqBlockSize},
            {"awq_grid", awqGrid},
            {"calibration_samples", calibrationSamples},
            {"layers", layers.toJson()}};
}

Result<QuantizeParams> QuantizeParams::fromJson(const nlohmann::json& json, const std::string& path) {
    QuantizeParams p;
    ParamsReader r(json, path);
    r.read("scheme", p.scheme);
    r.read("method", p.method);
    r.read("granularity", p.granularity);
    r.read("group_size", p.groupSize);
    r.read("symmetric", p.symmetric);
    r.read("int4_format", p.int4Format);
    r.read("calibrator", p.calibrator);
    r.read("percentile", p.percentile);
    r.read("smoothquant", p.smoothquant);
    r.read("smoothquant_alpha", p.smoothquantAlpha);
    r.read("gptq_damp", p.gptqDamp);
    r.read("gptq_act_order", p.gptqActOrder);
    r.read("gptq_block_size", p.gptqBlockSize);
    r.read("awq_grid", p.awqGrid);
    r.read("calibration_samples", p.calibrationSamples);
    r.nested("layers", [&](ParamsReader& inner) { p.layers.read(inner); });
    if (auto s = r.finish(); !s)
        return s.error();
    if (auto s = p.validate(path); !s)
        return s.error();
    return p;
}

Status QuantizeParams::validate(const std::string& path) const {
    const std::string f = path + ".";
    for (const Status& s : {checkOneOf(f + "scheme", scheme, {"w8a8", "w8a16", "w4a16", "dynamic-int8"}),
                            checkOneOf(f + "method", method, {"rtn", "gptq", "awq"}),
                            checkOneOf(f + "granularity", granularity, {"per-channel", "per-tensor"}),
                            checkOneOf(f + "group_size", groupSize, {32, 64, 128}),
                            checkOneOf(f + "int4_format", int4Format, {"dq", "matmulnbits"}),
                            checkOneOf(f + "calibrator", calibrator, {"minmax", "percentile", "mse", "entropy"}),
                            checkRange(f + "percentile", percentile, 90.0, 100.0),
                            checkRange(f + "smoothquant_alpha", smoothquantAlpha, 0.0, 1.0),
                            checkRange(f + "gptq_damp", gptqDamp, 1e-6, 1.0),
                            checkRange(f + "gptq_block_size", static_cast<double>(gptqBlockSize), 1, 4096),
                            checkRange(f + "awq_grid", static_cast<double>(awqGrid), 2, 100),
                            checkRange(f + "calibration_samples", static_cast<double>(calibrationSamples), 1, 100000),
                            layers.validate(f + "layers")})
        if (!s)
            return s;
    if (method != "rtn" && scheme == "dynamic-int8")
        return Error{f + "method is '" + method + "' but dynamic-int8 rounds weights to nearest (use rtn)"};
    if (method == "awq" && scheme == "w8a8" && smoothquant)
        return Error{f + "method 'awq' and smoothquant both rescale activations; choose one"};
    if (smoothquant && !staticActivations() && !dynamicActivations())
        return Error{f + "smoothquant applies to schemes that quantize activations (w8a8, dynamic-int8), not " +
                     scheme};
    return Ok{};
}

} // namespace autoglm
