#include "TuneJob.h"

#include "pipeline/common/AtomicFile.h"

#include <QDateTime>
#include <QDir>
#include <QThread>

#include <filesystem>

namespace autoglm::studio {
namespace fs = std::filesystem;
namespace {
constexpr qint64 kProgressIntervalMs = 40; // faster progress is not seen, only queued
const char* kStaging = ".autoglm-tune-partial";

// Moves every entry of `from` into `to`, replacing what is there (same file system: renames).
bool moveEntries(const fs::path& from, const fs::path& to, std::string& error) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(from, ec)) {
        const fs::path target = to / entry.path().filename();
        fs::remove_all(target, ec);
        fs::rename(entry.path(), target, ec);
        if (ec) {
            error = "cannot move " + entry.path().string() + " to " + target.string() + ": " + ec.message();
            return false;
        }
    }
    return !ec;
}
} // namespace

TuneJob::TuneJob(QObject* parent) : QObject(parent) {
    qRegisterMetaType<autoglm::studio::TuneOutcome>();
}

TuneJob::~TuneJob() {
    if (m_thread) {
        m_stop.request_stop();
        m_thread->wait();
    }
}

QString TuneJob::stagingFolder(const QString& outputDir) {
    return QDir(outputDir).filePath(kStaging);
}

void TuneJob::cancel() {
    if (m_thread)
        m_stop.request_stop();
}

void TuneJob::report(const QString& phase, double fraction, const std::string& message) {
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (fraction < 1.0 && now - m_lastProgressMs < kProgressIntervalMs)
        return;
    m_lastProgressMs = now;
    Q_EMIT progress(phase, fraction, QString::fromStdString(message));
}

QString TuneJob::start(const PipelineSpec& spec, const TuneOptions& options, const QString& outputDir) {
    if (m_thread)
        return tr("Auto-tuning is already running");
    if (outputDir.isEmpty())
        return tr("Choose an output folder");
    if (auto s = spec.validate(); !s)
        return QString::fromStdString(s.message());
    m_stop = std::stop_source();
    m_outcome.reset();
    m_error.clear();
    m_lastProgressMs = 0;
    const std::stop_token stop = m_stop.get_token();
    const fs::path out = fs::absolute(outputDir.toStdString());
    m_thread = QThread::create([this, spec, options, out, stop] {
        std::error_code ec;
        const bool created = !fs::exists(out, ec);
        const fs::path staging = out / kStaging;
        // Whatever the end, the staging folder goes, and an output folder this job made goes if left empty.
        const auto cleanUp = [&] {
            fs::remove_all(staging, ec);
            if (created && fs::is_empty(out, ec))
                fs::remove(out, ec);
        };
        try {
            fs::remove_all(staging, ec); // what a crashed job left
            fs::create_directories(staging / "search", ec);
            if (ec) {
                m_error = QString::fromStdString("cannot create the output folder '" + out.string() + "'");
                cleanUp();
                return;
            }
            TuneOptions o = options;
            o.workDir = staging / "search";
            auto result = autoTune(spec, o, [this](const RunEvent& e) {
                if (e.stage == "sensitivity" && e.kind == RunEventKind::StageProgress)
                    report("sensitivity", e.fraction, e.message);
                else
                    report("search", e.overall, e.stage.empty() ? e.message : e.stage + " " + e.message);
            }, stop);
            if (!result || stop.stop_requested()) {
                m_error = result ? QString() : QString::fromStdString(result.message());
                cleanUp();
                return;
            }
            TuneOutcome outcome;
            outcome.tune = std::move(result.value());
            outcome.outputDir = QString::fromStdString(out.string());
            std::string error;
            auto written = writeFileAtomically(staging / "tune.json", outcome.tune.toJson().dump(2) + "\n");
            if (written)
                written = writeFileAtomically(staging / "sensitivity.csv", outcome.tune.sensitivity.toCsv());
            if (!written) {
                m_error = QString::fromStdString(written.message());
                cleanUp();
                return;
            }
            PipelineSpec tuned;
            if (outcome.tune.best >= 0) {
                // The best candidate as a pipeline of its own, run once more to write its ONNX file.
                const TuneCandidate& best = outcome.tune.log[static_cast<size_t>(outcome.tune.best)];
                tuned = candidatePipeline(spec, best, "best.onnx");
                RunOptions run;
                run.outputDir = staging / "best-run";
                run.threads = options.threads;
                run.trustTorchScript = options.trustTorchScript;
                auto exported = runPipeline(tuned, run, [this](const RunEvent& e) {
                    report("export", e.overall, e.message);
                }, stop);
                if (!exported || stop.stop_requested() || exported->variants.empty() ||
                    exported->variants[0].status != "ok") {
                    m_error = !exported ? QString::fromStdString(exported.message())
                              : exported->variants.empty() ? QString()
                                                           : QString::fromStdString(exported->variants[0].error);
                    cleanUp();
                    return;
                }
                outcome.best = std::move(exported.value());
                fs::rename(staging / "best-run" / "best.onnx", staging / "best.onnx", ec);
                if (fs::exists(staging / "best-run" / "best.onnx.data"))
                    fs::rename(staging / "best-run" / "best.onnx.data", staging / "best.onnx.data", ec);
                fs::remove_all(staging / "best-run", ec);
            }
            // Done: the files move into place, then the pipeline file is written there (its relative paths are
            // rebased on the folder it is saved in, so it is saved where it stays).
            if (!moveEntries(staging, out, error)) {
                m_error = QString::fromStdString(error);
                cleanUp();
                return;
            }
            if (outcome.tune.best >= 0) {
                if (auto s = savePipelineFile(tuned, out / "best.autoglm.json"); !s) {
                    m_error = QString::fromStdString(s.message());
                    cleanUp();
                    return;
                }
                outcome.bestPipeline = QString::fromStdString((out / "best.autoglm.json").string());
                outcome.bestModel = QString::fromStdString((out / "best.onnx").string());
            }
            cleanUp();
            m_outcome = std::move(outcome);
        } catch (const std::exception& e) {
            // Whatever escapes the core must end this job, not the application.
            m_error = QString::fromUtf8(e.what());
            cleanUp();
        }
    });
    connect(m_thread, &QThread::finished, this, [this, stop] {
        m_thread->deleteLater();
        m_thread = nullptr;
        if (m_outcome)
            Q_EMIT finished(*m_outcome);
        else if (stop.stop_requested())
            Q_EMIT stopped(tr("Auto-tuning cancelled; nothing was written"), true);
        else
            Q_EMIT stopped(tr("Auto-tuning failed: %1").arg(m_error.isEmpty() ? tr("no result") : m_error), false);
    });
    m_thread->start();
    return {};
}

} // namespace autoglm::studio
