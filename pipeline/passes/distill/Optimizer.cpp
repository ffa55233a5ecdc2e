#include "pipeline/passes/distill/Optimizer_p.h"

#include <c10/core/GradMode.h>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace autoglm::distill {

AdamW::AdamW(std::vector<at::Tensor> params, double weightDecay, double beta1, double beta2, double eps)
    : m_params(std::move(params)), m_weightDecay(weightDecay), m_beta1(beta1), m_beta2(beta2), m_eps(eps) {
    for (const auto& p : m_params) {
        m_first.push_back(at::zeros_like(p.detach()));
        m_second.push_back(at::zeros_like(p.detach()));
    }
}

void AdamW::zeroGrad() {
    for (auto& p : m_params)
        if (p.grad().defined())
            p.mutable_grad().zero_();
}

void AdamW::step(double lr, double clip, const std::vector<at::Tensor>& masks) {
    c10::NoGradGuard noGrad;
    ++m_steps;
    double scale = 1.0;
    if (clip > 0) {
        double squares = 0;
        for (const auto& p : m_params)
            if (p.grad().defined())
                squares += p.grad().to(at::kDouble).square().sum().item<double>();
        const double norm = std::sqrt(squares);
        if (norm > clip)
            scale = clip / norm;
    }
    const double correction1 = 1.0 - std::pow(m_beta1, static_cast<double>(m_steps));
    const double correction2 = 1.0 - std::pow(m_beta2, static_cast<double>(m_steps));
    for (size_t i = 0; i < m_params.size(); ++i) {
        at::Tensor& p = m_params[i];
        if (!p.grad().defined())
            continue;
        const at::Tensor g = p.grad() * scale;
        m_first[i].mul_(m_beta1).add_(g, 1.0 - m_beta1);
        m_second[i].mul_(m_beta2).addcmul_(g, g, 1.0 - m_beta2);
        if (m_weightDecay > 0 && p.dim() >= 2)
            p.mul_(1.0 - lr * m_weightDecay);
        const at::Tensor denom = (m_second[i] / correction2).sqrt_().add_(m_eps);
        p.addcdiv_(m_first[i], denom, -lr / correction1);
        if (i < masks.size() && masks[i].defined())
            p.mul_(masks[i]);
    }
}

double WarmupCosine::at(int64_t step) const {
    if (warmupSteps > 0 && step <= warmupSteps)
        return peak * static_cast<double>(step) / static_cast<double>(warmupSteps);
    const double span = static_cast<double>(std::max<int64_t>(totalSteps - warmupSteps, 1));
    const double progress = std::clamp(static_cast<double>(step - warmupSteps) / span, 0.0, 1.0);
    return peak * 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
}

} // namespace autoglm::distill
