// autoglm sensitivity MODEL --eval-...: the per-layer sensitivity table (docs/PIPELINES.md).
#include "Commands.h"
#include "DataArgs.h"

#include "pipeline/common/AtomicFile.h"
#include "pipeline/model/ModelLoader.h"
#include "pipeline/runner/Datasets.h"
#include "pipeline/runner/Sensitivity.h"

#include <cmath>
#include <cstdio>
#include <iostream>

namespace autoglm::cli {
namespace {

std::string cell(double v) {
    if (!std::isfinite(v))
        return "-";
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", v);
    return text;
}

int runSensitivity(const ParsedArgs& args) {
    auto spec = specFromArgs(args);
    if (!spec)
        return fail(spec.message());
    auto model = loadModelArg(args, args.positional[0]);
    if (!model)
        return fail(model.message());
    auto data = loadDataset(spec.value(), *spec->dataset("eval"), model.value());
    if (!data)
        return fail(data.message());
    ProgressLine progress("sensitivity");
    auto evaluator = VariantEvaluator::create(model.value(), std::make_shared<const LoadedDataset>(data.value()),
                                              {spec->evaluation.samples, true, 256},
                                              [&](double f) { progress.update(0.05 * f, "outputs of the original"); });
    if (!evaluator)
        return fail(evaluator.message());
    SensitivityOptions options;
    options.int8 = !args.has("no-int8");
    options.int4 = !args.has("no-int4");
    options.prune = !args.has("no-prune");
    auto sparsity = args.real("prune-sparsity", options.pruneSparsity);
    auto group = args.integer("group", options.groupSize, 1, 1 << 20);
    if (!sparsity)
        return fail(sparsity.message());
    if (!group)
        return fail(group.message());
    options.pruneSparsity = sparsity.value();
    options.groupSize = group.value();
    PassContext context;
    context.progress = [&](const PassProgress& p) { progress.update(0.05 + 0.95 * p.fraction, p.message); };
    auto table = analyzeSensitivity(model.value(), evaluator.value(), options, context);
    progress.finish();
    if (!table)
        return fail(table.message());
    if (args.has("csv"))
        if (auto s = writeFileAtomically(args.value("csv"), table->toCsv()); !s)
            return fail(s.message());
    if (args.has("json")) {
        std::cout << table->toJson().dump(2) << "\n";
        return 0;
    }
    const char* unit = table->higherIsBetter ? "points" : "percent";
    std::printf("%s of the original: %.4f; drop in %s when one layer alone changes (positive: worse)\n\n",
                table->metric.c_str(), table->baseline, unit);
    std::printf("%-44s %-7s %10s %8s %8s %8s\n", "layer", "op", "params", "INT8", "INT4", "prune");
    for (const auto& row : table->rows)
        std::printf("%-44s %-7s %10lld %8s %8s %8s\n", row.layer.substr(0, 44).c_str(), row.opType.c_str(),
                    static_cast<long long>(row.parameters), cell(row.int8Drop).c_str(), cell(row.int4Drop).c_str(),
                    cell(row.pruneDrop).c_str());
    return 0;
}

} // namespace

Command sensitivityCommand() {
    return {{"sensitivity",
             "MODEL",
             "Per-layer sensitivity: the drop of the metric when one layer alone gets INT8 weights, INT4 weights "
             "(MatMul/Gemm) or is pruned (unstructured magnitude), in points of top-1/agreement or percent of "
             "perplexity.",
             [] {
                 std::vector<OptionSpec> options{{"no-int8", "", "skip the INT8 probes"},
                                                 {"no-int4", "", "skip the INT4 probes"},
                                                 {"no-prune", "", "skip the pruning probes"},
                                                 {"prune-sparsity", "S", "share pruned in the pruning probe (0.5)"},
                                                 {"group", "N", "INT4 group size (default 128)"},
                                                 {"csv", "FILE", "write the table as CSV"},
                                                 {"json", "", "print JSON"},
                                                 trustTorchScriptOption(), inputShapeOption()};
                 for (auto& o : dataOptions())
                     if (o.name.rfind("eval-", 0) == 0)
                         options.push_back(std::move(o));
                 return options;
             }()},
            runSensitivity};
}

} // namespace autoglm::cli
