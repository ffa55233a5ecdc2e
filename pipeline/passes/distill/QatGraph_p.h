#pragma once
// Private to pipeline/passes/distill: the training form of a quantized (QDQ) student. Integer weights behind
// DequantizeLinear become float weights behind a straight-through fake quantization (the internal
// FakeQuantizeSte op), and activation QuantizeLinear → DequantizeLinear pairs become one such node, so that
// gradients reach every weight. After training the float weights are rounded back to integers with the
// scales and zero points they had: the student keeps its exported form.

#include "pipeline/common/Result.h"
#include "pipeline/ir/Graph.h"

#include <ATen/ATen.h>

#include <map>
#include <string>
#include <vector>

namespace autoglm::distill {

struct QatWeight {
    std::string quantized; // the integer initializer of the student
    std::string trainable; // the float initializer of the training graph
    std::string scale;
    std::string zeroPoint; // empty when there is none
    int64_t axis = 1;
    int64_t blockSize = 0;
    DType type = DType::Int8;
};

struct QatGraph {
    Model model; // the training graph (a float student is returned unchanged)
    std::vector<QatWeight> weights;
    int activations = 0; // activation pairs turned into fake quantization
};

// Fails, naming the node, for quantized forms that cannot train (MatMulInteger, MatMulNBits, ...).
Result<QatGraph> trainingGraph(const Model& student);

// The student with its integer weights replaced by the trained floats rounded with their own scales.
void writeBackWeights(Model& student, const QatGraph& qat, const std::map<std::string, at::Tensor>& trained);

} // namespace autoglm::distill
