#pragma once
// Loads and summarizes a model on a worker thread (parsing and the shape-inference run take far more than the
// 50 ms the GUI thread may spend) and reports back through queued signals.

#include "pipeline/model/InputShapes.h"
#include "pipeline/model/ModelSummary.h"

#include <QFutureWatcher>
#include <QObject>
#include <QString>

namespace autoglm::studio {

class ModelLoadJob : public QObject {
    Q_OBJECT

public:
    explicit ModelLoadJob(QObject* parent = nullptr);
    ~ModelLoadJob() override;

    // trustTorchScript: the user agreed to load a TorchScript archive (which runs code it carries).
    // inputShapes: what the open pipeline declares for this model's inputs (its input_shapes).
    void start(const QString& path, bool trustTorchScript = false, const autoglm::InputShapes& inputShapes = {});
    bool isRunning() const;
    // Abandons the job in flight: its result is dropped when it arrives, and neither signal is emitted.
    void cancel();

Q_SIGNALS:
    void started(const QString& path);
    void succeeded(const QString& path, const autoglm::ModelSummary& summary);
    void failed(const QString& path, const QString& message);

private:
    struct Outcome {
        QString path;
        bool ok = false;
        QString error;
        ModelSummary summary;
    };
    QFutureWatcher<Outcome>* m_watcher = nullptr;
    quint64 m_generation = 0;
};

} // namespace autoglm::studio

Q_DECLARE_METATYPE(autoglm::ModelSummary)
