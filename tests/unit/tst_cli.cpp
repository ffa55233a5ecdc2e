// The `autoglm` command line: help everywhere, real results on the fixtures, one-line errors with a non-zero
// exit status on bad input.
#include "pipeline/common/MemoryBudget.h"
#include "pipeline/io/Npy.h"
#include "pipeline/ir/TensorUtil.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>

using namespace autoglm;
namespace fs = std::filesystem;

namespace {

const QString kFixtures = AUTOGLM_FIXTURES;

struct CliRun {
    int exitCode = -1;
    QString out;
    QString err;
};

CliRun cli(const QStringList& args, const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(AUTOGLM_CLI, args);
    p.waitForFinished(10 * 60 * 1000);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
            p.readAllStandardError()};
}

void requireFixtures() {
    if (!fs::exists((kFixtures + "/fashion_cnn.onnx").toStdString()))
        QSKIP("fixtures missing");
}

void expectOneLineError(const CliRun& r, const QString& mention) {
    QVERIFY2(r.exitCode != 0, qPrintable(r.out));
    const QString err = r.err.trimmed();
    QVERIFY2(!err.contains('\n'), qPrintable(err));
    QVERIFY2(err.contains(mention), qPrintable(err));
}

} // namespace

class CliTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void helpOnEveryCommand() {
        QCOMPARE(cli({"--help"}).exitCode, 0);
        for (const char* command : {"info", "run-model", "eval", "bench", "generate", "compress", "run", "merge", "tune", "sensitivity"}) {
            const CliRun r = cli({command, "--help"});
            QCOMPARE(r.exitCode, 0);
            QVERIFY2(r.out.startsWith(QString("usage: autoglm ") + command), qPrintable(r.out));
        }
        QCOMPARE(cli({"frobnicate"}).exitCode, 2);
        QCOMPARE(cli({"info", "--bogus", "x"}).exitCode, 2);
    }

    void infoJson() {
        requireFixtures();
        const CliRun r = cli({"info", kFixtures + "/fashion_cnn.onnx", "--json", "--input-shape", "image=1,1,28,28"});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject j = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(j["opset"].toInt(), 13);
        QCOMPARE(j["inputs"].toArray()[0].toObject()["name"].toString(), QString("image"));
        QVERIFY(j["parameters"].toInteger() > 320000 && j["parameters"].toInteger() < 330000);
        QVERIFY2(j["macs"].toInteger() > 0, qPrintable(j["macs_note"].toString()));
        QCOMPARE(j["op_histogram"].toObject()["Conv"].toInt(), 9);
        bool sawConvMacs = false;
        for (const auto& layer : j["layers"].toArray())
            sawConvMacs |= layer.toObject()["op"] == "Conv" && layer.toObject()["macs"].toInteger() > 0;
        QVERIFY(sawConvMacs);
    }

    void runModelWritesOutputs() {
        requireFixtures();
        QTemporaryDir dir;
        const fs::path input = fs::path(dir.path().toStdString()) / "x.npy";
        QVERIFY(saveNpy(zerosTensor(DType::Float, {3, 1, 28, 28}), input).ok());
        const QString outDir = dir.path() + "/out";
        const CliRun r = cli({"run-model", kFixtures + "/fashion_cnn.onnx", "--input",
                              "image=" + QString::fromStdString(input.string()), "--output-dir", outDir});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        auto logits = loadNpy((outDir + "/logits.npy").toStdString());
        QVERIFY(logits.ok());
        QCOMPARE(logits->shape(), (std::vector<int64_t>{3, 10}));
    }

    void evalOnCalibrationImages() {
        requireFixtures();
        const CliRun r =
            cli({"eval", kFixtures + "/fashion_cnn.onnx", "--images", kFixtures + "/fashion_calib_images.npy",
                 "--labels", kFixtures + "/fashion_calib_labels.npy", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject j = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(j["count"].toInt(), 1000);
        QVERIFY(j["top1"].toDouble() > 0.9);
        QVERIFY(j["top5"].toDouble() >= j["top1"].toDouble());
    }

    // eval and bench refuse a batch beyond the memory share before anything runs, with the numbers (eval's batch
    // is at most the dataset's size); a batch that fits runs under the same share.
    void evalAndBenchRefuseABatchBeyondTheShare() {
        requireFixtures();
        const int64_t available = autoglm::availableMemoryBytes();
        if (available <= 0)
            QSKIP("the available memory cannot be read here");
        // About 100 MB may be taken: fashion_cnn needs ~32 MB at batch 100 and ~300 MB at batch 1,000 (its
        // activations are ~300 kB a sample), a margin of 3x either way for what other processes change meanwhile.
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("AUTOGLM_MEMORY_SHARE", QString::number(100e6 / static_cast<double>(available), 'g', 6));
        const QStringList data{"--images", kFixtures + "/fashion_calib_images.npy", "--labels",
                               kFixtures + "/fashion_calib_labels.npy", "--json"};
        const CliRun big = cli(QStringList{"eval", kFixtures + "/fashion_cnn.onnx", "--batch", "5000"} + data, env);
        expectOneLineError(big, "evaluating at batch 1000 (images per run; --batch sets it) needs about 3");
        QVERIFY2(big.err.contains("MB of memory, but ") && big.err.contains("AUTOGLM_MEMORY_SHARE"), qPrintable(big.err));
        QVERIFY2(!big.err.contains("eval "), qPrintable(big.err)); // refused before any batch ran
        QVERIFY(big.out.isEmpty());
        const CliRun fits = cli(QStringList{"eval", kFixtures + "/fashion_cnn.onnx", "--batch", "100"} + data, env);
        QVERIFY2(fits.exitCode == 0, qPrintable(fits.err));
        QCOMPARE(QJsonDocument::fromJson(fits.out.toUtf8()).object()["count"].toInt(), 1000);

        const CliRun bench = cli({"bench", kFixtures + "/fashion_cnn.onnx", "--batch", "1000", "--iters", "1"}, env);
        expectOneLineError(bench, "benchmarking at batch 1000 (--batch) needs about 3");
        const CliRun small = cli({"bench", kFixtures + "/fashion_cnn.onnx", "--batch", "10", "--iters", "2", "--json"}, env);
        QVERIFY2(small.exitCode == 0, qPrintable(small.err));
        QCOMPARE(QJsonDocument::fromJson(small.out.toUtf8()).object()["batch"].toInt(), 10);

        // Compared models that fit alone (~32 MB each at batch 100) but not together (9 x 32 MB) are timed one
        // after another instead of in interleaved rounds.
        QStringList many{"bench", kFixtures + "/fashion_cnn.onnx", "--batch", "100", "--iters", "1", "--warmup", "0",
                         "--json"};
        for (int i = 0; i < 8; ++i)
            many << "--compare" << kFixtures + "/fashion_cnn.onnx";
        const CliRun apart = cli(many, env);
        QVERIFY2(apart.exitCode == 0, qPrintable(apart.err));
        const QJsonObject aj = QJsonDocument::fromJson(apart.out.toUtf8()).object();
        QCOMPARE(aj["timing"].toString(), QString("one after another"));
        QCOMPARE(aj["compare"].toArray().size(), 8);
    }

    void benchPrintsLatency() {
        requireFixtures();
        const CliRun r =
            cli({"bench", kFixtures + "/fashion_cnn.onnx", "--iters", "3", "--warmup", "1", "--json", "--profile"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject j = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QVERIFY(j["median_ms"].toDouble() > 0);
        QVERIFY(j["p90_ms"].toDouble() >= j["median_ms"].toDouble());
        // fashion_cnn's time is in its nine convolutions.
        const QJsonObject slowest = j["profile"].toArray()[0].toObject();
        QCOMPARE(slowest["op"].toString(), QString("Conv"));
        QCOMPARE(slowest["nodes"].toInt(), 9);
    }

    // --compare times more models in the same process: each gets a speedup over the first; a bad one is named.
    void benchComparesModels() {
        requireFixtures();
        const QString model = kFixtures + "/fashion_cnn.onnx";
        const CliRun r = cli({"bench", model, "--iters", "3", "--warmup", "1", "--json", "--compare", model,
                              "--compare", model});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject j = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(j["precision"].toString(), QString("fp32"));
        const QJsonArray compared = j["compare"].toArray();
        QCOMPARE(compared.size(), 2);
        QCOMPARE(j["timing"].toString(), QString("rounds")); // three small models fit in memory together
        for (const auto& entry : compared) {
            const QJsonObject o = entry.toObject();
            QCOMPARE(o["model"].toString(), model);
            QVERIFY(o["median_ms"].toDouble() > 0);
            QVERIFY(std::abs(o["speedup"].toDouble() - j["median_ms"].toDouble() / o["median_ms"].toDouble()) < 1e-9);
        }
        const CliRun text = cli({"bench", model, "--iters", "2", "--compare", model});
        QVERIFY(text.out.contains("speedup") && text.out.contains("1.00x") && text.out.contains("timed in rounds"));
        expectOneLineError(cli({"bench", model, "--iters", "1", "--compare", kFixtures + "/missing.onnx"}),
                           "missing.onnx");
        expectOneLineError(cli({"bench", model, "--iters", "1", "--precision", "fp16"}),
                           "precision fp16 needs device cuda");
    }

    void generateStreamsTheReferenceContinuation() {
        const QString folder = kFixtures + "/tiny_llama";
        if (!QFileInfo::exists(folder + "/config.json"))
            QSKIP("fixture missing");
        QFile referenceFile(folder + "/reference.json");
        QVERIFY(referenceFile.open(QIODevice::ReadOnly));
        const QJsonObject reference = QJsonDocument::fromJson(referenceFile.readAll()).object();
        const CliRun r =
            cli({"generate", folder, "--prompt", reference["prompt"].toString(), "--max-new-tokens", "32"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QCOMPARE(r.out, reference["prompt"].toString() + reference["greedy_32_text"].toString() + "\n");
        QVERIFY2(r.err.contains("tokens/s"), qPrintable(r.err));
        expectOneLineError(cli({"generate", kFixtures, "--prompt", "x"}), "config.json");
    }

    void badInputGetsOneLineErrors() {
        requireFixtures();
        QTemporaryDir dir;
        expectOneLineError(cli({"info", dir.path() + "/absent.onnx"}), "no such file");
        expectOneLineError(cli({"info", kFixtures + "/austen_val.txt"}), "not a valid ONNX model");
        expectOneLineError(
            cli({"eval", kFixtures + "/fashion_cnn.onnx", "--images", kFixtures + "/fashion_calib_images.npy",
                 "--labels", kFixtures + "/fashion_test_labels.npy"}),
            "labels must be");
        expectOneLineError(cli({"bench", kFixtures + "/fashion_cnn.onnx", "--iters", "zero"}), "--iters");
        const fs::path wrong = fs::path(dir.path().toStdString()) / "wrong.npy";
        QVERIFY(saveNpy(zerosTensor(DType::Float, {1, 3, 28, 28}), wrong).ok());
        expectOneLineError(cli({"run-model", kFixtures + "/fashion_cnn.onnx", "--input",
                                "image=" + QString::fromStdString(wrong.string()), "--output-dir", dir.path()}),
                           "must have shape");
        expectOneLineError(cli({"eval", kFixtures + "/fashion_cnn.onnx"}), "either --images");
    }

    // TorchScript archives run code when loaded: every command that opens one wants --trust-torchscript.
    void torchScriptNeedsTheTrustFlag() {
        requireFixtures();
        const QString pt = kFixtures + "/fashion_cnn.pt";
        if (!fs::exists(pt.toStdString()))
            QSKIP("fixture missing");
        QTemporaryDir dir;
        const QString images = kFixtures + "/fashion_calib_images.npy", labels = kFixtures + "/fashion_calib_labels.npy";
        for (const QStringList& args :
             {QStringList{"info", pt}, QStringList{"eval", pt, "--images", images, "--labels", labels},
              QStringList{"bench", pt, "--iters", "1"}, QStringList{"compress", pt, "--quantize", "w8a16", "-o", dir.path() + "/x.onnx"},
              QStringList{"run-model", pt, "--output-dir", dir.path()}})
            expectOneLineError(cli(args), "--trust-torchscript");
        const CliRun info = cli({"info", pt, "--trust-torchscript", "--json"});
        QVERIFY2(info.exitCode == 0, qPrintable(info.err));
        QVERIFY(info.out.contains("\"Conv\""));
        const CliRun eval = cli({"eval", pt, "--trust-torchscript", "--images", images, "--labels", labels});
        QVERIFY2(eval.exitCode == 0, qPrintable(eval.err));
        QVERIFY(eval.out.contains("top-1"));
        const CliRun compressed = cli({"compress", pt, "--trust-torchscript", "--quantize", "w8a16", "-o",
                                       dir.path() + "/fashion_w8.onnx"});
        QVERIFY2(compressed.exitCode == 0, qPrintable(compressed.err));
        QVERIFY(cli({"info", dir.path() + "/fashion_w8.onnx"}).exitCode == 0);
        // A pickle-only file: one line saying how to make TorchScript.
        const QString state = dir.path() + "/state.pt";
        std::ofstream(state.toStdString(), std::ios::binary) << "\x80\x02junk";
        expectOneLineError(cli({"info", state, "--trust-torchscript"}), "torch.jit.trace");
    }

    // convert: a TorchScript archive as ONNX, with the input shapes the archive does not record.
    void convertWritesTorchScriptAsOnnx() {
        requireFixtures();
        const QString pt = kFixtures + "/fashion_cnn.pt";
        if (!fs::exists(pt.toStdString()))
            QSKIP("fixture missing");
        QTemporaryDir dir;
        const QString out = dir.path() + "/fashion.onnx";
        expectOneLineError(cli({"convert", pt, "-o", out}), "--trust-torchscript");
        const CliRun info = cli({"info", pt, "--trust-torchscript", "--json"});
        QVERIFY2(info.exitCode == 0, qPrintable(info.err));
        const QString input = QJsonDocument::fromJson(info.out.toUtf8()).object()["inputs"].toArray()[0].toObject()["name"].toString();
        const QString shape = input + "=batch,1,28,28";
        const CliRun r = cli({"convert", pt, "--trust-torchscript", "--input-shape", shape, "-o", out});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("[batch,1,28,28]"), qPrintable(r.out));
        const CliRun back = cli({"info", out, "--json"});
        QVERIFY2(back.exitCode == 0, qPrintable(back.err));
        QVERIFY2(back.out.contains("[batch,1,28,28]"), qPrintable(back.out));
        // The ONNX file gives what the archive gives.
        const CliRun evalPt = cli({"eval", pt, "--trust-torchscript", "--images", kFixtures + "/fashion_calib_images.npy",
                                   "--labels", kFixtures + "/fashion_calib_labels.npy", "--json"});
        const CliRun evalOnnx = cli({"eval", out, "--images", kFixtures + "/fashion_calib_images.npy", "--labels",
                                     kFixtures + "/fashion_calib_labels.npy", "--json"});
        QVERIFY2(evalPt.exitCode == 0 && evalOnnx.exitCode == 0, qPrintable(evalPt.err + evalOnnx.err));
        const auto top1 = [](const CliRun& run) { return QJsonDocument::fromJson(run.out.toUtf8()).object()["top1"].toDouble(-1); };
        QVERIFY(top1(evalPt) > 0.8);
        QCOMPARE(top1(evalOnnx), top1(evalPt));
        // Bad shapes: one line naming the problem, and no file.
        const QString bad = dir.path() + "/bad.onnx";
        expectOneLineError(cli({"convert", pt, "--trust-torchscript", "--input-shape",
                                input + "=batch,1,28", "-o", bad}), "rank 4");
        expectOneLineError(cli({"convert", pt, "--trust-torchscript", "--input-shape", "pixels=1,1,28,28", "-o", bad}),
                           "forward has no such argument");
        expectOneLineError(cli({"info", kFixtures + "/fashion_cnn.onnx", "--input-shape", "image=1,1,-28,28"}),
                           "--input-shape: input shape 'image=1,1,-28,28': dimension 2");
        QVERIFY(!fs::exists(bad.toStdString()));
    }

    void compressWritesAFileTheOtherCommandsRun() {
        requireFixtures();
        QTemporaryDir dir;
        const QString out = dir.path() + "/fashion_w8a8.onnx";
        const QString report = dir.path() + "/report.json";
        const CliRun r = cli({"compress",
                              kFixtures + "/fashion_cnn.onnx",
                              "-o",
                              out,
                              "--quantize",
                              "w8a8",
                              "--calibrator",
                              "percentile",
                              "--calib-images",
                              kFixtures + "/fashion_calib_images.npy",
                              "--calib-samples",
                              "64",
                              "--eval-images",
                              kFixtures + "/fashion_calib_images.npy",
                              "--eval-labels",
                              kFixtures + "/fashion_calib_labels.npy",
                              "--exclude",
                              "/net/fc2/*",
                              "--report",
                              report,
                              "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.err.contains("quantize 100%"), qPrintable(r.err));
        const QJsonObject json = QJsonDocument::fromJson(r.out.toUtf8()).object();
        const double before = json["original"].toObject()["file_bytes"].toDouble();
        const double after = json["compressed"].toObject()["file_bytes"].toDouble();
        QVERIFY(after > 0 && after < 0.3 * before);
        QVERIFY(json["original"].toObject()["latency_ms_batch1"].toDouble() > 0);
        const double top1 = json["compressed"].toObject()["metric"].toObject()["value"].toDouble();
        QVERIFY2(top1 > 0.9, qPrintable(QString::number(top1)));
        const QJsonArray layers =
            json["stages"].toArray()[0].toObject()["report"].toObject()["layers"].toArray();
        QCOMPARE(layers.size(), 11);
        bool fc2Skipped = false;
        for (const auto& layer : layers)
            fc2Skipped |=
                layer.toObject()["layer"].toString() == "/net/fc2/Gemm" && layer.toObject()["skipped"].toBool();
        QVERIFY(fc2Skipped);
        QVERIFY(fs::exists(report.toStdString()));

        QCOMPARE(cli({"eval", out, "--images", kFixtures + "/fashion_calib_images.npy", "--labels",
                      kFixtures + "/fashion_calib_labels.npy"})
                     .exitCode,
                 0);
        QCOMPARE(cli({"bench", out, "--iters", "3"}).exitCode, 0);
        const CliRun info = cli({"info", out});
        QVERIFY2(info.out.contains("DequantizeLinear"), qPrintable(info.out));
    }

    void compressChainsPruneThenQuantize() {
        requireFixtures();
        QTemporaryDir dir;
        const QString out = dir.path() + "/fashion_24_w8.onnx";
        const CliRun r = cli({"compress", kFixtures + "/fashion_cnn.onnx", "-o", out, "--prune", "2:4",
                              "--prune-method", "sparsegpt", "--quantize", "w8a16", "--exclude", "/net/stem/*",
                              "--calib-images", kFixtures + "/fashion_calib_images.npy", "--calib-samples", "32",
                              "--no-bench", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.err.contains("prune 100%") && r.err.contains("quantize 100%"), qPrintable(r.err));
        const QJsonObject json = QJsonDocument::fromJson(r.out.toUtf8()).object();
        const QJsonArray stages = json["stages"].toArray();
        QCOMPARE(stages.size(), 2);
        QCOMPARE(stages[0].toObject()["stage"].toString(), QString("prune"));
        QCOMPARE(stages[1].toObject()["stage"].toString(), QString("quantize"));
        // The zeros survive int8 quantization and the file: half of every pruned layer's weights.
        const QJsonObject original = json["original"].toObject();
        const QJsonObject compressed = json["compressed"].toObject();
        QCOMPARE(original["zero_parameters"].toDouble(), 0.0);
        const double zeroShare = compressed["zero_parameters"].toDouble() / compressed["parameters"].toDouble();
        QVERIFY2(zeroShare > 0.45 && zeroShare < 0.5, qPrintable(QString::number(zeroShare)));
        QVERIFY(compressed["nonzero_macs_batch1"].toDouble() < 0.55 * original["macs_batch1"].toDouble());
    }

    void compressedCheckpointKeepsItsTokenizer() {
        requireFixtures();
        QTemporaryDir dir;
        const QString out = dir.path() + "/llama_w8.onnx";
        const QString withPast = dir.path() + "/llama_w8_past.onnx";
        const CliRun r = cli({"compress", kFixtures + "/tiny_llama", "-o", out, "--quantize", "w8a16",
                              "--cached-output", withPast, "--no-bench"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(fs::exists((dir.path() + "/tokenizer.json").toStdString()));
        const CliRun eval = cli({"eval", out, "--text", kFixtures + "/austen_calib.txt", "--json"});
        QVERIFY2(eval.exitCode == 0, qPrintable(eval.err));
        const QJsonObject json = QJsonDocument::fromJson(eval.out.toUtf8()).object();
        QCOMPARE(json["task"].toString(), QString("token_perplexity"));
        QVERIFY(json["perplexity"].toDouble() < 40);
        // The compressed file answers a prompt with the tokenizer beside it (no cache: whole sequence per token).
        const CliRun generated = cli({"generate", out, "--prompt", "It is a truth", "--max-new-tokens", "8"});
        QVERIFY2(generated.exitCode == 0, qPrintable(generated.err));
        QVERIFY2(generated.out.startsWith("It is a truth") && generated.out.size() > 16, qPrintable(generated.out));
        QVERIFY2(generated.err.contains("8 new tokens"), qPrintable(generated.err));
        // Its generation variant (past/present key/value) continues the prompt the same way, one token per run.
        const CliRun cached = cli({"generate", withPast, "--prompt", "It is a truth", "--max-new-tokens", "8"});
        QVERIFY2(cached.exitCode == 0, qPrintable(cached.err));
        QCOMPARE(cached.out, generated.out);
        expectOneLineError(cli({"compress", kFixtures + "/tiny_llama", "-o", out, "--quantize", "w8a16", "--distill",
                                "steps=1", "--train-text", kFixtures + "/austen_calib.txt", "--cached-output",
                                withPast}),
                           "cannot be replayed");
    }

    // A pruned checkpoint also written as a Hugging Face folder that the CLI opens like the original.
    void compressWritesAHuggingFaceFolder() {
        requireFixtures();
        QTemporaryDir dir;
        const QString llama = kFixtures + "/tiny_llama";
        const QString hf = dir.path() + "/llama_24";
        const CliRun r = cli({"compress", llama, "-o", dir.path() + "/llama_24.onnx", "--prune", "2:4",
                              "--hf-folder", hf, "--hf-dtype", "bfloat16", "--no-bench"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("(Hugging Face folder)"), qPrintable(r.out));
        const CliRun info = cli({"info", hf, "--json"});
        QVERIFY2(info.exitCode == 0, qPrintable(info.err));
        const CliRun generated = cli({"generate", hf, "--prompt", "It is", "--max-new-tokens", "4"});
        QVERIFY2(generated.exitCode == 0, qPrintable(generated.err));

        const QString out = dir.path() + "/x.onnx";
        expectOneLineError(cli({"compress", kFixtures + "/fashion_cnn.onnx", "-o", out, "--prune", "2:4",
                                "--hf-folder", dir.path() + "/f"}),
                           "needs a Hugging Face checkpoint");
        expectOneLineError(cli({"compress", llama, "-o", out, "--prune", "2:4", "--hf-folder", dir.path() + "/g",
                                "--hf-dtype", "int8"}),
                           "expected float32, bfloat16 or float16");
        expectOneLineError(cli({"compress", llama, "-o", out, "--prune", "2:4", "--hf-folder", hf}),
                           "not an empty folder");
        expectOneLineError(cli({"compress", llama, "-o", out, "--quantize", "w8a16", "--hf-folder",
                                dir.path() + "/q", "--no-bench"}),
                           "export it as ONNX");
        QVERIFY(!QFileInfo::exists(dir.path() + "/q"));
    }

    void compressBadInputGetsOneLineErrors() {
        requireFixtures();
        QTemporaryDir dir;
        const QString model = kFixtures + "/fashion_cnn.onnx";
        const QString out = dir.path() + "/out.onnx";
        expectOneLineError(cli({"compress", model, "--quantize", "w8a16"}), "needs -o");
        expectOneLineError(cli({"compress", model, "-o", dir.path() + "/out.txt", "--quantize", "w8a16"}),
                           "must be an .onnx file");
        expectOneLineError(cli({"compress", model, "-o", out}), "--quantize");
        expectOneLineError(cli({"compress", model, "-o", out, "--prune", "unstructured:1"}), "sparsity is 1");
        expectOneLineError(cli({"compress", model, "-o", out, "--prune", "unstructured:half"}),
                           "expected unstructured:SHARE");
        expectOneLineError(cli({"compress", model, "-o", out, "--prune", "2:4", "--no-bench"}),
                           "has 1, not a multiple of 4");
        expectOneLineError(cli({"compress", model, "-o", out, "--prune", "heads:0.25"}),
                           "no attention block can lose heads: no Reshape");
        expectOneLineError(cli({"compress", model, "-o", out, "--prune", "channels:1.5"}), "sparsity is 1.5");
        expectOneLineError(cli({"compress", model, "-o", out, "--prune", "2:4", "--prune-method", "sparsegpt"}),
                           "needs calibration data");
        expectOneLineError(cli({"compress", model, "-o", out, "--quantize", "w5"}), "scheme is 'w5'");
        expectOneLineError(cli({"compress", model, "-o", out, "--quantize", "w4a16", "--group", "48"}),
                           "group_size is 48");
        expectOneLineError(cli({"compress", model, "-o", out, "--quantize", "w8a8", "--no-bench"}),
                           "needs calibration data");
        expectOneLineError(cli({"compress", model, "-o", out, "--quantize", "w8a8", "--calib-text",
                                kFixtures + "/austen_calib.txt", "--no-bench"}),
                           "takes float32");
        expectOneLineError(
            cli({"compress", model, "-o", dir.path() + "/missing/out.onnx", "--quantize", "w8a16", "--no-bench"}),
            "cannot create");
        QVERIFY(!fs::exists(out.toStdString()));
        QVERIFY(fs::is_empty(dir.path().toStdString()));
    }

    // `run` with shards on the command line, then `merge`: the cluster workflow of docs/PIPELINES.md.
    void runShardsAndMerge() {
        requireFixtures();
        QTemporaryDir dir;
        const QString root = dir.path();
        const QString pipeline = root + "/sweep.autoglm.json";
        QFile file(pipeline);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QString(R"({"format": "autoglm-pipeline", "version": 1, "name": "cli sweep",
            "model": "%1/fashion_cnn.onnx",
            "datasets": {"test": {"kind": "images", "images": "%1/fashion_test_images.npy",
                                  "labels": "%1/fashion_test_labels.npy", "samples": 100}},
            "stages": [{"id": "p", "kind": "prune"},
                       {"id": "x", "kind": "export", "after": "p", "output": "{variant}.onnx"}],
            "sweeps": [{"stage": "p", "param": "sparsity", "values": [0.2, 0.4, 0.6]}],
            "evaluation": {"dataset": "test", "latency_iterations": 2}})")
                       .arg(kFixtures)
                       .toUtf8());
        file.close();
        const CliRun plan = cli({"run", pipeline, "--plan", "--shard", "1/2"});
        QCOMPARE(plan.exitCode, 0);
        QCOMPARE(plan.out.trimmed().split('\n').size(), 1); // variants 1 of 0, 1, 2
        for (const char* shard : {"0/2", "1/2"}) {
            const CliRun r = cli({"run", pipeline, "--shard", shard, "--out", root + "/s" + shard[0], "--threads", "2"});
            QVERIFY2(r.exitCode == 0, qPrintable(r.err));
            QVERIFY2(r.err.contains("[1/"), qPrintable(r.err)); // progress lines on stderr
        }
        QVERIFY(QFile::exists(root + "/s0/x@p.sparsity=0.2.onnx"));
        QVERIFY(QFile::exists(root + "/s1/x@p.sparsity=0.4.onnx"));
        const CliRun merged = cli({"merge", root + "/s0", root + "/s1", "--out", root + "/all", "--json"});
        QVERIFY2(merged.exitCode == 0, qPrintable(merged.err));
        const QJsonObject j = QJsonDocument::fromJson(merged.out.toUtf8()).object();
        QCOMPARE(j["status"].toString(), QString("complete"));
        const QJsonArray variants = j["variants"].toArray();
        QCOMPARE(variants.size(), 3);
        QCOMPARE(variants[1].toObject()["id"].toString(), QString("x@p.sparsity=0.4"));
        QVERIFY(variants[2].toObject()["sparsity"].toDouble() > 0.55);
        QVERIFY(QFile::exists(root + "/all/results.csv"));

        // Bad input: one line naming the file and the JSON path, exit status 1; a bad shard is usage.
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"format": "autoglm-pipeline", "version": 1, "model": "m.onnx",
                       "stages": [{"id": "p", "kind": "prune", "params": {"sparsity": 3}}]})");
        file.close();
        const CliRun bad = cli({"run", pipeline});
        QCOMPARE(bad.exitCode, 1);
        expectOneLineError(bad, "stages[0].params.sparsity");
        expectOneLineError(cli({"run", pipeline, "--shard", "2/2"}), "--shard 2/2");
        expectOneLineError(cli({"merge", root + "/s0", root + "/s0", "--out", root + "/x"}), "given twice");
    }

    void sensitivityTable() {
        requireFixtures();
        const CliRun r = cli({"sensitivity", kFixtures + "/fashion_cnn.onnx", "--eval-images",
                              kFixtures + "/fashion_test_images.npy", "--eval-labels", kFixtures + "/fashion_test_labels.npy",
                              "--eval-samples", "100", "--no-int8", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject j = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(j["metric"].toString(), QString("top-1"));
        const QJsonArray layers = j["layers"].toArray();
        QCOMPARE(layers.size(), 11);
        // INT4 applies to Conv kernels and Gemm alike; INT8 was not probed.
        QVERIFY(layers[0].toObject()["int4_drop"].isDouble());
        QVERIFY(layers[9].toObject()["int4_drop"].isDouble());
        QVERIFY(layers[0].toObject()["int8_drop"].isNull());
        // Pruning half of the 1-channel stem's nine weights hurts far more than pruning a wide layer.
        QVERIFY(layers[0].toObject()["prune_drop"].toDouble() > layers[7].toObject()["prune_drop"].toDouble());
        expectOneLineError(cli({"sensitivity", kFixtures + "/fashion_cnn.onnx"}), "give one evaluation set");
    }
};

QTEST_GUILESS_MAIN(CliTest)
#include "tst_cli.moc"
