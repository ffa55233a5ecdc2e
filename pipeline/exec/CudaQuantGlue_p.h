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
// (up to 32 rows; more rows dequantize the weight with the int4 dequantize kernel and multiply on cuBLAS)
// when it applies: `a` on a CUDA device (fp16 / bf16; fp32 is run in fp16 and cast back), 4 bits, block 128,
// integral zero points in [0, 15], a device of compute capability 8.0 or newer and a build with the CUDA
// kernels. Otherwise std::nullopt, and the caller runs its own path. The weight is packed once and kept on the
// device, keyed by its input tensors (which it keeps alive). Throws AutoglmError when a kernel call fails.
std::optional<at::Tensor> cudaMatMulNBits(const at::Tensor& a, const at::Tensor& b, const at::Tensor& scales,
                                          const at::Tensor* zeroPoints, int64_t n, int64_t k, int64_t bits,
                                          int64_t blockSize);

// The static W8A8 layer of exec/Int8Linear_p.h (int8QuantizedLinear's arguments) on the W8A8 kernel: x is
// quantized with the file's scale and zero point (QuantizeLinear's arithmetic, on the device), uint8 codes enter
// the kernel as q - 128 with the zero point folded into per-column int32 offsets, so the integer sum is exact;
// the kernel scales it to fp16 (bf16 for a bf16 x), then the bias is added. When it applies: x on a CUDA
// device of compute capability 8.0 or newer, K <= 65536 (the sum then fits int32), a build with the kernels.
// Otherwise std::nullopt. The weight is prepared once per (weight, scale, zero point) and kept on the device.
// The zero point comes as its value, type (uint8 / int8) and element count (1 for a per-tensor one), so the
// caller decides where it is read from (a CUDA tensor's .item() would wait for the GPU).
std::optional<at::Tensor> cudaQuantizedLinear(const at::Tensor& x, float xScale, int64_t zero, at::ScalarType zeroType,
                                              int64_t zeroCount, const at::Tensor& w, const at::Tensor& wScale,
                                              const at::Tensor& bias, bool weightRowsAreOutputs);

// Whether this build has the CUDA kernels and the current device runs them (compute capability 8.0+).
bool cudaQuantKernelsUsable();

// How many times each kernel ran since the process started (tests check that a CUDA run used them).
struct CudaKernelCalls {
    int64_t w4a16 = 0;
    int64_t w4Dequantize = 0; // a 4-bit MatMulNBits over more rows: int4 dequantize kernel + cuBLAS
    int64_t w8a8 = 0;
};
CudaKernelCalls cudaQuantKernelCalls();

// Drops the packed weights kept for cudaMatMulNBits and cudaQuantizedLinear (their device memory).
void clearCudaQuantCache();

} // namespace autoglm::exec
