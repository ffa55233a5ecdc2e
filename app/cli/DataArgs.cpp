#include "DataArgs.h"

#include <filesystem>
#include <tuple>

namespace autoglm::cli {

namespace fs = std::filesystem;

Result<PipelineSpec> specFromArgs(const ParsedArgs& args) {
    PipelineSpec spec;
    spec.name = fs::path(args.positional[0]).filename().string();
    spec.model = fs::absolute(args.positional[0]).string();
    auto images = [&](const char* id, const std::string& prefix, bool labelsNeeded) -> Status {
        if (!args.has(prefix + "images")) {
            if (args.has(prefix + "labels"))
                return Error{"--" + prefix + "labels needs --" + prefix + "images"};
            return Ok{};
        }
        if (labelsNeeded && !args.has(prefix + "labels"))
            return Error{"--" + prefix + "images needs --" + prefix + "labels Y.npy"};
        DatasetSpec d;
        d.id = id;
        d.images = fs::absolute(args.value(prefix + "images")).string();
        if (args.has(prefix + "labels"))
            d.labels = fs::absolute(args.value(prefix + "labels")).string();
        spec.datasets.push_back(d);
        return Ok{};
    };
    auto text = [&](const char* id, const std::string& flag) {
        if (!args.has(flag))
            return;
        DatasetSpec d;
        d.id = id;
        d.kind = "text";
        d.path = fs::absolute(args.value(flag)).string();
        spec.datasets.push_back(d);
    };
    for (auto [id, prefix, labels] : {std::tuple{"calib", "calib-", false}, {"train", "train-", false},
                                      {"eval", "eval-", true}})
        if (auto s = images(id, prefix, labels); !s)
            return s.error();
    text("calib", "calib-text");
    text("train", "train-text");
    text("eval", "eval-text");
    if (args.has("eval-synthetic")) {
        auto n = args.integer("eval-synthetic", 64, 1, 1 << 20);
        if (!n)
            return n.error();
        DatasetSpec d;
        d.id = "eval";
        d.kind = "synthetic";
        d.samples = n.value();
        spec.datasets.push_back(d);
    }
    int evaluations = 0;
    for (const auto& d : spec.datasets)
        evaluations += d.id == "eval";
    if (evaluations != 1)
        return Error{"give one evaluation set: --eval-images X.npy --eval-labels Y.npy, --eval-text FILE or "
                     "--eval-synthetic N"};
    spec.evaluation.dataset = "eval";
    auto samples = args.integer("eval-samples", 0, 0, int64_t(1) << 40);
    auto iterations = args.integer("latency-iterations", 20, 1, 100000);
    for (const auto* r : {&samples, &iterations})
        if (!*r)
            return r->error();
    spec.evaluation.samples = samples.value();
    spec.evaluation.latencyIterations = iterations.value();
    if (auto s = spec.validate(); !s)
        return s.error();
    return spec;
}

std::vector<OptionSpec> dataOptions() {
    return {{"eval-images", "X.npy", "evaluation images (with --eval-labels)"},
            {"eval-labels", "Y.npy", "labels for --eval-images"},
            {"eval-text", "FILE", "evaluation text (perplexity)"},
            {"eval-synthetic", "N", "no data: N synthetic inputs, judged by agreement with the original"},
            {"eval-samples", "N", "images or windows evaluated (default all)"},
            {"calib-images", "X.npy", "calibration images (enables GPTQ and W8A8)"},
            {"calib-text", "FILE", "calibration text"},
            {"train-images", "X.npy", "distillation images for channel-pruned candidates"},
            {"train-labels", "Y.npy", "labels for --train-images"},
            {"train-text", "FILE", "distillation text"},
            {"latency-iterations", "N", "timed runs per variant (default 20)"}};
}

} // namespace autoglm::cli
