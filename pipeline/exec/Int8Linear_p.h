#pragma once
// Private to pipeline/exec: integer matrix products of quantized MatMul/Gemm layers on LibTorch's oneDNN int8
// engine (quantized::linear_prepack + LinearPackedParamsBase::apply_dynamic), which uses the CPU's int8
// instructions (VNNI) where float GEMMs use FMA.
//
// LibTorch's static int8 linear requantizes its output to 8 bits, which the QDQ file does not do; its dynamic
// linear returns float but chooses its own input scale. So the input is handed over already quantized: the
// integers q - zero_point as floats, with two extra rows holding the type's extreme values. Dynamic
// quantization of that matrix then finds scale 1 and the exact zero point, so it re-quantizes the integers
// unchanged, and the product is the exact integer accumulation scaled once in float32, as ONNX Runtime's
// float arithmetic of the dequantized values computes it up to float rounding.

#include <ATen/ATen.h>

namespace autoglm::exec {

// Whether LibTorch has the oneDNN int8 engine and it computes exact integer products on this CPU (probed once
// against a float64 reference with the extreme values of the 8-bit types).
bool int8KernelsAvailable();

// DequantizeLinear(QuantizeLinear(x, xScale, xZero)) · DequantizeLinear(w, wScale) (+ bias), the static W8A8
// MatMul/Gemm of a QDQ model. x float [..., K]; xZero the zero point's value, zeroType uint8 or int8 (it gives
// the range); w symmetric int8 [K, N] (MatMul's layout) or [N, K] when `weightRowsAreOutputs`; wScale a scalar
// or one per output; bias undefined or [N]. The weight is packed on first use and kept (see clearInt8Cache).
at::Tensor int8QuantizedLinear(const at::Tensor& x, float xScale, int64_t xZero, at::ScalarType zeroType,
                               const at::Tensor& w, const at::Tensor& wScale, const at::Tensor& bias,
                               bool weightRowsAreOutputs);

// MatMulInteger(a, b, aZero) with b a constant int8 [K, N] of zero zero point: the exact int32 product while
// |sum| < 2^24, else within float32 rounding of it.
at::Tensor int8MatMulInteger(const at::Tensor& a, const at::Tensor& aZero, const at::Tensor& b);

// Drops the packed weights (and the source tensors they keep alive).
void clearInt8Cache();

} // namespace autoglm::exec
