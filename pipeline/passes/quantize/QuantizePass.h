#pragma once
// The quantization pass: weights of MatMul / Gemm / Conv layers to int8 (per channel or per tensor) or 4-bit
// groups (round to nearest, GPTQ or AWQ), activations to uint8 with calibrated static ranges or dynamically
// at run time, optionally after SmoothQuant. The result is a standard ONNX graph (QDQ, MatMulInteger,
// blocked DequantizeLinear or com.microsoft MatMulNBits) that our executor and ONNX Runtime both run.

#include "pipeline/passes/Calibration.h"
#include "pipeline/passes/Pass.h"
#include "pipeline/passes/quantize/QuantizeParams.h"

namespace autoglm {

// `calibration` may be null when the parameters need none (QuantizeParams::needsCalibration).
Result<PassResult> quantizeModel(const Model& model, const QuantizeParams& params, const CalibrationSet* calibration,
                                 const PassContext& context = {});

} // namespace autoglm
