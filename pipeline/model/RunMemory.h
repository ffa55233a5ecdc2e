#pragma once
// What one run of a model at a batch size needs in memory, estimated before it runs so that a batch that would
// not fit is refused with the numbers (MemoryBudget) instead of being killed halfway: the weights as float32
// (quantized ones also as stored, beside the float32 the executor folds them to) plus the activations of one
// sample times the batch. The pipeline's measurements and the CLI's eval and bench share it.

#include "pipeline/common/Result.h"
#include "pipeline/model/ModelSummary.h"

#include <cstdint>
#include <string>

namespace autoglm {

struct RunMemoryEstimate {
    int64_t weightBytes = 0;
    int64_t activationBytesPerSample = 0;

    int64_t at(int64_t batch) const;
};

// The shapes a per-sample estimate runs at: batch 1, other symbolic dimensions at `sequence`.
SummaryOptions perSampleShapes(const Model& model, int64_t sequence);
// From a summary made at perSampleShapes.
RunMemoryEstimate estimateRunMemory(const ModelSummary& perSample);
// Ok when a run at `batch` fits the memory budget; else an error naming `what` ("running the model at batch
// 100"), the need and the limit.
Status checkRunMemory(const RunMemoryEstimate& estimate, int64_t batch, const std::string& what);
// Summarizes `model` at perSampleShapes (one run at batch 1) and checks `batch`.
Status checkRunMemory(const Model& model, int64_t batch, int64_t sequence, const std::string& what);

} // namespace autoglm
