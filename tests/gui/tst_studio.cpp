// The studio window (offscreen): loading on a worker without stalling the event loop, the layer table,
// filtering, drag and drop, and errors.
#include "Autosave.h"
#include "JobController.h"
#include "MainWindow.h"
#include "widgets/LayerTableModel.h"
#include "widgets/ModelInspector.h"
#include "widgets/PipelineCanvas.h"
#include "widgets/PipelineDocument.h"
#include "widgets/PipelineScene.h"
#include "widgets/PipelineView.h"
#include "widgets/RunPanel.h"
#include "widgets/StageKinds.h"
#include "widgets/StageNodeItem.h"
#include "widgets/TradeoffPlot.h"
#include "widgets/TrainingPlot.h"
#include "widgets/VariantTable.h"
#include "widgets/VariantTableModel.h"

#include "widgets/QCustomPlotInclude.h"

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QMessageBox>
#include <QMimeData>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>
#include <QUndoStack>
#include <QtTest>

#include "GuiTestSupport.h"

#include "pipeline/onnx/OnnxImport.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

using autoglm::studio::MainWindow;
using namespace autoglm::widgets;

using guitest::dropStage;

namespace {
const QString kFashion = QString(AUTOGLM_FIXTURES) + "/fashion_cnn.onnx";
const std::string kSamples = std::string(AUTOGLM_SOURCE_DIR) + "/resources/samples/fashion/";


QPointF centre(StageNodeItem* item) {
    return item->mapToScene(QPointF(StageNodeItem::kWidth / 2, StageNodeItem::kHeight / 2));
}

// Calibration and test data from the bundled sample, a few hundred images evaluated so a run stays short.
void addSampleData(PipelineDocument* doc, int evaluated) {
    doc->edit("data", [&](PipelineGraphModel& m) {
        autoglm::DatasetSpec calib, test;
        calib.id = "calib";
        calib.images = kSamples + "calib_images.npy";
        calib.labels = kSamples + "calib_labels.npy";
        calib.samples = 64;
        test.id = "test";
        test.images = kSamples + "test_images_2000.npy";
        test.labels = kSamples + "test_labels_2000.npy";
        m.setDatasets({calib, test});
        autoglm::PipelineSpec rest = m.document();
        rest.evaluation.dataset = "test";
        rest.evaluation.samples = evaluated;
        rest.evaluation.latencyIterations = 5;
        m.setDocument(rest);
        return true;
    });
}

// Drags `path` over the window and drops it, as a file manager would; false when the window refuses it.
bool dropOnto(QWidget& window, const QString& path) {
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(path)});
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &enter);
    if (!enter.isAccepted())
        return false;
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &drop);
    return true;
}
} // namespace

class StudioTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QCoreApplication::setOrganizationName("Open-AutoGLM-tests");
        QStandardPaths::setTestModeEnabled(true); // autosaves go to a test folder, not the user's
        if (!QFileInfo::exists(kFashion))
            QSKIP("fixtures missing");
    }

    void loadsOnAWorkerWithoutStallingTheEventLoop() {
        MainWindow window;
        window.show();
        QSignalSpy shown(&window, &MainWindow::modelShown);
        guitest::Heartbeat heartbeat;
        window.openModel(kFashion);
        QVERIFY(shown.wait(60000));
        heartbeat.stop();
        const qint64 worstGap = heartbeat.worstGapMs();
        qInfo("longest event-loop gap while loading: %lld ms", worstGap);
        QVERIFY2(worstGap < 100, qPrintable(QString("event loop stalled for %1 ms").arg(worstGap)));

        auto* table = window.inspector()->table();
        QCOMPARE(table->model()->rowCount(), 26); // every node of fashion_cnn
        QVERIFY(window.inspector()->headerText().contains("image"));
        window.inspector()->filter()->setText("Conv");
        QCOMPARE(table->model()->rowCount(), 9);
        window.inspector()->filter()->clear();

        // Sorting by MACs puts the heaviest layer first.
        table->sortByColumn(autoglm::widgets::LayerTableModel::Macs, Qt::DescendingOrder);
        const qlonglong top = table->model()
                                  ->index(0, autoglm::widgets::LayerTableModel::Macs)
                                  .data(autoglm::widgets::LayerTableModel::SortRole)
                                  .toLongLong();
        const qlonglong second = table->model()
                                     ->index(1, autoglm::widgets::LayerTableModel::Macs)
                                     .data(autoglm::widgets::LayerTableModel::SortRole)
                                     .toLongLong();
        QVERIFY(top > 0 && top >= second);
    }

    void dropOpensTheModel() {
        MainWindow window;
        window.show();
        QSignalSpy shown(&window, &MainWindow::modelShown);
        QVERIFY(dropOnto(window, kFashion));
        QVERIFY(shown.wait(60000));
        QCOMPARE(window.currentModel(), QFileInfo(kFashion).absoluteFilePath());
    }

    // TorchScript carries code: the studio asks first, loads nothing on "no", and asks once per session.
    void asksBeforeOpeningTorchScript() {
        const QString pt = QString(AUTOGLM_FIXTURES) + "/fashion_cnn.pt";
        if (!QFileInfo::exists(pt))
            QSKIP("fixture missing");
        MainWindow window;
        window.show();
        QSignalSpy shown(&window, &MainWindow::modelShown);
        QSignalSpy declined(&window, &MainWindow::modelDeclined);
        QStringList asked;
        int answer = QMessageBox::No;
        window.setTorchScriptAnswer([&](const QString& path) {
            asked << path;
            return answer;
        });
        window.openModel(pt);
        QCOMPARE(declined.size(), 1);
        QCOMPARE(asked, QStringList{QFileInfo(pt).absoluteFilePath()});
        QTest::qWait(50);
        QCOMPARE(shown.size(), 0);
        QVERIFY(window.currentModel().isEmpty());

        answer = QMessageBox::Yes;
        QVERIFY(dropOnto(window, pt));
        QVERIFY(shown.wait(60000));
        QCOMPARE(window.currentModel(), QFileInfo(pt).absoluteFilePath());
        QCOMPARE(window.inspector()->table()->model()->rowCount(), 26); // the same nodes as fashion_cnn.onnx
        QVERIFY(window.inspector()->headerText().contains("image"));
        window.openModel(pt); // allowed already in this session
        QVERIFY(shown.wait(60000));
        QCOMPARE(asked.size(), 2);
        QVERIFY2(window.inspector()->headerText().contains("batch,1,height,width"), qPrintable(window.inspector()->headerText()));

        // A pipeline on the archive declares its input shapes; the studio loads the model with them.
        QTemporaryDir dir;
        const QString file = dir.path() + "/pt.autoglm.json";
        QFile out(file);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(QString(R"({"format": "autoglm-pipeline", "version": 1, "name": "pt", "model": "%1",
                            "input_shapes": {"image": ["batch", 1, 28, 28]}, "datasets": {}, "stages": []})")
                      .arg(pt).toUtf8());
        out.close();
        window.setUnsavedChangesAnswer([] { return int(QMessageBox::Discard); });
        QVERIFY(window.openPipeline(file));
        QVERIFY(shown.wait(60000));
        QVERIFY2(window.inspector()->headerText().contains("batch,1,28,28"), qPrintable(window.inspector()->headerText()));
        QCOMPARE(asked.size(), 2);
    }

    void dropsACheckpointFolder() {
        const QString folder = QString(AUTOGLM_FIXTURES) + "/tiny_glm";
        if (!QFileInfo::exists(folder + "/config.json"))
            QSKIP("fixture missing");
        MainWindow window;
        window.show();
        QSignalSpy shown(&window, &MainWindow::modelShown);
        QVERIFY(dropOnto(window, folder));
        QVERIFY(shown.wait(60000));
        QVERIFY(window.inspector()->headerText().contains("input_ids"));
        window.inspector()->filter()->setText("q_proj");
        QVERIFY(window.inspector()->table()->model()->rowCount() >= 4); // one query projection per layer
    }

    void runsAPipelineBuiltWithTheMouse() {
        QTemporaryDir dir;
        MainWindow window;
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QSignalSpy shown(&window, &MainWindow::modelShown);
        window.openModel(kFashion);
        QVERIFY(shown.wait(60000));
        QCOMPARE(window.document()->model()->document().model, QFileInfo(kFashion).absoluteFilePath().toStdString());
        addSampleData(window.document(), 300);

        // Two branches by mouse: quantize off the source, and prune then quantize.
        PipelineView* view = window.canvas()->view();
        PipelineScene* scene = window.canvas()->scene();
        dropStage(view, "quantize", QPointF(260, -40));
        dropStage(view, "prune", QPointF(260, 120));
        const int prune = window.document()->model()->nodes().back();
        dropStage(view, "quantize", centre(scene->nodeItem(prune)));
        QCOMPARE(window.document()->model()->nodes().size(), size_t(3));
        QVERIFY2(window.document()->problem().isEmpty(), qPrintable(window.document()->problem()));
        QVERIFY(window.runPanel()->runButton()->isEnabled());
        QVERIFY(window.savePipelineAs(dir.path() + "/mouse.autoglm.json"));

        QTest::qWait(300); // what building the pipeline left to paint is painted before the user clicks Run
        QSignalSpy ended(&window, &MainWindow::runEnded);
        int measured = 0;
        connect(window.jobs(), &autoglm::studio::JobController::variantMeasured, this, [&] {
            ++measured;
            // Live: each measured variant is on the plot before the run ends.
            QCOMPARE(window.tradeoffPlot()->variantPoints(TradeoffPlot::Size) + 1, measured);
        });
        guitest::Heartbeat heartbeat;
        QTest::mouseClick(window.runPanel()->runButton(), Qt::LeftButton);
        QVERIFY(window.jobs()->isRunning());
        QVERIFY(ended.wait(600000));
        heartbeat.stop();
        const qint64 worstGap = heartbeat.worstGapMs();
        qInfo("longest event-loop gap while running: %lld ms", worstGap);
        QCOMPARE(ended.front().at(0).toString(), QString("complete"));
        QVERIFY2(worstGap < 100, qPrintable(QString("event loop stalled for %1 ms").arg(worstGap)));

        QCOMPARE(measured, 3); // the original and two variants
        QCOMPARE(window.tradeoffPlot()->variantPoints(TradeoffPlot::Latency), 2);
        QCOMPARE(window.tradeoffPlot()->variantPoints(TradeoffPlot::Size), 2);
        QVERIFY(window.tradeoffPlot()->frontPoints(TradeoffPlot::Size) >= 1);
        QCOMPARE(window.variants()->rowCount(), 3);
        for (const QString& stage : {QString("quantize"), QString("prune"), QString("quantize_2")})
            QCOMPARE(window.runPanel()->stageValue(stage), 100);
        QVERIFY(window.runPanel()->elapsedText().startsWith("elapsed"));
        QVERIFY(QFileInfo::exists(dir.path() + "/mouse-results/results.json"));

        // Clicking a point selects the variant in the table too.
        QCustomPlot* plot = window.tradeoffPlot()->plot(TradeoffPlot::Size);
        plot->replot();
        const QPointF at = window.tradeoffPlot()->pixelOf(TradeoffPlot::Size, "quantize");
        QVERIFY(at.x() >= 0);
        QTest::mouseClick(plot, Qt::LeftButton, Qt::NoModifier, at.toPoint());
        QCOMPARE(window.tradeoffPlot()->selectedVariant(), QString("quantize"));
        QCOMPARE(window.variantTable()->selectedVariant(), QString("quantize"));
        // ...and marks the stages that made it on the canvas.
        QVERIFY(scene->nodeItem(window.document()->model()->nodeForStage("quantize"))->isHighlighted());
        QVERIFY(!scene->nodeItem(prune)->isHighlighted());

        // AUTOGLM_SCREENSHOTS=<folder> keeps a picture of the studio after a real run, for the README.
        if (const QString shots = qEnvironmentVariable("AUTOGLM_SCREENSHOTS"); !shots.isEmpty()) {
            QTest::qWait(300); // the queued replots of the last points
            QVERIFY(window.grab().save(QDir(shots).filePath("studio-run.png")));
        }

        // The table, the report and the training curves (none here: no distill stage).
        QVERIFY(window.exportTable(dir.path() + "/variants.csv"));
        QFile csv(dir.path() + "/variants.csv");
        QVERIFY(csv.open(QIODevice::ReadOnly));
        QCOMPARE(csv.readAll().count('\n'), 4); // header, the original, two variants
        QVERIFY(window.exportReport(dir.path() + "/report.html"));
        QFile html(dir.path() + "/report.html");
        QVERIFY(html.open(QIODevice::ReadOnly));
        const QByteArray page = html.readAll();
        QCOMPARE(page.count("data:image/png;base64,"), 2);
        QVERIFY(page.contains("quantize_2") && page.contains("calibration"));
        QVERIFY(!window.exportVariantModel(dir.path() + "/x.onnx")); // no export stage: nothing to copy
        // Charts export.
        for (const QString& suffix : {QString("png"), QString("svg"), QString("pdf")}) {
            const QString file = dir.path() + "/chart." + suffix;
            QVERIFY(window.tradeoffPlot()->saveChart(TradeoffPlot::Latency, file).isEmpty());
            QVERIFY(QFileInfo(file).size() > 500);
        }
    }

    void drawsDistillationCurves() {
        QTemporaryDir dir;
        MainWindow window;
        window.document()->model()->setModelPath(kFashion.toStdString());
        addSampleData(window.document(), 100);
        const int distill = window.document()->model()->addStage("distill");
        window.document()->model()->setParams(distill, {{"steps", 6}, {"validate_every", 3}, {"batch_size", 16}});
        QVERIFY2(window.document()->problem().isEmpty(), qPrintable(window.document()->problem()));
        QVERIFY(window.savePipelineAs(dir.path() + "/distill.autoglm.json"));
        QSignalSpy ended(&window, &MainWindow::runEnded);
        QVERIFY(window.runPipeline());
        QVERIFY(ended.wait(600000));
        QCOMPARE(ended.front().at(0).toString(), QString("complete"));
        QCOMPARE(window.trainingPlot()->pointCount("distill", "loss"), 6);
        QVERIFY(window.trainingPlot()->pointCount("distill", "validation KL") >= 2);
    }

    void cancelsARun() {
        QTemporaryDir dir;
        MainWindow window;
        window.document()->model()->setModelPath(kFashion.toStdString());
        addSampleData(window.document(), 0); // every test image: long enough to cancel
        window.document()->model()->addStage("prune");
        QVERIFY(window.savePipelineAs(dir.path() + "/cancel.autoglm.json"));
        QSignalSpy ended(&window, &MainWindow::runEnded);
        QSignalSpy started(window.jobs(), &autoglm::studio::JobController::stageStarted);
        QVERIFY(window.runPipeline());
        QVERIFY(started.wait(60000));
        QTest::mouseClick(window.runPanel()->cancelButton(), Qt::LeftButton);
        QVERIFY(ended.wait(120000));
        QCOMPARE(ended.front().at(0).toString(), QString("cancelled"));
        QVERIFY(!window.jobs()->isRunning());
        QVERIFY(window.runPanel()->runButton()->isEnabled());
    }

    // The Cancel button clicked at 50 moments of a fashion run (prune → INT8 weights → export; delays drawn with a
    // fixed seed over the time a whole run takes): after each, the window answers (no event-loop stall over
    // 100 ms), Run is enabled and the next run starts, the pipeline is unchanged and not dirty, and the output
    // folder holds no partial or temporary file. Then a whole run in the same window measures what the first did.
    void cancelsAtFiftyRandomMoments() {
        QTemporaryDir dir;
        MainWindow window;
        window.show();
        PipelineGraphModel* model = window.document()->model();
        model->setModelPath(kFashion.toStdString());
        addSampleData(window.document(), 100);
        const int prune = model->addStage("prune");
        const int quantize = model->addStage("quantize", std::nullopt, prune);
        model->setParams(quantize, {{"scheme", "w8a16"}});
        model->addStage("export", std::nullopt, quantize);
        QVERIFY(window.savePipelineAs(dir.path() + "/cancel50.autoglm.json"));
        QVERIFY(!window.document()->isDirty());
        const std::string saved = model->toSpec().toJson().dump();
        const QDir out(window.runOutputDir());
        QSignalSpy ended(&window, &MainWindow::runEnded);
        // Each variant's primary metric in the table (the original's too).
        auto figures = [&] {
            std::map<std::string, double> primary{{"original", window.variants()->results().original.primary()}};
            for (const auto& row : window.variants()->results().variants)
                primary[row.id] = row.primary();
            return primary;
        };
        // Two whole runs: the second (caches warm, as for the runs cut below) gives the span moments are drawn from.
        qint64 span = 0;
        for (int i = 0; i < 2; ++i) {
            QElapsedTimer whole;
            whole.start();
            QTest::mouseClick(window.runPanel()->runButton(), Qt::LeftButton);
            QVERIFY(ended.wait(300000));
            QCOMPARE(ended.takeFirst().at(0).toString(), QString("complete"));
            span = whole.elapsed();
        }
        const std::map<std::string, double> reference = figures();
        qInfo("an uninterrupted run: %lld ms, %zu rows", span, reference.size());

        std::mt19937 moments(2026);
        int cancelled = 0;
        guitest::Heartbeat heartbeat;
        for (int i = 0; i < 50; ++i) {
            QTimer cut; // the user's click, `delay` ms after Run
            cut.setSingleShot(true);
            connect(&cut, &QTimer::timeout, this,
                    [&] { QTest::mouseClick(window.runPanel()->cancelButton(), Qt::LeftButton); });
            const int delay = std::uniform_int_distribution<int>(0, static_cast<int>(span))(moments);
            QVERIFY2(window.runPanel()->runButton()->isEnabled(), qPrintable(QString("before run %1").arg(i)));
            QTest::mouseClick(window.runPanel()->runButton(), Qt::LeftButton);
            QVERIFY2(window.jobs()->isRunning(), qPrintable(QString("run %1 did not start").arg(i)));
            cut.start(delay);
            QVERIFY(ended.wait(300000));
            cut.stop();
            const QString status = ended.takeFirst().at(0).toString();
            QVERIFY2(status == "cancelled" || status == "complete", qPrintable(status));
            cancelled += status == "cancelled";
            QVERIFY(!window.jobs()->isRunning());
            QVERIFY(window.runPanel()->runButton()->isEnabled());
            QVERIFY(!window.document()->isDirty());
            QCOMPARE(model->toSpec().toJson().dump(), saved);
            for (QDirIterator it(out.path(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories); it.hasNext();) {
                const QFileInfo file(it.next());
                const QString name = file.fileName();
                QVERIFY2(!name.contains(".tmp"), qPrintable(name));
                if (name.endsWith(".onnx"))
                    QVERIFY2(autoglm::loadOnnx(file.absoluteFilePath().toStdString()).ok(), qPrintable(name));
                else
                    QVERIFY2(name == "results.json" || name == "results.csv", qPrintable(name));
            }
        }
        heartbeat.stop();
        qInfo("50 cancels: %d runs cancelled; longest event-loop gap %lld ms", cancelled, heartbeat.worstGapMs());
        QVERIFY(cancelled >= 25); // most moments fall before the run's end
        QVERIFY2(heartbeat.worstGapMs() < 100, qPrintable(QString("stalled %1 ms").arg(heartbeat.worstGapMs())));

        QTest::mouseClick(window.runPanel()->runButton(), Qt::LeftButton);
        QVERIFY(ended.wait(300000));
        QCOMPARE(ended.takeFirst().at(0).toString(), QString("complete"));
        QVERIFY(figures() == reference);
    }

    void opensAndGuardsPipelines() {
        QTemporaryDir dir;
        MainWindow window;
        const QString starter = QString(AUTOGLM_SOURCE_DIR) + "/resources/pipelines/fashion_starter.autoglm.json";
        QSignalSpy shown(&window, &MainWindow::modelShown);
        QVERIFY(window.openPipeline(starter));
        QCOMPARE(window.document()->model()->nodes().size(), size_t(5));
        QVERIFY(shown.wait(60000)); // the model it names loads on the worker into the inspector
        QVERIFY(!window.document()->isDirty());

        // An invalid pipeline file dropped on the window: refused, the open one stays.
        const QString broken = dir.path() + "/broken.autoglm.json";
        std::ofstream(broken.toStdString()) << "{\"format\": \"autoglm-pipeline\", \"version\": 1}";
        QSignalSpy failed(&window, &MainWindow::pipelineFailed);
        QVERIFY(dropOnto(window, broken));
        QCOMPARE(failed.size(), 1);
        QCOMPARE(window.document()->model()->nodes().size(), size_t(5));
        QCOMPARE(window.document()->filePath(), QFileInfo(starter).absoluteFilePath());

        // Unsaved changes: Cancel keeps the window open, Discard lets it close.
        window.show();
        window.canvas()->appendStage("evaluate");
        QVERIFY(window.document()->isDirty());
        QVERIFY(window.isWindowModified());
        window.setUnsavedChangesAnswer([] { return int(QMessageBox::Cancel); });
        QVERIFY(!window.close());
        QVERIFY(window.isVisible());
        QVERIFY(!window.newPipeline());
        window.document()->undoStack()->undo();
        QVERIFY(!window.document()->isDirty());
        window.canvas()->appendStage("evaluate");
        window.setUnsavedChangesAnswer([] { return int(QMessageBox::Discard); });
        QVERIFY(window.close());
    }

    // A session that ends without saving (a crash, kill -9) leaves its autosaved copy; the next one offers it
    // back, unfinished work included; a clean close leaves nothing to offer.
    void recoversUnsavedWorkAfterACrash() {
        const QString starter = QString(AUTOGLM_SOURCE_DIR) + "/resources/pipelines/fashion_starter.autoglm.json";
        std::string edited;
        {
            auto* crashed = new MainWindow;
            crashed->autosave()->discard();
            QVERIFY(crashed->openPipeline(starter));
            crashed->canvas()->appendStage("evaluate");
            const int prune = crashed->canvas()->appendStage("prune");
            // Half-edited: a sparsity no pass accepts, so the pipeline would not run yet.
            QVERIFY(crashed->document()->edit("sparsity", [&](PipelineGraphModel& m) {
                return m.setParams(prune, {{"sparsity", 1.5}});
            }));
            QVERIFY(!crashed->document()->problem().isEmpty());
            crashed->autosave()->saveNow(); // what the timer does every few seconds
            edited = crashed->document()->model()->toSpec().toJson().dump();
            delete crashed; // gone without a close: nothing cleans up after it
        }
        MainWindow next;
        QVERIFY(next.autosave()->hasRecovery());
        QCOMPARE(next.autosave()->recoveryDocumentFile(), QFileInfo(starter).absoluteFilePath());
        next.setRecoveryAnswer([] { return int(QMessageBox::Yes); });
        QVERIFY(next.offerRecovery());
        QCOMPARE(next.document()->model()->toSpec().toJson().dump(), edited);
        QVERIFY(next.document()->isDirty());
        QCOMPARE(next.document()->filePath(), QFileInfo(starter).absoluteFilePath());

        next.show();
        next.setUnsavedChangesAnswer([] { return int(QMessageBox::Discard); });
        QVERIFY(next.close());
        MainWindow clean;
        bool asked = false;
        clean.setRecoveryAnswer([&] {
            asked = true;
            return int(QMessageBox::Yes);
        });
        QVERIFY(!clean.offerRecovery());
        QVERIFY(!asked);
    }

    // The real thing: a studio process with unsaved work is killed with SIGKILL (no destructor, no atexit) after
    // its autosave timer fired; the next studio offers that work back.
    void offersRecoveryAfterKill9() {
        MainWindow(nullptr).autosave()->discard();
        QProcess child;
        child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        child.start(QCoreApplication::applicationFilePath(), {"--autosave-child"});
        QVERIFY(child.waitForStarted());
        QElapsedTimer waited;
        waited.start();
        QByteArray said;
        while (!said.contains("autosaved") && waited.elapsed() < 60000 && child.state() == QProcess::Running) {
            child.waitForReadyRead(500);
            said += child.readAllStandardOutput();
        }
        QVERIFY2(said.contains("autosaved"), said.constData());
        child.kill(); // SIGKILL
        QVERIFY(child.waitForFinished(10000));
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);

        MainWindow next;
        QVERIFY(next.autosave()->hasRecovery());
        next.setRecoveryAnswer([] { return int(QMessageBox::Yes); });
        QVERIFY(next.offerRecovery());
        QVERIFY(next.document()->isDirty());
        QCOMPARE(next.document()->model()->toSpec().toJson().dump(), QString(said.split('\n').first().mid(9)).toStdString());
        next.autosave()->discard();
    }

    void badFilesReportTheError() {
        QTemporaryDir dir;
        const QString bogus = dir.path() + "/broken.onnx";
        std::ofstream(bogus.toStdString()) << "not a model";
        MainWindow window;
        QSignalSpy failed(&window, &MainWindow::modelFailed);
        window.openModel(bogus);
        QVERIFY(failed.wait(30000));
        QVERIFY(failed.front().at(1).toString().contains("not a valid ONNX model"));
        QVERIFY(window.currentModel().isEmpty());
    }
};

// The child of offersRecoveryAfterKill9: opens the starter pipeline, edits it, prints "pipeline <json>" and,
// once the autosave timer has written the copy, "autosaved"; then waits to be killed.
int autosaveChild() {
    QCoreApplication::setOrganizationName("Open-AutoGLM-tests");
    QStandardPaths::setTestModeEnabled(true);
    MainWindow window;
    if (!window.openPipeline(QString(AUTOGLM_SOURCE_DIR) + "/resources/pipelines/fashion_starter.autoglm.json"))
        return 2;
    window.canvas()->appendStage("evaluate");
    std::printf("pipeline %s\n", window.document()->model()->toSpec().toJson().dump().c_str());
    std::fflush(stdout);
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, [&] {
        if (window.autosave()->hasRecovery()) {
            std::printf("autosaved\n");
            std::fflush(stdout);
            poll.stop();
        }
    });
    poll.start(100);
    return QApplication::exec();
}

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    app.setAttribute(Qt::AA_Use96Dpi, true); // as QTEST_MAIN does
    if (argc > 1 && std::string(argv[1]) == "--autosave-child")
        return autosaveChild();
    StudioTest test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}
#include "tst_studio.moc"
