#pragma once
// Private to pipeline/passes/prune: which weights go, on a weight seen as rows [out, in] (quant::toRows).
// Masks are true where a weight is removed.

#include "pipeline/passes/Hessians_p.h"

#include <ATen/ATen.h>

namespace autoglm::prune {

// The floor(sparsity · numel) smallest scores of `scores` (ties broken by position).
at::Tensor smallestMask(const at::Tensor& scores, double sparsity);
// In every M consecutive columns of each row, the M - N smallest scores. Columns must be a multiple of M.
at::Tensor nmMask(const at::Tensor& scores, int64_t n, int64_t m);

struct SparseGptOptions {
    double sparsity = 0.5; // unstructured share removed (ignored when m > 0)
    int64_t n = 0, m = 0;  // N:M pattern when m > 0
    double damp = 0.01;
    int64_t blockSize = 128;
};

// SparseGPT: columns left to right; in each block the weights with the smallest w² / [H⁻¹]ᵢᵢ² are removed
// (the mask chosen per block, or per group of M for N:M) and the error of every removed weight is fed into
// the columns not yet visited through the inverse Hessian's Cholesky factor. Returns the new rows (float32).
at::Tensor sparseGpt(const at::Tensor& rows, const hessian::HessianSum& hessian, const SparseGptOptions& options);

} // namespace autoglm::prune
