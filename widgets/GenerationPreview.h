#pragma once
// The generation preview: a prompt, Generate and Cancel, and two panes side by side — the original model and the
// selected variant — that stream their answers token by token, with the figures of each when done and a marker
// where the two continuations first differ. The studio decides what each side is and runs the generation on a
// worker (app/studio/GenerationPreviewController); this view shows what it is told, and says why Generate is not
// possible when one side cannot answer.

#include <QString>
#include <QWidget>

#include <array>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace autoglm::widgets {

class GenerationPane;

class GenerationPreview : public QWidget {
    Q_OBJECT

public:
    enum Side { Original = 0, Variant = 1 };

    explicit GenerationPreview(QWidget* parent = nullptr);

    // What a side will answer with: the pane's title and, when it cannot answer, why (which disables Generate).
    // While a generation runs the panes keep what they show; a change arrives when it has ended.
    void setSide(Side side, const QString& title, const QString& problem);
    QString problem(Side side) const { return m_problem[side]; }

    QString prompt() const;
    void setPrompt(const QString& prompt);
    int maxNewTokens() const;
    void setMaxNewTokens(int tokens);
    bool isRunning() const { return m_running; }

    QPlainTextEdit* promptEdit() const { return m_prompt; }
    QSpinBox* maxTokensBox() const { return m_maxTokens; }
    QPushButton* generateButton() const { return m_generate; }
    QPushButton* cancelButton() const { return m_cancel; }
    GenerationPane* pane(Side side) const { return m_panes[side]; }
    QString continuation(Side side) const;
    // The state line above the panes (what is missing, or what to do next) and the comparison line below them.
    QString stateText() const;
    QString comparisonText() const;
    // Where the continuations first differ: a character of the continuation and a token index; -1 while none.
    int firstDifferentCharacter() const { return m_diffChar; }
    int firstDifferentToken() const { return m_diffToken; }

public Q_SLOTS:
    void generationStarted();
    void sideStatus(int side, const QString& message);
    void tokenGenerated(int side, qint64 token);
    void textGenerated(int side, const QString& text);
    void sideFinished(int side, int promptTokens, double promptMs, int newTokens, double tokensPerSecond,
                      bool cancelled);
    void sideFailed(int side, const QString& message);
    void generationEnded(bool cancelled);

Q_SIGNALS:
    void generateRequested(const QString& prompt, int maxNewTokens);
    void cancelRequested();

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslateUi();
    struct Pending {
        bool set = false;
        QString title;
        QString problem;
    };
    void applySide(Side side, const QString& title, const QString& problem);
    void updateButtons();
    void updateState();
    void compare();
    void requestGenerate();

    QPlainTextEdit* m_prompt;
    QSpinBox* m_maxTokens;
    QPushButton* m_generate;
    QPushButton* m_cancel;
    QLabel* m_state;
    QLabel* m_maxLabel = nullptr;
    QLabel* m_comparison;
    std::array<GenerationPane*, 2> m_panes{};
    std::array<QString, 2> m_problem;
    std::array<Pending, 2> m_pending;
    std::array<bool, 2> m_ended{}; // finished or failed in this generation
    std::array<bool, 2> m_failed{};
    bool m_running = false;
    bool m_started = false; // a generation has run since the sides last changed
    int m_diffChar = -1;
    int m_diffToken = -1;
};

} // namespace autoglm::widgets
