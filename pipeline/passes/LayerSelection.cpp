#include "pipeline/passes/LayerSelection.h"

#include "pipeline/passes/ParamsJson.h"

#include <fnmatch.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

namespace autoglm {

nlohmann::json LayerSelection::toJson() const {
    return {{"op_types", opTypes},
            {"include", include},
            {"exclude", exclude},
            {"keep_first", keepFirst},
            {"keep_last", keepLast}};
}

void LayerSelection::read(ParamsReader& reader) {
    reader.read("op_types", opTypes);
    reader.read("include", include);
    reader.read("exclude", exclude);
    reader.read("keep_first", keepFirst);
    reader.read("keep_last", keepLast);
}

Status LayerSelection::validate(const std::string& path) const {
    if (opTypes.empty())
        return Error{path + ".op_types is empty: name at least one of MatMul, Gemm, Conv"};
    for (const auto& op : opTypes)
        if (auto s = checkOneOf(path + ".op_types", op, {"MatMul", "Gemm", "Conv"}); !s)
            return s;
    for (const auto* list : {&include, &exclude})
        for (const auto& p : *list)
            if (p.empty())
                return Error{path + (list == &include ? ".include" : ".exclude") + " has an empty pattern"};
    return Ok{};
}

bool globMatch(const std::string& pattern, const std::string& text) {
    return fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

namespace {

bool anyMatch(const std::vector<std::string>& patterns, const WeightLayer& layer) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const std::string& p) { return globMatch(p, layer.name) || globMatch(p, layer.weight); });
}

bool isFloat(DType t) {
    return t == DType::Float || t == DType::Float16 || t == DType::BFloat16 || t == DType::Double;
}

// The weight input and its axes for one node, or a reason it has none we can work on.
std::string describeWeight(const Graph& graph, const Node& node, WeightLayer& layer) {
    int weightInput = 1;
    if (node.opType == "MatMul") {
        if (node.inputs.size() != 2)
            return "MatMul needs two inputs";
    } else if (node.opType == "Gemm") {
        if (node.attribute("transA") && node.attribute("transA")->i != 0)
            return "Gemm with transA=1 is not handled";
    } else if (node.opType == "Conv") {
        if (node.inputs.size() < 2)
            return "Conv has no weight input";
    } else {
        return node.opType + " carries no weight we quantize";
    }
    const std::string& w = node.inputs[weightInput];
    auto it = graph.initializers.find(w);
    if (it == graph.initializers.end())
        return "its weight '" + w + "' is computed at run time, not an initializer";
    if (!isFloat(it->second.dtype()))
        return "its weight '" + w + "' is " + dtypeName(it->second.dtype()) + ", not a float tensor";
    layer.weight = w;
    layer.activation = node.inputs[0];
    layer.shape = it->second.shape();
    const size_t rank = layer.shape.size();
    if (node.opType == "Conv") {
        if (rank < 3)
            return "Conv weight has rank " + std::to_string(rank);
        layer.outputAxis = 0;
        layer.inputAxis = 1;
    } else {
        if (rank != 2)
            return "its weight has rank " + std::to_string(rank) + ", expected a 2-D matrix";
        const bool transB = node.opType == "Gemm" && node.attribute("transB") && node.attribute("transB")->i != 0;
        layer.outputAxis = transB ? 0 : 1;
        layer.inputAxis = transB ? 1 : 0;
    }
    return {};
}

} // namespace

Result<LayerChoice> chooseLayers(const Model& model, const LayerSelection& selection) {
    if (auto s = selection.validate("layers"); !s)
        return s.error();
    const Graph& graph = model.graph;
    auto order = graph.topologicalOrder();
    if (!order)
        return order.error();
    std::map<std::string, int> readers;
    for (const auto& node : graph.nodes)
        for (const auto& in : node.inputs)
            ++readers[in];

    LayerChoice choice;
    std::vector<WeightLayer> candidates;
    for (size_t n : order.value()) {
        const Node& node = graph.nodes[n];
        if (std::find(selection.opTypes.begin(), selection.opTypes.end(), node.opType) == selection.opTypes.end())
            continue;
        WeightLayer layer;
        layer.node = n;
        layer.name = node.name.empty() ? node.outputs.front() : node.name;
        layer.opType = node.opType;
        const std::string problem = describeWeight(graph, node, layer);
        if (!problem.empty()) {
            // Activation-by-activation products (attention scores) are not weight layers; say so only for
            // layers that hold an initializer of another kind.
            if (problem.find("computed at run time") == std::string::npos)
                choice.skipped.push_back({layer.name, node.opType, layer.weight, "skipped", problem, true});
            continue;
        }
        if (readers[layer.weight] > 1 || std::any_of(graph.outputs.begin(), graph.outputs.end(),
                                                     [&](const ValueInfo& v) { return v.name == layer.weight; })) {
            choice.skipped.push_back({layer.name, node.opType, layer.weight, "skipped",
                                      "its weight '" + layer.weight + "' is shared with other nodes", true});
            continue;
        }
        candidates.push_back(std::move(layer));
    }
    for (size_t i = 0; i < candidates.size(); ++i) {
        const WeightLayer& layer = candidates[i];
        std::string reason;
        if (selection.keepFirst && i == 0)
            reason = "first layer kept in float (keep_first)";
        else if (selection.keepLast && i + 1 == candidates.size())
            reason = "last layer kept in float (keep_last)";
        else if (!selection.include.empty() && !anyMatch(selection.include, layer))
            reason = "matches no include pattern";
        else if (anyMatch(selection.exclude, layer))
            reason = "matches an exclude pattern";
        if (reason.empty())
            choice.selected.push_back(layer);
        else
            choice.skipped.push_back({layer.name, layer.opType, layer.weight, "skipped", reason, true});
    }
    return choice;
}

std::string globLiteral(const std::string& name) {
    std::string out;
    for (char c : name)
        out += (c == '*' || c == '?' || c == '[' || c == '\\') ? std::string("[") + c + "]" : std::string(1, c);
    return out;
}

} // namespace autoglm
