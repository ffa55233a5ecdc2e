#include "SensitivityJob.h"

#include "pipeline/exec/Executor.h"
#include "pipeline/model/ModelLoader.h"
#include "pipeline/runner/Datasets.h"
#include "pipeline/runner/VariantEvaluator.h"

#include <QDateTime>
#include <QThread>

namespace autoglm::studio {
namespace {
// Progress faster than a screen shows would only flood the GUI thread's queue.
constexpr qint64 kProgressIntervalMs = 40;
// The share of the bar taken by computing the original's outputs, before the probes (as the CLI shows it).
constexpr double kOriginalShare = 0.05;
} // namespace

SensitivityJob::SensitivityJob(QObject* parent) : QObject(parent) {
    qRegisterMetaType<autoglm::SensitivityTable>();
}

SensitivityJob::~SensitivityJob() {
    if (m_thread) {
        m_stop.request_stop();
        m_thread->wait();
    }
}

const DatasetSpec* SensitivityJob::dataFor(const PipelineSpec& spec) {
    if (const DatasetSpec* d = spec.dataset(spec.evaluation.dataset))
        return d;
    return spec.datasets.empty() ? nullptr : &spec.datasets.front();
}

void SensitivityJob::cancel() {
    if (m_thread)
        m_stop.request_stop();
}

void SensitivityJob::report(double fraction, const std::string& message) {
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (fraction < 1.0 && now - m_lastProgressMs < kProgressIntervalMs)
        return;
    m_lastProgressMs = now;
    Q_EMIT progress(fraction, QString::fromStdString(message));
}

QString SensitivityJob::start(const PipelineSpec& spec, const QString& model, bool trustTorchScript, int threads) {
    if (m_thread)
        return tr("A sensitivity analysis is already running");
    if (model.isEmpty())
        return tr("Open a model first: the analysis probes the layers of the model on screen.");
    const DatasetSpec* data = dataFor(spec);
    if (!data)
        return tr("No data to judge the layers on: add an evaluation dataset in the Data panel (or open a pipeline "
                  "that has one), then analyse again.");
    m_stop = std::stop_source();
    m_model = model;
    m_outcome.reset();
    m_error.clear();
    m_lastProgressMs = 0;
    const std::stop_token stop = m_stop.get_token();
    const DatasetSpec dataset = *data;
    m_thread = QThread::create([this, spec, dataset, model, trustTorchScript, threads, stop] {
        try {
            setComputeThreads(threads);
            auto loaded = loadModel(model.toStdString(), {trustTorchScript, spec.inputShapesFor(model.toStdString())});
            if (!loaded) {
                m_error = QString::fromStdString(loaded.message());
                return;
            }
            auto samples = loadDataset(spec, dataset, loaded.value());
            if (!samples) {
                m_error = QString::fromStdString(samples.message());
                return;
            }
            const EvaluationSettings settings{spec.evaluation.samples, spec.evaluation.fidelity,
                                              spec.evaluation.fidelitySamples};
            auto evaluator = VariantEvaluator::create(
                loaded.value(), std::make_shared<const LoadedDataset>(samples.value()), settings,
                [this](double f) { report(kOriginalShare * f, "outputs of the original"); }, stop);
            if (!evaluator) {
                m_error = QString::fromStdString(evaluator.message());
                return;
            }
            PassContext context;
            context.stop = stop;
            context.progress = [this](const PassProgress& p) {
                report(kOriginalShare + (1 - kOriginalShare) * p.fraction, p.message);
            };
            auto table = analyzeSensitivity(loaded.value(), evaluator.value(), SensitivityOptions{}, context);
            if (table && !stop.stop_requested())
                m_outcome = std::move(table.value());
            else if (!table)
                m_error = QString::fromStdString(table.message());
        } catch (const std::exception& e) {
            // Whatever escapes the core must end this analysis, not the application.
            m_error = QString::fromUtf8(e.what());
        }
    });
    connect(m_thread, &QThread::finished, this, [this, stop] {
        m_thread->deleteLater();
        m_thread = nullptr;
        if (m_outcome)
            Q_EMIT finished(m_model, *m_outcome);
        else if (stop.stop_requested())
            Q_EMIT stopped(m_model, tr("Sensitivity analysis cancelled"), true);
        else
            Q_EMIT stopped(m_model, tr("Sensitivity analysis failed: %1").arg(m_error), false);
    });
    m_thread->start();
    Q_EMIT started(model);
    return {};
}

} // namespace autoglm::studio
