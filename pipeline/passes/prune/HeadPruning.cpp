#include "pipeline/passes/prune/HeadPruning_p.h"

#include "pipeline/exec/Executor.h"
#include "pipeline/exec/TorchTypes.h"
#include "pipeline/passes/LayerSelection.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace autoglm::prune {
namespace {

const std::set<std::string> kElementwise{"Add",  "Sub",  "Mul",     "Div",  "Pow",     "Max",   "Min",   "Where",
                                         "Relu", "Gelu", "Erf",     "Tanh", "Sigmoid", "Exp",   "Neg",   "Sqrt",
                                         "Cast", "Not",  "Identity", "Dropout", "Equal", "Less",  "Greater"};
// Size of the symbolic dimensions in the shape run: small, and more than 1 so that no axis is mistaken for a
// broadcast one.
constexpr int64_t kProbeSize = 3;

int64_t intAttribute(const Node& node, const char* key, int64_t fallback) {
    const Attribute* a = node.attribute(key);
    return a ? a->i : fallback;
}

// Columns [offset, offset + H·D) of a projection weight (MatMul [in, out]) and of its bias, produce a split.
struct Projection {
    size_t matmul = 0;
    std::string weight;
    std::string bias;     // empty when there is none
    int64_t offset = 0;   // first column of this split's heads
    int split = -1;       // the Split node that cuts this part from a fused projection, or -1
    std::vector<std::string> chain; // values from the MatMul's output to the split's input
};

struct Block {
    std::vector<size_t> splits; // head-split Reshapes
    std::vector<Projection> projections;
    std::vector<size_t> merges;      // head-merge Reshapes
    std::vector<size_t> outProjections; // MatMuls reading the merged heads
    std::set<std::string> values;    // values carrying the head axis (their value_info goes stale)
    std::string blocked;
    int64_t heads = 0;
    int64_t headDim = 0;
};

class HeadAnalysis {
public:
    HeadAnalysis(const Graph& graph, std::map<std::string, Shape> shapes) : m_graph(graph), m_shapes(std::move(shapes)) {
        for (size_t n = 0; n < graph.nodes.size(); ++n)
            for (size_t i = 0; i < graph.nodes[n].inputs.size(); ++i)
                m_uses[graph.nodes[n].inputs[i]].push_back({n, i});
        for (const auto& out : graph.outputs)
            m_graphOutputs.insert(out.name);
    }

    void run(const std::vector<size_t>& order) {
        for (size_t n : order)
            if (isSplit(n))
                startBlock(n);
        for (const Meet& m : m_meets) {
            auto it = m_carriers.find(m.value);
            if (it == m_carriers.end()) {
                block(m.block, "its heads meet '" + m.value + "' in " + m.reader + ", which carries no heads");
                continue;
            }
            if (it->second.second - static_cast<int64_t>(shapeOf(m.value)->size()) != m.axisFromEnd)
                block(m.block, "its heads meet '" + m.value + "' on another axis in " + m.reader);
            m_joins.push_back({m.block, it->second.first});
        }
        for (const auto& [a, b] : m_joins)
            join(a, b);
    }

    const Shape& shape(const std::string& value) const { return m_shapes.at(value); }

    std::vector<Block> blocks() {
        std::map<int, Block> merged;
        for (int b = 0; b < static_cast<int>(m_blocks.size()); ++b) {
            Block& into = merged[find(b)];
            const Block& from = m_blocks[b];
            if (into.heads == 0) {
                into.heads = from.heads;
                into.headDim = from.headDim;
            } else if (into.blocked.empty() && (into.heads != from.heads || into.headDim != from.headDim)) {
                into.blocked = "its heads meet heads of another count or size (grouped-query attention is not pruned)";
            }
            if (into.blocked.empty())
                into.blocked = from.blocked;
            into.splits.insert(into.splits.end(), from.splits.begin(), from.splits.end());
            into.projections.insert(into.projections.end(), from.projections.begin(), from.projections.end());
            into.merges.insert(into.merges.end(), from.merges.begin(), from.merges.end());
            into.outProjections.insert(into.outProjections.end(), from.outProjections.begin(), from.outProjections.end());
            into.values.insert(from.values.begin(), from.values.end());
        }
        std::vector<Block> out;
        for (auto& [root, block] : merged)
            out.push_back(std::move(block));
        return out;
    }

private:
    const Shape* shapeOf(const std::string& value) const {
        auto it = m_shapes.find(value);
        return it == m_shapes.end() ? nullptr : &it->second;
    }
    bool onlyReader(const std::string& value, size_t node) const {
        auto it = m_uses.find(value);
        return it != m_uses.end() && it->second.size() == 1 && it->second.front().first == node &&
               !m_graphOutputs.count(value);
    }
    bool weightOnlyHere(const std::string& name, size_t node) const {
        return m_graph.initializers.count(name) && onlyReader(name, node);
    }

    // A Reshape [lead.., E] → [lead.., H, D].
    bool isSplit(size_t n) const {
        const Node& node = m_graph.nodes[n];
        if (node.opType != "Reshape" || !node.domain.empty() || node.inputs.size() < 2)
            return false;
        const Shape* in = shapeOf(node.inputs[0]);
        const Shape* out = shapeOf(node.outputs[0]);
        if (!in || !out || in->size() < 2 || out->size() != in->size() + 1)
            return false;
        const size_t r = in->size();
        for (size_t d = 0; d + 1 < r; ++d)
            if ((*in)[d] != (*out)[d])
                return false;
        return (*out)[r - 1] > 1 && (*out)[r - 1] * (*out)[r] == (*in)[r - 1];
    }

    int newBlock(size_t split) {
        const Shape& out = *shapeOf(m_graph.nodes[split].outputs[0]);
        Block b;
        b.splits.push_back(split);
        b.heads = out[out.size() - 2];
        b.headDim = out.back();
        m_blocks.push_back(std::move(b));
        m_parent.push_back(static_cast<int>(m_parent.size()));
        return static_cast<int>(m_blocks.size()) - 1;
    }
    void block(int b, const std::string& reason) {
        if (m_blocks[b].blocked.empty())
            m_blocks[b].blocked = reason;
    }
    int find(int b) { return m_parent[b] == b ? b : m_parent[b] = find(m_parent[b]); }
    void join(int a, int b) { m_parent[find(a)] = find(b); }

    void startBlock(size_t split);
    Projection traceProjection(int b, size_t split);
    void visit(int b, const std::string& value, int64_t axis);
    void follow(int b, const std::string& value, int64_t axis, size_t n, size_t input);
    // An operand of an op that also reads the heads: it must carry them on the same axis, or broadcast there.
    void meet(int b, const std::string& other, int64_t axis, int64_t rank, const Node& reader);

    const Graph& m_graph;
    std::map<std::string, Shape> m_shapes;
    std::map<std::string, std::vector<std::pair<size_t, size_t>>> m_uses;
    std::set<std::string> m_graphOutputs;
    std::map<std::string, std::pair<int, int64_t>> m_carriers; // value -> (block, head axis)
    std::vector<Block> m_blocks;
    std::vector<int> m_parent;
    std::vector<std::pair<int, int>> m_joins;
    struct Meet {
        int block;
        std::string value;
        int64_t axisFromEnd; // the head axis counted from the last (negative)
        std::string reader;
    };
    std::vector<Meet> m_meets;
};

Projection HeadAnalysis::traceProjection(int b, size_t split) {
    Projection p;
    std::string value = m_graph.nodes[split].inputs[0];
    p.chain.push_back(value);
    int producer = m_graph.producerOf(value);
    if (producer >= 0 && m_graph.nodes[producer].opType == "Split") {
        const Node& s = m_graph.nodes[producer];
        const Shape* in = shapeOf(s.inputs[0]);
        const int64_t axis = intAttribute(s, "axis", 0);
        if (!in || !(axis == -1 || axis == static_cast<int64_t>(in->size()) - 1)) {
            block(b, "its projection is split by " + s.label() + " along another axis than the features");
            return p;
        }
        for (const auto& out : s.outputs) {
            if (out == value)
                break;
            p.offset += shapeOf(out) ? shapeOf(out)->back() : 0;
        }
        p.split = producer;
        value = s.inputs[0];
        if (!onlyReader(value, static_cast<size_t>(producer)))
            return block(b, "the fused projection '" + value + "' is read by more than " + s.label()), p;
        p.chain.push_back(value);
        producer = m_graph.producerOf(value);
    } else if (!onlyReader(value, split)) {
        return block(b, "the projection '" + value + "' is read by more than the head split"), p;
    }
    if (producer >= 0 && m_graph.nodes[producer].opType == "Add") {
        const Node& add = m_graph.nodes[producer];
        const int biasAt = m_graph.initializers.count(add.inputs[1]) ? 1 : m_graph.initializers.count(add.inputs[0]) ? 0 : -1;
        if (biasAt < 0 || m_graph.initializers.at(add.inputs[biasAt]).shape().size() != 1 ||
            !weightOnlyHere(add.inputs[biasAt], static_cast<size_t>(producer)))
            return block(b, "the projection's bias in " + add.label() + " is not a constant vector of its own"), p;
        p.bias = add.inputs[biasAt];
        value = add.inputs[1 - biasAt];
        if (!onlyReader(value, static_cast<size_t>(producer)))
            return block(b, "the projection '" + value + "' is read by more than " + add.label()), p;
        p.chain.push_back(value);
        producer = m_graph.producerOf(value);
    }
    if (producer < 0 || m_graph.nodes[producer].opType != "MatMul" ||
        !weightOnlyHere(m_graph.nodes[producer].inputs[1], static_cast<size_t>(producer)) ||
        m_graph.initializers.at(m_graph.nodes[producer].inputs[1]).shape().size() != 2)
        return block(b, "'" + value + "' is not made by a MatMul with a weight of its own"), p;
    p.matmul = static_cast<size_t>(producer);
    p.weight = m_graph.nodes[producer].inputs[1];
    return p;
}

void HeadAnalysis::startBlock(size_t split) {
    const int b = newBlock(split);
    const Node& node = m_graph.nodes[split];
    if (intAttribute(node, "allowzero", 0) != 0)
        block(b, node.label() + " has allowzero=1");
    Projection p = traceProjection(b, split);
    m_blocks[b].projections.push_back(p);
    visit(b, node.outputs[0], static_cast<int64_t>(shapeOf(node.outputs[0])->size()) - 2);
}

void HeadAnalysis::visit(int b, const std::string& value, int64_t axis) {
    if (auto it = m_carriers.find(value); it != m_carriers.end()) {
        if (it->second.second != axis)
            block(b, "its heads reach '" + value + "' on two different axes");
        m_joins.push_back({b, it->second.first});
        return;
    }
    m_carriers[value] = {b, axis};
    m_blocks[b].values.insert(value);
    if (m_graphOutputs.count(value))
        return block(b, "its heads reach the graph output '" + value + "'");
    auto uses = m_uses.find(value);
    if (uses == m_uses.end())
        return;
    for (const auto& [n, input] : uses->second)
        follow(b, value, axis, n, input);
}

void HeadAnalysis::meet(int b, const std::string& other, int64_t axis, int64_t rank, const Node& reader) {
    if (other.empty())
        return;
    const Shape* shape = shapeOf(other);
    if (!shape && m_graph.initializers.count(other))
        shape = &m_shapes.emplace(other, m_graph.initializers.at(other).shape()).first->second;
    if (!shape)
        return block(b, "the shape of '" + other + "', read by " + reader.label() + ", is unknown");
    const int64_t at = static_cast<int64_t>(shape->size()) - (rank - axis);
    if (at < 0 || (*shape)[at] == 1)
        return; // broadcast over the heads
    // Computed operands that carry the same heads are joined once every split has been followed.
    if (m_graph.initializers.count(other))
        return block(b, "its heads meet '" + other + "' with one value per head in " + reader.label());
    // A computed operand must carry heads of its own on the same axis; it may be reached only later, from its
    // own split, so this is checked once every split has been followed.
    m_meets.push_back({b, other, axis - rank, reader.label()});
}

void HeadAnalysis::follow(int b, const std::string& value, int64_t axis, size_t n, size_t input) {
    const Node& node = m_graph.nodes[n];
    const std::string& op = node.opType;
    const Shape* inShape = shapeOf(value);
    const int64_t rank = inShape ? static_cast<int64_t>(inShape->size()) : 0;
    if (!node.domain.empty() || node.outputs.empty() || !shapeOf(node.outputs[0]))
        return block(b, "'" + value + "' is read by " + node.label());
    const Shape& outShape = *shapeOf(node.outputs[0]);
    const int64_t outRank = static_cast<int64_t>(outShape.size());
    if (kElementwise.count(op) || op == "Softmax" || op == "LogSoftmax") {
        if (op == "Softmax" || op == "LogSoftmax") {
            int64_t a = intAttribute(node, "axis", -1);
            if (a < 0)
                a += rank;
            if (a == axis)
                return block(b, node.label() + " normalizes over the heads");
        }
        if (outRank < rank)
            return block(b, node.label() + " changes the rank");
        for (size_t j = 0; j < node.inputs.size(); ++j)
            if (j != input)
                meet(b, node.inputs[j], axis, rank, node);
        visit(b, node.outputs[0], axis + (outRank - rank));
        return;
    }
    if (op == "Transpose") {
        const Attribute* perm = node.attribute("perm");
        if (!perm)
            return block(b, node.label() + " has no perm");
        auto at = std::find(perm->ints.begin(), perm->ints.end(), axis);
        visit(b, node.outputs[0], at - perm->ints.begin());
        return;
    }
    if (op == "MatMul") {
        if (axis >= rank - 2)
            return block(b, "'" + value + "' enters " + node.label() + " with the heads on a matrix axis");
        meet(b, node.inputs[1 - input], axis, rank, node);
        visit(b, node.outputs[0], axis + (outRank - rank));
        return;
    }
    if (op == "Slice" || op == "Concat") {
        // Along another axis only (rotary embeddings cut and join the head dimension).
        std::vector<int64_t> axes;
        if (op == "Concat") {
            axes.push_back(intAttribute(node, "axis", 0));
        } else if (node.inputs.size() > 3 && !node.inputs[3].empty() && m_graph.initializers.count(node.inputs[3])) {
            const at::Tensor t = m_graph.initializers.at(node.inputs[3]).tensor().to(at::kLong);
            for (int64_t i = 0; i < t.numel(); ++i)
                axes.push_back(t[i].item<int64_t>());
        } else if (op == "Slice") {
            return block(b, node.label() + " slices axes computed at run time");
        }
        if (op == "Slice" && input != 0)
            return block(b, "'" + value + "' is a bound of " + node.label());
        for (int64_t a : axes)
            if ((a < 0 ? a + rank : a) == axis)
                return block(b, node.label() + " cuts or joins along the heads");
        if (op == "Concat")
            for (size_t j = 0; j < node.inputs.size(); ++j)
                if (j != input)
                    meet(b, node.inputs[j], axis, rank, node);
        visit(b, node.outputs[0], axis);
        return;
    }
    if (op == "Reshape" && input == 0 && outRank == rank - 1 && axis == rank - 2) {
        bool merges = outShape[axis] == (*inShape)[axis] * (*inShape)[axis + 1];
        for (int64_t d = 0; d < axis; ++d)
            merges = merges && outShape[d] == (*inShape)[d];
        if (!merges)
            return block(b, node.label() + " reshapes the heads other than merging them with their features");
        if (intAttribute(node, "allowzero", 0) != 0)
            return block(b, node.label() + " has allowzero=1");
        m_blocks[b].merges.push_back(n);
        m_blocks[b].values.insert(node.outputs[0]);
        auto uses = m_uses.find(node.outputs[0]);
        if (uses == m_uses.end() || m_graphOutputs.count(node.outputs[0]))
            return block(b, "the merged heads '" + node.outputs[0] + "' are not read by an output projection");
        for (const auto& [reader, slot] : uses->second) {
            const Node& r = m_graph.nodes[reader];
            if (r.opType != "MatMul" || slot != 0 || !weightOnlyHere(r.inputs[1], reader) ||
                m_graph.initializers.at(r.inputs[1]).shape().size() != 2)
                return block(b, "the merged heads '" + node.outputs[0] + "' are read by " + r.label() +
                                    ", not by a MatMul with a weight of its own");
            m_blocks[b].outProjections.push_back(reader);
        }
        return;
    }
    block(b, "'" + value + "' is read by " + node.label() + ", which mixes or reshapes the heads");
}

// Shapes of every value from one run on zeros (symbolic dimensions set to kProbeSize).
Result<std::map<std::string, Shape>> observeShapes(const Model& model, const PassContext& context) {
    ExecutorOptions unfused; // the observed nodes must be the model's own
    unfused.fuse = false;
    auto executor = Executor::create(model, unfused);
    if (!executor)
        return Error{"head pruning needs the model to run: " + executor.message()};
    TensorMap feeds;
    std::map<std::string, Shape> shapes;
    for (const auto& in : model.graph.feedInputs()) {
        Shape dims;
        if (in.shape)
            for (const Dim& d : *in.shape)
                dims.push_back(d.isFixed() ? d.value : kProbeSize);
        feeds[in.name] = TensorData(at::zeros(dims, at::TensorOptions().dtype(torchType(in.dtype).value_or(at::kFloat))));
        shapes[in.name] = dims;
    }
    auto ran = executor->run(feeds, context.stop, [&](const Node& node, const std::vector<Shape>&,
                                                        const std::vector<Shape>& out) {
        for (size_t o = 0; o < out.size() && o < node.outputs.size(); ++o)
            shapes[node.outputs[o]] = out[o];
    });
    if (!ran)
        return Error{"head pruning runs the model once to learn its shapes, and that failed: " + ran.message()};
    return shapes;
}

// Importance of each head: per weight, the norm of the slice that serves the head, divided by that weight's mean
// so that projections of different scale count alike; summed.
at::Tensor headImportance(const Graph& g, const Block& block, const std::string& criterion) {
    const int64_t h = block.heads, d = block.headDim;
    at::Tensor total = at::zeros({h}, at::kDouble);
    auto add = [&](const at::Tensor& perHead) { // [h, d, ...]
        const at::Tensor flat = perHead.reshape({h, -1}).to(at::kDouble);
        at::Tensor scores = criterion == "l1" ? flat.abs().sum(1) : flat.norm(2, 1);
        const double mean = scores.mean().item<double>();
        total += mean > 0 ? scores / mean : scores;
    };
    for (const Projection& p : block.projections)
        add(g.initializers.at(p.weight).tensor().to(at::kFloat).narrow(1, p.offset, h * d).t());
    for (size_t n : block.outProjections)
        add(g.initializers.at(g.nodes[n].inputs[1]).tensor().to(at::kFloat));
    return total;
}

std::string nodeNames(const Graph& g, const std::vector<size_t>& nodes) {
    std::string names;
    for (size_t n : nodes)
        names += (names.empty() ? "" : ", ") + g.nodes[n].name;
    return names;
}

TensorData shapeConstant(int64_t zeros, std::vector<int64_t> tail) {
    std::vector<int64_t> values(static_cast<size_t>(zeros), 0); // 0: copy the input's dimension
    values.insert(values.end(), tail.begin(), tail.end());
    return TensorData(at::tensor(values, at::kLong));
}

// The features kept out of `width`: everything outside [offset, offset + heads·d), and the kept heads inside.
std::vector<int64_t> keptColumns(int64_t width, int64_t offset, int64_t d, const std::vector<int64_t>& removedHeads) {
    std::vector<bool> drop(static_cast<size_t>(width), false);
    for (int64_t h : removedHeads)
        for (int64_t j = 0; j < d; ++j)
            drop[static_cast<size_t>(offset + h * d + j)] = true;
    std::vector<int64_t> kept;
    for (int64_t c = 0; c < width; ++c)
        if (!drop[static_cast<size_t>(c)])
            kept.push_back(c);
    return kept;
}

} // namespace

Result<PassReport> pruneHeads(Model& model, const PruneParams& params, const PassContext& context) {
    Graph& g = model.graph;
    auto order = g.topologicalOrder();
    if (!order)
        return order.error();
    auto choice = chooseLayers(model, params.layers);
    if (!choice)
        return choice.error();
    std::set<size_t> selected;
    for (const auto& layer : choice->selected)
        selected.insert(layer.node);
    context.report(0.0, "learning the shapes (one run)");
    auto shapes = observeShapes(model, context);
    if (!shapes)
        return shapes.error();
    HeadAnalysis analysis(g, std::move(shapes.value()));
    analysis.run(order.value());
    std::vector<Block> blocks = analysis.blocks();

    PassReport report;
    std::map<std::string, int64_t> bytesBefore;
    for (const auto& [name, t] : g.initializers)
        bytesBefore[name] = t.byteSize();
    std::map<size_t, std::string> actions;
    std::set<std::string> stale;
    int pruned = 0;
    for (size_t bi = 0; bi < blocks.size(); ++bi) {
        context.checkStop();
        context.report(0.1 + 0.9 * static_cast<double>(bi) / static_cast<double>(blocks.size()),
                       "pruning attention block " + std::to_string(bi + 1));
        Block& block = blocks[bi];
        std::vector<size_t> layers;
        for (const Projection& p : block.projections)
            layers.push_back(p.matmul);
        layers.insert(layers.end(), block.outProjections.begin(), block.outProjections.end());
        const std::string names = nodeNames(g, block.splits);
        std::string blocked = block.blocked;
        if (blocked.empty() && block.outProjections.empty())
            blocked = "its heads are never merged into an output projection";
        for (size_t n : layers)
            if (blocked.empty() && !selected.count(n))
                blocked = "layer '" + g.nodes[n].name + "' is not selected (layers include/exclude/keep)";
        for (const Projection& p : block.projections)
            if (blocked.empty() && p.split >= 0)
                for (const auto& out : g.nodes[p.split].outputs)
                    if (std::none_of(block.splits.begin(), block.splits.end(),
                                     [&](size_t s) { return g.nodes[s].inputs[0] == out; }))
                        blocked = "part '" + out + "' of " + g.nodes[p.split].label() + " does not split into heads";
        if (!blocked.empty()) {
            report.notes.push_back("kept whole: attention heads of " + names + ": " + blocked);
            continue;
        }
        const int64_t heads = block.heads, d = block.headDim;
        const int64_t remove = static_cast<int64_t>(std::floor(static_cast<double>(heads) * params.sparsity));
        if (remove == 0) {
            report.notes.push_back("kept whole: attention heads of " + names + ": prune.sparsity " +
                                   std::to_string(params.sparsity) + " of " + std::to_string(heads) +
                                   " heads removes none");
            continue;
        }
        if (remove >= heads)
            return Error{"prune.sparsity " + std::to_string(params.sparsity) + " would remove every head of " + names};
        const at::Tensor importance = headImportance(g, block, params.criterion);
        const at::Tensor order = std::get<1>(at::sort(importance)); // least important first
        std::vector<int64_t> removed;
        for (int64_t i = 0; i < remove; ++i)
            removed.push_back(order[i].item<int64_t>());
        std::sort(removed.begin(), removed.end());
        std::vector<int64_t> keptHeads;
        for (int64_t h = 0; h < heads; ++h)
            if (!std::binary_search(removed.begin(), removed.end(), h))
                keptHeads.push_back(h);

        // Every projection weight (and bias) loses the removed heads' columns of each of its parts.
        std::map<std::string, std::vector<int64_t>> removedColumns; // initializer -> columns dropped
        for (const Projection& p : block.projections)
            for (const std::string& name : {p.weight, p.bias}) {
                if (name.empty())
                    continue;
                for (int64_t h : removed)
                    for (int64_t j = 0; j < d; ++j)
                        removedColumns[name].push_back(p.offset + h * d + j);
            }
        for (auto& [name, columns] : removedColumns) {
            const at::Tensor t = g.initializers.at(name).tensor();
            const int64_t axis = t.dim() - 1;
            std::vector<bool> drop(static_cast<size_t>(t.size(axis)), false);
            for (int64_t c : columns)
                drop[static_cast<size_t>(c)] = true;
            std::vector<int64_t> kept;
            for (int64_t c = 0; c < t.size(axis); ++c)
                if (!drop[static_cast<size_t>(c)])
                    kept.push_back(c);
            g.initializers[name] = TensorData(t.index_select(axis, at::tensor(kept, at::kLong)).contiguous());
        }
        for (const Projection& p : block.projections) {
            const int64_t out = g.initializers.at(p.weight).shape()[1];
            actions[p.matmul] = "heads " + std::to_string(heads) + "→" + std::to_string(heads - remove) + " (out " +
                                std::to_string(out + static_cast<int64_t>(removedColumns[p.weight].size())) + "→" +
                                std::to_string(out) + ")";
            stale.insert(p.chain.begin(), p.chain.end());
        }
        // Fused projections: the Split's part sizes follow.
        std::set<int> splitNodes;
        for (const Projection& p : block.projections)
            if (p.split >= 0)
                splitNodes.insert(p.split);
        for (int s : splitNodes) {
            Node& node = g.nodes[static_cast<size_t>(s)];
            std::vector<int64_t> sizes;
            for (const auto& out : node.outputs)
                sizes.push_back(analysis.shape(out).back() - remove * d);
            node.attributes.erase("num_outputs");
            if (model.opsetVersion("") >= 13) {
                node.attributes.erase("split");
                const std::string name = g.uniqueName(node.name + ".pruned_split");
                g.initializers[name] = TensorData(at::tensor(sizes, at::kLong));
                if (node.inputs.size() < 2)
                    node.inputs.resize(2);
                node.inputs[1] = name;
            } else {
                node.attributes["split"] = Attribute::makeInts(sizes);
            }
        }
        for (size_t s : block.splits) {
            Node& node = g.nodes[s];
            const std::string name = g.uniqueName(node.name + ".pruned_shape");
            g.initializers[name] = shapeConstant(static_cast<int64_t>(analysis.shape(node.inputs[0]).size()) - 1,
                                                 {heads - remove, d});
            node.inputs[1] = name;
        }
        for (size_t m : block.merges) {
            Node& node = g.nodes[m];
            const std::string name = g.uniqueName(node.name + ".pruned_shape");
            g.initializers[name] = shapeConstant(static_cast<int64_t>(analysis.shape(node.outputs[0]).size()) - 1,
                                                 {(heads - remove) * d});
            node.inputs[1] = name;
        }
        const at::Tensor keptRows = at::tensor(keptColumns(heads * d, 0, d, removed), at::kLong);
        for (size_t n : block.outProjections) {
            const std::string& weight = g.nodes[n].inputs[1];
            g.initializers[weight] = TensorData(g.initializers.at(weight).tensor().index_select(0, keptRows).contiguous());
            actions[n] = "heads in " + std::to_string(heads * d) + "→" + std::to_string((heads - remove) * d);
        }
        stale.insert(block.values.begin(), block.values.end());
        std::string list;
        for (int64_t h : removed)
            list += (list.empty() ? "" : ",") + std::to_string(h);
        report.notes.push_back("pruned " + std::to_string(remove) + " of " + std::to_string(heads) + " heads (" +
                               list + ") of " + names);
        ++pruned;
    }
    // Shape constants no node reads any more.
    std::set<std::string> read;
    for (const auto& node : g.nodes)
        read.insert(node.inputs.begin(), node.inputs.end());
    for (const auto& [name, bytes] : bytesBefore)
        if (!read.count(name) && g.initializers.count(name) && !g.findValueInfo(name))
            g.initializers.erase(name);
    g.valueInfos.erase(std::remove_if(g.valueInfos.begin(), g.valueInfos.end(),
                                      [&](const ValueInfo& v) { return stale.count(v.name) > 0; }),
                       g.valueInfos.end());
    for (const auto& [n, action] : actions) {
        const Node& node = g.nodes[n];
        LayerReport r{node.name, node.opType, node.inputs[1], action, "", false};
        r.bytesBefore = bytesBefore.count(node.inputs[1]) ? bytesBefore.at(node.inputs[1]) : 0;
        r.bytesAfter = g.initializers.at(node.inputs[1]).byteSize();
        report.layers.push_back(std::move(r));
    }
    if (pruned == 0) {
        std::string reasons;
        for (const auto& n : report.notes)
            reasons += (reasons.empty() ? " " : "; ") + n;
        if (reasons.empty())
            reasons = " no Reshape [.., E] -> [.., H, D] splits a projection's output into heads";
        return Error{"no attention block can lose heads:" + reasons};
    }
    return report;
}

} // namespace autoglm::prune
