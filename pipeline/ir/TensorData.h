#pragma once
// A tensor held by the IR (an initializer, a constant attribute, an executor input or output). It owns a
// LibTorch tensor, but this header only forward-declares it so that Qt-side code and most of the core never
// pay for LibTorch's headers. Code that needs the tensor includes <ATen/ATen.h> itself.

#include "pipeline/ir/DType.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace at {
class Tensor;
}

namespace autoglm {

class TensorData {
public:
    TensorData();
    explicit TensorData(const at::Tensor& tensor);
    ~TensorData();
    TensorData(const TensorData&);
    TensorData& operator=(const TensorData&);
    TensorData(TensorData&&) noexcept;
    TensorData& operator=(TensorData&&) noexcept;

    bool defined() const;
    DType dtype() const;
    std::vector<int64_t> shape() const;
    int64_t numel() const;
    int64_t byteSize() const;

    // The LibTorch tensor; only callable where ATen is included. Undefined tensors are reported by defined().
    const at::Tensor& tensor() const;

    // True when both have the same dtype, shape and bytes.
    bool bitEqual(const TensorData& other) const;

private:
    std::unique_ptr<at::Tensor> m_tensor;
};

} // namespace autoglm
