// Our executor against ONNX Runtime on the fixtures, on real inputs: outputs within 1e-4.
#include "OrtJudge.h"

#include "pipeline/io/Npy.h"
#include "pipeline/ir/TensorUtil.h"
#include "pipeline/onnx/OnnxExport.h"
#include "pipeline/onnx/OnnxImport.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace autoglm;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = AUTOGLM_FIXTURES;
constexpr double kMaxAbsDiff = 1e-4;

void compareWithOrt(const fs::path& modelFile, const TensorMap& inputs) {
    if (auto reason = testutil::ortUnavailableReason(); !reason.empty())
        QSKIP(reason.c_str());
    auto model = loadOnnx(modelFile);
    QVERIFY2(model.ok(), model.ok() ? "" : model.message().c_str());
    auto executor = Executor::create(model.value());
    QVERIFY2(executor.ok(), executor.ok() ? "" : executor.message().c_str());
    auto ours = executor->run(inputs);
    QVERIFY2(ours.ok(), ours.ok() ? "" : ours.message().c_str());
    QTemporaryDir dir;
    auto theirs = testutil::runOrt(modelFile, inputs, dir.path().toStdString());
    QVERIFY2(theirs.ok(), theirs.ok() ? "" : theirs.message().c_str());
    for (const auto& [name, expected] : theirs.value()) {
        QVERIFY2(ours->count(name), name.c_str());
        const auto c = compareTensors(ours->at(name), expected, 0, kMaxAbsDiff);
        qInfo("%s output '%s': max abs difference to ONNX Runtime %.3g", modelFile.filename().c_str(), name.c_str(),
              c.maxAbsDiff);
        QVERIFY2(c.close, c.reason.c_str());
    }
}

} // namespace

class OrtParityTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void fashionCnnMatchesOrt() {
        if (!fs::exists(kFixtures / "fashion_cnn.onnx"))
            QSKIP("fixture missing");
        auto images = loadNpy(kFixtures / "fashion_test_images.npy");
        QVERIFY(images.ok());
        // 256 real test images, scaled to [0, 1] as the model expects.
        const auto values = tensorValues(images.value());
        std::vector<double> first(values.begin(), values.begin() + 256 * 28 * 28);
        for (double& v : first)
            v /= 255.0;
        compareWithOrt(kFixtures / "fashion_cnn.onnx", {{"image", makeTensor(DType::Float, {256, 1, 28, 28}, first)}});
    }

    void tinyGptMatchesOrt() {
        if (!fs::exists(kFixtures / "tiny_gpt.onnx"))
            QSKIP("fixture missing");
        std::ifstream in(kFixtures / "austen_val.txt", std::ios::binary);
        std::string text(2 * 256, '\0');
        in.read(text.data(), static_cast<std::streamsize>(text.size()));
        std::vector<double> ids;
        for (char ch : text)
            ids.push_back(static_cast<unsigned char>(ch));
        compareWithOrt(kFixtures / "tiny_gpt.onnx", {{"input_ids", makeTensor(DType::Int64, {2, 256}, ids)}});
    }

    // What we export is judged by ONNX Runtime too: a re-export with its weights in external data.
    void exportedModelRunsInOrt() {
        if (!fs::exists(kFixtures / "tiny_gpt.onnx"))
            QSKIP("fixture missing");
        auto model = loadOnnx(kFixtures / "tiny_gpt.onnx");
        QVERIFY(model.ok());
        QTemporaryDir dir;
        const fs::path exported = fs::path(dir.path().toStdString()) / "tiny_gpt_export.onnx";
        OnnxExportOptions options;
        options.externalDataThreshold = 0; // every large tensor goes to tiny_gpt_export.onnx.data
        QVERIFY(saveOnnx(model.value(), exported, options).ok());
        QVERIFY(fs::exists(exported.string() + ".data"));
        std::vector<double> ids(64);
        for (size_t i = 0; i < ids.size(); ++i)
            ids[i] = static_cast<double>((i * 37) % 256);
        compareWithOrt(exported, {{"input_ids", makeTensor(DType::Int64, {1, 64}, ids)}});
    }
};

QTEST_GUILESS_MAIN(OrtParityTest)
#include "tst_ort_parity.moc"
