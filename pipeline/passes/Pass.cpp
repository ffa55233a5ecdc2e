#include "pipeline/passes/Pass.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>

namespace autoglm {

void PassContext::report(double fraction, const std::string& message,
                         std::vector<std::pair<std::string, double>> metrics) const {
    if (progress)
        progress({std::clamp(fraction, 0.0, 1.0), message, std::move(metrics)});
}

void PassContext::checkStop() const {
    if (stop.stop_requested())
        throw PassCancelled();
}

int64_t PassReport::bytesBefore() const {
    int64_t total = 0;
    for (const auto& l : layers)
        total += l.bytesBefore;
    return total;
}

int64_t PassReport::bytesAfter() const {
    int64_t total = 0;
    for (const auto& l : layers)
        total += l.bytesAfter;
    return total;
}

int PassReport::changedLayers() const {
    int n = 0;
    for (const auto& l : layers)
        n += l.skipped ? 0 : 1;
    return n;
}

int PassReport::skippedLayers() const {
    return static_cast<int>(layers.size()) - changedLayers();
}

nlohmann::json PassReport::toJson() const {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& l : layers) {
        nlohmann::json row{{"layer", l.layer},
                           {"op", l.opType},
                           {"weight", l.weight},
                           {"action", l.action},
                           {"skipped", l.skipped},
                           {"bytes_before", l.bytesBefore},
                           {"bytes_after", l.bytesAfter},
                           {"weight_error", l.weightError}};
        if (!l.reason.empty())
            row["reason"] = l.reason;
        if (l.outputError >= 0)
            row["output_error"] = l.outputError;
        if (l.sparsity >= 0) {
            row["sparsity"] = l.sparsity;
            row["nonzero_before"] = l.paramsBefore;
            row["nonzero_after"] = l.paramsAfter;
        }
        rows.push_back(std::move(row));
    }
    nlohmann::json points = nlohmann::json::array();
    for (const auto& p : curve) {
        nlohmann::json point{{"step", p.step}, {"loss", p.loss}, {"lr", p.learningRate}};
        if (p.validated) {
            point["validation"] = p.validation;
            point["validation_kl"] = p.validationDivergence;
        }
        points.push_back(std::move(point));
    }
    nlohmann::json out{{"pass", pass},
            {"layers", rows},
            {"notes", notes},
            {"bytes_before", bytesBefore()},
            {"bytes_after", bytesAfter()},
            {"changed_layers", changedLayers()},
            {"skipped_layers", skippedLayers()}};
    if (!curve.empty()) {
        out["curve"] = points;
        out["validation_metric"] = validationMetric;
    }
    return out;
}

std::string PassReport::toText() const {
    const bool sparsity = std::any_of(layers.begin(), layers.end(), [](const LayerReport& l) { return l.sparsity >= 0; });
    std::string out;
    char line[512];
    std::snprintf(line, sizeof line, "%-40s %-10s %-24s %10s %10s %9s %9s%s\n", "layer", "op", "action", "bytes", "after",
                  "w-error", "out-error", sparsity ? "  sparsity" : "");
    out += line;
    for (const auto& l : layers) {
        std::string layer = l.layer.size() > 40 ? "…" + l.layer.substr(l.layer.size() - 38) : l.layer;
        std::string outError = l.outputError >= 0 ? std::to_string(l.outputError).substr(0, 8) : "-";
        std::string zeros;
        if (sparsity)
            zeros = l.sparsity >= 0 ? "  " + std::to_string(l.sparsity).substr(0, 6) : "  -";
        std::snprintf(line, sizeof line, "%-40s %-10s %-24s %10lld %10lld %9.5f %9s%s\n", layer.c_str(),
                      l.opType.c_str(), l.action.c_str(), static_cast<long long>(l.bytesBefore),
                      static_cast<long long>(l.bytesAfter), l.weightError, outError.c_str(), zeros.c_str());
        out += line;
        if (l.skipped && !l.reason.empty())
            out += "    skipped: " + l.reason + "\n";
    }
    for (const auto& n : notes)
        out += "note: " + n + "\n";
    return out;
}

} // namespace autoglm
