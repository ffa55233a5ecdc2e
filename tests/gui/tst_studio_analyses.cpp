// The studio's analyses and live preferences (offscreen), on the bundled sample: the inspector's sensitivity
// heat column against the core's analyzeSensitivity on the same data, under an event-loop heartbeat, and its
// cancellation; language and theme switched live; Run ▸ Auto-tune from the GUI against the files the core
// writes, and a cancelled tune that leaves nothing behind.
#include "MainWindow.h"
#include "SensitivityJob.h"
#include "TuneController.h"
#include "widgets/LayerTableModel.h"
#include "widgets/ModelInspector.h"
#include "widgets/PipelineDocument.h"
#include "widgets/PipelineGraphModel.h"
#include "widgets/RunPanel.h"
#include "widgets/StudioSettings.h"
#include "widgets/TradeoffPlot.h"
#include "widgets/TuneDialog.h"
#include "widgets/VariantTable.h"
#include "widgets/VariantTableModel.h"

#include "widgets/QCustomPlotInclude.h"

#include "pipeline/exec/Executor.h"
#include "pipeline/model/ModelLoader.h"
#include "pipeline/runner/Datasets.h"
#include "pipeline/runner/Sensitivity.h"
#include "pipeline/runner/VariantEvaluator.h"

#include <QDockWidget>
#include <QFile>
#include <QHeaderView>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include "GuiTestSupport.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

using autoglm::studio::MainWindow;
using namespace autoglm::widgets;

namespace {
const QString kModel = QString(AUTOGLM_SOURCE_DIR) + "/resources/models/fashion_cnn.onnx";
const std::string kSamples = std::string(AUTOGLM_SOURCE_DIR) + "/resources/samples/fashion/";

// The bundled test images as the pipeline's evaluation data; `evaluated` images at most (0: all 2,000).
void addSampleData(PipelineDocument* doc, int evaluated) {
    doc->edit("data", [&](PipelineGraphModel& m) {
        autoglm::DatasetSpec test;
        test.id = "test";
        test.images = kSamples + "test_images_2000.npy";
        test.labels = kSamples + "test_labels_2000.npy";
        m.setDatasets({test});
        autoglm::PipelineSpec rest = m.document();
        rest.evaluation.dataset = "test";
        rest.evaluation.samples = evaluated;
        rest.evaluation.latencyIterations = 2;
        rest.evaluation.latencyWarmup = 1;
        m.setDocument(rest);
        return true;
    });
}

void openSample(MainWindow& window) {
    QSignalSpy shown(&window, &MainWindow::modelShown);
    window.openModel(kModel);
    QVERIFY(shown.wait(60000));
}

int rowOf(const LayerTableModel* model, const std::string& layer) {
    for (int r = 0; r < model->rowCount(); ++r)
        if (model->layers()[size_t(r)].name == layer)
            return r;
    return -1;
}

QDockWidget* dock(MainWindow& window, const QString& name) {
    return window.findChild<QDockWidget*>(name);
}
} // namespace

class StudioAnalysesTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QCoreApplication::setOrganizationName("Open-AutoGLM-tests");
        QStandardPaths::setTestModeEnabled(true);
        autoglm::widgets::StudioSettings defaults;
        defaults.save(); // English, the system theme, automatic threads: whatever an earlier run left
    }

    void sensitivityFillsTheHeatColumn() {
        MainWindow window;
        window.show();
        openSample(window);
        LayerTableModel* layers = window.inspector()->layerModel();
        const QModelIndex first = layers->index(0, LayerTableModel::Sensitivity);
        // Before any analysis: nothing invented.
        QCOMPARE(first.data().toString(), QString("—"));
        QVERIFY(first.data(Qt::ToolTipRole).toString().startsWith("Not analysed"));
        QVERIFY(!first.data(Qt::BackgroundRole).isValid());
        // No data yet: said plainly, nothing starts.
        QVERIFY(!window.analyzeSensitivity());
        QVERIFY2(window.inspector()->analysisMessage().contains("No data"),
                 qPrintable(window.inspector()->analysisMessage()));

        addSampleData(window.document(), 100);
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTest::qWait(300); // the window's first paint is done before the user clicks
        QSignalSpy ended(&window, &MainWindow::sensitivityEnded);
        guitest::Heartbeat heartbeat;
        QTest::mouseClick(window.inspector()->analyzeButton(), Qt::LeftButton);
        QVERIFY(window.sensitivityJob()->isRunning());
        QVERIFY(window.inspector()->analysisProgress()->isVisible());
        QVERIFY(ended.wait(120000));
        heartbeat.stop();
        qInfo("longest event-loop gap while analysing: %lld ms", heartbeat.worstGapMs());
        QVERIFY2(heartbeat.worstGapMs() < 100,
                 qPrintable(QString("event loop stalled for %1 ms").arg(heartbeat.worstGapMs())));
        QCOMPARE(ended.front().at(0).toBool(), true);
        QVERIFY(layers->hasSensitivity());

        // The core on the same model, data and thread count.
        autoglm::setComputeThreads(StudioSettings::load().runThreads());
        const autoglm::PipelineSpec spec = window.document()->model()->toSpec();
        auto model = autoglm::loadModel(kModel.toStdString());
        QVERIFY(model);
        auto data = autoglm::loadDataset(spec, *spec.dataset("test"), model.value());
        QVERIFY(data);
        auto evaluator = autoglm::VariantEvaluator::create(
            model.value(), std::make_shared<const autoglm::LoadedDataset>(data.value()), {100, true, 256});
        QVERIFY(evaluator);
        auto core = autoglm::analyzeSensitivity(model.value(), evaluator.value(), {});
        QVERIFY(core);
        int measured = 0;
        double worst = 0;
        for (const auto& row : core->rows) {
            const int r = rowOf(layers, row.layer);
            QVERIFY2(r >= 0, row.layer.c_str());
            const double expected = LayerTableModel::worstDrop(row);
            const QModelIndex cell = layers->index(r, LayerTableModel::Sensitivity);
            if (!std::isfinite(expected)) {
                QCOMPARE(cell.data().toString(), QString("—"));
                continue;
            }
            ++measured;
            worst = std::max(worst, expected);
            QVERIFY2(std::abs(cell.data(LayerTableModel::SortRole).toDouble() - expected) < 1e-9, row.layer.c_str());
            const QString tip = cell.data(Qt::ToolTipRole).toString();
            QVERIFY2(tip.contains(QString::number(row.int8Drop, 'f', 3)) &&
                         tip.contains(QString::number(row.int4Drop, 'f', 3)) &&
                         tip.contains(QString::number(row.pruneDrop, 'f', 3)),
                     qPrintable(tip));
            QVERIFY(cell.data(Qt::BackgroundRole).isValid());
        }
        QVERIFY(measured >= 9); // every Conv and the Gemm of fashion_cnn
        QVERIFY(worst > 0);

        // Sorted numerically, the worst layer comes first and is the reddest.
        QTableView* table = window.inspector()->table();
        table->sortByColumn(LayerTableModel::Sensitivity, Qt::DescendingOrder);
        const QModelIndex top = table->model()->index(0, LayerTableModel::Sensitivity);
        QVERIFY(std::abs(top.data(LayerTableModel::SortRole).toDouble() - worst) < 1e-9);
        const QColor red = top.data(Qt::BackgroundRole).value<QBrush>().color();
        QVERIFY2(red.hueF() < 0.02 || red.hueF() > 0.98, qPrintable(QString::number(red.hueF())));

        // The figures belong to that model: opening a model again starts from "not analysed".
        openSample(window);
        QVERIFY(!layers->hasSensitivity());
        QCOMPARE(layers->index(0, LayerTableModel::Sensitivity).data().toString(), QString("—"));
    }

    void cancelsTheSensitivityAnalysis() {
        MainWindow window;
        openSample(window);
        addSampleData(window.document(), 0); // all 2,000 images: long enough to cancel
        QSignalSpy progress(window.sensitivityJob(), &autoglm::studio::SensitivityJob::progress);
        QSignalSpy ended(&window, &MainWindow::sensitivityEnded);
        QVERIFY(window.analyzeSensitivity());
        QVERIFY(progress.wait(60000));
        QTest::mouseClick(window.inspector()->cancelAnalysisButton(), Qt::LeftButton);
        QVERIFY(ended.wait(60000));
        QCOMPARE(ended.front().at(0).toBool(), false);
        QVERIFY(!window.sensitivityJob()->isRunning());
        QVERIFY(!window.inspector()->layerModel()->hasSensitivity());
        QVERIFY(window.inspector()->analysisMessage().contains("cancelled"));
        QVERIFY(window.inspector()->analyzeButton()->isEnabled());
    }

    void switchesLanguageAndThemeLive() {
        MainWindow window;
        window.show();
        openSample(window);
        QMenu* file = window.menuBar()->actions().front()->menu();
        QDockWidget* inspector = dock(window, "inspectorDock");
        QAbstractItemModel* layers = window.inspector()->table()->model();
        const auto texts = [&] {
            return QStringList{file->title(), inspector->windowTitle(),
                               layers->headerData(0, Qt::Horizontal).toString(),
                               layers->headerData(LayerTableModel::Sensitivity, Qt::Horizontal).toString(),
                               window.runPanel()->runButton()->text(),
                               window.variants()->headerData(0, Qt::Horizontal, Qt::DisplayRole).toString(),
                               window.inspector()->analyzeButton()->text(),
                               window.tradeoffPlot()->plot(TradeoffPlot::Size)->yAxis->label()};
        };
        const QStringList english = texts();
        QCOMPARE(english.front(), QString("&File"));

        StudioSettings settings = StudioSettings::load();
        settings.language = "zh_CN";
        window.applySettings(settings);
        QCOMPARE(currentLanguage(), QString("zh_CN"));
        QTRY_COMPARE(file->title(), QString("文件(&F)"));
        QApplication::processEvents(); // queued rebuilds (the stage form)
        const QStringList chinese = texts();
        qInfo() << chinese;
        QCOMPARE(chinese.at(1), QString("模型检查器"));
        QCOMPARE(chinese.at(2), QString("层"));
        for (int i = 0; i < english.size(); ++i)
            QVERIFY2(chinese.at(i) != english.at(i), qPrintable(english.at(i) + " was not translated live"));
        QCOMPARE(StudioSettings::load().language, QString("zh_CN")); // kept for the next start too

        settings.language = "en";
        window.applySettings(settings);
        QTRY_COMPARE(file->title(), QString("&File"));
        QCOMPARE(texts(), english);

        // Themes: the window's palette and the plots' colours change at once.
        QCustomPlot* plot = window.tradeoffPlot()->plot(TradeoffPlot::Latency);
        settings.theme = "dark";
        window.applySettings(settings);
        QTRY_COMPARE(window.palette().color(QPalette::Window), QColor(0x2b, 0x2b, 0x2b));
        QTRY_COMPARE(plot->xAxis->labelColor(), QColor(0xe6, 0xe6, 0xe6));
        settings.theme = "light";
        window.applySettings(settings);
        QTRY_VERIFY(window.palette().color(QPalette::Window).lightness() > 200);
        QTRY_VERIFY(plot->xAxis->labelColor().lightness() < 80);
        settings.theme = "system";
        window.applySettings(settings);
    }

    void autoTunesFromTheGui() {
        QTemporaryDir dir;
        MainWindow window;
        openSample(window);
        addSampleData(window.document(), 200);
        QVERIFY(window.savePipelineAs(dir.path() + "/sample.autoglm.json"));
        TuneRequest request;
        request.options.objective = "size";
        request.options.budget = 3.0; // points of top-1 on 200 images: a few images
        request.options.channelShares.clear();
        request.evaluation = "test";
        request.outputDir = dir.path() + "/tune";
        window.tuneController()->setOpenBestAnswer([] { return int(QMessageBox::Yes); });
        QSignalSpy ended(&window, &MainWindow::tuneEnded);
        guitest::Heartbeat heartbeat;
        QVERIFY(window.autoTune(request));
        QVERIFY(!window.runPanel()->runButton()->isEnabled()); // one job at a time
        QVERIFY(ended.wait(300000));
        heartbeat.stop();
        qInfo("longest event-loop gap while tuning: %lld ms", heartbeat.worstGapMs());
        QCOMPARE(ended.front().at(0).toString(), QString("complete"));
        QVERIFY2(heartbeat.worstGapMs() < 100,
                 qPrintable(QString("event loop stalled for %1 ms").arg(heartbeat.worstGapMs())));

        // What the core wrote.
        const QString out = dir.path() + "/tune";
        for (const char* f : {"tune.json", "sensitivity.csv", "best.onnx", "best.autoglm.json"})
            QVERIFY2(QFileInfo::exists(out + "/" + f), f);
        QVERIFY(!QFileInfo::exists(autoglm::studio::TuneJob::stagingFolder(out)));
        std::ifstream in((out + "/tune.json").toStdString());
        const nlohmann::json tune = nlohmann::json::parse(in);
        QVERIFY(tune["best"].is_string());
        const auto& log = tune["log"];
        const QString bestId = QString::fromStdString(tune["best"].get<std::string>());
        size_t best = 0;
        while (best < log.size() && log[best]["id"] != tune["best"])
            ++best;
        QVERIFY(best < log.size());

        // Every measured candidate is a variant (after the original), the best selected, on the plot too.
        QCOMPARE(window.variants()->rowCount(), int(log.size()) + 1);
        QCOMPARE(window.variantTable()->selectedVariant(), bestId);
        const autoglm::VariantResult* v = window.variants()->results().variant(bestId.toStdString());
        QVERIFY(v);
        QCOMPARE(v->fileBytes, log[best]["result"]["file_bytes"].get<int64_t>());
        QCOMPARE(v->primary(), log[best]["result"]["metrics"][v->primaryMetric].get<double>());
        QVERIFY(window.tradeoffPlot()->variantPoints(TradeoffPlot::Size) >= 1);
        // ...and the best pipeline is the current one.
        QCOMPARE(QFileInfo(window.document()->filePath()).fileName(), QString("best.autoglm.json"));
        QVERIFY(window.document()->model()->toSpec().stages.size() >= 1);
    }

    void cancelledTuneLeavesNoFiles() {
        QTemporaryDir dir;
        MainWindow window;
        openSample(window);
        addSampleData(window.document(), 0);
        TuneRequest request;
        request.options.channelShares.clear();
        request.evaluation = "test";
        request.outputDir = dir.path() + "/tune";
        QSignalSpy progress(window.tuneController()->job(), &autoglm::studio::TuneJob::progress);
        QSignalSpy ended(&window, &MainWindow::tuneEnded);
        QVERIFY(window.autoTune(request));
        QVERIFY(progress.wait(60000));
        QTest::mouseClick(window.runPanel()->cancelButton(), Qt::LeftButton);
        QVERIFY(ended.wait(60000));
        QCOMPARE(ended.front().at(0).toString(), QString("cancelled"));
        const QDir out(request.outputDir);
        QVERIFY2(!out.exists() || out.entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot).isEmpty(),
                 qPrintable(out.entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot).join(", ")));
        QVERIFY(window.runPanel()->runButton()->isEnabled());
    }
};

QTEST_MAIN(StudioAnalysesTest)
#include "tst_studio_analyses.moc"
