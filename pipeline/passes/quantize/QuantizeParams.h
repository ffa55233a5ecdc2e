#pragma once
// Parameters of the quantization pass, with their JSON form and validation.

#include "pipeline/common/Result.h"
#include "pipeline/passes/LayerSelection.h"

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace autoglm {

struct QuantizeParams {
    // w8a8: int8 weights and statically calibrated int8 activations (QuantizeLinear/DequantizeLinear pairs);
    // w8a16: int8 weights only; w4a16: 4-bit group-wise weights only; dynamic-int8: int8 weights, activations
    // quantized at run time per tensor (DynamicQuantizeLinear + MatMulInteger).
    std::string scheme = "w8a8";
    // How weights are rounded: rtn (round to nearest), gptq (error feedback through the calibration
    // Hessian), awq (activation-aware per-channel scales).
    std::string method = "rtn";
    // int8 weights: one scale per output channel or one per tensor.
    std::string granularity = "per-channel";
    // 4-bit weights: elements of one input row sharing a scale; symmetric (no zero point) or not.
    int64_t groupSize = 128;
    bool symmetric = true;
    // 4-bit export: "dq" (opset-21 blocked DequantizeLinear over INT4/UINT4) or "matmulnbits"
    // (com.microsoft MatMulNBits, MatMul layers only).
    std::string int4Format = "dq";
    // Static activation ranges: minmax, percentile, mse or entropy.
    std::string calibrator = "minmax";
    double percentile = 99.99;
    // SmoothQuant: migrate activation outliers into the weights with strength alpha.
    bool smoothquant = false;
    double smoothquantAlpha = 0.5;
    // GPTQ: damping as a fraction of the Hessian's mean diagonal; columns by decreasing activation energy;
    // columns updated together.
    double gptqDamp = 0.01;
    bool gptqActOrder = false;
    int64_t gptqBlockSize = 128;
    // AWQ: points of the scale-exponent grid searched in [0, 1).
    int64_t awqGrid = 20;
    // Calibration samples used at most (images, or text windows).
    int64_t calibrationSamples = 128;
    LayerSelection layers;

    int weightBits() const { return scheme == "w4a16" ? 4 : 8; }
    bool staticActivations() const { return scheme == "w8a8"; }
    bool dynamicActivations() const { return scheme == "dynamic-int8"; }
    // Whether running the pass needs calibration data.
    bool needsCalibration() const;
    // "w8a8 rtn per-channel minmax" — for reports and file metadata.
    std::string summary() const;

    nlohmann::json toJson() const;
    static Result<QuantizeParams> fromJson(const nlohmann::json& json, const std::string& path = "quantize");
    Status validate(const std::string& path = "quantize") const;
};

} // namespace autoglm
