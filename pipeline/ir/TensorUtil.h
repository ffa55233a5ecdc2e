#pragma once
// Torch-free helpers over TensorData for callers that must not include LibTorch (tests, CLI, GUI adapters):
// building small tensors, reading values back, and comparing with tolerances.

#include "pipeline/ir/TensorData.h"

#include <string>
#include <vector>

namespace autoglm {

// Throws AutoglmError for a type LibTorch cannot hold or, for Int4 / UInt4, values outside the type's range.
TensorData makeTensor(DType type, const std::vector<int64_t>& shape, const std::vector<double>& values);
TensorData zerosTensor(DType type, const std::vector<int64_t>& shape);
std::vector<double> tensorValues(const TensorData& tensor);

struct Closeness {
    bool close = false;
    double maxAbsDiff = 0;
    std::string reason; // why not close: dtype, shape, or the worst element
};

// numpy.testing.assert_allclose semantics: |a - b| <= atol + rtol * |b|, NaNs equal where both are NaN.
Closeness compareTensors(const TensorData& actual, const TensorData& expected, double rtol, double atol);

} // namespace autoglm
