#include "pipeline/ir/TensorData.h"

#include "pipeline/exec/TorchTypes.h"
#include "pipeline/ir/SubByte.h"

#include <ATen/ATen.h>

namespace autoglm {

TensorData::TensorData() = default;
TensorData::TensorData(const at::Tensor& tensor) : m_tensor(std::make_unique<at::Tensor>(tensor)) {}

TensorData::TensorData(const at::Tensor& unpacked, DType logical) {
    if (!unpacked.defined())
        throw AutoglmError("cannot make a " + dtypeName(logical) + " tensor from an undefined tensor");
    if (!isSubByte(logical)) {
        if (dtypeFromTorch(unpacked.scalar_type()) != logical)
            throw AutoglmError("a " + dtypeName(logical) + " tensor cannot hold a tensor of type " +
                               std::string(at::toString(unpacked.scalar_type())));
        m_tensor = std::make_unique<at::Tensor>(unpacked);
        return;
    }
    if (!at::isIntegralType(unpacked.scalar_type(), /*includeBool=*/false))
        throw AutoglmError("a " + dtypeName(logical) + " tensor is made from integer values, not " +
                           std::string(at::toString(unpacked.scalar_type())));
    const auto [lo, hi] = subByteRange(logical);
    if (unpacked.numel() > 0) {
        const at::Tensor wide = unpacked.detach().to(at::kLong);
        const int64_t min = wide.min().item<int64_t>();
        const int64_t max = wide.max().item<int64_t>();
        if (min < lo || max > hi)
            throw AutoglmError("values of a " + dtypeName(logical) + " tensor must lie in [" + std::to_string(lo) +
                               ", " + std::to_string(hi) + "], got [" + std::to_string(min) + ", " +
                               std::to_string(max) + "]");
    }
    m_tensor = std::make_unique<at::Tensor>(unpacked.to(logical == DType::Int4 ? at::kChar : at::kByte));
    m_subByte = logical;
}

Result<TensorData> TensorData::fromUnpacked(const at::Tensor& unpacked, DType logical) {
    try {
        return TensorData(unpacked, logical);
    } catch (const std::exception& e) {
        return Error{e.what()};
    }
}

TensorData::~TensorData() = default;
TensorData::TensorData(const TensorData& other)
    : m_tensor(other.m_tensor ? std::make_unique<at::Tensor>(*other.m_tensor) : nullptr), m_subByte(other.m_subByte) {}
TensorData& TensorData::operator=(const TensorData& other) {
    if (this != &other) {
        m_tensor = other.m_tensor ? std::make_unique<at::Tensor>(*other.m_tensor) : nullptr;
        m_subByte = other.m_subByte;
    }
    return *this;
}
TensorData::TensorData(TensorData&&) noexcept = default;
TensorData& TensorData::operator=(TensorData&&) noexcept = default;

bool TensorData::defined() const {
    return m_tensor && m_tensor->defined();
}

DType TensorData::dtype() const {
    if (!defined())
        return DType::Undefined;
    return m_subByte != DType::Undefined ? m_subByte : dtypeFromTorch(m_tensor->scalar_type());
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
    if (!defined())
        return 0;
    return m_subByte != DType::Undefined ? dtypeStorageBytes(m_subByte, m_tensor->numel())
                                         : m_tensor->numel() * m_tensor->element_size();
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
    if (dtype() != other.dtype() || a.scalar_type() != b.scalar_type() || a.sizes() != b.sizes())
        return false;
    at::Tensor ca = a.contiguous().cpu();
    at::Tensor cb = b.contiguous().cpu();
    return std::memcmp(ca.data_ptr(), cb.data_ptr(), ca.numel() * ca.element_size()) == 0;
}

} // namespace autoglm
