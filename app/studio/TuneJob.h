#pragma once
// Runs the core's accuracy-budget auto-tuner (autoTune, as `autoglm tune` does) on a worker QThread, then the
// best candidate once more as a pipeline of its own to write its ONNX file. Everything is written into a
// hidden staging folder inside the output folder and moved into place only when the whole job succeeded, so
// a cancelled or failed job leaves no partial files behind. Events come back as queued signals.

#include "pipeline/runner/AutoTune.h"

#include <QObject>
#include <QString>

#include <optional>
#include <stop_token>

class QThread;

namespace autoglm::studio {

struct TuneOutcome {
    TuneResult tune;
    RunResults best;      // the best candidate's export run (its one variant), when one fits the budget
    QString outputDir;    // absolute
    QString bestPipeline; // outputDir/best.autoglm.json; empty when nothing fits the budget
    QString bestModel;    // outputDir/best.onnx
};

class TuneJob : public QObject {
    Q_OBJECT

public:
    explicit TuneJob(QObject* parent = nullptr);
    // Stops a search still going and waits for it: the worker must not outlive what it reports to.
    ~TuneJob() override;

    bool isRunning() const { return m_thread != nullptr; }
    // Starts tuning `spec`'s model within `options`; returns why it cannot start (nothing starts then).
    QString start(const PipelineSpec& spec, const TuneOptions& options, const QString& outputDir);
    void cancel();
    // The hidden folder the job works in inside `outputDir` (removed at the end, whatever the end).
    static QString stagingFolder(const QString& outputDir);

Q_SIGNALS:
    // phase: "sensitivity", "search" or "export"; fraction of that phase.
    void progress(const QString& phase, double fraction, const QString& message);
    void finished(const autoglm::studio::TuneOutcome& outcome);
    // Failed or cancelled: nothing was left in the output folder.
    void stopped(const QString& message, bool cancelled);

private:
    void report(const QString& phase, double fraction, const std::string& message);

    QThread* m_thread = nullptr;
    std::stop_source m_stop;
    std::optional<TuneOutcome> m_outcome; // written by the worker, read after it finished
    QString m_error;
    qint64 m_lastProgressMs = 0; // worker thread only
};

} // namespace autoglm::studio

Q_DECLARE_METATYPE(autoglm::studio::TuneOutcome)
