#include "ModelLoadJob.h"

#include "pipeline/model/ModelLoader.h"

#include <QtConcurrent>

namespace autoglm::studio {

ModelLoadJob::ModelLoadJob(QObject* parent) : QObject(parent) {
    qRegisterMetaType<autoglm::ModelSummary>();
}

// The worker captures only the path and reports through the watcher, a child of this object: a job still
// running when we go is simply dropped.
ModelLoadJob::~ModelLoadJob() = default;

bool ModelLoadJob::isRunning() const {
    return m_watcher && m_watcher->isRunning();
}

void ModelLoadJob::cancel() {
    ++m_generation;
    m_watcher = nullptr; // the old watcher deletes itself when its worker ends
}

void ModelLoadJob::start(const QString& path, bool trustTorchScript, const InputShapes& inputShapes) {
    cancel();
    const quint64 generation = m_generation;
    auto* watcher = new QFutureWatcher<Outcome>(this);
    m_watcher = watcher;
    connect(watcher, &QFutureWatcher<Outcome>::finished, this, [this, watcher, generation] {
        const Outcome outcome = watcher->result();
        watcher->deleteLater();
        if (generation != m_generation)
            return;
        m_watcher = nullptr;
        if (outcome.ok)
            Q_EMIT succeeded(outcome.path, outcome.summary);
        else
            Q_EMIT failed(outcome.path, outcome.error);
    });
    Q_EMIT started(path);
    watcher->setFuture(QtConcurrent::run([path, trustTorchScript, inputShapes]() {
        Outcome outcome;
        outcome.path = path;
        try {
            ModelLoadOptions options;
            options.trustTorchScript = trustTorchScript;
            options.inputShapes = inputShapes;
            auto model = loadModel(path.toStdString(), options);
            if (!model) {
                outcome.error = QString::fromStdString(model.message());
                return outcome;
            }
            outcome.summary = summarizeModel(model.value());
            outcome.ok = true;
        } catch (const std::exception& e) {
            outcome.error = QString::fromUtf8(e.what());
        }
        return outcome;
    }));
}

} // namespace autoglm::studio
