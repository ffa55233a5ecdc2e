#include "pipeline/eval/Benchmark.h"

#include "pipeline/exec/TorchTypes.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>

namespace autoglm {

LatencyStats latencyStats(std::vector<double> samples) {
    LatencyStats s;
    if (samples.empty())
        return s;
    std::sort(samples.begin(), samples.end());
    auto at = [&](double q) {
        const double pos = q * static_cast<double>(samples.size() - 1);
        const auto lo = static_cast<size_t>(std::floor(pos));
        const auto hi = std::min(lo + 1, samples.size() - 1);
        return samples[lo] + (samples[hi] - samples[lo]) * (pos - static_cast<double>(lo));
    };
    s.iterations = static_cast<int>(samples.size());
    s.medianMs = at(0.5);
    s.p90Ms = at(0.9);
    s.minMs = samples.front();
    s.meanMs = std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(samples.size());
    return s;
}

Result<LatencyStats> measureLatency(const Executor& executor, const TensorMap& inputs, int warmup, int iterations,
                                    std::stop_token stop) {
    auto stats = measureLatencyRounds({TimedRun{&executor, &inputs, ""}}, warmup, iterations, stop);
    if (!stats)
        return stats.error();
    return stats->front();
}

Result<std::vector<LatencyStats>> measureLatencyRounds(const std::vector<TimedRun>& runs, int warmup, int iterations,
                                                       std::stop_token stop) {
    if (iterations < 1)
        return Error{"iterations must be at least 1"};
    auto failed = [](const TimedRun& run, const Error& e) {
        return run.name.empty() ? e : Error{run.name + ": " + e.message, e.unsupported};
    };
    for (const TimedRun& run : runs)
        for (int i = 0; i < warmup; ++i)
            if (auto r = run.executor->run(*run.inputs, stop); !r)
                return failed(run, r.error());
    std::vector<std::vector<double>> samples(runs.size());
    for (int i = 0; i < iterations; ++i)
        for (size_t m = 0; m < runs.size(); ++m) {
            const auto t0 = std::chrono::steady_clock::now();
            auto r = runs[m].executor->run(*runs[m].inputs, stop);
            const auto t1 = std::chrono::steady_clock::now();
            if (!r)
                return failed(runs[m], r.error());
            samples[m].push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        }
    std::vector<LatencyStats> stats;
    for (auto& s : samples)
        stats.push_back(latencyStats(std::move(s)));
    return stats;
}

Result<std::vector<OpTime>> profileOpTypes(const Executor& executor, const TensorMap& inputs, int iterations,
                                           std::stop_token stop) {
    if (iterations < 1)
        return Error{"iterations must be at least 1"};
    std::map<std::string, OpTime> byOp;
    for (const auto& node : executor.model().graph.nodes) {
        OpTime& t = byOp[node.opType];
        t.opType = node.opType;
        ++t.nodes;
    }
    for (int i = 0; i < iterations; ++i) {
        auto last = std::chrono::steady_clock::now();
        auto run =
            executor.run(inputs, stop, [&](const Node& node, const std::vector<Shape>&, const std::vector<Shape>&) {
                const auto now = std::chrono::steady_clock::now();
                byOp[node.opType].msPerRun += std::chrono::duration<double, std::milli>(now - last).count();
                last = now;
            });
        if (!run)
            return run.error();
    }
    std::vector<OpTime> out;
    for (auto& [op, t] : byOp) {
        t.msPerRun /= iterations;
        out.push_back(t);
    }
    std::sort(out.begin(), out.end(), [](const OpTime& a, const OpTime& b) { return a.msPerRun > b.msPerRun; });
    return out;
}

Result<TensorMap> syntheticInputs(const Model& model, int64_t batch, int64_t seq, uint64_t seed) {
    at::Generator gen = at::detail::createCPUGenerator(seed);
    TensorMap out;
    for (const auto& in : model.graph.feedInputs()) {
        if (!in.shape)
            return Error{"input '" + in.name + "' has no declared shape; give its shape explicitly"};
        std::vector<int64_t> dims;
        for (size_t i = 0; i < in.shape->size(); ++i) {
            const Dim& d = (*in.shape)[i];
            dims.push_back(d.isFixed() ? d.value : (i == 0 ? batch : seq));
        }
        auto type = torchType(in.dtype);
        if (!type)
            return Error{"input '" + in.name + "' has element type " + dtypeName(in.dtype) + ", which we cannot feed"};
        at::Tensor t;
        if (at::isFloatingType(*type))
            t = at::rand(dims, gen, at::TensorOptions().dtype(*type));
        else if (*type == at::kBool)
            t = at::zeros(dims, at::kBool);
        else
            t = at::randint(0, 256, dims, gen, at::TensorOptions().dtype(*type));
        out[in.name] = TensorData(t);
    }
    return out;
}

} // namespace autoglm
