// ONNX import and export: fixtures, round trips, external data, Constant folding, and every kind of bad file.
#include "OnnxBuilder.h"
#include "TestSupport.h"

#include "pipeline/ir/TensorUtil.h"
#include "pipeline/onnx/OnnxExport.h"
#include "pipeline/onnx/OnnxImport.h"
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
