#pragma once
// Runs a pipeline (autoglm::runPipeline, the same Runner as `autoglm run`) on a worker QThread and turns its
// events into queued signals, so the GUI thread only ever updates views. Cancel asks the Runner to stop
// through a std::stop_source; the run then ends with the variants measured so far. One run at a time.

#include "pipeline/runner/Runner.h"

#include <QObject>
#include <QString>
#include <QStringList>
#include <QVariantMap>

#include <optional>
#include <stop_token>

class QThread;

namespace autoglm::studio {

class JobController : public QObject {
    Q_OBJECT

public:
    explicit JobController(QObject* parent = nullptr);
    // Stops a run still going and waits for it: the worker must not outlive the objects it reports to.
    ~JobController() override;

    bool isRunning() const;
    // Plans the pipeline (planning errors are returned, nothing starts) and starts the run.
    QString start(const PipelineSpec& spec, const RunOptions& options);
    void cancel();
    QString outputDir() const { return m_outputDir; }

Q_SIGNALS:
    // The planned stages (ids and kinds, parents first) and the number of variants.
    void planned(const QStringList& stages, const QStringList& kinds, int variants);
    void runStarted(const QString& message);
    void stageStarted(const QString& stage, const QString& kind);
    void stageProgress(const QString& stage, double fraction, double overall, const QString& message);
    // A training step's figures (distillation: step, loss, lr, validation).
    void stageMetric(const QString& stage, const QVariantMap& metrics);
    void stageFinished(const QString& stage, const QString& message);
    void stageFailed(const QString& stage, const QString& message);
    void stageCancelled(const QString& stage);
    void variantMeasured(const autoglm::VariantResult& variant);
    // The whole table (status complete or cancelled), written to outputDir() too.
    void finished(const autoglm::RunResults& results);
    // The run could not start (a missing model or dataset file): nothing was measured.
    void failed(const QString& message);

private:
    void onEvent(const RunEvent& event);

    QThread* m_thread = nullptr;
    std::stop_source m_stop;
    QString m_outputDir;
    std::optional<RunResults> m_outcome; // written by the worker, read after it finished
    QString m_error;
    qint64 m_lastProgressMs = 0; // worker thread only: progress events are thinned to what a screen shows
};

} // namespace autoglm::studio

Q_DECLARE_METATYPE(autoglm::VariantResult)
Q_DECLARE_METATYPE(autoglm::RunResults)
