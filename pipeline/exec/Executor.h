#pragma once
// Runs a Model on LibTorch tensors (CPU, or CUDA when LibTorch has it). Torch-free header: the tensors it
// takes and returns are TensorData.

#include "pipeline/common/Result.h"
#include "pipeline/ir/Graph.h"

#include <functional>
#include <map>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

namespace autoglm {

struct ExecutorOptions {
    // Record gradients through the graph (distillation trains through the executor); off for inference.
    bool autograd = false;
    // "cpu" or "cuda".
    std::string device = "cpu";
    // Fuse op sequences into single kernels with the same result (exec/GraphRewrites.h) and, without autograd,
    // evaluate nodes of constants once at creation (exec/ConstantFolding.h). Off when the caller needs the
    // executor's nodes to be the model's own (per-node shape observation, activation taps).
    bool fuse = true;
    // With fuse and without autograd: run static W8A8 and dynamic int8 MatMul / Gemm layers on LibTorch's oneDNN
    // int8 kernels when this CPU has them (exec/Int8Linear_p.h), or static W8A8 ones on the W8A8 kernel of
    // kernels/ on a CUDA device; off, the same values are computed in float arithmetic. (4-bit layers use the
    // W4A16 kernel on a CUDA device whatever this says.)
    bool int8Kernels = true;
    // "fp32", or "fp16" on a CUDA device without autograd: float inputs and weights run as half precision
    // (the scales and zero points of quantization ops stay float32), outputs come back as float32. What a
    // deployed fp16 or W4A16 model computes; the CPU has no fast half GEMM, so it is refused there.
    std::string precision = "fp32";
};

using TensorMap = std::map<std::string, TensorData>;
using Shape = std::vector<int64_t>;
// Called after each node runs, with the shapes it read and wrote (shape inference by execution, for MACs).
using NodeObserver = std::function<void(const Node& node, const std::vector<Shape>& inputShapes,
                                        const std::vector<Shape>& outputShapes)>;

class Executor {
public:
    // Fails when the model is invalid or uses ops we do not run; the error lists every such op with a node.
    static Result<Executor> create(const Model& model, const ExecutorOptions& options = {});

    Executor(Executor&&) noexcept;
    Executor& operator=(Executor&&) noexcept;
    ~Executor();

    // Runs the graph. Inputs are checked against the declared dtypes and fixed dimensions first. Returns every
    // graph output by name, on the CPU (unless autograd is on, when they stay on the device with their
    // gradient history). Cancelled runs return an error saying so.
    Result<TensorMap> run(const TensorMap& inputs, std::stop_token stop = {}, const NodeObserver& observer = {}) const;

    const Model& model() const;
    const ExecutorOptions& options() const;

    struct Impl;

private:
    explicit Executor(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

// Op types the executor runs ("domain::Op" outside the default domain), sorted.
std::vector<std::string> supportedOpTypes();
// Whether this LibTorch can run on a CUDA device here.
bool cudaAvailable();
// Whether quantized MatMul / Gemm layers run on LibTorch's oneDNN int8 kernels here (ExecutorOptions::int8Kernels).
bool int8KernelsAvailable();
// How many times the CUDA quantization kernels of kernels/ ran in this process: W4A16 (4-bit MatMulNBits and
// blocked DequantizeLinear → MatMul; up to 32 rows), W4 dequantize (the same layers over more rows: int4
// dequantize kernel, then cuBLAS) and W8A8 (static int8 MatMul / Gemm). Zero without CUDA.
struct CudaKernelUse {
    int64_t w4a16 = 0;
    int64_t w4Dequantize = 0;
    int64_t w8a8 = 0;
};
CudaKernelUse cudaKernelUse();
// Sets LibTorch's intra-op thread count (0: one per core).
void setComputeThreads(int threads);
int computeThreads();
// Seeds LibTorch's generators (random initialisations, dropout, sampling inside passes).
void setRandomSeed(uint64_t seed);

} // namespace autoglm
