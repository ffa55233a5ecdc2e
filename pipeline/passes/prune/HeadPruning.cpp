#include "pipeline/passes/prune/HeadPruning_p.h"

#include "pipeline/passes/prune/HeadAnalysis_p.h"
#include "pipeline/passes/prune/StructuredEdit_p.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace autoglm::prune {
namespace {

// Importance of each unit: per weight, the norm of the slice that serves each head, divided by that weight's
// mean so that projections of different scale count alike, summed over the unit's heads and the weights.
at::Tensor unitImportance(const Graph& g, const HeadBlock& block, const std::string& criterion) {
    const int64_t units = block.units, d = block.headDim;
    at::Tensor total = at::zeros({units}, at::kDouble);
    auto add = [&](const at::Tensor& perHead, int64_t heads) { // [heads·d, ...]
        const at::Tensor flat = perHead.reshape({heads, -1}).to(at::kDouble);
        at::Tensor scores = criterion == "l1" ? flat.abs().sum(1) : flat.norm(2, 1);
        const double mean = scores.mean().item<double>();
        total += (mean > 0 ? scores / mean : scores).reshape({units, heads / units}).sum(1);
    };
    for (const HeadProjection& p : block.projections)
        add(g.initializers.at(p.weight).tensor().to(at::kFloat).narrow(1, p.offset, p.heads * d).t(), p.heads);
    for (size_t n : block.outProjections) {
        const at::Tensor w = g.initializers.at(g.nodes[n].inputs[1]).tensor().to(at::kFloat);
        add(w, w.size(0) / d);
    }
    return total;
}

std::string nodeNames(const Graph& g, const std::vector<size_t>& nodes) {
    std::string names;
    for (size_t n : nodes)
        names += (names.empty() ? "" : ", ") + g.nodes[n].name;
    return names;
}

std::string joined(const std::vector<int64_t>& values) {
    std::string list;
    for (int64_t v : values)
        list += (list.empty() ? "" : ",") + std::to_string(v);
    return list;
}

TensorData shapeConstant(int64_t zeros, std::vector<int64_t> tail) {
    std::vector<int64_t> values(static_cast<size_t>(zeros), 0); // 0: copy the input's dimension
    values.insert(values.end(), tail.begin(), tail.end());
    return TensorData(at::tensor(values, at::kLong));
}

// The heads of a split with `heads` heads that belong to the removed units (consecutive heads share a unit).
std::vector<int64_t> headsOfUnits(const std::vector<int64_t>& removedUnits, int64_t units, int64_t heads) {
    const int64_t perUnit = heads / units;
    std::vector<int64_t> out;
    for (int64_t u : removedUnits)
        for (int64_t j = 0; j < perUnit; ++j)
            out.push_back(u * perUnit + j);
    return out;
}

// `t` without the given indices along `axis`.
at::Tensor without(const at::Tensor& t, int64_t axis, const std::vector<int64_t>& dropped) {
    std::vector<bool> drop(static_cast<size_t>(t.size(axis)), false);
    for (int64_t c : dropped)
        drop[static_cast<size_t>(c)] = true;
    std::vector<int64_t> kept;
    for (int64_t c = 0; c < t.size(axis); ++c)
        if (!drop[static_cast<size_t>(c)])
            kept.push_back(c);
    return t.index_select(axis, at::tensor(kept, at::kLong)).contiguous();
}

// The features [offset + h·d, offset + (h+1)·d) of each head.
std::vector<int64_t> featuresOf(const std::vector<int64_t>& heads, int64_t offset, int64_t d) {
    std::vector<int64_t> out;
    for (int64_t h : heads)
        for (int64_t j = 0; j < d; ++j)
            out.push_back(offset + h * d + j);
    return out;
}

// Why a block found by the analysis cannot lose heads here, or empty.
std::string whyKeptWhole(const Graph& g, const HeadBlock& block, const std::set<size_t>& selected) {
    if (!block.blocked.empty())
        return block.blocked;
    if (block.outProjections.empty())
        return "its heads are never merged into an output projection";
    for (const HeadProjection& p : block.projections)
        if (!selected.count(p.matmul))
            return "layer '" + g.nodes[p.matmul].name + "' is not selected (layers include/exclude/keep)";
    for (size_t n : block.outProjections)
        if (!selected.count(n))
            return "layer '" + g.nodes[n].name + "' is not selected (layers include/exclude/keep)";
    for (const HeadProjection& p : block.projections)
        if (p.split >= 0)
            for (const auto& out : g.nodes[p.split].outputs)
                if (std::none_of(block.projections.begin(), block.projections.end(),
                                 [&](const HeadProjection& q) { return q.part == out; }))
                    return "part '" + out + "' of " + g.nodes[p.split].label() + " does not split into heads";
    return {};
}

// Rewrites the graph so that `block` loses `removed` units; records per-layer actions and stale values.
void removeUnits(Model& model, const HeadBlock& block, const std::map<std::string, Shape>& shapes,
                 const std::vector<int64_t>& removed, StructuredEdit& edit) {
    Graph& g = model.graph;
    const int64_t units = block.units, d = block.headDim, kept = units - static_cast<int64_t>(removed.size());
    auto keptHeads = [&](int64_t heads) { return heads / units * kept; };
    auto arrow = [](int64_t from, int64_t to) { return std::to_string(from) + "→" + std::to_string(to); };

    // A fused projection's parts share one weight: every part's columns go at once, at their original offsets.
    std::map<std::string, std::vector<int64_t>> droppedColumns; // weight or bias -> columns
    std::map<std::string, int64_t> splitPartSizes;              // Split output -> its new width
    for (const HeadProjection& p : block.projections) {
        const std::vector<int64_t> features = featuresOf(headsOfUnits(removed, units, p.heads), p.offset, d);
        for (const std::string& name : {p.weight, p.bias})
            if (!name.empty())
                droppedColumns[name].insert(droppedColumns[name].end(), features.begin(), features.end());
        if (p.split >= 0)
            splitPartSizes[p.part] = shapes.at(p.part).back() - static_cast<int64_t>(features.size());
        edit.stale.insert(p.chain.begin(), p.chain.end());
    }
    for (const auto& [name, columns] : droppedColumns) {
        const at::Tensor t = g.initializers.at(name).tensor();
        g.initializers[name] = TensorData(without(t, t.dim() - 1, columns));
    }
    for (const HeadProjection& p : block.projections) {
        const int64_t after = g.initializers.at(p.weight).shape()[1];
        const int64_t before = after + static_cast<int64_t>(droppedColumns.at(p.weight).size());
        std::vector<std::string> parts; // one per part of a fused projection, said once when alike
        for (const HeadProjection& q : block.projections)
            if (q.matmul == p.matmul)
                parts.push_back(arrow(q.heads, keptHeads(q.heads)));
        const bool alike = std::all_of(parts.begin(), parts.end(), [&](const auto& x) { return x == parts[0]; });
        std::string heads = "heads " + parts[0];
        for (size_t i = 1; !alike && i < parts.size(); ++i)
            heads += ", " + parts[i];
        if (alike && parts.size() > 1)
            heads += " in each of " + std::to_string(parts.size()) + " parts";
        edit.actions[p.matmul] = heads + " (out " + arrow(before, after) + ")";
    }
    // Fused projections: the Split's part sizes follow.
    std::set<int> splitNodes;
    for (const HeadProjection& p : block.projections)
        if (p.split >= 0)
            splitNodes.insert(p.split);
    for (int s : splitNodes) {
        Node& node = g.nodes[static_cast<size_t>(s)];
        std::vector<int64_t> sizes;
        for (const auto& out : node.outputs)
            sizes.push_back(splitPartSizes.at(out));
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
        const Shape& out = shapes.at(node.outputs[0]);
        const std::string name = g.uniqueName(node.name + ".pruned_shape");
        g.initializers[name] = shapeConstant(static_cast<int64_t>(out.size()) - 2, {keptHeads(out[out.size() - 2]), d});
        node.inputs[1] = name;
    }
    for (size_t m : block.merges) {
        Node& node = g.nodes[m];
        const Shape& in = shapes.at(node.inputs[0]);
        const std::string name = g.uniqueName(node.name + ".pruned_shape");
        g.initializers[name] = shapeConstant(static_cast<int64_t>(in.size()) - 2, {keptHeads(in[in.size() - 2]) * d});
        node.inputs[1] = name;
    }
    for (const auto& [n, axis] : block.headReshapes) {
        Node& node = g.nodes[n];
        at::Tensor target = g.initializers.at(node.inputs[1]).tensor().to(at::kLong).clone();
        if (target[axis].item<int64_t>() > 0) // 0 copies the input's (already smaller) count, -1 infers it
            target[axis] = keptHeads(shapes.at(node.outputs[0])[static_cast<size_t>(axis)]);
        const std::string name = g.uniqueName(node.name + ".pruned_shape");
        g.initializers[name] = TensorData(target);
        node.inputs[1] = name;
    }
    for (size_t n : block.outProjections) {
        const std::string& weight = g.nodes[n].inputs[1];
        const at::Tensor w = g.initializers.at(weight).tensor();
        const int64_t heads = w.size(0) / d;
        g.initializers[weight] = TensorData(without(w, 0, featuresOf(headsOfUnits(removed, units, heads), 0, d)));
        edit.actions[n] = "heads in " + arrow(heads * d, keptHeads(heads) * d);
    }
    edit.stale.insert(block.values.begin(), block.values.end());
}

} // namespace

Result<PassReport> pruneHeads(Model& model, const PruneParams& params, const PassContext& context) {
    Graph& g = model.graph;
    auto order = g.topologicalOrder();
    if (!order)
        return order.error();
    auto selected = selectedLayerNodes(model, params.layers);
    if (!selected)
        return selected.error();
    context.report(0.0, "learning the shapes (one run)");
    auto found = findHeadBlocks(model, order.value(), context);
    if (!found)
        return found.error();

    PassReport report;
    StructuredEdit edit(g);
    int pruned = 0;
    for (size_t bi = 0; bi < found->blocks.size(); ++bi) {
        context.checkStop();
        context.report(0.1 + 0.9 * static_cast<double>(bi) / static_cast<double>(found->blocks.size()),
                       "pruning attention block " + std::to_string(bi + 1));
        const HeadBlock& block = found->blocks[bi];
        const std::string names = nodeNames(g, block.splits);
        if (const std::string why = whyKeptWhole(g, block, selected.value()); !why.empty()) {
            report.notes.push_back("kept whole: attention heads of " + names + ": " + why);
            continue;
        }
        const int64_t units = block.units;
        const int64_t remove = static_cast<int64_t>(std::floor(static_cast<double>(units) * params.sparsity));
        int64_t mostHeads = 0;
        for (const HeadProjection& p : block.projections)
            mostHeads = std::max(mostHeads, p.heads);
        const bool grouped = mostHeads > units;
        const std::string unitName = grouped ? "key/value heads" : "heads";
        if (remove == 0) {
            report.notes.push_back("kept whole: attention heads of " + names + ": prune.sparsity " +
                                   std::to_string(params.sparsity) + " of " + std::to_string(units) + " " + unitName +
                                   " removes none");
            continue;
        }
        if (remove >= units)
            return Error{"prune.sparsity " + std::to_string(params.sparsity) + " would remove every head of " + names};
        const at::Tensor order = std::get<1>(at::sort(unitImportance(g, block, params.criterion)));
        std::vector<int64_t> removed; // least important first
        for (int64_t i = 0; i < remove; ++i)
            removed.push_back(order[i].item<int64_t>());
        std::sort(removed.begin(), removed.end());
        removeUnits(model, block, found->shapes, removed, edit);
        std::string note = "pruned " + std::to_string(remove) + " of " + std::to_string(units) + " " + unitName + " (" +
                           joined(removed) + ")";
        if (grouped)
            note += " and their " + std::to_string(remove * (mostHeads / units)) + " of " + std::to_string(mostHeads) +
                    " query heads (" + joined(headsOfUnits(removed, units, mostHeads)) + ")";
        report.notes.push_back(note + " of " + names);
        ++pruned;
    }
    edit.finish(g, "", report);
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
