#include "pipeline/runner/Sensitivity.h"

#include "pipeline/passes/prune/PrunePass.h"
#include "pipeline/passes/quantize/QuantizePass.h"

#include <iomanip>
#include <sstream>

namespace autoglm {
namespace {

Result<double> primaryMetric(const Model& model, const VariantEvaluator& evaluator, std::stop_token stop) {
    auto executor = Executor::create(model);
    if (!executor)
        return executor.error();
    auto metrics = evaluator.evaluate(executor.value(), {}, stop);
    if (!metrics)
        return metrics.error();
    auto it = metrics->find(evaluator.primaryMetric());
    if (it == metrics->end())
        return Error{"the evaluation gave no " + evaluator.primaryMetric()};
    return it->second;
}

std::string number(double v) {
    if (!std::isfinite(v))
        return "";
    std::ostringstream s;
    s << std::setprecision(6) << v;
    return s.str();
}

} // namespace

double metricDrop(double baseline, double value, bool higherIsBetter) {
    if (higherIsBetter)
        return (baseline - value) * 100.0;
    return baseline != 0 ? (value / baseline - 1.0) * 100.0 : NAN;
}

const SensitivityRow* SensitivityTable::row(const std::string& layer) const {
    for (const auto& r : rows)
        if (r.layer == layer)
            return &r;
    return nullptr;
}

nlohmann::json SensitivityTable::toJson() const {
    auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : rows)
        list.push_back({{"layer", r.layer},
                        {"op", r.opType},
                        {"weight", r.weight},
                        {"parameters", r.parameters},
                        {"bytes", r.bytes},
                        {"int8_drop", num(r.int8Drop)},
                        {"int4_drop", num(r.int4Drop)},
                        {"prune_drop", num(r.pruneDrop)},
                        {"note", r.note}});
    return {{"metric", metric},
            {"higher_is_better", higherIsBetter},
            {"baseline", num(baseline)},
            {"drop_unit", higherIsBetter ? "points" : "percent"},
            {"prune_sparsity", pruneSparsity},
            {"layers", list}};
}

std::string SensitivityTable::toCsv() const {
    std::ostringstream out;
    out << "layer,op,parameters,bytes,int8_drop,int4_drop,prune_drop,note\n";
    for (const auto& r : rows)
        out << r.layer << "," << r.opType << "," << r.parameters << "," << r.bytes << "," << number(r.int8Drop) << ","
            << number(r.int4Drop) << "," << number(r.pruneDrop) << ",\"" << r.note << "\"\n";
    return out.str();
}

Result<SensitivityTable> analyzeSensitivity(const Model& model, const VariantEvaluator& evaluator,
                                            const SensitivityOptions& options, const PassContext& context) {
    auto choice = chooseLayers(model, options.layers);
    if (!choice)
        return choice.error();
    SensitivityTable table;
    table.metric = evaluator.primaryMetric();
    table.higherIsBetter = evaluator.higherIsBetter();
    table.pruneSparsity = options.pruneSparsity;
    auto baseline = primaryMetric(model, evaluator, context.stop);
    if (!baseline)
        return baseline.error();
    table.baseline = baseline.value();

    const auto& layers = choice->selected;
    const double probes = static_cast<double>(layers.size()) *
                          ((options.int8 ? 1 : 0) + (options.int4 ? 1 : 0) + (options.prune ? 1 : 0));
    double done = 0;
    PassContext quiet; // the probes' own progress would drown the table's
    quiet.stop = context.stop;
    for (const auto& layer : layers) {
        SensitivityRow row;
        row.layer = layer.name;
        row.opType = layer.opType;
        row.weight = layer.weight;
        const TensorData& w = model.graph.initializers.at(layer.weight);
        row.parameters = w.numel();
        row.bytes = w.byteSize();
        auto probe = [&](const char* what, auto&& apply) -> double {
            if (context.stop.stop_requested())
                return NAN;
            context.report(done / std::max(1.0, probes), std::string(what) + " " + layer.name);
            done += 1;
            Result<PassResult> changed = apply();
            if (!changed) {
                row.note += (row.note.empty() ? "" : "; ") + std::string(what) + ": " + changed.message();
                return NAN;
            }
            auto value = primaryMetric(changed->model, evaluator, context.stop);
            if (!value) {
                row.note += (row.note.empty() ? "" : "; ") + std::string(what) + ": " + value.message();
                return NAN;
            }
            return metricDrop(table.baseline, value.value(), table.higherIsBetter);
        };
        auto quantizeAlone = [&](const char* scheme) {
            QuantizeParams q;
            q.scheme = scheme;
            q.groupSize = options.groupSize;
            q.layers.opTypes = options.layers.opTypes;
            q.layers.include = {globLiteral(layer.name)};
            return quantizeModel(model, q, nullptr, quiet);
        };
        if (options.int8)
            row.int8Drop = probe("INT8", [&] { return quantizeAlone("w8a16"); });
        if (options.int4) {
            if (layer.opType == "Conv") {
                row.note += (row.note.empty() ? "" : "; ") + std::string("INT4: Conv weights stay 8-bit or float");
                done += 1;
            } else {
                row.int4Drop = probe("INT4", [&] { return quantizeAlone("w4a16"); });
            }
        }
        if (options.prune)
            row.pruneDrop = probe("prune", [&] {
                PruneParams p;
                p.sparsity = options.pruneSparsity;
                p.layers.opTypes = options.layers.opTypes;
                p.layers.include = {globLiteral(layer.name)};
                return pruneModel(model, p, nullptr, quiet);
            });
        if (context.stop.stop_requested())
            return Error{"cancelled"};
        table.rows.push_back(std::move(row));
    }
    context.report(1.0, "sensitivity of " + std::to_string(layers.size()) + " layers");
    return table;
}

} // namespace autoglm
