// The executor with autograd on: gradients flow from the outputs back to inputs and weights through every op
// of the real fixtures, which distillation relies on. (Includes ATen: it has to hold gradients.)
#include "pipeline/exec/Executor.h"
#include "pipeline/onnx/OnnxImport.h"

#include <ATen/ATen.h>
#include <QtTest>

#include <filesystem>

using namespace autoglm;
namespace fs = std::filesystem;

class AutogradTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void gradientsReachInputsAndWeights() {
        const fs::path file = fs::path(AUTOGLM_FIXTURES) / "fashion_cnn.onnx";
        if (!fs::exists(file))
            QSKIP("fixture missing");
        auto model = loadOnnx(file);
        QVERIFY(model.ok());
        // Make one weight trainable, as distillation will.
        const std::string weightName = model->graph.nodes[2].inputs[1];
        at::Tensor weight = model->graph.initializers.at(weightName).tensor().clone().requires_grad_(true);
        model->graph.initializers[weightName] = TensorData(weight);

        ExecutorOptions options;
        options.autograd = true;
        auto executor = Executor::create(model.value(), options);
        QVERIFY2(executor.ok(), executor.ok() ? "" : executor.message().c_str());
        at::Tensor image = at::rand({2, 1, 28, 28}).requires_grad_(true);
        auto out = executor->run({{"image", TensorData(image)}});
        QVERIFY2(out.ok(), out.ok() ? "" : out.message().c_str());
        at::Tensor logits = out->at("logits").tensor();
        QVERIFY(logits.requires_grad());
        logits.logsumexp(1).sum().backward();
        QVERIFY(image.grad().defined());
        QVERIFY(image.grad().abs().sum().item<double>() > 0);
        QVERIFY(weight.grad().defined());
        QVERIFY(weight.grad().abs().sum().item<double>() > 0);
    }

    void inferenceRecordsNoGradients() {
        const fs::path file = fs::path(AUTOGLM_FIXTURES) / "fashion_cnn.onnx";
        if (!fs::exists(file))
            QSKIP("fixture missing");
        auto model = loadOnnx(file);
        QVERIFY(model.ok());
        auto executor = Executor::create(model.value());
        QVERIFY(executor.ok());
        at::Tensor image = at::rand({1, 1, 28, 28}).requires_grad_(true);
        auto out = executor->run({{"image", TensorData(image)}});
        QVERIFY(out.ok());
        QVERIFY(!out->at("logits").tensor().requires_grad());
    }
};

QTEST_GUILESS_MAIN(AutogradTest)
#include "tst_autograd.moc"
