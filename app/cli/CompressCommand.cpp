#include "Commands.h"
#include "CompressStages.h"
#include "TaskEvaluation.h"

#include "pipeline/common/AtomicFile.h"
#include "pipeline/eval/Benchmark.h"
#include "pipeline/common/ReadFile.h"
#include "pipeline/io/ArrayReader.h"
#include "pipeline/llm/GenerationVariant.h"
#include "pipeline/llm/HfExport.h"
#include "pipeline/passes/Calibration.h"
#include "pipeline/model/ModelLoader.h"
#include "pipeline/onnx/OnnxExport.h"
#include "pipeline/onnx/OnnxImport.h"
#include "pipeline/model/ModelSummary.h"
#include "pipeline/runner/StageMeasure.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

namespace autoglm::cli {
namespace {

namespace fs = std::filesystem;

int64_t initializerBytes(const Model& model) {
    int64_t bytes = 0;
    for (const auto& [name, t] : model.graph.initializers)
        bytes += t.byteSize();
    return bytes;
}

// Enough samples for the stage that wants the most; empty when no stage needs calibration.
Result<CalibrationSet> calibrationFrom(const ParsedArgs& args, const Model& model,
                                       const std::vector<CompressStage>& stages) {
    int64_t samples = 0;
    bool needed = false;
    for (const auto& stage : stages) {
        samples = std::max(samples, stage.calibrationSamples());
        needed = needed || stage.needsCalibration();
    }
    if (needed && !args.has("calib-images") && !args.has("calib-text"))
        return Error{"this pipeline needs calibration data: give --calib-images X.npy or --calib-text FILE"};
    if (args.has("calib-images") && args.has("calib-text"))
        return Error{"give either --calib-images or --calib-text, not both"};
    if (args.has("calib-images")) {
        // Only the rows calibration uses are read, a batch at a time.
        auto images = ArrayReader::open(args.value("calib-images"));
        if (!images)
            return images.error();
        auto set = calibrationFromImages(model, *images.value(), samples);
        if (!set)
            return Error{args.value("calib-images") + ": " + set.message()};
        return set;
    }
    if (args.has("calib-text")) {
        std::ifstream in(args.value("calib-text"), std::ios::binary);
        if (!in)
            return Error{"cannot open calibration text '" + args.value("calib-text") + "'"};
        std::ostringstream text;
        text << in.rdbuf();
        auto set = calibrationFromText(model, text.str(), 256, samples);
        if (!set)
            return Error{args.value("calib-text") + ": " + set.message()};
        return set;
    }
    return CalibrationSet{};
}

struct Measurement {
    int64_t fileBytes = 0;
    int64_t weightBytes = 0;
    int64_t parameters = 0;
    int64_t zeroParameters = 0;
    int64_t macs = 0;
    int64_t nonzeroMacs = 0;
    double latencyMs = -1;
    std::optional<TaskMetric> metric;
};

Result<Measurement> measure(const Model& model, const fs::path& file, const ParsedArgs& args,
                            const std::optional<TaskData>& task, const std::string& label) {
    Measurement m;
    m.fileBytes = modelBytesOnDisk(file);
    m.weightBytes = initializerBytes(model);
    const ModelSummary summary = summarizeModel(model);
    m.parameters = summary.parameters;
    m.zeroParameters = summary.zeroParameters;
    m.macs = summary.totalMacs;
    m.nonzeroMacs = summary.nonzeroMacs;
    auto executor = Executor::create(model, executorOptions(args));
    if (!executor)
        return Error{label + ": " + executor.message()};
    if (!args.has("no-bench")) {
        auto inputs = syntheticInputs(model, 1, 256);
        if (!inputs)
            return inputs.error();
        auto latency = measureLatency(executor.value(), inputs.value(), 3, 20);
        if (!latency)
            return Error{label + ": " + latency.message()};
        m.latencyMs = latency->medianMs;
    }
    if (task) {
        auto metric = evaluateTask(executor.value(), *task, "eval " + label);
        if (!metric)
            return Error{label + ": " + metric.message()};
        m.metric = metric.value();
    }
    return m;
}

nlohmann::json measurementJson(const Measurement& m) {
    nlohmann::json j{{"file_bytes", m.fileBytes},     {"weight_bytes", m.weightBytes},
                     {"parameters", m.parameters},    {"zero_parameters", m.zeroParameters},
                     {"macs_batch1", m.macs},         {"nonzero_macs_batch1", m.nonzeroMacs}};
    if (m.latencyMs >= 0)
        j["latency_ms_batch1"] = m.latencyMs;
    if (m.metric)
        j["metric"] = {{"name", m.metric->name}, {"value", m.metric->value}};
    return j;
}

void printComparison(const Measurement& before, const Measurement& after) {
    auto row = [](const char* what, double a, double b, const char* unit) {
        std::printf("%-16s %14.4f %14.4f %s   (%.3fx)\n", what, a, b, unit, a != 0 ? b / a : 0.0);
    };
    std::printf("\n%-16s %14s %14s\n", "", "original", "compressed");
    row("file", before.fileBytes / 1e6, after.fileBytes / 1e6, "MB");
    row("weights", before.weightBytes / 1e6, after.weightBytes / 1e6, "MB");
    row("parameters", before.parameters / 1e6, after.parameters / 1e6, "M");
    row("non-zero params", (before.parameters - before.zeroParameters) / 1e6,
        (after.parameters - after.zeroParameters) / 1e6, "M");
    row("MACs (b=1)", before.macs / 1e6, after.macs / 1e6, "M");
    row("non-zero MACs", before.nonzeroMacs / 1e6, after.nonzeroMacs / 1e6, "M");
    if (before.latencyMs >= 0 && after.latencyMs >= 0)
        row("latency (b=1)", before.latencyMs, after.latencyMs, "ms");
    if (before.metric && after.metric)
        std::printf("%-16s %14.4f %14.4f   (%+.4f)\n", before.metric->name.c_str(), before.metric->value,
                    after.metric->value, after.metric->value - before.metric->value);
}

struct HfExportRequest {
    fs::path folder;
    HfExportOptions options;
};

// --hf-folder, checked before any work: only a checkpoint's float variants can become a Hugging Face folder.
Result<std::optional<HfExportRequest>> hfExportFrom(const ParsedArgs& args, bool checkpoint,
                                                    const std::vector<CompressStage>& stages) {
    if (!args.has("hf-folder"))
        return std::optional<HfExportRequest>();
    if (!checkpoint)
        return Error{"--hf-folder needs a Hugging Face checkpoint folder as the model"};
    for (const auto& stage : stages)
        if (stage.kind == "quantize")
            return Error{"--hf-folder holds float weights; a quantized variant cannot go into a Hugging Face "
                         "folder (export it as ONNX with -o)"};
    HfExportRequest request{args.value("hf-folder"), {}};
    const std::string dtype = args.value("hf-dtype", "float32");
    const auto type = hfWeightType(dtype);
    if (!type)
        return Error{"--hf-dtype is '" + dtype + "'; expected float32, bfloat16 or float16"};
    request.options.dtype = *type;
    std::error_code ec;
    if (fs::exists(request.folder, ec) && !(fs::is_directory(request.folder, ec) && fs::is_empty(request.folder, ec)))
        return Error{"'" + request.folder.string() + "' already exists and is not an empty folder"};
    return std::optional<HfExportRequest>(request);
}

// --cached-output, checked before any work: the generation variant is the float model rebuilt with a key/value
// cache, then given the same quantization; training after quantization (QAT) has no such replay.
Result<std::optional<fs::path>> cachedOutputFrom(const ParsedArgs& args, bool checkpoint,
                                                 const std::vector<CompressStage>& stages) {
    if (!args.has("cached-output"))
        return std::optional<fs::path>();
    const fs::path file = args.value("cached-output");
    if (!checkpoint)
        return Error{"--cached-output needs a Hugging Face checkpoint folder as the model"};
    if (file.extension() != ".onnx")
        return Error{"the cached output '" + file.string() + "' must be an .onnx file"};
    bool quantized = false;
    for (const auto& stage : stages) {
        quantized = quantized || stage.kind == "quantize";
        if (quantized && stage.kind != "quantize")
            return Error{"--cached-output: a " + stage.kind +
                         " stage after quantization cannot be replayed on the generation variant; put it first"};
    }
    return std::optional<fs::path>(file);
}

// Rebuilds `floatModel` (the chain before its first quantize stage) with a key/value cache, runs the quantize
// stages on it with the same calibration windows (empty caches), and writes it.
Status writeCachedVariant(const Model& floatModel, const fs::path& checkpoint, const std::vector<CompressStage>& stages,
                          const CalibrationSet& calibration, const fs::path& file) {
    std::vector<QuantizeReplay> replay;
    for (const auto& stage : stages)
        if (stage.kind == "quantize")
            replay.push_back({stage.quantize, calibration.empty() ? nullptr : &calibration});
    ProgressLine progress("key/value variant");
    PassContext context;
    context.progress = [&](const PassProgress& p) { progress.update(p.fraction, p.message); };
    auto cached = generationVariant(floatModel, checkpoint, replay, context);
    progress.finish();
    if (!cached)
        return cached.error();
    return saveOnnx(cached.value(), file);
}

int runCompress(const ParsedArgs& args) {
    if (!args.has("output"))
        return fail("compress needs -o OUT.onnx");
    const fs::path output = args.value("output");
    if (output.extension() != ".onnx")
        return fail("the output '" + output.string() + "' must be an .onnx file");
    // Before any work: a missing folder would otherwise only show after quantizing.
    const fs::path folder = output.has_parent_path() ? output.parent_path() : fs::path(".");
    if (std::error_code ec; !fs::is_directory(folder, ec))
        return fail("cannot create '" + output.string() + "': the folder '" + folder.string() + "' does not exist");
    auto stages = stagesFrom(args);
    if (!stages)
        return fail(stages.message());
    auto task = loadTaskData(args, "eval-");
    if (!task)
        return fail(task.message());
    const fs::path source = args.positional[0];
    auto model = loadModelArg(args, source);
    if (!model)
        return fail(model.message());
    // A checkpoint's tokenizer goes beside the output so that the file keeps its tokens (eval, generate).
    std::error_code ec;
    const bool checkpoint = fs::is_directory(model->sourcePath, ec);
    std::string tokenizer;
    if (checkpoint && fs::exists(model->sourcePath / "tokenizer.json", ec)) {
        auto bytes = readFileBytes(model->sourcePath / "tokenizer.json");
        if (!bytes)
            return fail(bytes.message());
        tokenizer = bytes.value();
        auto existing = readFileBytes(folder / "tokenizer.json");
        if (fs::exists(folder / "tokenizer.json", ec) && (!existing || existing.value() != tokenizer))
            return fail("'" + (folder / "tokenizer.json").string() +
                        "' belongs to another model; write the output to another folder");
    }
    auto hf = hfExportFrom(args, checkpoint, stages.value());
    if (!hf)
        return fail(hf.message());
    auto cachedOutput = cachedOutputFrom(args, checkpoint, stages.value());
    if (!cachedOutput)
        return fail(cachedOutput.message());
    auto calibration = calibrationFrom(args, model.value(), stages.value());
    if (!calibration)
        return fail(calibration.message());

    auto training = trainingFrom(args, model.value(), stages.value());
    if (!training)
        return fail(training.message());

    auto before = measure(model.value(), source, args, task.value(), "original");
    if (!before)
        return fail(before.message());

    Model compressed = model.value();
    Model floatModel = model.value(); // the chain before its first quantize stage
    nlohmann::json reports = nlohmann::json::array();
    std::string reportText;
    bool quantized = false;
    for (const auto& stage : stages.value()) {
        if (stage.kind == "quantize" && !quantized) {
            floatModel = compressed;
            quantized = true;
        }
        const StageData data{model.value(), calibration.value(), training->has_value() ? &**training : nullptr};
        auto result = runStage(stage, compressed, data);
        if (!result)
            return fail(result.message());
        compressed = std::move(result->model);
        reports.push_back({{"stage", stage.kind}, {"params", stage.toJson()}, {"report", result->report.toJson()}});
        reportText += "== " + stage.summary() + "\n" + result->report.toText();
    }
    if (auto saved = saveOnnx(compressed, output); !saved)
        return fail(saved.message());
    if (!tokenizer.empty())
        if (auto copied = writeFileAtomically(folder / "tokenizer.json", tokenizer); !copied)
            return fail(copied.message());
    if (cachedOutput->has_value()) {
        if (auto written = writeCachedVariant(quantized ? floatModel : compressed, model->sourcePath,
                                              stages.value(), calibration.value(), cachedOutput->value());
            !written)
            return fail("cached output '" + cachedOutput->value().string() + "': " + written.message());
    }
    if (hf->has_value())
        if (auto exported = exportHfCheckpoint(compressed, model->sourcePath, hf->value().folder, hf->value().options);
            !exported)
            return fail("Hugging Face folder '" + hf->value().folder.string() + "': " + exported.message());
    // Everything below is measured on the file as written, read back, not on the in-memory graph.
    auto written = loadOnnx(output);
    if (!written)
        return fail("the written file cannot be read back: " + written.message());
    auto after = measure(written.value(), output, args, task.value(), "compressed");
    if (!after)
        return fail(after.message());

    const nlohmann::json summary{{"source", source.string()},
                                 {"output", output.string()},
                                 {"stages", reports},
                                 {"original", measurementJson(before.value())},
                                 {"compressed", measurementJson(after.value())}};
    if (args.has("report"))
        if (auto s = writeFileAtomically(args.value("report"), summary.dump(2) + "\n"); !s)
            return fail(s.message());
    if (args.has("json")) {
        std::cout << summary.dump(2) << "\n";
        return 0;
    }
    std::cout << reportText;
    printComparison(before.value(), after.value());
    std::cout << "wrote " << output.string() << "\n";
    if (cachedOutput->has_value())
        std::cout << "wrote " << cachedOutput->value().string() << " (with past key/value inputs for generation)\n";
    if (hf->has_value())
        std::cout << "wrote " << hf->value().folder.string() << " (Hugging Face folder)\n";
    return 0;
}

} // namespace

Command compressCommand() {
    return {{"compress",
             "MODEL",
             "Prune and/or quantize a model (stages run in the order their flags are given) and write it as standard "
             "ONNX (pruned zeros kept; QDQ, MatMulInteger, blocked 4-bit DequantizeLinear or MatMulNBits); prints "
             "per-layer results and size, parameters, MACs, latency and the metric before and after.",
             [] {
                 std::vector<OptionSpec> options{{"output", "OUT.onnx", "the file to write", false, 'o'}};
                 for (auto& o : stageOptions())
                     options.push_back(std::move(o));
                 for (OptionSpec o : std::initializer_list<OptionSpec>{
                          {"calib-images", "X.npy", "calibration images"},
                          {"calib-text", "FILE", "calibration text (256-token windows)"},
                          {"calib-samples", "N", "calibration images or windows used (default 128)"},
                          {"eval-images", "X.npy", "evaluate top-1 before and after (with --eval-labels)"},
                          {"eval-labels", "Y.npy", "labels for --eval-images"},
                          {"eval-text", "FILE", "evaluate perplexity before and after"},
                          {"cached-output", "FILE.onnx", "also write the generation variant of a checkpoint: "
                                                         "past_*/present_* key/value inputs and outputs"},
                          {"hf-folder", "DIR", "also write a Hugging Face folder (config.json, model.safetensors, "
                                               "tokenizer): float variants of a checkpoint, pruned or distilled"},
                          {"hf-dtype", "T", "weights of --hf-folder: float32 (default, outputs identical), "
                                            "bfloat16 or float16"},
                          {"no-bench", "", "skip the latency measurement"},
                          {"report", "FILE.json", "write the per-layer reports and the measurements"},
                          deviceOption(),
                          trustTorchScriptOption(), inputShapeOption(),
                          {"json", "", "print JSON instead of tables"}})
                     options.push_back(std::move(o));
                 return options;
             }()},
            runCompress};
}

} // namespace autoglm::cli
