#pragma once
// Which weight-bearing layers a pass touches: by op type, by name patterns (shell globs matched against the
// node name and the weight's initializer name), and whether the first and last such layers stay in float.
// Every candidate that is not selected is reported with the reason, never dropped silently.

#include "pipeline/common/Result.h"
#include "pipeline/ir/Graph.h"
#include "pipeline/passes/Pass.h"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace autoglm {

class ParamsReader;

struct LayerSelection {
    std::vector<std::string> opTypes{"MatMul", "Gemm", "Conv"};
    std::vector<std::string> include; // empty: every layer
    std::vector<std::string> exclude;
    bool keepFirst = false;
    bool keepLast = false;

    nlohmann::json toJson() const;
    void read(ParamsReader& reader);
    Status validate(const std::string& path) const;
};

// A node whose weight is a float initializer, with the axes that matter to quantization and pruning.
struct WeightLayer {
    size_t node = 0;
    std::string name; // node name (or its first output when unnamed)
    std::string opType;
    std::string weight;     // initializer name
    std::string activation; // the input multiplied by the weight
    int64_t outputAxis = 0; // axis of the weight indexing output channels / features
    int64_t inputAxis = 0;  // axis of the weight indexing input features (reduced over)
    std::vector<int64_t> shape;
};

struct LayerChoice {
    std::vector<WeightLayer> selected;
    std::vector<LayerReport> skipped;
};

// Candidates are nodes of the selected op types whose weight input is a float initializer used by no other
// node; the first and last are by topological order.
Result<LayerChoice> chooseLayers(const Model& model, const LayerSelection& selection);

// Shell-style pattern match ('*', '?', '[...]').
bool globMatch(const std::string& pattern, const std::string& text);
// A pattern that matches exactly `name` (whose '*', '?' and '[' are taken literally).
std::string globLiteral(const std::string& name);

} // namespace autoglm
