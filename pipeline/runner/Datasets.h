#pragma once
// A pipeline's datasets read into memory once per run, and turned into what each stage reads: calibration
// batches, distillation training sets, and evaluation data. Every error names the dataset and its file.

#include "pipeline/common/Result.h"
#include "pipeline/exec/Executor.h"
#include "pipeline/passes/Calibration.h"
#include "pipeline/passes/distill/TrainingData.h"
#include "pipeline/runner/PipelineSpec.h"

#include <string>
#include <vector>

namespace autoglm {

struct LoadedDataset {
    DatasetSpec spec;
    TensorData images; // images / image-folder: [N, ...] as stored (uint8 pixels or float)
    TensorData labels; // [N] integer classes; undefined when there are none
    std::string text;  // text
    std::vector<TensorMap> synthetic; // synthetic: feeds of the model's inputs, one batch each
    double scale = 0;  // images: the factor pixels are fed with

    bool isText() const { return spec.kind == "text"; }
    bool isSynthetic() const { return spec.kind == "synthetic"; }
    bool hasLabels() const { return labels.defined(); }
    int64_t imageCount() const;
    std::string describe() const; // "1000 images [1000,1,28,28] uint8 with labels"
};

// Reads the dataset's files (relative to the pipeline's folder). Synthetic inputs are drawn from `model`'s
// input shapes. Image folders need stb_image at build time; without it they are refused by name.
Result<LoadedDataset> loadDataset(const PipelineSpec& spec, const DatasetSpec& dataset, const Model& model);

Result<CalibrationSet> calibrationFromDataset(const Model& model, const LoadedDataset& data, int64_t samples);
Result<TrainingSet> trainingFromDataset(const Model& model, const LoadedDataset& data);

// The images of an image folder (one sub-folder per class, classes by sorted name), decoded to uint8
// [N, C, H, W] at the model input's channels and size (resized when they differ), with class labels.
struct ImageFolder {
    TensorData images;
    TensorData labels;
    std::vector<std::string> classes;
};
Result<ImageFolder> readImageFolder(const std::string& folder, const Model& model, int64_t maxImages);

} // namespace autoglm
