// INT4 weight-only models as the quantization pass writes them, judged by ONNX Runtime: opset-21 blocked
// DequantizeLinear over INT4/UINT4 initializers feeding a MatMul, com.microsoft MatMulNBits, and the fixtures
// upgraded to opset 21. Each model is saved with saveOnnx, run by ORT and by our executor (max abs difference
// at most 1e-4 of the output's scale), and re-imported with bit-identical initializers.
#include "OrtJudge.h"

#include "pipeline/io/Npy.h"
#include "pipeline/ir/TensorUtil.h"
#include "pipeline/onnx/OnnxExport.h"
#include "pipeline/onnx/OnnxImport.h"
#include "pipeline/onnx/OpsetUpgrade.h"

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>

using namespace autoglm;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = AUTOGLM_FIXTURES;
constexpr double kRelativeTolerance = 1e-4;

#define VERIFY_OK(r) QVERIFY2((r).ok(), (r).ok() ? "" : (r).message().c_str())

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

Node makeNode(const std::string& name, const std::string& op, std::vector<std::string> in, std::string out) {
    Node n;
    n.name = name;
    n.opType = op;
    n.inputs = std::move(in);
    n.outputs = {std::move(out)};
    return n;
}

// Saves the model, runs it in ORT and in our executor on the saved file, compares every output, and checks
// that re-importing the file gives back the model's initializers bit for bit.
void judge(const Model& model, const TensorMap& inputs, const std::string& label) {
    if (auto reason = testutil::ortUnavailableReason(); !reason.empty())
        QSKIP(reason.c_str());
    QTemporaryDir dir;
    const fs::path file = fs::path(dir.path().toStdString()) / "model.onnx";
    auto saved = saveOnnx(model, file);
    VERIFY_OK(saved);
    auto reloaded = loadOnnx(file);
    VERIFY_OK(reloaded);
    QCOMPARE(reloaded->graph.initializers.size(), model.graph.initializers.size());
    for (const auto& [name, tensor] : model.graph.initializers) {
        auto it = reloaded->graph.initializers.find(name);
        QVERIFY2(it != reloaded->graph.initializers.end(), name.c_str());
        QVERIFY2(it->second.bitEqual(tensor), (label + ": initializer " + name + " changed").c_str());
    }

    auto executor = Executor::create(reloaded.value());
    VERIFY_OK(executor);
    auto ours = executor->run(inputs);
    VERIFY_OK(ours);
    // ORT fuses DequantizeLinear + MatMul into MatMulNBits and, by default, lets that quantize the activations
    // to int8 (accuracy level 4), an approximation of about 0.5 % here; level 1 keeps ONNX's float32 meaning.
    const testutil::OrtConfig exact{{"session.qdq_matmulnbits_accuracy_level", "1"}};
    auto theirs = testutil::runOrt(file, inputs, dir.path().toStdString(), 0, exact);
    VERIFY_OK(theirs);
    QVERIFY(!theirs->empty());
    for (const auto& [name, expected] : theirs.value()) {
        QVERIFY2(ours->count(name), name.c_str());
        const auto values = tensorValues(expected);
        double scale = 1.0;
        for (double v : values)
            scale = std::max(scale, std::abs(v));
        const auto c = compareTensors(ours->at(name), expected, 0, kRelativeTolerance * scale);
        qInfo("%s, output '%s': max abs difference to ONNX Runtime %.3g (output scale %.3g)", label.c_str(),
              name.c_str(), c.maxAbsDiff, scale);
        QVERIFY2(c.close, (label + ": " + c.reason).c_str());
    }
}

// y = a · DequantizeLinear(w), w [K, N] 4-bit with blocks of `blockSize` rows (axis 0): the form ORT's own
// blocked-QDQ tools write and fuse into MatMulNBits.
Model blockedDqModel(DType type, bool zeroPoint, int64_t k, int64_t n, int64_t blockSize, unsigned seed) {
    const bool isSigned = type == DType::Int4;
    const int lo = isSigned ? -8 : 0, hi = isSigned ? 7 : 15;
    const int64_t blocks = (k + blockSize - 1) / blockSize;
    Model m;
    m.opsets = {{"", 21}};
    m.producerName = "tst_ort_quant";
    m.graph.name = "blocked_dq";
    m.graph.inputs.push_back({"a", DType::Float, std::vector<Dim>{{-1, "batch"}, {k, ""}}, ""});
    m.graph.initializers["w"] = makeTensor(type, {k, n}, randomInts(k * n, lo, hi, seed));
    m.graph.initializers["w_scale"] =
        makeTensor(DType::Float, {blocks, n}, randomReals(blocks * n, 0.01, 0.05, seed + 1));
    Node dq = makeNode("w_dequant", "DequantizeLinear", {"w", "w_scale"}, "w_float");
    if (zeroPoint) {
        m.graph.initializers["w_zero"] = makeTensor(type, {blocks, n}, randomInts(blocks * n, lo, hi, seed + 2));
        dq.inputs.push_back("w_zero");
    }
    dq.attributes["axis"] = Attribute::makeInt(0);
    dq.attributes["block_size"] = Attribute::makeInt(blockSize);
    m.graph.nodes = {dq, makeNode("matmul", "MatMul", {"a", "w_float"}, "y")};
    m.graph.outputs.push_back({"y", DType::Float, std::vector<Dim>{{-1, "batch"}, {n, ""}}, ""});
    return m;
}

// ORT's MatMulNBits layout: each of the N rows holds its K codes (padded to whole blocks) packed lowest bits
// first; packed zero points hold each row's blocks the same way, padded to a whole byte.
std::vector<double> packRows(const std::vector<double>& codes, int64_t rows, int64_t perRow, int64_t slotsPerRow,
                             int bits) {
    const int perByte = 8 / bits;
    std::vector<double> bytes;
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t i = 0; i < slotsPerRow; i += perByte) {
            int byte = 0;
            for (int j = 0; j < perByte; ++j)
                if (i + j < perRow)
                    byte |= static_cast<int>(codes[r * perRow + i + j]) << (j * bits);
            bytes.push_back(byte);
        }
    return bytes;
}

enum class NBitsZero { None, Packed, Float };

Model matMulNBitsModel(int bits, NBitsZero zero, bool bias, int64_t k, int64_t n, int64_t blockSize, unsigned seed) {
    const int64_t blocks = (k + blockSize - 1) / blockSize;
    const int maxCode = (1 << bits) - 1;
    Model m;
    m.opsets = {{"", 17}, {"com.microsoft", 1}};
    m.producerName = "tst_ort_quant";
    m.graph.name = "nbits";
    m.graph.inputs.push_back({"a", DType::Float, std::vector<Dim>{{-1, "batch"}, {-1, "seq"}, {k, ""}}, ""});
    const auto codes = randomInts(n * k, 0, maxCode, seed);
    m.graph.initializers["b"] =
        makeTensor(DType::UInt8, {n, blocks, blockSize * bits / 8}, packRows(codes, n, k, blocks * blockSize, bits));
    m.graph.initializers["scales"] =
        makeTensor(DType::Float, {n * blocks}, randomReals(n * blocks, 0.01, 0.05, seed + 1));
    Node node = makeNode("nbits", "MatMulNBits", {"a", "b", "scales"}, "y");
    node.domain = "com.microsoft";
    if (zero == NBitsZero::Packed) {
        const int64_t rowBytes = (blocks * bits + 7) / 8;
        const auto zp = randomInts(n * blocks, 0, maxCode, seed + 2);
        m.graph.initializers["zero_points"] =
            makeTensor(DType::UInt8, {n * rowBytes}, packRows(zp, n, blocks, rowBytes * (8 / bits), bits));
        node.inputs.push_back("zero_points");
    } else if (zero == NBitsZero::Float) {
        m.graph.initializers["zero_points"] =
            makeTensor(DType::Float, {n, blocks}, randomReals(n * blocks, 0, maxCode, seed + 2));
        node.inputs.push_back("zero_points");
    }
    if (bias) {
        if (zero == NBitsZero::None)
            node.inputs.push_back("");
        node.inputs.push_back(""); // g_idx
        m.graph.initializers["bias"] = makeTensor(DType::Float, {n}, randomReals(n, -1, 1, seed + 3));
        node.inputs.push_back("bias");
    }
    node.attributes["K"] = Attribute::makeInt(k);
    node.attributes["N"] = Attribute::makeInt(n);
    node.attributes["bits"] = Attribute::makeInt(bits);
    node.attributes["block_size"] = Attribute::makeInt(blockSize);
    node.attributes["accuracy_level"] = Attribute::makeInt(0);
    m.graph.nodes = {node};
    m.graph.outputs.push_back({"y", DType::Float, std::vector<Dim>{{-1, "batch"}, {-1, "seq"}, {n, ""}}, ""});
    return m;
}

// Opset 13: every Reduce op whose axes became an input in opset 18, with and without axes, and a Split
// without sizes (which needs num_outputs from opset 18 on).
Model reduceSplitModel() {
    Model m;
    m.opsets = {{"", 13}};
    m.irVersion = 7;
    m.graph.name = "reduce_split";
    m.graph.inputs.push_back({"x", DType::Float, std::vector<Dim>{{2, ""}, {6, ""}, {4, ""}}, ""});
    const char* ops[] = {"ReduceL1",   "ReduceL2",  "ReduceLogSum", "ReduceLogSumExp", "ReduceMax",
                         "ReduceMean", "ReduceMin", "ReduceProd",   "ReduceSumSquare"};
    int index = 0;
    for (const char* op : ops) {
        Node node = makeNode(std::string("r") + std::to_string(index), op, {"x"}, std::string("y") + op);
        if (index % 3 != 2)
            node.attributes["axes"] =
                Attribute::makeInts(index % 3 == 0 ? std::vector<int64_t>{1} : std::vector<int64_t>{-1, 0});
        node.attributes["keepdims"] = Attribute::makeInt(index % 2);
        m.graph.nodes.push_back(node);
        m.graph.outputs.push_back({node.outputs[0], DType::Float, std::nullopt, ""});
        ++index;
    }
    Node split = makeNode("split", "Split", {"x"}, "s0");
    split.outputs = {"s0", "s1", "s2"};
    split.attributes["axis"] = Attribute::makeInt(1);
    m.graph.nodes.push_back(split);
    for (const char* out : {"s0", "s1", "s2"})
        m.graph.outputs.push_back({out, DType::Float, std::nullopt, ""});
    return m;
}

TensorMap fashionImages(int64_t count) {
    auto images = loadNpy(kFixtures / "fashion_test_images.npy");
    if (!images)
        qFatal("%s", images.message().c_str());
    const auto values = tensorValues(images.value());
    std::vector<double> first(values.begin(), values.begin() + count * 28 * 28);
    for (double& v : first)
        v /= 255.0;
    return {{"image", makeTensor(DType::Float, {count, 1, 28, 28}, first)}};
}

TensorMap austenIds(int64_t windows, int64_t length) {
    std::ifstream in(kFixtures / "austen_val.txt", std::ios::binary);
    std::string text(static_cast<size_t>(windows * length), '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    std::vector<double> ids;
    for (char ch : text)
        ids.push_back(static_cast<unsigned char>(ch));
    return {{"input_ids", makeTensor(DType::Int64, {windows, length}, ids)}};
}

} // namespace

class OrtQuantTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { setComputeThreads(0); }

    void blockedDequantizeMatMul_data() {
        QTest::addColumn<int>("type");
        QTest::addColumn<bool>("zeroPoint");
        QTest::addColumn<int>("k");
        QTest::newRow("int4, no zero point") << int(DType::Int4) << false << 128;
        QTest::newRow("int4, int4 zero point") << int(DType::Int4) << true << 128;
        QTest::newRow("uint4, uint4 zero point") << int(DType::UInt4) << true << 128;
        QTest::newRow("int4, zero point, K=80 (last block of 16)") << int(DType::Int4) << true << 80;
        QTest::newRow("uint4, no zero point, K=80") << int(DType::UInt4) << false << 80;
    }
    void blockedDequantizeMatMul() {
        QFETCH(int, type);
        QFETCH(bool, zeroPoint);
        QFETCH(int, k);
        const int64_t n = 24;
        const Model model = blockedDqModel(static_cast<DType>(type), zeroPoint, k, n, 32, 11);
        const TensorMap inputs{{"a", makeTensor(DType::Float, {5, k}, randomReals(5 * k, -1, 1, 7))}};
        judge(model, inputs, QTest::currentDataTag());
    }

    void matMulNBits_data() {
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("zero");
        QTest::addColumn<bool>("bias");
        QTest::addColumn<int>("k");
        QTest::newRow("4-bit, default zero point") << 4 << int(NBitsZero::None) << false << 128;
        QTest::newRow("4-bit, default zero point, bias, K=80") << 4 << int(NBitsZero::None) << true << 80;
        QTest::newRow("4-bit, packed zero points, K=80") << 4 << int(NBitsZero::Packed) << false << 80;
        QTest::newRow("4-bit, packed zero points, bias, K=112") << 4 << int(NBitsZero::Packed) << true << 112;
        QTest::newRow("4-bit, float zero points, bias") << 4 << int(NBitsZero::Float) << true << 96;
        QTest::newRow("8-bit, packed zero points, bias, K=80") << 8 << int(NBitsZero::Packed) << true << 80;
    }
    void matMulNBits() {
        QFETCH(int, bits);
        QFETCH(int, zero);
        QFETCH(bool, bias);
        QFETCH(int, k);
        const Model model = matMulNBitsModel(bits, static_cast<NBitsZero>(zero), bias, k, 20, 32, 21);
        const TensorMap inputs{{"a", makeTensor(DType::Float, {2, 3, k}, randomReals(6 * k, -1, 1, 8))}};
        judge(model, inputs, QTest::currentDataTag());
    }

    // The Reduce / Split rewrites of the upgrade, judged by ORT at opset 21.
    void upgradedReduceAndSplit() {
        Model model = reduceSplitModel();
        VERIFY_OK(upgradeOpset(model, 21));
        // Positive inputs keep ReduceLogSum and ReduceProd away from NaN and underflow.
        const TensorMap inputs{{"x", makeTensor(DType::Float, {2, 6, 4}, randomReals(48, 0.1, 1.5, 31))}};
        judge(model, inputs, "Reduce* and Split upgraded to opset 21");
    }

    void upgradedFixtures_data() {
        QTest::addColumn<QString>("fixture");
        QTest::newRow("fashion_cnn") << "fashion_cnn.onnx";
        QTest::newRow("tiny_gpt") << "tiny_gpt.onnx";
    }
    // Upgraded to opset 21, the fixtures compute exactly what they did before (our executor), and ORT runs them.
    void upgradedFixtures() {
        QFETCH(QString, fixture);
        const fs::path file = kFixtures / fixture.toStdString();
        if (!fs::exists(file))
            QSKIP("fixture missing");
        auto model = loadOnnx(file);
        VERIFY_OK(model);
        const bool cnn = fixture.startsWith("fashion");
        const TensorMap inputs = cnn ? fashionImages(64) : austenIds(2, 128);
        auto before = Executor::create(model.value());
        VERIFY_OK(before);
        auto original = before->run(inputs);
        VERIFY_OK(original);

        const int64_t from = model->opsetVersion("");
        VERIFY_OK(upgradeOpset(model.value(), 21));
        QCOMPARE(model->opsetVersion(""), int64_t(21));
        qInfo("%s: opset %lld -> 21", fixture.toStdString().c_str(), static_cast<long long>(from));
        auto after = Executor::create(model.value());
        VERIFY_OK(after);
        auto upgraded = after->run(inputs);
        VERIFY_OK(upgraded);
        for (const auto& [name, value] : original.value()) {
            const auto c = compareTensors(upgraded->at(name), value, 0, 0);
            QVERIFY2(c.close, (name + ": " + c.reason).c_str());
        }
        judge(model.value(), inputs, fixture.toStdString() + " at opset 21");
    }
};

QTEST_GUILESS_MAIN(OrtQuantTest)
#include "tst_ort_quant.moc"
