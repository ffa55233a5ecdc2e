// autoglm tune MODEL --budget B --objective size|latency: accuracy-budget auto-tuning (docs/PIPELINES.md).
#include "Commands.h"
#include "DataArgs.h"
#include "ResultsTable.h"

#include "pipeline/common/AtomicFile.h"
#include "pipeline/runner/AutoTune.h"

#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

namespace autoglm::cli {
namespace {

namespace fs = std::filesystem;

Result<TuneOptions> optionsFromArgs(const ParsedArgs& args, const PipelineSpec& spec) {
    TuneOptions o;
    auto budget = args.real("budget", o.budget);
    if (!budget)
        return budget.error();
    o.budget = budget.value();
    o.objective = args.value("objective", o.objective);
    if (spec.dataset("calib"))
        o.calibration = "calib";
    if (spec.dataset("train"))
        o.training = "train";
    auto steps = args.integer("distill-steps", o.distillSteps, 0, 1 << 24);
    auto group = args.integer("group", o.groupSize, 1, 1 << 20);
    auto search = args.integer("search-samples", 0, 0, int64_t(1) << 40);
    auto threads = args.integer("threads", 0, 0, 4096);
    for (const auto* r : {&steps, &group, &search, &threads})
        if (!*r)
            return r->error();
    o.threads = static_cast<int>(threads.value());
    o.trustTorchScript = args.has("trust-torchscript");
    o.distillSteps = steps.value();
    o.groupSize = group.value();
    o.searchSamples = search.value();
    if (args.has("channel-shares")) {
        o.channelShares.clear();
        const std::string text = args.value("channel-shares");
        std::stringstream list(text == "none" ? std::string() : text);
        for (std::string item; std::getline(list, item, ',');) {
            try {
                const double share = std::stod(item);
                if (!(share > 0 && share < 1))
                    throw std::out_of_range(item);
                o.channelShares.push_back(share);
            } catch (const std::exception&) {
                return Error{"--channel-shares: '" + item + "' is not a share between 0 and 1"};
            }
        }
    }
    return o;
}

void printLog(const TuneResult& r) {
    std::printf("\nsensitivity (%s drop in %s when one layer alone changes)\n", r.sensitivity.metric.c_str(),
                r.dropUnit.c_str());
    std::printf("%-40s %-6s %10s %9s\n", "layer", "op", "params", "INT4");
    for (const auto& row : r.sensitivity.rows)
        std::printf("%-40s %-6s %10lld %9s\n", row.layer.substr(0, 40).c_str(), row.opType.c_str(),
                    static_cast<long long>(row.parameters),
                    std::isfinite(row.int4Drop) ? std::to_string(row.int4Drop).substr(0, 7).c_str() : "-");
    std::printf("\nsearch log (budget %.3g %s)\n", r.budget, r.dropUnit.c_str());
    std::printf("%-5s %-12s %10s %9s %10s %8s  %s\n", "id", "phase", "file MB", "lat. ms", r.sensitivity.metric.c_str(),
                "drop", "what");
    for (const auto& c : r.log)
        std::printf("%-5s %-12s %10.3f %9.3f %10.4f %8.3f %s %s\n", c.id.c_str(), c.phase.c_str(),
                    c.result.fileBytes / 1e6, c.result.latencyMedianMs, c.result.primary(), c.drop,
                    c.withinBudget ? "ok  " : "over", c.description.c_str());
}

int runTune(const ParsedArgs& args) {
    auto spec = specFromArgs(args);
    if (!spec)
        return fail(spec.message());
    if (auto trusted = checkTorchScriptTrust(args, spec->resolve(spec->model)); !trusted)
        return fail(trusted.message());
    auto options = optionsFromArgs(args, spec.value());
    if (!options)
        return fail(options.message());
    const fs::path out = args.value("out", "tune-results");
    std::error_code ec;
    fs::create_directories(out / "search", ec);
    if (ec)
        return fail("cannot create the output folder '" + out.string() + "'");
    options->workDir = out / "search";
    ProgressLine progress("tune");
    auto result = autoTune(spec.value(), options.value(), [&](const RunEvent& e) {
        progress.update(e.kind == RunEventKind::StageProgress && e.stage == "sensitivity" ? e.fraction : e.overall,
                        e.stage.empty() ? e.message : e.stage + " " + e.message);
    });
    progress.finish();
    if (!result)
        return fail(result.message());
    if (auto s = writeFileAtomically(out / "tune.json", result->toJson().dump(2) + "\n"); !s)
        return fail(s.message());
    if (auto s = writeFileAtomically(out / "sensitivity.csv", result->sensitivity.toCsv()); !s)
        return fail(s.message());
    if (args.has("json"))
        std::cout << result->toJson().dump(2) << "\n";
    else
        printLog(result.value());
    if (result->best < 0) {
        std::cout << "\nno candidate stays within the budget; the log above shows how close each came\n";
        return 3;
    }
    // The best candidate as a pipeline of its own, run once more to write its ONNX file.
    const TuneCandidate& best = result->log[static_cast<size_t>(result->best)];
    PipelineSpec tuned = candidatePipeline(spec.value(), best, "best.onnx");
    tuned.baseDir = fs::current_path();
    if (auto s = savePipelineFile(tuned, out / "best.autoglm.json"); !s)
        return fail(s.message());
    RunOptions run;
    run.outputDir = out;
    ProgressLine exporting("export best");
    auto exported = runPipeline(tuned, run, [&](const RunEvent& e) { exporting.update(e.overall); });
    exporting.finish();
    if (!exported)
        return fail(exported.message());
    if (!args.has("json"))
        std::cout << "\nbest: " << best.id << " " << best.description << "\n"
                  << formatResultsTable(exported.value()) << "wrote " << (out / "best.onnx").string() << ", "
                  << (out / "best.autoglm.json").string() << " and " << (out / "tune.json").string() << "\n";
    return exported->variants.empty() || exported->variants[0].status != "ok" ? 1 : 0;
}

} // namespace

Command tuneCommand() {
    return {{"tune",
             "MODEL",
             "Find the smallest (or fastest) variant whose metric drops by at most the budget: per-layer sensitivity, "
             "then mixed INT4/INT8 precision refined around the budget's edge, GPTQ, and channel pruning (distilled "
             "with training data). Writes tune.json (every candidate), sensitivity.csv, best.onnx and "
             "best.autoglm.json (replay with autoglm run). Exit status 3 when nothing fits the budget.",
             [] {
                 std::vector<OptionSpec> options{
                     {"budget", "B", "largest drop: points of top-1/agreement (0.5) or percent of perplexity (2)"},
                     {"objective", "size|latency", "what to minimise (default size)"},
                     {"search-samples", "N", "images or windows per candidate while searching (default: all)"},
                     {"distill-steps", "N", "distillation steps per pruned candidate (default 300)"},
                     {"channel-shares", "S,...", "channel-pruning shares tried (default 0.1,0.2,0.3; none: no pruning)"},
                     {"group", "N", "INT4 group size (default 128)"},
                     {"threads", "T", "compute threads (default: one per core)"},
                     {"out", "DIR", "output folder (default tune-results)", false, 'o'},
                     {"json", "", "print tune.json instead of tables"},
                     trustTorchScriptOption()};
                 for (auto& o : dataOptions())
                     options.push_back(std::move(o));
                 return options;
             }()},
            runTune};
}

} // namespace autoglm::cli
