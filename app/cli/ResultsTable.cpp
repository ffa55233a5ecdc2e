#include "ResultsTable.h"

#include <cmath>
#include <cstdarg>
#include <cstdio>

namespace autoglm::cli {
namespace {

std::string line(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string line(const char* format, ...) {
    char buffer[512];
    va_list args;
    va_start(args, format);
    std::vsnprintf(buffer, sizeof buffer, format, args);
    va_end(args);
    return buffer;
}

std::string row(const VariantResult& v) {
    const std::string id = v.id.size() > 34 ? v.id.substr(0, 31) + "..." : v.id;
    if (v.status != "ok")
        return line("%-34s %s: %s\n", id.c_str(), v.status.c_str(), v.error.c_str());
    const double primary = v.primary();
    return line("%-34s %10.3f %9.3f %7.1f%% %10.4f %+9.4f  %s%s\n", id.c_str(), v.fileBytes / 1e6,
                v.latencyMedianMs >= 0 ? v.latencyMedianMs : NAN, 100.0 * v.sparsity(), primary,
                std::isfinite(v.delta) ? v.delta : 0.0, v.paretoSize ? "size " : "", v.paretoLatency ? "latency" : "");
}

} // namespace

std::string formatResultsTable(const RunResults& results) {
    const std::string metric = results.original.primaryMetric.empty() ? "metric" : results.original.primaryMetric;
    std::string out = line("\n%-34s %10s %9s %8s %10s %9s  %s\n", "variant", "file MB", "lat. ms", "zeros",
                           metric.c_str(), "delta", "Pareto");
    out += row(results.original);
    for (const auto& v : results.variants)
        out += row(v);
    out += line("%zu variant(s), run %s\n", results.variants.size(), results.status.c_str());
    return out;
}

} // namespace autoglm::cli
