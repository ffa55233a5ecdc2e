// ONNX Runtime's com.microsoft operators that weight-only quantized models use: MatMulNBits, a MatMul whose B
// is quantized block-wise along K to 2, 4 or 8 bits (docs/ContribOperators.md of microsoft/onnxruntime). B is
// dequantized to float32 on each run and multiplied in float32; ORT does the same arithmetic in its fallback
// path, so results agree to rounding.
#include "pipeline/exec/CudaQuantGlue_p.h"
#include "pipeline/exec/OpRegistry.h"
#include "pipeline/exec/ops/OpFamilies.h"

namespace autoglm::exec {
namespace {

using Tensors = std::vector<at::Tensor>;

std::string shapeText(at::IntArrayRef sizes) {
    std::string out = "[";
    for (size_t i = 0; i < sizes.size(); ++i)
        out += (i ? "," : "") + std::to_string(sizes[i]);
    return out + "]";
}

// Splits packed bytes [..., n] into their codes [..., n * 8 / bits], lowest bits first: for 4 bits the first
// code of a byte is its low nibble, as ORT packs B and packed zero points.
at::Tensor unpackCodes(const at::Tensor& packed, int64_t bits) {
    const at::Tensor wide = packed.to(at::kInt);
    const at::Tensor mask = at::scalar_tensor((1 << bits) - 1, at::TensorOptions().dtype(at::kInt));
    std::vector<at::Tensor> codes;
    for (int64_t shift = 0; shift < 8; shift += bits)
        codes.push_back(at::bitwise_and(
            at::bitwise_right_shift(wide, at::scalar_tensor(shift, at::TensorOptions().dtype(at::kInt))), mask));
    at::Tensor stacked = at::stack(codes, -1); // [..., n, 8 / bits]
    std::vector<int64_t> shape = packed.sizes().vec();
    shape.back() *= 8 / bits;
    return stacked.reshape(shape);
}

// A parameter with one row per output column n, given as [N * columns] or [N, columns] (ORT keeps the 1-D form
// for older models); `columns` says what a row holds, for messages.
at::Tensor perRow(const OpContext& c, const at::Tensor& p, int64_t n, int64_t cols, const std::string& what,
                  const std::string& columns) {
    const bool flat = p.dim() == 1 && p.size(0) == n * cols;
    const bool matrix = p.dim() == 2 && p.size(0) == n && p.size(1) == cols;
    if (!flat && !matrix)
        c.fail(what + " has shape " + shapeText(p.sizes()) + " but N = " + std::to_string(n) + " rows of " + columns +
               " need [" + std::to_string(n * cols) + "] or [" + std::to_string(n) + "," + std::to_string(cols) + "]");
    return p.reshape({n, cols});
}

std::string blocksText(int64_t blocks) {
    return std::to_string(blocks) + " block" + (blocks == 1 ? "" : "s") + " along K";
}

// Zero points: uint8 packed like B (each row of N holds its blocks' zero points, bits each, padded to a whole
// byte), or unpacked in the scales' type; absent means the middle of the code range, 2^(bits - 1).
at::Tensor zeroPoints(const OpContext& c, int64_t n, int64_t blocks, int64_t bits) {
    if (!c.hasInput(3))
        return at::full({n, blocks}, static_cast<double>(int64_t(1) << (bits - 1)), at::kFloat);
    const at::Tensor& zp = c.input(3);
    if (zp.scalar_type() == at::kByte) {
        const int64_t rowBytes = (blocks * bits + 7) / 8;
        const at::Tensor packed = perRow(c, zp, n, rowBytes, "packed uint8 zero_points",
                                         blocksText(blocks) + " packed into " + std::to_string(rowBytes) + " bytes");
        return unpackCodes(packed, bits).narrow(1, 0, blocks).to(at::kFloat);
    }
    if (zp.scalar_type() != c.input(2).scalar_type())
        c.fail(std::string("zero_points must be uint8 (packed) or the scales' type, got ") +
               at::toString(zp.scalar_type()) + " with scales of " + at::toString(c.input(2).scalar_type()));
    return perRow(c, zp, n, blocks, "zero_points", blocksText(blocks)).to(at::kFloat);
}

// y + bias in float32 (bias [N]).
at::Tensor addBias(const OpContext& c, const at::Tensor& y, int64_t n) {
    const at::Tensor& bias = c.input(5);
    if (bias.dim() != 1 || bias.size(0) != n)
        c.fail("bias has shape " + shapeText(bias.sizes()) + " but must be [N] = [" + std::to_string(n) + "]");
    return y.to(at::kFloat) + bias.to(at::kFloat);
}

at::Tensor matMulNBits(const OpContext& c) {
    const int64_t k = c.attrInt("K");
    const int64_t n = c.attrInt("N");
    const int64_t bits = c.attrInt("bits", 4);
    const int64_t blockSize = c.attrInt("block_size");
    if (k <= 0 || n <= 0)
        c.fail("attributes K and N must be positive, got K = " + std::to_string(k) + ", N = " + std::to_string(n));
    if (bits != 2 && bits != 4 && bits != 8)
        c.unsupported("bits = " + std::to_string(bits) + " is not supported (2, 4 and 8 are, as in ONNX Runtime)");
    if (blockSize < 16 || (blockSize & (blockSize - 1)) != 0)
        c.fail("block_size must be a power of 2 and at least 16, got " + std::to_string(blockSize));
    if (c.attrInt("weight_prepacked", 0) != 0)
        c.unsupported("B prepacked for a particular ONNX Runtime backend (weight_prepacked) is not supported");
    if (c.hasInput(4))
        c.unsupported("g_idx (per-column group indices, deprecated in ONNX Runtime) is not supported");

    const at::Tensor& a = c.input(0);
    if (!a.is_floating_point())
        c.fail(std::string("A must be a floating-point tensor, got ") + at::toString(a.scalar_type()));
    if (a.dim() < 1 || a.size(-1) != k)
        c.fail("A has shape " + shapeText(a.sizes()) + " but its last dimension must be K = " + std::to_string(k));
    const int64_t blocks = (k + blockSize - 1) / blockSize;
    const int64_t blobBytes = blockSize * bits / 8;
    const at::Tensor& b = c.input(1);
    if (b.scalar_type() != at::kByte)
        c.fail(std::string("B must be uint8 (packed codes), got ") + at::toString(b.scalar_type()));
    if (b.sizes() != at::IntArrayRef{n, blocks, blobBytes})
        c.fail("B has shape " + shapeText(b.sizes()) + " but N = " + std::to_string(n) + ", K = " + std::to_string(k) +
               ", block_size = " + std::to_string(blockSize) + " and bits = " + std::to_string(bits) + " need [" +
               std::to_string(n) + "," + std::to_string(blocks) + "," + std::to_string(blobBytes) + "]");
    if (!c.input(2).is_floating_point())
        c.fail(std::string("scales must be floating-point, got ") + at::toString(c.input(2).scalar_type()));
    // On a CUDA device, 4-bit blocks of 128 run on the W4A16 kernel (kernels/), which reads B as it is packed.
    if (std::optional<at::Tensor> y = cudaMatMulNBits(a, b, c.input(2), c.hasInput(3) ? &c.input(3) : nullptr, n, k,
                                                      bits, blockSize))
        return c.hasInput(5) ? addBias(c, *y, n).to(a.scalar_type()) : *y;
    const at::Tensor scales = perRow(c, c.input(2), n, blocks, "scales", blocksText(blocks)).to(at::kFloat);
    const at::Tensor zero = zeroPoints(c, n, blocks, bits);

    // W[n, k] = (code - zero point) * scale of k's block; K need not fill the last block, whose padding codes
    // are dropped.
    const at::Tensor codes = unpackCodes(b, bits).to(at::kFloat); // [N, blocks, block_size]
    const at::Tensor w = ((codes - zero.unsqueeze(-1)) * scales.unsqueeze(-1)).reshape({n, blocks * blockSize});
    at::Tensor y = at::matmul(a.to(at::kFloat), w.narrow(1, 0, k).t());
    if (c.hasInput(5))
        y = addBias(c, y, n);
    return y.to(a.scalar_type());
}

} // namespace

void registerContribOps(OpRegistry& r) {
    r.add(
        "MatMulNBits", [](const OpContext& c) -> Tensors { return {matMulNBits(c)}; }, "com.microsoft");
}

} // namespace autoglm::exec
