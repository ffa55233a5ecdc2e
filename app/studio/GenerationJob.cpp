#include "GenerationJob.h"

#include "pipeline/llm/Generation.h"
#include "pipeline/llm/TextGenerator.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QThread>

#include <optional>

namespace autoglm::studio {
namespace {
QString text(const std::string& s) {
    return QString::fromStdString(s);
}

// What identifies the model on disk: a checkpoint folder by its files, a file by itself.
QString fileKey(const QString& path, const QString& device) {
    QString key = QFileInfo(path).absoluteFilePath() + "|" + device;
    auto add = [&key](const QFileInfo& info) {
        key += QString("|%1:%2:%3").arg(info.fileName()).arg(info.size()).arg(info.lastModified().toMSecsSinceEpoch());
    };
    const QFileInfo info(path);
    if (info.isDir())
        for (const QFileInfo& entry : QDir(path).entryInfoList(QDir::Files, QDir::Name))
            add(entry);
    else
        add(info);
    return key;
}
} // namespace

GenerationJob::GenerationJob(QObject* parent) : QObject(parent) {}

GenerationJob::~GenerationJob() {
    if (m_thread) {
        m_stop.request_stop();
        m_thread->wait();
        delete m_thread; // its `finished` handler, queued to this object, will not run any more
    }
}

QString GenerationJob::start(const GenerationRequest& request) {
    if (m_thread)
        return tr("A generation is already going");
    m_stop = std::stop_source();
    m_cancelled = false;
    const std::stop_token token = m_stop.get_token();
    // The worker reads and refreshes m_loaded; the GUI thread leaves it alone until `finished`.
    m_thread = QThread::create([this, request, token] { work(request, token); });
    connect(m_thread, &QThread::finished, this, [this] {
        m_thread->deleteLater();
        m_thread = nullptr;
        Q_EMIT finished(m_cancelled);
    });
    Q_EMIT started();
    m_thread->start();
    return {};
}

void GenerationJob::cancel() {
    if (m_thread)
        m_stop.request_stop();
}

void GenerationJob::releaseModels() {
    if (!m_thread)
        m_loaded = {};
}

std::shared_ptr<const TextGenerator> GenerationJob::load(int side, const GenerationRequest& request,
                                                         std::stop_token stop) {
    const QString& path = request.models[side];
    const QString key = fileKey(path, request.device);
    if (m_loaded[side].model && m_loaded[side].key == key)
        return m_loaded[side].model;
    m_loaded[side] = {}; // the old model's memory goes before the new one is built
    if (stop.stop_requested())
        return nullptr;
    const QFileInfo info(path);
    Q_EMIT sideStatus(side, info.isDir() ? tr("Loading %1 and building it with a key/value cache…").arg(info.fileName())
                                         : tr("Loading %1…").arg(info.fileName()));
    ExecutorOptions options;
    options.device = request.device.toStdString();
    auto model = TextGenerator::open(path.toStdString(), options);
    if (!model) {
        Q_EMIT sideFailed(side, text(model.message()));
        return nullptr;
    }
    auto shared = std::make_shared<const TextGenerator>(std::move(model.value()));
    m_loaded[side] = {key, shared};
    return shared;
}

void GenerationJob::work(const GenerationRequest& request, std::stop_token stop) {
    struct SideRun {
        std::shared_ptr<const TextGenerator> model;
        std::optional<GreedyGenerator> generator;
        std::optional<TextStream> stream;
        std::optional<int64_t> eos;
        int promptTokens = 0;
        bool active = false;
    };
    std::array<SideRun, 2> sides;
    // A C++ exception must not end the application: it fails the side it came from.
    auto guarded = [&](int side, auto&& step) {
        try {
            step();
        } catch (const std::exception& e) {
            sides[side].active = false;
            Q_EMIT sideFailed(side, QString::fromUtf8(e.what()));
        }
    };
    if (request.threads > 0)
        setComputeThreads(request.threads);
    for (int side = 0; side < 2; ++side)
        guarded(side, [&] { sides[side].model = load(side, request, stop); });
    if (stop.stop_requested()) {
        for (int side = 0; side < 2; ++side)
            Q_EMIT sideStatus(side, tr("Cancelled before generating."));
        m_cancelled = true;
        return;
    }
    // An exported file has no config.json beside it: it stops at the end token of the checkpoint it was made
    // from, so that both sides end by the same rule.
    if (sides[0].model)
        sides[0].eos = sides[0].model->eosTokenId();
    sides[1].eos = sides[1].model && sides[1].model->eosTokenId() ? sides[1].model->eosTokenId() : sides[0].eos;

    const std::string prompt = request.prompt.toStdString();
    for (int side = 0; side < 2; ++side) {
        SideRun& s = sides[side];
        if (!s.model)
            continue;
        guarded(side, [&] {
            const auto ids = s.model->tokenizer().encode(prompt);
            GenerationOptions options;
            options.maxNewTokens = request.maxNewTokens;
            options.stopToken = s.eos;
            auto generator =
                GreedyGenerator::start(s.model->executor(), std::vector<int64_t>(ids.begin(), ids.end()), options);
            if (!generator) {
                Q_EMIT sideFailed(side,
                                  ids.empty() ? tr("The prompt encodes to no tokens.") : text(generator.message()));
                return;
            }
            s.promptTokens = static_cast<int>(ids.size());
            s.generator.emplace(std::move(generator.value()));
            s.stream.emplace(s.model->tokenizer());
            s.active = true;
            Q_EMIT sideStatus(side, s.model->usesCache() ? tr("Generating (key/value cache)…")
                                                         : tr("Generating (the whole sequence per token)…"));
        });
    }

    auto finish = [&](int side, bool cancelled) {
        SideRun& s = sides[side];
        s.active = false;
        if (const std::string rest = s.stream->finish(); !rest.empty())
            Q_EMIT textGenerated(side, QString::fromUtf8(rest));
        const Generation& g = s.generator->generation();
        Q_EMIT sideFinished(side, s.promptTokens, g.promptMs, static_cast<int>(g.tokens.size()), g.tokensPerSecond(),
                            cancelled);
    };
    // One token each in turn: both panes fill together, and each step's time is that model's alone.
    bool cancelled = false;
    while (!cancelled && (sides[0].active || sides[1].active)) {
        for (int side = 0; side < 2 && !cancelled; ++side) {
            SideRun& s = sides[side];
            if (!s.active)
                continue;
            guarded(side, [&] {
                auto token = s.generator->step(stop);
                if (!token) {
                    if (stop.stop_requested()) {
                        cancelled = true;
                        return;
                    }
                    s.active = false;
                    Q_EMIT sideFailed(side, text(token.message()));
                    return;
                }
                Q_EMIT tokenGenerated(side, token.value());
                if (!(s.eos && token.value() == *s.eos))
                    if (const std::string fresh = s.stream->push(token.value()); !fresh.empty())
                        Q_EMIT textGenerated(side, QString::fromUtf8(fresh));
                if (s.generator->done())
                    finish(side, false);
            });
            if (stop.stop_requested())
                cancelled = true;
        }
    }
    for (int side = 0; side < 2; ++side)
        if (sides[side].active)
            guarded(side, [&] { finish(side, true); });
    m_cancelled = cancelled;
}

} // namespace autoglm::studio
