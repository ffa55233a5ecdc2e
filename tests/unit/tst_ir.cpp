// The IR's own checks: topological order and validation errors that name the offending node.
#include "pipeline/ir/Graph.h"
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
};

QTEST_GUILESS_MAIN(IrTest)
#include "tst_ir.moc"
