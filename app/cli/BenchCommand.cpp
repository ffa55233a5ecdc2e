#include "Commands.h"

#include "pipeline/eval/Benchmark.h"
#include "pipeline/model/ModelLoader.h"

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
    auto model = loadModel(args.positional[0]);
    if (!model)
        return fail(model.message());
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
    const int usedThreads = static_cast<int>(threads.value() ? threads.value() : std::thread::hardware_concurrency());
    if (args.has("json")) {
        std::cout << nlohmann::json{{"batch", batch.value()},       {"seq", seq.value()},
                                    {"threads", usedThreads},       {"device", executor->options().device},
                                    {"iterations", stats->iterations}, {"median_ms", stats->medianMs},
                                    {"p90_ms", stats->p90Ms},       {"mean_ms", stats->meanMs},
                                    {"min_ms", stats->minMs}}
                         .dump(2)
                  << "\n";
    } else {
        std::printf("batch %lld, seq %lld, %d threads, %s, %d iterations\nmedian  %.3f ms\np90     %.3f ms\n",
                    static_cast<long long>(batch.value()), static_cast<long long>(seq.value()), usedThreads,
                    executor->options().device.c_str(), stats->iterations, stats->medianMs, stats->p90Ms);
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
              deviceOption(),
              {"json", "", "print JSON"}}},
            runBench};
}

} // namespace autoglm::cli
