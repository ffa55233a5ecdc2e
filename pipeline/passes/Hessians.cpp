#include "pipeline/passes/Hessians_p.h"

#include <algorithm>
#include <cmath>

namespace autoglm::hessian {
namespace {

struct ConvGeometry {
    std::vector<int64_t> kernel, strides{1, 1}, pads{0, 0, 0, 0}, dilations{1, 1};
};

ConvGeometry convGeometry(const Node& node) {
    ConvGeometry g;
    if (const Attribute* a = node.attribute("kernel_shape"))
        g.kernel = a->ints;
    if (const Attribute* a = node.attribute("strides"))
        g.strides = a->ints;
    if (const Attribute* a = node.attribute("pads"))
        g.pads = a->ints;
    if (const Attribute* a = node.attribute("dilations"))
        g.dilations = a->ints;
    return g;
}

std::string joined(const std::vector<int64_t>& v) {
    std::string s;
    for (int64_t x : v)
        s += std::to_string(x) + ",";
    return s;
}

// Layers reading one activation the same way share a Hessian: MatMul/Gemm by the activation alone, Conv by
// the activation and its patch geometry.
std::string keyOf(const WeightLayer& layer, const Node& node) {
    if (node.opType != "Conv")
        return layer.activation;
    const ConvGeometry g = convGeometry(node);
    const std::vector<int64_t> kernel(layer.shape.begin() + 2, layer.shape.end());
    return layer.activation + "|k" + joined(kernel) + "s" + joined(g.strides) + "p" + joined(g.pads) + "d" +
           joined(g.dilations);
}

int64_t inputFeatures(const WeightLayer& layer) {
    if (layer.opType != "Conv")
        return layer.shape[layer.inputAxis];
    int64_t n = 1;
    for (size_t i = 1; i < layer.shape.size(); ++i)
        n *= layer.shape[i];
    return n;
}

} // namespace

void HessianSum::add(const at::Tensor& inputRows) {
    const at::Tensor x = inputRows.to(at::kDouble);
    sum = sum.defined() ? sum.addmm_(x.t(), x) : x.t().mm(x);
    rows += x.size(0);
}

std::string patchProblem(const Node& node, const WeightLayer& layer) {
    if (node.opType != "Conv")
        return {};
    if (const Attribute* a = node.attribute("group"); a && a->i != 1)
        return "grouped convolution (group " + std::to_string(a->i) + ")";
    if (const Attribute* a = node.attribute("auto_pad"); a && a->s != "NOTSET")
        return "auto_pad " + a->s;
    const ConvGeometry g = convGeometry(node);
    if (layer.shape.size() != 4 || g.strides.size() != 2 || g.pads.size() != 4 ||
        g.dilations.size() != 2)
        return "only 2-D convolutions";
    return {};
}

at::Tensor inputRows(const at::Tensor& activation, const Node& node, const std::vector<int64_t>& kernel) {
    if (node.opType != "Conv")
        return activation.reshape({-1, activation.size(-1)});
    const ConvGeometry g = convGeometry(node);
    // ONNX pads are [top, left, bottom, right]; constant_pad_nd takes the last axis first.
    const at::Tensor padded = at::constant_pad_nd(activation, {g.pads[1], g.pads[3], g.pads[0], g.pads[2]});
    const at::Tensor patches = at::im2col(padded, kernel, g.dilations, {0, 0}, g.strides); // [N, C·kh·kw, L]
    return patches.transpose(1, 2).reshape({-1, patches.size(1)});
}

HessianCollector::HessianCollector(const Graph& graph, const std::vector<WeightLayer>& layers,
                                   const std::vector<bool>& wanted, int64_t budgetBytes) {
    m_sweeps.emplace_back();
    int64_t budget = 0;
    std::map<std::string, int64_t> activationBytes;
    std::vector<std::string> activations;
    for (size_t i = 0; i < layers.size(); ++i) {
        const WeightLayer& layer = layers[i];
        const Node& node = graph.nodes[layer.node];
        if (std::find(activations.begin(), activations.end(), layer.activation) == activations.end())
            activations.push_back(layer.activation);
        if (!wanted[i] || !patchProblem(node, layer).empty())
            continue;
        const std::string key = keyOf(layer, node);
        m_keyOfLayer[layer.name] = key;
        auto& readers = m_readers[layer.activation];
        if (std::none_of(readers.begin(), readers.end(), [&](const Reader& r) { return r.key == key; })) {
            readers.push_back({key, &node, std::vector<int64_t>(layer.shape.begin() + 2, layer.shape.end())});
            const int64_t in = inputFeatures(layer);
            activationBytes[layer.activation] += in * in * 8;
        }
    }
    for (const auto& activation : activations) {
        const int64_t bytes = activationBytes[activation];
        if (budget + bytes > budgetBytes && !m_sweeps.back().empty()) {
            m_sweeps.emplace_back();
            budget = 0;
        }
        m_sweeps.back().push_back(activation);
        budget += bytes;
    }
}

void HessianCollector::add(const std::string& activation, const at::Tensor& value) {
    auto it = m_readers.find(activation);
    if (it == m_readers.end())
        return;
    for (const Reader& r : it->second)
        m_sums[r.key].add(inputRows(value, *r.node, r.kernel));
}

const HessianSum* HessianCollector::find(const WeightLayer& layer) const {
    auto key = m_keyOfLayer.find(layer.name);
    if (key == m_keyOfLayer.end())
        return nullptr;
    auto sum = m_sums.find(key->second);
    return sum == m_sums.end() ? nullptr : &sum->second;
}

at::Tensor normalizedHessian(const HessianSum& h, at::Tensor& rows) {
    at::Tensor H = h.sum.to(at::kDouble) * (2.0 / static_cast<double>(std::max<int64_t>(h.rows, 1)));
    const at::Tensor dead = H.diagonal() == 0;
    H.diagonal().masked_fill_(dead, 1.0);
    rows.index_put_({at::indexing::Slice(), dead}, 0.0);
    return H;
}

at::Tensor upperInverseFactor(at::Tensor H, double damp) {
    H = H.clone();
    H.diagonal().add_(damp * H.diagonal().mean().item<double>());
    return at::linalg_cholesky(at::cholesky_inverse(at::linalg_cholesky(H)), /*upper=*/true);
}

double outputError(const at::Tensor& rows, const at::Tensor& changed, const at::Tensor& hessian) {
    const at::Tensor W = rows.to(at::kDouble);
    const at::Tensor D = changed.to(at::kDouble) - W;
    const at::Tensor H = hessian.to(at::kDouble);
    const double reference = (W.mm(H) * W).sum().item<double>();
    if (reference <= 0)
        return 0;
    return std::sqrt(std::max(0.0, (D.mm(H) * D).sum().item<double>()) / reference);
}

} // namespace autoglm::hessian
