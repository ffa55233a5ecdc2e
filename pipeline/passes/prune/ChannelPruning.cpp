#include "pipeline/passes/prune/ChannelPruning_p.h"

#include "pipeline/passes/prune/StructuredEdit_p.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

namespace autoglm::prune {
namespace {

const std::set<std::string> kUnary{"Relu",     "LeakyRelu", "Sigmoid", "Tanh",  "Gelu",     "Erf",     "Elu",
                                   "Selu",     "Softplus",  "Mish",    "Sqrt",  "Neg",      "Abs",     "Exp",
                                   "HardSigmoid", "HardSwish", "Identity", "Dropout", "Clip", "PRelu"};
const std::set<std::string> kBinary{"Add", "Sub", "Mul", "Div", "Max", "Min"};
const std::set<std::string> kPool{"GlobalAveragePool", "GlobalMaxPool", "MaxPool", "AveragePool", "LpPool"};

// How a value carries a group's channels: on axis `axis` of a tensor of rank `rank` (0: unknown, then the
// axis is the last). `spatialOne`: every axis after the channels has size 1 (after a global pool).
struct Carrier {
    int space = 0;
    int64_t axis = -1;
    int64_t rank = 0;
    bool spatialOne = false;
    bool last() const { return rank == 0 || axis == rank - 1; }
};

// An initializer to cut along one axis when its group is pruned; `node`/`input` say who reads it there (a
// constant shared with other nodes is copied first). Output: the weight making the channels; Input: the weight
// reducing over them; Param: a bias, norm parameter or per-channel constant.
// `parts`: the axis holds that many copies of the group's channels side by side (a fused projection, such as
// GLM-4's gate_up_proj, whose output a Split cuts into equal parts); every copy loses the same channels.
struct Cut {
    enum class Role { Output, Input, Param };
    std::string initializer;
    int64_t axis = 0;
    size_t node = 0;
    size_t input = 0;
    Role role = Role::Param;
    int64_t parts = 1;
};

// The channels one layer produces, followed to where they are reduced. After a Split into equal parts,
// `channels` counts the channels of one part and `splits` lists the Split nodes whose sizes follow the pruning.
struct Space {
    size_t producer = 0;
    std::vector<Cut> cuts;
    std::vector<size_t> batchNorms;
    std::vector<size_t> splits;
    std::vector<std::string> values;
    std::string blocked;
    int64_t channels = 0;
};

int64_t intAttribute(const Node& node, const char* key, int64_t fallback) {
    const Attribute* a = node.attribute(key);
    return a ? a->i : fallback;
}

class ChannelAnalysis {
public:
    ChannelAnalysis(const Graph& graph) : m_graph(graph) {
        for (size_t n = 0; n < graph.nodes.size(); ++n)
            for (size_t i = 0; i < graph.nodes[n].inputs.size(); ++i)
                m_uses[graph.nodes[n].inputs[i]].push_back({n, i});
        for (const auto& out : graph.outputs)
            m_graphOutputs.insert(out.name);
    }

    void run(const std::vector<size_t>& order);
    // Spaces joined through elementwise ops, as lists of space indices.
    std::vector<std::vector<int>> groups();
    std::vector<Space>& spaces() { return m_spaces; }

private:
    bool weightOnlyHere(const std::string& name) const {
        auto it = m_uses.find(name);
        return m_graph.initializers.count(name) && it != m_uses.end() && it->second.size() == 1;
    }
    void startSpace(size_t n);
    void visit(const std::string& value, Carrier carrier);
    void follow(const std::string& value, const Carrier& carrier, size_t n, size_t input);
    std::string splitIntoParts(const Carrier& carrier, size_t n);
    void block(int space, const std::string& reason) {
        if (m_spaces[space].blocked.empty())
            m_spaces[space].blocked = reason;
    }
    int find(int s) { return m_parent[s] == s ? s : m_parent[s] = find(m_parent[s]); }
    void join(int a, int b) { m_parent[find(a)] = find(b); }

    const Graph& m_graph;
    std::map<std::string, std::vector<std::pair<size_t, size_t>>> m_uses;
    std::set<std::string> m_graphOutputs;
    std::map<std::string, Carrier> m_carriers;
    std::vector<Space> m_spaces;
    std::vector<int> m_parent;
    std::vector<std::pair<std::string, int>> m_joins; // a computed operand of an elementwise op, and the space
};

void ChannelAnalysis::run(const std::vector<size_t>& order) {
    for (size_t n : order)
        startSpace(n);
    // An elementwise op's other operand must carry channels of its own, on the same axis.
    for (const auto& [value, space] : m_joins) {
        auto it = m_carriers.find(value);
        if (it == m_carriers.end()) {
            block(space, "its channels meet '" + value + "', which no prunable layer produces");
            continue;
        }
        const Carrier& mine = m_carriers.at(m_spaces[space].values.front());
        if (it->second.axis != mine.axis && !(it->second.last() && mine.last()))
            block(space, "its channels meet '" + value + "' on another axis");
        join(space, it->second.space);
    }
}

void ChannelAnalysis::startSpace(size_t n) {
    const Node& node = m_graph.nodes[n];
    if (!node.domain.empty() || node.inputs.size() < 2 || node.outputs.empty() || !weightOnlyHere(node.inputs[1]))
        return;
    const TensorData& w = m_graph.initializers.at(node.inputs[1]);
    const auto shape = w.shape();
    Space space;
    space.producer = n;
    Carrier carrier;
    if (node.opType == "Conv" && intAttribute(node, "group", 1) == 1 && shape.size() >= 3) {
        space.channels = shape[0];
        space.cuts.push_back({node.inputs[1], 0, n, 1, Cut::Role::Output});
        if (node.inputs.size() > 2 && !node.inputs[2].empty())
            space.cuts.push_back({node.inputs[2], 0, n, 2});
        carrier = {0, 1, static_cast<int64_t>(shape.size()), false};
    } else if (node.opType == "Gemm" && intAttribute(node, "transA", 0) == 0 && shape.size() == 2) {
        const bool transB = intAttribute(node, "transB", 0) != 0;
        space.channels = shape[transB ? 0 : 1];
        space.cuts.push_back({node.inputs[1], transB ? 0 : 1, n, 1, Cut::Role::Output});
        if (node.inputs.size() > 2 && !node.inputs[2].empty()) {
            const TensorData* c = m_graph.initializers.count(node.inputs[2]) ? &m_graph.initializers.at(node.inputs[2])
                                                                              : nullptr;
            if (!c || c->shape().empty() || c->shape().back() != space.channels)
                return; // a bias broadcast over rows only (or computed): leave the layer whole
            space.cuts.push_back({node.inputs[2], static_cast<int64_t>(c->shape().size()) - 1, n, 2});
        }
        carrier = {0, 1, 2, false};
    } else if (node.opType == "MatMul" && shape.size() == 2) {
        space.channels = shape[1];
        space.cuts.push_back({node.inputs[1], 1, n, 1, Cut::Role::Output});
        carrier = {0, -1, 0, false};
    } else {
        return;
    }
    carrier.space = static_cast<int>(m_spaces.size());
    m_spaces.push_back(std::move(space));
    m_parent.push_back(carrier.space);
    visit(node.outputs[0], carrier);
}

void ChannelAnalysis::visit(const std::string& value, Carrier carrier) {
    if (auto it = m_carriers.find(value); it != m_carriers.end()) {
        join(carrier.space, it->second.space);
        return;
    }
    m_carriers[value] = carrier;
    m_spaces[carrier.space].values.push_back(value);
    if (m_graphOutputs.count(value))
        block(carrier.space, "its channels reach the graph output '" + value + "'");
    auto uses = m_uses.find(value);
    if (uses == m_uses.end())
        return;
    for (const auto& [n, input] : uses->second)
        follow(value, carrier, n, input);
}

void ChannelAnalysis::follow(const std::string& value, const Carrier& carrier, size_t n, size_t input) {
    const Node& node = m_graph.nodes[n];
    Space& space = m_spaces[carrier.space];
    const std::string& op = node.opType;
    const std::string reader = node.label();
    if (!node.domain.empty()) {
        block(carrier.space, "'" + value + "' is read by " + reader);
        return;
    }
    if (kUnary.count(op) && input == 0) {
        for (size_t j = 1; j < node.inputs.size(); ++j)
            if (!node.inputs[j].empty() && (!m_graph.initializers.count(node.inputs[j]) ||
                                            m_graph.initializers.at(node.inputs[j]).numel() != 1))
                return block(carrier.space, "'" + value + "' is read by " + reader + " with per-channel parameters");
        visit(node.outputs[0], carrier);
        return;
    }
    if (kBinary.count(op) && node.inputs.size() == 2) {
        const std::string& other = node.inputs[1 - input];
        if (auto c = m_graph.initializers.find(other); c != m_graph.initializers.end()) {
            const auto shape = c->second.shape();
            if (c->second.numel() != 1) {
                // Broadcast from the right: per channel means C at the channel axis and 1 after it.
                const int64_t fromEnd = carrier.rank > 0 ? carrier.rank - carrier.axis : 1;
                const int64_t at = static_cast<int64_t>(shape.size()) - fromEnd;
                bool perChannel = at >= 0 && shape[at] == space.channels;
                for (size_t d = 0; d < shape.size(); ++d)
                    perChannel = perChannel && (static_cast<int64_t>(d) == at || shape[d] == 1);
                if (!perChannel)
                    return block(carrier.space, "'" + value + "' meets the constant '" + other + "' in " + reader +
                                                    ", which is not per channel");
                space.cuts.push_back({other, at, n, 1 - input});
            }
        } else {
            m_joins.push_back({other, carrier.space});
        }
        visit(node.outputs[0], carrier);
        return;
    }
    if (op == "Split" && input == 0) {
        if (std::string why = splitIntoParts(carrier, n); !why.empty())
            return block(carrier.space, "'" + value + "' is read by " + reader + ", which " + why);
        for (const std::string& out : node.outputs)
            if (!out.empty())
                visit(out, carrier);
        return;
    }
    if (op == "BatchNormalization" && input == 0 && carrier.axis == 1 && carrier.rank > 0) {
        for (size_t j = 1; j < std::min<size_t>(node.inputs.size(), 5); ++j) {
            if (!m_graph.initializers.count(node.inputs[j]))
                return block(carrier.space, reader + " has parameters computed at run time");
            space.cuts.push_back({node.inputs[j], 0, n, j});
        }
        space.batchNorms.push_back(n);
        visit(node.outputs[0], carrier);
        return;
    }
    if (kPool.count(op) && input == 0 && carrier.axis == 1 && carrier.rank > 0) {
        Carrier pooled = carrier;
        pooled.spatialOne = op.rfind("Global", 0) == 0;
        visit(node.outputs[0], pooled);
        return;
    }
    if (op == "Flatten" && input == 0 && intAttribute(node, "axis", 1) == 1 && carrier.axis == 1 &&
        (carrier.spatialOne || carrier.rank == 2)) {
        visit(node.outputs[0], Carrier{carrier.space, 1, 2, false});
        return;
    }
    if (op == "Conv" && input == 0 && carrier.axis == 1 && carrier.rank > 0 && node.inputs.size() > 1 &&
        weightOnlyHere(node.inputs[1])) {
        const auto shape = m_graph.initializers.at(node.inputs[1]).shape();
        const int64_t group = intAttribute(node, "group", 1);
        if (group == 1) {
            space.cuts.push_back({node.inputs[1], 1, n, 1, Cut::Role::Input});
            return;
        }
        if (group == space.channels && shape[0] == space.channels && shape[1] == 1) {
            // Depthwise: channels pass through, each with its own kernel.
            space.cuts.push_back({node.inputs[1], 0, n, 1, Cut::Role::Output});
            if (node.inputs.size() > 2 && !node.inputs[2].empty())
                space.cuts.push_back({node.inputs[2], 0, n, 2});
            visit(node.outputs[0], carrier);
            return;
        }
    }
    if (op == "Gemm" && input == 0 && intAttribute(node, "transA", 0) == 0 && carrier.last() &&
        weightOnlyHere(node.inputs[1])) {
        space.cuts.push_back({node.inputs[1], intAttribute(node, "transB", 0) != 0 ? 1 : 0, n, 1, Cut::Role::Input});
        return;
    }
    if (op == "MatMul" && input == 0 && carrier.last() && weightOnlyHere(node.inputs[1]) &&
        m_graph.initializers.at(node.inputs[1]).shape().size() == 2) {
        space.cuts.push_back({node.inputs[1], 0, n, 1, Cut::Role::Input});
        return;
    }
    block(carrier.space, "'" + value + "' is read by " + reader + ", which mixes or reshapes channels");
}

// A Split of the channels into equal parts that are later joined again channel by channel (silu(gate) * up):
// the space's channels become those of one part, and what it cut so far holds every part.
std::string ChannelAnalysis::splitIntoParts(const Carrier& carrier, size_t n) {
    const Node& node = m_graph.nodes[n];
    Space& space = m_spaces[carrier.space];
    int64_t axis = intAttribute(node, "axis", 0);
    if (carrier.rank > 0 && axis < 0)
        axis += carrier.rank;
    if (carrier.rank > 0 ? axis != carrier.axis : axis != -1)
        return "splits another axis";
    if (!space.splits.empty())
        return "splits channels already split";
    // Only a chain from the producer to the Split can be re-read as parts: a value read elsewhere carries all.
    for (const std::string& v : space.values)
        if (auto uses = m_uses.find(v); uses == m_uses.end() || uses->second.size() != 1)
            return "splits channels that '" + v + "' also hands elsewhere";
    const int64_t parts = static_cast<int64_t>(node.outputs.size());
    if (parts < 2 || space.channels % parts != 0)
        return "does not split them into equal parts";
    std::vector<int64_t> sizes;
    if (node.inputs.size() > 1 && !node.inputs[1].empty()) {
        auto c = m_graph.initializers.find(node.inputs[1]);
        if (c == m_graph.initializers.end())
            return "splits by sizes computed at run time";
        const at::Tensor t = c->second.tensor().to(at::kLong).reshape({-1}).contiguous();
        sizes.assign(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
    } else if (const Attribute* a = node.attribute("split")) {
        sizes = a->ints;
    }
    for (int64_t size : sizes)
        if (size != space.channels / parts)
            return "does not split them into equal parts";
    for (Cut& cut : space.cuts)
        cut.parts *= parts;
    space.channels /= parts;
    space.splits.push_back(n);
    return {};
}

std::vector<std::vector<int>> ChannelAnalysis::groups() {
    std::map<int, std::vector<int>> byRoot;
    for (int s = 0; s < static_cast<int>(m_spaces.size()); ++s)
        byRoot[find(s)].push_back(s);
    std::vector<std::vector<int>> out;
    for (auto& [root, members] : byRoot)
        out.push_back(std::move(members));
    return out;
}

// Importance of each channel of a group: per producer, the norm of the weights making the channel (or the
// |scale| of the BatchNormalization after it), divided by that producer's mean so that layers of different
// scale count alike; summed over producers.
at::Tensor channelImportance(const Graph& g, const std::vector<Space*>& members, const std::string& criterion) {
    at::Tensor total;
    auto add = [&](at::Tensor scores) {
        scores = scores.to(at::kDouble);
        const double mean = scores.mean().item<double>();
        scores = mean > 0 ? scores / mean : scores;
        total = total.defined() ? total + scores : scores;
    };
    for (const Space* s : members) {
        if (criterion == "bn-scale" && !s->batchNorms.empty()) {
            for (size_t bn : s->batchNorms)
                add(g.initializers.at(g.nodes[bn].inputs[1]).tensor().abs());
            continue;
        }
        const Cut& weight = s->cuts.front(); // the producer's weight is its space's first cut
        at::Tensor w = g.initializers.at(weight.initializer).tensor().to(at::kFloat).movedim(weight.axis, 0);
        w = w.reshape({w.size(0), -1});
        const at::Tensor norms = criterion == "l1" ? w.abs().sum(1) : w.norm(2, 1);
        add(norms.reshape({weight.parts, -1}).sum(0)); // a fused projection: one score per channel of all parts
    }
    return total;
}

// The indices along a cut's axis that stay: `keep` in each of its parts.
at::Tensor keptIndices(const at::Tensor& keep, int64_t parts, int64_t channels) {
    if (parts == 1)
        return keep;
    std::vector<at::Tensor> all;
    for (int64_t p = 0; p < parts; ++p)
        all.push_back(keep + p * channels);
    return at::cat(all);
}

// A Split after a fused projection: its parts shrink with the channels.
void resizeSplit(Graph& g, Node& split, int64_t kept) {
    const std::vector<int64_t> sizes(split.outputs.size(), kept);
    if (split.inputs.size() > 1 && !split.inputs[1].empty()) {
        std::string target = g.uniqueName(split.inputs[1] + "_pruned"); // the old sizes may be shared
        g.initializers[target] = TensorData(at::tensor(sizes, at::kLong));
        split.inputs[1] = target;
    } else if (split.attribute("split")) {
        split.attributes["split"] = Attribute::makeInts(sizes);
    }
}

std::string producerNames(const Graph& g, const std::vector<Space*>& members) {
    std::string names;
    for (const Space* s : members)
        names += (names.empty() ? "" : ", ") + g.nodes[s->producer].name;
    return names;
}

} // namespace

Result<PassReport> pruneChannels(Model& model, const PruneParams& params, const PassContext& context) {
    Graph& g = model.graph;
    auto order = g.topologicalOrder();
    if (!order)
        return order.error();
    auto selected = selectedLayerNodes(model, params.layers);
    if (!selected)
        return selected.error();

    ChannelAnalysis analysis(g);
    analysis.run(order.value());
    PassReport report;
    StructuredEdit edit(g);
    const auto groups = analysis.groups();
    int pruned = 0;
    for (size_t gi = 0; gi < groups.size(); ++gi) {
        context.checkStop();
        context.report(static_cast<double>(gi) / static_cast<double>(groups.size()), "pruning channel group " +
                                                                                         std::to_string(gi + 1));
        std::vector<Space*> members;
        for (int s : groups[gi])
            members.push_back(&analysis.spaces()[s]);
        const std::string names = producerNames(g, members);
        std::string blocked;
        for (const Space* s : members) {
            if (blocked.empty() && !s->blocked.empty())
                blocked = s->blocked;
            if (blocked.empty() && s->channels != members.front()->channels)
                blocked = "its layers have different channel counts";
            if (blocked.empty() && !selected->count(s->producer))
                blocked = "layer '" + g.nodes[s->producer].name + "' is not selected (layers include/exclude/keep)";
        }
        if (!blocked.empty()) {
            report.notes.push_back("kept whole: " + names + ": " + blocked);
            continue;
        }
        const int64_t channels = members.front()->channels;
        const int64_t remove = static_cast<int64_t>(std::floor(static_cast<double>(channels) * params.sparsity));
        if (remove == 0)
            continue;
        if (remove >= channels)
            return Error{"prune.sparsity " + std::to_string(params.sparsity) + " would remove every channel of " +
                         names};
        const at::Tensor importance = channelImportance(g, members, params.criterion);
        const at::Tensor keep =
            std::get<0>(at::sort(std::get<1>(at::topk(importance, channels - remove, 0, /*largest=*/true))));
        std::map<std::pair<std::string, int64_t>, std::string> done; // (initializer, axis) -> name cut
        for (Space* s : members) {
            for (const Cut& cut : s->cuts) {
                Node& reader = g.nodes[cut.node];
                std::string name = reader.inputs[cut.input];
                if (done.count({name, cut.axis})) {
                    reader.inputs[cut.input] = done.at({name, cut.axis});
                    continue;
                }
                int readers = 0;
                for (const auto& node : g.nodes)
                    readers += static_cast<int>(std::count(node.inputs.begin(), node.inputs.end(), name));
                std::string target = name;
                if (readers > 1) { // a constant shared with other nodes: this group gets its own copy
                    target = g.uniqueName(name + "_pruned");
                    reader.inputs[cut.input] = target;
                }
                const at::Tensor t = g.initializers.at(name).tensor();
                const at::Tensor kept = keptIndices(keep, cut.parts, channels);
                g.initializers[target] = TensorData(t.index_select(cut.axis, kept).contiguous());
                done[{name, cut.axis}] = target;
                if (cut.role != Cut::Role::Param)
                    edit.actions[cut.node] += (edit.actions[cut.node].empty() ? "" : ", ") +
                                         std::string(cut.role == Cut::Role::Output ? "out " : "in ") +
                                         std::to_string(channels * cut.parts) + "→" +
                                         std::to_string((channels - remove) * cut.parts);
            }
            for (size_t split : s->splits)
                resizeSplit(g, g.nodes[split], channels - remove);
            edit.stale.insert(s->values.begin(), s->values.end());
        }
        ++pruned;
        report.notes.push_back("pruned " + std::to_string(remove) + " of " + std::to_string(channels) +
                               " channels of " + names);
    }
    edit.finish(g, "channels ", report);
    if (pruned == 0)
        return Error{"no channel group can be pruned:" + [&] {
            std::string reasons;
            for (const auto& n : report.notes)
                reasons += "\n  " + n;
            return reasons;
        }()};
    return report;
}

} // namespace autoglm::prune
