#pragma once
// Calibration data: the feeds a pass runs through the model to observe its activations (quantization
// ranges, GPTQ Hessians, AWQ and SmoothQuant channel statistics, SparseGPT). Built from images (.npy) or
// text, checked against the model's input before any pass runs.

#include "pipeline/common/Result.h"
#include "pipeline/exec/Executor.h"
#include "pipeline/io/ArrayReader.h"

#include <string>
#include <vector>

namespace autoglm {

struct CalibrationSet {
    std::vector<TensorMap> batches; // each one run of the model
    int64_t samples = 0;            // images or text windows in all batches
    std::string source;             // "1000 images", "128 windows of 256 bytes"

    bool empty() const { return samples == 0; }
};

// Up to `maxSamples` images [N, ...] for the model's first input; uint8 pixels are scaled by 1/255 (or
// `scale` when given). Fails, naming the input, when the images' shape does not fit it. From a reader, only the
// rows used are read, one batch at a time (the set itself is kept: passes run over it several times).
Result<CalibrationSet> calibrationFromImages(const Model& model, const ArrayReader& images, int64_t maxSamples,
                                             int64_t batch = 50, double scale = 0);
Result<CalibrationSet> calibrationFromImages(const Model& model, const TensorData& images, int64_t maxSamples,
                                             int64_t batch = 50, double scale = 0);

// Consecutive windows of `context` token ids (the checkpoint's tokenizer, else bytes) for a language model
// whose first input takes integer ids [batch, seq].
Result<CalibrationSet> calibrationFromText(const Model& model, const std::string& text, int64_t context,
                                           int64_t maxWindows, int64_t batch = 8);

// The set with an empty key/value cache added to every batch for each past_* input of a decoder built with
// one ([batch, kv_heads, 0, head_dim]), so that passes calibrate a generation decoder on the same windows as
// its plain twin (an empty past computes what the plain decoder does).
Result<CalibrationSet> withEmptyCaches(const CalibrationSet& set, const Model& model);

// The first `samples` samples of a calibration set (its batches split along the first axis).
CalibrationSet limitSamples(const CalibrationSet& set, int64_t samples);

} // namespace autoglm
