#pragma once
// ONNX Runtime's latency on a model file through run_ort.js --bench (its own process, timed inside node
// around session.run), for benchmarks that compare our executor with ORT in one run.

#include "pipeline/eval/Benchmark.h"

#include <filesystem>

namespace benchutil {

autoglm::Result<autoglm::LatencyStats> ortLatency(const std::filesystem::path& model, const autoglm::TensorMap& inputs,
                                                  int threads, int iters, const std::filesystem::path& work);

} // namespace benchutil
