// autoglm run PIPELINE.autoglm.json and autoglm merge DIR...: the pipeline runner, headless.
#include "Commands.h"
#include "ResultsTable.h"

#include "pipeline/runner/PipelinePlan.h"
#include "pipeline/runner/Runner.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>
#include <regex>
#include <thread>

namespace autoglm::cli {
namespace {

namespace fs = std::filesystem;

// Exit statuses of `run` (docs/PIPELINES.md).
constexpr int kVariantsFailed = 3;
constexpr int kCancelled = 130;

std::atomic<bool> g_interrupted{false};
extern "C" void onInterrupt(int) { g_interrupted = true; }

// Turns SIGINT / SIGTERM into a stop request: the run ends after cleaning up, with the finished variants saved.
class InterruptWatch {
public:
    InterruptWatch() {
        std::signal(SIGINT, onInterrupt);
        std::signal(SIGTERM, onInterrupt);
        m_thread = std::jthread([this](std::stop_token done) {
            while (!done.stop_requested()) {
                if (g_interrupted) {
                    m_source.request_stop();
                    return;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        });
    }
    ~InterruptWatch() {
        m_thread.request_stop();
        m_thread.join();
        std::signal(SIGINT, SIG_DFL);
        std::signal(SIGTERM, SIG_DFL);
    }
    std::stop_token token() const { return m_source.get_token(); }

private:
    std::stop_source m_source;
    std::jthread m_thread;
};

Result<std::pair<int, int>> parseShard(const std::string& text) {
    static const std::regex form("([0-9]{1,6})/([0-9]{1,6})");
    std::smatch m;
    if (!std::regex_match(text, m, form))
        return Error{"--shard " + text + ": expected I/N such as 0/4 (shard I of N, counting from 0)"};
    const int index = std::stoi(m[1]);
    const int count = std::stoi(m[2]);
    if (count < 1 || index >= count)
        return Error{"--shard " + text + ": the index counts from 0 and must be below the count"};
    return std::make_pair(index, count);
}

// One progress line per stage on stderr: "[3/7] prune@sparsity=0.5 42% SparseGPT /net/l1/conv".
class RunProgress {
public:
    explicit RunProgress(size_t stages) : m_stages(stages) {}

    void operator()(const RunEvent& e) {
        switch (e.kind) {
        case RunEventKind::RunStarted:
            std::cerr << "run: " << e.message << "\n";
            break;
        case RunEventKind::StageStarted:
            ++m_started;
            m_line = std::make_unique<ProgressLine>("[" + std::to_string(m_started) + "/" + std::to_string(m_stages) +
                                                    "] " + e.stage);
            m_line->update(0, e.message);
            break;
        case RunEventKind::StageProgress:
            if (m_line)
                m_line->update(e.fraction, e.message);
            break;
        case RunEventKind::StageFinished:
        case RunEventKind::StageCancelled:
        case RunEventKind::StageFailed:
            if (m_line)
                m_line->finish();
            m_line.reset();
            if (e.kind == RunEventKind::StageFailed)
                std::cerr << "  failed: " << e.message << "\n";
            break;
        case RunEventKind::VariantMeasured:
            if (e.variant && e.variant->status != "ok")
                std::cerr << "  " << e.message << "\n";
            break;
        case RunEventKind::StageMetric:
        case RunEventKind::RunFinished:
            break;
        }
    }

private:
    size_t m_stages;
    size_t m_started = 0;
    std::unique_ptr<ProgressLine> m_line;
};

int finish(const RunResults& results, const ParsedArgs& args, const fs::path& out) {
    if (args.has("json"))
        std::cout << results.toJson().dump(2) << "\n";
    else
        std::cout << formatResultsTable(results) << "results in " << (out / "results.json").string() << " and "
                  << (out / "results.csv").string() << "\n";
    if (results.status == "cancelled")
        return kCancelled;
    for (const auto& v : results.variants)
        if (v.status != "ok")
            return kVariantsFailed;
    return results.status == "complete" ? 0 : kVariantsFailed;
}

int runRun(const ParsedArgs& args) {
    const fs::path file = args.positional[0];
    RunOptions options;
    if (args.has("shard")) {
        auto shard = parseShard(args.value("shard"));
        if (!shard)
            return fail(shard.message());
        std::tie(options.shardIndex, options.shardCount) = shard.value();
    }
    auto spec = loadPipelineFile(file);
    if (!spec)
        return fail(spec.message());
    if (auto trusted = checkTorchScriptTrust(args, spec->resolve(spec->model)); !trusted)
        return fail(trusted.message());
    options.trustTorchScript = args.has("trust-torchscript");
    std::string stem = file.filename().string();
    if (const auto at = stem.find(".autoglm.json"); at != std::string::npos)
        stem = stem.substr(0, at);
    options.outputDir = args.value("out", stem + "-results");
    auto threads = args.integer("threads", 0, 0, 4096);
    if (!threads)
        return fail(threads.message());
    options.threads = static_cast<int>(threads.value());
    options.device = args.value("device", "cpu");
    auto plan = planPipeline(spec.value());
    if (!plan)
        return fail(plan.message());
    if (args.has("plan")) {
        for (size_t v : plan->shardVariants(options.shardIndex, options.shardCount))
            std::cout << plan->variants[v].id << "\t" << plan->variants[v].description << "\n";
        return 0;
    }
    InterruptWatch interrupt;
    // The stages this shard runs, plus the measurement of the original.
    RunProgress progress(plan->shardStages(options.shardIndex, options.shardCount).size() + 1);
    auto results = runPipeline(spec.value(), options, std::ref(progress), interrupt.token());
    if (!results)
        return fail(results.message());
    return finish(results.value(), args, options.outputDir);
}

int runMerge(const ParsedArgs& args) {
    if (!args.has("out"))
        return fail("merge needs --out DIR for the joined results");
    std::vector<RunResults> shards;
    for (const auto& dir : args.positional) {
        const fs::path file = fs::is_directory(dir) ? fs::path(dir) / "results.json" : fs::path(dir);
        auto r = loadRunResults(file);
        if (!r)
            return fail(r.message());
        shards.push_back(std::move(r.value()));
    }
    auto merged = mergeShardResults(shards);
    if (!merged)
        return fail(merged.message());
    const fs::path out = args.value("out");
    std::error_code ec;
    fs::create_directories(out, ec);
    if (auto s = saveRunResults(merged.value(), out); !s)
        return fail(s.message());
    return finish(merged.value(), args, out);
}

} // namespace

Command runCommand() {
    return {{"run",
             "PIPELINE.autoglm.json",
             "Run a pipeline file: every branch and sweep value becomes a variant, shared stages run once; each "
             "variant and the original are measured (size, MACs, latency, metric) and written to results.json / "
             "results.csv with Pareto flags. Exit status: 0 all variants measured, 1 error, 2 bad usage, 3 some "
             "variants failed, 130 interrupted (finished variants are saved).",
             {{"out", "DIR", "output folder for exports and results (default NAME-results)", false, 'o'},
              {"shard", "I/N", "run only every N-th variant starting at I (cluster job arrays; join with merge)"},
              {"threads", "T", "compute threads (default: one per core)"},
              deviceOption(),
              trustTorchScriptOption(),
              {"plan", "", "print the variants this shard would run, and stop"},
              {"json", "", "print the results as JSON"}}},
            runRun};
}

Command mergeCommand() {
    return {{"merge",
             "DIR...",
             "Join the results of the shards of one run (`run --shard I/N`) into one table, Pareto front recomputed.",
             {{"out", "DIR", "folder for the joined results.json / results.csv", false, 'o'},
              {"json", "", "print the results as JSON"}},
             kOneOrMore},
            runMerge};
}

} // namespace autoglm::cli
