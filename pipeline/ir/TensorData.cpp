#include "pipeline/ir/TensorData.h"

#include "pipeline/exec/TorchTypes.h"

#include <ATen/ATen.h>

namespace autoglm {

TensorData::TensorData() = default;
TensorData::TensorData(const at::Tensor& tensor) : m_tensor(std::make_unique<at::Tensor>(tensor)) {}
TensorData::~TensorData() = default;
TensorData::TensorData(const TensorData& other)
    : m_tensor(other.m_tensor ? std::make_unique<at::Tensor>(*other.m_tensor) : nullptr) {}
TensorData& TensorData::operator=(const TensorData& other) {
    if (this != &other)
        m_tensor = other.m_tensor ? std::make_unique<at::Tensor>(*other.m_tensor) : nullptr;
    return *this;
}
TensorData::TensorData(TensorData&&) noexcept = default;
TensorData& TensorData::operator=(TensorData&&) noexcept = default;

bool TensorData::defined() const {
    return m_tensor && m_tensor->defined();
}

DType TensorData::dtype() const {
    return defined() ? dtypeFromTorch(m_tensor->scalar_type()) : DType::Undefined;
}

std::vector<int64_t> TensorData::shape() const {
    if (!defined())
        return {};
    auto sizes = m_tensor->sizes();
    return {sizes.begin(), sizes.end()};
}

int64_t TensorData::numel() const {
    return defined() ? m_tensor->numel() : 0;
}

int64_t TensorData::byteSize() const {
    return defined() ? m_tensor->numel() * m_tensor->element_size() : 0;
}

const at::Tensor& TensorData::tensor() const {
    static const at::Tensor undefined;
    return m_tensor ? *m_tensor : undefined;
}

bool TensorData::bitEqual(const TensorData& other) const {
    if (defined() != other.defined())
        return false;
    if (!defined())
        return true;
    const at::Tensor& a = *m_tensor;
    const at::Tensor& b = other.tensor();
    if (a.scalar_type() != b.scalar_type() || a.sizes() != b.sizes())
        return false;
    at::Tensor ca = a.contiguous().cpu();
    at::Tensor cb = b.contiguous().cpu();
    return std::memcmp(ca.data_ptr(), cb.data_ptr(), ca.numel() * ca.element_size()) == 0;
}

} // namespace autoglm
