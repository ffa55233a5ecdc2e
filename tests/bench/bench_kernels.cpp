// Kernel benchmark: every quantization kernel against cuBLAS fp16 (and bf16) GEMM in the same process, on the
// issue's Llama-class shapes. CUDA-event timing after warm-up; the 50-60 MB L2 is defeated by rotating through
// more than 128 MB of weight copies (each launch reads a copy the previous ones evicted). Prints TFLOP/s, GB/s
// (the bytes each kernel must move: weights + activations + outputs) and the speedup over cuBLAS.
//
//   bench_kernels [--quick]      (--quick: M in {1, 4096} only)
//   bench_kernels --focus        W4A16 at 4096 x 4096, M = 1 / 16 / 32 / 256, against cuBLAS (tuning runs)
//   bench_kernels --ncu          one launch of each kernel of interest, for Nsight Compute
//   bench_kernels --w8           W8A8 variants only (mma.sync, wgmma) against cuBLAS fp16 / bf16 / int8
//   bench_kernels --ncu-w8       one launch each of the W8A8 kernels and cuBLAS at 4096^3, for Nsight Compute
//   bench_kernels --w8-ksweep    W8A8 wgmma and cuBLAS at M = N = 4096 over K (per-k-step cost vs fixed cost)
#include "kernels/HalfBits.h"
#include "kernels/QuantKernels.h"
#include "tests/kernels/SplitMix64.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace {

#define CK(call)                                                                                                       \
    do {                                                                                                               \
        cudaError_t e_ = (call);                                                                                       \
        if (e_ != cudaSuccess) {                                                                                       \
            std::fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #call, cudaGetErrorString(e_));                 \
            std::exit(2);                                                                                              \
        }                                                                                                              \
    } while (0)
#define KK(call)                                                                                                       \
    do {                                                                                                               \
        autoglm_kstatus s_ = (call);                                                                                   \
        if (s_ != AUTOGLM_K_OK) {                                                                                      \
            std::fprintf(stderr, "%s:%d %s: %s (%s)\n", __FILE__, __LINE__, #call, autoglm_kstatus_name(s_),           \
                         autoglm_kernels_last_error());                                                                \
            std::exit(2);                                                                                              \
        }                                                                                                              \
    } while (0)
#define CB(call)                                                                                                       \
    do {                                                                                                               \
        cublasStatus_t s_ = (call);                                                                                    \
        if (s_ != CUBLAS_STATUS_SUCCESS) {                                                                             \
            std::fprintf(stderr, "%s:%d %s: cuBLAS status %d\n", __FILE__, __LINE__, #call, int(s_));                  \
            std::exit(2);                                                                                              \
        }                                                                                                              \
    } while (0)

constexpr size_t kRotateBytes = size_t(160) << 20; // > 2.5x the L2

using kerneltest::Rng;

// `count` device copies of the same host bytes (so each launch can read a copy that is not in L2).
struct Copies {
    std::vector<void*> ptrs;
    Copies(const void* host, size_t bytes, size_t minTotal = kRotateBytes) {
        const size_t count = std::max<size_t>(2, (minTotal + bytes - 1) / bytes);
        for (size_t i = 0; i < count; ++i) {
            void* p;
            CK(cudaMalloc(&p, bytes));
            CK(cudaMemcpy(p, host, bytes, cudaMemcpyHostToDevice));
            ptrs.push_back(p);
        }
    }
    ~Copies() {
        for (void* p : ptrs)
            cudaFree(p);
    }
    void* at(size_t i) const { return ptrs[i % ptrs.size()]; }
};

std::vector<uint16_t> randomHalf(size_t n, uint64_t seed, float lo = -1.f, float hi = 1.f, int dtype = 0) {
    Rng r{seed};
    std::vector<uint16_t> v(n);
    for (auto& x : v)
        x = autoglm::kernels::floatToDtype(dtype, r.uniform(lo, hi));
    return v;
}
std::vector<uint8_t> randomBytes(size_t n, uint64_t seed) {
    Rng r{seed};
    std::vector<uint8_t> v(n);
    for (auto& x : v)
        x = uint8_t(r.next());
    return v;
}

// The fp16 and int8 forms of one random N x K weight (each in rotated copies) and its int8 per-channel scales.
struct GemmWeights {
    Copies w16, w8;
    void* s8 = nullptr;
    GemmWeights(int64_t n, int64_t k)
        : w16(randomHalf(size_t(n * k), uint64_t(n + k), -0.05f, 0.05f).data(), size_t(n * k) * 2),
          w8(randomBytes(size_t(n * autoglm_i8_row_stride(k)), 5).data(), size_t(n * autoglm_i8_row_stride(k))) {
        const std::vector<float> scales(size_t(n), 1.f / 127.f / 64.f);
        CK(cudaMalloc(&s8, size_t(n) * 4));
        CK(cudaMemcpy(s8, scales.data(), scales.size() * 4, cudaMemcpyHostToDevice));
    }
    ~GemmWeights() { cudaFree(s8); }
};

cudaStream_t g_stream;
autoglm_stream kstream() { return reinterpret_cast<autoglm_stream>(g_stream); }

// Our W8A8 GEMM on the variant named, fp16 out.
void w8a8Gemm(autoglm_gemm_path path, const void* q, const void* qScales, const void* w8, const void* wScales,
              int64_t m, int64_t n, int64_t k, void* y) {
    const autoglm_w8a8_gemm g{path, static_cast<const int8_t*>(q), static_cast<const float*>(qScales),
                              static_cast<const int8_t*>(w8), static_cast<const float*>(wScales), nullptr, m, n, k,
                              AUTOGLM_F16, y};
    KK(autoglm_gemm_w8a8_ex(&g, kstream()));
}

// Mean time of one call (µs), warm-up first, 5 timed batches, the median batch. Plain mode launches the calls
// on the stream as an application would (CPU launch cost included when kernels are shorter than it); graph
// mode captures a batch into a CUDA graph and times its replays, the GPU's own time per call (what a decode
// loop under CUDA graphs sees). Both contenders always run in the same mode.
double timeUs(const std::function<void(int)>& call, bool graph) {
    for (int i = 0; i < 5; ++i)
        call(i);
    CK(cudaStreamSynchronize(g_stream));
    cudaEvent_t a, b;
    CK(cudaEventCreate(&a));
    CK(cudaEventCreate(&b));
    CK(cudaEventRecord(a, g_stream));
    for (int i = 0; i < 10; ++i)
        call(i);
    CK(cudaEventRecord(b, g_stream));
    CK(cudaEventSynchronize(b));
    float trial = 0;
    CK(cudaEventElapsedTime(&trial, a, b));
    // Batches of ~10 ms (at most 1000 calls in a graph).
    const int reps = std::clamp(int(10.0 / std::max(1e-3, double(trial) / 10)), 10, graph ? 1000 : 2000);
    cudaGraphExec_t exec = nullptr;
    if (graph) {
        cudaGraph_t g;
        CK(cudaStreamBeginCapture(g_stream, cudaStreamCaptureModeThreadLocal));
        for (int i = 0; i < reps; ++i)
            call(i);
        CK(cudaStreamEndCapture(g_stream, &g));
        CK(cudaGraphInstantiate(&exec, g, 0));
        CK(cudaGraphDestroy(g));
        CK(cudaGraphLaunch(exec, g_stream)); // upload + warm
        CK(cudaStreamSynchronize(g_stream));
    }
    std::vector<double> batches;
    int it = 0;
    for (int batch = 0; batch < 5; ++batch) {
        CK(cudaEventRecord(a, g_stream));
        if (graph) {
            CK(cudaGraphLaunch(exec, g_stream));
        } else {
            for (int i = 0; i < reps; ++i)
                call(it++);
        }
        CK(cudaEventRecord(b, g_stream));
        CK(cudaEventSynchronize(b));
        float ms = 0;
        CK(cudaEventElapsedTime(&ms, a, b));
        batches.push_back(1000.0 * ms / reps);
    }
    CK(cudaGetLastError());
    if (exec)
        CK(cudaGraphExecDestroy(exec));
    cudaEventDestroy(a);
    cudaEventDestroy(b);
    std::sort(batches.begin(), batches.end());
    return batches[2];
}

struct Shape {
    int64_t n, k;
};

cublasHandle_t g_blas;

// y[M][N] = x[M][K] . w[N][K]^T in column-major terms: y^T (N x M) = w (K x N)^T . x^T (K x M).
void cublasGemm(cudaDataType_t t, const void* x, const void* w, void* y, int64_t m, int64_t n, int64_t k) {
    const float one = 1.f, zero = 0.f;
    CB(cublasGemmEx(g_blas, CUBLAS_OP_T, CUBLAS_OP_N, int(n), int(m), int(k), &one, w, t, int(k), x, t, int(k), &zero,
                    y, t, int(n), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}

// cuBLAS's own int8 GEMM (int32 out, no scales: what torch._int_mm calls) on the padded int8 rows.
void cublasGemmI8(const void* q, const void* w8, void* y32, int64_t m, int64_t n, int64_t k) {
    const int32_t one = 1, zero = 0;
    const int ldk = int(autoglm_i8_row_stride(k));
    CB(cublasGemmEx(g_blas, CUBLAS_OP_T, CUBLAS_OP_N, int(n), int(m), int(k), &one, w8, CUDA_R_8I, ldk, q, CUDA_R_8I,
                    ldk, &zero, y32, CUDA_R_32I, int(n), CUBLAS_COMPUTE_32I, CUBLAS_GEMM_DEFAULT));
}

double copyBandwidthGBs() {
    const size_t bytes = size_t(1) << 30;
    void *a, *b;
    CK(cudaMalloc(&a, bytes));
    CK(cudaMalloc(&b, bytes));
    CK(cudaMemset(a, 1, bytes));
    const double us = timeUs([&](int) { CK(cudaMemcpyAsync(b, a, bytes, cudaMemcpyDeviceToDevice, g_stream)); }, false);
    cudaFree(a);
    cudaFree(b);
    return 2.0 * bytes / (us * 1e-6) / 1e9; // bytes read + written
}

struct W4Host {
    std::vector<autoglm_q4_tile> tiles;
    std::vector<uint16_t> scales;
    std::vector<uint8_t> zeros;
};
W4Host makeW4(int64_t n, int64_t k, bool asym, int dtype, uint64_t seed) {
    const int64_t groups = autoglm_q4_groups(k);
    const std::vector<uint8_t> codes = randomBytes(size_t(n * groups * 64), seed);
    Rng r{seed + 1};
    std::vector<float> scales(size_t(n * groups));
    for (auto& s : scales)
        s = r.uniform(0.5f, 1.5f) / 8.f / 64.f;
    std::vector<uint8_t> zeros;
    if (asym)
        for (int64_t i = 0; i < n * groups; ++i)
            zeros.push_back(uint8_t(r.next() % 16));
    W4Host h;
    h.tiles.resize(size_t(autoglm_q4_tile_count(n, k)));
    h.scales.resize(size_t(autoglm_q4_param_count(n, k)));
    if (asym)
        h.zeros.resize(h.scales.size());
    KK(autoglm_w4_pack(autoglm_dtype(dtype), n, k, reinterpret_cast<const autoglm_block_q4*>(codes.data()),
                       scales.data(), asym ? zeros.data() : nullptr, h.tiles.data(), h.scales.data(),
                       asym ? h.zeros.data() : nullptr));
    return h;
}

// The packed weight's three arrays, copied often enough together to exceed the rotation size.
struct W4Copies {
    std::vector<autoglm_w4_packed> views;
    std::vector<void*> ptrs;
    W4Copies(const W4Host& h, int64_t n, int64_t k) {
        const size_t tb = h.tiles.size() * sizeof(autoglm_q4_tile), sb = h.scales.size() * 2, zb = h.zeros.size();
        const size_t count = std::max<size_t>(2, (kRotateBytes + tb - 1) / tb);
        for (size_t i = 0; i < count; ++i) {
            void *t, *s, *z = nullptr;
            CK(cudaMalloc(&t, tb));
            CK(cudaMalloc(&s, sb));
            CK(cudaMemcpy(t, h.tiles.data(), tb, cudaMemcpyHostToDevice));
            CK(cudaMemcpy(s, h.scales.data(), sb, cudaMemcpyHostToDevice));
            ptrs.push_back(t);
            ptrs.push_back(s);
            if (zb) {
                CK(cudaMalloc(&z, zb));
                CK(cudaMemcpy(z, h.zeros.data(), zb, cudaMemcpyHostToDevice));
                ptrs.push_back(z);
            }
            views.push_back({static_cast<autoglm_q4_tile*>(t), static_cast<uint16_t*>(s), static_cast<uint8_t*>(z), n, k});
        }
    }
    ~W4Copies() {
        for (void* p : ptrs)
            cudaFree(p);
    }
    const autoglm_w4_packed* at(size_t i) const { return &views[i % views.size()]; }
};

// W8A8 variants on the shapes at prefill-sized M: mma.sync and wgmma (when the device runs it) against
// cuBLAS fp16 and bf16 and cuBLAS's own int8 GEMM (int32 out, no epilogue: what torch._int_mm calls). Returns
// the wgmma (or, without it, mma.sync) speedup over cuBLAS fp16 at 4096^3.
double benchW8A8Variants(const void* x16, const void* xb16, void* y16, const int8_t* q8, const float* qs) {
    const bool wgmma = autoglm_device_compute_capability() == 90;
    std::printf("\nW8A8 variants (int8 GEMM + per-token x per-channel epilogue to fp16), CUDA-graph replay; x = over\n"
                "cuBLAS fp16; cuBLAS i8 = cublasGemmEx int8 -> int32 (no scales):\n");
    std::printf("%-12s %5s | %9s %9s %9s | %9s %7s %6s | %9s %7s %6s\n", "N x K", "M", "fp16 us", "bf16 us", "i8 us",
                "mma us", "TF", "x", "wgmma us", "TF", "x");
    double floor = 0;
    void* y32;
    CK(cudaMalloc(&y32, size_t(4096) * 14336 * 4));
    const std::vector<Shape> shapes = {{4096, 4096}, {11008, 4096}, {4096, 11008}, {14336, 4096}};
    for (const Shape& s : shapes) {
        const int64_t n = s.n, k = s.k;
        const GemmWeights weights(n, k);
        const Copies &w16 = weights.w16, &w8 = weights.w8;
        void* s8 = weights.s8;
        for (int64_t m : {int64_t(256), int64_t(1024), int64_t(4096)}) {
            const double flop = 2.0 * double(m) * n * k;
            const double tF16 = timeUs([&](int i) { cublasGemm(CUDA_R_16F, x16, w16.at(i), y16, m, n, k); }, true);
            const double tBf16 = timeUs([&](int i) { cublasGemm(CUDA_R_16BF, xb16, w16.at(i), y16, m, n, k); }, true);
            const double tI8 = timeUs([&](int i) { cublasGemmI8(q8, w8.at(i), y32, m, n, k); }, true);
            auto w8a8 = [&](autoglm_gemm_path path) {
                return timeUs([&](int i) { w8a8Gemm(path, q8, qs, w8.at(i), s8, m, n, k, y16); }, true);
            };
            const double tMma = w8a8(AUTOGLM_GEMM_MMA_SYNC);
            const double tWg = wgmma ? w8a8(AUTOGLM_GEMM_WGMMA) : 0;
            char label[32];
            std::snprintf(label, sizeof label, "%lldx%lld", (long long)n, (long long)k);
            std::printf("%-12s %5lld | %9.2f %9.2f %9.2f | %9.2f %7.1f %5.2fx | ", label, (long long)m, tF16, tBf16, tI8,
                        tMma, flop / tMma / 1e6, tF16 / tMma);
            if (wgmma)
                std::printf("%9.2f %7.1f %5.2fx\n", tWg, flop / tWg / 1e6, tF16 / tWg);
            else
                std::printf("%9s %7s %6s\n", "-", "-", "-");
            std::fflush(stdout);
            if (n == 4096 && k == 4096 && m == 4096)
                floor = tF16 / (wgmma ? tWg : tMma);
        }
    }
    cudaFree(y32);
    return floor;
}

} // namespace

int main(int argc, char** argv) {
    const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
    if (autoglm_device_probe() != AUTOGLM_K_OK) {
        std::printf("no CUDA device: %s\n", autoglm_kernels_last_error());
        return 0;
    }
    cudaDeviceProp prop;
    CK(cudaGetDeviceProperties(&prop, 0));
    std::printf("device: %s, sm_%d%d, %d SMs, L2 %.0f MB, %.0f GB\n", prop.name, prop.major, prop.minor,
                prop.multiProcessorCount, prop.l2CacheSize / 1e6, prop.totalGlobalMem / 1e9);
    CB(cublasCreate(&g_blas));
    CK(cudaStreamCreateWithFlags(&g_stream, cudaStreamNonBlocking));
    CB(cublasSetStream(g_blas, g_stream));
    const double copyGBs = copyBandwidthGBs();
    std::printf("device-to-device copy: %.0f GB/s (read + write, 1 GiB)\n\n", copyGBs);

    if (argc > 1 && (std::strcmp(argv[1], "--focus") == 0 || std::strcmp(argv[1], "--ncu") == 0)) {
        const bool ncu = std::strcmp(argv[1], "--ncu") == 0;
        const int64_t n = 4096, k = 4096;
        const std::vector<uint16_t> hw = randomHalf(size_t(n * k), 99, -0.05f, 0.05f);
        Copies w16(hw.data(), hw.size() * 2);
        const W4Host h4 = makeW4(n, k, false, 0, 4);
        W4Copies w4(h4, n, k);
        void *x, *y;
        CK(cudaMalloc(&x, size_t(4096 * k) * 2));
        CK(cudaMalloc(&y, size_t(4096 * n) * 2));
        const std::vector<uint16_t> hx = randomHalf(size_t(4096 * k), 11);
        CK(cudaMemcpy(x, hx.data(), hx.size() * 2, cudaMemcpyHostToDevice));
        for (int64_t m : {int64_t(1), int64_t(16), int64_t(32), int64_t(256)}) {
            if (ncu) {
                cublasGemm(CUDA_R_16F, x, w16.at(0), y, m, n, k);
                KK(autoglm_gemm_w4a16(AUTOGLM_F16, x, m, w4.at(1), y, kstream()));
                CK(cudaStreamSynchronize(g_stream));
                continue;
            }
            for (const bool graph : {true, false}) {
                const double tb = timeUs([&](int i) { cublasGemm(CUDA_R_16F, x, w16.at(i), y, m, n, k); }, graph);
                const double tw = timeUs([&](int i) { KK(autoglm_gemm_w4a16(AUTOGLM_F16, x, m, w4.at(i), y, kstream())); }, graph);
                std::printf("focus M=%lld %s: cuBLAS %.2f us, W4A16 %.2f us (%.0f GB/s), %.2fx\n", (long long)m,
                            graph ? "graph" : "plain", tb, tw, (n * k / 2.0 + 2.0 * n * 32 + 2.0 * m * (n + k)) / tw / 1e3,
                            tb / tw);
            }
        }
        return 0;
    }

    const std::vector<Shape> shapes = {{4096, 4096}, {11008, 4096}, {4096, 11008}, {14336, 4096}};
    const std::vector<int64_t> ms = quick ? std::vector<int64_t>{1, 4096} : std::vector<int64_t>{1, 16, 64, 256, 1024, 4096};
    const int64_t maxM = 4096, maxK = 14336, maxN = 14336;

    // Shared activations and outputs (small next to the rotated weights, and the same for every contender).
    void *x16, *xb16, *y16, *q8, *qs;
    CK(cudaMalloc(&x16, size_t(maxM * maxK) * 2));
    CK(cudaMalloc(&xb16, size_t(maxM * maxK) * 2));
    CK(cudaMalloc(&y16, size_t(maxM * maxN) * 2));
    CK(cudaMalloc(&q8, size_t(maxM * maxK)));
    CK(cudaMalloc(&qs, size_t(maxM) * 4));
    {
        const std::vector<uint16_t> hx = randomHalf(size_t(maxM * maxK), 11);
        CK(cudaMemcpy(x16, hx.data(), hx.size() * 2, cudaMemcpyHostToDevice));
        const std::vector<uint16_t> hb = randomHalf(size_t(maxM * maxK), 12, -1.f, 1.f, 1);
        CK(cudaMemcpy(xb16, hb.data(), hb.size() * 2, cudaMemcpyHostToDevice));
        KK(autoglm_quantize_act_i8(AUTOGLM_F16, x16, maxM, maxK, nullptr, static_cast<int8_t*>(q8),
                                   static_cast<float*>(qs), kstream()));
    }

    struct Floor {
        double w4m1 = 0, w4m1Plain = 0, w8big = 0, aqBest = 0;
    } floors;
    if (argc > 1 && std::strcmp(argv[1], "--ncu-w8") == 0) {
        const int64_t n = 4096, k = 4096, m = 4096;
        const GemmWeights weights(n, k);
        for (const autoglm_gemm_path path : {AUTOGLM_GEMM_WGMMA, AUTOGLM_GEMM_MMA_SYNC})
            w8a8Gemm(path, q8, qs, weights.w8.at(0), weights.s8, m, n, k, y16);
        cublasGemmI8(q8, weights.w8.at(1), y16, m, n, k);
        cublasGemm(CUDA_R_16F, x16, weights.w16.at(1), y16, m, n, k);
        CK(cudaStreamSynchronize(g_stream));
        std::printf("ncu-w8: one launch each done\n");
        return 0;
    }
    if (argc > 1 && std::strcmp(argv[1], "--w8-ksweep") == 0) {
        // Time against K at a fixed grid: the slope is the main loop's cost per k step, the intercept what each
        // tile pays once (launch, pipeline fill, epilogue).
        const int64_t m = 4096, n = 4096;
        std::printf("%6s | %9s %9s | %9s %7s\n", "K", "fp16 us", "i8 us", "wgmma us", "TF");
        for (int64_t k : {int64_t(512), int64_t(1024), int64_t(2048), int64_t(4096), int64_t(8192), int64_t(14336)}) {
            const GemmWeights weights(n, k);
            const double tF16 =
                timeUs([&](int i) { cublasGemm(CUDA_R_16F, x16, weights.w16.at(i), y16, m, n, k); }, true);
            const double tI8 = timeUs([&](int i) { cublasGemmI8(q8, weights.w8.at(i), y16, m, n, k); }, true);
            const double tWg = timeUs(
                [&](int i) { w8a8Gemm(AUTOGLM_GEMM_WGMMA, q8, qs, weights.w8.at(i), weights.s8, m, n, k, y16); }, true);
            std::printf("%6lld | %9.2f %9.2f | %9.2f %7.1f\n", (long long)k, tF16, tI8, tWg,
                        2.0 * m * n * k / tWg / 1e6);
        }
        return 0;
    }
    if (argc > 1 && std::strcmp(argv[1], "--w8") == 0) {
        const double f = benchW8A8Variants(x16, xb16, y16, static_cast<int8_t*>(q8), static_cast<float*>(qs));
        std::printf("\n  W8A8 4096^3 vs cuBLAS fp16: %.2fx (floor 1.50x) %s\n", f, f >= 1.5 ? "MET" : "MISSED");
        return 0;
    }

    std::printf("GEMM y[M,N] = x[M,K] . W[N,K]^T, timed as CUDA-graph replays of back-to-back calls (GPU time per call);\n"
                "us = microseconds per call; TF = TFLOP/s; GB/s = bytes that must move / time;\n"
                "x = speedup over cuBLAS fp16 (cublasGemmEx, fp32 accumulate). W4A16 = int4 g128 symmetric, fp16 x;\n"
                "W8A8 = int8 GEMM only (x already int8); W8A8+q = per-token activation quantization + int8 GEMM.\n\n");
    std::printf("%-12s %5s | %9s %7s %7s | %9s %7s %7s %6s | %9s %7s %6s | %9s %6s\n", "N x K", "M", "cuBLAS us",
                "TF", "GB/s", "W4A16 us", "TF", "GB/s", "x", "W8A8 us", "TF", "x", "W8A8+q us", "x");
    for (const Shape& s : shapes) {
        const int64_t n = s.n, k = s.k;
        const GemmWeights weights(n, k);
        const Copies &w16 = weights.w16, &w8 = weights.w8;
        void* s8 = weights.s8;
        const W4Host h4 = makeW4(n, k, false, 0, 3);
        W4Copies w4(h4, n, k);
        for (int64_t m : ms) {
            const double flop = 2.0 * double(m) * n * k;
            const double tBlas = timeUs([&](int i) { cublasGemm(CUDA_R_16F, x16, w16.at(i), y16, m, n, k); }, true);
            const double tW4 =
                timeUs([&](int i) { KK(autoglm_gemm_w4a16(AUTOGLM_F16, x16, m, w4.at(i), y16, kstream())); }, true);
            const double tW8 = timeUs([&](int i) {
                KK(autoglm_gemm_w8a8(static_cast<int8_t*>(q8), static_cast<float*>(qs), static_cast<int8_t*>(w8.at(i)),
                                     static_cast<float*>(s8), m, n, k, AUTOGLM_F16, y16, kstream()));
            }, true);
            const double tW8q = timeUs([&](int i) {
                KK(autoglm_quantize_act_i8(AUTOGLM_F16, x16, m, k, nullptr, static_cast<int8_t*>(q8),
                                           static_cast<float*>(qs), kstream()));
                KK(autoglm_gemm_w8a8(static_cast<int8_t*>(q8), static_cast<float*>(qs), static_cast<int8_t*>(w8.at(i)),
                                     static_cast<float*>(s8), m, n, k, AUTOGLM_F16, y16, kstream()));
            }, true);
            const double bytesBlas = 2.0 * (n * k + m * k + m * n);
            const double bytesW4 = n * k / 2.0 + 2.0 * n * autoglm_q4_groups(k) + 2.0 * (m * k + m * n);
            const double bytesW8 = double(n) * k + double(m) * k + 2.0 * m * n + 4.0 * (m + n);
            (void)bytesW8;
            char label[32];
            std::snprintf(label, sizeof label, "%lldx%lld", (long long)n, (long long)k);
            std::printf("%-12s %5lld | %9.2f %7.1f %7.0f | %9.2f %7.1f %7.0f %5.2fx | %9.2f %7.1f %5.2fx | %9.2f %5.2fx\n",
                        label, (long long)m, tBlas, flop / tBlas / 1e6, bytesBlas / tBlas / 1e3, tW4, flop / tW4 / 1e6,
                        bytesW4 / tW4 / 1e3, tBlas / tW4, tW8, flop / tW8 / 1e6, tBlas / tW8, tW8q, tBlas / tW8q);
            std::fflush(stdout);
            if (n == 4096 && k == 4096 && m == 1)
                floors.w4m1 = tBlas / tW4;
            if (n == 4096 && k == 4096 && m == 4096)
                floors.w8big = tBlas / tW8;
        }
    }

    if (!quick)
        benchW8A8Variants(x16, xb16, y16, static_cast<int8_t*>(q8), static_cast<float*>(qs));

    // bf16 and asymmetric W4A16 at the memory-bound point, each against its own cuBLAS, in both timing modes.
    std::printf("\nW4A16 variants at 4096 x 4096 against cuBLAS in the activation's dtype; graph = CUDA-graph replay (GPU\n"
                "time per call), plain = back-to-back stream launches (includes the CPU launch cost):\n");
    std::printf("%-10s %5s | %9s %9s %7s %6s | %9s %9s %6s\n", "variant", "M", "graph: cB", "W4A16 us", "GB/s", "x",
                "plain: cB", "W4A16 us", "x");
    for (int dt : {0, 1})
        for (bool asym : {false, true})
            for (int64_t m : {int64_t(1), int64_t(16)}) {
                const int64_t n = 4096, k = 4096;
                const std::vector<uint16_t> hw = randomHalf(size_t(n * k), 99, -0.05f, 0.05f, dt);
                Copies w16(hw.data(), hw.size() * 2);
                const W4Host h4 = makeW4(n, k, asym, dt, 4);
                W4Copies w4(h4, n, k);
                void* x = dt == 0 ? x16 : xb16;
                const cudaDataType_t t = dt == 0 ? CUDA_R_16F : CUDA_R_16BF;
                double tb[2], tw[2];
                for (int mode = 0; mode < 2; ++mode) {
                    tb[mode] = timeUs([&](int i) { cublasGemm(t, x, w16.at(i), y16, m, n, k); }, mode == 0);
                    tw[mode] = timeUs(
                        [&](int i) { KK(autoglm_gemm_w4a16(autoglm_dtype(dt), x, m, w4.at(i), y16, kstream())); },
                        mode == 0);
                }
                const double bytes = n * k / 2.0 + (asym ? 3.0 : 2.0) * n * (k / 128) + 2.0 * (m * k + m * n);
                char label[32];
                std::snprintf(label, sizeof label, "%s %s", dt == 0 ? "fp16" : "bf16", asym ? "asym" : "sym");
                std::printf("%-10s %5lld | %9.2f %9.2f %7.0f %5.2fx | %9.2f %9.2f %5.2fx\n", label, (long long)m, tb[0],
                            tw[0], bytes / tw[0] / 1e3, tb[0] / tw[0], tb[1], tw[1], tb[1] / tw[1]);
                if (dt == 0 && !asym && m == 1)
                    floors.w4m1Plain = tb[1] / tw[1];
            }

    // Activation quantization against the copy bandwidth measured above.
    std::printf("\nPer-token activation quantization fp16 -> int8 (+ scales); %% = of the measured copy bandwidth:\n");
    std::printf("%6s %6s %7s | %9s %7s %6s\n", "M", "K", "smooth", "us", "GB/s", "%");
    {
        std::vector<float> inv(size_t(maxK), 0.5f);
        void* dinv;
        CK(cudaMalloc(&dinv, inv.size() * 4));
        CK(cudaMemcpy(dinv, inv.data(), inv.size() * 4, cudaMemcpyHostToDevice));
        const std::vector<std::pair<int64_t, int64_t>> aq = {{1, 4096},     {16, 4096},    {256, 4096},
                                                             {4096, 4096},  {4096, 11008}, {4096, 14336},
                                                             {16384, 4096}, {16384, 8192}};
        for (const auto& [m, k] : aq)
            for (bool smooth : {false, true}) {
                const size_t inBytes = size_t(m * k) * 2, outBytes = size_t(m * autoglm_i8_row_stride(k));
                const std::vector<uint16_t> hx = randomHalf(size_t(m * k), uint64_t(m * k), -4.f, 4.f);
                Copies xs(hx.data(), inBytes, kRotateBytes / 2);
                std::vector<uint8_t> zero(outBytes);
                Copies qsOut(zero.data(), outBytes, kRotateBytes / 2);
                void* sc;
                CK(cudaMalloc(&sc, size_t(m) * 4));
                const double t = timeUs([&](int i) {
                    KK(autoglm_quantize_act_i8(AUTOGLM_F16, xs.at(i), m, k, smooth ? static_cast<float*>(dinv) : nullptr,
                                               static_cast<int8_t*>(qsOut.at(i)), static_cast<float*>(sc), kstream()));
                }, true);
                const double gbs = (inBytes + outBytes + 4.0 * m + (smooth ? 4.0 * k : 0)) / t / 1e3;
                std::printf("%6lld %6lld %7s | %9.2f %7.0f %5.1f%%\n", (long long)m, (long long)k, smooth ? "yes" : "no",
                            t, gbs, 100.0 * gbs / copyGBs);
                if (m >= 4096)
                    floors.aqBest = std::max(floors.aqBest, gbs / copyGBs);
                cudaFree(sc);
            }
        cudaFree(dinv);
    }

    std::printf("\nFloors (issue 7):\n");
    std::printf("  W4A16 M=1 4096x4096 vs cuBLAS fp16, graph replay: %.2fx (floor 3.00x) %s\n", floors.w4m1,
                floors.w4m1 >= 3.0 ? "MET" : "MISSED");
    std::printf("  W4A16 M=1 4096x4096 vs cuBLAS fp16, plain launches: %.2fx (floor 3.00x) %s\n", floors.w4m1Plain,
                floors.w4m1Plain >= 3.0 ? "MET" : "MISSED");
    if (floors.w8big > 0)
        std::printf("  W8A8 4096^3 vs cuBLAS fp16:          %.2fx (floor 1.50x) %s\n", floors.w8big,
                    floors.w8big >= 1.5 ? "MET" : "MISSED");
    std::printf("  activation quantization, best large case: %.0f%% of copy bandwidth (floor 80%%) %s\n",
                100 * floors.aqBest, floors.aqBest >= 0.8 ? "MET" : "MISSED");
    cublasDestroy(g_blas);
    return 0;
}
