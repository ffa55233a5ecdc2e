// The generation preview dock (offscreen): the original (tiny_llama rebuilt with its key/value cache) and a real
// compressed variant (quantized and exported by a pipeline run in the studio) answer the same prompt side by side
// on a worker; the original's answer is the fixture's greedy reference, the variant's is what its file generates,
// cancelling stops both, the event loop never stalls, and every state in which one side cannot answer says why
// with Generate disabled.
#include "GenerationJob.h"
#include "GenerationPreviewController.h"
#include "JobController.h"
#include "MainWindow.h"
#include "pipeline/llm/Generation.h"
#include "pipeline/llm/TextGenerator.h"
#include "widgets/GenerationPane.h"
#include "widgets/GenerationPreview.h"
#include "widgets/VariantTable.h"
#include "widgets/VariantTableModel.h"

#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "GuiTestSupport.h"

#include <memory>

using autoglm::studio::GenerationJob;
using autoglm::studio::MainWindow;
using autoglm::widgets::GenerationPane;
using autoglm::widgets::GenerationPreview;

namespace {
const QString kFixtures = AUTOGLM_FIXTURES;
const QString kLlama = kFixtures + "/tiny_llama";
const QString kMarker = QStringLiteral("\u2503");

QJsonObject reference() {
    QFile file(kLlama + "/reference.json");
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

// A pipeline for the fixture: an 8-bit and a 4-bit variant exported to files (the preview's variants) and one
// kept in memory only (the "no exported file" state). Size only: nothing here needs the task metric or latency.
QString writePipeline(const QString& folder) {
    const QString file = folder + "/preview.autoglm.json";
    QFile out(file);
    if (!out.open(QIODevice::WriteOnly))
        return {};
    out.write(QString(R"({
  "format": "autoglm-pipeline", "version": 1, "name": "preview", "model": "%1",
  "stages": [
    {"id": "w8", "kind": "quantize", "params": {"scheme": "w8a16"}},
    {"id": "w8_file", "kind": "export", "after": "w8", "output": "{variant}.onnx"},
    {"id": "w8_memory", "kind": "quantize", "params": {"scheme": "w8a16", "granularity": "per-tensor"}},
    {"id": "w4", "kind": "quantize", "params": {"scheme": "w4a16", "group_size": 128}},
    {"id": "w4_file", "kind": "export", "after": "w4", "output": "{variant}.onnx"}
  ],
  "evaluation": {"latency": false, "fidelity": false}
})")
                  .arg(kLlama)
                  .toUtf8());
    return file;
}

// What the exported file answers through the core directly (no studio, no worker).
QVector<qint64> generateDirectly(const QString& file, const QString& prompt, int tokens) {
    auto model = autoglm::TextGenerator::open(file.toStdString());
    if (!model || model->usesCache())
        return {};
    const auto ids = model->tokenizer().encode(prompt.toStdString());
    autoglm::GenerationOptions options;
    options.maxNewTokens = tokens;
    options.stopToken = 0; // the checkpoint's end token, which the variant stops at too
    auto direct = autoglm::generateGreedy(model->executor(), std::vector<int64_t>(ids.begin(), ids.end()), options);
    return direct ? QVector<qint64>(direct->tokens.begin(), direct->tokens.end()) : QVector<qint64>();
}

// Where two token lists first differ (-1: nowhere).
int firstDifference(const QVector<qint64>& a, const QVector<qint64>& b) {
    int common = 0;
    while (common < std::min(a.size(), b.size()) && a[common] == b[common])
        ++common;
    return common < std::max(a.size(), b.size()) ? common : -1;
}
} // namespace

class GenerationPreviewTest : public QObject {
    Q_OBJECT

    std::unique_ptr<MainWindow> m_window;
    QTemporaryDir m_dir;

    GenerationPreview* preview() const { return m_window->generationPreview(); }
    GenerationJob* job() const { return m_window->previewController()->job(); }

    void expectBlocked(GenerationPreview::Side side, const QString& says) {
        QVERIFY2(preview()->problem(side).contains(says), qPrintable(preview()->problem(side)));
        QVERIFY2(preview()->stateText().contains(says), qPrintable(preview()->stateText()));
        QVERIFY(preview()->pane(side)->placeholder().contains(says));
        QVERIFY(!preview()->generateButton()->isEnabled());
    }

private Q_SLOTS:
    void initTestCase() {
        QCoreApplication::setOrganizationName("Open-AutoGLM-tests");
        QStandardPaths::setTestModeEnabled(true);
        if (!QFileInfo::exists(kLlama + "/config.json"))
            QSKIP("fixtures missing");
        m_window = std::make_unique<MainWindow>();
        // Opening a model edits the open pipeline's source; opening the test's pipeline then gives that up.
        m_window->setUnsavedChangesAnswer([] { return int(QMessageBox::Discard); });
        m_window->show();
        m_window->findChild<QDockWidget*>("generationDock")->raise(); // painted while it streams, as a user sees it
    }

    // The comparison itself, fed by hand: where the continuations part, the marker and the words for it.
    void marksWhereTheContinuationsFirstDiffer() {
        GenerationPreview view;
        view.setSide(GenerationPreview::Original, "Original", QString());
        view.setSide(GenerationPreview::Variant, "v", QString());
        view.setPrompt("Say:");
        QVERIFY(view.generateButton()->isEnabled());
        view.generationStarted();
        QVERIFY(!view.generateButton()->isEnabled() && view.cancelButton()->isEnabled());
        const QStringList a = {" the", " same", " words"}, b = {" the", " same", " thing"};
        for (int i = 0; i < 3; ++i) {
            view.tokenGenerated(GenerationPreview::Original, 10 + i);
            view.textGenerated(GenerationPreview::Original, a[i]);
            view.tokenGenerated(GenerationPreview::Variant, i < 2 ? 10 + i : 99);
            view.textGenerated(GenerationPreview::Variant, b[i]);
            if (i < 2)
                QCOMPARE(view.firstDifferentToken(), -1);
        }
        QCOMPARE(view.firstDifferentToken(), 2);
        QCOMPARE(view.firstDifferentCharacter(), QString(" the same ").size());
        QCOMPARE(view.pane(GenerationPreview::Original)->view()->toPlainText(), "Say: the same " + kMarker + "words");
        QCOMPARE(view.pane(GenerationPreview::Variant)->view()->toPlainText(), "Say: the same " + kMarker + "thing");
        QVERIFY2(view.comparisonText().contains("token 3"), qPrintable(view.comparisonText()));
        QCOMPARE(view.continuation(GenerationPreview::Variant), QString(" the same thing")); // the marker is not text
        view.sideFinished(GenerationPreview::Original, 2, 1.5, 3, 100, false);
        view.sideFinished(GenerationPreview::Variant, 2, 2.5, 3, 50, false);
        view.generationEnded(false);
        QVERIFY(view.pane(GenerationPreview::Variant)->status().contains("50.0 tokens/s"));
        QVERIFY(view.pane(GenerationPreview::Variant)->status().contains("2.5 ms"));

        // One side stops early (its end token): they differ where it stopped, once it has finished.
        view.generationStarted();
        view.tokenGenerated(GenerationPreview::Original, 1);
        view.textGenerated(GenerationPreview::Original, "ab");
        view.tokenGenerated(GenerationPreview::Variant, 1);
        view.textGenerated(GenerationPreview::Variant, "ab");
        view.tokenGenerated(GenerationPreview::Variant, 2);
        view.textGenerated(GenerationPreview::Variant, "c");
        QCOMPARE(view.firstDifferentToken(), -1);
        view.sideFinished(GenerationPreview::Original, 2, 1, 1, 0, false);
        QCOMPARE(view.firstDifferentToken(), 1);
        QCOMPARE(view.firstDifferentCharacter(), 2);
        view.sideFinished(GenerationPreview::Variant, 2, 1, 2, 0, false);
        view.generationEnded(false);

        // Identical answers say so, and mark nothing.
        view.generationStarted();
        for (int side : {0, 1}) {
            view.tokenGenerated(side, 7);
            view.textGenerated(side, "same");
            view.sideFinished(side, 2, 1, 1, 0, false);
        }
        view.generationEnded(false);
        QCOMPARE(view.firstDifferentToken(), -1);
        QVERIFY(view.comparisonText().contains("identical"));
        QVERIFY(!view.pane(GenerationPreview::Original)->view()->toPlainText().contains(kMarker));
    }

    void saysWhatIsMissingBeforeAnythingIsOpen() {
        expectBlocked(GenerationPreview::Original, "Open a Hugging Face checkpoint folder");
        QVERIFY(preview()->problem(GenerationPreview::Variant).contains("No run results yet"));
    }

    void saysWhenTheOpenModelIsNoDecoder() {
        QSignalSpy shown(m_window.get(), &MainWindow::modelShown);
        m_window->openModel(kFixtures + "/fashion_cnn.onnx");
        QVERIFY(shown.wait(60000));
        expectBlocked(GenerationPreview::Original, "is not a decoder language model");
    }

    // The real thing: open the pipeline (its checkpoint loads), run it, select the exported variant, generate.
    void generatesOriginalAndVariantSideBySide() {
        const QString pipeline = writePipeline(m_dir.path());
        QVERIFY(!pipeline.isEmpty());
        QSignalSpy shown(m_window.get(), &MainWindow::modelShown);
        QVERIFY(m_window->openPipeline(pipeline));
        QVERIFY(shown.wait(60000));
        QVERIFY2(preview()->problem(GenerationPreview::Original).isEmpty(),
                 qPrintable(preview()->problem(GenerationPreview::Original)));
        QCOMPARE(preview()->pane(GenerationPreview::Original)->title(), QString("Original — tiny_llama"));
        expectBlocked(GenerationPreview::Variant, "No run results yet");

        QSignalSpy ended(m_window.get(), &MainWindow::runEnded);
        QVERIFY(m_window->runPipeline());
        QVERIFY(ended.wait(300000));
        QCOMPARE(ended.front().at(0).toString(), QString("complete"));
        expectBlocked(GenerationPreview::Variant, "Select a variant");
        m_window->variantTable()->selectVariant("w8_file");
        QVERIFY2(preview()->problem(GenerationPreview::Variant).isEmpty(),
                 qPrintable(preview()->problem(GenerationPreview::Variant)));
        QCOMPARE(preview()->pane(GenerationPreview::Variant)->title(), QString("w8_file"));
        const QString variantFile = m_window->previewController()->variantFile();
        QVERIFY(variantFile.endsWith("/w8_file.onnx"));

        const QJsonObject ref = reference();
        preview()->setPrompt(ref["prompt"].toString());
        preview()->maxTokensBox()->setValue(32);
        QVERIFY(preview()->generateButton()->isEnabled());
        QTest::qWait(200); // what the run left to paint is painted before the click
        QSignalSpy finished(job(), &GenerationJob::finished);
        QSignalSpy texts(job(), &GenerationJob::textGenerated);
        guitest::Heartbeat heartbeat;
        QTest::mouseClick(preview()->generateButton(), Qt::LeftButton);
        QVERIFY(job()->isRunning());
        QVERIFY(!preview()->generateButton()->isEnabled());
        QVERIFY(finished.wait(120000));
        heartbeat.stop();
        qInfo("longest event-loop gap while generating: %lld ms", heartbeat.worstGapMs());
        QVERIFY2(heartbeat.worstGapMs() < 100,
                 qPrintable(QString("event loop stalled for %1 ms").arg(heartbeat.worstGapMs())));
        QCOMPARE(finished.front().at(0).toBool(), false);

        // The original is the checkpoint's greedy answer, streamed a piece at a time.
        QCOMPARE(preview()->continuation(GenerationPreview::Original), ref["greedy_32_text"].toString());
        int originalPieces = 0;
        for (const auto& args : texts)
            originalPieces += args.at(0).toInt() == GenerationPreview::Original;
        QVERIFY2(originalPieces >= 16, qPrintable(QString::number(originalPieces)));
        QVector<qint64> expectedIds;
        for (const auto& id : ref["greedy_32_ids"].toArray())
            expectedIds << id.toInteger();
        QCOMPARE(preview()->pane(GenerationPreview::Original)->tokens(), expectedIds);

        // The variant's pane is what its exported file generates, through the core directly.
        const QVector<qint64> direct = generateDirectly(variantFile, ref["prompt"].toString(), 32);
        QVERIFY(!direct.isEmpty());
        QCOMPARE(preview()->pane(GenerationPreview::Variant)->tokens(), direct);
        QVERIFY(!preview()->continuation(GenerationPreview::Variant).isEmpty());
        for (int side : {0, 1}) {
            const QString status = preview()->pane(GenerationPreview::Side(side))->status();
            QVERIFY2(status.contains("tokens/s") && status.contains(" ms") && status.contains("13 tokens"),
                     qPrintable(status));
        }
        QCOMPARE(preview()->firstDifferentToken(), firstDifference(expectedIds, direct));
        qInfo("variant w8_file: %s", qPrintable(preview()->comparisonText()));

        // The 4-bit variant, chosen on the table while the original stays: its own answer, and where it departs
        // from the original's is marked in both panes.
        m_window->variantTable()->selectVariant("w4_file");
        QCOMPARE(preview()->pane(GenerationPreview::Variant)->title(), QString("w4_file"));
        QVERIFY(preview()->continuation(GenerationPreview::Variant).isEmpty()); // the 8-bit answer is gone
        QSignalSpy again(job(), &GenerationJob::finished);
        guitest::Heartbeat heartbeat4; // this file is loaded on the worker too, while the original is reused
        QTest::mouseClick(preview()->generateButton(), Qt::LeftButton);
        QVERIFY(again.wait(120000));
        heartbeat4.stop();
        QVERIFY2(heartbeat4.worstGapMs() < 100,
                 qPrintable(QString("event loop stalled for %1 ms").arg(heartbeat4.worstGapMs())));
        QCOMPARE(preview()->continuation(GenerationPreview::Original), ref["greedy_32_text"].toString());
        const QVector<qint64> direct4 =
            generateDirectly(m_window->previewController()->variantFile(), ref["prompt"].toString(), 32);
        QCOMPARE(preview()->pane(GenerationPreview::Variant)->tokens(), direct4);
        QCOMPARE(preview()->firstDifferentToken(), firstDifference(expectedIds, direct4));
        qInfo("variant w4_file: %s", qPrintable(preview()->comparisonText()));
        if (preview()->firstDifferentCharacter() >= 0) {
            const int at = ref["prompt"].toString().size() + preview()->firstDifferentCharacter();
            for (int side : {0, 1})
                QCOMPARE(preview()->pane(GenerationPreview::Side(side))->view()->toPlainText().mid(at, 1), kMarker);
        }
        // AUTOGLM_SCREENSHOTS=<folder> keeps a picture of the dock, for the README.
        if (const QString shots = qEnvironmentVariable("AUTOGLM_SCREENSHOTS"); !shots.isEmpty()) {
            QDockWidget* dock = m_window->findChild<QDockWidget*>("generationDock");
            dock->setFloating(true);
            dock->resize(1100, 520);
            QTest::qWait(200);
            QVERIFY(dock->grab().save(QDir(shots).filePath("generation-preview.png")));
            dock->setFloating(false);
        }
        QVERIFY(preview()->generateButton()->isEnabled());
        QVERIFY(!preview()->cancelButton()->isEnabled());
    }

    void cancellingStopsBothSides() {
        preview()->maxTokensBox()->setValue(1024); // far longer than it is given
        QSignalSpy finished(job(), &GenerationJob::finished);
        QSignalSpy texts(job(), &GenerationJob::textGenerated);
        guitest::Heartbeat heartbeat;
        QTest::mouseClick(preview()->generateButton(), Qt::LeftButton);
        QVERIFY(job()->isRunning());
        QTRY_VERIFY_WITH_TIMEOUT(texts.size() >= 8, 60000); // the models were kept: tokens come at once
        QTest::mouseClick(preview()->cancelButton(), Qt::LeftButton);
        QVERIFY(finished.wait(30000));
        heartbeat.stop();
        QVERIFY2(heartbeat.worstGapMs() < 100,
                 qPrintable(QString("event loop stalled for %1 ms").arg(heartbeat.worstGapMs())));
        QCOMPARE(finished.front().at(0).toBool(), true);
        QVERIFY(!job()->isRunning());
        for (int side : {0, 1}) {
            GenerationPane* pane = preview()->pane(GenerationPreview::Side(side));
            QVERIFY2(pane->status().startsWith("Cancelled"), qPrintable(pane->status()));
            QVERIFY(pane->tokens().size() < 1024);
        }
        QVERIFY(preview()->generateButton()->isEnabled());
        QVERIFY(!preview()->cancelButton()->isEnabled());
        preview()->maxTokensBox()->setValue(32);
    }

    void saysWhenTheSelectedVariantHasNoFile() {
        m_window->variantTable()->selectVariant("w8_memory");
        expectBlocked(GenerationPreview::Variant, "Variant w8_memory has no exported file. Add an Export stage after "
                                                  "this variant's stages and run the pipeline.");
        QCOMPARE(preview()->pane(GenerationPreview::Variant)->title(), QString("w8_memory"));
        QVERIFY(preview()->continuation(GenerationPreview::Variant).isEmpty()); // not the other variant's answer
        m_window->variantTable()->selectVariant("original");
        expectBlocked(GenerationPreview::Variant, "The original is the left pane already");

        // The file gone from disk (or its tokenizer): said before anything loads.
        const QString file = QDir(m_window->jobs()->outputDir()).filePath("w8_file.onnx");
        const QString tokenizer = QDir(m_window->jobs()->outputDir()).filePath("tokenizer.json");
        QVERIFY(QFile::rename(tokenizer, tokenizer + ".moved"));
        m_window->variantTable()->selectVariant("w8_file");
        expectBlocked(GenerationPreview::Variant, "There is no tokenizer.json beside");
        QVERIFY(QFile::rename(tokenizer + ".moved", tokenizer));
        QVERIFY(QFile::remove(file));
        m_window->variantTable()->selectVariant("w8_memory");
        m_window->variantTable()->selectVariant("w8_file");
        expectBlocked(GenerationPreview::Variant, "is missing: run the pipeline again");
    }

    void cleanupTestCase() { m_window.reset(); }
};

QTEST_MAIN(GenerationPreviewTest)
#include "tst_generation_preview.moc"
