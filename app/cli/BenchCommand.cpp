#include "Commands.h"

#include "pipeline/eval/Benchmark.h"
#include "pipeline/model/ModelLoader.h"
#include "pipeline/model/RunMemory.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <thread>

namespace autoglm::cli {
namespace {

struct BenchSettings {
    int64_t batch = 1, seq = 256;
    int warmup = 5, iterations = 50;
    ExecutorOptions options;
};

struct BenchResult {
    LatencyStats stats;
    std::vector<OpTime> profile;
};

// Loads one model, refuses a batch beyond the memory budget (with the numbers) before anything runs, and times
// it on synthetic inputs of its shapes; with `profile`, also each op type.
Result<BenchResult> benchModel(const ParsedArgs& args, const std::string& path, const BenchSettings& settings,
                               bool profile) {
    auto model = loadModelArg(args, path);
    if (!model)
        return model.error();
    if (auto fits = checkRunMemory(model.value(), settings.batch, settings.seq,
                                   "benchmarking at batch " + std::to_string(settings.batch) + " (--batch)");
        !fits)
        return fits.error();
    auto executor = Executor::create(model.value(), settings.options);
    if (!executor)
        return executor.error();
    auto inputs = syntheticInputs(model.value(), settings.batch, settings.seq);
    if (!inputs)
        return inputs.error();
    auto stats = measureLatency(executor.value(), inputs.value(), settings.warmup, settings.iterations);
    if (!stats)
        return stats.error();
    BenchResult result{stats.value(), {}};
    if (profile) {
        auto ops = profileOpTypes(executor.value(), inputs.value(), settings.iterations);
        if (!ops)
            return ops.error();
        result.profile = ops.value();
    }
    return result;
}

int runBench(const ParsedArgs& args) {
    auto batch = args.integer("batch", 1, 1, 1 << 20);
    auto seq = args.integer("seq", 256, 1, 1 << 20);
    auto threads = args.integer("threads", 0, 0, 1024);
    auto iters = args.integer("iters", 50, 1, 1 << 20);
    auto warmup = args.integer("warmup", 5, 0, 1 << 20);
    for (const auto* r : {&batch, &seq, &threads, &iters, &warmup})
        if (!*r)
            return fail(r->message());
    setComputeThreads(static_cast<int>(threads.value()));
    const BenchSettings settings{batch.value(), seq.value(), static_cast<int>(warmup.value()),
                                 static_cast<int>(iters.value()), executorOptions(args)};
    auto main = benchModel(args, args.positional[0], settings, args.has("profile"));
    if (!main)
        return fail(main.message());
    // Models to compare, each timed in this process the same way right after the first (its speedup is
    // first median / its median).
    std::vector<std::pair<std::string, LatencyStats>> compared;
    for (const std::string& other : args.all("compare")) {
        auto result = benchModel(args, other, settings, false);
        if (!result)
            return fail(other + ": " + result.message());
        compared.emplace_back(other, result->stats);
    }
    const LatencyStats& stats = main->stats;
    const std::vector<OpTime>& profile = main->profile;
    const int usedThreads = static_cast<int>(threads.value() ? threads.value() : std::thread::hardware_concurrency());
    if (args.has("json")) {
        nlohmann::json j{{"batch", batch.value()},        {"seq", seq.value()},
                         {"threads", usedThreads},        {"device", settings.options.device},
                         {"precision", settings.options.precision},
                         {"iterations", stats.iterations}, {"median_ms", stats.medianMs},
                         {"p90_ms", stats.p90Ms},          {"mean_ms", stats.meanMs},
                         {"min_ms", stats.minMs}};
        for (const auto& op : profile)
            j["profile"].push_back({{"op", op.opType}, {"nodes", op.nodes}, {"ms_per_run", op.msPerRun}});
        for (const auto& [path, other] : compared)
            j["compare"].push_back({{"model", path},
                                    {"median_ms", other.medianMs},
                                    {"p90_ms", other.p90Ms},
                                    {"speedup", stats.medianMs / other.medianMs}});
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    std::printf("batch %lld, seq %lld, %d threads, %s, %s, %d iterations\nmedian  %.3f ms\np90     %.3f ms\n",
                static_cast<long long>(batch.value()), static_cast<long long>(seq.value()), usedThreads,
                settings.options.device.c_str(), settings.options.precision.c_str(), stats.iterations, stats.medianMs,
                stats.p90Ms);
    double total = 0;
    for (const auto& op : profile)
        total += op.msPerRun;
    if (!profile.empty())
        std::printf("\n%-28s %6s %12s %7s\n", "op", "nodes", "ms per run", "share");
    for (const auto& op : profile)
        std::printf("%-28s %6lld %12.3f %6.1f%%\n", op.opType.c_str(), static_cast<long long>(op.nodes), op.msPerRun,
                    total > 0 ? 100.0 * op.msPerRun / total : 0.0);
    if (!compared.empty()) {
        std::printf("\n%-40s %10s %10s %8s\n", "model", "median ms", "p90 ms", "speedup");
        std::printf("%-40s %10.3f %10.3f %7.2fx\n", args.positional[0].c_str(), stats.medianMs, stats.p90Ms, 1.0);
        for (const auto& [path, other] : compared)
            std::printf("%-40s %10.3f %10.3f %7.2fx\n", path.c_str(), other.medianMs, other.p90Ms,
                        stats.medianMs / other.medianMs);
    }
    return 0;
}

} // namespace

Command benchCommand() {
    return {{"bench",
             "MODEL",
             "Measure latency (median, p90) after warm-up on synthetic inputs of the model's shapes.",
             {{"batch", "N", "batch size for the first symbolic dimension (default 1)"},
              {"seq", "T", "size of other symbolic dimensions, e.g. sequence length (default 256)"},
              {"threads", "T", "compute threads (default: one per core)"},
              {"iters", "N", "timed iterations (default 50)"},
              {"warmup", "N", "untimed warm-up iterations (default 5)"},
              {"profile", "", "also time each op type (a second set of runs)"},
              {"compare", "MODEL", "also time this model the same way and print its speedup over the first "
                                   "(repeatable: e.g. the float model first, its quantized variants after)", true},
              deviceOption(), precisionOption(),
              trustTorchScriptOption(), inputShapeOption(),
              {"json", "", "print JSON"}}},
            runBench};
}

} // namespace autoglm::cli
