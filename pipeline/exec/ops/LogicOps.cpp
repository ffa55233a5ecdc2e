// Comparisons, boolean logic, Where and bit shifts.
#include "pipeline/exec/OpRegistry.h"
#include "pipeline/exec/ops/OpFamilies.h"

namespace autoglm::exec {
namespace {

using Tensors = std::vector<at::Tensor>;

OpKernel binary(at::Tensor (*fn)(const at::Tensor&, const at::Tensor&)) {
    return [fn](const OpContext& c) -> Tensors { return {fn(c.input(0), c.input(1))}; };
}

} // namespace

void registerLogicOps(OpRegistry& r) {
    r.add("Equal", binary([](const at::Tensor& a, const at::Tensor& b) { return at::eq(a, b); }));
    r.add("Less", binary([](const at::Tensor& a, const at::Tensor& b) { return at::lt(a, b); }));
    r.add("LessOrEqual", binary([](const at::Tensor& a, const at::Tensor& b) { return at::le(a, b); }));
    r.add("Greater", binary([](const at::Tensor& a, const at::Tensor& b) { return at::gt(a, b); }));
    r.add("GreaterOrEqual", binary([](const at::Tensor& a, const at::Tensor& b) { return at::ge(a, b); }));
    r.add("And", binary([](const at::Tensor& a, const at::Tensor& b) { return at::logical_and(a, b); }));
    r.add("Or", binary([](const at::Tensor& a, const at::Tensor& b) { return at::logical_or(a, b); }));
    r.add("Xor", binary([](const at::Tensor& a, const at::Tensor& b) { return at::logical_xor(a, b); }));
    r.add("Not", [](const OpContext& c) -> Tensors { return {at::logical_not(c.input(0))}; });
    r.add("Where",
          [](const OpContext& c) -> Tensors { return {at::where(c.input(0).to(at::kBool), c.input(1), c.input(2))}; });
    r.add("BitShift", [](const OpContext& c) -> Tensors {
        const std::string direction = c.attrString("direction", "");
        if (direction == "LEFT")
            return {at::bitwise_left_shift(c.input(0), c.input(1))};
        if (direction == "RIGHT")
            return {at::bitwise_right_shift(c.input(0), c.input(1))};
        c.fail("direction must be LEFT or RIGHT, got '" + direction + "'");
    });
}

} // namespace autoglm::exec
