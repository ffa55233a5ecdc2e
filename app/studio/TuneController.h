#pragma once
// Drives Run ▸ Auto-tune…: the dialog's request goes to a TuneJob on a worker; its progress shows in the Run
// panel (whose Cancel stops it), the candidates it measured land in the variant table and the trade-off plot
// (the best one selected), and the best.autoglm.json it wrote is offered as the current pipeline.

#include "TuneJob.h"

#include <QObject>

#include <functional>

namespace autoglm::widgets {
class RunPanel;
class VariantTable;
class VariantTableModel;
struct TuneRequest;
} // namespace autoglm::widgets

namespace autoglm::studio {

class TuneController : public QObject {
    Q_OBJECT

public:
    // `openPipeline` opens a pipeline file as the current one (the window's, with its unsaved-changes prompt).
    TuneController(widgets::RunPanel* panel, widgets::VariantTableModel* variants, widgets::VariantTable* table,
                   std::function<bool(const QString&)> openPipeline, QObject* parent = nullptr);

    TuneJob* job() const { return m_job; }
    bool isRunning() const { return m_job->isRunning(); }
    // Starts the search; returns why it cannot (nothing starts then).
    QString start(PipelineSpec spec, const widgets::TuneRequest& request, int threads, bool trustTorchScript);
    void cancel() { m_job->cancel(); }
    // The candidates of a search as a results table: the original, then every measured candidate.
    static RunResults candidatesTable(const TuneOutcome& outcome);
    // Whether to open the best pipeline: asked by a dialog unless a test sets an answer (QMessageBox::Yes/No).
    void setOpenBestAnswer(std::function<int()> answer) { m_openAnswer = std::move(answer); }

Q_SIGNALS:
    // "complete", "cancelled" or "failed" (then `message` says why).
    void ended(const QString& status, const QString& message);

private:
    void onProgress(const QString& phase, double fraction, const QString& message);
    void onFinished(const TuneOutcome& outcome);
    QString phaseName(const QString& phase) const;

    widgets::RunPanel* m_panel;
    widgets::VariantTableModel* m_variants;
    widgets::VariantTable* m_table;
    std::function<bool(const QString&)> m_openPipeline;
    std::function<int()> m_openAnswer;
    TuneJob* m_job;
};

} // namespace autoglm::studio
