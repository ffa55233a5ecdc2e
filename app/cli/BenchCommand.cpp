#include "Commands.h"

#include "pipeline/eval/Benchmark.h"
#include "pipeline/model/ModelLoader.h"
#include "pipeline/common/MemoryBudget.h"
#include "pipeline/model/ModelSummary.h"
#include "pipeline/model/RunMemory.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <limits>
#include <thread>

namespace autoglm::cli {
namespace {

struct BenchSettings {
    int64_t batch = 1, seq = 256;
    int warmup = 5, iterations = 50;
    ExecutorOptions options;
};

// A model of the command line, loaded, with what one run of it at the batch needs in memory.
struct LoadedModel {
    std::string path;
    Model model;
    RunMemoryEstimate need;
};

// Loads one model and refuses a batch beyond the memory budget (with the numbers) before anything runs.
Result<LoadedModel> loadForBench(const ParsedArgs& args, const std::string& path, const BenchSettings& settings) {
    auto model = loadModelArg(args, path);
    if (!model)
        return model.error();
    const RunMemoryEstimate need =
        estimateRunMemory(summarizeModel(model.value(), perSampleShapes(model.value(), settings.seq)));
    if (auto fits = checkRunMemory(need, settings.batch,
                                   "benchmarking at batch " + std::to_string(settings.batch) + " (--batch)");
        !fits)
        return fits.error();
    return LoadedModel{path, std::move(model.value()), need};
}

// A model ready to time: its executor (which holds its own copy of the graph) and synthetic inputs.
struct PreparedModel {
    Executor executor;
    TensorMap inputs;
};

Result<PreparedModel> prepareForBench(const LoadedModel& loaded, const BenchSettings& settings) {
    auto executor = Executor::create(loaded.model, settings.options);
    if (!executor)
        return executor.error();
    auto inputs = syntheticInputs(loaded.model, settings.batch, settings.seq);
    if (!inputs)
        return inputs.error();
    return PreparedModel{std::move(executor.value()), std::move(inputs.value())};
}

// What names the errors of the i-th model of the command line: nothing for the first (its errors are the
// command's own), its path for a compared one.
std::string errorPrefix(size_t i, const std::string& path) {
    return i == 0 ? "" : path;
}
std::string benchError(size_t i, const std::string& path, const std::string& message) {
    const std::string prefix = errorPrefix(i, path);
    return prefix.empty() ? message : prefix + ": " + message;
}

struct BenchTimes {
    std::vector<LatencyStats> stats; // one per model, in command-line order
    std::vector<OpTime> profile;     // the first model's, with --profile
    bool inRounds = false;
};

// Times every model. When they fit in memory together, they are timed in interleaved rounds (fair against warm-up
// and drift); otherwise one after another, each executor freed before the next is built.
Result<BenchTimes> timeModels(const std::vector<LoadedModel>& models, const BenchSettings& settings, bool profile) {
    int64_t together = 0;
    for (const LoadedModel& m : models) { // saturating: "too much" must never wrap to a small number
        const int64_t need = m.need.at(settings.batch);
        together = together > std::numeric_limits<int64_t>::max() - need ? std::numeric_limits<int64_t>::max()
                                                                          : together + need;
    }
    BenchTimes times;
    times.inRounds = models.size() > 1 && checkMemoryFor(together, "benchmarking the models together").ok();
    auto profileFirst = [&](const PreparedModel& first) -> Status {
        if (!profile)
            return Ok{};
        auto ops = profileOpTypes(first.executor, first.inputs, settings.iterations);
        if (!ops)
            return ops.error();
        times.profile = ops.value();
        return Ok{};
    };
    if (times.inRounds) {
        std::vector<PreparedModel> prepared;
        std::vector<TimedRun> runs;
        for (size_t i = 0; i < models.size(); ++i) {
            auto p = prepareForBench(models[i], settings);
            if (!p)
                return Error{benchError(i, models[i].path, p.message())};
            prepared.push_back(std::move(p.value()));
        }
        for (size_t i = 0; i < prepared.size(); ++i)
            runs.push_back({&prepared[i].executor, &prepared[i].inputs, errorPrefix(i, models[i].path)});
        auto stats = measureLatencyRounds(runs, settings.warmup, settings.iterations);
        if (!stats)
            return stats.error();
        times.stats = stats.value();
        if (auto s = profileFirst(prepared.front()); !s)
            return s.error();
        return times;
    }
    for (size_t i = 0; i < models.size(); ++i) {
        auto p = prepareForBench(models[i], settings);
        if (!p)
            return Error{benchError(i, models[i].path, p.message())};
        auto stats = measureLatency(p->executor, p->inputs, settings.warmup, settings.iterations);
        if (!stats)
            return Error{benchError(i, models[i].path, stats.message())};
        times.stats.push_back(stats.value());
        if (i == 0)
            if (auto s = profileFirst(p.value()); !s)
                return s.error();
    }
    return times;
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
    // The first model, then the ones to compare with it (each one's speedup is first median / its median).
    std::vector<std::string> paths{args.positional[0]};
    for (const std::string& other : args.all("compare"))
        paths.push_back(other);
    std::vector<LoadedModel> models;
    for (const std::string& path : paths) {
        auto loaded = loadForBench(args, path, settings);
        if (!loaded)
            return fail(benchError(models.size(), path, loaded.message()));
        models.push_back(std::move(loaded.value()));
    }
    auto times = timeModels(models, settings, args.has("profile"));
    if (!times)
        return fail(times.message());
    std::vector<std::pair<std::string, LatencyStats>> compared;
    for (size_t i = 1; i < models.size(); ++i)
        compared.emplace_back(models[i].path, times->stats[i]);
    const LatencyStats& stats = times->stats.front();
    const std::vector<OpTime>& profile = times->profile;
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
        if (!compared.empty())
            j["timing"] = times->inRounds ? "rounds" : "one after another";
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
        std::printf(times->inRounds ? "\ntimed in rounds (each round runs every model once, in turn)\n"
                                    : "\ntimed one after another (together the models exceed the memory budget)\n");
        std::printf("%-40s %10s %10s %8s\n", "model", "median ms", "p90 ms", "speedup");
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
              {"compare", "MODEL", "also time this model and print its speedup over the first (repeatable: e.g. "
                                   "the float model first, its quantized variants after); models that fit in "
                                   "memory together are timed in interleaved rounds", true},
              deviceOption(), precisionOption(),
              trustTorchScriptOption(), inputShapeOption(),
              {"json", "", "print JSON"}}},
            runBench};
}

} // namespace autoglm::cli
