#pragma once
// Private to pipeline/exec: the executor's bridge to the CUDA quantization kernels of kernels/ (Marlin's "thin
// glue": tensors in, raw pointers to the C entry points, errors back as exceptions naming the kernel). Every
// difference between a LibTorch with CUDA (the GPU machine's 2.x) and Debian's CPU-only 1.13 stays in the .cpp,
// behind AUTOGLM_HAVE_CUDA; no ATen/cuda header is needed (kernels run on the default stream, which is also
// LibTorch's unless a caller sets another).

#include <ATen/ATen.h>

#include <optional>

namespace autoglm::exec {

// y = a . dequant(B)^T for ONNX Runtime's MatMulNBits layout (B uint8 [N, blocks, 64], scales [N, blocks] or
// [N * blocks], zero points packed uint8 or in the scales' type, absent = 8), computed by the W4A16 kernel
// when it applies: `a` on a CUDA device (fp16 / bf16; fp32 is run in fp16 and cast back), 4 bits, block 128,
// integral zero points in [0, 15], a device of compute capability 8.0 or newer and a build with the CUDA
// kernels. Otherwise std::nullopt, and the caller runs its own path. The weight is packed once and kept on the
// device, keyed by its input tensors (which it keeps alive). Throws AutoglmError when a kernel call fails.
std::optional<at::Tensor> cudaMatMulNBits(const at::Tensor& a, const at::Tensor& b, const at::Tensor& scales,
                                          const at::Tensor* zeroPoints, int64_t n, int64_t k, int64_t bits,
                                          int64_t blockSize);

// Drops the packed weights kept for cudaMatMulNBits (their device memory).
void clearCudaQuantCache();

} // namespace autoglm::exec
