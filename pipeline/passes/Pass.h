#pragma once
// What every compression pass (quantize, prune, distill) shares: it reads a model and its Params, reports
// progress as a fraction with a message, honours a stop_token at least once per layer, and returns a new
// model with a per-layer Report. The input model is never changed, so a cancelled or failed pass loses
// nothing. Torch-free: the GUI and the CLI see passes through this header.

#include "pipeline/common/Result.h"
#include "pipeline/ir/Graph.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

namespace autoglm {

struct PassProgress {
    double fraction = 0; // of the whole pass, in [0, 1]
    std::string message; // what it is doing now ("GPTQ /blocks.0/fc/MatMul")
    // Figures a view can plot as they come ("step", "loss", "lr", "validation top-1"); empty for most passes.
    std::vector<std::pair<std::string, double>> metrics;
};

using PassProgressFn = std::function<void(const PassProgress&)>;

struct PassContext {
    PassProgressFn progress;
    std::stop_token stop;

    void report(double fraction, const std::string& message,
                std::vector<std::pair<std::string, double>> metrics = {}) const;
    // Throws PassCancelled when a stop was requested; passes call it at least once per layer.
    void checkStop() const;
};

// What a pass did to one layer (usually one weight-bearing node).
struct LayerReport {
    std::string layer; // node name
    std::string opType;
    std::string weight; // initializer name, empty when the layer has none
    std::string action; // "int8 per-channel", "int4 g128 gptq", "skipped"
    std::string reason; // why skipped, or details of what was done
    bool skipped = false;
    int64_t bytesBefore = 0;
    int64_t bytesAfter = 0;
    // Relative error introduced in the layer's weight, ||W - W'|| / ||W|| (0 when nothing changed), and where
    // measured on calibration data, in its output.
    double weightError = 0;
    double outputError = -1; // -1: not measured
    // Pruning: non-zero weight elements before and after, and the share of zeros after (-1: not measured).
    int64_t paramsBefore = 0;
    int64_t paramsAfter = 0;
    double sparsity = -1;
};

// One point of a training curve (distillation): the loss at a step and, where measured (`validated`), the
// validation metric and the student's divergence from the teacher (mean KL per prediction).
struct TrainingPoint {
    int64_t step = 0;
    double loss = 0;
    double learningRate = 0;
    double validation = 0;
    double validationDivergence = 0;
    bool validated = false;
};

struct PassReport {
    std::string pass;
    std::vector<LayerReport> layers;
    std::vector<std::string> notes; // pass-wide facts (calibration samples used, opset raised, ...)
    std::vector<TrainingPoint> curve; // distillation only
    std::string validationMetric;     // what TrainingPoint::validation measures ("top-1", "perplexity")

    int64_t bytesBefore() const;
    int64_t bytesAfter() const;
    int changedLayers() const;
    int skippedLayers() const;
    nlohmann::json toJson() const;
    // A fixed-width table for the CLI.
    std::string toText() const;
};

struct PassResult {
    Model model;
    PassReport report;
};

// Thrown inside a pass by PassContext::checkStop; turned into the error "cancelled" at the pass boundary.
class PassCancelled : public std::runtime_error {
public:
    PassCancelled() : std::runtime_error("cancelled") {}
};

} // namespace autoglm
