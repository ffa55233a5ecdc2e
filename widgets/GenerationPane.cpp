#include "widgets/GenerationPane.h"

#include <QLabel>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QTextCursor>
#include <QVBoxLayout>

namespace autoglm::widgets {
namespace {
// The marker before the first differing character: a heavy vertical bar, present in DejaVu and every CJK font.
const QString kMarker = QStringLiteral("\u2503");

QTextCharFormat promptFormat(const QPlainTextEdit* view) {
    QTextCharFormat f;
    f.setForeground(view->palette().color(QPalette::Disabled, QPalette::Text));
    return f;
}

QTextCharFormat differentFormat() {
    QTextCharFormat f;
    f.setBackground(QColor(0xff, 0xe3, 0xb8));
    f.setForeground(QColor(0x30, 0x20, 0x00));
    return f;
}

QTextCharFormat markerFormat() {
    QTextCharFormat f;
    f.setForeground(QColor(0xd0, 0x30, 0x30));
    f.setFontWeight(QFont::Bold);
    return f;
}
} // namespace

GenerationPane::GenerationPane(QWidget* parent)
    : QWidget(parent), m_title(new QLabel(this)), m_view(new QPlainTextEdit(this)), m_status(new QLabel(this)) {
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_view->setReadOnly(true);
    m_view->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_title);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_status);
}

void GenerationPane::setTitle(const QString& title) {
    m_title->setText(title);
}

QString GenerationPane::title() const {
    return m_title->text();
}

void GenerationPane::setPlaceholder(const QString& text) {
    m_view->setPlaceholderText(text);
}

QString GenerationPane::placeholder() const {
    return m_view->placeholderText();
}

void GenerationPane::setStatus(const QString& status, bool error) {
    m_status->setText(status);
    m_status->setStyleSheet(error ? "color: #c03030;" : QString());
}

QString GenerationPane::status() const {
    return m_status->text();
}

void GenerationPane::begin(const QString& prompt) {
    m_prompt = prompt;
    m_text.clear();
    m_tokens.clear();
    m_difference = -1;
    setStatus(QString());
    render();
}

void GenerationPane::clear() {
    begin(QString());
}

void GenerationPane::appendToken(qint64 token) {
    m_tokens.push_back(token);
}

void GenerationPane::appendText(const QString& text) {
    if (text.isEmpty())
        return;
    m_text += text;
    // Appending at the end is all a new token needs: the text before it keeps its formats.
    QTextCursor cursor(m_view->document());
    cursor.movePosition(QTextCursor::End);
    cursor.insertText(text, m_difference >= 0 ? differentFormat() : QTextCharFormat());
    m_view->verticalScrollBar()->setValue(m_view->verticalScrollBar()->maximum());
}

void GenerationPane::setDifference(int at) {
    if (at == m_difference)
        return;
    m_difference = at;
    render();
}

void GenerationPane::render() {
    m_view->clear();
    QTextCursor cursor(m_view->document());
    if (!m_prompt.isEmpty())
        cursor.insertText(m_prompt, promptFormat(m_view));
    const int same = m_difference >= 0 ? std::min<int>(m_difference, m_text.size()) : m_text.size();
    cursor.insertText(m_text.left(same), QTextCharFormat());
    if (m_difference >= 0) {
        cursor.insertText(kMarker, markerFormat());
        cursor.insertText(m_text.mid(same), differentFormat());
    }
    m_view->verticalScrollBar()->setValue(m_view->verticalScrollBar()->maximum());
}

} // namespace autoglm::widgets
