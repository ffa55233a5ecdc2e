#include "pipeline/passes/prune/PrunePass.h"

#include "pipeline/passes/ActivationTap.h"
#include "pipeline/passes/Hessians_p.h"
#include "pipeline/passes/PassBoundary_p.h"
#include "pipeline/passes/prune/ChannelPruning_p.h"
#include "pipeline/passes/prune/HeadPruning_p.h"
#include "pipeline/passes/prune/PruneMath_p.h"
#include "pipeline/passes/quantize/QuantMath_p.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstdio>
#include <optional>

namespace autoglm {
namespace {

constexpr int64_t kHessianBudgetBytes = int64_t(1) << 30;
// Global magnitude thresholds are taken from at most this many weights (a uniform sample beyond it).
constexpr int64_t kGlobalSampleLimit = int64_t(1) << 26;

int64_t countNonZero(const at::Tensor& t) {
    return t.count_nonzero().item<int64_t>();
}

// N:M groups run along input channels, as sparse tensor cores read a convolution (the reduction ordered
// kernel position, then channel): the columns of a Conv's rows [out, C·kh·kw] reordered to [out, kh·kw·C].
// Empty for other layers.
at::Tensor channelLastOrder(const WeightLayer& layer) {
    if (layer.opType != "Conv")
        return {};
    const int64_t channels = layer.shape[1];
    int64_t kernel = 1;
    for (size_t i = 2; i < layer.shape.size(); ++i)
        kernel *= layer.shape[i];
    return at::arange(channels * kernel, at::kLong).reshape({channels, kernel}).t().reshape(-1);
}

class PruneRun {
public:
    PruneRun(const Model& model, const PruneParams& params, const CalibrationSet* calibration,
             const PassContext& context)
        : m_params(params), m_calibration(calibration), m_context(context) {
        m_result.model = model;
        m_result.report.pass = "prune";
    }

    Result<PassResult> run();

private:
    Graph& graph() { return m_result.model.graph; }
    at::Tensor rowsOf(const WeightLayer& layer) {
        return quant::toRows(graph().initializers.at(layer.weight).tensor(), layer);
    }
    Status chooseLayers();
    Result<PassResult> pruneStructured();
    // A model pruned more than once lists every pruning, in order.
    void recordInMetadata() {
        std::string& record = m_result.model.metadata["autoglm.pruning"];
        record = record.empty() ? m_params.summary() : record + "; " + m_params.summary();
    }
    Status gatherHessians();
    double globalThreshold();
    at::Tensor pruneLayer(const WeightLayer& layer, const at::Tensor& rows, const hessian::HessianSum* hessian,
                          double threshold);
    at::Tensor pruneRows(const at::Tensor& rows, const hessian::HessianSum* hessian, double threshold);

    const PruneParams& m_params;
    const CalibrationSet* m_calibration;
    CalibrationSet m_trimmed;
    const PassContext& m_context;
    PassResult m_result;
    std::vector<WeightLayer> m_layers;
    std::optional<hessian::HessianCollector> m_hessians;
};

Status PruneRun::chooseLayers() {
    auto choice = autoglm::chooseLayers(m_result.model, m_params.layers);
    if (!choice)
        return choice.error();
    for (auto& skipped : choice->skipped) {
        if (auto it = graph().initializers.find(skipped.weight); it != graph().initializers.end())
            skipped.bytesBefore = skipped.bytesAfter = it->second.byteSize();
        m_result.report.layers.push_back(skipped);
    }
    const int64_t m = m_params.nm().second;
    for (const auto& layer : choice->selected) {
        const at::Tensor w = graph().initializers.at(layer.weight).tensor();
        if (!at::isfinite(w).all().item<bool>())
            return Error{"weight '" + layer.weight + "' of layer '" + layer.name + "' holds NaN or Inf"};
        // A Conv's groups run along its input channels (channelLastOrder).
        const int64_t in = layer.shape[layer.inputAxis];
        if (m > 0 && in % m != 0)
            return Error{"prune.pattern " + m_params.pattern + " groups every " + std::to_string(m) +
                         " weights along a layer's " + (layer.opType == "Conv" ? "input channels" : "input features") +
                         ", but layer '" + layer.name + "' has " + std::to_string(in) +
                         ", not a multiple of " + std::to_string(m) + " (leave it out with layers.exclude / --exclude)"};
        m_layers.push_back(layer);
    }
    if (m_layers.empty())
        return Error{"no layer can be pruned: the model has no selected MatMul/Gemm/Conv with a float initializer "
                     "weight"};
    return Ok{};
}

Result<PassResult> PruneRun::pruneStructured() {
    auto report = m_params.heads() ? prune::pruneHeads(m_result.model, m_params, m_context)
                                   : prune::pruneChannels(m_result.model, m_params, m_context);
    if (!report)
        return report.error();
    m_result.report.layers = std::move(report->layers);
    m_result.report.notes = std::move(report->notes);
    if (auto s = graph().validate(); !s)
        return Error{"the " + m_params.pattern + "-pruned graph is invalid: " + s.message()};
    m_result.report.notes.push_back(m_params.summary());
    recordInMetadata();
    m_context.report(1.0, "pruned");
    return std::move(m_result);
}

Status PruneRun::gatherHessians() {
    if (m_params.method != "sparsegpt")
        return Ok{};
    std::vector<bool> wanted(m_layers.size(), true);
    m_hessians.emplace(graph(), m_layers, wanted, kHessianBudgetBytes);
    const auto& sweeps = m_hessians->sweeps();
    for (size_t s = 0; s < sweeps.size(); ++s) {
        const double from = 0.5 * static_cast<double>(s) / static_cast<double>(sweeps.size());
        const double to = 0.5 * static_cast<double>(s + 1) / static_cast<double>(sweeps.size());
        auto tapped = tapActivations(
            m_result.model, *m_calibration, sweeps[s],
            [&](const std::string& value, const TensorData& t) { m_hessians->add(value, t.tensor()); }, m_context,
            from, to, "SparseGPT: Hessians from calibration");
        if (!tapped)
            return tapped;
    }
    return Ok{};
}

// The magnitude below which weights go when one threshold covers every selected layer.
double PruneRun::globalThreshold() {
    int64_t total = 0;
    for (const auto& layer : m_layers)
        total += graph().initializers.at(layer.weight).numel();
    const double keepShare = std::min(1.0, static_cast<double>(kGlobalSampleLimit) / static_cast<double>(total));
    std::vector<at::Tensor> magnitudes;
    at::Generator generator = at::detail::getDefaultCPUGenerator();
    for (const auto& layer : m_layers) {
        at::Tensor a = graph().initializers.at(layer.weight).tensor().abs().reshape(-1).to(at::kFloat);
        if (keepShare < 1.0)
            a = a.index({at::rand({a.numel()}, generator) < keepShare});
        magnitudes.push_back(a);
    }
    const at::Tensor all = at::cat(magnitudes);
    const int64_t count = static_cast<int64_t>(std::floor(m_params.sparsity * static_cast<double>(all.numel())));
    if (keepShare < 1.0)
        m_result.report.notes.push_back("global threshold estimated from a uniform sample of " +
                                        std::to_string(all.numel()) + " of " + std::to_string(total) + " weights");
    if (count == 0)
        return -1.0;
    return std::get<0>(at::kthvalue(all, count)).item<double>();
}

at::Tensor PruneRun::pruneLayer(const WeightLayer& layer, const at::Tensor& rows,
                                const hessian::HessianSum* hessian, double threshold) {
    const int64_t m = m_params.nm().second;
    const at::Tensor order = m > 0 ? channelLastOrder(layer) : at::Tensor();
    if (order.defined()) {
        std::optional<hessian::HessianSum> reordered;
        if (hessian)
            reordered = hessian::HessianSum{hessian->sum.index_select(0, order).index_select(1, order), hessian->rows};
        const at::Tensor pruned =
            pruneRows(rows.index_select(1, order), reordered ? &*reordered : nullptr, threshold);
        return pruned.index_select(1, at::argsort(order));
    }
    return pruneRows(rows, hessian, threshold);
}

at::Tensor PruneRun::pruneRows(const at::Tensor& rows, const hessian::HessianSum* hessian, double threshold) {
    const auto [n, m] = m_params.nm();
    if (m_params.method == "sparsegpt" && hessian) {
        prune::SparseGptOptions o;
        o.sparsity = m_params.sparsity;
        o.n = n;
        o.m = m;
        o.damp = m_params.sparsegptDamp;
        o.blockSize = m_params.sparsegptBlockSize;
        return prune::sparseGpt(rows, *hessian, o);
    }
    at::Tensor mask;
    if (m > 0)
        mask = prune::nmMask(rows.abs(), n, m);
    else if (m_params.scope == "global")
        mask = rows.abs() <= threshold;
    else
        mask = prune::smallestMask(rows.abs(), m_params.sparsity);
    return rows.masked_fill(mask, 0.0);
}

Result<PassResult> PruneRun::run() {
    if (auto s = m_params.validate(); !s)
        return s.error();
    if (m_params.needsCalibration() && (!m_calibration || m_calibration->empty()))
        return Error{"prune with " + m_params.summary() + " needs calibration data (images or text), and none was "
                     "given"};
    if (m_params.structured())
        return pruneStructured();
    if (m_calibration && m_calibration->samples > m_params.calibrationSamples) {
        m_trimmed = limitSamples(*m_calibration, m_params.calibrationSamples);
        m_calibration = &m_trimmed;
    }
    if (auto s = chooseLayers(); !s)
        return s.error();
    if (auto s = gatherHessians(); !s)
        return s.error();
    const bool global = !m_params.semiStructured() && m_params.scope == "global";
    const double threshold = global ? globalThreshold() : 0.0;
    const double from = m_hessians ? 0.5 : 0.0;
    for (size_t i = 0; i < m_layers.size(); ++i) {
        const WeightLayer& layer = m_layers[i];
        m_context.checkStop();
        m_context.report(from + (1.0 - from) * static_cast<double>(i) / static_cast<double>(m_layers.size()),
                         "pruning " + layer.name);
        const at::Tensor rows = rowsOf(layer);
        const hessian::HessianSum* hessian = m_hessians ? m_hessians->find(layer) : nullptr;
        const at::Tensor pruned = pruneLayer(layer, rows, hessian, threshold);
        const TensorData& before = graph().initializers.at(layer.weight);

        LayerReport r{layer.name, layer.opType, layer.weight, "", "", false};
        r.bytesBefore = r.bytesAfter = before.byteSize();
        r.paramsBefore = countNonZero(rows);
        r.paramsAfter = countNonZero(pruned);
        r.sparsity = 1.0 - static_cast<double>(r.paramsAfter) / static_cast<double>(std::max<int64_t>(rows.numel(), 1));
        r.weightError = quant::relativeError(pruned, rows);
        if (hessian)
            r.outputError = hessian::outputError(rows, pruned, hessian->sum);
        const bool sparseGptHere = m_params.method == "sparsegpt" && hessian;
        r.action = m_params.semiStructured()
                       ? m_params.pattern
                       : "unstructured " + std::to_string(static_cast<int>(std::lround(r.sparsity * 100))) + "%";
        r.action += sparseGptHere ? " sparsegpt" : " magnitude";
        if (m_params.method == "sparsegpt" && !sparseGptHere)
            r.reason = "no SparseGPT for " + hessian::patchProblem(graph().nodes[layer.node], layer) +
                       ": pruned by magnitude";
        graph().initializers[layer.weight] =
            TensorData(quant::fromRows(pruned, layer).to(before.tensor().scalar_type()));
        m_result.report.layers.push_back(std::move(r));
    }
    if (m_calibration && !m_calibration->empty() && m_params.needsCalibration())
        m_result.report.notes.push_back("calibration: " + m_calibration->source);
    if (global) {
        char text[120];
        std::snprintf(text, sizeof text, "global magnitude threshold %.6g", threshold);
        m_result.report.notes.push_back(text);
    }
    m_result.report.notes.push_back(m_params.summary());
    recordInMetadata();
    m_context.report(1.0, "pruned");
    return std::move(m_result);
}

} // namespace

Result<PassResult> pruneModel(const Model& model, const PruneParams& params, const CalibrationSet* calibration,
                              const PassContext& context) {
    return runAtPassBoundary("pruning", [&] { return PruneRun(model, params, calibration, context).run(); });
}

} // namespace autoglm
