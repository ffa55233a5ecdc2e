#include "pipeline/runner/PipelinePlan.h"

#include <algorithm>
#include <set>

namespace autoglm {
namespace {

constexpr size_t kMaxVariants = 4096;

std::string valueText(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// "prune@sparsity=0.3" for the swept stage itself, "q8@prune.sparsity=0.3" after it.
std::string plannedId(const std::string& specId, const std::map<std::string, nlohmann::json>& assignments) {
    std::string id = specId;
    char separator = '@';
    for (bool ownPass : {true, false}) // the stage's own values first, then those it inherits
        for (const auto& [key, value] : assignments) {
            const bool own = key.compare(0, specId.size() + 1, specId + ".") == 0;
            if (own != ownPass)
                continue;
            id += separator + (own ? key.substr(specId.size() + 1) : key) + "=" + valueText(value);
            separator = ',';
        }
    return id;
}

// Variant ids become file names: keep them to characters every file system takes.
std::string fileSafe(const std::string& id) {
    std::string out = id;
    for (char& c : out)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '=' || c == '@' ||
              c == ','))
            c = '_';
    return out;
}

struct Expander {
    const PipelineSpec& spec;
    PipelinePlan& plan;
    std::string error;

    void emit(const StageSpec& stage, const std::string& parent, const std::map<std::string, nlohmann::json>& inherited) {
        std::vector<const SweepSpec*> here;
        for (const auto& sweep : spec.sweeps)
            if (sweep.stage == stage.id)
                here.push_back(&sweep);
        // Every combination of this stage's swept values, the first sweep varying slowest.
        std::vector<size_t> pick(here.size(), 0);
        while (error.empty()) {
            std::map<std::string, nlohmann::json> assignments = inherited;
            PlannedStage planned;
            planned.specId = stage.id;
            planned.parent = parent;
            planned.spec = stage;
            for (size_t i = 0; i < here.size(); ++i) {
                const nlohmann::json& value = here[i]->values[pick[i]];
                setDottedParam(planned.spec.params, here[i]->param, value);
                assignments[stage.id + "." + here[i]->param] = value;
            }
            planned.assignments = assignments;
            planned.id = plannedId(stage.id, assignments);
            planned.spec.id = planned.id;
            auto params = parseStageParams(stage.kind, planned.spec.params, "stages." + planned.id + ".params");
            if (!params) {
                error = params.message();
                return;
            }
            planned.params = params.value();
            if (stage.kind == "export") {
                std::string file = stage.output;
                for (size_t at = file.find("{variant}"); at != std::string::npos; at = file.find("{variant}"))
                    file.replace(at, 9, fileSafe(planned.id));
                planned.outputFile = file;
            }
            if (plan.stages.size() >= kMaxVariants * 8) {
                error = "the sweeps expand into more than " + std::to_string(kMaxVariants * 8) + " stages";
                return;
            }
            plan.stages.push_back(std::move(planned));
            const std::string id = plan.stages.back().id;
            for (const auto& child : spec.stages)
                if (child.after == stage.id)
                    emit(child, id, assignments);
            size_t i = here.size();
            while (i > 0 && ++pick[i - 1] == here[i - 1]->values.size())
                pick[--i] = 0;
            if (i == 0)
                break;
        }
    }
};

} // namespace

const PlannedStage* PipelinePlan::stage(const std::string& id) const {
    auto it = std::find_if(stages.begin(), stages.end(), [&](const PlannedStage& s) { return s.id == id; });
    return it == stages.end() ? nullptr : &*it;
}

std::vector<size_t> PipelinePlan::shardVariants(int index, int count) const {
    std::vector<size_t> mine;
    for (size_t v = 0; v < variants.size(); ++v)
        if (count <= 1 || static_cast<int>(v % static_cast<size_t>(count)) == index)
            mine.push_back(v);
    return mine;
}

std::set<size_t> PipelinePlan::shardStages(int index, int count) const {
    std::set<size_t> needed;
    for (size_t v : shardVariants(index, count))
        needed.insert(variants[v].chain.begin(), variants[v].chain.end());
    return needed;
}

Result<PipelinePlan> planPipeline(const PipelineSpec& spec) {
    if (auto s = spec.validate(); !s)
        return s.error();
    PipelinePlan plan;
    Expander expander{spec, plan, {}};
    for (const auto& stage : spec.stages)
        if (stage.after == kSourceStage)
            expander.emit(stage, "", {});
    if (!expander.error.empty())
        return Error{expander.error};

    std::map<std::string, size_t> index;
    std::set<std::string> parents;
    std::map<std::string, std::string> outputs;
    for (size_t i = 0; i < plan.stages.size(); ++i) {
        const PlannedStage& s = plan.stages[i];
        index[s.id] = i;
        parents.insert(s.parent);
        if (s.params.kind != "export")
            continue;
        auto [it, fresh] = outputs.emplace(s.outputFile, s.id);
        if (!fresh)
            return Error{"stages." + s.specId + ".output: '" + s.outputFile + "' would be written by both " + it->second +
                         " and " + s.id + "; put {variant} in the file name"};
    }
    for (size_t i = 0; i < plan.stages.size(); ++i) {
        const PlannedStage& s = plan.stages[i];
        if (parents.count(s.id) && s.params.kind != "evaluate")
            continue;
        PlannedVariant v;
        v.id = s.id;
        for (size_t at = i;; at = index.at(plan.stages[at].parent)) {
            v.chain.insert(v.chain.begin(), at);
            if (plan.stages[at].parent.empty())
                break;
        }
        for (size_t at : v.chain) {
            const std::string kind = plan.stages[at].params.kind;
            if (kind != "evaluate" && kind != "export")
                v.description += (v.description.empty() ? "" : " > ") + plan.stages[at].params.summary();
        }
        if (v.description.empty())
            v.description = "original";
        plan.variants.push_back(std::move(v));
        if (plan.variants.size() > kMaxVariants)
            return Error{"the pipeline makes more than " + std::to_string(kMaxVariants) + " variants; split the sweep"};
    }
    return plan;
}

} // namespace autoglm
