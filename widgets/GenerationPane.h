#pragma once
// One side of the generation preview: a title, the prompt (greyed) followed by the continuation as it streams
// in, and a status line (loading, figures, errors). From the first character where this continuation departs
// from the other side's, the text is marked (a red bar, then a highlighted background), so the point where a
// compressed model starts answering differently is seen at a glance. A view only: it shows what it is told.

#include <QString>
#include <QVector>
#include <QWidget>

class QLabel;
class QPlainTextEdit;

namespace autoglm::widgets {

class GenerationPane : public QWidget {
    Q_OBJECT

public:
    explicit GenerationPane(QWidget* parent = nullptr);

    void setTitle(const QString& title);
    QString title() const;
    // Shown in the empty text area: what the pane will show, or why it cannot.
    void setPlaceholder(const QString& text);
    QString placeholder() const;
    void setStatus(const QString& status, bool error = false);
    QString status() const;

    // Clears the pane and shows `prompt` ahead of the continuation to come.
    void begin(const QString& prompt);
    void clear();
    void appendToken(qint64 token);
    void appendText(const QString& text);
    // The character of the continuation where it departs from the other side's; -1: no difference (yet).
    void setDifference(int at);
    int difference() const { return m_difference; }

    QString continuation() const { return m_text; }
    const QVector<qint64>& tokens() const { return m_tokens; }
    QPlainTextEdit* view() const { return m_view; }

private:
    void render();

    QLabel* m_title;
    QPlainTextEdit* m_view;
    QLabel* m_status;
    QString m_prompt;
    QString m_text;
    QVector<qint64> m_tokens;
    int m_difference = -1;
};

} // namespace autoglm::widgets
