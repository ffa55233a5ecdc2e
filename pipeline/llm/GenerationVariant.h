#pragma once
// The generation variant of a compressed checkpoint: the decoder with past/present key/value, carrying what a
// chain of stages did to the plain decoder. Weights that stay float (pruned, distilled) move over as they are;
// quantization is replayed on the rebuilt decoder with the same parameters and calibration windows (an empty
// cache computes what the plain decoder does), because its rewrites depend on the graph around each layer.
// Torch-free.

#include "pipeline/passes/Calibration.h"
#include "pipeline/passes/Pass.h"
#include "pipeline/passes/quantize/QuantizeParams.h"

#include <filesystem>
#include <vector>

namespace autoglm {

struct QuantizeReplay {
    QuantizeParams params;
    const CalibrationSet* calibration = nullptr; // windows of the plain decoder; nullptr: none
};

// `floatVariant`: the chain's model before its first quantize stage; `checkpoint`: the folder it came from.
Result<Model> generationVariant(const Model& floatVariant, const std::filesystem::path& checkpoint,
                                const std::vector<QuantizeReplay>& quantizeStages, const PassContext& context);

} // namespace autoglm
