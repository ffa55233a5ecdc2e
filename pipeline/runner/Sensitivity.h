#pragma once
// Per-layer sensitivity: the change of the task metric when one layer alone is quantized to INT8, to INT4,
// or pruned, everything else left as it was. Mixed precision and the auto-tuner read it to keep the most
// sensitive layers at higher precision. Torch-free header.

#include "pipeline/common/Result.h"
#include "pipeline/passes/Calibration.h"
#include "pipeline/passes/LayerSelection.h"
#include "pipeline/passes/Pass.h"
#include "pipeline/runner/VariantEvaluator.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <string>
#include <vector>

namespace autoglm {

struct SensitivityOptions {
    bool int8 = true;
    bool int4 = true;
    bool prune = true;
    double pruneSparsity = 0.5; // unstructured magnitude, the layer alone
    int64_t groupSize = 128;    // INT4 groups
    LayerSelection layers;      // which layers are probed (default: every MatMul / Gemm / Conv)
};

struct SensitivityRow {
    std::string layer;
    std::string opType;
    std::string weight;
    int64_t parameters = 0;
    int64_t bytes = 0; // float weight bytes
    // How much worse the metric gets (positive = worse: points of top-1 / agreement x 100, or percent of
    // perplexity); NaN where the change does not apply to the layer (INT4 on Conv) or failed.
    double int8Drop = NAN;
    double int4Drop = NAN;
    double pruneDrop = NAN;
    std::string note; // why a column is empty
};

struct SensitivityTable {
    std::string metric;
    bool higherIsBetter = true;
    double baseline = NAN;
    double pruneSparsity = 0.5;
    std::vector<SensitivityRow> rows; // in graph order

    const SensitivityRow* row(const std::string& layer) const;
    nlohmann::json toJson() const;
    std::string toCsv() const;
};

// The drop of `value` against `baseline` in the units above.
double metricDrop(double baseline, double value, bool higherIsBetter);

// `evaluator` judges every probe (its data decides the cost: give it a few hundred images or a few dozen
// windows). Progress per probe; cancellable between and inside probes.
Result<SensitivityTable> analyzeSensitivity(const Model& model, const VariantEvaluator& evaluator,
                                            const SensitivityOptions& options, const PassContext& context = {});

} // namespace autoglm
