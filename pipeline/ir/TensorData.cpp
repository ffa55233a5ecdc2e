#include "pipeline/ir/TensorData.h"

#include "pipeline/exec/TorchTypes.h"
#include "pipeline/ir/SubByte.h"

#include <ATen/ATen.h>

#include <atomic>
#include <mutex>

namespace autoglm {

struct TensorData::OnFirstUse {
    // A mutex rather than std::call_once: a conversion that throws (out of memory) must leave the next call free
    // to try again, which call_once does not guarantee with this libstdc++.
    std::mutex mutex;
    at::Tensor stored; // released once `value` exists
    bool transposed = false;
    DType storedType = DType::Undefined;
    std::vector<int64_t> shape; // of `value`
    int64_t numel = 0;
    at::Tensor value;
    std::atomic<bool> done{false};

    const at::Tensor& get() {
        if (done)
            return value;
        std::lock_guard lock(mutex);
        if (!done) {
            at::Tensor v = stored.to(at::kFloat);
            v = transposed ? v.t().contiguous() : v.contiguous();
            if (v.data_ptr() == stored.data_ptr())
                v = v.clone(); // never write through to the mapped file
            value = std::move(v);
            stored = at::Tensor();
            done = true;
        }
        return value;
    }
    int64_t zeros() {
        std::lock_guard lock(mutex);
        return (done ? value : stored).eq(0).sum().item<int64_t>();
    }
};

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

TensorData TensorData::floatOnFirstUse(const at::Tensor& stored, bool transposed) {
    if (!stored.defined() || !at::isFloatingType(stored.scalar_type()) || (transposed && stored.dim() != 2))
        throw AutoglmError("a weight computed on first use needs a floating tensor (2-D when transposed)");
    auto lazy = std::make_shared<OnFirstUse>();
    lazy->stored = stored;
    lazy->transposed = transposed;
    lazy->storedType = dtypeFromTorch(stored.scalar_type());
    lazy->shape.assign(stored.sizes().begin(), stored.sizes().end());
    if (transposed)
        std::swap(lazy->shape[0], lazy->shape[1]);
    lazy->numel = stored.numel();
    TensorData t;
    t.m_onFirstUse = std::move(lazy);
    return t;
}

TensorData::~TensorData() = default;
TensorData::TensorData(const TensorData& other)
    : m_tensor(other.m_tensor ? std::make_unique<at::Tensor>(*other.m_tensor) : nullptr),
      m_onFirstUse(other.m_onFirstUse), m_subByte(other.m_subByte) {}
TensorData& TensorData::operator=(const TensorData& other) {
    if (this != &other) {
        m_tensor = other.m_tensor ? std::make_unique<at::Tensor>(*other.m_tensor) : nullptr;
        m_onFirstUse = other.m_onFirstUse;
        m_subByte = other.m_subByte;
    }
    return *this;
}
TensorData::TensorData(TensorData&&) noexcept = default;
TensorData& TensorData::operator=(TensorData&&) noexcept = default;

bool TensorData::defined() const {
    return m_onFirstUse || (m_tensor && m_tensor->defined());
}

DType TensorData::dtype() const {
    if (!defined())
        return DType::Undefined;
    if (m_onFirstUse)
        return DType::Float;
    return m_subByte != DType::Undefined ? m_subByte : dtypeFromTorch(m_tensor->scalar_type());
}

std::vector<int64_t> TensorData::shape() const {
    if (m_onFirstUse)
        return m_onFirstUse->shape;
    if (!defined())
        return {};
    auto sizes = m_tensor->sizes();
    return {sizes.begin(), sizes.end()};
}

int64_t TensorData::numel() const {
    if (m_onFirstUse)
        return m_onFirstUse->numel;
    return defined() ? m_tensor->numel() : 0;
}

int64_t TensorData::byteSize() const {
    if (m_onFirstUse)
        return m_onFirstUse->numel * 4;
    if (!defined())
        return 0;
    return m_subByte != DType::Undefined ? dtypeStorageBytes(m_subByte, m_tensor->numel())
                                         : m_tensor->numel() * m_tensor->element_size();
}

const at::Tensor& TensorData::tensor() const {
    static const at::Tensor undefined;
    if (m_onFirstUse)
        return m_onFirstUse->get();
    return m_tensor ? *m_tensor : undefined;
}

DType TensorData::storedDtype() const {
    return m_onFirstUse ? m_onFirstUse->storedType : dtype();
}

bool TensorData::materialized() const {
    return !m_onFirstUse || m_onFirstUse->done;
}

int64_t TensorData::zeroCount() const {
    if (m_onFirstUse)
        return m_onFirstUse->zeros();
    return defined() ? (tensor() == 0).sum().item<int64_t>() : 0;
}

bool TensorData::bitEqual(const TensorData& other) const {
    if (defined() != other.defined())
        return false;
    if (!defined())
        return true;
    const at::Tensor& a = tensor();
    const at::Tensor& b = other.tensor();
    if (dtype() != other.dtype() || a.scalar_type() != b.scalar_type() || a.sizes() != b.sizes())
        return false;
    at::Tensor ca = a.contiguous().cpu();
    at::Tensor cb = b.contiguous().cpu();
    return std::memcmp(ca.data_ptr(), cb.data_ptr(), ca.numel() * ca.element_size()) == 0;
}

} // namespace autoglm
