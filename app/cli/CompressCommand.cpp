#include "Commands.h"
#include "TaskEvaluation.h"

#include "pipeline/common/AtomicFile.h"
#include "pipeline/eval/Benchmark.h"
#include "pipeline/io/Npy.h"
#include "pipeline/model/ModelLoader.h"
#include "pipeline/onnx/OnnxExport.h"
#include "pipeline/onnx/OnnxImport.h"
#include "pipeline/passes/quantize/QuantizePass.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace autoglm::cli {
namespace {

namespace fs = std::filesystem;

// Bytes on disk: the file, or a checkpoint folder's weight files.
int64_t diskBytes(const fs::path& path) {
    std::error_code ec;
    if (fs::is_regular_file(path, ec)) {
        int64_t bytes = static_cast<int64_t>(fs::file_size(path, ec));
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

int64_t initializerBytes(const Model& model) {
    int64_t bytes = 0;
    for (const auto& [name, t] : model.graph.initializers)
        bytes += t.byteSize();
    return bytes;
}

// The flags on top of --params (or the defaults).
Result<QuantizeParams> paramsFrom(const ParsedArgs& args) {
    QuantizeParams p;
    if (args.has("params")) {
        std::ifstream in(args.value("params"));
        if (!in)
            return Error{"cannot open parameters file '" + args.value("params") + "'"};
        nlohmann::json json = nlohmann::json::parse(in, nullptr, false);
        if (json.is_discarded())
            return Error{"'" + args.value("params") + "' is not valid JSON"};
        auto parsed = QuantizeParams::fromJson(json, args.value("params"));
        if (!parsed)
            return parsed.error();
        p = parsed.value();
    }
    p.scheme = args.value("quantize", p.scheme);
    p.method = args.value("method", p.method);
    p.granularity = args.value("granularity", p.granularity);
    p.calibrator = args.value("calibrator", p.calibrator);
    p.int4Format = args.value("int4-format", p.int4Format);
    if (args.has("asymmetric"))
        p.symmetric = false;
    if (args.has("act-order"))
        p.gptqActOrder = true;
    if (args.has("keep-first"))
        p.layers.keepFirst = true;
    if (args.has("keep-last"))
        p.layers.keepLast = true;
    for (const auto& pattern : args.all("exclude"))
        p.layers.exclude.push_back(pattern);
    for (const auto& pattern : args.all("include"))
        p.layers.include.push_back(pattern);
    auto group = args.integer("group", p.groupSize, 1, 1 << 20);
    auto samples = args.integer("calib-samples", p.calibrationSamples, 1, 1 << 30);
    auto percentile = args.real("percentile", p.percentile);
    auto smooth = args.real("smoothquant", p.smoothquantAlpha);
    for (const auto* r : {&group, &samples})
        if (!*r)
            return r->error();
    for (const auto* r : {&percentile, &smooth})
        if (!*r)
            return r->error();
    p.groupSize = group.value();
    p.calibrationSamples = samples.value();
    p.percentile = percentile.value();
    if (args.has("smoothquant")) {
        p.smoothquant = true;
        p.smoothquantAlpha = smooth.value();
    }
    if (auto s = p.validate("--params"); !s)
        return s.error();
    return p;
}

Result<CalibrationSet> calibrationFrom(const ParsedArgs& args, const Model& model, const QuantizeParams& p) {
    if (args.has("calib-images") && args.has("calib-text"))
        return Error{"give either --calib-images or --calib-text, not both"};
    if (args.has("calib-images")) {
        auto images = loadNpy(args.value("calib-images"));
        if (!images)
            return images.error();
        auto set = calibrationFromImages(model, images.value(), p.calibrationSamples);
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
        auto set = calibrationFromText(model, text.str(), 256, p.calibrationSamples);
        if (!set)
            return Error{args.value("calib-text") + ": " + set.message()};
        return set;
    }
    return CalibrationSet{};
}

struct Measurement {
    int64_t fileBytes = 0;
    int64_t weightBytes = 0;
    double latencyMs = -1;
    std::optional<TaskMetric> metric;
};

Result<Measurement> measure(const Model& model, const fs::path& file, const ParsedArgs& args,
                            const std::optional<TaskData>& task, const std::string& label) {
    Measurement m;
    m.fileBytes = diskBytes(file);
    m.weightBytes = initializerBytes(model);
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
    nlohmann::json j{{"file_bytes", m.fileBytes}, {"weight_bytes", m.weightBytes}};
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
    std::printf("\n%-16s %14s %14s\n", "", "original", "quantized");
    row("file", before.fileBytes / 1e6, after.fileBytes / 1e6, "MB");
    row("weights", before.weightBytes / 1e6, after.weightBytes / 1e6, "MB");
    if (before.latencyMs >= 0 && after.latencyMs >= 0)
        row("latency (b=1)", before.latencyMs, after.latencyMs, "ms");
    if (before.metric && after.metric)
        std::printf("%-16s %14.4f %14.4f   (%+.4f)\n", before.metric->name.c_str(), before.metric->value,
                    after.metric->value, after.metric->value - before.metric->value);
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
    if (!args.has("quantize") && !args.has("params"))
        return fail("say what to do: --quantize w8a8|w8a16|w4a16|dynamic-int8 (or --params FILE.json)");
    auto params = paramsFrom(args);
    if (!params)
        return fail(params.message());
    auto task = loadTaskData(args, "eval-");
    if (!task)
        return fail(task.message());
    const fs::path source = args.positional[0];
    auto model = loadModel(source);
    if (!model)
        return fail(model.message());
    // A checkpoint's tokenizer goes beside the output so that the file keeps its tokens (eval, generate).
    std::string tokenizer;
    if (std::error_code ec;
        fs::is_directory(model->sourcePath, ec) && fs::exists(model->sourcePath / "tokenizer.json", ec)) {
        std::ifstream in(model->sourcePath / "tokenizer.json", std::ios::binary);
        std::ostringstream bytes;
        bytes << in.rdbuf();
        tokenizer = bytes.str();
        std::ifstream existing(folder / "tokenizer.json", std::ios::binary);
        std::ostringstream old;
        old << existing.rdbuf();
        if (existing && old.str() != tokenizer)
            return fail("'" + (folder / "tokenizer.json").string() +
                        "' belongs to another model; write the output to another folder");
    }
    auto calibration = calibrationFrom(args, model.value(), params.value());
    if (!calibration)
        return fail(calibration.message());

    auto before = measure(model.value(), source, args, task.value(), "original");
    if (!before)
        return fail(before.message());

    ProgressLine progress("quantize");
    PassContext context;
    context.progress = [&](const PassProgress& p) { progress.update(p.fraction, p.message); };
    auto result = quantizeModel(model.value(), params.value(), &calibration.value(), context);
    progress.finish();
    if (!result)
        return fail(result.message());
    if (auto saved = saveOnnx(result->model, output); !saved)
        return fail(saved.message());
    if (!tokenizer.empty())
        if (auto copied = writeFileAtomically(folder / "tokenizer.json", tokenizer); !copied)
            return fail(copied.message());
    // Everything below is measured on the file as written, read back, not on the in-memory graph.
    auto written = loadOnnx(output);
    if (!written)
        return fail("the written file cannot be read back: " + written.message());
    auto after = measure(written.value(), output, args, task.value(), "quantized");
    if (!after)
        return fail(after.message());

    const nlohmann::json summary{{"source", source.string()},
                                 {"output", output.string()},
                                 {"params", params->toJson()},
                                 {"original", measurementJson(before.value())},
                                 {"quantized", measurementJson(after.value())},
                                 {"report", result->report.toJson()}};
    if (args.has("report"))
        if (auto s = writeFileAtomically(args.value("report"), summary.dump(2) + "\n"); !s)
            return fail(s.message());
    if (args.has("json")) {
        std::cout << summary.dump(2) << "\n";
        return 0;
    }
    std::cout << result->report.toText();
    printComparison(before.value(), after.value());
    std::cout << "wrote " << output.string() << "\n";
    return 0;
}

} // namespace

Command compressCommand() {
    return {{"compress",
             "MODEL",
             "Quantize a model and write it as standard ONNX (QDQ, MatMulInteger, blocked 4-bit DequantizeLinear or "
             "MatMulNBits); prints per-layer results and size, latency and the metric before and after.",
             {{"output", "OUT.onnx", "the file to write", false, 'o'},
              {"quantize", "SCHEME", "w8a8 (static activations), w8a16, w4a16 or dynamic-int8"},
              {"params", "FILE.json", "quantization parameters as JSON (flags given too override them)"},
              {"method", "M", "rtn, gptq or awq (default rtn)"},
              {"granularity", "G", "int8 weights: per-channel (default) or per-tensor"},
              {"group", "N", "4-bit group size: 32, 64 or 128 (default 128)"},
              {"asymmetric", "", "4-bit weights with a zero point"},
              {"int4-format", "F", "dq (opset-21 DequantizeLinear, default) or matmulnbits"},
              {"act-order", "", "GPTQ: quantize columns by decreasing activation energy"},
              {"smoothquant", "ALPHA", "migrate activation outliers into the weights (e.g. 0.5)"},
              {"calibrator", "C", "w8a8 activation ranges: minmax, percentile, mse or entropy"},
              {"percentile", "P", "percentile calibrator (default 99.99)"},
              {"calib-images", "X.npy", "calibration images"},
              {"calib-text", "FILE", "calibration text (256-token windows)"},
              {"calib-samples", "N", "calibration images or windows used (default 128)"},
              {"include", "PATTERN", "only layers whose node or weight name matches (glob)", true},
              {"exclude", "PATTERN", "skip layers whose node or weight name matches (glob)", true},
              {"keep-first", "", "keep the first weight layer in float"},
              {"keep-last", "", "keep the last weight layer in float"},
              {"eval-images", "X.npy", "evaluate top-1 before and after (with --eval-labels)"},
              {"eval-labels", "Y.npy", "labels for --eval-images"},
              {"eval-text", "FILE", "evaluate perplexity before and after"},
              {"no-bench", "", "skip the latency measurement"},
              {"report", "FILE.json", "write the per-layer report and the measurements"},
              deviceOption(),
              {"json", "", "print JSON instead of tables"}}},
            runCompress};
}

} // namespace autoglm::cli
