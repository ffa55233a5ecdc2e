#include "pipeline/passes/quantize/QuantRewrite_p.h"

#include <algorithm>

namespace autoglm::quant {
namespace {

Node makeNode(Graph& graph, const std::string& op, const std::string& base, std::vector<std::string> inputs,
              std::vector<std::string> outputs) {
    Node n;
    n.opType = op;
    n.name = graph.uniqueName(base);
    n.inputs = std::move(inputs);
    n.outputs = std::move(outputs);
    return n;
}

void replaceInput(Node& node, const std::string& from, const std::string& to) {
    for (auto& in : node.inputs)
        if (in == from)
            in = to;
}

// Whether only `readers` depend on the value's contents; Shape and Size read just its dimensions, which
// rescaling leaves alone.
bool onlyReadBy(const Graph& graph, const std::string& value, const std::vector<size_t>& readers) {
    for (size_t n = 0; n < graph.nodes.size(); ++n) {
        const Node& node = graph.nodes[n];
        if (node.domain.empty() && (node.opType == "Shape" || node.opType == "Size"))
            continue;
        const auto& ins = node.inputs;
        if (std::find(ins.begin(), ins.end(), value) != ins.end() &&
            std::find(readers.begin(), readers.end(), n) == readers.end())
            return false;
    }
    return std::none_of(graph.outputs.begin(), graph.outputs.end(),
                        [&](const ValueInfo& v) { return v.name == value; });
}

// A constant input of `node` at `index` that the caller may change: when other nodes read it too, the node
// gets its own copy first. nullptr when the input is not a constant.
TensorData* ownConstant(Graph& graph, size_t node, size_t index) {
    Node& n = graph.nodes[node];
    if (index >= n.inputs.size() || n.inputs[index].empty())
        return nullptr;
    auto it = graph.initializers.find(n.inputs[index]);
    if (it == graph.initializers.end())
        return nullptr;
    if (onlyReadBy(graph, n.inputs[index], {node}))
        return &it->second;
    const std::string copy = graph.uniqueName(n.inputs[index] + "_" + n.name);
    TensorData value = it->second;
    n.inputs[index] = copy;
    return &(graph.initializers[copy] = std::move(value));
}

} // namespace

std::string addInitializer(Graph& graph, const std::string& base, const at::Tensor& value) {
    const std::string name = graph.uniqueName(base);
    graph.initializers[name] = TensorData(value.contiguous());
    return name;
}

void emitInt8Weight(Model& model, const WeightLayer& layer, const QuantizedRows& q) {
    Graph& g = model.graph;
    const at::Tensor ints = fromRows(q.q, layer).to(at::kChar);
    g.initializers.erase(layer.weight);
    const std::string qName = addInitializer(g, layer.weight + "_quantized", ints);
    Node dq = makeNode(g, "DequantizeLinear", layer.weight + "_DequantizeLinear", {qName}, {layer.weight});
    if (q.perTensor) {
        dq.inputs.push_back(addInitializer(g, layer.weight + "_scale", q.scale.reshape({})));
    } else {
        dq.inputs.push_back(addInitializer(g, layer.weight + "_scale", q.scale.reshape({-1})));
        dq.attributes["axis"] = Attribute::makeInt(layer.outputAxis);
    }
    g.nodes.push_back(std::move(dq));
}

void emitInt4Weight(Model& model, const WeightLayer& layer, const QuantizedRows& q) {
    Graph& g = model.graph;
    const DType type = q.symmetric ? DType::Int4 : DType::UInt4;
    const at::ScalarType storage = q.symmetric ? at::kChar : at::kByte;
    // A blocked DequantizeLinear blocks one axis only, while a conv kernel's groups run over its flattened
    // input (channels x kernel positions): conv weights are stored as their rows [out, in], dequantized along
    // axis 1, and reshaped back to the kernel for the Conv.
    const bool conv = layer.opType == "Conv";
    const int64_t axis = conv ? 1 : layer.inputAxis;
    // Parameters are laid out like the stored weight with its input axis cut into blocks.
    auto blockedLayout = [&](const at::Tensor& perRowGroup) {
        return (axis == 0 ? perRowGroup.t() : perRowGroup).contiguous();
    };
    g.initializers.erase(layer.weight);
    const std::string qName = g.uniqueName(layer.weight + "_quantized");
    g.initializers[qName] = TensorData((conv ? q.q.contiguous() : fromRows(q.q, layer)).to(storage), type);
    const std::string dequantized = conv ? g.uniqueName(layer.weight + "_rows") : layer.weight;
    Node dq = makeNode(g, "DequantizeLinear", layer.weight + "_DequantizeLinear", {qName}, {dequantized});
    dq.inputs.push_back(addInitializer(g, layer.weight + "_scale", blockedLayout(q.scale)));
    if (!q.symmetric) {
        const std::string zName = g.uniqueName(layer.weight + "_zero_point");
        g.initializers[zName] = TensorData(blockedLayout(q.zeroPoint).to(storage), type);
        dq.inputs.push_back(zName);
    }
    dq.attributes["axis"] = Attribute::makeInt(axis);
    dq.attributes["block_size"] = Attribute::makeInt(q.groupSize);
    g.nodes.push_back(std::move(dq));
    if (conv) {
        const std::string shape =
            addInitializer(g, layer.weight + "_shape", at::tensor(layer.shape, at::TensorOptions().dtype(at::kLong)));
        g.nodes.push_back(makeNode(g, "Reshape", layer.weight + "_Reshape", {dequantized, shape}, {layer.weight}));
    }
}

namespace {

// Two 4-bit values per byte along the last axis, the first in the low nibble; odd lengths padded with zero.
at::Tensor packNibbles(const at::Tensor& values) {
    at::Tensor v = values.to(at::kByte);
    if (v.size(-1) % 2)
        v = at::constant_pad_nd(v, {0, 1}, 0);
    const at::Tensor low = v.slice(-1, 0, v.size(-1), 2);
    const at::Tensor high = v.slice(-1, 1, v.size(-1), 2);
    return (low.bitwise_or(high.__lshift__(4))).contiguous();
}

} // namespace

std::string emitMatMulNBits(Model& model, const WeightLayer& layer, const QuantizedRows& q) {
    Graph& g = model.graph;
    Node& node = g.nodes[layer.node];
    if (node.opType != "MatMul")
        return "MatMulNBits replaces MatMul only";
    const int64_t n = q.q.size(0);
    const int64_t k = q.q.size(1);
    const int64_t blocks = q.groups();
    // Unsigned 4-bit values: symmetric ones shifted by 8, the zero point MatMulNBits assumes when none is given.
    at::Tensor values = q.symmetric ? q.q + 8 : q.q;
    values = at::constant_pad_nd(values, {0, blocks * q.groupSize - k}, q.symmetric ? 8 : 0);
    const at::Tensor packed = packNibbles(values.reshape({n, blocks, q.groupSize}));
    g.initializers.erase(layer.weight);
    std::vector<std::string> inputs{node.inputs[0], addInitializer(g, layer.weight + "_nbits", packed),
                                    addInitializer(g, layer.weight + "_scale", q.scale.reshape({-1}))};
    if (!q.symmetric)
        inputs.push_back(addInitializer(g, layer.weight + "_zero_point", packNibbles(q.zeroPoint).reshape({-1})));
    Node nbits = makeNode(g, "MatMulNBits", layer.name + "_MatMulNBits", inputs, node.outputs);
    nbits.domain = "com.microsoft";
    nbits.attributes["K"] = Attribute::makeInt(k);
    nbits.attributes["N"] = Attribute::makeInt(n);
    nbits.attributes["bits"] = Attribute::makeInt(4);
    nbits.attributes["block_size"] = Attribute::makeInt(q.groupSize);
    g.nodes[layer.node] = std::move(nbits);
    if (model.opsetVersion("com.microsoft") == 0)
        model.opsets.push_back({"com.microsoft", 1});
    return {};
}

std::string emitDynamicLayer(Model& model, const WeightLayer& layer, const QuantizedRows& q) {
    Graph& g = model.graph;
    Node& node = g.nodes[layer.node];
    std::string bias;
    if (node.opType == "Gemm") {
        for (const char* key : {"alpha", "beta"})
            if (node.attribute(key) && node.attribute(key)->f != 1.0f)
                return std::string("Gemm with ") + key + " != 1 is kept in float";
        if (node.inputs.size() > 2)
            bias = node.inputs[2];
    } else if (node.opType != "MatMul") {
        return node.opType + " has no integer form in dynamic quantization; kept in float";
    }
    const std::string input = node.inputs[0];
    const std::string output = node.outputs[0];
    const std::string base = layer.name;
    // MatMulInteger has no transpose: the weight is stored [K, N].
    const at::Tensor kn = q.q.t().to(at::kChar);
    g.initializers.erase(layer.weight);
    const std::string wName = addInitializer(g, layer.weight + "_quantized", kn);
    const std::string wScale = addInitializer(g, layer.weight + "_scale", q.scale.reshape({-1}));

    const std::string aq = g.uniqueName(input + "_quantized");
    const std::string as = g.uniqueName(input + "_scale");
    const std::string az = g.uniqueName(input + "_zero_point");
    std::vector<Node> added;
    added.push_back(makeNode(g, "DynamicQuantizeLinear", base + "_DynamicQuantizeLinear", {input}, {aq, as, az}));
    const std::string acc = g.uniqueName(output + "_int32");
    added.push_back(makeNode(g, "MatMulInteger", base + "_MatMulInteger", {aq, wName, az}, {acc}));
    const std::string accFloat = g.uniqueName(output + "_int32_float");
    Node cast = makeNode(g, "Cast", base + "_Cast", {acc}, {accFloat});
    cast.attributes["to"] = Attribute::makeInt(static_cast<int64_t>(DType::Float));
    added.push_back(std::move(cast));
    const std::string scale = g.uniqueName(output + "_combined_scale");
    added.push_back(makeNode(g, "Mul", base + "_scale_Mul", {as, wScale}, {scale}));
    const std::string product = bias.empty() ? output : g.uniqueName(output + "_unbiased");
    added.push_back(makeNode(g, "Mul", base + "_output_Mul", {accFloat, scale}, {product}));
    if (!bias.empty())
        added.push_back(makeNode(g, "Add", base + "_bias_Add", {product, bias}, {output}));
    // The first new node takes the layer's place so that other layers' node indices stay valid.
    g.nodes[layer.node] = std::move(added.front());
    for (size_t i = 1; i < added.size(); ++i)
        g.nodes.push_back(std::move(added[i]));
    return {};
}

void emitActivationQdq(Model& model, const std::string& activation, const std::vector<size_t>& consumers,
                       const Uint8Params& params) {
    Graph& g = model.graph;
    const std::string scale = addInitializer(g, activation + "_scale", at::full({}, params.scale, at::kFloat));
    const std::string zero =
        addInitializer(g, activation + "_zero_point", at::full({}, static_cast<int64_t>(params.zeroPoint), at::kByte));
    const std::string quantized = g.uniqueName(activation + "_quantized");
    const std::string dequantized = g.uniqueName(activation + "_dequantized");
    Node q = makeNode(g, "QuantizeLinear", activation + "_QuantizeLinear", {activation, scale, zero}, {quantized});
    Node dq =
        makeNode(g, "DequantizeLinear", activation + "_DequantizeLinear", {quantized, scale, zero}, {dequantized});
    for (size_t c : consumers)
        replaceInput(g.nodes[c], activation, dequantized);
    g.nodes.push_back(std::move(q));
    g.nodes.push_back(std::move(dq));
}

std::string scaleActivation(Model& model, const std::string& activation, const std::vector<size_t>& consumers,
                            const at::Tensor& factor) {
    Graph& g = model.graph;
    const int producer = g.producerOf(activation);
    if (producer >= 0 && onlyReadBy(g, activation, consumers)) {
        Node& p = g.nodes[producer];
        const int64_t channels = factor.numel();
        auto constantAt = [&](size_t index) -> const TensorData* {
            if (index >= p.inputs.size())
                return nullptr;
            auto it = g.initializers.find(p.inputs[index]);
            return it == g.initializers.end() ? nullptr : &it->second;
        };
        auto scalable = [&](const TensorData* t) {
            return t && t->dtype() == DType::Float && !t->shape().empty() && t->shape().back() == channels &&
                   t->numel() == channels;
        };
        if (p.domain.empty() && p.opType == "LayerNormalization") {
            const bool hasBias = p.inputs.size() > 2 && !p.inputs[2].empty();
            if (scalable(constantAt(1)) && (!hasBias || scalable(constantAt(2)))) {
                if (hasBias && p.inputs[1] == p.inputs[2]) {
                    // One tensor serving as both scale and bias must be scaled once each: split it.
                    const std::string copy = g.uniqueName(p.inputs[2] + "_bias");
                    g.initializers[copy] = *constantAt(2);
                    p.inputs[2] = copy;
                }
                TensorData* scale = ownConstant(g, producer, 1);
                *scale = TensorData(scale->tensor() * factor);
                if (hasBias) {
                    TensorData* bias = ownConstant(g, producer, 2);
                    *bias = TensorData(bias->tensor() * factor);
                }
                return "folded into " + p.label();
            }
        }
        if (p.domain.empty() && p.opType == "Mul")
            for (size_t i = 0; i < 2; ++i)
                if (scalable(constantAt(i))) {
                    TensorData* c = ownConstant(g, producer, i);
                    *c = TensorData(c->tensor() * factor);
                    return "folded into " + p.label();
                }
    }
    const std::string factorName = addInitializer(g, activation + "_smooth_factor", factor.to(at::kFloat));
    const std::string scaled = g.uniqueName(activation + "_smoothed");
    Node mul = makeNode(g, "Mul", activation + "_smooth_Mul", {activation, factorName}, {scaled});
    const std::string label = mul.label();
    for (size_t c : consumers)
        replaceInput(g.nodes[c], activation, scaled);
    g.nodes.push_back(std::move(mul));
    return label;
}

} // namespace autoglm::quant
