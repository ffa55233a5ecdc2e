#pragma once
// The run panel: Run and Cancel, one progress bar per planned stage (plus measuring the original), the run's
// overall progress with elapsed time and an estimate of what is left, and a log. It shows what it is told
// (the studio's JobController feeds it the Runner's events); it runs nothing itself.

#include <QElapsedTimer>
#include <QStringList>
#include <QWidget>

#include <map>

class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTimer;
class QTreeWidget;
class QTreeWidgetItem;

namespace autoglm::widgets {

class RunPanel : public QWidget {
    Q_OBJECT

public:
    explicit RunPanel(QWidget* parent = nullptr);

    QPushButton* runButton() const { return m_run; }
    QPushButton* cancelButton() const { return m_cancel; }
    bool isRunning() const { return m_running; }
    // The stage's bar value in percent (-1 when the panel has no such stage).
    int stageValue(const QString& stage) const;
    QString stageStatus(const QString& stage) const;
    QString logText() const;
    QString elapsedText() const;
    QString remainingText() const;
    // Why Run is not possible now (shown beside the button); empty enables it.
    void setBlocker(const QString& why);

public Q_SLOTS:
    void planned(const QStringList& stages, const QStringList& kinds, int variants);
    void stageStarted(const QString& stage, const QString& kind);
    void stageProgress(const QString& stage, double fraction, double overall, const QString& message);
    void stageFinished(const QString& stage, const QString& message);
    void stageFailed(const QString& stage, const QString& message);
    void stageCancelled(const QString& stage);
    void log(const QString& line);
    // status: "complete", "cancelled" or "failed".
    void runEnded(const QString& status);

Q_SIGNALS:
    void runRequested();
    void cancelRequested();

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslateUi();
    static QString stageName(const QString& stage, const QString& kind);
    QTreeWidgetItem* row(const QString& stage, const QString& kind = QString());
    void setStatus(const QString& stage, const QString& status);
    void tick();
    void updateButtons();

    QPushButton* m_run;
    QPushButton* m_cancel;
    QLabel* m_blocker;
    QProgressBar* m_overall;
    QLabel* m_elapsed;
    QLabel* m_remaining;
    QTreeWidget* m_stages;
    QPlainTextEdit* m_log;
    QTimer* m_clock;
    QElapsedTimer m_since;
    std::map<QString, QTreeWidgetItem*> m_rows;
    std::map<QString, QString> m_kinds; // stage -> kind, so that a row's name can be written again
    double m_fraction = 0;
    bool m_running = false;
    QString m_blockerText;
};

} // namespace autoglm::widgets
