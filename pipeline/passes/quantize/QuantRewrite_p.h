#pragma once
// Private to pipeline/passes: graph rewrites that put quantized weights and activations into a model as
// standard ONNX, so that what our executor runs is exactly what ONNX Runtime runs from the exported file.

#include "pipeline/passes/quantize/Calibrators.h"
#include "pipeline/passes/quantize/QuantMath_p.h"

#include <string>
#include <vector>

namespace autoglm::quant {

// Replaces the layer's float weight by an int8 initializer, its scale, and a DequantizeLinear that produces
// the weight under its old name (per output channel: axis = the weight's output axis; per tensor: scalar).
void emitInt8Weight(Model& model, const WeightLayer& layer, const QuantizedRows& q);

// 4-bit group-wise weight as an opset-21 blocked DequantizeLinear: INT4 values (symmetric) or UINT4 values with
// a UINT4 zero point (asymmetric), axis = the weight's input axis, block_size = the group size. The caller
// raises the model's opset to 21.
void emitInt4Weight(Model& model, const WeightLayer& layer, const QuantizedRows& q);

// 4-bit MatMul as com.microsoft MatMulNBits (ONNX Runtime's contrib op): B packed [N, blocks, G/2] uint8 with
// the offset 8 of symmetric values implied, scales [N * blocks], packed uint8 zero points when asymmetric.
// Only MatMul layers; returns why not otherwise.
std::string emitMatMulNBits(Model& model, const WeightLayer& layer, const QuantizedRows& q);

// Dynamic int8: the layer (MatMul, or Gemm with alpha = beta = 1) becomes DynamicQuantizeLinear on its input,
// MatMulInteger with the int8 weight [K, N], a Cast to float and a Mul by (input scale × weight scales), plus
// the Gemm's bias. Returns an empty string, or why the layer cannot be rewritten.
std::string emitDynamicLayer(Model& model, const WeightLayer& layer, const QuantizedRows& q);

// Static activation quantization: QuantizeLinear → DequantizeLinear (uint8) on `activation`, read by the
// given consumer nodes instead of the float value.
void emitActivationQdq(Model& model, const std::string& activation, const std::vector<size_t>& consumers,
                       const Uint8Params& params);

// Multiplies `activation` along its last axis by `factor` [C] for the given consumers: folded into the
// constant scale (and bias) of the LayerNormalization or Mul that produces it when nobody else reads it,
// otherwise through a new Mul node. Returns "folded into <node>" or "Mul node <name>".
std::string scaleActivation(Model& model, const std::string& activation, const std::vector<size_t>& consumers,
                            const at::Tensor& factor);

// Adds a float32 or integer initializer under a fresh name derived from `base`; returns the name.
std::string addInitializer(Graph& graph, const std::string& base, const at::Tensor& value);

} // namespace autoglm::quant
