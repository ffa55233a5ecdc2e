// Activations and the softmax family.
#include "pipeline/exec/OpRegistry.h"
#include "pipeline/exec/ops/OpFamilies.h"

namespace autoglm::exec {
namespace {

using Tensors = std::vector<at::Tensor>;

// Before opset 13 the softmax family flattens the input to 2-D at `axis` (default 1) and normalizes each row;
// from 13 on it normalizes along `axis` (default -1).
at::Tensor softmaxLike(const OpContext& c, at::Tensor (*along)(const at::Tensor&, int64_t)) {
    const at::Tensor& x = c.input(0);
    const int64_t rank = x.dim();
    if (c.opset() >= 13)
        return along(x, c.axis(c.attrInt("axis", -1), rank));
    const int64_t axis = c.axis(c.attrInt("axis", 1), rank);
    const int64_t rows = x.sizes().slice(0, axis).empty() ? 1 : c10::multiply_integers(x.sizes().slice(0, axis));
    return along(x.reshape({rows, -1}), 1).reshape(x.sizes());
}

at::Tensor softmaxAlong(const at::Tensor& x, int64_t axis) {
    return at::softmax(x, axis);
}
at::Tensor logSoftmaxAlong(const at::Tensor& x, int64_t axis) {
    return at::log_softmax(x, axis);
}
at::Tensor hardmaxAlong(const at::Tensor& x, int64_t axis) {
    // The first maximal element wins, as ONNX specifies.
    at::Tensor index = x.argmax(axis, /*keepdim=*/true);
    return at::zeros_like(x).scatter_(axis, index, 1);
}

} // namespace

void registerActivationOps(OpRegistry& r) {
    r.add("Relu", [](const OpContext& c) -> Tensors { return {at::relu(c.input(0))}; });
    r.add("LeakyRelu",
          [](const OpContext& c) -> Tensors { return {at::leaky_relu(c.input(0), c.attrFloat("alpha", 0.01f))}; });
    r.add("PRelu", [](const OpContext& c) -> Tensors {
        const at::Tensor& x = c.input(0);
        return {at::where(x < 0, x * c.input(1), x)};
    });
    r.add("Elu", [](const OpContext& c) -> Tensors {
        const at::Tensor& x = c.input(0);
        const double alpha = c.attrFloat("alpha", 1.0f);
        return {at::where(x < 0, alpha * (at::exp(x) - 1), x)};
    });
    r.add("Selu", [](const OpContext& c) -> Tensors {
        const at::Tensor& x = c.input(0);
        const double alpha = c.attrFloat("alpha", 1.67326319217681884765625f);
        const double gamma = c.attrFloat("gamma", 1.05070102214813232421875f);
        return {gamma * at::where(x <= 0, alpha * (at::exp(x) - 1), x)};
    });
    r.add("Celu", [](const OpContext& c) -> Tensors {
        const at::Tensor& x = c.input(0);
        const double alpha = c.attrFloat("alpha", 1.0f);
        return {at::clamp_min(x, 0) + at::clamp_max(alpha * (at::exp(x / alpha) - 1), 0)};
    });
    r.add("Sigmoid", [](const OpContext& c) -> Tensors { return {at::sigmoid(c.input(0))}; });
    r.add("HardSigmoid", [](const OpContext& c) -> Tensors {
        const double alpha = c.attrFloat("alpha", 0.2f), beta = c.attrFloat("beta", 0.5f);
        return {at::clamp(c.input(0) * alpha + beta, 0, 1)};
    });
    r.add("HardSwish", [](const OpContext& c) -> Tensors {
        const at::Tensor& x = c.input(0);
        return {x * at::clamp(x / 6.0 + 0.5, 0, 1)};
    });
    r.add("Tanh", [](const OpContext& c) -> Tensors { return {at::tanh(c.input(0))}; });
    r.add("Gelu", [](const OpContext& c) -> Tensors {
        const std::string approximate = c.attrString("approximate", "none");
        if (approximate != "none" && approximate != "tanh")
            c.fail("approximate must be 'none' or 'tanh', got '" + approximate + "'");
        return {at::gelu(c.input(0), approximate)};
    });
    r.add("Softplus", [](const OpContext& c) -> Tensors {
        const at::Tensor& x = c.input(0);
        // log(1 + exp(x)) without overflow for large x.
        return {at::clamp_min(x, 0) + at::log1p(at::exp(-at::abs(x)))};
    });
    r.add("Softsign", [](const OpContext& c) -> Tensors {
        const at::Tensor& x = c.input(0);
        return {x / (1 + at::abs(x))};
    });
    r.add("ThresholdedRelu", [](const OpContext& c) -> Tensors {
        const at::Tensor& x = c.input(0);
        return {at::where(x > c.attrFloat("alpha", 1.0f), x, at::zeros_like(x))};
    });
    r.add("Shrink", [](const OpContext& c) -> Tensors {
        const at::Tensor& x = c.input(0);
        const double lambd = c.attrFloat("lambd", 0.5f), bias = c.attrFloat("bias", 0.0f);
        at::Tensor zero = at::zeros_like(x);
        return {at::where(x < -lambd, (x + bias).to(x.scalar_type()),
                          at::where(x > lambd, (x - bias).to(x.scalar_type()), zero))};
    });
    r.add("Softmax", [](const OpContext& c) -> Tensors { return {softmaxLike(c, softmaxAlong)}; });
    r.add("LogSoftmax", [](const OpContext& c) -> Tensors { return {softmaxLike(c, logSoftmaxAlong)}; });
    r.add("Hardmax", [](const OpContext& c) -> Tensors { return {softmaxLike(c, hardmaxAlong)}; });
}

} // namespace autoglm::exec
