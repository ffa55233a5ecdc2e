#pragma once
// Fixture helpers shared by the pass tests (quantization, pruning): the models and data of
// ../shared/fixtures, and comparisons of two models' outputs.

#include "pipeline/exec/Executor.h"

#include <filesystem>
#include <string>

namespace testutil {

extern const std::filesystem::path kFixtures;

autoglm::Model loadFixture(const char* name);
// The first `count` images of a fixture .npy as uint8 [count, 1, 28, 28].
autoglm::TensorData fashionImages(int64_t count, const char* file = "fashion_calib_images.npy");
// The first `count` test images scaled to [0, 1], as the model's feed.
autoglm::TensorMap fashionInput(int64_t count);
std::string readText(const char* name);
// Largest |a - b| over the first output of both models on the same inputs, relative to max |a|.
double relativeOutputDiff(const autoglm::Model& a, const autoglm::Model& b, const autoglm::TensorMap& inputs);
// ||a - b|| / ||a|| over the first output of both models.
double relativeRmsDiff(const autoglm::Model& a, const autoglm::Model& b, const autoglm::TensorMap& inputs);
// Cosine similarity of two tensors' values.
double cosineOf(const autoglm::TensorData& a, const autoglm::TensorData& b);
// Share of rows (the first output's last axis being classes) where both models pick the same class.
double top1Agreement(const autoglm::Model& a, const autoglm::Model& b, const autoglm::TensorMap& inputs);
// Writes the model to `file` and reads it back: what ONNX Runtime and a user get.
autoglm::Model saveAndReload(const autoglm::Model& model, const std::filesystem::path& file);
int countOps(const autoglm::Model& m, const std::string& op);

} // namespace testutil
