#pragma once
// Private to exec/ops: what convolutions and pooling share — per-axis attributes, SAME padding, ATen's pad
// order — and ONNX Conv itself, which the integer convolutions (ConvInteger, QLinearConv) reuse.

#include "pipeline/exec/OpRegistry.h"

#include <utility>
#include <vector>

namespace autoglm::exec {

using Ints = std::vector<int64_t>;

// An attribute with `n` entries (one per spatial axis; 2n for pads), or n copies of `fill` when absent.
Ints spatialAttr(const OpContext& c, const char* name, size_t n, int64_t fill);

// auto_pad SAME_UPPER / SAME_LOWER: ceil(in / stride) outputs; the odd padding pixel goes last (UPPER) or
// first (LOWER). Returns (begin, end).
std::pair<int64_t, int64_t> samePadding(int64_t in, int64_t stride, int64_t span, bool upper);

// constant_pad_nd wants (begin, end) pairs starting from the last axis; negative entries crop.
Ints torchPads(const Ints& begin, const Ints& end);

// ONNX Conv of x with w (+ bias when defined) under the node's attributes: kernel_shape, strides, dilations,
// pads (asymmetric too), auto_pad and group.
at::Tensor onnxConvolution(const OpContext& c, at::Tensor x, const at::Tensor& w, const at::Tensor& bias);

} // namespace autoglm::exec
