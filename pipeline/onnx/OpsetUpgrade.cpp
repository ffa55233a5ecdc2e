#include "pipeline/onnx/OpsetUpgrade.h"

#include "pipeline/ir/TensorUtil.h"

#include <algorithm>
#include <map>
#include <unordered_set>

namespace autoglm {
namespace {

// Every operator that gained a version in opsets 14-21 (ONNX's docs/Changelog.md), with what the new version
// means for a node written against an older one.
enum class Change {
    Compatible,        // new attributes or inputs whose defaults keep the old meaning, or more element types
    ReduceAxesInput,   // opset 18: `axes` moved from an attribute to an optional int64 input
    SplitNumOutputs,   // opset 18: without a `split` input, `num_outputs` is required
    BatchNormOutputs,  // opset 14: the optional outputs became training-mode running statistics
    RoiAlignMode,      // opset 16: coordinate_transformation_mode added, its default differs from the old meaning
    GridSampleModes,   // opset 20: modes renamed (bilinear -> linear, bicubic -> cubic)
    QuantizeScaleType, // opset 19: y_scale must have x's type, so int32 x with a float scale is no longer valid
    Refuse,            // changed in a way we do not rewrite
};

struct OpChange {
    int64_t version;
    Change change;
    const char* why; // for Refuse: what changed
};

const std::multimap<std::string, OpChange>& changes() {
    static const std::multimap<std::string, OpChange> table{
        // opset 14
        {"Add", {14, Change::Compatible, ""}},
        {"Sub", {14, Change::Compatible, ""}},
        {"Mul", {14, Change::Compatible, ""}},
        {"Div", {14, Change::Compatible, ""}},
        {"Relu", {14, Change::Compatible, ""}},
        {"CumSum", {14, Change::Compatible, ""}},
        {"Reshape", {14, Change::Compatible, ""}}, // allowzero defaults to 0, the old behaviour
        {"GRU", {14, Change::Compatible, ""}},     // layout defaults to 0, the old layout
        {"LSTM", {14, Change::Compatible, ""}},
        {"RNN", {14, Change::Compatible, ""}},
        {"Identity", {14, Change::Compatible, ""}},
        {"BatchNormalization", {14, Change::BatchNormOutputs, ""}},
        // opset 15
        {"BatchNormalization", {15, Change::Compatible, ""}},
        {"Pow", {15, Change::Compatible, ""}},
        {"Shape", {15, Change::Compatible, ""}}, // start/end default to the whole shape
        // opset 16
        {"RoiAlign", {16, Change::RoiAlignMode, ""}},
        {"ScatterND", {16, Change::Compatible, ""}}, // reduction defaults to none
        {"ScatterElements", {16, Change::Compatible, ""}},
        {"If", {16, Change::Compatible, ""}},
        {"Loop", {16, Change::Compatible, ""}},
        {"Scan", {16, Change::Compatible, ""}},
        {"Identity", {16, Change::Compatible, ""}},
        {"Where", {16, Change::Compatible, ""}},
        {"LessOrEqual", {16, Change::Compatible, ""}},
        {"GreaterOrEqual", {16, Change::Compatible, ""}},
        {"LeakyRelu", {16, Change::Compatible, ""}},
        {"PRelu", {16, Change::Compatible, ""}},
        // opset 18
        {"Pad", {18, Change::Compatible, ""}},    // optional axes input
        {"Resize", {18, Change::Compatible, ""}}, // antialias, axes, keep_aspect_ratio_policy keep old defaults
        {"OptionalGetElement", {18, Change::Compatible, ""}},
        {"OptionalHasElement", {18, Change::Compatible, ""}},
        {"Split", {18, Change::SplitNumOutputs, ""}},
        {"ScatterND", {18, Change::Compatible, ""}},
        {"ScatterElements", {18, Change::Compatible, ""}},
        {"LpPool", {18, Change::Compatible, ""}}, // ceil_mode defaults to 0
        {"ReduceL1", {18, Change::ReduceAxesInput, ""}},
        {"ReduceL2", {18, Change::ReduceAxesInput, ""}},
        {"ReduceLogSum", {18, Change::ReduceAxesInput, ""}},
        {"ReduceLogSumExp", {18, Change::ReduceAxesInput, ""}},
        {"ReduceMax", {18, Change::ReduceAxesInput, ""}},
        {"ReduceMean", {18, Change::ReduceAxesInput, ""}},
        {"ReduceMin", {18, Change::ReduceAxesInput, ""}},
        {"ReduceProd", {18, Change::ReduceAxesInput, ""}},
        {"ReduceSumSquare", {18, Change::ReduceAxesInput, ""}},
        // opset 19
        {"Equal", {19, Change::Compatible, ""}},
        {"AveragePool", {19, Change::Compatible, ""}}, // dilations default to 1
        {"Cast", {19, Change::Compatible, ""}},        // saturate only concerns float8 targets
        {"CastLike", {19, Change::Compatible, ""}},
        {"Constant", {19, Change::Compatible, ""}},
        {"DequantizeLinear", {19, Change::Compatible, ""}},
        {"QuantizeLinear", {19, Change::QuantizeScaleType, ""}},
        {"Identity", {19, Change::Compatible, ""}},
        {"If", {19, Change::Compatible, ""}},
        {"Loop", {19, Change::Compatible, ""}},
        {"Scan", {19, Change::Compatible, ""}},
        {"Pad", {19, Change::Compatible, ""}}, // adds mode "wrap"
        {"Reshape", {19, Change::Compatible, ""}},
        {"Resize", {19, Change::Compatible, ""}}, // adds coordinate mode half_pixel_symmetric
        {"Shape", {19, Change::Compatible, ""}},
        {"Size", {19, Change::Compatible, ""}},
        // opset 20
        {"ConstantOfShape", {20, Change::Compatible, ""}},
        {"DFT", {20, Change::Refuse, "its axis became an input and its default changed (opset 20)"}},
        {"GridSample", {20, Change::GridSampleModes, ""}},
        {"IsInf", {20, Change::Compatible, ""}},
        {"IsNaN", {20, Change::Compatible, ""}},
        {"ReduceMax", {20, Change::Compatible, ""}},
        {"ReduceMin", {20, Change::Compatible, ""}},
        // opset 21: 4-bit element types added, and GroupNormalization's scale and bias became per channel
        {"Cast", {21, Change::Compatible, ""}},
        {"CastLike", {21, Change::Compatible, ""}},
        {"Constant", {21, Change::Compatible, ""}},
        {"ConstantOfShape", {21, Change::Compatible, ""}},
        {"DequantizeLinear", {21, Change::Compatible, ""}}, // block_size defaults to 0
        {"QuantizeLinear", {21, Change::Compatible, ""}},
        {"QLinearMatMul", {21, Change::Compatible, ""}},
        {"Flatten", {21, Change::Compatible, ""}},
        {"Identity", {21, Change::Compatible, ""}},
        {"If", {21, Change::Compatible, ""}},
        {"Loop", {21, Change::Compatible, ""}},
        {"Scan", {21, Change::Compatible, ""}},
        {"Pad", {21, Change::Compatible, ""}},
        {"Reshape", {21, Change::Compatible, ""}},
        {"Shape", {21, Change::Compatible, ""}},
        {"Size", {21, Change::Compatible, ""}},
        {"Squeeze", {21, Change::Compatible, ""}},
        {"Unsqueeze", {21, Change::Compatible, ""}},
        {"Transpose", {21, Change::Compatible, ""}},
        {"GroupNormalization",
         {21, Change::Refuse, "its scale and bias became per channel instead of per group (opset 21)"}},
    };
    return table;
}

// Names not yet used by any value, so added initializers never collide.
class NameSource {
public:
    explicit NameSource(const Graph& g) {
        for (const auto* list : {&g.inputs, &g.outputs, &g.valueInfos})
            for (const auto& v : *list)
                m_used.insert(v.name);
        for (const auto& [name, tensor] : g.initializers)
            m_used.insert(name);
        for (const auto& node : g.nodes) {
            m_used.insert(node.inputs.begin(), node.inputs.end());
            m_used.insert(node.outputs.begin(), node.outputs.end());
        }
    }
    std::string fresh(const std::string& base) {
        std::string name = base;
        for (int i = 1; m_used.count(name); ++i)
            name = base + "_" + std::to_string(i);
        m_used.insert(name);
        return name;
    }

private:
    std::unordered_set<std::string> m_used;
};

// The element type of a value where the graph states it (initializer or declared type), else Undefined.
DType knownType(const Graph& g, const std::string& value) {
    if (auto it = g.initializers.find(value); it != g.initializers.end())
        return it->second.dtype();
    const ValueInfo* info = g.findValueInfo(value);
    return info ? info->dtype : DType::Undefined;
}

Status reduceAxesToInput(Graph& g, Node& node, NameSource& names) {
    if (node.inputs.size() > 1)
        return Error{node.label() + " already has a second input, which its opset does not define"};
    auto it = node.attributes.find("axes");
    if (it == node.attributes.end())
        return Ok{}; // no axes: reduce over all, as noop_with_empty_axes = 0 (the default) keeps doing
    const std::vector<int64_t> axes = it->second.ints;
    node.attributes.erase(it);
    if (axes.empty())
        return Ok{};
    const std::string name = names.fresh((node.name.empty() ? node.outputs.front() : node.name) + "_axes");
    std::vector<double> values(axes.begin(), axes.end());
    g.initializers[name] = makeTensor(DType::Int64, {static_cast<int64_t>(axes.size())}, values);
    node.inputs.push_back(name);
    return Ok{};
}

Status applyChange(Graph& g, Node& node, const OpChange& change, NameSource& names) {
    switch (change.change) {
    case Change::Compatible:
        return Ok{};
    case Change::ReduceAxesInput:
        return reduceAxesToInput(g, node, names);
    case Change::SplitNumOutputs:
        if ((node.inputs.size() < 2 || node.inputs[1].empty()) && !node.attribute("num_outputs"))
            node.attributes["num_outputs"] = Attribute::makeInt(static_cast<int64_t>(node.outputs.size()));
        return Ok{};
    case Change::BatchNormOutputs:
        while (node.outputs.size() > 1 && node.outputs.back().empty())
            node.outputs.pop_back();
        if (node.outputs.size() > 1)
            return Error{node.label() + " uses the optional outputs of BatchNormalization, which mean training-mode "
                                        "statistics from opset 14 on; it cannot be upgraded"};
        return Ok{};
    case Change::RoiAlignMode:
        // RoiAlign-10 behaves as "output_half_pixel"; opset 16's default is "half_pixel".
        if (!node.attribute("coordinate_transformation_mode"))
            node.attributes["coordinate_transformation_mode"] = Attribute::makeString("output_half_pixel");
        return Ok{};
    case Change::GridSampleModes:
        if (auto it = node.attributes.find("mode"); it != node.attributes.end()) {
            if (it->second.s == "bilinear")
                it->second.s = "linear";
            else if (it->second.s == "bicubic")
                it->second.s = "cubic";
        }
        return Ok{};
    case Change::QuantizeScaleType:
        if (!node.inputs.empty() && knownType(g, node.inputs[0]) == DType::Int32)
            return Error{node.label() + " quantizes int32 values with a float scale, which opsets 19 to 22 do not "
                                        "allow (y_scale must have x's type); it cannot be upgraded"};
        return Ok{};
    case Change::Refuse:
        return Error{
            node.label() + " cannot be upgraded to opset " + std::to_string(change.version) + ": " + change.why, true};
    }
    return Ok{};
}

} // namespace

int64_t minIrVersionForOpset(int64_t opset) {
    if (opset >= 23)
        return 11;
    if (opset >= 21)
        return 10;
    if (opset >= 19)
        return 9;
    if (opset >= 15)
        return 8;
    if (opset >= 12)
        return 7;
    if (opset >= 11)
        return 6;
    if (opset >= 10)
        return 5;
    if (opset >= 9)
        return 4;
    return 3;
}

Status upgradeOpset(Model& model, int64_t target) {
    const int64_t current = model.opsetVersion("");
    if (current == 0)
        return Error{"the model imports no default-domain (ai.onnx) opset, so there is nothing to upgrade"};
    if (target < current)
        return Error{"cannot upgrade from opset " + std::to_string(current) + " down to " + std::to_string(target)};
    if (target > kUpgradeMaxOpset)
        return Error{"opset " + std::to_string(target) + " is newer than the changes we know (up to opset " +
                         std::to_string(kUpgradeMaxOpset) + ")",
                     true};
    if (current < kUpgradeMinOpset)
        return Error{"upgrading from opset " + std::to_string(current) + " is not supported (only from opset " +
                         std::to_string(kUpgradeMinOpset) + " on)",
                     true};
    if (target == current)
        return Ok{};

    // Work on a copy so that a refused node leaves the caller's model as it was.
    Graph graph = model.graph;
    NameSource names(graph);
    for (Node& node : graph.nodes) {
        if (!node.domain.empty())
            continue; // other domains keep their own opset
        auto [first, last] = changes().equal_range(node.opType);
        std::vector<OpChange> due;
        for (auto it = first; it != last; ++it)
            if (it->second.version > current && it->second.version <= target)
                due.push_back(it->second);
        std::sort(due.begin(), due.end(), [](const OpChange& a, const OpChange& b) { return a.version < b.version; });
        for (const OpChange& change : due)
            if (auto applied = applyChange(graph, node, change, names); !applied)
                return applied;
    }
    if (auto valid = graph.validate(); !valid)
        return Error{"the upgraded graph is invalid: " + valid.message()};

    model.graph = std::move(graph);
    for (auto& import : model.opsets)
        if (import.domain.empty() || import.domain == "ai.onnx")
            import.version = target;
    model.irVersion = std::max(model.irVersion, minIrVersionForOpset(target));
    return Ok{};
}

} // namespace autoglm
