// The pipeline editor (offscreen): the graph model headless, the canvas through simulated drops, mouse drags
// and keys, the stage form's checks, undo/redo restoring exactly, and pipeline files saved and read back.
#include "pipeline/runner/PipelineSpec.h"
#include "widgets/ConnectionItem.h"
#include "widgets/DataPanel.h"
#include "widgets/PipelineCanvas.h"
#include "widgets/PipelineDocument.h"
#include "widgets/PipelineScene.h"
#include "widgets/PipelineView.h"
#include "widgets/SettingsDialog.h"
#include "widgets/StageForm.h"
#include "widgets/StageKinds.h"
#include "widgets/StageNodeItem.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLineEdit>
#include <QMimeData>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest>

#include "GuiTestSupport.h"

using namespace autoglm;
using namespace autoglm::widgets;
using GraphModel = PipelineGraphModel;

using guitest::dropStage;

namespace {

std::string specText(const PipelineDocument& doc) {
    return doc.model()->toSpec().toJson().dump();
}

DatasetSpec calibrationData() {
    DatasetSpec d;
    d.id = "calib";
    d.images = std::string(AUTOGLM_FIXTURES) + "/fashion_calib_images.npy";
    d.labels = std::string(AUTOGLM_FIXTURES) + "/fashion_calib_labels.npy";
    return d;
}


// Presses the left button at scene point `from`, moves in steps and releases at `to`.
void dragMouse(PipelineView* view, QPointF from, QPointF to) {
    QWidget* vp = view->viewport();
    const QPoint a = view->mapFromScene(from), b = view->mapFromScene(to);
    QTest::mousePress(vp, Qt::LeftButton, Qt::NoModifier, a);
    for (int i = 1; i <= 5; ++i) {
        const QPoint p = a + (b - a) * i / 5;
        QMouseEvent move(QEvent::MouseMove, QPointF(p), vp->mapToGlobal(QPointF(p)), Qt::NoButton, Qt::LeftButton,
                         Qt::NoModifier);
        QApplication::sendEvent(vp, &move);
    }
    QTest::mouseRelease(vp, Qt::LeftButton, Qt::NoModifier, b);
}

QPointF centre(StageNodeItem* item) {
    return item->mapToScene(QPointF(StageNodeItem::kWidth / 2, StageNodeItem::kHeight / 2));
}

} // namespace

class PipelineEditorTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void buildsThroughTheModel() {
        PipelineDocument doc;
        doc.edit("datasets", [](GraphModel& m) {
            m.setModelPath("/models/fashion_cnn.onnx");
            m.setDatasets({calibrationData()});
            return true;
        });
        GraphModel* m = doc.model();
        const int prune = m->addStage("prune");
        const int quant = m->addStage("quantize", std::nullopt, prune);
        const int out = m->addStage("export", std::nullopt, quant);
        const int quant2 = m->addStage("quantize"); // a branch straight off the source
        QCOMPARE(m->stage(quant2)->id, std::string("quantize_2"));
        QCOMPARE(m->stage(quant)->calibration, std::string("calib")); // the first dataset by default
        QCOMPARE(m->stage(out)->output, std::string("{variant}.onnx"));
        QCOMPARE(m->depth(out), 3);

        PipelineSpec spec = m->toSpec();
        QVERIFY2(spec.validate().ok(), spec.validate().ok() ? "" : spec.validate().message().c_str());
        QCOMPARE(spec.stages.size(), size_t(4));
        QCOMPARE(spec.stages[0].id, std::string("prune"));
        QCOMPARE(spec.stages[1].after, std::string("prune"));
        QCOMPARE(spec.stages[2].after, std::string("quantize"));
        QCOMPARE(spec.stages[3].after, std::string("source"));

        // One parent each, no cycles, exports end a branch.
        QVERIFY(!m->connectionProblem(out, prune).isEmpty());
        QVERIFY(!m->connectionProblem(prune, GraphModel::kSourceNode).isEmpty());
        QVERIFY(m->connectionProblem(quant, prune).contains("cycle"));
        QVERIFY(m->connectStages(prune, quant2));
        QCOMPARE(m->parentNode(quant2), prune);

        // Renaming keeps the children's links; removing re-parents them.
        QVERIFY(m->renameStage(prune, "sparse").isEmpty());
        QVERIFY(!m->renameStage(quant, "sparse").isEmpty());
        QVERIFY(!m->renameStage(quant, "source").isEmpty());
        QCOMPARE(m->toSpec().stage("quantize")->after, std::string("sparse"));
        QVERIFY(m->removeStage(prune));
        QCOMPARE(m->parentNode(quant), GraphModel::kSourceNode);
        QCOMPARE(m->parentNode(quant2), GraphModel::kSourceNode);
        QVERIFY(m->toSpec().validate().ok());
    }

    void buildsWithTheMouse() {
        PipelineDocument doc;
        doc.model()->setDatasets({calibrationData()});
        PipelineCanvas canvas(&doc);
        canvas.resize(1000, 600);
        canvas.show();
        QVERIFY(QTest::qWaitForWindowExposed(&canvas));
        PipelineView* view = canvas.view();
        PipelineScene* scene = canvas.scene();

        // Dropped on empty canvas: a stage reading the source, where it was dropped.
        dropStage(view, "prune", QPointF(300, 0));
        QCOMPARE(doc.model()->nodes().size(), size_t(1));
        const int prune = doc.model()->nodes().front();
        QCOMPARE(doc.model()->parentNode(prune), GraphModel::kSourceNode);
        QCOMPARE(doc.model()->position(prune), QPointF(300 - StageNodeItem::kWidth / 2, -StageNodeItem::kHeight / 2));
        QCOMPARE(scene->selectedNodes(), std::vector<int>{prune});

        // Dropped on the prune node: reads it.
        dropStage(view, "quantize", centre(scene->nodeItem(prune)));
        const int quant = doc.model()->nodes().back();
        QCOMPARE(doc.model()->parentNode(quant), prune);
        QVERIFY(scene->connectionTo(quant));

        // A second branch from the source, then re-connected by dragging from prune's output port onto it.
        dropStage(view, "evaluate", QPointF(300, 250));
        const int eval = doc.model()->nodes().back();
        QCOMPARE(doc.model()->parentNode(eval), GraphModel::kSourceNode);
        dragMouse(view, scene->nodeItem(prune)->outputPort(), centre(scene->nodeItem(eval)));
        QCOMPARE(doc.model()->parentNode(eval), prune);
        QCOMPARE(scene->connectionTo(eval)->parentNode(), prune);

        // A drag that would make a cycle is refused with the reason.
        dragMouse(view, scene->nodeItem(quant)->outputPort(), centre(scene->nodeItem(prune)));
        QCOMPARE(doc.model()->parentNode(prune), GraphModel::kSourceNode);
        QVERIFY(canvas.message().contains("cycle"));

        // Dragging a node's body moves it, one undo step.
        const int stepsBefore = doc.undoStack()->count();
        const QPointF before = doc.model()->position(eval);
        dragMouse(view, centre(scene->nodeItem(eval)), centre(scene->nodeItem(eval)) + QPointF(40, 60));
        QCOMPARE(doc.model()->position(eval), before + QPointF(40, 60));
        QCOMPARE(doc.undoStack()->count(), stepsBefore + 1);

        // Select with a click, Delete removes it; its parent's other child stays.
        QTest::mouseClick(view->viewport(), Qt::LeftButton, Qt::NoModifier,
                          view->mapFromScene(centre(scene->nodeItem(quant))));
        QCOMPARE(scene->selectedNodes(), std::vector<int>{quant});
        QTest::keyClick(view->viewport(), Qt::Key_Delete);
        QVERIFY(!doc.model()->hasNode(quant));
        QVERIFY(!scene->nodeItem(quant));
        QCOMPARE(doc.model()->nodes().size(), size_t(2));

        // The source cannot be deleted.
        scene->selectNode(GraphModel::kSourceNode);
        QTest::keyClick(view->viewport(), Qt::Key_Delete);
        QVERIFY(scene->nodeItem(GraphModel::kSourceNode));

        // Wheel zooms.
        const double zoom = view->zoom();
        QWheelEvent wheel(QPointF(200, 200), view->viewport()->mapToGlobal(QPointF(200, 200)), QPoint(), QPoint(0, 120),
                          Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(view->viewport(), &wheel);
        QVERIFY(view->zoom() > zoom);

        // Auto-layout puts each stage one column right of its parent.
        canvas.autoLayout();
        QCOMPARE(doc.model()->position(eval).x(), doc.model()->position(prune).x() + 230);
        QCOMPARE(scene->nodeItem(eval)->pos(), doc.model()->position(eval));
    }

    void undoRedoRestoresExactly() {
        PipelineDocument doc;
        PipelineCanvas canvas(&doc);
        StageForm form(&doc);
        std::vector<std::string> states{specText(doc)};
        auto record = [&] { states.push_back(specText(doc)); };
        doc.edit("data", [](GraphModel& m) {
            m.setDatasets({calibrationData()});
            return true;
        });
        record();
        const int prune = canvas.appendStage("prune");
        record();
        canvas.scene()->selectNode(prune);
        const int quant = canvas.appendStage("quantize");
        record();
        doc.edit("move", [&](GraphModel& m) { return m.moveStage(quant, QPointF(500, 120)); });
        record();
        form.showNode(prune);
        auto* sparsity = qobject_cast<QLineEdit*>(form.editor("sparsity"));
        QVERIFY(sparsity);
        sparsity->setText("0.7");
        Q_EMIT sparsity->editingFinished();
        record();
        canvas.autoLayout();
        record();
        canvas.scene()->selectNode(quant);
        canvas.scene()->removeSelected();
        record();
        QCOMPARE(doc.undoStack()->count(), int(states.size()) - 1);

        auto canvasMatchesModel = [&] {
            for (int node : doc.model()->nodes()) {
                StageNodeItem* item = canvas.scene()->nodeItem(node);
                if (!item || item->pos() != doc.model()->position(node))
                    return false;
                if (!canvas.scene()->connectionTo(node))
                    return false;
            }
            return size_t(canvas.scene()->items().size()) ==
                   1 + 2 * doc.model()->nodes().size(); // source, nodes, curves
        };
        for (size_t i = states.size() - 1; i > 0; --i) {
            doc.undoStack()->undo();
            QCOMPARE(specText(doc), states[i - 1]);
            QVERIFY(canvasMatchesModel());
        }
        QVERIFY(!doc.undoStack()->canUndo());
        for (size_t i = 1; i < states.size(); ++i) {
            doc.undoStack()->redo();
            QCOMPARE(specText(doc), states[i]);
            QVERIFY(canvasMatchesModel());
        }
        // Node ids survive undo, so the form still shows the same stage.
        form.showNode(prune);
        doc.undoStack()->undo();
        QVERIFY(doc.model()->hasNode(quant));
        QCOMPARE(form.node(), prune);
    }

    void formChecksThroughThePass() {
        PipelineDocument doc;
        doc.model()->setModelPath("/models/fashion_cnn.onnx");
        const int prune = doc.model()->addStage("prune");
        StageForm form(&doc);
        form.showNode(prune);
        auto* sparsity = qobject_cast<QLineEdit*>(form.editor("sparsity"));
        QVERIFY(sparsity);
        QCOMPARE(sparsity->text(), QString("0.5")); // the pass's default, shown
        QVERIFY(!sparsity->toolTip().isEmpty());

        sparsity->setText("1.5");
        Q_EMIT sparsity->editingFinished();
        QVERIFY2(form.message().contains("prune.sparsity is 1.5"), qPrintable(form.message()));
        QVERIFY(doc.model()->stage(prune)->params.empty()); // refused: nothing changed
        QCOMPARE(sparsity->text(), QString("0.5"));
        QCOMPARE(doc.undoStack()->count(), 0);

        sparsity->setText("0.3");
        Q_EMIT sparsity->editingFinished();
        QVERIFY(form.message().isEmpty());
        QCOMPARE(doc.model()->stage(prune)->params.value("sparsity", 0.0), 0.3);

        // Not a number at all.
        sparsity->setText("lots");
        Q_EMIT sparsity->editingFinished();
        QVERIFY(form.message().contains("lots"));

        // Choices come from the schema; a combination the pass refuses keeps the old value and says why.
        auto* pattern = qobject_cast<QComboBox*>(form.editor("pattern"));
        auto* method = qobject_cast<QComboBox*>(form.editor("method"));
        QVERIFY(pattern && method);
        method->setCurrentIndex(method->findText("sparsegpt"));
        Q_EMIT method->activated(method->currentIndex());
        QCOMPARE(doc.model()->stage(prune)->params.value("method", std::string()), std::string("sparsegpt"));
        QVERIFY(form.problem().contains("calibration")); // sparsegpt needs data the pipeline does not name yet
        QVERIFY(form.editor("sparsegpt_damp")->isEnabled());
        QVERIFY(!form.editor("criterion")->isEnabled()); // channel pruning only
        pattern->setCurrentIndex(pattern->findText("channels"));
        Q_EMIT pattern->activated(pattern->currentIndex());
        QVERIFY2(form.message().contains("method 'magnitude'"), qPrintable(form.message()));
        QCOMPARE(pattern->currentText(), QString("unstructured"));

        // Setting a value back to its default leaves the file without it.
        method->setCurrentIndex(method->findText("magnitude"));
        Q_EMIT method->activated(method->currentIndex());
        QVERIFY(!doc.model()->stage(prune)->params.contains("method"));

        // Nested and boolean fields.
        auto* keepLast = qobject_cast<QCheckBox*>(form.editor("layers.keep_last"));
        QVERIFY(keepLast);
        keepLast->click();
        QCOMPARE(doc.model()->stage(prune)->params["layers"]["keep_last"], nlohmann::json(true));

        // A sweep: values checked by the pass one by one.
        auto* sweepParam = qobject_cast<QComboBox*>(form.fieldEditor("sweep.param"));
        auto* sweepValues = qobject_cast<QLineEdit*>(form.fieldEditor("sweep.values"));
        QVERIFY(sweepParam && sweepValues);
        sweepParam->setCurrentIndex(sweepParam->findData("sparsity"));
        Q_EMIT sweepParam->activated(sweepParam->currentIndex());
        sweepValues->setText("0.25, 0.5, 1.5");
        Q_EMIT sweepValues->editingFinished();
        QVERIFY2(form.message().contains("sparsity is 1.5"), qPrintable(form.message()));
        QVERIFY(doc.model()->document().sweeps.empty());
        sweepValues->setText("0.25, 0.5, 0.75");
        Q_EMIT sweepValues->editingFinished();
        QCOMPARE(doc.model()->document().sweeps.size(), size_t(1));
        QCOMPARE(doc.model()->document().sweeps[0].values.size(), size_t(3));
        sweepParam->setCurrentIndex(0);
        Q_EMIT sweepParam->activated(0);
        QVERIFY(doc.model()->document().sweeps.empty());

        // Stage ids are checked too.
        auto* id = qobject_cast<QLineEdit*>(form.fieldEditor("id"));
        id->setText("source");
        Q_EMIT id->editingFinished();
        QVERIFY(!form.message().isEmpty());
        QCOMPARE(doc.model()->stage(prune)->id, std::string("prune"));
    }

    void editsAndPreviewsData() {
        const std::string samples = std::string(AUTOGLM_SOURCE_DIR) + "/resources/samples/fashion/";
        PipelineDocument doc;
        DataPanel panel(&doc);
        QSignalSpy previewed(&panel, &DataPanel::previewShown);
        const QString id = panel.addDataset();
        QCOMPARE(id, QString("data"));
        const int quant = doc.model()->addStage("quantize");
        QCOMPARE(doc.model()->stage(quant)->calibration, std::string("data"));

        auto set = [&](const std::string& field, const QString& text) {
            auto* edit = qobject_cast<QLineEdit*>(panel.fieldEditor(field));
            QVERIFY(edit);
            edit->setText(text);
            Q_EMIT edit->editingFinished();
        };
        set("images", QString::fromStdString(samples + "calib_images.npy"));
        set("labels", QString::fromStdString(samples + "calib_labels.npy"));
        QCOMPARE(doc.model()->document().dataset("data")->labels, samples + "calib_labels.npy");
        QTRY_VERIFY_WITH_TIMEOUT(panel.thumbnailCount() == 24, 20000);
        QVERIFY2(panel.previewSummary().contains("uint8 [1000, 1, 28, 28]"), qPrintable(panel.previewSummary()));
        QVERIFY(panel.previewSummary().contains("labels int64 [1000]"));

        set("samples", "many");
        QVERIFY(panel.message().contains("many"));
        QCOMPARE(doc.model()->document().dataset("data")->samples, 0);

        // Renaming follows into the stages; undo puts both back.
        set("id", "calib");
        QVERIFY(doc.model()->document().dataset("calib"));
        QCOMPARE(doc.model()->stage(quant)->calibration, std::string("calib"));
        doc.undoStack()->undo();
        QCOMPARE(doc.model()->stage(quant)->calibration, std::string("data"));

        // Text: the file's start, as text.
        QTemporaryDir dir;
        QFile text(dir.filePath("book.txt"));
        QVERIFY(text.open(QIODevice::WriteOnly));
        text.write("It is a truth universally acknowledged.");
        text.close();
        panel.addDataset("text");
        set("path", text.fileName());
        QTRY_VERIFY_WITH_TIMEOUT(panel.previewText().contains("universally"), 20000);
        QVERIFY(panel.previewSummary().contains("39 bytes"));
        panel.removeCurrent();
        QCOMPARE(doc.model()->document().datasets.size(), size_t(1));
    }

    void keepsPreferences() {
        QCoreApplication::setOrganizationName("Open-AutoGLM-tests");
        QSettings().clear();
        StudioSettings defaults = StudioSettings::load();
        QCOMPARE(defaults.threads, 0);
        QVERIFY(defaults.runThreads() >= 1);
        SettingsDialog noGpu(defaults, false);
        QCOMPARE(noGpu.device()->count(), 1); // CUDA only offered when there is a device
        SettingsDialog dialog(defaults, true);
        dialog.threads()->setValue(3);
        dialog.device()->setCurrentIndex(dialog.device()->findData("cuda"));
        dialog.language()->setCurrentIndex(dialog.language()->findData("zh_CN"));
        dialog.settings().save();
        const StudioSettings saved = StudioSettings::load();
        QCOMPARE(saved.threads, 3);
        QCOMPARE(saved.runThreads(), 3);
        QCOMPARE(saved.device, QString("cuda"));
        QCOMPARE(saved.language, QString("zh_CN"));
        QSettings().clear();
    }

    void savesAndReadsBack() {
        QTemporaryDir dir;
        const QString file = dir.path() + "/mine.autoglm.json";
        PipelineDocument doc;
        QSignalSpy dirty(&doc, &PipelineDocument::dirtyChanged);
        QString model = dir.path() + "/model.onnx";
        DatasetSpec local = calibrationData();
        local.id = "local";
        local.images = (dir.path() + "/data/images.npy").toStdString(); // inside the folder: written relative
        local.labels.clear();
        doc.edit("setup", [&](GraphModel& m) {
            m.setModelPath(model.toStdString());
            m.setDatasets({calibrationData(), local});
            return true;
        });
        QVERIFY(doc.isDirty());
        const int prune = doc.model()->addStage("prune");
        doc.edit("p", [&](GraphModel& m) { return m.setParams(prune, {{"pattern", "2:4"}}); });
        const int quant = doc.model()->addStage("quantize", std::nullopt, prune);
        doc.model()->addStage("export", std::nullopt, quant);
        doc.model()->addStage("evaluate");
        QVERIFY(doc.problem().isEmpty());
        const std::string before = specText(doc);

        QVERIFY(doc.save(file).isEmpty());
        QVERIFY(!doc.isDirty());
        QCOMPARE(doc.filePath(), QFileInfo(file).absoluteFilePath());
        // The CLI reads what the studio writes; paths inside the folder are relative.
        auto cli = loadPipelineFile(file.toStdString());
        QVERIFY2(cli.ok(), cli.ok() ? "" : cli.message().c_str());
        QCOMPARE(cli->model, std::string("model.onnx"));
        QCOMPARE(cli->dataset("local")->images, std::string("data/images.npy"));
        QCOMPARE(cli->dataset("calib")->images, calibrationData().images); // outside: stays absolute
        QCOMPARE(cli->name, std::string("mine"));

        PipelineDocument reopened;
        QVERIFY(reopened.open(file).isEmpty());
        nlohmann::json a = nlohmann::json::parse(before), b = reopened.model()->toSpec().toJson();
        a["name"] = "mine"; // named after the file on first save
        QCOMPARE(QString::fromStdString(b.dump(1)), QString::fromStdString(a.dump(1)));
        QVERIFY(!reopened.isDirty());

        // A broken file is refused with its error and the open pipeline stays.
        const QString broken = dir.path() + "/broken.autoglm.json";
        QFile f(broken);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"format": "autoglm-pipeline", "version": 1, "model": "m.onnx",
                    "stages": [{"id": "q", "kind": "quantize", "params": {"scheme": "w3"}}]})");
        f.close();
        const QString error = reopened.open(broken);
        QVERIFY2(error.contains("stages[0].params.scheme"), qPrintable(error));
        QCOMPARE(reopened.model()->toSpec().toJson(), b);
        QCOMPARE(reopened.filePath(), QFileInfo(file).absoluteFilePath());
    }
};

QTEST_MAIN(PipelineEditorTest)
#include "tst_pipeline_editor.moc"
