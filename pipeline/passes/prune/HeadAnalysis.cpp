#include "pipeline/passes/prune/HeadAnalysis_p.h"

#include "pipeline/exec/Executor.h"
#include "pipeline/exec/TorchTypes.h"

#include <ATen/ATen.h>

#include <algorithm>

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

// A value that carries the heads of a block on `axis`; value head i belongs to the block's head i / `repeat`
// (grouped-query attention repeats each key/value head for a group of query heads).
struct Carrier {
    int block = 0;
    int64_t axis = 0;
    int64_t repeat = 1;
};

struct Partial { // one split's block before blocks that meet are joined
    HeadBlock block;
    int64_t heads = 0;
};

class HeadAnalysis {
public:
    HeadAnalysis(const Graph& graph, std::map<std::string, Shape>& shapes) : m_graph(graph), m_shapes(shapes) {
        for (size_t n = 0; n < graph.nodes.size(); ++n)
            for (size_t i = 0; i < graph.nodes[n].inputs.size(); ++i)
                m_uses[graph.nodes[n].inputs[i]].push_back({n, i});
        for (const auto& out : graph.outputs)
            m_graphOutputs.insert(out.name);
    }

    void run(const std::vector<size_t>& order) {
        for (size_t n : order) // a Reshape of values that already carry heads reshapes within each head
            if (isSplit(n) && !m_carriers.count(m_graph.nodes[n].inputs[0]))
                startBlock(n);
        for (const Meet& m : m_meets) {
            auto it = m_carriers.find(m.value);
            if (it == m_carriers.end()) {
                block(m.block, "its heads meet '" + m.value + "' in " + m.reader + ", which carries no heads");
                continue;
            }
            if (it->second.axis - static_cast<int64_t>(shapeOf(m.value)->size()) != m.axisFromEnd)
                block(m.block, "its heads meet '" + m.value + "' on another axis in " + m.reader);
            m_joins.push_back({m.block, it->second.block});
        }
        for (const auto& [a, b] : m_joins)
            join(a, b);
    }

    std::vector<HeadBlock> blocks() {
        std::map<int, std::vector<int>> members;
        for (int b = 0; b < static_cast<int>(m_blocks.size()); ++b)
            members[find(b)].push_back(b);
        std::vector<HeadBlock> out;
        for (const auto& [root, list] : members) {
            HeadBlock into;
            int64_t fewest = 0;
            for (int b : list)
                fewest = fewest == 0 ? m_blocks[b].heads : std::min(fewest, m_blocks[b].heads);
            into.units = fewest;
            into.headDim = m_blocks[list.front()].block.headDim;
            for (int b : list) {
                const HeadBlock& from = m_blocks[b].block;
                if (into.blocked.empty() && m_blocks[b].heads % fewest != 0)
                    into.blocked = "its splits have " + std::to_string(m_blocks[b].heads) + " and " +
                                   std::to_string(fewest) + " heads, which do not group";
                if (into.blocked.empty() && from.headDim != into.headDim)
                    into.blocked = "its heads meet heads of another size";
                if (into.blocked.empty())
                    into.blocked = from.blocked;
                into.splits.insert(into.splits.end(), from.splits.begin(), from.splits.end());
                into.projections.insert(into.projections.end(), from.projections.begin(), from.projections.end());
                into.merges.insert(into.merges.end(), from.merges.begin(), from.merges.end());
                into.outProjections.insert(into.outProjections.end(), from.outProjections.begin(),
                                           from.outProjections.end());
                into.headReshapes.insert(from.headReshapes.begin(), from.headReshapes.end());
                into.values.insert(from.values.begin(), from.values.end());
            }
            out.push_back(std::move(into));
        }
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
    // The values of an integer constant input, or nothing when it is computed at run time.
    std::optional<std::vector<int64_t>> constantInts(const std::string& name) const {
        auto it = m_graph.initializers.find(name);
        if (it == m_graph.initializers.end())
            return std::nullopt;
        const at::Tensor t = it->second.tensor().to(at::kLong).reshape({-1});
        return std::vector<int64_t>(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
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
        Partial p;
        p.block.splits.push_back(split);
        p.heads = out[out.size() - 2];
        p.block.headDim = out.back();
        m_blocks.push_back(std::move(p));
        m_parent.push_back(static_cast<int>(m_parent.size()));
        return static_cast<int>(m_blocks.size()) - 1;
    }
    void block(int b, const std::string& reason) {
        if (m_blocks[b].block.blocked.empty())
            m_blocks[b].block.blocked = reason;
    }
    int find(int b) { return m_parent[b] == b ? b : m_parent[b] = find(m_parent[b]); }
    void join(int a, int b) { m_parent[find(a)] = find(b); }

    void startBlock(size_t split);
    HeadProjection traceProjection(int b, size_t split);
    void visit(const Carrier& c, const std::string& value);
    void follow(const Carrier& c, const std::string& value, size_t n, size_t input);
    void followSliceOrConcat(const Carrier& c, const std::string& value, const Node& node, size_t input);
    void followReshape(const Carrier& c, const std::string& value, size_t n);
    bool followExpansion(const Carrier& c, size_t unsqueeze);
    // An operand of an op that also reads the heads: it must carry them on the same axis, or broadcast there.
    void meet(int b, const std::string& other, int64_t axis, int64_t rank, const Node& reader);

    const Graph& m_graph;
    std::map<std::string, Shape>& m_shapes;
    std::map<std::string, std::vector<std::pair<size_t, size_t>>> m_uses;
    std::set<std::string> m_graphOutputs;
    std::map<std::string, Carrier> m_carriers;
    std::vector<Partial> m_blocks;
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

HeadProjection HeadAnalysis::traceProjection(int b, size_t split) {
    HeadProjection p;
    p.heads = m_blocks[b].heads;
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
        p.part = value;
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
    m_blocks[b].block.projections.push_back(traceProjection(b, split));
    visit({b, static_cast<int64_t>(shapeOf(node.outputs[0])->size()) - 2, 1}, node.outputs[0]);
}

void HeadAnalysis::visit(const Carrier& c, const std::string& value) {
    if (auto it = m_carriers.find(value); it != m_carriers.end()) {
        if (it->second.axis != c.axis)
            block(c.block, "its heads reach '" + value + "' on two different axes");
        m_joins.push_back({c.block, it->second.block});
        return;
    }
    m_carriers[value] = c;
    m_blocks[c.block].block.values.insert(value);
    if (const Shape* shape = shapeOf(value);
        !shape || c.axis >= static_cast<int64_t>(shape->size()) || (*shape)[c.axis] != m_blocks[c.block].heads * c.repeat)
        return block(c.block, "its heads change their count in '" + value + "'");
    if (m_graphOutputs.count(value))
        return block(c.block, "its heads reach the graph output '" + value + "'");
    auto uses = m_uses.find(value);
    if (uses == m_uses.end())
        return;
    for (const auto& [n, input] : uses->second)
        follow(c, value, n, input);
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
    if (m_graph.initializers.count(other))
        return block(b, "its heads meet '" + other + "' with one value per head in " + reader.label());
    // A computed operand must carry heads of its own on the same axis; it may be reached only later, from its
    // own split, so this is checked once every split has been followed.
    m_meets.push_back({b, other, axis - rank, reader.label()});
}

void HeadAnalysis::follow(const Carrier& c, const std::string& value, size_t n, size_t input) {
    const int b = c.block;
    const int64_t axis = c.axis;
    const Node& node = m_graph.nodes[n];
    const std::string& op = node.opType;
    const Shape* inShape = shapeOf(value);
    const int64_t rank = inShape ? static_cast<int64_t>(inShape->size()) : 0;
    if (!node.domain.empty() || node.outputs.empty() || !shapeOf(node.outputs[0]))
        return block(b, "'" + value + "' is read by " + node.label());
    const int64_t outRank = static_cast<int64_t>(shapeOf(node.outputs[0])->size());
    auto moved = [&](int64_t newAxis) { return Carrier{b, newAxis, c.repeat}; };
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
        return visit(moved(axis + (outRank - rank)), node.outputs[0]);
    }
    if (op == "Transpose") {
        const Attribute* perm = node.attribute("perm");
        if (!perm)
            return block(b, node.label() + " has no perm");
        auto at = std::find(perm->ints.begin(), perm->ints.end(), axis);
        return visit(moved(at - perm->ints.begin()), node.outputs[0]);
    }
    if (op == "MatMul") {
        if (axis >= rank - 2)
            return block(b, "'" + value + "' enters " + node.label() + " with the heads on a matrix axis");
        meet(b, node.inputs[1 - input], axis, rank, node);
        return visit(moved(axis + (outRank - rank)), node.outputs[0]);
    }
    if (op == "Split" && input == 0) {
        // Along another axis only (rotary embeddings cut the head dimension).
        const int64_t a = intAttribute(node, "axis", 0);
        if ((a < 0 ? a + rank : a) == axis)
            return block(b, node.label() + " splits the heads");
        for (const auto& out : node.outputs)
            visit(moved(axis), out);
        return;
    }
    if (op == "Slice" || op == "Concat")
        return followSliceOrConcat(c, value, node, input);
    if (op == "Unsqueeze" && input == 0 && followExpansion(c, n))
        return;
    if (op == "Reshape" && input == 0)
        return followReshape(c, value, n);
    block(b, "'" + value + "' is read by " + node.label() + ", which mixes or reshapes the heads");
}

void HeadAnalysis::followSliceOrConcat(const Carrier& c, const std::string& value, const Node& node, size_t input) {
    const int b = c.block;
    const int64_t rank = static_cast<int64_t>(shapeOf(value)->size());
    // Along another axis only (rotary embeddings cut and join the head dimension).
    std::vector<int64_t> axes;
    if (node.opType == "Concat") {
        axes.push_back(intAttribute(node, "axis", 0));
    } else if (input != 0) {
        return block(b, "'" + value + "' is a bound of " + node.label());
    } else if (node.inputs.size() > 3 && !node.inputs[3].empty()) {
        auto given = constantInts(node.inputs[3]);
        if (!given)
            return block(b, node.label() + " slices axes computed at run time");
        axes = *given;
    } else {
        return block(b, node.label() + " slices every axis");
    }
    for (int64_t a : axes)
        if ((a < 0 ? a + rank : a) == c.axis)
            return block(b, node.label() + " cuts or joins along the heads");
    if (node.opType == "Concat")
        for (size_t j = 0; j < node.inputs.size(); ++j)
            if (j != input)
                meet(b, node.inputs[j], c.axis, rank, node);
    visit(c, node.outputs[0]);
}

// Grouped-query attention's head expansion: Unsqueeze an axis right after the heads, Expand it to the group
// size, Reshape the heads and the group into one axis. Value head i of the result is head i / group here.
bool HeadAnalysis::followExpansion(const Carrier& c, size_t unsqueeze) {
    const Node& u = m_graph.nodes[unsqueeze];
    auto axes = u.inputs.size() > 1 ? constantInts(u.inputs[1]) : std::nullopt;
    const std::string& grouped = u.outputs[0];
    const int64_t rank = static_cast<int64_t>(shapeOf(u.inputs[0])->size());
    if (!axes || axes->size() != 1 || ((*axes)[0] < 0 ? (*axes)[0] + rank + 1 : (*axes)[0]) != c.axis + 1)
        return false;
    auto uses = m_uses.find(grouped);
    if (uses == m_uses.end() || uses->second.size() != 1 || m_graphOutputs.count(grouped))
        return false;
    const size_t e = uses->second.front().first;
    const Node& expand = m_graph.nodes[e];
    auto target = expand.inputs.size() > 1 ? constantInts(expand.inputs[1]) : std::nullopt;
    const Shape* expandedShape = shapeOf(expand.outputs[0]);
    if (expand.opType != "Expand" || !target || !expandedShape || target->size() != expandedShape->size())
        return false;
    const int64_t at = c.axis + static_cast<int64_t>(target->size()) - (rank + 1); // heads in the target
    if (at >= 0 && (*target)[at] != 1)
        return false; // the head count written into the target would have to change with it
    auto expandUses = m_uses.find(expand.outputs[0]);
    if (expandUses == m_uses.end() || expandUses->second.size() != 1 || m_graphOutputs.count(expand.outputs[0]))
        return false;
    const size_t r = expandUses->second.front().first;
    const Node& reshape = m_graph.nodes[r];
    const Shape* merged = shapeOf(reshape.outputs[0]);
    const int64_t group = (*expandedShape)[c.axis + 1];
    if (reshape.opType != "Reshape" || !merged || merged->size() != expandedShape->size() - 1 ||
        (*merged)[c.axis] != (*expandedShape)[c.axis] * group || !constantInts(reshape.inputs[1]) ||
        intAttribute(reshape, "allowzero", 0) != 0)
        return false;
    for (int64_t d = 0; d < c.axis; ++d)
        if ((*merged)[d] != (*expandedShape)[d])
            return false;
    HeadBlock& blk = m_blocks[c.block].block;
    blk.values.insert(grouped);
    blk.values.insert(expand.outputs[0]);
    blk.headReshapes[r] = c.axis;
    visit({c.block, c.axis, c.repeat * group}, reshape.outputs[0]);
    return true;
}

void HeadAnalysis::followReshape(const Carrier& c, const std::string& value, size_t n) {
    const int b = c.block;
    const int64_t axis = c.axis;
    const Node& node = m_graph.nodes[n];
    const Shape& in = *shapeOf(value);
    const Shape& out = *shapeOf(node.outputs[0]);
    const int64_t rank = static_cast<int64_t>(in.size()), outRank = static_cast<int64_t>(out.size());
    if (intAttribute(node, "allowzero", 0) != 0)
        return block(b, node.label() + " has allowzero=1");
    bool keepsLead = outRank > axis;
    for (int64_t d = 0; keepsLead && d <= axis; ++d)
        keepsLead = out[d] == in[d];
    if (keepsLead) {
        // The features within each head are reshaped (interleaved rotary pairs): the axes up to the heads stay.
        if (!constantInts(node.inputs[1]))
            return block(b, node.label() + " reshapes the heads to a shape computed at run time");
        m_blocks[b].block.headReshapes[n] = axis;
        return visit(c, node.outputs[0]);
    }
    bool merges = outRank == rank - 1 && axis == rank - 2 && out[axis] == in[axis] * in[axis + 1];
    for (int64_t d = 0; merges && d < axis; ++d)
        merges = out[d] == in[d];
    if (!merges)
        return block(b, node.label() + " reshapes the heads other than merging them with their features");
    HeadBlock& blk = m_blocks[b].block;
    blk.merges.push_back(n);
    blk.values.insert(node.outputs[0]);
    auto uses = m_uses.find(node.outputs[0]);
    if (uses == m_uses.end() || m_graphOutputs.count(node.outputs[0]))
        return block(b, "the merged heads '" + node.outputs[0] + "' are not read by an output projection");
    for (const auto& [reader, slot] : uses->second) {
        const Node& r = m_graph.nodes[reader];
        if (r.opType != "MatMul" || slot != 0 || !weightOnlyHere(r.inputs[1], reader) ||
            m_graph.initializers.at(r.inputs[1]).shape().size() != 2)
            return block(b, "the merged heads '" + node.outputs[0] + "' are read by " + r.label() +
                                ", not by a MatMul with a weight of its own");
        blk.outProjections.push_back(reader);
    }
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

} // namespace

Result<HeadBlocks> findHeadBlocks(const Model& model, const std::vector<size_t>& order, const PassContext& context) {
    auto shapes = observeShapes(model, context);
    if (!shapes)
        return shapes.error();
    HeadBlocks found;
    found.shapes = std::move(shapes.value());
    HeadAnalysis analysis(model.graph, found.shapes);
    analysis.run(order);
    found.blocks = analysis.blocks();
    return found;
}

} // namespace autoglm::prune
