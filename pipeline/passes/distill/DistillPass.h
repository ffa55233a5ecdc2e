#pragma once
// Distillation: trains a compressed student to reproduce the original teacher, through our executor with
// autograd. Logit distillation at a temperature (mixed with the hard-label cross-entropy when labels exist),
// optional hidden-state matching, AdamW with warm-up and cosine decay, validation with early stopping. Weights
// that are zero when training starts (pruned) stay zero. A quantized (QDQ) student trains through fake
// quantization with a straight-through estimator and keeps its scales (QAT). The result holds the best
// validated weights; cancelling, or a loss that diverges, ends training early with those weights.

#include "pipeline/passes/Pass.h"
#include "pipeline/passes/distill/DistillParams.h"
#include "pipeline/passes/distill/TrainingData.h"

namespace autoglm {

// `validation` may be null: then validationShare of `training` is held out.
Result<PassResult> distillModel(const Model& student, const Model& teacher, const DistillParams& params,
                                const TrainingSet& training, const TrainingSet* validation,
                                const PassContext& context = {});

} // namespace autoglm
