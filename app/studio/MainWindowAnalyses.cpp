// The main window's wiring of the analyses that are not pipeline runs: the inspector's per-layer sensitivity
// (SensitivityJob) and Run ▸ Auto-tune… (TuneController). Both run on workers; this only connects views.
#include "MainWindow.h"

#include "JobController.h"
#include "ModelLoadJob.h"
#include "SensitivityJob.h"
#include "TuneController.h"
#include "widgets/ModelInspector.h"
#include "widgets/PipelineDocument.h"
#include "widgets/StudioSettings.h"
#include "widgets/TuneDialog.h"

#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QStandardPaths>

namespace autoglm::studio {

void MainWindow::connectAnalyses() {
    connect(m_inspector, &widgets::ModelInspector::analyzeRequested, this, &MainWindow::analyzeSensitivity);
    connect(m_inspector, &widgets::ModelInspector::cancelAnalysisRequested, m_sensitivity, &SensitivityJob::cancel);
    connect(m_sensitivity, &SensitivityJob::started, m_inspector, &widgets::ModelInspector::analysisStarted);
    connect(m_sensitivity, &SensitivityJob::progress, m_inspector, &widgets::ModelInspector::analysisProgressed);
    // Figures belong to the model they were measured on: a result for a model no longer shown is dropped.
    connect(m_sensitivity, &SensitivityJob::finished, this,
            [this](const QString& model, const SensitivityTable& table) {
                if (model == m_currentModel)
                    m_inspector->setSensitivity(table);
                Q_EMIT sensitivityEnded(model == m_currentModel);
            });
    connect(m_sensitivity, &SensitivityJob::stopped, this, [this](const QString& model, const QString& message) {
        if (model == m_currentModel)
            m_inspector->analysisStopped(message);
        Q_EMIT sensitivityEnded(false);
    });
    connect(m_loadJob, &ModelLoadJob::started, m_sensitivity, &SensitivityJob::cancel);
    connect(m_tune, &TuneController::ended, this, [this](const QString& status, const QString& message) {
        m_status->setText(status == "complete" ? tr("Auto-tuning complete") : message);
        Q_EMIT tuneEnded(status);
    });
}

bool MainWindow::trusted(const QString& model) const {
    return m_trustedTorchScript.contains(QFileInfo(model).absoluteFilePath());
}

bool MainWindow::analyzeSensitivity() {
    const PipelineSpec spec = m_document->model()->toSpec();
    const QString error = m_sensitivity->start(spec, m_currentModel, trusted(m_currentModel),
                                               widgets::StudioSettings::load().runThreads());
    if (!error.isEmpty()) {
        // Said where the user looks, not only in the status bar: the analysis needs something first.
        m_inspector->analysisStopped(error);
        m_status->setText(error);
        return false;
    }
    return true;
}

QString MainWindow::tuneOutputDir() const {
    // Beside the run's folder: x.autoglm.json runs into x-results, tunes into x-tune.
    QString folder = runOutputDir();
    if (folder.endsWith("-results"))
        folder.chop(QString("-results").size());
    return folder + "-tune";
}

void MainWindow::showTuneDialog() {
    const PipelineSpec spec = m_document->model()->toSpec();
    if (spec.model.empty()) {
        showError(tr("Nothing to tune"), tr("Open a model first (File ▸ Open Model)."));
        return;
    }
    widgets::TuneDialog dialog(spec, tuneOutputDir(), this);
    if (dialog.exec() == QDialog::Accepted)
        autoTune(dialog.request());
}

bool MainWindow::autoTune(const widgets::TuneRequest& request) {
    if (m_jobs->isRunning()) {
        showError(tr("Auto-tuning could not start"), tr("A pipeline run is going; wait for it or cancel it."));
        return false;
    }
    const PipelineSpec spec = m_document->model()->toSpec();
    const QString model = QString::fromStdString(spec.resolve(spec.model).string());
    const QString error = m_tune->start(spec, request, widgets::StudioSettings::load().runThreads(), trusted(model));
    if (!error.isEmpty()) {
        showError(tr("Auto-tuning could not start"), error);
        return false;
    }
    m_status->setText(tr("Auto-tuning %1…").arg(QFileInfo(model).fileName()));
    return true;
}

} // namespace autoglm::studio
