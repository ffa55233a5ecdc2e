#include "pipeline/runner/StageMeasure.h"

#include "pipeline/eval/Benchmark.h"
#include "pipeline/model/ModelSummary.h"
#include "pipeline/model/RunMemory.h"
#include "pipeline/onnx/OnnxExport.h"

namespace autoglm {

namespace fs = std::filesystem;

int64_t modelBytesOnDisk(const fs::path& path) {
    std::error_code ec;
    if (fs::is_regular_file(path, ec)) {
        auto bytes = static_cast<int64_t>(fs::file_size(path, ec));
        const fs::path data = path.string() + ".data";
        if (fs::is_regular_file(data, ec))
            bytes += static_cast<int64_t>(fs::file_size(data, ec));
        return bytes;
    }
    const fs::path folder = fs::is_directory(path, ec) ? path : path.parent_path();
    int64_t bytes = 0;
    for (const auto& entry : fs::directory_iterator(folder, ec))
        if (entry.path().extension() == ".safetensors")
            bytes += static_cast<int64_t>(entry.file_size(ec));
    return bytes;
}

Status measureModel(const Model& model, const fs::path* file, const MeasureRequest& request, std::stop_token stop,
                    VariantResult& row) {
    const EvaluationSpec& e = request.evaluation;
    // MACs and activations per sample: batch 1, language models at the timed sequence length.
    const SummaryOptions shapes = perSampleShapes(model, e.latencySequence);
    const ModelSummary summary = summarizeModel(model, shapes);
    row.weightBytes = summary.weightBytes;
    row.parameterCount = summary.parameters;
    row.zeroParameters = summary.zeroParameters;
    row.macs = summary.totalMacs;
    row.nonzeroMacs = summary.nonzeroMacs;
    row.peakActivationBytes = summary.peakActivationBytes;

    // Refused before it runs when it would not fit at the largest batch it will get (RunMemory).
    const int64_t batch = std::max(e.latency ? e.latencyBatch : 1,
                                   request.evaluator ? request.evaluator->largestBatch() : int64_t(1));
    if (auto fits = checkRunMemory(estimateRunMemory(summary), batch, "running the model at batch " + std::to_string(batch));
        !fits)
        return fits.error();
    if (file) {
        row.fileBytes = modelBytesOnDisk(*file);
    } else {
        auto bytes = onnxFileBytes(model); // serializes the model: after the memory check
        if (!bytes)
            return bytes.error();
        row.fileBytes = bytes.value();
    }

    ExecutorOptions options;
    options.device = request.device;
    auto executor = Executor::create(model, options);
    if (!executor)
        return executor.error();
    row.device = request.device;
    row.latencyThreads = computeThreads();
    if (e.latency) {
        auto inputs = syntheticInputs(model, e.latencyBatch, e.latencySequence);
        if (!inputs)
            return inputs.error();
        auto latency = measureLatency(executor.value(), inputs.value(), static_cast<int>(e.latencyWarmup),
                                      static_cast<int>(e.latencyIterations), stop);
        if (!latency)
            return Error{"latency: " + latency.message()};
        row.latencyMedianMs = latency->medianMs;
        row.latencyP90Ms = latency->p90Ms;
        row.latencyBatch = e.latencyBatch;
    }
    if (request.evaluator) {
        auto metrics = request.evaluator->evaluate(executor.value(), request.progress, stop);
        if (!metrics)
            return metrics.error();
        row.metrics = metrics.value();
        row.primaryMetric = request.evaluator->primaryMetric();
        row.higherIsBetter = request.evaluator->higherIsBetter();
    }
    return Ok{};
}

} // namespace autoglm
