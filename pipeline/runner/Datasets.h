#pragma once
// A pipeline's datasets opened once per run, and turned into what each stage reads: calibration batches,
// distillation training sets, and evaluation data. Every error names the dataset and its file.
// Image arrays (.npy, IDX) stay on disk: evaluation and calibration read them a batch at a time through
// ArrayReader (the dataset's `samples` and `scale` are views over the file). Distillation reads its training
// set whole (it shuffles over every sample each epoch), under the memory budget. Image folders are decoded into
// memory, text is read whole (it is tokenized at once), synthetic inputs are generated.

#include "pipeline/common/Result.h"
#include "pipeline/exec/Executor.h"
#include "pipeline/io/ArrayReader.h"
#include "pipeline/passes/Calibration.h"
#include "pipeline/passes/distill/TrainingData.h"
#include "pipeline/runner/PipelineSpec.h"

#include <memory>
#include <string>
#include <vector>

namespace autoglm {

struct LoadedDataset {
    DatasetSpec spec;
    // images / image-folder: rows [N, ...] as stored (uint8 pixels or float; float32 multiplied when the
    // dataset has a scale), N limited to the dataset's samples.
    std::shared_ptr<const ArrayReader> images;
    std::shared_ptr<const ArrayReader> labels; // [N] integer classes; null when there are none
    std::string text;  // text
    std::vector<TensorMap> synthetic; // synthetic: feeds of the model's inputs, one batch each
    double scale = 0;  // images: the factor pixels are fed with

    bool isText() const { return spec.kind == "text"; }
    bool isSynthetic() const { return spec.kind == "synthetic"; }
    bool hasLabels() const { return labels != nullptr; }
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
