#pragma once
// Training and validation data for distillation: images (scaled as calibration scales them) with optional
// class labels, or text cut into windows of token ids whose labels are the next tokens. Checked against the
// student's input before any training starts.

#include "pipeline/common/Result.h"
#include "pipeline/ir/Graph.h"

#include <string>
#include <utility>

namespace autoglm {

struct TrainingSet {
    std::string input;          // the model input the samples feed
    TensorData inputs;          // [N, ...] as fed: float images, or token ids [N, T]
    TensorData labels;          // [N] classes, [N, T] next tokens, or undefined when there are none
    bool languageModel = false; // logits per position [N, T, vocab]
    std::string source;         // "1000 images with labels", "512 windows of 256 bytes"

    int64_t samples() const { return inputs.defined() ? inputs.shape().at(0) : 0; }
};

// Up to `maxSamples` images; `labels` may be undefined (then the student learns the teacher's outputs only).
Result<TrainingSet> trainingFromImages(const Model& model, const TensorData& images, const TensorData& labels,
                                       int64_t maxSamples);
// Consecutive windows of `context` tokens (the checkpoint's tokenizer, else bytes), each labelled with the
// tokens that follow.
Result<TrainingSet> trainingFromText(const Model& model, const std::string& text, int64_t context,
                                     int64_t maxWindows);
// The last `share` of the samples as a validation set, the rest for training.
std::pair<TrainingSet, TrainingSet> splitValidation(const TrainingSet& set, double share);

} // namespace autoglm
