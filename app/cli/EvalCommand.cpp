#include "Commands.h"

#include "pipeline/eval/Metrics.h"
#include "pipeline/io/ArrayReader.h"
#include "pipeline/llm/TextPerplexity.h"
#include "pipeline/model/ModelLoader.h"
#include "pipeline/model/RunMemory.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

namespace autoglm::cli {
namespace {

// Refused before the executor exists when one run at `batch` would not fit the memory budget.
Status checkBatch(const Model& model, int64_t batch, int64_t sequence, const char* unit) {
    return checkRunMemory(model, batch, sequence,
                          "evaluating at batch " + std::to_string(batch) + " (" + unit +
                              " per run; --batch sets it)");
}

int evalClassification(const Model& model, const ParsedArgs& args) {
    if (!args.has("labels"))
        return fail("--images needs --labels Y.npy");
    // Read a batch at a time from the files: the dataset is never in memory whole.
    auto images = ArrayReader::open(args.value("images"));
    if (!images)
        return fail(images.message());
    auto labels = ArrayReader::open(args.value("labels"));
    if (!labels)
        return fail(labels.message());
    ClassificationOptions options;
    auto batch = args.integer("batch", 100, 1, 1 << 20);
    if (!batch)
        return fail(batch.message());
    options.batch = batch.value();
    auto scale = args.real("scale", options.scale);
    if (!scale)
        return fail(scale.message());
    options.scale = scale.value();
    if (auto fits = checkBatch(model, std::min(options.batch, std::max<int64_t>(images.value()->rows(), 1)), 1, "images");
        !fits)
        return fail(fits.message());
    auto executor = Executor::create(model, executorOptions(args));
    if (!executor)
        return fail(executor.message());
    ProgressLine progress("eval");
    auto result = evaluateClassification(executor.value(), *images.value(), *labels.value(), options,
                                         [&](double f) { progress.update(f); });
    progress.finish();
    if (!result)
        return fail(result.message());
    if (args.has("json")) {
        std::cout << nlohmann::json{{"task", "classification"},
                                    {"count", result->count},
                                    {"top1", result->top1},
                                    {"top5", result->top5},
                                    {"scale", result->scaleUsed}}
                         .dump(2)
                  << "\n";
    } else {
        std::printf("images  %lld\ntop-1   %.4f\ntop-5   %.4f\n", static_cast<long long>(result->count), result->top1,
                    result->top5);
    }
    return 0;
}

int evalText(const Model& model, const ParsedArgs& args) {
    std::ifstream in(args.value("text"), std::ios::binary);
    if (!in)
        return fail("cannot open text file '" + args.value("text") + "'");
    std::ostringstream text;
    text << in.rdbuf();
    PerplexityOptions options;
    auto context = args.integer("context", 256, 1, 1 << 20);
    if (!context)
        return fail(context.message());
    auto batch = args.integer("batch", 8, 1, 1 << 16);
    if (!batch)
        return fail(batch.message());
    options.context = context.value();
    options.batch = batch.value();
    // Windows are cut after tokenizing, so the byte count bounds how many a batch can hold.
    const auto windows = std::max<int64_t>(static_cast<int64_t>(text.str().size()) / options.context, 1);
    if (auto fits = checkBatch(model, std::min(options.batch, windows), options.context, "windows"); !fits)
        return fail(fits.message());
    auto executor = Executor::create(model, executorOptions(args));
    if (!executor)
        return fail(executor.message());
    ProgressLine progress("eval");
    auto measured =
        evaluateTextPerplexity(executor.value(), text.str(), options, [&](double f) { progress.update(f); });
    progress.finish();
    if (!measured)
        return fail(measured.message());
    const PerplexityResult& result = measured->result;
    const std::string& unit = measured->unit;
    if (args.has("json")) {
        std::cout << nlohmann::json{{"task", unit + "_perplexity"},
                                    {"tokens", measured->tokens},
                                    {"windows", result.windows},
                                    {"context", options.context},
                                    {"predictions", result.predictions},
                                    {"perplexity", result.perplexity},
                                    {"bits_per_" + unit, result.bitsPerByte}}
                         .dump(2)
                  << "\n";
    } else {
        std::printf("windows        %lld x %lld %ss\nperplexity     %.4f (per %s)\nbits per %s  %.4f\n",
                    static_cast<long long>(result.windows), static_cast<long long>(options.context), unit.c_str(),
                    result.perplexity, unit.c_str(), unit.c_str(), result.bitsPerByte);
    }
    return 0;
}

int runEval(const ParsedArgs& args) {
    if (args.has("images") == args.has("text"))
        return fail("give either --images X.npy --labels Y.npy or --text FILE");
    auto model = loadModelArg(args, args.positional[0]);
    if (!model)
        return fail(model.message());
    return args.has("images") ? evalClassification(model.value(), args) : evalText(model.value(), args);
}

} // namespace

Command evalCommand() {
    return {{"eval",
             "MODEL",
             "Measure top-1/top-5 on labelled images, or perplexity on a text file (per token with a checkpoint's "
             "tokenizer.json, else per byte).",
             {{"images", "X.npy", "images [N,...] for classification"},
              {"labels", "Y.npy", "integer labels [N]"},
              {"scale", "S", "multiply images by S before feeding (default 1/255 for uint8, else 1)"},
              {"text", "FILE", "text for perplexity"},
              {"context", "T", "tokens (bytes) per window for perplexity (default 256)"},
              {"batch", "N", "images (default 100) or windows (default 8) per run"},
              deviceOption(), precisionOption(),
              trustTorchScriptOption(), inputShapeOption(),
              {"json", "", "print JSON"}}},
            runEval};
}

} // namespace autoglm::cli
