// The studio window (offscreen): loading on a worker without stalling the event loop, the layer table,
// filtering, drag and drop, and errors.
#include "MainWindow.h"
#include "widgets/LayerTableModel.h"
#include "widgets/ModelInspector.h"

#include <QElapsedTimer>
#include <QLineEdit>
#include <QMimeData>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include <filesystem>
#include <fstream>

using autoglm::studio::MainWindow;

namespace {
const QString kFashion = QString(AUTOGLM_FIXTURES) + "/fashion_cnn.onnx";

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
        if (!QFileInfo::exists(kFashion))
            QSKIP("fixtures missing");
    }

    void loadsOnAWorkerWithoutStallingTheEventLoop() {
        MainWindow window;
        window.show();
        QSignalSpy shown(&window, &MainWindow::modelShown);
        QElapsedTimer sinceBeat;
        qint64 worstGap = 0;
        QTimer heartbeat;
        heartbeat.setInterval(5);
        connect(&heartbeat, &QTimer::timeout, [&] { worstGap = std::max(worstGap, sinceBeat.restart()); });
        sinceBeat.start();
        heartbeat.start();
        window.openModel(kFashion);
        QVERIFY(shown.wait(60000));
        heartbeat.stop();
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

QTEST_MAIN(StudioTest)
#include "tst_studio.moc"
