// The main window's menus, recent files, preferences and live retranslation: every text a menu, action or
// dock shows is set by a function kept in m_retranslators, so a language change sets them all again.
#include "MainWindow.h"

#include "GenerationPreviewController.h"
#include "JobController.h"
#include "TuneController.h"
#include "pipeline/exec/Executor.h"
#include "widgets/PipelineDocument.h"
#include "widgets/SettingsDialog.h"
#include "widgets/TradeoffPlot.h"
#include "widgets/VariantTableModel.h"

#include <QAction>
#include <QDockWidget>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QUndoStack>

namespace autoglm::studio {
namespace {
constexpr int kMaxRecentFiles = 8;
const char* kRecentKey = "recentFiles";
} // namespace

void MainWindow::translated(std::function<void()> setTexts) {
    setTexts();
    m_retranslators.push_back(std::move(setTexts));
}

QAction* MainWindow::addMenuAction(QMenu* menu, std::function<QString()> text, std::function<void()> slot) {
    QAction* action = menu->addAction(QString());
    connect(action, &QAction::triggered, this, [slot = std::move(slot)] { slot(); });
    translated([action, text = std::move(text)] { action->setText(text()); });
    return action;
}

QMenu* MainWindow::addMenu(QMenu* parent, std::function<QString()> title) {
    QMenu* menu = parent ? parent->addMenu(QString()) : menuBar()->addMenu(QString());
    translated([menu, title = std::move(title)] { menu->setTitle(title()); });
    return menu;
}

void MainWindow::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QMainWindow::changeEvent(event);
}

void MainWindow::retranslateUi() {
    for (const auto& setTexts : m_retranslators)
        setTexts();
    updateUndoActions();
    updateTitle();
    m_previewController->retranslate(); // a controller, not a widget: it hears no LanguageChange itself
}

void MainWindow::updateUndoActions() {
    // Own actions rather than QUndoStack's: those keep the prefix they were made with, in the old language.
    QUndoStack* stack = m_document->undoStack();
    m_undo->setEnabled(stack->canUndo());
    m_redo->setEnabled(stack->canRedo());
    m_undo->setText(stack->undoText().isEmpty() ? tr("&Undo") : tr("&Undo %1").arg(stack->undoText()));
    m_redo->setText(stack->redoText().isEmpty() ? tr("&Redo") : tr("&Redo %1").arg(stack->redoText()));
}

void MainWindow::applySettings(const widgets::StudioSettings& settings) {
    settings.save();
    widgets::applyTheme(settings.theme);
    widgets::applyLanguage(settings.language); // every widget hears QEvent::LanguageChange
}

void MainWindow::createMenus() {
    QMenu* file = addMenu(nullptr, [] { return tr("&File"); });
    addMenuAction(file, [] { return tr("&New Pipeline"); }, [this] { newPipeline(); })->setShortcut(QKeySequence::New);
    QAction* openPipelineAction = addMenuAction(file, [] { return tr("Open &Pipeline…"); }, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open Pipeline"), QString(),
                                                          tr("Pipelines (*.autoglm.json);;All files (*)"));
        if (!path.isEmpty())
            openPipeline(path);
    });
    translated([openPipelineAction] { openPipelineAction->setShortcut(QKeySequence(tr("Ctrl+Shift+O"))); });
    addMenuAction(file, [] { return tr("&Save Pipeline"); }, [this] { savePipeline(); })
        ->setShortcut(QKeySequence::Save);
    addMenuAction(file, [] { return tr("Save Pipeline &As…"); }, [this] { savePipelineAs(); })
        ->setShortcut(QKeySequence::SaveAs);
    file->addSeparator();
    addMenuAction(file, [] { return tr("&Open Model…"); }, [this] { showOpenDialog(); })
        ->setShortcut(QKeySequence::Open);
    addMenuAction(file, [] { return tr("Open &Checkpoint Folder…"); }, [this] {
        const QString folder = QFileDialog::getExistingDirectory(this, tr("Open Hugging Face Checkpoint Folder"));
        if (!folder.isEmpty())
            openModel(folder);
    });
    m_recentMenu = addMenu(file, [] { return tr("Open &Recent"); });
    rebuildRecentMenu();
    file->addSeparator();
    addMenuAction(file, [] { return tr("&Quit"); }, [this] { close(); })->setShortcut(QKeySequence::Quit);

    QMenu* edit = addMenu(nullptr, [] { return tr("&Edit"); });
    QUndoStack* stack = m_document->undoStack();
    m_undo = edit->addAction(QString(), stack, &QUndoStack::undo);
    m_undo->setShortcut(QKeySequence::Undo);
    m_redo = edit->addAction(QString(), stack, &QUndoStack::redo);
    m_redo->setShortcut(QKeySequence::Redo);
    connect(stack, &QUndoStack::indexChanged, this, &MainWindow::updateUndoActions);
    connect(stack, &QUndoStack::cleanChanged, this, &MainWindow::updateUndoActions);
    updateUndoActions();
    edit->addSeparator();
    addMenuAction(edit, [] { return tr("&Preferences…"); }, [this] {
        widgets::SettingsDialog dialog(widgets::StudioSettings::load(), cudaAvailable(), this);
        if (dialog.exec() == QDialog::Accepted)
            applySettings(dialog.settings());
    })->setShortcut(QKeySequence::Preferences);

    QMenu* exports = addMenu(nullptr, [] { return tr("E&xport"); });
    addMenuAction(exports, [] { return tr("Accuracy vs &Latency Chart…"); },
                  [this] { exportChart(widgets::TradeoffPlot::Latency); });
    addMenuAction(exports, [] { return tr("Accuracy vs &Size Chart…"); },
                  [this] { exportChart(widgets::TradeoffPlot::Size); });
    addMenuAction(exports, [] { return tr("Variant &Table (CSV)…"); }, [this] { exportTable(); });
    addMenuAction(exports, [] { return tr("HTML &Report…"); }, [this] { exportReport(); });
    addMenuAction(exports, [] { return tr("Selected Variant as &ONNX…"); }, [this] { exportVariantModel(); });
    // Exports need a run's results.
    connect(exports, &QMenu::aboutToShow, this, [this, exports] {
        for (QAction* a : exports->actions())
            a->setEnabled(!m_variants->results().original.id.empty());
    });

    QMenu* run = addMenu(nullptr, [] { return tr("&Run"); });
    QAction* runAction = addMenuAction(run, [] { return tr("&Run Pipeline"); }, [this] { runPipeline(); });
    translated([runAction] { runAction->setShortcut(QKeySequence(tr("Ctrl+R"))); });
    addMenuAction(run, [] { return tr("&Cancel Run"); }, [this] {
        m_jobs->cancel();
        m_tune->cancel();
    });
    run->addSeparator();
    addMenuAction(run, [] { return tr("Analyze &Sensitivity"); }, [this] { analyzeSensitivity(); });
    addMenuAction(run, [] { return tr("&Auto-tune…"); }, [this] { showTuneDialog(); });

    m_viewMenu = addMenu(nullptr, [] { return tr("&View"); });
    for (QDockWidget* dock : findChildren<QDockWidget*>())
        m_viewMenu->addAction(dock->toggleViewAction()); // its text follows the dock's title

    QMenu* help = addMenu(nullptr, [] { return tr("&Help"); });
    addMenuAction(help, [] { return tr("&About"); }, [this] {
        QMessageBox::about(this, tr("About Open-AutoGLM Studio"),
                           tr("Open-AutoGLM Studio 0.1: inspect ONNX models, TorchScript archives and Hugging Face "
                              "checkpoints, and build prune, quantize and distill pipelines that the autoglm command "
                              "runs."));
    });
}

void MainWindow::showOpenDialog() {
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open Model"), QString(), tr("Models (*.onnx *.pt *.pth config.json *.safetensors);;All files (*)"));
    if (!path.isEmpty())
        openModel(path);
}

void MainWindow::addRecentFile(const QString& path) {
    QSettings settings;
    QStringList recent = settings.value(kRecentKey).toStringList();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kMaxRecentFiles)
        recent.removeLast();
    settings.setValue(kRecentKey, recent);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    m_recentMenu->clear();
    const QStringList recent = QSettings().value(kRecentKey).toStringList();
    for (const QString& path : recent)
        m_recentMenu->addAction(QFileInfo(path).fileName(), this, [this, path] { openPath(path); })->setToolTip(path);
    m_recentMenu->setEnabled(!recent.isEmpty());
}

} // namespace autoglm::studio
