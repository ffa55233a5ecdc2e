#pragma once
// A torch-free picture of a model for the inspector and `autoglm info`: inputs, outputs, op histogram,
// parameter and byte counts, and per-layer rows with MACs from shapes seen by running the model once.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace autoglm {

struct Model;

struct TensorSummary {
    std::string name;
    std::string dtype;
    std::string shape;
};

struct LayerSummary {
    std::string name;
    std::string opType;
    std::string inputShape;  // first input, as run
    std::string outputShape; // first output, as run
    std::string weightShape; // largest initializer input, empty when none
    int64_t parameters = 0;
    int64_t zeroParameters = 0; // weights stored as exact zeros (pruned)
    int64_t macs = 0;
    int64_t weightBytes = 0;
};

struct ModelSummary {
    std::string source;
    std::string producer;
    int64_t opset = 0;
    int64_t fileBytes = 0;
    std::vector<TensorSummary> inputs;
    std::vector<TensorSummary> outputs;
    std::map<std::string, int64_t> opHistogram;
    int64_t parameters = 0;
    // Weights stored as exact zeros: float zeros, and zero codes of signed integer weights (which our
    // symmetric quantization writes without a zero point).
    int64_t zeroParameters = 0;
    int64_t weightBytes = 0;
    int64_t totalMacs = 0;
    // MACs a sparse kernel would do: each layer's MACs scaled by its weight's share of non-zeros.
    int64_t nonzeroMacs = 0;
    // Largest total size of intermediate values alive at once in that run (4 bytes per element: an estimate
    // of the activation memory a float run needs, beside the weights).
    int64_t peakActivationBytes = 0;
    std::string macsInputShape;       // the input shapes MACs were computed for
    std::string macsNote;             // why MACs are missing, when they are
    std::vector<LayerSummary> layers; // every node, in execution order
};

// Concrete input shapes for the MAC count; symbolic dimensions not given here become symbolicDimValue.
struct SummaryOptions {
    std::map<std::string, std::vector<int64_t>> inputShapes;
    int64_t symbolicDimValue = 1;
};

ModelSummary summarizeModel(const Model& model, const SummaryOptions& options = {});

std::string formatShape(const std::vector<int64_t>& shape);

} // namespace autoglm
