#include "MainWindow.h"

#include "Autosave.h"

#include "GenerationPreviewController.h"
#include "JobController.h"
#include "ModelLoadJob.h"
#include "SensitivityJob.h"
#include "TuneController.h"
#include "pipeline/exec/Executor.h"
#include "pipeline/torchscript/TorchScriptImport.h"
#include "widgets/DataPanel.h"
#include "widgets/GenerationPreview.h"
#include "widgets/ModelInspector.h"
#include "widgets/PipelineCanvas.h"
#include "widgets/PipelineDocument.h"
#include "widgets/PipelineScene.h"
#include "widgets/PipelineView.h"
#include "widgets/ReportWriter.h"
#include "widgets/RunPanel.h"
#include "widgets/SettingsDialog.h"
#include "widgets/StageForm.h"
#include "widgets/TradeoffPlot.h"
#include "widgets/TrainingPlot.h"
#include "widgets/TuneDialog.h"
#include "widgets/VariantTable.h"
#include "widgets/VariantTableModel.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QScrollArea>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QThread>
#include <QUndoStack>

namespace autoglm::studio {
namespace {
// A crash loses at most this much unsaved work.
constexpr int kAutosaveIntervalMs = 10000;
} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent), m_inspector(new widgets::ModelInspector(this)),
      m_document(new widgets::PipelineDocument(this)), m_canvas(new widgets::PipelineCanvas(m_document, this)),
      m_form(new widgets::StageForm(m_document, this)), m_data(new widgets::DataPanel(m_document, this)),
      m_runPanel(new widgets::RunPanel(this)), m_variants(new widgets::VariantTableModel(this)),
      m_plot(new widgets::TradeoffPlot(this)), m_table(new widgets::VariantTable(m_variants, this)),
      m_training(new widgets::TrainingPlot(this)), m_preview(new widgets::GenerationPreview(this)),
      m_jobs(new JobController(this)),
      m_previewController(new GenerationPreviewController(m_preview, m_variants, m_table, m_jobs, this)),
      m_loadJob(new ModelLoadJob(this)), m_sensitivity(new SensitivityJob(this)),
      m_tune(new TuneController(m_runPanel, m_variants, m_table, [this](const QString& f) { return openPipeline(f); },
                                this)),
      m_busy(new QProgressBar(this)), m_status(new QLabel(this)) {
    m_autosave = new Autosave(m_document, Autosave::defaultFolder(), kAutosaveIntervalMs, this);
    setAcceptDrops(true);
    resize(1400, 860);
    createDocks();
    connectRun();
    connectAnalyses();
    connect(m_canvas, &widgets::PipelineCanvas::nodeSelected, m_form, &widgets::StageForm::showNode);
    connect(m_document, &widgets::PipelineDocument::dirtyChanged, this, &MainWindow::updateTitle);
    connect(m_document, &widgets::PipelineDocument::filePathChanged, this, &MainWindow::updateTitle);
    updateTitle();

    m_busy->setRange(0, 0); // indeterminate: loading has no meaningful fraction
    m_busy->setMaximumWidth(160);
    m_busy->hide();
    statusBar()->addWidget(m_status, 1);
    statusBar()->addPermanentWidget(m_busy);
    m_status->setText(tr("Ready"));

    connect(m_loadJob, &ModelLoadJob::started, this, [this](const QString& path) {
        m_busy->show();
        m_status->setText(tr("Loading %1…").arg(QFileInfo(path).fileName()));
    });
    connect(m_loadJob, &ModelLoadJob::succeeded, this, [this](const QString& path, const ModelSummary& summary) {
        m_busy->hide();
        m_currentModel = path;
        m_inspector->setSummary(summary);
        m_previewController->setOriginalModel(path, summary);
        // The open pipeline compresses the model the user looks at (an undoable edit like any other).
        const std::string model = path.toStdString();
        if (m_document->model()->document().model != model)
            m_document->edit(tr("Set source model"), [&](widgets::PipelineGraphModel& m) {
                m.setModelPath(model);
                return true;
            });
        m_status->setText(tr("Loaded %1: %n layer(s)", nullptr, static_cast<int>(summary.layers.size()))
                              .arg(QFileInfo(path).fileName()));
        addRecentFile(path);
        Q_EMIT modelShown(path);
    });
    connect(m_loadJob, &ModelLoadJob::failed, this, [this](const QString& path, const QString& message) {
        m_busy->hide();
        m_status->setText(tr("Could not open %1").arg(QFileInfo(path).fileName()));
        Q_EMIT modelFailed(path, message);
        showError(tr("Could not open model"), message);
    });
    createMenus();
}

bool MainWindow::offerRecovery() {
    if (!m_autosave->hasRecovery())
        return false;
    const QString file = m_autosave->recoveryDocumentFile();
    const QString name = file.isEmpty() ? tr("an untitled pipeline") : QFileInfo(file).fileName();
    const int answer =
        m_recoveryAnswer ? m_recoveryAnswer()
                         : QMessageBox::question(this, tr("Recover unsaved work"),
                                                 tr("The last session ended without saving %1 (autosaved %2). "
                                                    "Recover the unsaved changes?")
                                                     .arg(name, QLocale().toString(m_autosave->recoverySavedAt(),
                                                                                   QLocale::ShortFormat)),
                                                 QMessageBox::Yes | QMessageBox::No, QMessageBox::Yes);
    if (answer != QMessageBox::Yes) {
        m_autosave->discard();
        return false;
    }
    if (const QString error = m_autosave->recover(); !error.isEmpty()) {
        showError(tr("Could not recover the pipeline"), error);
        return false;
    }
    return true;
}

QDockWidget* MainWindow::addDock(QWidget* widget, std::function<QString()> title, const QString& name,
                                 Qt::DockWidgetArea area) {
    auto* dock = new QDockWidget(this);
    translated([dock, title = std::move(title)] { dock->setWindowTitle(title()); });
    dock->setObjectName(name); // saveState needs names
    dock->setWidget(widget);
    addDockWidget(area, dock);
    return dock;
}

void MainWindow::createDocks() {
    // Every view is a dock the user can move, stack or close; the canvas is simply the largest one.
    setDockNestingEnabled(true);
    auto* formScroll = new QScrollArea(this);
    formScroll->setWidgetResizable(true);
    formScroll->setWidget(m_form);
    QDockWidget* canvas = addDock(m_canvas, [] { return tr("Pipeline"); }, "pipelineDock", Qt::LeftDockWidgetArea);
    QDockWidget* form = addDock(formScroll, [] { return tr("Stage"); }, "stageDock", Qt::RightDockWidgetArea);
    QDockWidget* data = addDock(m_data, [] { return tr("Data"); }, "dataDock", Qt::RightDockWidgetArea);
    tabifyDockWidget(form, data);
    form->raise();
    QDockWidget* inspector = addDock(m_inspector, [] { return tr("Model inspector"); }, "inspectorDock", Qt::BottomDockWidgetArea);
    QDockWidget* run = addDock(m_runPanel, [] { return tr("Run"); }, "runDock", Qt::BottomDockWidgetArea);
    QDockWidget* plot = addDock(m_plot, [] { return tr("Trade-offs"); }, "tradeoffDock", Qt::BottomDockWidgetArea);
    QDockWidget* table = addDock(m_table, [] { return tr("Variants"); }, "variantDock", Qt::BottomDockWidgetArea);
    QDockWidget* training = addDock(m_training, [] { return tr("Training"); }, "trainingDock", Qt::BottomDockWidgetArea);
    QDockWidget* preview = addDock(m_preview, [] { return tr("Generation Preview"); }, "generationDock", Qt::BottomDockWidgetArea);
    // Bottom row: the inspector, run and table share tabs on the left, the plots sit beside them.
    splitDockWidget(inspector, plot, Qt::Horizontal);
    tabifyDockWidget(inspector, run);
    tabifyDockWidget(run, table);
    tabifyDockWidget(plot, training);
    // Beside the variant table's group, so that choosing a variant and reading its answer need no tab switch.
    tabifyDockWidget(training, preview);
    inspector->raise();
    plot->raise();
    resizeDocks({canvas, form}, {900, 420}, Qt::Horizontal);
    resizeDocks({canvas, inspector}, {470, 360}, Qt::Vertical);
    resizeDocks({inspector, plot}, {800, 600}, Qt::Horizontal);
}

void MainWindow::connectRun() {
    using widgets::RunPanel;
    connect(m_runPanel, &RunPanel::runRequested, this, &MainWindow::runPipeline);
    connect(m_runPanel, &RunPanel::cancelRequested, m_jobs, &JobController::cancel);
    connect(m_jobs, &JobController::planned, m_runPanel, &RunPanel::planned);
    connect(m_jobs, &JobController::runStarted, m_runPanel, &RunPanel::log);
    connect(m_jobs, &JobController::stageStarted, m_runPanel, &RunPanel::stageStarted);
    connect(m_jobs, &JobController::stageProgress, m_runPanel, &RunPanel::stageProgress);
    connect(m_jobs, &JobController::stageFinished, m_runPanel, &RunPanel::stageFinished);
    connect(m_jobs, &JobController::stageFailed, m_runPanel, &RunPanel::stageFailed);
    connect(m_jobs, &JobController::stageCancelled, m_runPanel, &RunPanel::stageCancelled);
    connect(m_jobs, &JobController::variantMeasured, m_variants, &widgets::VariantTableModel::addVariant);
    connect(m_jobs, &JobController::stageMetric, m_training, &widgets::TrainingPlot::addMetrics);
    connect(m_jobs, &JobController::planned, m_training, &widgets::TrainingPlot::clear);
    connect(m_variants, &widgets::VariantTableModel::resultsChanged, this,
            [this] { m_plot->setResults(m_variants->results()); });
    connect(m_jobs, &JobController::finished, this, [this](const RunResults& results) {
        m_variants->setResults(results); // the final table, as written to results.json
        const QString status = QString::fromStdString(results.status);
        m_runPanel->runEnded(status);
        m_status->setText(tr("Run %1: results in %2").arg(status, m_jobs->outputDir()));
        Q_EMIT runEnded(status);
    });
    connect(m_jobs, &JobController::failed, this, [this](const QString& message) {
        m_runPanel->log(message);
        m_runPanel->runEnded("failed");
        showError(tr("The run could not start"), message);
        Q_EMIT runFailed(message);
        Q_EMIT runEnded("failed");
    });
    connect(m_plot, &widgets::TradeoffPlot::variantSelected, m_table, &widgets::VariantTable::selectVariant);
    connect(m_table, &widgets::VariantTable::variantSelected, m_plot, &widgets::TradeoffPlot::selectVariant);
    // The selected variant's stages are marked on the canvas (the original marks none).
    auto markChain = [this](const QString& id) {
        const VariantResult* v = m_variants->results().variant(id.toStdString());
        m_canvas->scene()->highlightChain(v ? v->chain : std::vector<std::string>{});
    };
    connect(m_table, &widgets::VariantTable::variantSelected, this, markChain);
    connect(m_plot, &widgets::TradeoffPlot::variantSelected, this, markChain);
    auto updateBlocker = [this] { m_runPanel->setBlocker(m_document->problem()); };
    connect(m_document->model(), &widgets::PipelineGraphModel::changed, this, updateBlocker);
    updateBlocker();
}

QString MainWindow::runOutputDir() const {
    const QString file = m_document->filePath();
    if (!file.isEmpty()) {
        // Beside the pipeline, named like the CLI's default (`autoglm run x.autoglm.json` → x-results).
        const QFileInfo info(file);
        QString stem = info.fileName();
        stem.chop(QString(".autoglm.json").size());
        return info.absoluteDir().filePath(stem + "-results");
    }
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation))
        .filePath("runs/untitled-" + QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss"));
}

QString MainWindow::chooseFile(const QString& title, const QString& suggested, const QString& filter) {
    return QFileDialog::getSaveFileName(this, title, suggested, filter);
}

bool MainWindow::exportChart(int axis, const QString& chosen) {
    const QString file = chosen.isEmpty() ? chooseFile(tr("Export Chart"), m_jobs->outputDir() + "/tradeoff.png",
                                                       tr("PNG image (*.png);;SVG drawing (*.svg);;PDF (*.pdf)"))
                                          : chosen;
    if (file.isEmpty())
        return false;
    const QString error = m_plot->saveChart(widgets::TradeoffPlot::Axis(axis), file);
    if (!error.isEmpty())
        showError(tr("Could not export the chart"), error);
    return error.isEmpty();
}

bool MainWindow::exportTable(const QString& chosen) {
    const QString file = chosen.isEmpty()
                             ? chooseFile(tr("Export Table"), m_jobs->outputDir() + "/variants.csv", tr("CSV (*.csv)"))
                             : chosen;
    if (file.isEmpty())
        return false;
    const QString error = widgets::saveVariantCsv(m_variants->results(), file);
    if (!error.isEmpty())
        showError(tr("Could not export the table"), error);
    return error.isEmpty();
}

bool MainWindow::exportReport(const QString& chosen) {
    const QString file =
        chosen.isEmpty() ? chooseFile(tr("Export Report"), m_jobs->outputDir() + "/report.html", tr("HTML (*.html)"))
                         : chosen;
    if (file.isEmpty())
        return false;
    m_plot->setResults(m_variants->results()); // drawn now, so the embedded charts are current
    const QString error = widgets::saveHtmlReport(m_variants->results(), m_document->model()->toSpec(), m_plot, file);
    if (!error.isEmpty())
        showError(tr("Could not export the report"), error);
    return error.isEmpty();
}

bool MainWindow::exportVariantModel(const QString& chosen) {
    // The run wrote the variant's ONNX file through its export stage; this copies that file.
    const RunResults& results = m_variants->results();
    const VariantResult* v = results.variant(m_table->selectedVariant().toStdString());
    if (!v || v->file.empty()) {
        showError(tr("No ONNX file for this variant"),
                  tr("Select a variant whose stages end in an Export stage, and run the pipeline."));
        return false;
    }
    const QString source = QDir(m_jobs->outputDir()).filePath(QString::fromStdString(v->file));
    const QString file =
        chosen.isEmpty() ? chooseFile(tr("Export Variant"), QFileInfo(source).fileName(), tr("ONNX (*.onnx)")) : chosen;
    if (file.isEmpty())
        return false;
    const QString part = file + ".part";
    QFile::remove(part);
    bool ok = QFile::copy(source, part);
    if (ok) {
        QFile::remove(file);
        ok = QFile::rename(part, file);
    }
    QFile::remove(part);
    if (!ok)
        showError(tr("Could not export the variant"), tr("Copying %1 to %2 failed").arg(source, file));
    return ok;
}

bool MainWindow::runPipeline() {
    if (m_jobs->isRunning() || m_tune->isRunning())
        return false;
    RunOptions options;
    options.outputDir = runOutputDir().toStdString();
    // By default every core but one computes: the one left keeps the window responsive.
    const widgets::StudioSettings settings = widgets::StudioSettings::load();
    options.threads = settings.runThreads();
    options.device = settings.device.toStdString();
    const PipelineSpec spec = m_document->model()->toSpec();
    // A TorchScript model runs only when the user allowed it in this session (openModel asked).
    options.trustTorchScript = m_trustedTorchScript.contains(
        QFileInfo(QString::fromStdString(spec.resolve(spec.model).string())).absoluteFilePath());
    m_variants->clear();
    const QString error = m_jobs->start(spec, options);
    if (!error.isEmpty()) {
        showError(tr("The run could not start"), error);
        Q_EMIT runFailed(error);
        return false;
    }
    m_status->setText(tr("Running %1…").arg(m_document->displayName()));
    return true;
}

void MainWindow::showError(const QString& title, const QString& message) {
    m_status->setText(title);
    // Offscreen (tests, screenshots) nobody could dismiss a modal box; the signals carry the message there.
    if (QApplication::platformName() != "offscreen")
        QMessageBox::warning(this, title, message);
}

void MainWindow::updateTitle() {
    setWindowTitle(tr("%1[*] — Open-AutoGLM Studio").arg(m_document->displayName()));
    setWindowModified(m_document->isDirty());
}

bool MainWindow::isPipelineFile(const QString& path) {
    return path.endsWith(".autoglm.json", Qt::CaseInsensitive);
}

void MainWindow::openPath(const QString& path) {
    if (isPipelineFile(path))
        openPipeline(path);
    else
        openModel(path);
}

bool MainWindow::maybeSave() {
    if (!m_document->isDirty())
        return true;
    int answer = QMessageBox::Cancel;
    if (m_unsavedAnswer) {
        answer = m_unsavedAnswer();
    } else if (QApplication::platformName() != "offscreen") { // offscreen nobody could answer: keep the work
        answer = QMessageBox::question(
            this, tr("Unsaved changes"),
            tr("The pipeline %1 has changes that are not saved. Save them?").arg(m_document->displayName()),
            QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    }
    if (answer == QMessageBox::Save)
        return savePipeline();
    return answer == QMessageBox::Discard;
}

bool MainWindow::newPipeline() {
    if (!maybeSave())
        return false;
    const std::string model = m_currentModel.toStdString();
    m_document->newPipeline();
    m_document->model()->setModelPath(model); // a new pipeline starts from the model on screen
    m_document->undoStack()->setClean();
    m_form->showNode(-1);
    m_status->setText(tr("New pipeline"));
    return true;
}

bool MainWindow::openPipeline(const QString& file) {
    if (!maybeSave())
        return false;
    // Pipeline files are a few kilobytes of JSON, read here; the model they name loads on the worker.
    const QString error = m_document->open(file);
    if (!error.isEmpty()) {
        Q_EMIT pipelineFailed(file, error);
        showError(tr("Could not open pipeline"), error);
        return false;
    }
    m_form->showNode(-1);
    m_canvas->view()->fitAll();
    addRecentFile(QFileInfo(file).absoluteFilePath());
    m_status->setText(tr("Opened pipeline %1").arg(QFileInfo(file).fileName()));
    const PipelineSpec& pipeline = m_document->model()->document();
    const QString model = QString::fromStdString(pipeline.model);
    // The same model reloads when the pipeline declares its input shapes: the summary depends on them.
    if (!model.isEmpty() && (model != m_currentModel || !pipeline.inputShapes.empty()))
        openModel(model);
    return true;
}

bool MainWindow::savePipeline() {
    if (m_document->filePath().isEmpty())
        return savePipelineAs();
    return savePipelineAs(m_document->filePath());
}

bool MainWindow::savePipelineAs(const QString& chosen) {
    QString file = chosen;
    if (file.isEmpty()) {
        file = QFileDialog::getSaveFileName(this, tr("Save Pipeline"), m_document->filePath(),
                                            tr("Pipelines (*.autoglm.json)"));
        if (file.isEmpty())
            return false;
        if (!isPipelineFile(file))
            file += ".autoglm.json";
    }
    const QString error = m_document->save(file);
    if (!error.isEmpty()) {
        showError(tr("Could not save pipeline"), error);
        return false;
    }
    addRecentFile(QFileInfo(file).absoluteFilePath());
    const QString problem = m_document->problem();
    m_status->setText(problem.isEmpty()
                          ? tr("Saved %1").arg(QFileInfo(file).fileName())
                          : tr("Saved %1; before it can run: %2").arg(QFileInfo(file).fileName(), problem));
    return true;
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (maybeSave()) {
        m_autosave->discard(); // a clean end: saved, or the changes given up
        event->accept();
    } else {
        event->ignore();
    }
}

void MainWindow::openModel(const QString& path) {
    const QString absolute = QFileInfo(path).absoluteFilePath();
    const bool torchScript = isTorchScriptFile(absolute.toStdString());
    if (torchScript && !confirmTorchScript(absolute)) {
        m_status->setText(tr("Did not open %1").arg(QFileInfo(path).fileName()));
        Q_EMIT modelDeclined(absolute);
        return;
    }
    m_loadJob->start(absolute, torchScript, m_document->model()->document().inputShapesFor(absolute.toStdString()));
}

bool MainWindow::confirmTorchScript(const QString& path) {
    if (m_trustedTorchScript.contains(path))
        return true;
    int answer = QMessageBox::No;
    if (m_torchScriptAnswer)
        answer = m_torchScriptAnswer(path);
    else if (QApplication::platformName() != "offscreen") // offscreen nobody could answer a modal box
        answer = QMessageBox::question(
            this, tr("Open TorchScript model?"),
            tr("%1 is a TorchScript archive. Loading it runs code stored in the file, with your permissions. "
               "Open it only if you trust where it comes from.")
                .arg(QFileInfo(path).fileName()),
            QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
    if (answer != QMessageBox::Yes)
        return false;
    m_trustedTorchScript.insert(path);
    return true;
}

bool MainWindow::isModelFile(const QString& path) {
    const QFileInfo info(path);
    if (info.isDir())
        return QFileInfo::exists(info.absoluteFilePath() + "/config.json"); // a Hugging Face checkpoint
    const QString suffix = info.suffix().toLower();
    return suffix == "onnx" || suffix == "pt" || suffix == "pth" || suffix == "safetensors" ||
           info.fileName() == "config.json";
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    const auto urls = event->mimeData()->urls();
    if (urls.size() == 1 && urls.front().isLocalFile() &&
        (isModelFile(urls.front().toLocalFile()) || isPipelineFile(urls.front().toLocalFile())))
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const auto urls = event->mimeData()->urls();
    if (urls.size() != 1 || !urls.front().isLocalFile())
        return;
    event->acceptProposedAction();
    openPath(urls.front().toLocalFile());
}

} // namespace autoglm::studio
