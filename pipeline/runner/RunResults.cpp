#include "pipeline/runner/RunResults.h"

#include "pipeline/common/AtomicFile.h"

#include <algorithm>
#include <fstream>
#include <iomanip>
#include <limits>
#include <set>
#include <sstream>

namespace autoglm {
namespace {

// JSON has no NaN: unmeasured numbers are written as null and read back as NaN.
nlohmann::json number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
double numberFrom(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<double>() : NAN;
}

std::string csvField(const std::string& text) {
    if (text.find_first_of(",\"\n") == std::string::npos)
        return text;
    std::string quoted = "\"";
    for (char c : text)
        quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

std::string csvNumber(double v) {
    if (!std::isfinite(v))
        return "";
    std::ostringstream s;
    s << std::setprecision(10) << v;
    return s.str();
}

// Whether `a` is at least as good as `b` on the metric.
bool noWorse(const VariantResult& a, const VariantResult& b) {
    return a.higherIsBetter ? a.primary() >= b.primary() : a.primary() <= b.primary();
}
bool better(const VariantResult& a, const VariantResult& b) {
    return a.higherIsBetter ? a.primary() > b.primary() : a.primary() < b.primary();
}

// The metric names every row of the CSV has a column for.
const std::vector<std::string> kMetricColumns{"top-1", "top-5", "perplexity", "agreement", "cosine", "kl"};

} // namespace

double VariantResult::sparsity() const {
    return parameterCount > 0 ? static_cast<double>(zeroParameters) / static_cast<double>(parameterCount) : 0.0;
}

double VariantResult::primary() const {
    auto it = metrics.find(primaryMetric);
    return it == metrics.end() ? NAN : it->second;
}

nlohmann::json VariantResult::toJson() const {
    nlohmann::json m = nlohmann::json::object();
    for (const auto& [name, value] : metrics)
        m[name] = number(value);
    nlohmann::json j{{"id", id},
                     {"plan_index", planIndex},
                     {"description", description},
                     {"chain", chain},
                     {"parameters", parameters},
                     {"status", status},
                     {"file_bytes", fileBytes},
                     {"weight_bytes", weightBytes},
                     {"parameter_count", parameterCount},
                     {"zero_parameters", zeroParameters},
                     {"sparsity", sparsity()},
                     {"macs", macs},
                     {"nonzero_macs", nonzeroMacs},
                     {"peak_activation_bytes", peakActivationBytes},
                     {"latency_median_ms", number(latencyMedianMs >= 0 ? latencyMedianMs : NAN)},
                     {"latency_p90_ms", number(latencyP90Ms >= 0 ? latencyP90Ms : NAN)},
                     {"latency_batch", latencyBatch},
                     {"latency_threads", latencyThreads},
                     {"device", device},
                     {"metrics", m},
                     {"primary_metric", primaryMetric},
                     {"higher_is_better", higherIsBetter},
                     {"delta", number(delta)},
                     {"relative_delta", number(relativeDelta)},
                     {"pareto_size", paretoSize},
                     {"pareto_latency", paretoLatency}};
    if (!error.empty())
        j["error"] = error;
    if (!file.empty())
        j["file"] = file;
    return j;
}

Result<VariantResult> VariantResult::fromJson(const nlohmann::json& j, const std::string& path) {
    if (!j.is_object() || !j.contains("id") || !j["id"].is_string())
        return Error{path + ": expected a variant object with an \"id\""};
    VariantResult v;
    try {
        v.id = j.at("id").get<std::string>();
        v.planIndex = j.value("plan_index", int64_t(-1));
        v.description = j.value("description", std::string());
        v.chain = j.value("chain", std::vector<std::string>());
        v.parameters = j.value("parameters", nlohmann::json::object());
        v.status = j.value("status", std::string("ok"));
        v.error = j.value("error", std::string());
        v.file = j.value("file", std::string());
        v.fileBytes = j.value("file_bytes", int64_t(0));
        v.weightBytes = j.value("weight_bytes", int64_t(0));
        v.parameterCount = j.value("parameter_count", int64_t(0));
        v.zeroParameters = j.value("zero_parameters", int64_t(0));
        v.macs = j.value("macs", int64_t(0));
        v.nonzeroMacs = j.value("nonzero_macs", int64_t(0));
        v.peakActivationBytes = j.value("peak_activation_bytes", int64_t(0));
        const double median = numberFrom(j, "latency_median_ms");
        const double p90 = numberFrom(j, "latency_p90_ms");
        v.latencyMedianMs = std::isfinite(median) ? median : -1;
        v.latencyP90Ms = std::isfinite(p90) ? p90 : -1;
        v.latencyBatch = j.value("latency_batch", int64_t(0));
        v.latencyThreads = j.value("latency_threads", 0);
        v.device = j.value("device", std::string());
        if (auto m = j.find("metrics"); m != j.end() && m->is_object())
            for (const auto& [name, value] : m->items())
                v.metrics[name] = value.is_number() ? value.get<double>() : NAN;
        v.primaryMetric = j.value("primary_metric", std::string());
        v.higherIsBetter = j.value("higher_is_better", true);
    } catch (const nlohmann::json::exception& e) {
        return Error{path + ": " + e.what()};
    }
    return v;
}

const VariantResult* RunResults::variant(const std::string& id) const {
    auto it = std::find_if(variants.begin(), variants.end(), [&](const VariantResult& v) { return v.id == id; });
    return it == variants.end() ? nullptr : &*it;
}

nlohmann::json RunResults::toJson() const {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& v : variants)
        rows.push_back(v.toJson());
    return {{"format", "autoglm-results"},
            {"version", 1},
            {"pipeline", pipeline},
            {"pipeline_folder", pipelineFolder},
            {"seed", seed},
            {"shard", {{"index", shardIndex}, {"count", shardCount}}},
            {"status", status},
            {"planned_variants", plannedVariants},
            {"original", original.toJson()},
            {"variants", rows},
            {"stage_reports", stageReports}};
}

Result<RunResults> RunResults::fromJson(const nlohmann::json& j) {
    if (!j.is_object() || j.value("format", std::string()) != "autoglm-results")
        return Error{"not an autoglm results file (expected \"format\": \"autoglm-results\")"};
    RunResults r;
    try {
        r.pipeline = j.value("pipeline", std::string());
        r.pipelineFolder = j.value("pipeline_folder", std::string());
        r.seed = j.value("seed", int64_t(0));
        if (auto shard = j.find("shard"); shard != j.end() && shard->is_object()) {
            r.shardIndex = shard->value("index", 0);
            r.shardCount = shard->value("count", 1);
        }
        r.status = j.value("status", std::string("complete"));
        r.plannedVariants = j.value("planned_variants", int64_t(0));
        r.stageReports = j.value("stage_reports", nlohmann::json::object());
    } catch (const nlohmann::json::exception& e) {
        return Error{e.what()};
    }
    auto original = VariantResult::fromJson(j.value("original", nlohmann::json()), "original");
    if (!original)
        return original.error();
    r.original = original.value();
    const nlohmann::json rows = j.value("variants", nlohmann::json::array());
    if (!rows.is_array())
        return Error{"variants: expected a list"};
    for (size_t i = 0; i < rows.size(); ++i) {
        auto v = VariantResult::fromJson(rows[i], "variants[" + std::to_string(i) + "]");
        if (!v)
            return v.error();
        r.variants.push_back(v.value());
    }
    computeComparisons(r);
    return r;
}

std::string RunResults::toCsv() const {
    std::ostringstream out;
    out << "variant,description,status,file,file_bytes,weight_bytes,parameters,zero_parameters,sparsity,macs,"
           "nonzero_macs,peak_activation_bytes,latency_median_ms,latency_p90_ms,latency_batch,threads,device,"
           "primary_metric,primary,delta,relative_delta";
    for (const auto& m : kMetricColumns)
        out << "," << m;
    out << ",pareto_size,pareto_latency,parameters_json,error\n";
    std::vector<const VariantResult*> rows{&original};
    for (const auto& v : variants)
        rows.push_back(&v);
    for (const VariantResult* v : rows) {
        out << csvField(v->id) << "," << csvField(v->description) << "," << v->status << "," << csvField(v->file)
            << "," << v->fileBytes << "," << v->weightBytes << "," << v->parameterCount << "," << v->zeroParameters
            << "," << csvNumber(v->sparsity()) << "," << v->macs << "," << v->nonzeroMacs << ","
            << v->peakActivationBytes << "," << csvNumber(v->latencyMedianMs >= 0 ? v->latencyMedianMs : NAN) << ","
            << csvNumber(v->latencyP90Ms >= 0 ? v->latencyP90Ms : NAN) << "," << v->latencyBatch << ","
            << v->latencyThreads << "," << v->device << "," << v->primaryMetric << "," << csvNumber(v->primary())
            << "," << csvNumber(v->delta) << "," << csvNumber(v->relativeDelta);
        for (const auto& m : kMetricColumns) {
            auto it = v->metrics.find(m);
            out << "," << csvNumber(it == v->metrics.end() ? NAN : it->second);
        }
        out << "," << (v->paretoSize ? 1 : 0) << "," << (v->paretoLatency ? 1 : 0) << ","
            << csvField(v->parameters.dump()) << "," << csvField(v->error) << "\n";
    }
    return out.str();
}

bool dominates(const VariantResult& a, double costA, const VariantResult& b, double costB) {
    return costA <= costB && noWorse(a, b) && (costA < costB || better(a, b));
}

void computeComparisons(RunResults& results) {
    const double base = results.original.primary();
    std::vector<VariantResult*> all{&results.original};
    for (auto& v : results.variants)
        all.push_back(&v);
    for (VariantResult* v : all) {
        v->delta = v->primary() - base;
        v->relativeDelta = std::isfinite(base) && base != 0 ? v->delta / base : NAN;
        v->paretoSize = v->paretoLatency = false;
    }
    std::vector<VariantResult*> measured;
    for (VariantResult* v : all)
        if (v->status == "ok" && std::isfinite(v->primary()))
            measured.push_back(v);
    // A point is on the front when no other point is at least as good on both axes and better on one.
    auto front = [&](auto cost, bool VariantResult::*flag) {
        for (VariantResult* v : measured) {
            if (!(cost(*v) >= 0))
                continue;
            bool dominated = false;
            for (VariantResult* w : measured)
                if (w != v && cost(*w) >= 0 && dominates(*w, cost(*w), *v, cost(*v))) {
                    dominated = true;
                    break;
                }
            v->*flag = !dominated;
        }
    };
    front([](const VariantResult& v) { return static_cast<double>(v.fileBytes); }, &VariantResult::paretoSize);
    front([](const VariantResult& v) { return v.latencyMedianMs; }, &VariantResult::paretoLatency);
}

Result<RunResults> mergeShardResults(const std::vector<RunResults>& shards) {
    if (shards.empty())
        return Error{"nothing to merge: give the result folders of the shards"};
    const RunResults& first = shards.front();
    std::set<int> seen;
    for (const auto& s : shards) {
        if (s.pipeline != first.pipeline || s.seed != first.seed || s.shardCount != first.shardCount ||
            s.plannedVariants != first.plannedVariants)
            return Error{"shard " + std::to_string(s.shardIndex) + "/" + std::to_string(s.shardCount) + " of '" +
                         s.pipeline + "' (seed " + std::to_string(s.seed) + ") is not from the same run as shard " +
                         std::to_string(first.shardIndex) + "/" + std::to_string(first.shardCount) + " of '" +
                         first.pipeline + "'"};
        if (!seen.insert(s.shardIndex).second)
            return Error{"shard " + std::to_string(s.shardIndex) + "/" + std::to_string(s.shardCount) +
                         " is given twice"};
    }
    RunResults merged = first;
    merged.shardIndex = 0;
    merged.shardCount = 1;
    merged.variants.clear();
    merged.stageReports = nlohmann::json::object();
    for (const auto& s : shards) {
        if (s.status != "complete" && merged.status == "complete")
            merged.status = s.status;
        for (const auto& v : s.variants)
            merged.variants.push_back(v);
        for (const auto& [id, report] : s.stageReports.items())
            merged.stageReports[id] = report;
    }
    if (static_cast<int>(seen.size()) != first.shardCount) {
        std::string missing;
        for (int i = 0; i < first.shardCount; ++i)
            if (!seen.count(i))
                missing += (missing.empty() ? "" : ", ") + std::to_string(i);
        merged.status = "incomplete (missing shards " + missing + ")";
    }
    std::stable_sort(merged.variants.begin(), merged.variants.end(),
                     [](const VariantResult& a, const VariantResult& b) { return a.planIndex < b.planIndex; });
    computeComparisons(merged);
    return merged;
}

Result<RunResults> loadRunResults(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return Error{"cannot open results file '" + file.string() + "'"};
    nlohmann::json json = nlohmann::json::parse(in, nullptr, false);
    if (json.is_discarded())
        return Error{file.string() + ": not valid JSON"};
    auto results = RunResults::fromJson(json);
    if (!results)
        return Error{file.string() + ": " + results.message()};
    return results;
}

Status saveRunResults(const RunResults& results, const std::filesystem::path& folder) {
    if (auto s = writeFileAtomically(folder / "results.json", results.toJson().dump(2) + "\n"); !s)
        return s;
    return writeFileAtomically(folder / "results.csv", results.toCsv());
}

} // namespace autoglm
