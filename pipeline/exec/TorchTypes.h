#pragma once
// Private to pipeline/*.cpp: conversions between our DType and LibTorch's ScalarType. The one place that
// knows which ONNX element types LibTorch can hold.

#include "pipeline/ir/DType.h"

#include <ATen/ATen.h>

#include <optional>

namespace autoglm {

// nullopt for types LibTorch 1.13 has no tensor type for (uint16/32/64, string, the 4-bit types).
std::optional<at::ScalarType> torchType(DType type);
// The type a tensor of `type` is held in: torchType, or int8 / uint8 for Int4 / UInt4, which TensorData and
// the executor hold unpacked, one value per byte.
std::optional<at::ScalarType> storageTorchType(DType type);
// Throws UnsupportedError naming the type when LibTorch cannot hold it.
at::ScalarType requireTorchType(DType type, const std::string& context);
DType dtypeFromTorch(at::ScalarType type);

} // namespace autoglm
