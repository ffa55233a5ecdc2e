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
    auto model = loadModelArg(args, args.positional[0]);
    if (!model)
        return fail(model.message());
    // A batch that would not fit the memory budget is refused with the numbers before anything runs.
    if (auto fits = checkRunMemory(model.value(), batch.value(), seq.value(),
                                   "benchmarking at batch " + std::to_string(batch.value()) + " (--batch)");
        !fits)
        return fail(fits.message());
    auto executor = Executor::create(model.value(), executorOptions(args));
    if (!executor)
        return fail(executor.message());
    auto inputs = syntheticInputs(model.value(), batch.value(), seq.value());
    if (!inputs)
        return fail(inputs.message());
    auto stats = measureLatency(executor.value(), inputs.value(), static_cast<int>(warmup.value()),
                                static_cast<int>(iters.value()));
    if (!stats)
        return fail(stats.message());
    std::vector<OpTime> profile;
    if (args.has("profile")) {
        auto ops = profileOpTypes(executor.value(), inputs.value(), static_cast<int>(iters.value()));
        if (!ops)
            return fail(ops.message());
        profile = ops.value();
    }
    const int usedThreads = static_cast<int>(threads.value() ? threads.value() : std::thread::hardware_concurrency());
    if (args.has("json")) {
        nlohmann::json j{{"batch", batch.value()},          {"seq", seq.value()},
                         {"threads", usedThreads},          {"device", executor->options().device},
                         {"iterations", stats->iterations}, {"median_ms", stats->medianMs},
                         {"p90_ms", stats->p90Ms},          {"mean_ms", stats->meanMs},
                         {"min_ms", stats->minMs}};
        for (const auto& op : profile)
            j["profile"].push_back({{"op", op.opType}, {"nodes", op.nodes}, {"ms_per_run", op.msPerRun}});
        std::cout << j.dump(2) << "\n";
    } else {
        std::printf("batch %lld, seq %lld, %d threads, %s, %d iterations\nmedian  %.3f ms\np90     %.3f ms\n",
                    static_cast<long long>(batch.value()), static_cast<long long>(seq.value()), usedThreads,
                    executor->options().device.c_str(), stats->iterations, stats->medianMs, stats->p90Ms);
        double total = 0;
        for (const auto& op : profile)
            total += op.msPerRun;
        if (!profile.empty())
            std::printf("\n%-28s %6s %12s %7s\n", "op", "nodes", "ms per run", "share");
        for (const auto& op : profile)
            std::printf("%-28s %6lld %12.3f %6.1f%%\n", op.opType.c_str(), static_cast<long long>(op.nodes),
                        op.msPerRun, total > 0 ? 100.0 * op.msPerRun / total : 0.0);
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
              deviceOption(), precisionOption(),
              trustTorchScriptOption(), inputShapeOption(),
              {"json", "", "print JSON"}}},
            runBench};
}

} // namespace autoglm::cli
