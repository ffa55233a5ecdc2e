#include "MainWindow.h"

#include "ModelLoadJob.h"
#include "widgets/ModelInspector.h"

#include <QAction>
#include <QApplication>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QSettings>
#include <QStatusBar>

namespace autoglm::studio {
namespace {
constexpr int kMaxRecentFiles = 8;
const char* kRecentKey = "recentFiles";
} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent), m_inspector(new widgets::ModelInspector(this)), m_loadJob(new ModelLoadJob(this)),
      m_busy(new QProgressBar(this)), m_status(new QLabel(this)) {
    setWindowTitle(tr("Open-AutoGLM Studio"));
    setAcceptDrops(true);
    setCentralWidget(m_inspector);
    resize(1200, 760);

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
        setWindowTitle(tr("%1 — Open-AutoGLM Studio").arg(QFileInfo(path).fileName()));
        m_status->setText(tr("Loaded %1: %n layer(s)", nullptr, static_cast<int>(summary.layers.size()))
                              .arg(QFileInfo(path).fileName()));
        addRecentFile(path);
        Q_EMIT modelShown(path);
    });
    connect(m_loadJob, &ModelLoadJob::failed, this, [this](const QString& path, const QString& message) {
        m_busy->hide();
        m_status->setText(tr("Could not open %1").arg(QFileInfo(path).fileName()));
        Q_EMIT modelFailed(path, message);
        if (QApplication::platformName() != "offscreen")
            QMessageBox::warning(this, tr("Could not open model"), message);
    });
    createMenus();
}

void MainWindow::createMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open Model…"), this, &MainWindow::showOpenDialog);
    open->setShortcut(QKeySequence::Open);
    file->addAction(tr("Open &Checkpoint Folder…"), this, [this] {
        const QString folder = QFileDialog::getExistingDirectory(this, tr("Open Hugging Face Checkpoint Folder"));
        if (!folder.isEmpty())
            openModel(folder);
    });
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    rebuildRecentMenu();
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About"), this, [this] {
        QMessageBox::about(this, tr("About Open-AutoGLM Studio"),
                           tr("Open-AutoGLM Studio 0.1: inspect ONNX models and Hugging Face checkpoints. "
                              "Compression passes, the pipeline canvas and trade-off plots are not part of this "
                              "version yet."));
    });
}

void MainWindow::showOpenDialog() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Model"), QString(),
                                                      tr("Models (*.onnx config.json *.safetensors);;All files (*)"));
    if (!path.isEmpty())
        openModel(path);
}

void MainWindow::openModel(const QString& path) {
    m_loadJob->start(QFileInfo(path).absoluteFilePath());
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
    if (urls.size() == 1 && urls.front().isLocalFile() && isModelFile(urls.front().toLocalFile()))
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const auto urls = event->mimeData()->urls();
    if (urls.size() != 1 || !urls.front().isLocalFile())
        return;
    event->acceptProposedAction();
    openModel(urls.front().toLocalFile());
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
        m_recentMenu->addAction(QFileInfo(path).fileName(), this, [this, path] { openModel(path); })->setToolTip(path);
    m_recentMenu->setEnabled(!recent.isEmpty());
}

} // namespace autoglm::studio
