#pragma once
// Private to pipeline/passes/distill: AdamW (Loshchilov & Hutter) over the trainable weights, and the
// learning-rate schedule (linear warm-up, then cosine decay to zero).

#include <ATen/ATen.h>

#include <vector>

namespace autoglm::distill {

class AdamW {
public:
    // Weight decay applies to tensors of rank 2 and more (matrices, kernels, embeddings), not to biases and
    // norm scales.
    AdamW(std::vector<at::Tensor> params, double weightDecay, double beta1 = 0.9, double beta2 = 0.999,
          double eps = 1e-8);

    void zeroGrad();
    // One update at learning rate `lr`; gradients are first scaled so that their global norm is at most
    // `clip` (0: no clipping). Where a mask is defined, weights outside it (zeros) stay zero.
    void step(double lr, double clip, const std::vector<at::Tensor>& masks);

private:
    std::vector<at::Tensor> m_params, m_first, m_second;
    double m_weightDecay, m_beta1, m_beta2, m_eps;
    int64_t m_steps = 0;
};

struct WarmupCosine {
    double peak = 1e-3;
    int64_t warmupSteps = 0;
    int64_t totalSteps = 1;

    // Learning rate at step 1..totalSteps.
    double at(int64_t step) const;
};

} // namespace autoglm::distill
