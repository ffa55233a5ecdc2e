// The IR's own checks: topological order and validation errors that name the offending node; element types
// and 4-bit tensors.
#include "pipeline/ir/Graph.h"
#include "pipeline/ir/SubByte.h"
#include "pipeline/ir/TensorUtil.h"

#include <QtTest>

using namespace autoglm;

namespace {

Node makeNode(const std::string& name, const std::string& op, std::vector<std::string> in,
              std::vector<std::string> out) {
    Node n;
    n.name = name;
    n.opType = op;
    n.inputs = std::move(in);
    n.outputs = std::move(out);
    return n;
}

Graph chain() {
    Graph g;
    g.name = "g";
    g.inputs.push_back({"x", DType::Float, std::vector<Dim>{{2, ""}}, ""});
    g.outputs.push_back({"z", DType::Float, std::nullopt, ""});
    // Stored out of order on purpose: the order must come from the data flow.
    g.nodes.push_back(makeNode("second", "Relu", {"y"}, {"z"}));
    g.nodes.push_back(makeNode("first", "Neg", {"x"}, {"y"}));
    return g;
}

} // namespace

class IrTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void topologicalOrderFollowsDataFlow() {
        auto order = chain().topologicalOrder();
        QVERIFY2(order.ok(), order.ok() ? "" : order.message().c_str());
        QCOMPARE(order.value(), (std::vector<size_t>{1, 0}));
        QVERIFY(chain().validate().ok());
    }

    void cycleNamesANode() {
        Graph g = chain();
        g.nodes[1].inputs = {"z"}; // first reads what second writes, which reads first's output
        auto status = g.validate();
        QVERIFY(!status.ok());
        QVERIFY2(status.message().find("cycle") != std::string::npos, status.message().c_str());
        QVERIFY2(status.message().find("node '") != std::string::npos, status.message().c_str());
    }

    void danglingInputNamesNodeAndValue() {
        Graph g = chain();
        g.nodes[0].inputs = {"missing"};
        auto status = g.validate();
        QVERIFY(!status.ok());
        QVERIFY2(status.message().find("node 'second' (Relu)") != std::string::npos, status.message().c_str());
        QVERIFY2(status.message().find("'missing'") != std::string::npos, status.message().c_str());
    }

    void duplicateOutputNamesBothNodes() {
        Graph g = chain();
        g.nodes.push_back(makeNode("third", "Abs", {"x"}, {"y"}));
        auto status = g.validate();
        QVERIFY(!status.ok());
        QVERIFY2(status.message().find("node 'third' (Abs)") != std::string::npos, status.message().c_str());
        QVERIFY2(status.message().find("node 'first' (Neg)") != std::string::npos, status.message().c_str());
    }

    void typeMismatchOfInitializer() {
        Graph g = chain();
        g.initializers["w"] = makeTensor(DType::Int64, {2}, {1, 2});
        g.valueInfos.push_back({"w", DType::Float, std::nullopt, ""});
        auto status = g.validate();
        QVERIFY(!status.ok());
        QVERIFY2(status.message().find("int64") != std::string::npos &&
                     status.message().find("float32") != std::string::npos,
                 status.message().c_str());
    }

    void graphOutputWithoutProducer() {
        Graph g = chain();
        g.outputs.push_back({"nowhere", DType::Float, std::nullopt, ""});
        auto status = g.validate();
        QVERIFY(!status.ok());
        QVERIFY2(status.message().find("'nowhere'") != std::string::npos, status.message().c_str());
    }

    void feedInputsSkipInitializers() {
        Graph g = chain();
        g.inputs.push_back({"w", DType::Float, std::nullopt, ""});
        g.initializers["w"] = makeTensor(DType::Float, {1}, {1});
        QCOMPARE(g.feedInputs().size(), size_t(1));
        QCOMPARE(g.feedInputs()[0].name, std::string("x"));
    }

    void tensorComparison() {
        const auto a = makeTensor(DType::Float, {3}, {1, 2, 3});
        const auto b = makeTensor(DType::Float, {3}, {1, 2, 3.01});
        QVERIFY(!compareTensors(a, b, 1e-3, 1e-7).close);
        QVERIFY(compareTensors(a, b, 1e-2, 0).close);
        QVERIFY(!compareTensors(a, makeTensor(DType::Float, {1, 3}, {1, 2, 3}), 1, 1).close);
        QVERIFY(a.bitEqual(makeTensor(DType::Float, {3}, {1, 2, 3})));
        QVERIFY(!a.bitEqual(b));
    }

    void fourBitTypesFollowOnnxNumbering() {
        QCOMPARE(static_cast<int>(DType::UInt4), 21);
        QCOMPARE(static_cast<int>(DType::Int4), 22);
        QCOMPARE(dtypeName(DType::Int4), std::string("int4"));
        QCOMPARE(dtypeName(DType::UInt4), std::string("uint4"));
        QVERIFY(dtypeFromName("uint4") == DType::UInt4);
        QCOMPARE(dtypeBits(DType::Int4), int64_t(4));
        QCOMPARE(dtypeBits(DType::Float), int64_t(32));
        QCOMPARE(dtypeSize(DType::Int4), int64_t(0)); // half a byte has no whole-byte size
        QCOMPARE(dtypeSize(DType::Int64), int64_t(8));
        QCOMPARE(dtypeStorageBytes(DType::Int4, 7), int64_t(4));
        QCOMPARE(dtypeStorageBytes(DType::UInt4, 8), int64_t(4));
        QCOMPARE(dtypeStorageBytes(DType::Float, 3), int64_t(12));
    }

    void fourBitTensorsKeepTheirType() {
        const TensorData t = makeTensor(DType::Int4, {7}, {-8, -1, 0, 1, 7, 3, -5});
        QCOMPARE(t.dtype(), DType::Int4);
        QCOMPARE(t.byteSize(), int64_t(4)); // ceil(7 / 2)
        QCOMPARE(t.numel(), int64_t(7));
        QCOMPARE(tensorValues(t), (std::vector<double>{-8, -1, 0, 1, 7, 3, -5}));
        const TensorData copy = t;
        QCOMPARE(copy.dtype(), DType::Int4);
        TensorData assigned;
        assigned = copy;
        QCOMPARE(assigned.dtype(), DType::Int4);
        QVERIFY(assigned.bitEqual(t));
        // Same bytes, different logical type: not equal.
        QVERIFY(!t.bitEqual(makeTensor(DType::Int8, {7}, {-8, -1, 0, 1, 7, 3, -5})));
        const TensorData u = makeTensor(DType::UInt4, {2, 2}, {0, 15, 8, 1});
        QCOMPARE(u.dtype(), DType::UInt4);
        QCOMPARE(u.byteSize(), int64_t(2));
        QCOMPARE(zerosTensor(DType::UInt4, {3}).dtype(), DType::UInt4);
    }

    void fourBitRangeIsChecked() {
        bool threw = false;
        try {
            makeTensor(DType::Int4, {2}, {-9, 0});
        } catch (const AutoglmError& e) {
            threw = true;
            QVERIFY2(std::string(e.what()).find("[-8, 7]") != std::string::npos, e.what());
        }
        QVERIFY(threw);
        threw = false;
        try {
            makeTensor(DType::UInt4, {1}, {16});
        } catch (const AutoglmError& e) {
            threw = true;
            QVERIFY2(std::string(e.what()).find("[0, 15]") != std::string::npos, e.what());
        }
        QVERIFY(threw);
    }

    void nibblePackingIsLowFirst() {
        const std::vector<int8_t> values{-8, 7, -1, 2, 5};
        std::vector<uint8_t> packed(3, 0xAA);
        packNibbles(values.data(), 5, packed.data());
        QCOMPARE(packed, (std::vector<uint8_t>{0x78, 0x2F, 0x05})); // odd count: high nibble of the last byte is 0
        std::vector<int8_t> back(5);
        unpackNibbles(packed.data(), 5, true, back.data());
        QCOMPARE(back, values);
        unpackNibbles(packed.data(), 5, false, back.data()); // the same bits read as uint4
        QCOMPARE(back, (std::vector<int8_t>{8, 7, 15, 2, 5}));
    }
};

QTEST_GUILESS_MAIN(IrTest)
#include "tst_ir.moc"
