// The executor on the real fixtures (reference accuracy and perplexity) and on bad input.
#include "OnnxBuilder.h"
#include "TestSupport.h"

#include "pipeline/eval/Metrics.h"
#include "pipeline/exec/Executor.h"
#include "pipeline/exec/GraphRewrites.h"
#include "pipeline/io/Npy.h"
#include "pipeline/ir/TensorUtil.h"
#include "pipeline/onnx/OnnxImport.h"

#include <QtTest>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace autoglm;
using testutil::OnnxBuilder;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = AUTOGLM_FIXTURES;

Model addModel() {
    OnnxBuilder b;
    b.input("x", onnx::TensorProto::FLOAT, {-1, 3}).output("y", onnx::TensorProto::FLOAT, {-1, 3});
    b.initializer("w", {3}, {1, 2, 3});
    b.node("Add", {"x", "w"}, {"y"}, "add");
    return parseOnnx(b.bytes(), ".", "add.onnx").value();
}

} // namespace

class ExecutorTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { setComputeThreads(0); }

    void runsASmallGraph() {
        auto executor = Executor::create(addModel());
        VERIFY_RESULT(executor);
        auto out = executor->run({{"x", makeTensor(DType::Float, {2, 3}, {0, 0, 0, 1, 1, 1})}});
        VERIFY_RESULT(out);
        QCOMPARE(tensorValues(out->at("y")), (std::vector<double>{1, 2, 3, 2, 3, 4}));
    }

    // Gelu (opset 20) has no case in the ONNX 1.12 node tests; check both forms against their formulas.
    void geluBothApproximations() {
        for (const char* approximate : {"none", "tanh"}) {
            OnnxBuilder b(20);
            b.input("x", onnx::TensorProto::FLOAT, {3}).output("y", onnx::TensorProto::FLOAT, {3});
            auto& node = b.node("Gelu", {"x"}, {"y"}, "gelu");
            auto* attr = node.add_attribute();
            attr->set_name("approximate");
            attr->set_type(onnx::AttributeProto::STRING);
            attr->set_s(approximate);
            auto executor = Executor::create(parseOnnx(b.bytes(), ".", "gelu.onnx").value());
            VERIFY_RESULT(executor);
            auto out = executor->run({{"x", makeTensor(DType::Float, {3}, {-1.0, 0.5, 2.0})}});
            VERIFY_RESULT(out);
            const auto y = tensorValues(out->at("y"));
            for (size_t i = 0; i < y.size(); ++i) {
                const double x = std::vector<double>{-1.0, 0.5, 2.0}[i];
                const double expected =
                    std::string(approximate) == "none"
                        ? 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)))
                        : 0.5 * x * (1 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
                QVERIFY2(std::abs(y[i] - expected) < 1e-6, approximate);
            }
        }
    }

    void unknownOpIsNamedWithItsNode() {
        OnnxBuilder b;
        b.input("x", onnx::TensorProto::FLOAT, {2}).output("y", onnx::TensorProto::FLOAT, {2});
        b.node("FancyOp", {"x"}, {"y"}, "fancy_1");
        auto model = parseOnnx(b.bytes(), ".", "fancy.onnx");
        VERIFY_RESULT(model);
        auto executor = Executor::create(model.value());
        VERIFY_ERROR_MENTIONS(executor, "FancyOp (node 'fancy_1')");
        QVERIFY(executor.error().unsupported);
    }

    void wrongInputsAreRefused() {
        auto executor = Executor::create(addModel());
        VERIFY_RESULT(executor);
        VERIFY_ERROR_MENTIONS(executor->run({{"x", makeTensor(DType::Float, {2, 4}, std::vector<double>(8, 0))}}),
                              "must have shape [N,3] but got [2,4]");
        VERIFY_ERROR_MENTIONS(executor->run({{"x", makeTensor(DType::Int64, {1, 3}, {1, 2, 3})}}),
                              "must be float32 but got int64");
        VERIFY_ERROR_MENTIONS(executor->run({}), "input 'x'");
        VERIFY_ERROR_MENTIONS(
            executor->run({{"x", zerosTensor(DType::Float, {1, 3})}, {"nope", zerosTensor(DType::Float, {1})}}),
            "no input named 'nope'");
    }

    void kernelErrorsNameTheNode() {
        OnnxBuilder b;
        b.input("x", onnx::TensorProto::FLOAT, {2, 3}).output("y", onnx::TensorProto::FLOAT, {});
        b.initializer("shape", {1}, {5}).set_data_type(onnx::TensorProto::INT64);
        auto& shape = b.proto().mutable_graph()->mutable_initializer()->at(0);
        const int64_t five = 5;
        shape.set_raw_data(std::string(reinterpret_cast<const char*>(&five), sizeof five));
        b.node("Reshape", {"x", "shape"}, {"y"}, "reshape_bad");
        auto model = parseOnnx(b.bytes(), ".", "reshape.onnx");
        VERIFY_RESULT(model);
        auto executor = Executor::create(model.value());
        VERIFY_RESULT(executor);
        auto out = executor->run({{"x", zerosTensor(DType::Float, {2, 3})}});
        VERIFY_ERROR_MENTIONS(out, "node 'reshape_bad' (Reshape)");
    }

    void cancellationStopsTheRun() {
        auto executor = Executor::create(addModel());
        VERIFY_RESULT(executor);
        std::stop_source stop;
        stop.request_stop();
        VERIFY_ERROR_MENTIONS(executor->run({{"x", zerosTensor(DType::Float, {1, 3})}}, stop.get_token()), "cancelled");
    }

    // Half precision is for CUDA inference only (tests/unit/tst_cuda_exec.cpp runs it); bad values are named.
    void precisionOptionIsChecked() {
        ExecutorOptions half;
        half.precision = "fp16";
        VERIFY_ERROR_MENTIONS(Executor::create(addModel(), half), "precision fp16 needs device cuda");
        ExecutorOptions odd;
        odd.precision = "fp8";
        VERIFY_ERROR_MENTIONS(Executor::create(addModel(), odd), "unknown precision 'fp8'");
    }

    void fashionCnnTop1MatchesReference() {
        if (!fs::exists(kFixtures / "fashion_cnn.onnx"))
            QSKIP("fixture missing");
        auto model = loadOnnx(kFixtures / "fashion_cnn.onnx");
        VERIFY_RESULT(model);
        auto executor = Executor::create(model.value());
        VERIFY_RESULT(executor);
        auto images = loadNpy(kFixtures / "fashion_test_images.npy");
        auto labels = loadNpy(kFixtures / "fashion_test_labels.npy");
        VERIFY_RESULT(images);
        VERIFY_RESULT(labels);
        auto result = evaluateClassification(executor.value(), images.value(), labels.value(), {});
        VERIFY_RESULT(result);
        qInfo("fashion_cnn test top-1 %.4f top-5 %.4f", result->top1, result->top5);
        QCOMPARE(result->count, int64_t(10000));
        QVERIFY2(std::abs(result->top1 - 0.9379) < 5e-5, qPrintable(QString::number(result->top1, 'f', 5)));
    }

    // The executor fuses tiny_gpt's four Erf-spelled GELUs; the fused graph computes the same logits.
    void geluFusionKeepsResults() {
        if (!fs::exists(kFixtures / "tiny_gpt.onnx"))
            QSKIP("fixture missing");
        auto model = loadOnnx(kFixtures / "tiny_gpt.onnx");
        VERIFY_RESULT(model);
        Graph copy = model->graph;
        QCOMPARE(exec::fuseErfGelu(copy), 4);
        QCOMPARE(copy.nodes.size(), model->graph.nodes.size() - 16);
        QVERIFY(copy.validate().ok());

        ExecutorOptions unfused;
        unfused.fuse = false;
        auto plain = Executor::create(model.value(), unfused);
        auto fused = Executor::create(model.value());
        VERIFY_RESULT(plain);
        VERIFY_RESULT(fused);
        std::vector<double> ids(128);
        for (size_t i = 0; i < ids.size(); ++i)
            ids[i] = static_cast<double>((i * 91) % 256);
        const TensorMap in{{"input_ids", makeTensor(DType::Int64, {1, 128}, ids)}};
        auto a = plain->run(in);
        auto b = fused->run(in);
        VERIFY_RESULT(a);
        VERIFY_RESULT(b);
        const auto c = compareTensors(b->at("logits"), a->at("logits"), 1e-5, 1e-4); // float rounding only
        QVERIFY2(c.close, c.reason.c_str());
    }

    void tinyGptPerplexityMatchesReference() {
        if (!fs::exists(kFixtures / "tiny_gpt.onnx"))
            QSKIP("fixture missing");
        auto model = loadOnnx(kFixtures / "tiny_gpt.onnx");
        VERIFY_RESULT(model);
        auto executor = Executor::create(model.value());
        VERIFY_RESULT(executor);
        std::ifstream in(kFixtures / "austen_val.txt", std::ios::binary);
        std::stringstream text;
        text << in.rdbuf();
        auto result = evaluateBytePerplexity(executor.value(), text.str(), {});
        VERIFY_RESULT(result);
        qInfo("tiny_gpt byte perplexity %.4f over %lld windows", result->perplexity,
              static_cast<long long>(result->windows));
        QVERIFY2(std::abs(result->perplexity - 2.9522) <= 0.001, qPrintable(QString::number(result->perplexity)));
    }
};

QTEST_GUILESS_MAIN(ExecutorTest)
#include "tst_executor.moc"
