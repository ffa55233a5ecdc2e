#include "pipeline/ir/TensorUtil.h"

#include "pipeline/exec/TorchTypes.h"

#include <ATen/ATen.h>

#include <sstream>

namespace autoglm {

TensorData makeTensor(DType type, const std::vector<int64_t>& shape, const std::vector<double>& values) {
    at::Tensor t = at::tensor(values, at::kDouble).reshape(shape);
    if (isSubByte(type)) {
        if (!at::equal(t, t.round()))
            throw AutoglmError("makeTensor: " + dtypeName(type) + " values must be whole numbers");
        return TensorData(t.to(at::kLong), type); // checks the range
    }
    return TensorData(t.to(requireTorchType(type, "makeTensor")));
}

TensorData zerosTensor(DType type, const std::vector<int64_t>& shape) {
    const auto storage = storageTorchType(type);
    const at::ScalarType held = storage ? *storage : requireTorchType(type, "zerosTensor");
    at::Tensor zeros = at::zeros(shape, at::TensorOptions().dtype(held));
    return isSubByte(type) ? TensorData(zeros, type) : TensorData(zeros);
}

std::vector<double> tensorValues(const TensorData& tensor) {
    if (!tensor.defined())
        return {};
    at::Tensor t = tensor.tensor().detach().cpu();
    if (t.is_complex())
        t = at::view_as_real(t);
    t = t.to(at::kDouble).contiguous().reshape({-1});
    const double* p = t.data_ptr<double>();
    return {p, p + t.numel()};
}

Closeness compareTensors(const TensorData& actual, const TensorData& expected, double rtol, double atol) {
    Closeness c;
    if (actual.dtype() != expected.dtype()) {
        c.reason = "dtype " + dtypeName(actual.dtype()) + ", expected " + dtypeName(expected.dtype());
        return c;
    }
    if (actual.shape() != expected.shape()) {
        std::ostringstream s;
        s << "shape [";
        for (auto d : actual.shape())
            s << d << ",";
        s << "], expected [";
        for (auto d : expected.shape())
            s << d << ",";
        s << "]";
        c.reason = s.str();
        return c;
    }
    at::Tensor a = actual.tensor().detach().cpu();
    at::Tensor b = expected.tensor().detach().cpu();
    if (a.is_complex()) {
        a = at::view_as_real(a);
        b = at::view_as_real(b);
    }
    if (a.scalar_type() == at::kBool || at::isIntegralType(a.scalar_type(), false)) {
        at::Tensor diff = a.to(at::kLong).sub(b.to(at::kLong)).abs();
        c.maxAbsDiff = diff.numel() ? diff.max().item<double>() : 0.0;
        c.close = c.maxAbsDiff == 0;
        if (!c.close)
            c.reason = "integer values differ (max abs diff " + std::to_string(c.maxAbsDiff) + ")";
        return c;
    }
    a = a.to(at::kDouble);
    b = b.to(at::kDouble);
    const at::Tensor bothNan = at::isnan(a) & at::isnan(b);
    const at::Tensor sameInf = at::isinf(a) & at::isinf(b) & (a == b);
    const at::Tensor diff = at::where(bothNan | sameInf, at::zeros_like(a), (a - b).abs());
    const at::Tensor bad = (diff > atol + rtol * b.abs()) | (at::isnan(diff));
    c.maxAbsDiff = diff.numel() ? at::nan_to_num(diff, 1e300).max().item<double>() : 0.0;
    c.close = !bad.any().item<bool>();
    if (!c.close) {
        const int64_t index = at::where(bad.reshape({-1}))[0][0].item<int64_t>();
        std::ostringstream s;
        s << "element " << index << " is " << a.reshape({-1})[index].item<double>() << ", expected "
          << b.reshape({-1})[index].item<double>() << " (max abs diff " << c.maxAbsDiff << ")";
        c.reason = s.str();
    }
    return c;
}

} // namespace autoglm
