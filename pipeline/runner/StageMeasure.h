#pragma once
// Measures one model as a row of the results table: size (the ONNX file, as written or as it would be),
// weights, parameters, MACs and the peak activation estimate at batch 1, latency, and the task metrics.

#include "pipeline/common/Result.h"
#include "pipeline/runner/PipelineSpec.h"
#include "pipeline/runner/RunResults.h"
#include "pipeline/runner/VariantEvaluator.h"

#include <filesystem>
#include <stop_token>
#include <string>

namespace autoglm {

struct MeasureRequest {
    EvaluationSpec evaluation;
    std::string device = "cpu";
    const VariantEvaluator* evaluator = nullptr; // null: no task metric
    ProgressFn progress;
};

// Bytes on disk: an ONNX file with its external .data file, or a checkpoint folder's safetensors.
int64_t modelBytesOnDisk(const std::filesystem::path& path);

// `file`: the model's file on disk (size read from it, with its .data); null: the size saveOnnx would write.
// Fills the measured fields of `row`.
Status measureModel(const Model& model, const std::filesystem::path* file, const MeasureRequest& request,
                    std::stop_token stop, VariantResult& row);

} // namespace autoglm
