// ONNX import and export: fixtures, round trips, external data, Constant folding, and every kind of bad file.
#include "OnnxBuilder.h"
#include "TestSupport.h"

#include "pipeline/exec/Executor.h"
#include "pipeline/ir/TensorUtil.h"
#include "pipeline/onnx/OnnxExport.h"
#include "pipeline/onnx/OnnxImport.h"
#include "pipeline/onnx/OpsetUpgrade.h"
#include "pipeline/onnx/TensorProtoConvert.h"

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>

using namespace autoglm;
using testutil::OnnxBuilder;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = AUTOGLM_FIXTURES;

void requireFixture(const fs::path& file) {
    if (!fs::exists(file))
        QSKIP("fixture missing");
}

// Same nodes, attributes, values, opsets and bit-identical initializers.
void compareModels(const Model& a, const Model& b) {
    QCOMPARE(a.opsets, b.opsets);
    QCOMPARE(a.graph.inputs, b.graph.inputs);
    QCOMPARE(a.graph.outputs, b.graph.outputs);
    QCOMPARE(a.graph.nodes.size(), b.graph.nodes.size());
    for (size_t i = 0; i < a.graph.nodes.size(); ++i) {
        const Node &x = a.graph.nodes[i], &y = b.graph.nodes[i];
        QCOMPARE(x.name, y.name);
        QCOMPARE(x.opType, y.opType);
        QCOMPARE(x.domain, y.domain);
        QCOMPARE(x.inputs, y.inputs);
        QCOMPARE(x.outputs, y.outputs);
        QCOMPARE(x.attributes.size(), y.attributes.size());
        for (const auto& [key, attr] : x.attributes)
            QVERIFY2(y.attribute(key) && attr.sameAs(*y.attribute(key)), (x.label() + " attribute " + key).c_str());
    }
    QCOMPARE(a.graph.initializers.size(), b.graph.initializers.size());
    for (const auto& [name, tensor] : a.graph.initializers) {
        auto it = b.graph.initializers.find(name);
        QVERIFY2(it != b.graph.initializers.end(), name.c_str());
        QVERIFY2(tensor.bitEqual(it->second), name.c_str());
    }
}

OnnxBuilder externalDataModel(const std::string& location) {
    OnnxBuilder b;
    b.input("x", onnx::TensorProto::FLOAT, {4}).output("y", onnx::TensorProto::FLOAT, {4});
    auto& w = b.initializer("w", {4}, {1, 2, 3, 4});
    w.clear_raw_data();
    w.set_data_location(onnx::TensorProto::EXTERNAL);
    auto* entry = w.add_external_data();
    entry->set_key("location");
    entry->set_value(location);
    b.node("Add", {"x", "w"}, {"y"}, "add");
    return b;
}

void writeFloats(const fs::path& file, std::vector<float> values) {
    std::ofstream(file, std::ios::binary)
        .write(reinterpret_cast<const char*>(values.data()),
               static_cast<std::streamsize>(values.size() * sizeof(float)));
}

// A 4-bit tensor through TensorProto and back: the packed bytes are ONNX's, the values survive.
void checkFourBitRoundTrip(const TensorData& tensor, const std::string& expectedRaw) {
    onnx::TensorProto proto;
    onnxio::tensorToProto(tensor, "w", proto);
    QCOMPARE(proto.data_type(), static_cast<int32_t>(tensor.dtype()));
    QCOMPARE(proto.raw_data(), expectedRaw);
    const TensorData back = onnxio::tensorFromProto(proto, ".", "tensor 'w'");
    QCOMPARE(back.dtype(), tensor.dtype());
    QCOMPARE(back.shape(), tensor.shape());
    QVERIFY(back.bitEqual(tensor));
}

// Import errors come as exceptions from tensorFromProto; the message must name the tensor and the cause.
void expectProtoError(const onnx::TensorProto& proto, const std::string& text) {
    try {
        onnxio::tensorFromProto(proto, ".", "initializer 'q'");
        QFAIL("expected an error");
    } catch (const std::exception& e) {
        const std::string message = e.what();
        QVERIFY2(message.find("initializer 'q'") != std::string::npos, e.what());
        QVERIFY2(message.find(text) != std::string::npos, e.what());
    }
}

onnx::TensorProto fourBitProto(int32_t dataType, std::vector<int64_t> dims) {
    onnx::TensorProto proto;
    proto.set_name("q");
    proto.set_data_type(dataType);
    for (int64_t d : dims)
        proto.add_dims(d);
    return proto;
}

Node makeNode(const std::string& name, const std::string& op, std::vector<std::string> in,
              std::vector<std::string> out) {
    Node n;
    n.name = name;
    n.opType = op;
    n.inputs = std::move(in);
    n.outputs = std::move(out);
    return n;
}

// Opset 13: ReduceMean with an axes attribute, ReduceSum with an axes input (unchanged since 13), an even Split
// without sizes, and a com.microsoft import that must survive the upgrade.
Model reduceSplitModel() {
    Model m;
    m.opsets = {{"", 13}, {"com.microsoft", 1}};
    m.irVersion = 7;
    m.graph.inputs.push_back({"x", DType::Float, std::vector<Dim>{{2, ""}, {4, ""}}, ""});
    m.graph.initializers["sum_axes"] = makeTensor(DType::Int64, {1}, {0});
    Node mean = makeNode("mean", "ReduceMean", {"x"}, {"m"});
    mean.attributes["axes"] = Attribute::makeInts({1});
    mean.attributes["keepdims"] = Attribute::makeInt(0);
    Node sum = makeNode("sum", "ReduceSum", {"x", "sum_axes"}, {"s"});
    Node split = makeNode("split", "Split", {"x"}, {"a", "b"});
    split.attributes["axis"] = Attribute::makeInt(1);
    Node max = makeNode("max", "ReduceMax", {"a"}, {"mx"}); // no axes: over everything
    m.graph.nodes = {mean, sum, split, max};
    for (const char* out : {"m", "s", "a", "b", "mx"})
        m.graph.outputs.push_back({out, DType::Float, std::nullopt, ""});
    return m;
}

// The bytes of a ModelProto whose graph holds an If node whose then_branch graph holds an If node ... `depth`
// levels down. Written inside out, backwards (each level's header is appended reversed), so that building it
// needs neither recursion nor quadratic copying.
std::string deeplyNestedGraphs(int depth) {
    std::string reversed;
    auto varint = [](uint64_t v) {
        std::string out;
        do {
            out.push_back(static_cast<char>((v & 0x7f) | (v > 0x7f ? 0x80 : 0)));
            v >>= 7;
        } while (v);
        return out;
    };
    auto prepend = [&](const std::string& bytes) { reversed.append(bytes.rbegin(), bytes.rend()); };
    auto wrap = [&](char tag, const std::string& before) { // before ‖ tag ‖ length ‖ what is there
        const std::string length = varint(reversed.size());
        prepend(std::string(1, tag) + length);
        prepend(before);
    };
    const std::string ifOp = std::string("\x22\x02If", 4);                   // NodeProto.op_type = "If"
    const std::string thenBranch = "\x0a\x0bthen_branch" + std::string("\xa0\x01\x05", 3); // name, type GRAPH
    prepend(ifOp);
    for (int level = 0; level < depth; ++level) {
        wrap('\x0a', "");         // GraphProto.node
        wrap('\x32', thenBranch); // AttributeProto.g
        wrap('\x2a', ifOp);       // NodeProto.attribute
    }
    wrap('\x0a', ""); // GraphProto.node
    wrap('\x3a', ""); // ModelProto.graph
    return std::string(reversed.rbegin(), reversed.rend());
}

TensorMap runModel(const Model& model, const TensorMap& feeds) {
    auto executor = Executor::create(model);
    if (!executor)
        qFatal("%s", executor.message().c_str());
    auto out = executor->run(feeds);
    if (!out)
        qFatal("%s", out.message().c_str());
    return out.value();
}

} // namespace

class OnnxIoTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void importsFashionCnn() {
        requireFixture(kFixtures / "fashion_cnn.onnx");
        auto model = loadOnnx(kFixtures / "fashion_cnn.onnx");
        VERIFY_RESULT(model);
        QCOMPARE(model->opsetVersion(""), int64_t(13));
        QCOMPARE(model->graph.feedInputs().size(), size_t(1));
        QCOMPARE(model->graph.feedInputs()[0].name, std::string("image"));
        QCOMPARE(model->graph.outputs[0].name, std::string("logits"));
        QVERIFY(model->graph.initializers.size() >= 20);
    }

    void roundTripIsBitIdentical_data() {
        QTest::addColumn<QString>("fixture");
        QTest::newRow("fashion_cnn") << "fashion_cnn.onnx";
        QTest::newRow("tiny_gpt") << "tiny_gpt.onnx";
    }
    void roundTripIsBitIdentical() {
        QFETCH(QString, fixture);
        requireFixture(kFixtures / fixture.toStdString());
        auto original = loadOnnx(kFixtures / fixture.toStdString());
        VERIFY_RESULT(original);
        QTemporaryDir dir;
        const fs::path out = fs::path(dir.path().toStdString()) / "exported.onnx";
        auto saved = saveOnnx(original.value(), out);
        VERIFY_RESULT(saved);
        auto reloaded = loadOnnx(out);
        VERIFY_RESULT(reloaded);
        compareModels(original.value(), reloaded.value());
        QVERIFY(!fs::exists(out.string() + ".data"));
    }

    void largeModelsMoveTensorsToExternalData() {
        requireFixture(kFixtures / "tiny_gpt.onnx");
        auto original = loadOnnx(kFixtures / "tiny_gpt.onnx");
        VERIFY_RESULT(original);
        QTemporaryDir dir;
        const fs::path out = fs::path(dir.path().toStdString()) / "big.onnx";
        OnnxExportOptions options;
        options.externalDataThreshold = 1024 * 1024; // stands in for protobuf's 2 GB limit
        VERIFY_RESULT(saveOnnx(original.value(), out, options));
        QVERIFY(fs::exists(out.string() + ".data"));
        QVERIFY(fs::file_size(out) < 1024 * 1024);
        auto reloaded = loadOnnx(out);
        VERIFY_RESULT(reloaded);
        compareModels(original.value(), reloaded.value());
    }

    void constantNodesBecomeInitializers() {
        OnnxBuilder b;
        b.input("x", onnx::TensorProto::FLOAT, {2}).output("y", onnx::TensorProto::FLOAT, {2});
        auto& c = b.node("Constant", {}, {"w"}, "weights");
        auto* value = c.add_attribute();
        value->set_name("value");
        value->set_type(onnx::AttributeProto::TENSOR);
        value->mutable_t()->set_data_type(onnx::TensorProto::FLOAT);
        value->mutable_t()->add_dims(2);
        value->mutable_t()->add_float_data(1.5f);
        value->mutable_t()->add_float_data(-2.0f);
        b.node("Add", {"x", "w"}, {"y"}, "add");
        auto model = parseOnnx(b.bytes(), ".", "constants.onnx");
        VERIFY_RESULT(model);
        QCOMPARE(model->graph.nodes.size(), size_t(1));
        QVERIFY(model->graph.initializers.count("w"));
        QCOMPARE(tensorValues(model->graph.initializers.at("w")), (std::vector<double>{1.5, -2.0}));
    }

    void externalDataInsideFolderLoads() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        fs::create_directories(root / "weights");
        writeFloats(root / "weights" / "w.bin", {1, 2, 3, 4});
        externalDataModel("weights/w.bin").save(root / "m.onnx");
        auto model = loadOnnx(root / "m.onnx");
        VERIFY_RESULT(model);
        QCOMPARE(tensorValues(model->graph.initializers.at("w")), (std::vector<double>{1, 2, 3, 4}));
    }

    void externalDataEscapesAreRefused() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        fs::create_directories(root / "model");
        fs::create_directories(root / "outside");
        writeFloats(root / "outside" / "w.bin", {1, 2, 3, 4});
        fs::create_symlink(root / "outside" / "w.bin", root / "model" / "link.bin");

        externalDataModel((root / "outside" / "w.bin").string()).save(root / "model" / "abs.onnx");
        VERIFY_ERROR_MENTIONS(loadOnnx(root / "model" / "abs.onnx"), "absolute path");
        externalDataModel("../outside/w.bin").save(root / "model" / "dots.onnx");
        VERIFY_ERROR_MENTIONS(loadOnnx(root / "model" / "dots.onnx"), "'..'");
        externalDataModel("link.bin").save(root / "model" / "link.onnx");
        VERIFY_ERROR_MENTIONS(loadOnnx(root / "model" / "link.onnx"), "outside the model's folder");
        externalDataModel("absent.bin").save(root / "model" / "missing.onnx");
        auto missing = loadOnnx(root / "model" / "missing.onnx");
        VERIFY_ERROR_MENTIONS(missing, "does not exist");
        VERIFY_ERROR_MENTIONS(missing, "initializer 'w'");
    }

    void externalDataShorterThanTensorIsRefused() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        writeFloats(root / "w.bin", {1, 2});
        externalDataModel("w.bin").save(root / "m.onnx");
        VERIFY_ERROR_MENTIONS(loadOnnx(root / "m.onnx"), "which has only 8");
    }

    void truncatedAndForeignFiles() {
        requireFixture(kFixtures / "fashion_cnn.onnx");
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        std::ifstream in(kFixtures / "fashion_cnn.onnx", std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), {});
        std::ofstream(root / "truncated.onnx", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
        VERIFY_ERROR_MENTIONS(loadOnnx(root / "truncated.onnx"), "truncated.onnx");
        std::ofstream(root / "notes.onnx") << "this is a text file, not a model\n";
        VERIFY_ERROR_MENTIONS(loadOnnx(root / "notes.onnx"), "not a valid ONNX model");
        VERIFY_ERROR_MENTIONS(loadOnnx(root / "absent.onnx"), "no such file");
        std::ofstream(root / "empty.onnx");
        VERIFY_ERROR_MENTIONS(loadOnnx(root / "empty.onnx"), "not a valid ONNX model");
    }

    void cycleIsRefused() {
        OnnxBuilder b;
        b.input("x", onnx::TensorProto::FLOAT, {2}).output("z", onnx::TensorProto::FLOAT, {2});
        b.node("Add", {"x", "z"}, {"y"}, "a");
        b.node("Relu", {"y"}, {"z"}, "b");
        auto r = parseOnnx(b.bytes(), ".", "cycle.onnx");
        VERIFY_ERROR_MENTIONS(r, "cycle");
    }

    void subgraphOpsAreRefusedByName() {
        OnnxBuilder b;
        b.input("c", onnx::TensorProto::BOOL, {}).output("y", onnx::TensorProto::FLOAT, {1});
        auto& node = b.node("If", {"c"}, {"y"}, "branch");
        auto* attr = node.add_attribute();
        attr->set_name("then_branch");
        attr->set_type(onnx::AttributeProto::GRAPH);
        attr->mutable_g()->set_name("then");
        auto r = parseOnnx(b.bytes(), ".", "if.onnx");
        VERIFY_ERROR_MENTIONS(r, "node 'branch' (If)");
        QVERIFY(r.error().unsupported);
    }

    void duplicateOutputIsRefused() {
        OnnxBuilder b;
        b.input("x", onnx::TensorProto::FLOAT, {2}).output("y", onnx::TensorProto::FLOAT, {2});
        b.node("Relu", {"x"}, {"y"}, "one");
        b.node("Neg", {"x"}, {"y"}, "two");
        VERIFY_ERROR_MENTIONS(parseOnnx(b.bytes(), ".", "dup.onnx"), "node 'two' (Neg)");
    }

    // Hostile files (the hardening issue): each is refused with a message that says what is wrong, before any
    // allocation its claims would cause.
    void hostileModelsAreRefused() {
        {   // an initializer claiming 2^40 floats over 4 bytes of data: refused, nothing of that size allocated
            OnnxBuilder b;
            b.input("x", onnx::TensorProto::FLOAT, {1}).output("y", onnx::TensorProto::FLOAT, {1});
            auto& w = b.initializer("w", {1}, {1});
            w.set_dims(0, int64_t(1) << 40);
            b.node("Add", {"x", "w"}, {"y"});
            VERIFY_ERROR_MENTIONS(parseOnnx(b.bytes(), ".", "huge.onnx"), "initializer 'w'");
        }
        {   // dimensions whose product overflows int64
            OnnxBuilder b;
            b.input("x", onnx::TensorProto::FLOAT, {1}).output("y", onnx::TensorProto::FLOAT, {1});
            auto& w = b.initializer("w", {1, 1, 1}, {1});
            w.set_dims(0, int64_t(1) << 31), w.set_dims(1, int64_t(1) << 31), w.set_dims(2, int64_t(1) << 31);
            b.node("Add", {"x", "w"}, {"y"});
            VERIFY_ERROR_MENTIONS(parseOnnx(b.bytes(), ".", "overflow.onnx"), "initializer 'w'");
        }
        {   // a negative dimension
            OnnxBuilder b;
            b.input("x", onnx::TensorProto::FLOAT, {1}).output("y", onnx::TensorProto::FLOAT, {1});
            b.initializer("w", {-1}, {});
            b.node("Add", {"x", "w"}, {"y"});
            VERIFY_ERROR_MENTIONS(parseOnnx(b.bytes(), ".", "negative.onnx"), "initializer 'w'");
        }
        {   // a value no node, input or initializer produces
            OnnxBuilder b;
            b.input("x", onnx::TensorProto::FLOAT, {2}).output("y", onnx::TensorProto::FLOAT, {2});
            b.node("Add", {"x", "ghost"}, {"y"}, "adder");
            VERIFY_ERROR_MENTIONS(parseOnnx(b.bytes(), ".", "ghost.onnx"), "ghost");
        }
        {   // a node that writes nothing (found by fuzz_onnx: the summary read its first output)
            OnnxBuilder b;
            b.input("x", onnx::TensorProto::FLOAT, {2}).output("x", onnx::TensorProto::FLOAT, {2});
            b.node("Relu", {"x"}, {}, "mute");
            VERIFY_ERROR_MENTIONS(parseOnnx(b.bytes(), ".", "mute.onnx"), "node 'mute' (Relu) has no outputs");
        }
        {   // an opset from the future: named, with the newest this build knows
            OnnxBuilder b(99);
            b.input("x", onnx::TensorProto::FLOAT, {2}).output("y", onnx::TensorProto::FLOAT, {2});
            b.node("Relu", {"x"}, {"y"});
            VERIFY_ERROR_MENTIONS(parseOnnx(b.bytes(), ".", "future.onnx"), "opset 99");
        }
        {   // protobuf nested deep enough to exhaust a recursive parser's stack: If nodes whose then_branch
            // holds another If, 100,000 deep, appended to a valid model (protobuf merges the graphs)
            OnnxBuilder b;
            b.input("x", onnx::TensorProto::FLOAT, {2}).output("y", onnx::TensorProto::FLOAT, {2});
            b.node("Relu", {"x"}, {"y"});
            const std::string bytes = b.bytes() + deeplyNestedGraphs(100000);
            auto r = parseOnnx(bytes, ".", "deep.onnx");
            VERIFY_ERROR_MENTIONS(r, "deep.onnx");
            qInfo("100,000 nested graphs (%zu bytes): %s", bytes.size(), r.message().c_str());
        }
    }

    void rawDataSizeMismatchIsRefused() {
        OnnxBuilder b;
        b.input("x", onnx::TensorProto::FLOAT, {4}).output("y", onnx::TensorProto::FLOAT, {4});
        b.initializer("w", {4}, {1, 2, 3}); // 3 values for 4 elements
        b.node("Add", {"x", "w"}, {"y"});
        VERIFY_ERROR_MENTIONS(parseOnnx(b.bytes(), ".", "short.onnx"), "initializer 'w'");
    }

    // ONNX packs 4-bit values two per byte, the first in the low nibble; odd counts leave the last high nibble 0.
    void fourBitTensorsPackLowNibbleFirst() {
        checkFourBitRoundTrip(makeTensor(DType::Int4, {7}, {-8, 7, -1, 0, 1, -2, 3}),
                              std::string("\x78\x0F\xE1\x03", 4));
        checkFourBitRoundTrip(makeTensor(DType::UInt4, {3, 3}, {0, 15, 8, 1, 2, 3, 4, 5, 6}),
                              std::string("\xF0\x18\x32\x54\x06", 5));
        checkFourBitRoundTrip(makeTensor(DType::Int4, {0}, {}), std::string());
        checkFourBitRoundTrip(makeTensor(DType::Int4, {}, {-3}), std::string("\x0D", 1)); // a scalar
    }

    // The int32_data form holds one packed byte (two elements) per entry, as onnx.proto specifies.
    void fourBitInt32DataIsOnePackedBytePerEntry() {
        auto proto = fourBitProto(22, {3});
        proto.add_int32_data(0x9F); // elements 0 (low nibble 0xF = -1) and 1 (0x9 = -7)
        proto.add_int32_data(0x07); // element 2 (7); the high nibble is padding
        auto t = onnxio::tensorFromProto(proto, ".", "initializer 'q'");
        QCOMPARE(t.dtype(), DType::Int4);
        QCOMPARE(tensorValues(t), (std::vector<double>{-1, -7, 7}));
        proto.set_int32_data(0, -97); // the same byte, sign-extended by its writer
        QCOMPARE(tensorValues(onnxio::tensorFromProto(proto, ".", "q")), (std::vector<double>{-1, -7, 7}));

        auto unsignedProto = fourBitProto(21, {2});
        unsignedProto.add_int32_data(0x9F);
        auto u = onnxio::tensorFromProto(unsignedProto, ".", "initializer 'q'");
        QCOMPARE(u.dtype(), DType::UInt4);
        QCOMPARE(tensorValues(u), (std::vector<double>{15, 9}));
    }

    void badFourBitDataIsRefused() {
        auto tooMany = fourBitProto(22, {3});
        for (int v : {1, 2, 3})
            tooMany.add_int32_data(v); // one value per entry is not ONNX's 4-bit layout
        expectProtoError(tooMany, "int32_data holds 3 entries");
        auto notAByte = fourBitProto(22, {2});
        notAByte.add_int32_data(300);
        expectProtoError(notAByte, "not a packed byte");
        auto shortRaw = fourBitProto(21, {5});
        shortRaw.set_raw_data(std::string(2, '\0')); // 5 elements need 3 bytes
        expectProtoError(shortRaw, "need 3");
    }

    // External data of a 4-bit initializer holds the packed bytes: ceil(numel / 2) of them.
    void fourBitExternalDataIsPacked() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        std::ofstream(root / "q.bin", std::ios::binary).write("\x21\x43\x05", 3); // 1..5 as uint4
        OnnxBuilder b(21);
        b.proto().set_ir_version(10);
        b.input("s", onnx::TensorProto::FLOAT, {}).output("y", onnx::TensorProto::FLOAT, {5});
        auto* q = b.proto().mutable_graph()->add_initializer();
        *q = fourBitProto(21, {5});
        q->set_data_location(onnx::TensorProto::EXTERNAL);
        auto* location = q->add_external_data();
        location->set_key("location");
        location->set_value("q.bin");
        auto* length = q->add_external_data();
        length->set_key("length");
        length->set_value("3");
        b.node("DequantizeLinear", {"q", "s"}, {"y"}, "dq");
        b.save(root / "m.onnx");
        auto model = loadOnnx(root / "m.onnx");
        VERIFY_RESULT(model);
        const TensorData& t = model->graph.initializers.at("q");
        QCOMPARE(t.dtype(), DType::UInt4);
        QCOMPARE(tensorValues(t), (std::vector<double>{1, 2, 3, 4, 5}));
    }

    void upgradeMovesReduceAxesToAnInput() {
        Model model = reduceSplitModel();
        const TensorMap feeds{{"x", makeTensor(DType::Float, {2, 4}, {1, -2, 3, 4, 5, 6, -7, 8})}};
        const TensorMap before = runModel(model, feeds);
        VERIFY_RESULT(upgradeOpset(model, 21));
        QCOMPARE(model.opsetVersion(""), int64_t(21));
        QCOMPARE(model.opsetVersion("com.microsoft"), int64_t(1));
        QCOMPARE(model.irVersion, int64_t(10));
        const Node& mean = model.graph.nodes[0];
        QVERIFY(!mean.attribute("axes"));
        QCOMPARE(mean.inputs.size(), size_t(2));
        QCOMPARE(model.graph.initializers.at(mean.inputs[1]).dtype(), DType::Int64);
        QCOMPARE(tensorValues(model.graph.initializers.at(mean.inputs[1])), std::vector<double>{1});
        QCOMPARE(model.graph.nodes[1].inputs.size(), size_t(2)); // ReduceSum already had its axes input
        QCOMPARE(model.graph.nodes[2].attribute("num_outputs")->i, int64_t(2));
        QCOMPARE(model.graph.nodes[3].inputs.size(), size_t(1)); // still reduces over everything
        const TensorMap after = runModel(model, feeds);
        for (const auto& [name, value] : before)
            QVERIFY2(after.at(name).bitEqual(value), name.c_str());
    }

    void upgradeRenamesAndMakesDefaultsExplicit() {
        Model m;
        m.opsets = {{"", 13}};
        m.graph.inputs = {{"x", DType::Float, std::nullopt, ""},
                          {"grid", DType::Float, std::nullopt, ""},
                          {"rois", DType::Float, std::nullopt, ""},
                          {"idx", DType::Int64, std::nullopt, ""}};
        Node grid = makeNode("grid", "GridSample", {"x", "grid"}, {"g"});
        grid.attributes["mode"] = Attribute::makeString("bicubic");
        Node roi = makeNode("roi", "RoiAlign", {"x", "rois", "idx"}, {"r"});
        m.graph.nodes = {grid, roi};
        m.graph.outputs = {{"g", DType::Float, std::nullopt, ""}, {"r", DType::Float, std::nullopt, ""}};
        VERIFY_RESULT(upgradeOpset(m, 21));
        QCOMPARE(m.graph.nodes[0].attribute("mode")->s, std::string("cubic"));
        QCOMPARE(m.graph.nodes[1].attribute("coordinate_transformation_mode")->s, std::string("output_half_pixel"));
    }

    void upgradeRefusesWhatItCannotConvert() {
        auto single = [](int64_t opset, const std::string& op, std::vector<std::string> inputs, size_t outputs) {
            Model m;
            m.opsets = {{"", opset}};
            for (const auto& in : inputs)
                m.graph.inputs.push_back({in, DType::Float, std::nullopt, ""});
            std::vector<std::string> outs;
            for (size_t i = 0; i < outputs; ++i)
                outs.push_back("y" + std::to_string(i));
            m.graph.nodes = {makeNode("victim", op, inputs, outs)};
            for (const auto& out : outs)
                m.graph.outputs.push_back({out, DType::Float, std::nullopt, ""});
            return m;
        };
        Model groupNorm = single(18, "GroupNormalization", {"x", "scale", "bias"}, 1);
        const Model untouched = groupNorm;
        auto refused = upgradeOpset(groupNorm, 21);
        VERIFY_ERROR_MENTIONS(refused, "node 'victim' (GroupNormalization)");
        VERIFY_ERROR_MENTIONS(refused, "per channel");
        QCOMPARE(groupNorm.opsets, untouched.opsets); // left as it was
        QVERIFY(upgradeOpset(groupNorm, 20).ok());    // before 21 nothing changed for it
        Model dft = single(17, "DFT", {"x"}, 1);
        VERIFY_ERROR_MENTIONS(upgradeOpset(dft, 21), "node 'victim' (DFT)");
        Model bn = single(13, "BatchNormalization", {"x", "s", "b", "mean", "var"}, 3);
        VERIFY_ERROR_MENTIONS(upgradeOpset(bn, 14), "training-mode");
        Model quant = single(13, "QuantizeLinear", {"x", "scale"}, 1);
        quant.graph.inputs[0].dtype = DType::Int32;
        VERIFY_ERROR_MENTIONS(upgradeOpset(quant, 21), "node 'victim' (QuantizeLinear)");
        Model old = single(11, "Relu", {"x"}, 1);
        VERIFY_ERROR_MENTIONS(upgradeOpset(old, 21), "opset 11");
        Model newer = single(17, "Relu", {"x"}, 1);
        VERIFY_ERROR_MENTIONS(upgradeOpset(newer, 13), "down to 13");
        VERIFY_ERROR_MENTIONS(upgradeOpset(newer, 22), "up to opset 21");
    }

    // INT4 initializers under opset 21 export with IR version 10 (the ONNX 1.12 checker, which knows neither,
    // is skipped) and come back bit-identical, inline and as external data.
    void fourBitModelRoundTripsThroughExport() {
        Model m;
        m.opsets = {{"", 21}};
        m.irVersion = 8;
        m.graph.inputs.push_back({"a", DType::Float, std::vector<Dim>{{1, ""}, {64, ""}}, ""});
        std::vector<double> codes(64 * 3);
        for (size_t i = 0; i < codes.size(); ++i)
            codes[i] = static_cast<double>(static_cast<int>(i * 7 % 16) - 8);
        m.graph.initializers["w"] = makeTensor(DType::Int4, {64, 3}, codes);
        m.graph.initializers["s"] = makeTensor(DType::Float, {2, 3}, {0.1, 0.2, 0.3, 0.4, 0.5, 0.6});
        m.graph.initializers["z"] = makeTensor(DType::Int4, {2, 3}, {-1, 0, 1, 2, -3, 7});
        Node dq = makeNode("dq", "DequantizeLinear", {"w", "s", "z"}, {"wf"});
        dq.attributes["axis"] = Attribute::makeInt(0);
        dq.attributes["block_size"] = Attribute::makeInt(32);
        m.graph.nodes = {dq, makeNode("mm", "MatMul", {"a", "wf"}, {"y"})};
        m.graph.outputs.push_back({"y", DType::Float, std::nullopt, ""});

        QTemporaryDir dir;
        for (bool external : {false, true}) {
            const fs::path out = fs::path(dir.path().toStdString()) / (external ? "ext.onnx" : "inline.onnx");
            OnnxExportOptions options;
            if (external) {
                options.externalDataThreshold = 0;
                options.externalMinTensorBytes = 1;
            }
            VERIFY_RESULT(saveOnnx(m, out, options));
            QCOMPARE(fs::exists(out.string() + ".data"), external);
            auto reloaded = loadOnnx(out);
            VERIFY_RESULT(reloaded);
            QCOMPARE(reloaded->irVersion, int64_t(10));
            compareModels(m, reloaded.value());
            QCOMPARE(reloaded->graph.initializers.at("w").dtype(), DType::Int4);
        }
    }

    void exportNeedsAnImportForEveryDomain() {
        Model m;
        m.opsets = {{"", 17}};
        m.graph.inputs.push_back({"a", DType::Float, std::vector<Dim>{{1, ""}, {16, ""}}, ""});
        m.graph.initializers["b"] = zerosTensor(DType::UInt8, {2, 1, 8});
        m.graph.initializers["s"] = makeTensor(DType::Float, {2}, {1, 1});
        Node mm = makeNode("mm", "MatMulNBits", {"a", "b", "s"}, {"y"});
        mm.domain = "com.microsoft";
        for (const char* key : {"K", "N", "block_size"})
            mm.attributes[key] = Attribute::makeInt(std::string(key) == "N" ? 2 : 16);
        m.graph.nodes = {mm};
        m.graph.outputs.push_back({"y", DType::Float, std::vector<Dim>{{1, ""}, {2, ""}}, ""});
        QTemporaryDir dir;
        const fs::path out = fs::path(dir.path().toStdString()) / "nbits.onnx";
        VERIFY_ERROR_MENTIONS(saveOnnx(m, out), "node 'mm' (com.microsoft::MatMulNBits) is in domain 'com.microsoft'");
        m.opsets.push_back({"com.microsoft", 1});
        VERIFY_RESULT(saveOnnx(m, out)); // the 1.12 checker runs: it passes custom domains through
        auto reloaded = loadOnnx(out);
        VERIFY_RESULT(reloaded);
        compareModels(m, reloaded.value());
    }

    void failedExportLeavesNothingBehind() {
        requireFixture(kFixtures / "fashion_cnn.onnx");
        auto model = loadOnnx(kFixtures / "fashion_cnn.onnx");
        VERIFY_RESULT(model);
        QTemporaryDir dir;
        const fs::path target = fs::path(dir.path().toStdString()) / "no-such-dir" / "out.onnx";
        auto saved = saveOnnx(model.value(), target);
        QVERIFY(!saved.ok());
        QVERIFY(!fs::exists(target));
        QVERIFY(fs::is_empty(dir.path().toStdString()));
    }

    void invalidModelsAreNotExported() {
        Model model;
        model.opsets.push_back({"", 17});
        model.graph.inputs.push_back({"x", DType::Float, std::vector<Dim>{{2, ""}}, ""});
        model.graph.outputs.push_back({"y", DType::Float, std::nullopt, ""});
        Node n;
        n.name = "mystery";
        n.opType = "NoSuchOp";
        n.inputs = {"x"};
        n.outputs = {"y"};
        model.graph.nodes.push_back(n);
        QTemporaryDir dir;
        const fs::path target = fs::path(dir.path().toStdString()) / "bad.onnx";
        auto saved = saveOnnx(model, target);
        VERIFY_ERROR_MENTIONS(saved, "onnx::checker");
        QVERIFY(!fs::exists(target));
    }
};

QTEST_GUILESS_MAIN(OnnxIoTest)
#include "tst_onnx_io.moc"
