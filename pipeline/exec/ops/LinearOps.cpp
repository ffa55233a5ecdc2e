// Matrix products and linear algebra: Gemm, MatMul, Einsum, Det.
#include "pipeline/exec/OpRegistry.h"
#include "pipeline/exec/ops/OpFamilies.h"

namespace autoglm::exec {
namespace {

using Tensors = std::vector<at::Tensor>;

at::Tensor gemm(const OpContext& c) {
    at::Tensor a = c.input(0);
    at::Tensor b = c.input(1);
    if (a.dim() != 2 || b.dim() != 2)
        c.fail("A and B must be 2-D");
    if (c.attrInt("transA", 0))
        a = a.t();
    if (c.attrInt("transB", 0))
        b = b.t();
    const double alpha = c.attrFloat("alpha", 1.0f);
    const double beta = c.attrFloat("beta", 1.0f);
    if (!c.hasInput(2))
        return alpha == 1.0 ? at::matmul(a, b) : at::matmul(a, b) * alpha;
    // addmm fuses the bias add into the BLAS call.
    return at::addmm(c.input(2), a, b, beta, alpha);
}

at::Tensor einsum(const OpContext& c) {
    std::string equation = c.attrString("equation", "");
    equation.erase(std::remove(equation.begin(), equation.end(), ' '), equation.end());
    return at::einsum(equation, c.inputs());
}

} // namespace

void registerLinearOps(OpRegistry& r) {
    r.add("Gemm", [](const OpContext& c) -> Tensors { return {gemm(c)}; });
    r.add("MatMul", [](const OpContext& c) -> Tensors { return {at::matmul(c.input(0), c.input(1))}; });
    r.add("Einsum", [](const OpContext& c) -> Tensors { return {einsum(c)}; });
    r.add("Det", [](const OpContext& c) -> Tensors { return {at::linalg_det(c.input(0))}; });
}

} // namespace autoglm::exec
