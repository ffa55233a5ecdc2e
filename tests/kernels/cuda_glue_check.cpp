// Manual GPU check of pipeline/exec/CudaQuantGlue.cpp (the executor's MatMulNBits -> W4A16 kernel path) against
// LibTorch math on the CPU. Not part of CTest: it needs a LibTorch with CUDA, which only the GPU machine has;
// tests/kernels/run_on_gpu.sh compiles and runs it there when python3's torch is present.
#include <ATen/ATen.h>

#include <cstdio>
#include <optional>

// Declared as in pipeline/exec/CudaQuantGlue_p.h (a private header tests may not include: tests/check_layering.sh).
namespace autoglm::exec {
std::optional<at::Tensor> cudaMatMulNBits(const at::Tensor& a, const at::Tensor& b, const at::Tensor& scales,
                                          const at::Tensor* zeroPoints, int64_t n, int64_t k, int64_t bits,
                                          int64_t blockSize);
}

using namespace autoglm;

namespace {

// MatMulNBits reference: W[n][k] = (code - zero) * scale, float32 matmul on the CPU.
at::Tensor reference(const at::Tensor& a, const at::Tensor& codes, const at::Tensor& scales, const at::Tensor& zeros,
                     int64_t n, int64_t k) {
    const at::Tensor c = codes.to(at::kInt);
    const at::Tensor lo = at::bitwise_and(c, 15), hi = at::bitwise_right_shift(c, 4);
    const at::Tensor q = at::stack({lo, hi}, -1).reshape({n, -1}).to(at::kFloat); // [N, blocks * 128]
    const at::Tensor w = ((q.reshape({n, -1, 128}) - zeros.unsqueeze(-1)) * scales.unsqueeze(-1)).reshape({n, -1});
    return at::matmul(a.to(at::kCPU).to(at::kFloat), w.narrow(1, 0, k).t());
}

bool check(const char* name, at::ScalarType type, int64_t m, int64_t n, int64_t k, bool packedZeros, bool noZeros) {
    const int64_t blocks = (k + 127) / 128;
    const at::Tensor codes = at::randint(0, 256, {n, blocks, 64}, at::TensorOptions().dtype(at::kByte));
    const at::Tensor scales = at::rand({n, blocks}) * 0.02 + 0.005;
    const at::Tensor zf = noZeros ? at::full({n, blocks}, 8.0) : at::randint(0, 16, {n, blocks}).to(at::kFloat);
    at::Tensor zp; // packed: two 4-bit zero points a byte, low nibble first, rows padded to whole bytes
    if (packedZeros) {
        const int64_t rowBytes = (blocks + 1) / 2;
        at::Tensor padded = at::zeros({n, rowBytes * 2}, at::TensorOptions().dtype(at::kInt));
        padded.narrow(1, 0, blocks).copy_(zf.to(at::kInt));
        const at::Tensor pairs = padded.reshape({n, rowBytes, 2});
        zp = (pairs.select(2, 0) + pairs.select(2, 1) * 16).to(at::kByte);
    } else {
        zp = zf.clone();
    }
    const at::Tensor a = at::randn({m, k}).to(type).to(at::kCUDA);
    const at::Tensor bDev = codes.to(at::kCUDA), sDev = scales.to(at::kCUDA), zDev = zp.to(at::kCUDA);
    std::optional<at::Tensor> y =
        exec::cudaMatMulNBits(a, bDev, sDev, noZeros ? nullptr : &zDev, n, k, 4, 128);
    if (!y) {
        std::printf("%-28s not taken by the CUDA path\n", name);
        return false;
    }
    const at::Tensor ref = reference(a, codes, scales, zf, n, k);
    const at::Tensor got = y->to(at::kCPU).to(at::kFloat);
    const double rel = (got - ref).norm().item<double>() / ref.norm().item<double>();
    const double cos = at::cosine_similarity(got.flatten(), ref.flatten(), 0).item<double>();
    const double tol = type == at::kBFloat16 ? 1.5e-2 : 3e-3;
    const bool ok = rel <= tol && y->scalar_type() == type && y->sizes() == at::IntArrayRef({m, n});
    std::printf("%-28s M=%lld N=%lld K=%lld  rel.err %.2e  cosine %.6f  %s\n", name, (long long)m, (long long)n,
                (long long)k, rel, cos, ok ? "ok" : "FAIL");
    // Second call hits the packed-weight cache and must give the same result.
    const at::Tensor again = exec::cudaMatMulNBits(a, bDev, sDev, noZeros ? nullptr : &zDev, n, k, 4, 128)->to(at::kCPU);
    return ok && at::equal(again, y->to(at::kCPU));
}

} // namespace

int main() {
    if (!at::hasCUDA()) {
        std::printf("no CUDA in this LibTorch\n");
        return 0;
    }
    at::manual_seed(1);
    bool ok = true;
    ok &= check("fp16 packed zero points", at::kHalf, 1, 4096, 4096, true, false);
    ok &= check("fp16 float zero points", at::kHalf, 7, 256, 1000, false, false);
    ok &= check("fp16 no zero points", at::kHalf, 33, 300, 512, false, true);
    ok &= check("bf16 packed zero points", at::kBFloat16, 16, 512, 384, true, false);
    ok &= check("fp32 activations (fp16 run)", at::kFloat, 64, 1024, 256, true, false);
    // More than 32 rows: int4 dequantize kernel + cuBLAS (the cases of 33 and 64 rows above take it too).
    ok &= check("bf16 prefill rows", at::kBFloat16, 300, 4096, 1024, true, false);
    // Paths the kernel must decline: a CPU tensor, 8 bits.
    const at::Tensor cpuA = at::randn({1, 128});
    const at::Tensor b = at::zeros({8, 1, 64}, at::TensorOptions().dtype(at::kByte)), s = at::ones({8, 1});
    ok &= !exec::cudaMatMulNBits(cpuA, b, s, nullptr, 8, 128, 4, 128).has_value();
    ok &= !exec::cudaMatMulNBits(cpuA.to(at::kCUDA), b.to(at::kCUDA), s.to(at::kCUDA), nullptr, 8, 128, 8, 128).has_value();
    std::printf("cuda glue check: %s\n", ok ? "PASSED" : "FAILED");
    return ok ? 0 : 1;
}
