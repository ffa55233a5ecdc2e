#include "pipeline/ir/Graph.h"

#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace autoglm {

std::string Dim::toString() const {
    if (isFixed())
        return std::to_string(value);
    return symbol.empty() ? "?" : symbol;
}

std::string ValueInfo::shapeString() const {
    if (!shape)
        return "[?]";
    std::string out = "[";
    for (size_t i = 0; i < shape->size(); ++i)
        out += (i ? "," : "") + (*shape)[i].toString();
    return out + "]";
}

Attribute Attribute::makeInt(int64_t v) {
    Attribute a;
    a.kind = Kind::Int;
    a.i = v;
    return a;
}
Attribute Attribute::makeFloat(float v) {
    Attribute a;
    a.kind = Kind::Float;
    a.f = v;
    return a;
}
Attribute Attribute::makeString(std::string v) {
    Attribute a;
    a.kind = Kind::String;
    a.s = std::move(v);
    return a;
}
Attribute Attribute::makeInts(std::vector<int64_t> v) {
    Attribute a;
    a.kind = Kind::Ints;
    a.ints = std::move(v);
    return a;
}
Attribute Attribute::makeFloats(std::vector<float> v) {
    Attribute a;
    a.kind = Kind::Floats;
    a.floats = std::move(v);
    return a;
}
Attribute Attribute::makeTensor(TensorData v) {
    Attribute a;
    a.kind = Kind::Tensor;
    a.t = std::move(v);
    return a;
}

bool Attribute::sameAs(const Attribute& o) const {
    if (kind != o.kind || f != o.f || i != o.i || s != o.s || floats != o.floats || ints != o.ints ||
        strings != o.strings || !t.bitEqual(o.t) || tensors.size() != o.tensors.size() ||
        graphs.size() != o.graphs.size())
        return false;
    for (size_t k = 0; k < tensors.size(); ++k)
        if (!tensors[k].bitEqual(o.tensors[k]))
            return false;
    return true;
}

std::string attributeKindName(Attribute::Kind kind) {
    switch (kind) {
    case Attribute::Kind::Float:
        return "float";
    case Attribute::Kind::Int:
        return "int";
    case Attribute::Kind::String:
        return "string";
    case Attribute::Kind::Tensor:
        return "tensor";
    case Attribute::Kind::Graph:
        return "graph";
    case Attribute::Kind::Floats:
        return "floats";
    case Attribute::Kind::Ints:
        return "ints";
    case Attribute::Kind::Strings:
        return "strings";
    case Attribute::Kind::Tensors:
        return "tensors";
    case Attribute::Kind::Graphs:
        return "graphs";
    }
    return "?";
}

const Attribute* Node::attribute(const std::string& key) const {
    auto it = attributes.find(key);
    return it == attributes.end() ? nullptr : &it->second;
}

std::string Node::label() const {
    std::string shown = name.empty() ? (outputs.empty() ? std::string("?") : "-> " + outputs.front()) : name;
    return "node '" + shown + "' (" + (domain.empty() ? "" : domain + "::") + opType + ")";
}

std::vector<ValueInfo> Graph::feedInputs() const {
    std::vector<ValueInfo> out;
    for (const auto& in : inputs)
        if (!initializers.count(in.name))
            out.push_back(in);
    return out;
}

const ValueInfo* Graph::findValueInfo(const std::string& valueName) const {
    for (const auto* list : {&inputs, &outputs, &valueInfos})
        for (const auto& info : *list)
            if (info.name == valueName)
                return &info;
    return nullptr;
}

int Graph::producerOf(const std::string& valueName) const {
    for (size_t n = 0; n < nodes.size(); ++n)
        for (const auto& out : nodes[n].outputs)
            if (out == valueName)
                return static_cast<int>(n);
    return -1;
}

Result<std::vector<size_t>> Graph::topologicalOrder() const {
    std::unordered_map<std::string, size_t> producer;
    for (size_t n = 0; n < nodes.size(); ++n)
        for (const auto& out : nodes[n].outputs)
            if (!out.empty())
                producer.emplace(out, n);

    // Kahn's algorithm, keeping the file's order among ready nodes so the result is stable.
    std::vector<size_t> pending(nodes.size(), 0);
    std::vector<std::vector<size_t>> consumers(nodes.size());
    for (size_t n = 0; n < nodes.size(); ++n) {
        std::unordered_set<size_t> seen;
        for (const auto& in : nodes[n].inputs) {
            auto it = producer.find(in);
            if (in.empty() || it == producer.end() || !seen.insert(it->second).second)
                continue;
            ++pending[n];
            consumers[it->second].push_back(n);
        }
    }
    std::set<size_t> ready;
    for (size_t n = 0; n < nodes.size(); ++n)
        if (pending[n] == 0)
            ready.insert(n);
    std::vector<size_t> order;
    order.reserve(nodes.size());
    while (!ready.empty()) {
        size_t n = *ready.begin();
        ready.erase(ready.begin());
        order.push_back(n);
        for (size_t c : consumers[n])
            if (--pending[c] == 0)
                ready.insert(c);
    }
    if (order.size() != nodes.size()) {
        for (size_t n = 0; n < nodes.size(); ++n)
            if (pending[n] > 0)
                return Error{"graph '" + name + "' has a cycle through " + nodes[n].label() +
                             ": its inputs depend on its own outputs"};
    }
    return order;
}

Status Graph::validate() const {
    std::unordered_set<std::string> available;
    for (const auto& in : inputs)
        available.insert(in.name);
    for (const auto& [initName, tensor] : initializers) {
        available.insert(initName);
        if (const ValueInfo* declared = findValueInfo(initName)) {
            if (declared->dtype != DType::Undefined && declared->dtype != tensor.dtype())
                return Error{"initializer '" + initName + "' holds " + dtypeName(tensor.dtype()) +
                             " but the graph declares it as " + dtypeName(declared->dtype)};
        }
    }

    std::unordered_map<std::string, size_t> producedBy;
    for (size_t n = 0; n < nodes.size(); ++n) {
        const auto& outs = nodes[n].outputs;
        if (std::all_of(outs.begin(), outs.end(), [](const std::string& o) { return o.empty(); }))
            return Error{nodes[n].label() + " has no outputs: every node must write at least one value"};
        for (const auto& out : nodes[n].outputs) {
            if (out.empty())
                continue;
            auto [it, inserted] = producedBy.emplace(out, n);
            if (!inserted)
                return Error{nodes[n].label() + " writes output '" + out + "', which " + nodes[it->second].label() +
                             " already produces; every value must have one producer"};
            if (initializers.count(out) ||
                std::any_of(inputs.begin(), inputs.end(), [&](const ValueInfo& v) { return v.name == out; }))
                return Error{nodes[n].label() + " writes output '" + out +
                             "', which is already a graph input or initializer"};
        }
    }
    for (const auto& node : nodes)
        for (const auto& in : node.inputs)
            if (!in.empty() && !available.count(in) && !producedBy.count(in))
                return Error{node.label() + " reads '" + in +
                             "', which no node produces and which is neither a graph input nor an initializer"};
    for (const auto& out : outputs)
        if (!available.count(out.name) && !producedBy.count(out.name))
            return Error{"graph output '" + out.name + "' is not produced by any node"};

    auto order = topologicalOrder();
    if (!order)
        return order.error();
    return Ok{};
}

int64_t Model::opsetVersion(const std::string& domainName) const {
    const bool isDefault = domainName.empty() || domainName == "ai.onnx";
    for (const auto& op : opsets)
        if (op.domain == domainName || (isDefault && (op.domain.empty() || op.domain == "ai.onnx")))
            return op.version;
    return 0;
}

Status Graph::sortTopologically() {
    auto order = topologicalOrder();
    if (!order)
        return order.error();
    std::vector<Node> sorted;
    sorted.reserve(nodes.size());
    for (size_t n : order.value())
        sorted.push_back(std::move(nodes[n]));
    nodes = std::move(sorted);
    return Ok{};
}

std::string Graph::uniqueName(const std::string& base) const {
    auto used = [&](const std::string& name) {
        if (initializers.count(name))
            return true;
        for (const auto& v : inputs)
            if (v.name == name)
                return true;
        for (const auto& n : nodes)
            for (const auto& o : n.outputs)
                if (o == name)
                    return true;
        return false;
    };
    if (!used(base))
        return base;
    for (int i = 1;; ++i)
        if (!used(base + "_" + std::to_string(i)))
            return base + "_" + std::to_string(i);
}

} // namespace autoglm
