#include "pipeline/passes/quantize/QuantizePass.h"

#include "pipeline/onnx/OpsetUpgrade.h"
#include "pipeline/passes/ActivationTap.h"
#include "pipeline/passes/PassBoundary_p.h"
#include "pipeline/passes/quantize/ActivationScaling_p.h"
#include "pipeline/passes/quantize/Gptq_p.h"
#include "pipeline/passes/quantize/QuantRewrite_p.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace autoglm {
namespace {

using quant::QuantizedRows;

constexpr int64_t kHistogramBins = 2048;
// Hessians (float64, in × in) gathered in one calibration sweep at most; more layers take more sweeps.
constexpr int64_t kHessianBudgetBytes = int64_t(1) << 30;

// The selected layers that share one activation: they are scaled, calibrated and quantized together.
struct ActivationGroup {
    std::string activation;
    std::vector<size_t> layers; // indices into the layer list
};

std::vector<ActivationGroup> groupByActivation(const std::vector<WeightLayer>& layers) {
    std::vector<ActivationGroup> groups;
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < layers.size(); ++i) {
        auto [it, inserted] = index.emplace(layers[i].activation, groups.size());
        if (inserted)
            groups.push_back({layers[i].activation, {}});
        groups[it->second].layers.push_back(i);
    }
    return groups;
}

std::vector<size_t> nodesOf(const ActivationGroup& group, const std::vector<WeightLayer>& layers) {
    std::vector<size_t> nodes;
    for (size_t i : group.layers)
        nodes.push_back(layers[i].node);
    return nodes;
}

LayerReport skippedLayer(const WeightLayer& layer, const Graph& graph, std::string reason) {
    LayerReport r{layer.name, layer.opType, layer.weight, "skipped", std::move(reason), true};
    r.bytesBefore = r.bytesAfter = graph.initializers.at(layer.weight).byteSize();
    return r;
}

// Why a selected layer cannot take this scheme, or empty.
std::string schemeProblem(const WeightLayer& layer, const QuantizeParams& p) {
    if (layer.opType != "Conv")
        return {};
    if (p.dynamicActivations())
        return "dynamic-int8 applies to MatMul and Gemm (as ONNX Runtime's dynamic quantization does); Conv "
               "stays float";
    return {};
}

class QuantizeRun {
public:
    QuantizeRun(const Model& model, const QuantizeParams& params, const CalibrationSet* calibration,
                const PassContext& context)
        : m_params(params), m_calibration(calibration), m_context(context) {
        m_result.model = model;
        m_result.report.pass = "quantize";
    }

    Result<PassResult> run();

private:
    Graph& graph() { return m_result.model.graph; }
    // One int8 scale per weight: rounded to nearest whatever the method.
    bool perTensorInt8() const { return m_params.weightBits() == 8 && m_params.granularity == "per-tensor"; }
    at::Tensor rowsOf(const WeightLayer& layer) {
        return quant::toRows(graph().initializers.at(layer.weight).tensor(), layer);
    }
    void setRows(const WeightLayer& layer, const at::Tensor& rows) {
        graph().initializers[layer.weight] = TensorData(quant::fromRows(rows, layer));
    }
    Status chooseLayers();
    Status rescaleActivations();
    Status gatherStatistics();
    Status quantizeWeights();
    Status quantizeActivations();
    // `hessian`: GPTQ's, when it has one for the layer; `awqGram`: AWQ's, when it has one (undefined otherwise).
    QuantizedRows quantizeLayer(const at::Tensor& rows, const hessian::HessianSum* hessian, const at::Tensor& awqGram);
    // AWQ: XᵀX / n of the layer's input as its weights now see it (divided by the activation's scale).
    at::Tensor awqGram(const WeightLayer& layer) const;

    const QuantizeParams& m_params;
    const CalibrationSet* m_calibration;
    CalibrationSet m_trimmed;
    const PassContext& m_context;
    PassResult m_result;
    std::vector<WeightLayer> m_layers;
    std::vector<ActivationGroup> m_groups;
    std::map<std::string, std::string> m_scaling; // layer name -> what rescaling did
    std::optional<hessian::HessianCollector> m_hessians;
    // AWQ: the second moments of the layers' inputs (its loss), and the scale each activation was divided by.
    std::optional<hessian::HessianCollector> m_awqGrams;
    std::map<std::string, at::Tensor> m_awqScales;
    std::map<std::string, Histogram> m_histograms;
    bool m_needsOpset21 = false; // blocked DequantizeLinear over 4-bit values
};

Status QuantizeRun::chooseLayers() {
    auto choice = autoglm::chooseLayers(m_result.model, m_params.layers);
    if (!choice)
        return choice.error();
    for (auto& skipped : choice->skipped) {
        auto it = graph().initializers.find(skipped.weight);
        if (it != graph().initializers.end())
            skipped.bytesBefore = skipped.bytesAfter = it->second.byteSize();
        m_result.report.layers.push_back(skipped);
    }
    for (const auto& layer : choice->selected) {
        if (std::string problem = schemeProblem(layer, m_params); !problem.empty()) {
            m_result.report.layers.push_back(skippedLayer(layer, graph(), problem));
            continue;
        }
        if (!at::isfinite(graph().initializers.at(layer.weight).tensor()).all().item<bool>())
            return Error{"weight '" + layer.weight + "' of layer '" + layer.name + "' holds NaN or Inf"};
        m_layers.push_back(layer);
    }
    if (m_layers.empty()) {
        std::string reasons;
        for (const auto& r : m_result.report.layers)
            reasons += "\n  " + r.layer + ": " + r.reason;
        return Error{"no layer can be quantized with " + m_params.summary() +
                     (reasons.empty() ? std::string(" (the model has no MatMul/Gemm/Conv with a constant weight)")
                                      : ":" + reasons)};
    }
    m_groups = groupByActivation(m_layers);
    return Ok{};
}

Status QuantizeRun::rescaleActivations() {
    const bool awq = m_params.method == "awq";
    if (!awq && !m_params.smoothquant)
        return Ok{};
    std::map<std::string, quant::ChannelStats> stats;
    std::vector<std::vector<std::string>> sweeps;
    if (awq) {
        // Every layer gets its input's second moment (patches for Conv): the loss of AWQ's searches.
        m_awqGrams.emplace(graph(), m_layers, std::vector<bool>(m_layers.size(), true), kHessianBudgetBytes);
        sweeps = m_awqGrams->sweeps();
    } else {
        sweeps.emplace_back();
        for (const auto& g : m_groups)
            sweeps.back().push_back(g.activation);
    }
    for (size_t s = 0; s < sweeps.size(); ++s) {
        const double span = 0.2 / static_cast<double>(sweeps.size());
        auto tapped = tapActivations(
            m_result.model, *m_calibration, sweeps[s],
            [&](const std::string& value, const TensorData& t) {
                stats[value].add(t.tensor());
                if (awq)
                    m_awqGrams->add(value, t.tensor());
            },
            m_context, span * static_cast<double>(s), span * static_cast<double>(s + 1),
            awq ? "AWQ: activation statistics" : "SmoothQuant: activation statistics");
        if (!tapped)
            return tapped;
    }
    for (size_t gi = 0; gi < m_groups.size(); ++gi) {
        const ActivationGroup& group = m_groups[gi];
        m_context.checkStop();
        m_context.report(0.2 + 0.1 * static_cast<double>(gi) / static_cast<double>(m_groups.size()),
                         (awq ? "AWQ scale search " : "SmoothQuant ") + group.activation);
        // Scales run along the activation's last axis, the input features of MatMul and Gemm; a Conv reads its
        // channels on axis 1 (AWQ still clips its weights).
        const bool conv = std::any_of(group.layers.begin(), group.layers.end(),
                                      [&](size_t i) { return m_layers[i].opType == "Conv"; });
        if (conv) {
            for (size_t i : group.layers)
                m_scaling[m_layers[i].name] = "input channels of a Conv are not rescaled";
            continue;
        }
        std::vector<at::Tensor> rows;
        for (size_t i : group.layers)
            rows.push_back(rowsOf(m_layers[i]));
        at::Tensor scale;
        std::string what;
        if (awq) {
            const int bits = m_params.weightBits();
            const int64_t groupSize = bits == 4 ? m_params.groupSize : 0;
            const at::Tensor gram = awqGram(m_layers[group.layers.front()]);
            if (!gram.defined()) {
                for (size_t i : group.layers)
                    m_scaling[m_layers[i].name] = "no input statistics for AWQ: rounded to nearest";
                continue;
            }
            // Each candidate scale is judged with AWQ's clipping applied, as the weights will finally be rounded.
            auto roundTrip = [&](const at::Tensor& r, const at::Tensor& s) {
                return quant::awqClipQuantize(r, quant::scaledGram(gram, s), bits, m_params.symmetric,
                                              groupSize > 0 ? groupSize : r.size(1), 1)
                    .dequantize();
            };
            const quant::AwqChoice choice = quant::awqSearch(stats[group.activation], gram, rows, m_params.awqGrid,
                                                             roundTrip);
            scale = choice.scale;
            m_awqScales[group.activation] = scale;
            char text[160];
            std::snprintf(text, sizeof text, "awq alpha %.2f, calibration loss %.3g (unscaled %.3g)", choice.alpha,
                          choice.loss, choice.lossUnscaled);
            what = text;
        } else {
            scale = quant::smoothQuantFactors(stats[group.activation], rows, m_params.smoothquantAlpha);
            what = "smoothquant alpha " + std::to_string(m_params.smoothquantAlpha).substr(0, 4);
        }
        for (size_t k = 0; k < group.layers.size(); ++k)
            setRows(m_layers[group.layers[k]], rows[k] * scale);
        const std::string where =
            quant::scaleActivation(m_result.model, group.activation, nodesOf(group, m_layers), 1.0 / scale);
        for (size_t i : group.layers)
            m_scaling[m_layers[i].name] = what + "; activation scaled: " + where;
    }
    return Ok{};
}

at::Tensor QuantizeRun::awqGram(const WeightLayer& layer) const {
    const hessian::HessianSum* h = m_awqGrams ? m_awqGrams->find(layer) : nullptr;
    if (!h)
        return {};
    const at::Tensor gram = (h->sum / static_cast<double>(std::max<int64_t>(h->rows, 1))).to(at::kFloat);
    auto scaled = m_awqScales.find(layer.activation);
    return scaled == m_awqScales.end() ? gram : quant::scaledGram(gram, scaled->second);
}

Status QuantizeRun::gatherStatistics() {
    const bool gptq = m_params.method == "gptq";
    const bool ranges = m_params.staticActivations();
    if (!gptq && !ranges)
        return Ok{};
    // GPTQ's Hessians over layer inputs (patches for Conv); per-tensor int8 scales are rounded to nearest.
    std::vector<bool> wanted(m_layers.size(), gptq && !perTensorInt8());
    m_hessians.emplace(graph(), m_layers, wanted, kHessianBudgetBytes);
    const auto& sweeps = m_hessians->sweeps();
    std::map<std::string, std::pair<double, double>> extremes;
    for (size_t s = 0; s < sweeps.size(); ++s) {
        const double from = 0.3 + 0.2 * static_cast<double>(s) / static_cast<double>(sweeps.size());
        const double to = 0.3 + 0.2 * static_cast<double>(s + 1) / static_cast<double>(sweeps.size());
        auto tapped = tapActivations(
            m_result.model, *m_calibration, sweeps[s],
            [&](const std::string& value, const TensorData& t) {
                const at::Tensor x = t.tensor();
                if (ranges) {
                    const double lo = x.min().item<double>();
                    const double hi = x.max().item<double>();
                    auto [it, first] = extremes.emplace(value, std::pair{lo, hi});
                    if (!first)
                        it->second = {std::min(it->second.first, lo), std::max(it->second.second, hi)};
                }
                m_hessians->add(value, x);
            },
            m_context, from, to, gptq ? "GPTQ: Hessians from calibration" : "calibrating activation ranges");
        if (!tapped)
            return tapped;
    }
    if (!ranges)
        return Ok{};
    for (const auto& [value, lohi] : extremes)
        m_histograms[value] =
            Histogram{std::min(lohi.first, 0.0), std::max(lohi.second, 0.0), std::vector<double>(kHistogramBins, 0.0)};
    if (m_params.calibrator == "minmax") {
        for (auto& [value, h] : m_histograms)
            h.counts.assign(1, 1.0); // only the extremes matter
        return Ok{};
    }
    std::vector<std::string> names;
    for (const auto& g : m_groups)
        names.push_back(g.activation);
    return tapActivations(
        m_result.model, *m_calibration, names,
        [&](const std::string& value, const TensorData& t) {
            Histogram& h = m_histograms.at(value);
            if (h.hi <= h.lo)
                return;
            const at::Tensor counts =
                at::histc(t.tensor().to(at::kFloat), kHistogramBins, h.lo, h.hi).to(at::kDouble).contiguous();
            const double* c = counts.data_ptr<double>();
            for (int64_t i = 0; i < kHistogramBins; ++i)
                h.counts[i] += c[i];
        },
        m_context, 0.5, 0.6, "activation histograms (" + m_params.calibrator + ")");
}

QuantizedRows QuantizeRun::quantizeLayer(const at::Tensor& rows, const hessian::HessianSum* hessian,
                                         const at::Tensor& awqGram) {
    const int bits = m_params.weightBits();
    const int64_t group = bits == 4 ? m_params.groupSize : 0;
    const bool symmetric = bits == 4 ? m_params.symmetric : true;
    if (perTensorInt8())
        return quant::quantizeTensorRtn(rows);
    if (m_params.method == "gptq" && hessian) {
        quant::GptqOptions o;
        o.bits = bits;
        o.symmetric = symmetric;
        o.groupSize = group;
        o.damp = m_params.gptqDamp;
        o.actOrder = m_params.gptqActOrder;
        o.blockSize = m_params.gptqBlockSize;
        return quant::gptqQuantize(rows, *hessian, o);
    }
    if (awqGram.defined())
        return quant::awqClipQuantize(rows, awqGram, bits, symmetric, group > 0 ? group : rows.size(1));
    return quant::quantizeRowsRtn(rows, bits, symmetric, group);
}

Status QuantizeRun::quantizeWeights() {
    const int bits = m_params.weightBits();
    for (size_t i = 0; i < m_layers.size(); ++i) {
        const WeightLayer& layer = m_layers[i];
        m_context.checkStop();
        m_context.report(0.6 + 0.35 * static_cast<double>(i) / static_cast<double>(m_layers.size()),
                         "quantizing " + layer.name);
        const int64_t bytesBefore = graph().initializers.at(layer.weight).byteSize();
        const at::Tensor rows = rowsOf(layer);
        const hessian::HessianSum* hessian = m_hessians ? m_hessians->find(layer) : nullptr;
        const bool gptqHere = m_params.method == "gptq" && hessian;
        const at::Tensor gram = perTensorInt8() ? at::Tensor() : awqGram(layer);
        const bool awqHere = gram.defined();
        const QuantizedRows q = quantizeLayer(rows, hessian, gram);
        const at::Tensor deq = q.dequantize();

        LayerReport r{layer.name, layer.opType, layer.weight, "", "", false};
        r.bytesBefore = bytesBefore;
        r.bytesAfter = q.bytes();
        r.weightError = quant::relativeError(deq, rows);
        if (hessian)
            r.outputError = hessian::outputError(rows, deq, hessian->sum);
        else if (awqHere)
            r.outputError = hessian::outputError(rows, deq, gram);
        r.action = bits == 4 ? "int4 g" + std::to_string(m_params.groupSize) + (q.symmetric ? " sym" : " asym")
                             : (q.perTensor ? "int8 per-tensor" : "int8 per-channel");
        r.action += gptqHere ? " gptq" : awqHere ? " awq" : " rtn";
        if (auto s = m_scaling.find(layer.name); s != m_scaling.end())
            r.reason = s->second;
        if ((m_params.method == "gptq" && !gptqHere) || (m_params.method == "awq" && !awqHere)) {
            const std::string patches = hessian::patchProblem(graph().nodes[layer.node], layer);
            const std::string method = m_params.method == "gptq" ? "GPTQ" : "AWQ";
            r.reason += (r.reason.empty() ? "" : "; ") +
                        (patches.empty() ? std::string("per-tensor scales are rounded to nearest")
                                         : "no " + method + " for " + patches + ": rounded to nearest");
        }

        if (m_params.dynamicActivations()) {
            if (std::string problem = quant::emitDynamicLayer(m_result.model, layer, q); !problem.empty()) {
                m_result.report.layers.push_back(skippedLayer(layer, graph(), problem));
                continue;
            }
            r.action += ", dynamic activations";
        } else if (bits == 8) {
            quant::emitInt8Weight(m_result.model, layer, q);
        } else if (m_params.int4Format == "matmulnbits" && layer.opType == "MatMul") {
            quant::emitMatMulNBits(m_result.model, layer, q);
            r.action += ", MatMulNBits";
        } else {
            quant::emitInt4Weight(m_result.model, layer, q);
            m_needsOpset21 = true;
            if (m_params.int4Format == "matmulnbits")
                r.reason += (r.reason.empty() ? "" : "; ") +
                            std::string("MatMulNBits replaces MatMul only: written as blocked DequantizeLinear");
        }
        m_result.report.layers.push_back(std::move(r));
    }
    return Ok{};
}

Status QuantizeRun::quantizeActivations() {
    if (!m_params.staticActivations())
        return Ok{};
    for (const auto& group : m_groups) {
        m_context.checkStop();
        auto range = calibrateRange(m_params.calibrator, m_histograms.at(group.activation), m_params.percentile);
        if (!range)
            return Error{"activation '" + group.activation + "': " + range.message()};
        const Uint8Params p = uint8Params(range.value());
        quant::emitActivationQdq(m_result.model, group.activation, nodesOf(group, m_layers), p);
        char text[200];
        std::snprintf(text, sizeof text, "input range [%.4g, %.4g] (%s), uint8 scale %.4g zero point %d", range->lo,
                      range->hi, m_params.calibrator.c_str(), p.scale, p.zeroPoint);
        for (auto& r : m_result.report.layers)
            for (size_t i : group.layers)
                if (!r.skipped && r.layer == m_layers[i].name) {
                    r.action += " + uint8 input";
                    r.reason += (r.reason.empty() ? "" : "; ") + std::string(text);
                }
    }
    return Ok{};
}

Result<PassResult> QuantizeRun::run() {
    if (auto s = m_params.validate(); !s)
        return s.error();
    const int64_t opset = m_result.model.opsetVersion("");
    if (opset < 13)
        return Error{"quantization writes per-channel QuantizeLinear/DequantizeLinear, which needs opset 13 or "
                     "later; the model imports opset " +
                     std::to_string(opset)};
    if (m_params.needsCalibration() && (!m_calibration || m_calibration->empty()))
        return Error{m_params.summary() + " needs calibration data (images or text), and none was given"};
    if (m_calibration && m_calibration->samples > m_params.calibrationSamples) {
        m_trimmed = limitSamples(*m_calibration, m_params.calibrationSamples);
        m_calibration = &m_trimmed;
    }
    if (auto s = chooseLayers(); !s)
        return s.error();
    for (auto step : {&QuantizeRun::rescaleActivations, &QuantizeRun::gatherStatistics, &QuantizeRun::quantizeWeights,
                      &QuantizeRun::quantizeActivations})
        if (auto s = (this->*step)(); !s)
            return s.error();
    if (m_needsOpset21 && m_result.model.opsetVersion("") < 21) {
        const int64_t from = m_result.model.opsetVersion("");
        if (auto s = upgradeOpset(m_result.model, 21); !s)
            return Error{"4-bit DequantizeLinear needs opset 21 and the model cannot be raised to it: " + s.message() +
                         " (use --int4-format matmulnbits)"};
        m_result.report.notes.push_back("opset raised from " + std::to_string(from) +
                                        " to 21 for blocked 4-bit DequantizeLinear");
    }
    if (auto s = graph().sortTopologically(); !s)
        return Error{"the quantized graph is not acyclic: " + s.message()};
    if (auto s = graph().validate(); !s)
        return Error{"the quantized graph is invalid: " + s.message()};
    m_result.model.metadata["autoglm.quantization"] = m_params.summary();
    if (m_calibration && !m_calibration->empty() && m_params.needsCalibration())
        m_result.report.notes.push_back("calibration: " + m_calibration->source);
    m_result.report.notes.push_back(m_params.summary());
    m_context.report(1.0, "quantized");
    return std::move(m_result);
}

} // namespace

Result<PassResult> quantizeModel(const Model& model, const QuantizeParams& params, const CalibrationSet* calibration,
                                 const PassContext& context) {
    return runAtPassBoundary("quantization",
                             [&] { return QuantizeRun(model, params, calibration, context).run(); });
}

} // namespace autoglm
