// The same pipeline run again and again in one process (a server that keeps the CLI's work going for days):
//   bench_soak [--runs N] [--pipeline FILE.autoglm.json]      (default: 20 runs of the bundled fashion starter)
// Prints each run's peak resident memory (VmHWM, reset before every run through /proc/self/clear_refs), the
// growth from the first run to the last, and whether every run measured exactly what the first did (all but
// latency, which is a timing).
#include "pipeline/runner/PipelineSpec.h"
#include "pipeline/runner/Runner.h"

#include <QTemporaryDir>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

using namespace autoglm;
namespace fs = std::filesystem;

namespace {

// kB from /proc/self/status, -1 when unreadable.
long statusKb(const std::string& key) {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind(key + ":", 0) == 0)
            return std::stol(line.substr(key.size() + 1));
    return -1;
}

void resetPeakRss() {
    std::ofstream("/proc/self/clear_refs") << "5";
}

// What a run measured, without timings.
nlohmann::json figures(const RunResults& r) {
    nlohmann::json rows = nlohmann::json::array();
    for (const VariantResult* v : [&] {
             std::vector<const VariantResult*> all{&r.original};
             for (const auto& row : r.variants)
                 all.push_back(&row);
             return all;
         }()) {
        nlohmann::json j = v->toJson();
        for (const char* timing : {"latency_median_ms", "latency_p90_ms", "pareto_latency"})
            j.erase(timing);
        rows.push_back(j);
    }
    return rows;
}

} // namespace

int main(int argc, char** argv) {
    int runs = 20;
    fs::path pipeline = fs::path(AUTOGLM_SOURCE_DIR) / "resources/pipelines/fashion_starter.autoglm.json";
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--runs")
            runs = std::stoi(argv[i + 1]);
        else if (flag == "--pipeline")
            pipeline = argv[i + 1];
    }
    auto spec = loadPipelineFile(pipeline);
    if (!spec) {
        std::fprintf(stderr, "%s\n", spec.message().c_str());
        return 1;
    }
    QTemporaryDir dir;
    nlohmann::json first;
    long firstPeak = 0, lastPeak = 0;
    int identical = 0;
    std::printf("%s, %d runs in one process\n", pipeline.filename().c_str(), runs);
    std::printf("run  peak RSS MB  current RSS MB  seconds  figures\n");
    for (int i = 0; i < runs; ++i) {
        resetPeakRss();
        RunOptions options;
        options.outputDir = fs::path(dir.path().toStdString()) / ("run" + std::to_string(i));
        const auto start = std::chrono::steady_clock::now();
        auto results = runPipeline(spec.value(), options, {});
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (!results || results->status != "complete") {
            std::fprintf(stderr, "run %d: %s\n", i, results ? results->status.c_str() : results.message().c_str());
            return 1;
        }
        const nlohmann::json now = figures(results.value());
        if (i == 0)
            first = now;
        const bool same = now == first;
        identical += same;
        const long peak = statusKb("VmHWM");
        if (i == 0)
            firstPeak = peak;
        lastPeak = peak;
        std::printf("%3d  %11.1f  %14.1f  %7.1f  %s\n", i + 1, peak / 1024.0, statusKb("VmRSS") / 1024.0, seconds,
                    same ? "same as run 1" : "DIFFERENT");
        std::fflush(stdout);
        fs::remove_all(options.outputDir);
    }
    std::printf("peak RSS first run %.1f MB, last run %.1f MB (%+.1f %%); %d of %d runs measured the same figures\n",
                firstPeak / 1024.0, lastPeak / 1024.0, 100.0 * (double(lastPeak) / double(firstPeak) - 1.0), identical,
                runs);
    return identical == runs ? 0 : 2;
}
