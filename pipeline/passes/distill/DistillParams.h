#pragma once
// Parameters of distillation, with their JSON form and validation.

#include "pipeline/common/Result.h"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace autoglm {

struct DistillParams {
    // Length: optimizer steps, or whole passes over the training data when epochs > 0.
    int64_t steps = 300;
    int64_t epochs = 0;
    int64_t batchSize = 32;
    // AdamW: peak learning rate (after a linear warm-up over `warmup` of the steps, then a cosine decay to
    // zero) and decoupled weight decay (matrices and kernels only, not biases or norms).
    double learningRate = 1e-3;
    double weightDecay = 0.01;
    double warmup = 0.05;
    // Gradients are scaled down when their global norm exceeds this (0: never).
    double gradClip = 1.0;
    // Logit distillation: softmax temperature, and the weight of the distillation loss against the hard-label
    // cross-entropy when labels exist (1, the default: the teacher's soft labels only, which measured better
    // than any mix on fashion_cnn).
    double temperature = 4.0;
    double alpha = 1.0;
    // Hidden-state matching: values computed by both teacher and student (same name and shape) whose mean
    // squared difference is added with this weight.
    std::vector<std::string> hiddenValues;
    double hiddenWeight = 0.0;
    // Validation every so many steps (and at the end); stop after `patience` validations without improvement
    // (0: never early). The best validated weights are the result.
    int64_t validateEvery = 50;
    int64_t patience = 0;
    // Share of the training data held out for validation when no validation set is given.
    double validationShare = 0.1;
    int64_t seed = 0;
    // Image training batches are augmented (random shifts of up to 2 pixels, horizontal flips): the teacher
    // labels each new view, so a small training set goes further.
    bool augment = true;
    // Image batches mix each image with another of the batch (a random share of each, uniform in [0, 1]),
    // labelled by the teacher: more varied inputs for the student to match. Only with alpha = 1 (no hard
    // labels to mix).
    bool mixup = true;

    std::string summary() const;
    nlohmann::json toJson() const;
    static Result<DistillParams> fromJson(const nlohmann::json& json, const std::string& path = "distill");
    Status validate(const std::string& path = "distill") const;
};

} // namespace autoglm
