#include "widgets/GenerationPreview.h"

#include "widgets/GenerationPane.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QShortcut>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>

#include <algorithm>

namespace autoglm::widgets {
namespace {
// A plain decoder (an exported variant) runs the whole sequence again for every token, so its cost grows with
// the square of the length: past about a thousand tokens a preview stops being a preview.
constexpr int kMaxNewTokens = 1024;
constexpr int kDefaultNewTokens = 32;

template <class Sequence> int commonPrefix(const Sequence& a, const Sequence& b) {
    const int n = std::min<int>(a.size(), b.size());
    int i = 0;
    while (i < n && a[i] == b[i])
        ++i;
    return i;
}

// Where two sequences first differ: inside both, or where the shorter one ended while the other went on. While
// the shorter one is still generating, there is no difference yet.
template <class Sequence> int firstDifference(const Sequence& a, const Sequence& b, bool aEnded, bool bEnded) {
    const int common = commonPrefix(a, b);
    if (common < std::min<int>(a.size(), b.size()))
        return common;
    if (a.size() < b.size() && aEnded)
        return common;
    if (b.size() < a.size() && bEnded)
        return common;
    return -1;
}
} // namespace

GenerationPreview::GenerationPreview(QWidget* parent)
    : QWidget(parent), m_prompt(new QPlainTextEdit(this)), m_maxTokens(new QSpinBox(this)),
      m_generate(new QPushButton(this)), m_cancel(new QPushButton(this)),
      m_state(new QLabel(this)), m_comparison(new QLabel(this)) {
    m_prompt->setTabChangesFocus(true);
    m_prompt->setMaximumHeight(m_prompt->fontMetrics().lineSpacing() * 4 + 12);
    m_maxTokens->setRange(1, kMaxNewTokens);
    m_maxTokens->setValue(kDefaultNewTokens);
    m_state->setWordWrap(true);
    m_state->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_comparison->setWordWrap(true);
    m_comparison->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* controls = new QHBoxLayout;
    m_maxLabel = new QLabel(this);
    controls->addWidget(m_maxLabel);
    controls->addWidget(m_maxTokens);
    controls->addWidget(m_generate);
    controls->addWidget(m_cancel);
    controls->addStretch(1);

    auto* split = new QSplitter(Qt::Horizontal, this);
    for (int side = 0; side < 2; ++side) {
        m_panes[side] = new GenerationPane(split);
        split->addWidget(m_panes[side]);
    }
    split->setChildrenCollapsible(false);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_prompt);
    layout->addLayout(controls);
    layout->addWidget(m_state);
    layout->addWidget(split, 1);
    layout->addWidget(m_comparison);

    connect(m_generate, &QPushButton::clicked, this, &GenerationPreview::requestGenerate);
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        m_cancel->setEnabled(false);
        m_state->setText(tr("Cancelling…"));
        Q_EMIT cancelRequested();
    });
    for (auto key : {Qt::Key_Return, Qt::Key_Enter}) {
        auto* shortcut = new QShortcut(QKeySequence(Qt::CTRL | key), m_prompt, nullptr, nullptr, Qt::WidgetShortcut);
        connect(shortcut, &QShortcut::activated, this, &GenerationPreview::requestGenerate);
    }
    connect(m_prompt, &QPlainTextEdit::textChanged, this, [this] {
        updateButtons();
        updateState();
    });
    retranslateUi();
    applySide(Original, tr("Original"), QString());
    applySide(Variant, tr("Variant"), QString());
}

void GenerationPreview::retranslateUi() {
    // The sides' titles and reasons come from the studio's controller, which writes them again itself.
    m_generate->setText(tr("Generate"));
    m_cancel->setText(tr("Cancel"));
    m_prompt->setPlaceholderText(tr("Type a prompt for both models to continue"));
    m_maxTokens->setToolTip(tr("Stop after this many new tokens (the model's end token stops earlier)"));
    m_generate->setToolTip(tr("Both models continue the prompt greedily, token by token (Ctrl+Enter)"));
    m_cancel->setToolTip(tr("Stop both generations; what was generated so far stays"));
    m_maxLabel->setText(tr("Max new tokens"));
}

void GenerationPreview::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange) {
        retranslateUi();
        updateState();
    }
    QWidget::changeEvent(event);
}

QString GenerationPreview::prompt() const {
    return m_prompt->toPlainText();
}

void GenerationPreview::setPrompt(const QString& prompt) {
    m_prompt->setPlainText(prompt);
}

int GenerationPreview::maxNewTokens() const {
    return m_maxTokens->value();
}

void GenerationPreview::setMaxNewTokens(int tokens) {
    m_maxTokens->setValue(tokens);
}

QString GenerationPreview::continuation(Side side) const {
    return m_panes[side]->continuation();
}

QString GenerationPreview::stateText() const {
    return m_state->text();
}

QString GenerationPreview::comparisonText() const {
    return m_comparison->text();
}

void GenerationPreview::setSide(Side side, const QString& title, const QString& problem) {
    if (m_running) {
        m_pending[side] = {true, title, problem};
        return;
    }
    applySide(side, title, problem);
}

void GenerationPreview::applySide(Side side, const QString& title, const QString& problem) {
    GenerationPane* pane = m_panes[side];
    // Another model on this side: what the pane shows, and the comparison with it, belong to the old one.
    if (pane->title() != title) {
        pane->clear();
        if (m_started) {
            m_started = false;
            m_diffChar = m_diffToken = -1;
            m_panes[1 - side]->setDifference(-1);
            m_comparison->clear();
        }
    }
    pane->setTitle(title);
    m_problem[side] = problem;
    pane->setPlaceholder(problem.isEmpty() ? tr("The continuation appears here as it is generated.") : problem);
    updateButtons();
    updateState();
}

void GenerationPreview::requestGenerate() {
    if (m_generate->isEnabled())
        Q_EMIT generateRequested(prompt(), maxNewTokens());
}

void GenerationPreview::updateButtons() {
    const bool ready = m_problem[Original].isEmpty() && m_problem[Variant].isEmpty() && !prompt().isEmpty();
    m_generate->setEnabled(!m_running && ready);
    m_cancel->setEnabled(m_running);
    m_prompt->setReadOnly(m_running);
    m_maxTokens->setEnabled(!m_running);
}

void GenerationPreview::updateState() {
    QStringList lines;
    bool problem = false;
    if (m_running) {
        lines << tr("Generating… Cancel stops both sides.");
    } else {
        for (int side = 0; side < 2; ++side)
            if (!m_problem[side].isEmpty())
                lines << QString("%1: %2").arg(m_panes[side]->title(), m_problem[side]);
        problem = !lines.isEmpty();
        if (!problem)
            lines << (prompt().isEmpty() ? tr("Type a prompt, then Generate (Ctrl+Enter).")
                                         : tr("Ready: both models continue the same prompt greedily."));
    }
    m_state->setText(lines.join("\n"));
    m_state->setStyleSheet(problem ? "color: #b07000;" : QString());
}

void GenerationPreview::generationStarted() {
    m_running = true;
    m_started = true;
    m_ended = {};
    m_failed = {};
    m_diffChar = m_diffToken = -1;
    for (GenerationPane* pane : m_panes)
        pane->begin(prompt());
    m_comparison->clear();
    updateButtons();
    updateState();
}

void GenerationPreview::sideStatus(int side, const QString& message) {
    if (side == Original || side == Variant)
        m_panes[side]->setStatus(message);
}

void GenerationPreview::tokenGenerated(int side, qint64 token) {
    if (side != Original && side != Variant)
        return;
    m_panes[side]->appendToken(token);
    compare();
}

void GenerationPreview::textGenerated(int side, const QString& text) {
    if (side != Original && side != Variant)
        return;
    m_panes[side]->appendText(text);
    compare();
}

void GenerationPreview::sideFinished(int side, int promptTokens, double promptMs, int newTokens, double tokensPerSecond,
                                     bool cancelled) {
    if (side != Original && side != Variant)
        return;
    const QString figures = tr("Prompt: %1 tokens in %2 ms · %3 new tokens at %4 tokens/s")
                                .arg(promptTokens)
                                .arg(promptMs, 0, 'f', 1)
                                .arg(newTokens)
                                .arg(tokensPerSecond, 0, 'f', 1);
    m_panes[side]->setStatus(cancelled ? tr("Cancelled. %1").arg(figures) : figures);
    // A cancelled side did not end on its own: where it stopped is not where it would have differed.
    m_ended[side] = !cancelled;
    compare();
}

void GenerationPreview::sideFailed(int side, const QString& message) {
    if (side != Original && side != Variant)
        return;
    m_panes[side]->setStatus(message, true);
    m_failed[side] = true;
    compare();
}

void GenerationPreview::generationEnded(bool cancelled) {
    m_running = false;
    for (int side = 0; side < 2; ++side)
        if (m_pending[side].set) {
            m_pending[side].set = false;
            applySide(Side(side), m_pending[side].title, m_pending[side].problem);
        }
    if (cancelled && m_started)
        m_comparison->setText(m_comparison->text() + (m_comparison->text().isEmpty() ? "" : " ") + tr("(Cancelled.)"));
    updateButtons();
    updateState();
}

void GenerationPreview::compare() {
    const GenerationPane* a = m_panes[Original];
    const GenerationPane* b = m_panes[Variant];
    if (m_failed[Original] || m_failed[Variant]) {
        m_diffChar = m_diffToken = -1;
        for (GenerationPane* pane : m_panes)
            pane->setDifference(-1);
        m_comparison->setText(tr("No comparison: one side did not generate."));
        return;
    }
    m_diffToken = firstDifference(a->tokens(), b->tokens(), m_ended[Original], m_ended[Variant]);
    m_diffChar = firstDifference(a->continuation(), b->continuation(), m_ended[Original], m_ended[Variant]);
    for (GenerationPane* pane : m_panes)
        pane->setDifference(m_diffChar);
    const int agreed = commonPrefix(a->tokens(), b->tokens());
    if (m_diffToken == 0 && m_diffChar >= 0)
        m_comparison->setText(
            tr("The continuations differ from the first token on (character %1, marked).").arg(m_diffChar + 1));
    else if (m_diffToken >= 0 && m_diffChar >= 0)
        m_comparison->setText(tr("The continuations first differ at token %1 (character %2, marked): the first "
                                 "%n token(s) agree.",
                                 nullptr, m_diffToken)
                                  .arg(m_diffToken + 1)
                                  .arg(m_diffChar + 1));
    else if (m_diffToken >= 0)
        m_comparison->setText(
            tr("The texts agree so far, but the tokens first differ at token %1.").arg(m_diffToken + 1));
    else if (m_ended[Original] && m_ended[Variant])
        m_comparison->setText(tr("The continuations are identical (%n token(s)).", nullptr, agreed));
    else
        m_comparison->setText(tr("Identical so far (%n token(s)).", nullptr, agreed));
}

} // namespace autoglm::widgets
