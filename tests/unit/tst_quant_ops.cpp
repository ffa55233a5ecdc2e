// Quantization kernels against values computed here by hand: opset-21 QuantizeLinear / DequantizeLinear with
// 4-bit types and blocked scales, com.microsoft MatMulNBits, and the errors for malformed nodes.
#include "TestSupport.h"

#include "pipeline/exec/Executor.h"
#include "pipeline/exec/GraphRewrites.h"
#include "pipeline/ir/TensorUtil.h"
#include "pipeline/model/ModelSummary.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <random>

using namespace autoglm;

namespace {

// A one-node model: inputs are graph inputs, initializers become initializers.
struct OneNode {
    Model model;
    Node node;

    OneNode(const std::string& op, int64_t opset, const std::string& domain = "") {
        model.opsets.push_back({"", opset});
        if (!domain.empty())
            model.opsets.push_back({domain, 1});
        node.name = "n";
        node.opType = op;
        node.domain = domain;
        node.outputs = {"y"};
    }
    OneNode& input(const std::string& name, DType type) {
        node.inputs.push_back(name);
        model.graph.inputs.push_back({name, type, std::nullopt, ""});
        return *this;
    }
    OneNode& initializer(const std::string& name, TensorData value) {
        node.inputs.push_back(name);
        model.graph.initializers[name] = std::move(value);
        return *this;
    }
    OneNode& skip() {
        node.inputs.push_back("");
        return *this;
    }
    OneNode& attr(const std::string& name, int64_t value) {
        node.attributes[name] = Attribute::makeInt(value);
        return *this;
    }
    Result<TensorMap> run(const TensorMap& feeds) {
        Model m = model;
        m.graph.nodes = {node};
        m.graph.outputs = {{"y", DType::Undefined, std::nullopt, ""}};
        auto executor = Executor::create(m);
        if (!executor)
            return executor.error();
        return executor->run(feeds);
    }
};

std::vector<double> randomInts(size_t count, int lo, int hi, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> dist(lo, hi);
    std::vector<double> out(count);
    for (double& v : out)
        v = dist(rng);
    return out;
}

std::vector<double> randomReals(size_t count, double lo, double hi, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> dist(lo, hi);
    std::vector<double> out(count);
    for (double& v : out)
        v = dist(rng);
    return out;
}

// ORT's MatMulNBits layout, written out independently of the kernel: codes [N][K] (K padded with zeros to
// whole blocks) packed per block, lowest bits first.
std::vector<double> packRows(const std::vector<int>& codes, int64_t rows, int64_t perRow, int64_t paddedPerRow,
                             int bits) {
    const int perByte = 8 / bits;
    std::vector<double> bytes;
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t i = 0; i < paddedPerRow; i += perByte) {
            int byte = 0;
            for (int j = 0; j < perByte; ++j)
                if (i + j < perRow)
                    byte |= codes[r * perRow + i + j] << (j * bits);
            bytes.push_back(byte);
        }
    return bytes;
}

void verifyClose(const TensorData& actual, const std::vector<double>& expected, double tolerance) {
    const auto values = tensorValues(actual);
    QCOMPARE(values.size(), expected.size());
    for (size_t i = 0; i < values.size(); ++i)
        QVERIFY2(
            std::abs(values[i] - expected[i]) <= tolerance,
            ("element " + std::to_string(i) + ": " + std::to_string(values[i]) + " vs " + std::to_string(expected[i]))
                .c_str());
}

// A quantized layer as the quantization pass writes it: x → QuantizeLinear → DequantizeLinear, an int8 weight →
// DequantizeLinear (scale per output or per tensor), then MatMul (weight [K, N]) or Gemm (transB: [N, K], bias).
struct QdqLayer {
    int64_t k = 37, n = 11;
    bool gemm = false;
    bool perChannel = true;
    DType zeroType = DType::UInt8;
    double weightZero = 0;
    std::vector<double> weight, weightScales, bias;
    double xScale = 0.03;
    double xZero = 117;

    Model model() {
        Model m;
        m.opsets.push_back({"", 17});
        weight = randomInts(static_cast<size_t>(k * n), -127, 127, 5);
        weightScales = randomReals(perChannel ? static_cast<size_t>(n) : 1, 0.001, 0.01, 6);
        bias = randomReals(static_cast<size_t>(n), -1, 1, 7);
        if (zeroType == DType::Int8)
            xZero = -9;
        auto& init = m.graph.initializers;
        init["w"] = makeTensor(DType::Int8, gemm ? std::vector<int64_t>{n, k} : std::vector<int64_t>{k, n}, weight);
        init["w_scale"] = makeTensor(DType::Float, perChannel ? std::vector<int64_t>{n} : std::vector<int64_t>{},
                                     weightScales);
        init["w_zero"] = makeTensor(DType::Int8, {}, {weightZero});
        init["x_scale"] = makeTensor(DType::Float, {}, {xScale});
        init["x_zero"] = makeTensor(zeroType, {}, {xZero});
        init["b"] = makeTensor(DType::Float, {n}, bias);
        auto add = [&](std::string op, std::vector<std::string> in, std::string out) -> Node& {
            Node node;
            node.name = out;
            node.opType = std::move(op);
            node.inputs = std::move(in);
            node.outputs = {std::move(out)};
            m.graph.nodes.push_back(std::move(node));
            return m.graph.nodes.back();
        };
        add("QuantizeLinear", {"x", "x_scale", "x_zero"}, "xq");
        add("DequantizeLinear", {"xq", "x_scale", "x_zero"}, "xd");
        add("DequantizeLinear", {"w", "w_scale", "w_zero"}, "wd").attributes["axis"] =
            Attribute::makeInt(gemm ? 0 : 1);
        if (gemm)
            add("Gemm", {"xd", "wd", "b"}, "y").attributes["transB"] = Attribute::makeInt(1);
        else
            add("MatMul", {"xd", "wd"}, "y");
        m.graph.inputs = {{"x", DType::Float, std::nullopt, ""}};
        m.graph.outputs = {{"y", DType::Float, std::nullopt, ""}};
        return m;
    }

    // The layer's value in float64: the activation rounded half to even and saturated, the exact products.
    std::vector<double> expected(const std::vector<double>& x, int64_t rows) const {
        const double lo = zeroType == DType::Int8 ? -128 : 0;
        const double hi = zeroType == DType::Int8 ? 127 : 255;
        std::vector<double> y(static_cast<size_t>(rows * n));
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t j = 0; j < n; ++j) {
                double sum = 0;
                for (int64_t i = 0; i < k; ++i) {
                    const double q =
                        std::clamp(std::nearbyint(static_cast<float>(x[r * k + i]) / static_cast<float>(xScale)) +
                                       xZero,
                                   lo, hi);
                    const double w = gemm ? weight[j * k + i] : weight[i * n + j];
                    sum += (q - xZero) * w;
                }
                const double scale = weightScales[perChannel ? j : 0];
                y[r * n + j] = sum * static_cast<float>(xScale) * static_cast<float>(scale) + (gemm ? bias[j] : 0);
            }
        return y;
    }
};

Result<TensorMap> runWith(const Model& m, const TensorMap& feeds, bool int8Kernels) {
    ExecutorOptions options;
    options.int8Kernels = int8Kernels;
    auto executor = Executor::create(m, options);
    if (!executor)
        return executor.error();
    return executor->run(feeds);
}

double maxAbs(const std::vector<double>& v) {
    double m = 0;
    for (double x : v)
        m = std::max(m, std::abs(x));
    return m;
}

} // namespace

class QuantOpsTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // A static W8A8 layer fuses into one QuantizedMatMul and computes the QDQ file's values on the int8
    // kernels: the same as the float arithmetic and as a float64 evaluation, up to float32 rounding.
    void int8KernelsComputeTheQdqLayer_data() {
        QTest::addColumn<bool>("gemm");
        QTest::addColumn<bool>("perChannel");
        QTest::addColumn<int>("zeroType");
        QTest::newRow("matmul per-channel uint8") << false << true << int(DType::UInt8);
        QTest::newRow("matmul per-tensor int8") << false << false << int(DType::Int8);
        QTest::newRow("gemm transB bias per-channel") << true << true << int(DType::UInt8);
    }
    void int8KernelsComputeTheQdqLayer() {
        QFETCH(bool, gemm);
        QFETCH(bool, perChannel);
        QFETCH(int, zeroType);
        QdqLayer layer;
        layer.gemm = gemm;
        layer.perChannel = perChannel;
        layer.zeroType = static_cast<DType>(zeroType);
        const Model m = layer.model();

        Graph fused = m.graph;
        QCOMPARE(exec::fuseQuantizeDequantize(fused), 1);
        QCOMPARE(exec::fuseInt8MatMul(fused), 1);
        QCOMPARE(fused.nodes.size(), size_t(1)); // the activation pair and the weight's dequantization went
        QCOMPARE(fused.nodes[0].opType, std::string("QuantizedMatMul"));
        QVERIFY(fused.validate().ok());
        // The constant input scale and zero point also travel as attributes (no device read-back on CUDA).
        const Attribute* scaleValue = fused.nodes[0].attribute("x_scale_value");
        const Attribute* zeroValue = fused.nodes[0].attribute("x_zero_value");
        QVERIFY(scaleValue && zeroValue);
        QCOMPARE(scaleValue->f, static_cast<float>(layer.xScale));
        QCOMPARE(zeroValue->i, static_cast<int64_t>(layer.xZero));

        const int64_t rows = gemm ? 6 : 12;
        // Wide enough to saturate on both sides of the range.
        const std::vector<double> x = randomReals(static_cast<size_t>(rows * layer.k), -6, 6, 8);
        const TensorMap feeds{{"x", makeTensor(DType::Float, gemm ? std::vector<int64_t>{rows, layer.k}
                                                                  : std::vector<int64_t>{3, 4, layer.k},
                                               x)}};
        auto int8 = runWith(m, feeds, true);
        auto floating = runWith(m, feeds, false);
        VERIFY_RESULT(int8);
        VERIFY_RESULT(floating);
        const auto want = layer.expected(x, rows);
        const double tolerance = 1e-6 * maxAbs(want) + 1e-6;
        verifyClose(int8->at("y"), want, tolerance);
        verifyClose(floating->at("y"), want, tolerance);
        QCOMPARE(int8->at("y").shape(), floating->at("y").shape());
        if (!int8KernelsAvailable())
            qInfo("no oneDNN int8 kernels here: both runs used float arithmetic");
    }

    // A weight with a non-zero zero point (not what our pass writes) is left to the float path.
    void int8FusionNeedsSymmetricWeights() {
        QdqLayer layer;
        layer.weightZero = 3;
        Graph g = layer.model().graph;
        exec::fuseQuantizeDequantize(g);
        QCOMPARE(exec::fuseInt8MatMul(g), 0);
    }

    // Dynamic int8: DynamicQuantizeLinear → MatMulInteger over a constant int8 B gives exact integers.
    void packedMatMulIntegerIsExact() {
        Model m;
        m.opsets.push_back({"", 17});
        const int64_t rows = 5, k = 300, n = 9;
        const auto b = randomInts(static_cast<size_t>(k * n), -127, 127, 11);
        const auto a = randomInts(static_cast<size_t>(rows * k), 0, 255, 12);
        m.graph.initializers["b"] = makeTensor(DType::Int8, {k, n}, b);
        m.graph.initializers["a_zero"] = makeTensor(DType::UInt8, {}, {131});
        Node mm;
        mm.name = "mm";
        mm.opType = "MatMulInteger";
        mm.inputs = {"a", "b", "a_zero"};
        mm.outputs = {"y"};
        m.graph.nodes = {mm};
        m.graph.inputs = {{"a", DType::UInt8, std::nullopt, ""}};
        m.graph.outputs = {{"y", DType::Int32, std::nullopt, ""}};
        Graph fused = m.graph;
        QCOMPARE(exec::fuseInt8MatMul(fused), 1);
        QCOMPARE(fused.nodes[0].opType, std::string("PackedMatMulInteger"));

        std::vector<double> want(static_cast<size_t>(rows * n));
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t j = 0; j < n; ++j)
                for (int64_t i = 0; i < k; ++i)
                    want[r * n + j] += (a[r * k + i] - 131) * b[i * n + j];
        auto got = runWith(m, {{"a", makeTensor(DType::UInt8, {rows, k}, a)}}, true);
        VERIFY_RESULT(got);
        QCOMPARE(got->at("y").dtype(), DType::Int32);
        verifyClose(got->at("y"), want, 0.0);
    }

    // x int4 [5, 2], blocks of 2 along axis 0: scale and zero point [3, 2]; the last block holds one row.
    void dequantizeBlockedInt4() {
        const std::vector<double> x{-8, 7, -1, 0, 3, -4, 5, 6, -2, 1};
        const std::vector<double> scale{0.5, 2, 0.25, 1, 4, 0.125};
        const std::vector<double> zero{1, -1, 0, 2, -3, 7};
        OneNode n("DequantizeLinear", 21);
        n.initializer("x", makeTensor(DType::Int4, {5, 2}, x))
            .initializer("s", makeTensor(DType::Float, {3, 2}, scale))
            .initializer("z", makeTensor(DType::Int4, {3, 2}, zero))
            .attr("axis", 0)
            .attr("block_size", 2);
        auto out = n.run({});
        VERIFY_RESULT(out);
        std::vector<double> expected;
        for (int r = 0; r < 5; ++r)
            for (int col = 0; col < 2; ++col)
                expected.push_back((x[r * 2 + col] - zero[(r / 2) * 2 + col]) * scale[(r / 2) * 2 + col]);
        QCOMPARE(out->at("y").dtype(), DType::Float);
        verifyClose(out->at("y"), expected, 0);
    }

    // Blocks along the last axis (axis = 1) of uint4 values without a zero point.
    void dequantizeBlockedUInt4AlongColumns() {
        const std::vector<double> x{0, 15, 8, 1, 2, 3, 4, 5};
        OneNode n("DequantizeLinear", 21);
        n.initializer("x", makeTensor(DType::UInt4, {2, 4}, x))
            .initializer("s", makeTensor(DType::Float, {2, 2}, {1, 2, 3, 4}))
            .attr("axis", 1)
            .attr("block_size", 2);
        auto out = n.run({});
        VERIFY_RESULT(out);
        verifyClose(out->at("y"), {0, 15, 16, 2, 6, 9, 16, 20}, 0);
    }

    void quantizeToInt4Saturates() {
        OneNode n("QuantizeLinear", 21);
        n.input("x", DType::Float)
            .initializer("s", makeTensor(DType::Float, {}, {1}))
            .initializer("z", makeTensor(DType::Int4, {}, {0}));
        auto out = n.run({{"x", makeTensor(DType::Float, {7}, {-20, -8.4, -0.5, 0.5, 1.5, 2.5, 20})}});
        VERIFY_RESULT(out);
        QCOMPARE(out->at("y").dtype(), DType::Int4);
        QCOMPARE(tensorValues(out->at("y")), (std::vector<double>{-8, -8, 0, 0, 2, 2, 7})); // half to even
    }

    void quantizeOutputDtypeWithoutZeroPoint() {
        OneNode n("QuantizeLinear", 21);
        n.input("x", DType::Float).initializer("s", makeTensor(DType::Float, {}, {0.5})).attr("output_dtype", 21);
        auto out = n.run({{"x", makeTensor(DType::Float, {4}, {-1, 0, 3.2, 100})}});
        VERIFY_RESULT(out);
        QCOMPARE(out->at("y").dtype(), DType::UInt4);
        QCOMPARE(tensorValues(out->at("y")), (std::vector<double>{0, 0, 6, 15}));

        OneNode i8("QuantizeLinear", 21);
        i8.input("x", DType::Float).initializer("s", makeTensor(DType::Float, {}, {1})).attr("output_dtype", 3);
        auto out8 = i8.run({{"x", makeTensor(DType::Float, {2}, {-300, 300})}});
        VERIFY_RESULT(out8);
        QCOMPARE(out8->at("y").dtype(), DType::Int8);
        QCOMPARE(tensorValues(out8->at("y")), (std::vector<double>{-128, 127}));
    }

    void quantizeBlockedPerBlockScales() {
        OneNode n("QuantizeLinear", 21);
        n.input("x", DType::Float)
            .initializer("s", makeTensor(DType::Float, {1, 2}, {1, 10}))
            .initializer("z", makeTensor(DType::UInt4, {1, 2}, {8, 8}))
            .attr("axis", 1)
            .attr("block_size", 3);
        auto out = n.run({{"x", makeTensor(DType::Float, {1, 5}, {1, -2, 3, 40, -50})}});
        VERIFY_RESULT(out);
        QCOMPARE(out->at("y").dtype(), DType::UInt4);
        QCOMPARE(tensorValues(out->at("y")), (std::vector<double>{9, 6, 11, 12, 3}));
    }

    void outputDtypeMustMatchZeroPoint() {
        OneNode n("QuantizeLinear", 21);
        n.input("x", DType::Float)
            .initializer("s", makeTensor(DType::Float, {}, {1}))
            .initializer("z", makeTensor(DType::Int8, {}, {0}))
            .attr("output_dtype", 22);
        auto out = n.run({{"x", makeTensor(DType::Float, {1}, {1})}});
        VERIFY_ERROR_MENTIONS(out, "node 'n' (QuantizeLinear)");
        VERIFY_ERROR_MENTIONS(out, "output_dtype int4 does not match y_zero_point's type int8");
    }

    void blockedScaleShapeIsChecked() {
        OneNode n("DequantizeLinear", 21);
        n.initializer("x", makeTensor(DType::Int4, {4, 2}, {0, 1, 2, 3, 4, 5, 6, 7}))
            .initializer("s", makeTensor(DType::Float, {3, 2}, {1, 1, 1, 1, 1, 1}))
            .attr("axis", 0)
            .attr("block_size", 2);
        auto out = n.run({});
        VERIFY_ERROR_MENTIONS(out, "node 'n' (DequantizeLinear)");
        VERIFY_ERROR_MENTIONS(out, "needs [2,2]");

        OneNode old("DequantizeLinear", 19);
        old.initializer("x", makeTensor(DType::Int8, {4, 2}, {0, 1, 2, 3, 4, 5, 6, 7}))
            .initializer("s", makeTensor(DType::Float, {2, 2}, {1, 1, 1, 1}))
            .attr("axis", 0)
            .attr("block_size", 2);
        VERIFY_ERROR_MENTIONS(old.run({}), "needs opset 21");
    }

    void zeroPointTypeMustMatchInput() {
        OneNode n("DequantizeLinear", 21);
        n.initializer("x", makeTensor(DType::Int4, {2}, {1, 2}))
            .initializer("s", makeTensor(DType::Float, {}, {1}))
            .initializer("z", makeTensor(DType::Int8, {}, {0}));
        VERIFY_ERROR_MENTIONS(n.run({}), "x_zero_point is int8 but x is int4");
    }

    // Data-movement ops keep a 4-bit value 4-bit; arithmetic ops refuse it instead of computing on int8.
    void fourBitValuesFlowOnlyWhereOnnxAllows() {
        Model m;
        m.opsets.push_back({"", 21});
        m.graph.inputs.push_back({"x", DType::Float, std::nullopt, ""});
        m.graph.initializers["s"] = makeTensor(DType::Float, {}, {1});
        m.graph.initializers["shape"] = makeTensor(DType::Int64, {2}, {2, 2});
        Node q;
        q.name = "q";
        q.opType = "QuantizeLinear";
        q.inputs = {"x", "s"};
        q.outputs = {"xq"};
        q.attributes["output_dtype"] = Attribute::makeInt(22);
        Node r;
        r.name = "r";
        r.opType = "Reshape";
        r.inputs = {"xq", "shape"};
        r.outputs = {"y"};
        m.graph.nodes = {q, r};
        m.graph.outputs = {{"y", DType::Int4, std::nullopt, ""}};
        auto executor = Executor::create(m);
        VERIFY_RESULT(executor);
        auto out = executor->run({{"x", makeTensor(DType::Float, {4}, {-9, -1, 1, 9})}});
        VERIFY_RESULT(out);
        QCOMPARE(out->at("y").dtype(), DType::Int4);
        QCOMPARE(tensorValues(out->at("y")), (std::vector<double>{-8, -1, 1, 7}));

        m.graph.nodes[1].opType = "Neg";
        m.graph.nodes[1].inputs = {"xq"};
        auto neg = Executor::create(m);
        VERIFY_RESULT(neg);
        auto refused = neg->run({{"x", makeTensor(DType::Float, {4}, {-9, -1, 1, 9})}});
        VERIFY_ERROR_MENTIONS(refused, "node 'r' (Neg)");
        VERIFY_ERROR_MENTIONS(refused, "int4");
    }

    void matMulNBits_data() {
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("zeroPoints"); // 0 none, 1 packed uint8, 2 float
        QTest::addColumn<bool>("bias");
        QTest::newRow("4-bit, default zero point") << 4 << 0 << false;
        QTest::newRow("4-bit, packed zero points, bias") << 4 << 1 << true;
        QTest::newRow("4-bit, float zero points") << 4 << 2 << false;
        QTest::newRow("8-bit, packed zero points, bias") << 8 << 1 << true;
        QTest::newRow("2-bit, packed zero points") << 2 << 1 << false;
    }
    // K = 40 with blocks of 16: three blocks, the last one half padding.
    void matMulNBits() {
        QFETCH(int, bits);
        QFETCH(int, zeroPoints);
        QFETCH(bool, bias);
        const int64_t m = 3, k = 40, n = 5, blockSize = 16, blocks = 3;
        const int maxCode = (1 << bits) - 1;
        std::vector<int> codes;
        for (double v : randomInts(n * k, 0, maxCode, 1))
            codes.push_back(static_cast<int>(v));
        std::vector<int> zp;
        for (double v : randomInts(n * blocks, 0, maxCode, 2))
            zp.push_back(static_cast<int>(v));
        const auto scales = randomReals(n * blocks, 0.01, 0.1, 3);
        const auto floatZp = randomReals(n * blocks, 0, maxCode, 4);
        const auto a = randomReals(m * k, -1, 1, 5);
        const auto biasValues = randomReals(n, -1, 1, 6);

        // B [N, blocks, block_size * bits / 8]: each row's K codes, padded to whole blocks.
        std::vector<double> b = packRows(codes, n, k, blocks * blockSize, bits);
        OneNode node("MatMulNBits", 1, "com.microsoft");
        node.input("a", DType::Float)
            .initializer("b", makeTensor(DType::UInt8, {n, blocks, blockSize * bits / 8}, b))
            .initializer("scales", makeTensor(DType::Float, {n * blocks}, scales));
        if (zeroPoints == 1) {
            const int64_t rowBytes = (blocks * bits + 7) / 8;
            node.initializer(
                "zp", makeTensor(DType::UInt8, {n * rowBytes}, packRows(zp, n, blocks, rowBytes * (8 / bits), bits)));
        } else if (zeroPoints == 2) {
            node.initializer("zp", makeTensor(DType::Float, {n, blocks}, floatZp));
        } else if (bias) {
            node.skip();
        }
        if (bias)
            node.skip().initializer("bias", makeTensor(DType::Float, {n}, biasValues));
        node.attr("K", k).attr("N", n).attr("bits", bits).attr("block_size", blockSize);

        std::vector<double> expected(m * n, 0.0);
        for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j) {
                double sum = bias ? biasValues[j] : 0.0;
                for (int64_t kk = 0; kk < k; ++kk) {
                    const int64_t block = j * blocks + kk / blockSize;
                    const double zero = zeroPoints == 1   ? zp[block]
                                        : zeroPoints == 2 ? floatZp[block]
                                                          : double(1 << (bits - 1));
                    sum += a[i * k + kk] * (codes[j * k + kk] - zero) * scales[block];
                }
                expected[i * n + j] = sum;
            }
        auto out = node.run({{"a", makeTensor(DType::Float, {m, k}, a)}});
        VERIFY_RESULT(out);
        QCOMPARE(out->at("y").shape(), (std::vector<int64_t>{m, n}));
        verifyClose(out->at("y"), expected, 1e-4);
    }

    void matMulNBitsRefusesMalformedNodes() {
        auto base = [] {
            OneNode node("MatMulNBits", 1, "com.microsoft");
            node.input("a", DType::Float)
                .initializer("b", zerosTensor(DType::UInt8, {4, 1, 8}))
                .initializer("scales", makeTensor(DType::Float, {4}, {1, 1, 1, 1}));
            node.attr("K", 16).attr("N", 4).attr("bits", 4).attr("block_size", 16);
            return node;
        };
        const TensorMap feeds{{"a", zerosTensor(DType::Float, {2, 16})}};
        VERIFY_RESULT(base().run(feeds));

        auto wrongK = base();
        VERIFY_ERROR_MENTIONS(wrongK.run({{"a", zerosTensor(DType::Float, {2, 17})}}), "K = 16");
        auto wrongB = base();
        wrongB.model.graph.initializers["b"] = zerosTensor(DType::UInt8, {4, 2, 8});
        auto wrongBRun = wrongB.run(feeds);
        VERIFY_ERROR_MENTIONS(wrongBRun, "node 'n' (com.microsoft::MatMulNBits)");
        VERIFY_ERROR_MENTIONS(wrongBRun, "need [4,1,8]");
        auto threeBits = base();
        threeBits.attr("bits", 3);
        auto threeBitsRun = threeBits.run(feeds);
        VERIFY_ERROR_MENTIONS(threeBitsRun, "bits = 3");
        QVERIFY(threeBitsRun.error().unsupported);
        auto oddBlock = base();
        oddBlock.attr("block_size", 24);
        VERIFY_ERROR_MENTIONS(oddBlock.run(feeds), "power of 2");
        auto gIdx = base();
        gIdx.skip().initializer("g", zerosTensor(DType::Int32, {16}));
        auto gIdxRun = gIdx.run(feeds);
        VERIFY_ERROR_MENTIONS(gIdxRun, "g_idx");
        QVERIFY(gIdxRun.error().unsupported);
        auto wrongZp = base();
        wrongZp.initializer("zp", zerosTensor(DType::UInt8, {3}));
        VERIFY_ERROR_MENTIONS(wrongZp.run(feeds), "zero_points");
    }

    // Packed weights count as what they encode: B of MatMulNBits holds N x K parameters, an int4 tensor takes
    // half a byte per element.
    void summaryCountsPackedWeights() {
        OneNode node("MatMulNBits", 1, "com.microsoft");
        node.model.graph.inputs.push_back({"a", DType::Float, std::vector<Dim>{{2, ""}, {40, ""}}, ""});
        node.node.inputs.push_back("a");
        node.initializer("b", zerosTensor(DType::UInt8, {5, 3, 8}))
            .initializer("scales", makeTensor(DType::Float, {15}, std::vector<double>(15, 1.0)));
        node.attr("K", 40).attr("N", 5).attr("bits", 4).attr("block_size", 16);
        Model m = node.model;
        m.graph.nodes = {node.node};
        m.graph.outputs = {{"y", DType::Float, std::nullopt, ""}};
        m.graph.initializers["unused_int4"] = makeTensor(DType::Int4, {7}, {1, 2, 3, 4, 5, 6, 7});
        const ModelSummary s = summarizeModel(m);
        QCOMPARE(s.parameters, int64_t(40 * 5 + 15 + 7));
        QCOMPARE(s.weightBytes, int64_t(5 * 3 * 8 + 15 * 4 + 4));
        QCOMPARE(s.totalMacs, int64_t(2 * 5 * 40));
        QCOMPARE(s.layers.size(), size_t(1));
        QCOMPARE(s.layers[0].parameters, int64_t(40 * 5 + 15));
    }
};

QTEST_GUILESS_MAIN(QuantOpsTest)
#include "tst_quant_ops.moc"
