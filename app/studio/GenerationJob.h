#pragma once
// Runs the generation preview on a worker QThread: loads (or reuses) the original and the variant, then advances
// both greedy generations a token in turn (GreedyGenerator), so the two panes fill side by side while each step is
// timed on its own. Tokens and their text arrive as queued signals; Cancel stops both through a std::stop_source.
// Loaded models are kept for the next Generate (building a checkpoint's decoder takes seconds) and reloaded when
// the file changes.

#include <QObject>
#include <QString>

#include <array>
#include <memory>
#include <stop_token>

class QThread;

namespace autoglm {
class TextGenerator;
}

namespace autoglm::studio {

struct GenerationRequest {
    // side 0: the original (a checkpoint folder or a decoder file), side 1: the variant's exported ONNX file.
    std::array<QString, 2> models;
    QString prompt;
    int maxNewTokens = 32;
    int threads = 0; // LibTorch compute threads; 0 leaves the setting as it is
    QString device = "cpu";
};

class GenerationJob : public QObject {
    Q_OBJECT

public:
    explicit GenerationJob(QObject* parent = nullptr);
    // Stops a generation still going and waits for it: the worker must not outlive the objects it reports to.
    ~GenerationJob() override;

    bool isRunning() const { return m_thread != nullptr; }
    // Starts a generation; returns why it could not (one at a time).
    QString start(const GenerationRequest& request);
    void cancel();
    // Lets go of the models kept for the next run (memory: a float32 checkpoint is four bytes a parameter).
    void releaseModels();

Q_SIGNALS:
    void started();
    // Loading, building, generating: what a side is doing now.
    void sideStatus(int side, const QString& message);
    void tokenGenerated(int side, qint64 token);
    // The text that became complete (the end-of-sequence token adds none).
    void textGenerated(int side, const QString& text);
    void sideFinished(int side, int promptTokens, double promptMs, int newTokens, double tokensPerSecond,
                      bool cancelled);
    void sideFailed(int side, const QString& message);
    // After every other signal of the run; isRunning() is false by then.
    void finished(bool cancelled);

private:
    struct Loaded {
        QString key; // path, size, modification time and device: a rewritten file is loaded again
        std::shared_ptr<const TextGenerator> model;
    };
    using LoadedPair = std::array<Loaded, 2>;
    void work(const GenerationRequest& request, std::stop_token stop);
    std::shared_ptr<const TextGenerator> load(int side, const GenerationRequest& request, std::stop_token stop);

    QThread* m_thread = nullptr;
    std::stop_source m_stop;
    LoadedPair m_loaded;      // the GUI thread's, except while a run has handed it to the worker
    bool m_cancelled = false; // written by the worker, read after it finished
};

} // namespace autoglm::studio
