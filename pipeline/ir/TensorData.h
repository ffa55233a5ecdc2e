#pragma once
// A tensor held by the IR (an initializer, a constant attribute, an executor input or output). It owns a
// LibTorch tensor, but this header only forward-declares it so that Qt-side code and most of the core never
// pay for LibTorch's headers. Code that needs the tensor includes <ATen/ATen.h> itself.
//
// LibTorch has no 4-bit element type, so Int4 and UInt4 tensors are held unpacked, one value per byte (int8
// storage for Int4, uint8 for UInt4), with the logical type kept beside the tensor: dtype() reports it,
// byteSize() counts the packed size, and ONNX import/export packs and unpacks at the file boundary.
//
// A checkpoint's weights (bf16, fp16 or fp32 in a memory-mapped safetensors file) enter the IR as float32
// tensors that are computed from the mapping the first time tensor() is called (by the executor or a pass):
// shape, type and size are known without it, so loading a model, its layer table and planning copy nothing.
// Copies of such a TensorData share the one float tensor once it exists.

#include "pipeline/common/Result.h"
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
    // A 4-bit tensor from one value per element: `unpacked` is any integer tensor whose values lie in the
    // logical type's range ([-8, 7] for Int4, [0, 15] for UInt4); it is stored as int8 / uint8. With any
    // other logical type, the tensor's own type must be that type. Throws AutoglmError naming what is wrong.
    TensorData(const at::Tensor& unpacked, DType logical);
    // The same as a value: the error instead of an exception.
    static Result<TensorData> fromUnpacked(const at::Tensor& unpacked, DType logical);
    // A float32 tensor made on first use from `stored` (any floating type, typically a view of a mapped file),
    // transposed when `transposed` (a 2-D [out, in] weight read by MatMul as [in, out]).
    static TensorData floatOnFirstUse(const at::Tensor& stored, bool transposed);
    ~TensorData();
    TensorData(const TensorData&);
    TensorData& operator=(const TensorData&);
    TensorData(TensorData&&) noexcept;
    TensorData& operator=(TensorData&&) noexcept;

    bool defined() const;
    // The logical type: Int4 / UInt4 for 4-bit tensors, else the tensor's own type.
    DType dtype() const;
    std::vector<int64_t> shape() const;
    int64_t numel() const;
    // Bytes as stored in a file: 4-bit tensors count half a byte per element, rounded up.
    int64_t byteSize() const;

    // The LibTorch tensor; only callable where ATen is included. Undefined tensors are reported by defined().
    // For 4-bit tensors this is the unpacked int8 / uint8 tensor.
    const at::Tensor& tensor() const;

    // True when both have the same logical dtype, shape and values.
    bool bitEqual(const TensorData& other) const;

    // The type the values are held in until first use: a checkpoint weight's stored type (BFloat16, ...);
    // dtype() for every other tensor.
    DType storedDtype() const;
    // False while a floatOnFirstUse tensor has not been computed yet.
    bool materialized() const;
    // Elements equal to zero (of the stored form while not materialized: it makes no float copy).
    int64_t zeroCount() const;

private:
    struct OnFirstUse;
    std::unique_ptr<at::Tensor> m_tensor;
    std::shared_ptr<OnFirstUse> m_onFirstUse; // set instead of m_tensor by floatOnFirstUse
    DType m_subByte = DType::Undefined;       // Int4 / UInt4 when the tensor holds 4-bit values, else Undefined
};

} // namespace autoglm
