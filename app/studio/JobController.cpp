#include "JobController.h"

#include "pipeline/runner/PipelinePlan.h"

#include <QDateTime>
#include <QThread>

namespace autoglm::studio {
namespace {
// Progress faster than this is not seen on screen but would flood the GUI thread's queue.
constexpr qint64 kProgressIntervalMs = 40;

QString text(const std::string& s) {
    return QString::fromStdString(s);
}
} // namespace

JobController::JobController(QObject* parent) : QObject(parent) {
    qRegisterMetaType<autoglm::VariantResult>();
    qRegisterMetaType<autoglm::RunResults>();
}

JobController::~JobController() {
    if (m_thread) {
        m_stop.request_stop();
        m_thread->wait();
    }
}

bool JobController::isRunning() const {
    return m_thread != nullptr;
}

QString JobController::start(const PipelineSpec& spec, const RunOptions& options) {
    if (m_thread)
        return tr("A run is already going");
    if (auto s = spec.validate(); !s)
        return text(s.message());
    auto plan = planPipeline(spec);
    if (!plan)
        return text(plan.message());
    QStringList stages, kinds;
    for (const auto& stage : plan->stages) {
        stages << text(stage.id);
        kinds << text(stage.spec.kind);
    }
    Q_EMIT planned(stages, kinds, static_cast<int>(plan->variants.size()));

    m_stop = std::stop_source();
    m_outputDir = QString::fromStdString(options.outputDir.string());
    m_lastProgressMs = 0;
    const std::stop_token token = m_stop.get_token();
    // Signals emitted on the worker reach receivers in the GUI thread queued (they live there).
    m_outcome.reset();
    m_error.clear();
    m_thread = QThread::create([this, spec, options, token] {
        // The outcome is handed over when the thread has finished (QThread::finished below), so whoever hears
        // `finished` or `failed` sees isRunning() false and may start the next run.
        try {
            auto results = runPipeline(
                spec, options, [this](const RunEvent& e) { onEvent(e); }, token);
            if (results)
                m_outcome = std::move(results.value());
            else
                m_error = text(results.message());
        } catch (const std::exception& e) {
            // The Runner turns stage errors into failed variants; anything else still must not end the app.
            m_error = QString::fromUtf8(e.what());
        }
    });
    connect(m_thread, &QThread::finished, this, [this] {
        m_thread->deleteLater();
        m_thread = nullptr;
        if (m_outcome)
            Q_EMIT finished(*m_outcome);
        else
            Q_EMIT failed(m_error.isEmpty() ? tr("The run ended without results") : m_error);
    });
    m_thread->start();
    return {};
}

void JobController::cancel() {
    if (m_thread)
        m_stop.request_stop();
}

void JobController::onEvent(const RunEvent& e) {
    const QString stage = text(e.stage);
    switch (e.kind) {
    case RunEventKind::RunStarted:
        Q_EMIT runStarted(text(e.message));
        break;
    case RunEventKind::StageStarted:
        Q_EMIT stageStarted(stage, text(e.stageKind));
        break;
    case RunEventKind::StageProgress: {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        if (e.fraction < 1.0 && now - m_lastProgressMs < kProgressIntervalMs)
            break;
        m_lastProgressMs = now;
        Q_EMIT stageProgress(stage, e.fraction, e.overall, text(e.message));
        break;
    }
    case RunEventKind::StageMetric: {
        QVariantMap metrics;
        for (const auto& [name, value] : e.metrics)
            metrics.insert(text(name), value);
        Q_EMIT stageMetric(stage, metrics);
        break;
    }
    case RunEventKind::StageFinished:
        Q_EMIT stageFinished(stage, text(e.message));
        break;
    case RunEventKind::StageFailed:
        Q_EMIT stageFailed(stage, text(e.message));
        break;
    case RunEventKind::StageCancelled:
        Q_EMIT stageCancelled(stage);
        break;
    case RunEventKind::VariantMeasured:
        if (e.variant)
            Q_EMIT variantMeasured(*e.variant); // copied: the pointer is only valid during the callback
        break;
    case RunEventKind::RunFinished:
        break; // `finished` carries the table
    }
}

} // namespace autoglm::studio
