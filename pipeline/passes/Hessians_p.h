#pragma once
// Private to pipeline/passes/*.cpp: the layer-input Hessians that GPTQ and SparseGPT work from. A layer's
// reconstruction loss ||W X - W' X||² has the Hessian H = 2 XᵀX / n over its input rows X: the activation's
// last axis for MatMul / Gemm, the im2col patches (channel, then kernel positions, as the weight flattens)
// for Conv. Layers that read one activation the same way share one Hessian.

#include "pipeline/passes/LayerSelection.h"

#include <ATen/ATen.h>

#include <map>
#include <string>
#include <vector>

namespace autoglm::hessian {

// Sum of x xᵀ over the rows seen so far (float64).
struct HessianSum {
    at::Tensor sum;
    int64_t rows = 0;

    void add(const at::Tensor& inputRows);
};

// Why a Conv layer's input patches cannot be formed (grouped convolution, auto_pad), empty when they can or
// the layer is not a Conv.
std::string patchProblem(const Node& node, const WeightLayer& layer);

// The layer's input as rows [n, in], columns in the order of quant::toRows' columns; `kernel` is a Conv's
// spatial kernel size (from its weight).
at::Tensor inputRows(const at::Tensor& activation, const Node& node, const std::vector<int64_t>& kernel);

// Gathers Hessians on calibration sweeps: every sweep holds as many Hessians as the memory budget allows.
class HessianCollector {
public:
    // `wanted` layers get a Hessian (those with a patchProblem are left out); every layer's activation is
    // planned into a sweep, so a caller can observe other statistics in the same runs.
    HessianCollector(const Graph& graph, const std::vector<WeightLayer>& layers, const std::vector<bool>& wanted,
                     int64_t budgetBytes);

    const std::vector<std::vector<std::string>>& sweeps() const { return m_sweeps; }
    // Adds a captured activation to every Hessian that reads it.
    void add(const std::string& activation, const at::Tensor& value);
    // Null when the layer has none.
    const HessianSum* find(const WeightLayer& layer) const;

private:
    struct Reader {
        std::string key;
        const Node* node;
        std::vector<int64_t> kernel;
    };
    std::map<std::string, std::vector<Reader>> m_readers; // activation -> distinct keys reading it
    std::map<std::string, std::string> m_keyOfLayer;
    std::map<std::string, HessianSum> m_sums;
    std::vector<std::vector<std::string>> m_sweeps;
};

// H = 2 sum / rows, with inputs that were never non-zero pinned to 1 on the diagonal and their columns of
// `rows` (float64, [out, in]) zeroed: they carry no information.
at::Tensor normalizedHessian(const HessianSum& h, at::Tensor& rows);

// Upper Cholesky factor of (H + damp·mean(diag H)·I)⁻¹: row i holds the weights with which column i's error
// is fed into the later columns (GPTQ, SparseGPT).
at::Tensor upperInverseFactor(at::Tensor H, double damp);

// Relative output error of replacing rows W by W' under the inputs summarised by the Hessian:
// sqrt(tr(ΔW H ΔWᵀ) / tr(W H Wᵀ)).
double outputError(const at::Tensor& rows, const at::Tensor& changed, const at::Tensor& hessian);

} // namespace autoglm::hessian
