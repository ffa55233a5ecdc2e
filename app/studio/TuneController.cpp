#include "TuneController.h"

#include "widgets/RunPanel.h"
#include "widgets/TuneDialog.h"
#include "widgets/VariantTable.h"
#include "widgets/VariantTableModel.h"

#include <QApplication>
#include <QFileInfo>
#include <QMessageBox>

namespace autoglm::studio {
namespace {
// The Run panel's overall bar: the sensitivity probes, the search, and the export of the best, in turn.
constexpr double kSensitivityEnd = 0.2;
constexpr double kSearchEnd = 0.9;
} // namespace

TuneController::TuneController(widgets::RunPanel* panel, widgets::VariantTableModel* variants,
                               widgets::VariantTable* table, std::function<bool(const QString&)> openPipeline,
                               QObject* parent)
    : QObject(parent), m_panel(panel), m_variants(variants), m_table(table), m_openPipeline(std::move(openPipeline)),
      m_job(new TuneJob(this)) {
    connect(m_panel, &widgets::RunPanel::cancelRequested, m_job, &TuneJob::cancel);
    connect(m_job, &TuneJob::progress, this, &TuneController::onProgress);
    connect(m_job, &TuneJob::finished, this, &TuneController::onFinished);
    connect(m_job, &TuneJob::stopped, this, [this](const QString& message, bool cancelled) {
        m_panel->log(message);
        m_panel->runEnded(cancelled ? "cancelled" : "failed");
        Q_EMIT ended(cancelled ? "cancelled" : "failed", message);
    });
}

QString TuneController::phaseName(const QString& phase) const {
    if (phase == "sensitivity")
        return tr("Per-layer sensitivity");
    if (phase == "search")
        return tr("Search");
    return tr("Export the best");
}

QString TuneController::start(PipelineSpec spec, const widgets::TuneRequest& request, int threads,
                              bool trustTorchScript) {
    if (m_job->isRunning())
        return tr("Auto-tuning is already running");
    spec.evaluation.dataset = request.evaluation;
    TuneOptions options = request.options;
    options.threads = threads;
    options.trustTorchScript = trustTorchScript;
    if (const QString error = m_job->start(spec, options, request.outputDir); !error.isEmpty())
        return error;
    m_variants->clear();
    m_panel->planned({phaseName("sensitivity"), phaseName("search"), phaseName("export")}, {}, 0);
    m_panel->log(tr("Auto-tuning %1 for the %2 within %3")
                     .arg(QFileInfo(QString::fromStdString(spec.resolve(spec.model).string())).fileName(),
                          options.objective == "latency" ? tr("lowest latency") : tr("smallest file"))
                     .arg(options.budget));
    return {};
}

void TuneController::onProgress(const QString& phase, double fraction, const QString& message) {
    const double from = phase == "sensitivity" ? 0 : phase == "search" ? kSensitivityEnd : kSearchEnd;
    const double to = phase == "sensitivity" ? kSensitivityEnd : phase == "search" ? kSearchEnd : 1.0;
    // A phase that starts means the ones before it are done.
    if (phase != "sensitivity")
        m_panel->stageFinished(phaseName("sensitivity"), QString());
    if (phase == "export")
        m_panel->stageFinished(phaseName("search"), QString());
    m_panel->stageProgress(phaseName(phase), fraction, from + (to - from) * fraction, message);
}

RunResults TuneController::candidatesTable(const TuneOutcome& outcome) {
    RunResults table;
    table.pipeline = "auto-tune";
    table.original = outcome.tune.original;
    table.original.id = "original";
    for (size_t i = 0; i < outcome.tune.log.size(); ++i) {
        const TuneCandidate& c = outcome.tune.log[i];
        VariantResult v = c.result;
        v.id = c.id;
        v.planIndex = static_cast<int64_t>(i);
        v.description = c.phase + ": " + c.description;
        v.file.clear();
        if (static_cast<int64_t>(i) == outcome.tune.best && !outcome.bestModel.isEmpty())
            v.file = outcome.bestModel.toStdString(); // absolute: it is not in a run's output folder
        table.variants.push_back(std::move(v));
    }
    table.plannedVariants = static_cast<int64_t>(table.variants.size());
    return table;
}

void TuneController::onFinished(const TuneOutcome& outcome) {
    m_panel->stageFinished(phaseName("sensitivity"), QString());
    m_panel->stageFinished(phaseName("search"), QString());
    m_panel->stageFinished(phaseName("export"), QString());
    m_variants->setResults(candidatesTable(outcome));
    const bool found = outcome.tune.best >= 0;
    const QString bestId = found ? QString::fromStdString(outcome.tune.log[size_t(outcome.tune.best)].id) : QString();
    if (found)
        m_table->selectVariant(bestId);
    m_panel->log(found ? tr("Best within budget: %1 — %2; wrote %3")
                             .arg(bestId,
                                  QString::fromStdString(outcome.tune.log[size_t(outcome.tune.best)].description),
                                  outcome.bestPipeline)
                       : tr("No candidate stays within the budget; the variant table shows how close each came"));
    m_panel->runEnded("complete");
    Q_EMIT ended("complete", QString());
    if (!found)
        return;
    int answer = QMessageBox::No;
    if (m_openAnswer)
        answer = m_openAnswer();
    else if (QApplication::platformName() != "offscreen") // offscreen nobody could answer a modal box
        answer = QMessageBox::question(m_table->window(), tr("Auto-tuning done"),
                                       tr("The best variant is %1. Open %2 as the current pipeline?")
                                           .arg(bestId, QFileInfo(outcome.bestPipeline).fileName()),
                                       QMessageBox::Yes | QMessageBox::No, QMessageBox::Yes);
    if (answer == QMessageBox::Yes)
        m_openPipeline(outcome.bestPipeline);
}

} // namespace autoglm::studio
