#pragma once
// Runs a model in ONNX Runtime (through node and onnxruntime-node, see run_ort.js) so tests can compare our
// results with an independent implementation.

#include "pipeline/exec/Executor.h"

#include <filesystem>
#include <map>
#include <string>

namespace testutil {

// Empty when ONNX Runtime can be used here, else the reason (for QSKIP).
std::string ortUnavailableReason();

// The key runOrt gives an output: its name with characters unsafe in file names replaced by '_'.
std::string ortFileName(const std::string& outputName);

// Session configuration entries for ORT ("session.qdq_matmulnbits_accuracy_level" -> "1").
using OrtConfig = std::map<std::string, std::string>;

// Writes the inputs as .npy into workDir, runs ORT, reads every output back.
autoglm::Result<autoglm::TensorMap> runOrt(const std::filesystem::path& model, const autoglm::TensorMap& inputs,
                                           const std::filesystem::path& workDir, int threads = 0,
                                           const OrtConfig& config = {});

} // namespace testutil
