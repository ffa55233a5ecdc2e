#include "pipeline/runner/AutoTune.h"

#include "pipeline/model/ModelLoader.h"
#include "pipeline/runner/Datasets.h"
#include "pipeline/runner/VariantEvaluator.h"

#include <algorithm>
#include <map>
#include <set>

namespace autoglm {
namespace {

StageSpec stage(const std::string& kind, nlohmann::json params, const std::string& calibration = {}) {
    StageSpec s;
    s.kind = kind;
    s.params = std::move(params);
    s.calibration = calibration;
    return s;
}

// Costs this close count as equal, and the better metric wins.
constexpr double kSameCost = 0.005;

// The cost the objective minimises.
double costOf(const VariantResult& v, const std::string& objective) {
    return objective == "latency" ? v.latencyMedianMs : static_cast<double>(v.fileBytes);
}

class Tuner {
public:
    Tuner(const PipelineSpec& spec, const TuneOptions& options, const RunEventFn& onEvent, std::stop_token stop)
        : m_spec(spec), m_options(options), m_onEvent(onEvent), m_stop(std::move(stop)) {}

    Result<TuneResult> run();

private:
    Status validate() const;
    Status sensitivity();
    // Measures candidates log[first..] in one pipeline run (identical prefixes run once).
    Status measure(size_t first, const EvaluationSpec& evaluation);
    size_t add(std::string phase, std::string description, std::vector<StageSpec> stages);
    // INT4 on `int4Layers` (by name), INT8 on every other weight layer.
    std::vector<StageSpec> mixed(const std::vector<std::string>& int4Layers, const std::string& method) const;
    std::vector<std::string> leastSensitive(size_t k) const;
    // `share` of the channels removed, then distilled when there is training data; `what` describes it.
    std::vector<StageSpec> channelPruned(double share, std::string& what) const;
    Status searchMixedPrecision();
    Status tryGptq();
    Status tryPruning();
    Status searchLatency();
    Status finalMeasurement();
    bool cancelled() const { return m_stop.stop_requested(); }

    const PipelineSpec& m_spec;
    const TuneOptions& m_options;
    const RunEventFn& m_onEvent;
    std::stop_token m_stop;
    TuneResult m_result;
    std::vector<std::string> m_int4Order; // INT4-able layers, least sensitive first
    std::vector<std::string> m_bestInt4;  // the largest INT4 set found within budget
    std::string m_bestMethod = "rtn";     // how that set is best rounded
    EvaluationSpec m_search;              // the evaluation while searching (fewer samples)
};

Status Tuner::validate() const {
    if (m_options.objective != "size" && m_options.objective != "latency")
        return Error{"objective '" + m_options.objective + "' is not size or latency"};
    if (!(m_options.budget >= 0))
        return Error{"the budget must be 0 or more"};
    if (m_spec.evaluation.dataset.empty())
        return Error{"auto-tuning needs evaluation data (labelled images, text, or a synthetic dataset to compare "
                     "outputs with the original)"};
    for (const std::string* id : {&m_options.calibration, &m_options.training})
        if (!id->empty() && !m_spec.dataset(*id))
            return Error{"no dataset '" + *id + "'"};
    if (m_options.objective == "latency" && !m_spec.evaluation.latency)
        return Error{"objective latency needs evaluation.latency on"};
    return Ok{};
}

size_t Tuner::add(std::string phase, std::string description, std::vector<StageSpec> stages) {
    TuneCandidate c;
    c.id = "c" + std::to_string(m_result.log.size() + 1);
    c.phase = std::move(phase);
    c.description = std::move(description);
    c.stages = std::move(stages);
    m_result.log.push_back(std::move(c));
    return m_result.log.size() - 1;
}

std::vector<StageSpec> Tuner::mixed(const std::vector<std::string>& int4Layers, const std::string& method) const {
    const std::string calibration = method == "gptq" ? m_options.calibration : std::string();
    std::vector<StageSpec> chain;
    if (!int4Layers.empty()) {
        nlohmann::json include = nlohmann::json::array();
        for (const auto& name : int4Layers)
            include.push_back(globLiteral(name));
        chain.push_back(stage("quantize",
                              {{"scheme", "w4a16"}, {"method", method}, {"group_size", m_options.groupSize},
                               {"calibration_samples", m_options.calibrationSamples}, {"layers", {{"include", include}}}},
                              calibration));
    }
    // Every layer left in float gets INT8 (none are left when INT4 took them all).
    if (int4Layers.size() < m_result.sensitivity.rows.size())
        chain.push_back(stage("quantize",
                              {{"scheme", "w8a16"}, {"method", method}, {"calibration_samples", m_options.calibrationSamples}},
                              calibration));
    return chain;
}

std::vector<StageSpec> Tuner::channelPruned(double share, std::string& what) const {
    std::vector<StageSpec> chain{stage("prune", {{"pattern", "channels"}, {"sparsity", share}})};
    what = std::to_string(static_cast<int>(share * 100 + 0.5)) + "% of channels removed";
    if (!m_options.training.empty() && m_options.distillSteps > 0) {
        StageSpec d = stage("distill", {{"steps", m_options.distillSteps}});
        d.training = m_options.training;
        chain.push_back(d);
        what += ", distilled " + std::to_string(m_options.distillSteps) + " steps";
    }
    return chain;
}

std::vector<std::string> Tuner::leastSensitive(size_t k) const {
    return {m_int4Order.begin(), m_int4Order.begin() + static_cast<std::ptrdiff_t>(std::min(k, m_int4Order.size()))};
}

Status Tuner::sensitivity() {
    auto model = loadModel(m_spec.resolve(m_spec.model), {m_options.trustTorchScript, m_spec.inputShapes});
    if (!model)
        return Error{"model: " + model.message()};
    const DatasetSpec* d = m_spec.dataset(m_spec.evaluation.dataset);
    auto data = loadDataset(m_spec, *d, model.value());
    if (!data)
        return data.error();
    const int64_t samples = m_options.searchSamples > 0 ? m_options.searchSamples : m_spec.evaluation.samples;
    auto evaluator = VariantEvaluator::create(model.value(), std::make_shared<const LoadedDataset>(data.value()),
                                              {samples, m_spec.evaluation.fidelity, m_spec.evaluation.fidelitySamples},
                                              {}, m_stop);
    if (!evaluator)
        return evaluator.error();
    SensitivityOptions options;
    options.prune = false; // pruned zeros do not shrink a file; channel pruning is searched as a whole
    options.int8 = false;  // the order of INT4 layers is what the search needs
    options.groupSize = m_options.groupSize;
    PassContext context;
    context.stop = m_stop;
    context.progress = [&](const PassProgress& p) {
        if (!m_onEvent)
            return;
        RunEvent e;
        e.kind = RunEventKind::StageProgress;
        e.stage = "sensitivity";
        e.stageKind = "sensitivity";
        e.fraction = p.fraction;
        e.message = p.message;
        m_onEvent(e);
    };
    auto table = analyzeSensitivity(model.value(), evaluator.value(), options, context);
    if (!table)
        return table.error();
    m_result.sensitivity = table.value();
    std::vector<const SensitivityRow*> eligible;
    for (const auto& row : m_result.sensitivity.rows)
        if (std::isfinite(row.int4Drop))
            eligible.push_back(&row);
    // Least harm first; of equal harm, the larger layer (more bytes saved).
    std::stable_sort(eligible.begin(), eligible.end(), [](const SensitivityRow* a, const SensitivityRow* b) {
        return a->int4Drop != b->int4Drop ? a->int4Drop < b->int4Drop : a->bytes > b->bytes;
    });
    for (const auto* row : eligible)
        m_int4Order.push_back(row->layer);
    return Ok{};
}

Status Tuner::measure(size_t first, const EvaluationSpec& evaluation) {
    if (first >= m_result.log.size())
        return Ok{};
    PipelineSpec spec = m_spec;
    spec.stages.clear();
    spec.sweeps.clear();
    spec.evaluation = evaluation;
    // Identical prefixes (same parent, same stage) become one stage, so the Runner runs them once.
    std::map<std::pair<std::string, std::string>, std::string> known;
    std::map<std::string, size_t> lastStageOf; // stage id -> candidate
    for (size_t i = first; i < m_result.log.size(); ++i) {
        std::string parent = kSourceStage;
        const auto& chain = m_result.log[i].stages;
        for (size_t k = 0; k < chain.size(); ++k) {
            StageSpec s = chain[k];
            s.after = parent;
            const auto key = std::make_pair(parent, s.toJson().dump());
            auto it = known.find(key);
            const bool last = k + 1 == chain.size();
            if (it == known.end() || last) {
                s.id = m_result.log[i].id + "_" + std::to_string(k + 1);
                if (!last)
                    known[key] = s.id;
                spec.stages.push_back(s);
                parent = s.id;
            } else {
                parent = it->second;
            }
        }
        lastStageOf[parent] = i;
    }
    RunOptions options;
    options.threads = m_options.threads;
    options.outputDir = m_options.workDir;
    options.trustTorchScript = m_options.trustTorchScript;
    options.writeResults = !m_options.workDir.empty();
    auto results = runPipeline(spec, options, m_onEvent, m_stop);
    if (!results)
        return results.error();
    if (results->status == "cancelled")
        return Error{"cancelled"};
    if (m_result.original.id.empty() || evaluation.samples == m_spec.evaluation.samples)
        m_result.original = results->original;
    const double base = results->original.primary();
    for (const auto& row : results->variants) {
        auto it = lastStageOf.find(row.id);
        if (it == lastStageOf.end())
            continue;
        TuneCandidate& c = m_result.log[it->second];
        c.result = row;
        c.drop = metricDrop(base, row.primary(), results->original.higherIsBetter);
        c.withinBudget = row.status == "ok" && std::isfinite(c.drop) && c.drop <= m_options.budget;
    }
    return Ok{};
}

Status Tuner::searchMixedPrecision() {
    const size_t n = m_int4Order.size();
    const std::string of = " of " + std::to_string(m_result.sensitivity.rows.size()) + " layers";
    std::map<size_t, size_t> byK; // INT4 layers -> candidate
    const size_t first = m_result.log.size();
    add("int8", "INT8 weights on every layer", mixed({}, "rtn"));
    // Sensitivity-guided: the k least sensitive layers in INT4, for a coarse grid of k.
    std::set<size_t> grid;
    for (size_t k : {n, (3 * n + 3) / 4, (n + 1) / 2, (n + 3) / 4, size_t(1)})
        if (k >= 1 && k <= n)
            grid.insert(k);
    for (size_t k : grid)
        byK[k] = add("sensitivity", "INT4 on the " + std::to_string(k) + " least sensitive" + of + ", INT8 on the rest",
                     mixed(leastSensitive(k), "rtn"));
    if (auto s = measure(first, m_search); !s)
        return s;
    auto largestPassing = [&]() {
        size_t best = 0;
        for (const auto& [k, c] : byK)
            if (m_result.log[c].withinBudget)
                best = std::max(best, k);
        return best;
    };
    // Refined: every k between the largest passing and the next failing point of the grid.
    size_t pass = largestPassing();
    size_t failAt = n + 1;
    for (const auto& [k, c] : byK)
        if (k > pass && !m_result.log[c].withinBudget)
            failAt = std::min(failAt, k);
    const size_t refineFirst = m_result.log.size();
    for (size_t k = pass + 1; k < failAt && k <= n; ++k)
        if (!byK.count(k) && k - pass <= 8)
            byK[k] = add("refine", "INT4 on the " + std::to_string(k) + " least sensitive" + of + ", INT8 on the rest",
                         mixed(leastSensitive(k), "rtn"));
    if (auto s = measure(refineFirst, m_search); !s)
        return s;
    pass = largestPassing();
    m_bestInt4 = leastSensitive(pass);
    // Refined further: the order from single-layer sensitivity is a guess for combinations; try adding each
    // of the next few layers on its own to the passing set.
    const size_t greedyFirst = m_result.log.size();
    std::vector<std::pair<size_t, std::string>> tried;
    for (size_t j = pass + 1; j < n && tried.size() < 4; ++j) {
        std::vector<std::string> set = m_bestInt4;
        set.push_back(m_int4Order[j]);
        tried.push_back({add("refine",
                             "INT4 on the " + std::to_string(pass) + " least sensitive and " + m_int4Order[j] + of +
                                 ", INT8 on the rest",
                             mixed(set, "rtn")),
                         m_int4Order[j]});
    }
    if (auto s = measure(greedyFirst, m_search); !s)
        return s;
    for (const auto& [c, layer] : tried)
        if (m_result.log[c].withinBudget) {
            m_bestInt4.push_back(layer);
            break;
        }
    return Ok{};
}

Status Tuner::tryGptq() {
    if (m_options.calibration.empty())
        return Ok{};
    // GPTQ's error feedback usually buys room: the passing mix, and larger ones up to every INT4-able layer.
    const size_t n = m_int4Order.size();
    const size_t pass = m_bestInt4.size();
    std::set<size_t> ks{pass};
    for (size_t k : {pass + 1, pass + (n - pass + 1) / 2, n})
        if (k <= n)
            ks.insert(k);
    const size_t first = m_result.log.size();
    std::map<size_t, size_t> byK;
    for (size_t k : ks) {
        std::vector<std::string> set = k == pass ? m_bestInt4 : leastSensitive(k);
        byK[k] = add("gptq", (k ? "INT4 on " + std::to_string(k) + " layers" : std::string("INT8")) +
                                 (k < m_result.sensitivity.rows.size() ? ", INT8 on the rest" : "") +
                                 ", rounded by GPTQ",
                     mixed(set, "gptq"));
    }
    if (auto s = measure(first, m_search); !s)
        return s;
    for (auto it = byK.rbegin(); it != byK.rend(); ++it)
        if (m_result.log[it->second].withinBudget) {
            if (it->first != pass)
                m_bestInt4 = leastSensitive(it->first);
            m_bestMethod = "gptq";
            break;
        }
    return Ok{};
}

Status Tuner::tryPruning() {
    const size_t first = m_result.log.size();
    const std::string method = m_bestMethod;
    const std::string mix = (m_bestInt4.empty() ? std::string("INT8")
                                                : "INT4 on " + std::to_string(m_bestInt4.size()) + " layers, INT8 on the rest") +
                            (method == "gptq" ? " (GPTQ)" : "");
    // Channel pruning is what shrinks a file beyond its bit width; distillation wins the accuracy back.
    for (double share : m_options.channelShares) {
        std::string what;
        std::vector<StageSpec> chain = channelPruned(share, what);
        for (auto& s : mixed(m_bestInt4, method))
            chain.push_back(s);
        add("pruned", what + ", then " + mix, chain);
    }
    return measure(first, m_search);
}

Status Tuner::searchLatency() {
    const size_t first = m_result.log.size();
    const bool calibrated = !m_options.calibration.empty();
    if (calibrated)
        add("latency", "static INT8 weights and activations (W8A8)",
            {stage("quantize", {{"scheme", "w8a8"}, {"calibration_samples", m_options.calibrationSamples}},
                   m_options.calibration)});
    add("latency", "dynamic INT8 (MatMul / Gemm)", {stage("quantize", {{"scheme", "dynamic-int8"}})});
    for (double share : m_options.channelShares) {
        std::string what;
        std::vector<StageSpec> chain = channelPruned(share, what);
        add("latency", what, chain);
    }
    return measure(first, m_search);
}

Status Tuner::finalMeasurement() {
    // The Pareto set of what passed during the search, measured again on the full evaluation.
    std::vector<size_t> passing;
    for (size_t i = 0; i < m_result.log.size(); ++i)
        if (m_result.log[i].withinBudget)
            passing.push_back(i);
    auto dominated = [&](size_t i) {
        const VariantResult& a = m_result.log[i].result;
        for (size_t j : passing) {
            const VariantResult& b = m_result.log[j].result;
            if (j != i && dominates(b, costOf(b, m_options.objective), a, costOf(a, m_options.objective)))
                return true;
        }
        return false;
    };
    std::vector<size_t> front;
    for (size_t i : passing)
        if (!dominated(i))
            front.push_back(i);
    const bool again = m_options.searchSamples > 0 && m_options.searchSamples != m_spec.evaluation.samples;
    if (again && !front.empty()) {
        const size_t first = m_result.log.size();
        for (size_t i : front) {
            TuneCandidate copy = m_result.log[i];
            add("final", copy.description + " (full evaluation)", copy.stages);
        }
        if (auto s = measure(first, m_spec.evaluation); !s)
            return s;
        front.clear();
        for (size_t i = first; i < m_result.log.size(); ++i) {
            m_result.log[i].final = true;
            if (m_result.log[i].withinBudget)
                front.push_back(i);
        }
    } else {
        for (size_t i : front)
            m_result.log[i].final = true;
    }
    // Cheapest first; of equal cost, the better metric.
    std::sort(front.begin(), front.end(), [&](size_t a, size_t b) {
        const VariantResult& ra = m_result.log[a].result;
        const VariantResult& rb = m_result.log[b].result;
        const double ca = costOf(ra, m_options.objective), cb = costOf(rb, m_options.objective);
        if (std::abs(ca - cb) > kSameCost * std::max(ca, cb)) // metadata alone moves a file by a few bytes
            return ca < cb;
        return ra.higherIsBetter ? ra.primary() > rb.primary() : ra.primary() < rb.primary();
    });
    m_result.pareto = front;
    m_result.best = front.empty() ? -1 : static_cast<int64_t>(front.front());
    return Ok{};
}

Result<TuneResult> Tuner::run() {
    if (auto s = validate(); !s)
        return s.error();
    setComputeThreads(m_options.threads);
    m_result.objective = m_options.objective;
    m_result.budget = m_options.budget;
    if (auto s = sensitivity(); !s)
        return s.error();
    m_result.dropUnit = m_result.sensitivity.higherIsBetter ? "points" : "percent";
    m_search = m_spec.evaluation;
    if (m_options.searchSamples > 0)
        m_search.samples = m_options.searchSamples;
    Status searched = m_options.objective == "size" ? searchMixedPrecision() : searchLatency();
    if (searched && m_options.objective == "size")
        searched = tryGptq();
    if (searched && m_options.objective == "size")
        searched = tryPruning();
    if (!searched)
        return searched.error();
    if (cancelled())
        return Error{"cancelled"};
    if (auto s = finalMeasurement(); !s)
        return s.error();
    return m_result;
}

} // namespace

nlohmann::json TuneResult::toJson() const {
    auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
    nlohmann::json log = nlohmann::json::array();
    for (const auto& c : this->log) {
        nlohmann::json chain = nlohmann::json::array();
        for (const auto& s : c.stages)
            chain.push_back(s.toJson());
        log.push_back({{"id", c.id},
                       {"phase", c.phase},
                       {"description", c.description},
                       {"stages", chain},
                       {"drop", num(c.drop)},
                       {"within_budget", c.withinBudget},
                       {"final", c.final},
                       {"result", c.result.toJson()}});
    }
    nlohmann::json front = nlohmann::json::array();
    for (size_t i : pareto)
        front.push_back(this->log[i].id);
    return {{"format", "autoglm-tune"},
            {"objective", objective},
            {"budget", budget},
            {"drop_unit", dropUnit},
            {"original", original.toJson()},
            {"sensitivity", sensitivity.toJson()},
            {"log", log},
            {"pareto", front},
            {"best", best >= 0 ? nlohmann::json(this->log[static_cast<size_t>(best)].id) : nlohmann::json(nullptr)}};
}

Result<TuneResult> autoTune(const PipelineSpec& spec, const TuneOptions& options, const RunEventFn& onEvent,
                            std::stop_token stop) {
    try {
        Tuner tuner(spec, options, onEvent, std::move(stop));
        return tuner.run();
    } catch (const std::exception& e) {
        return Error{std::string("auto-tuning failed: ") + e.what()};
    }
}

PipelineSpec candidatePipeline(const PipelineSpec& spec, const TuneCandidate& candidate, const std::string& output) {
    PipelineSpec out = spec;
    out.name = spec.name + " (tuned: " + candidate.description + ")";
    out.stages.clear();
    out.sweeps.clear();
    std::string parent = kSourceStage;
    for (size_t k = 0; k < candidate.stages.size(); ++k) {
        StageSpec s = candidate.stages[k];
        s.id = s.kind + std::to_string(k + 1);
        s.after = parent;
        parent = s.id;
        out.stages.push_back(s);
    }
    StageSpec exportStage;
    exportStage.id = "export";
    exportStage.kind = "export";
    exportStage.after = parent;
    exportStage.output = output;
    out.stages.push_back(exportStage);
    return out;
}

} // namespace autoglm
