#pragma once
// Runs the core's per-layer sensitivity analysis (analyzeSensitivity, as `autoglm sensitivity` does) on a
// worker QThread: the model is loaded there, the pipeline's evaluation data judges every probe, progress and
// the table come back as queued signals, and Cancel stops the core through a std::stop_token.

#include "pipeline/runner/PipelineSpec.h"
#include "pipeline/runner/Sensitivity.h"

#include <QObject>
#include <QString>

#include <optional>
#include <stop_token>

class QThread;

namespace autoglm::studio {

class SensitivityJob : public QObject {
    Q_OBJECT

public:
    explicit SensitivityJob(QObject* parent = nullptr);
    // Stops an analysis still going and waits for it: the worker must not outlive what it reports to.
    ~SensitivityJob() override;

    bool isRunning() const { return m_thread != nullptr; }
    // The dataset an analysis of `spec` is judged on: its evaluation data, else its first dataset; null when
    // the pipeline has no data at all.
    static const DatasetSpec* dataFor(const PipelineSpec& spec);
    // Starts analysing `model` with `spec`'s data; returns why it cannot start (nothing starts then).
    QString start(const PipelineSpec& spec, const QString& model, bool trustTorchScript, int threads);
    void cancel();

Q_SIGNALS:
    void started(const QString& model);
    void progress(double fraction, const QString& message);
    void finished(const QString& model, const autoglm::SensitivityTable& table);
    // Failed or cancelled: no table. `cancelled` tells the two apart.
    void stopped(const QString& model, const QString& message, bool cancelled);

private:
    void report(double fraction, const std::string& message);

    QThread* m_thread = nullptr;
    std::stop_source m_stop;
    QString m_model;
    std::optional<SensitivityTable> m_outcome; // written by the worker, read after it finished
    QString m_error;
    qint64 m_lastProgressMs = 0; // worker thread only
};

} // namespace autoglm::studio

Q_DECLARE_METATYPE(autoglm::SensitivityTable)
