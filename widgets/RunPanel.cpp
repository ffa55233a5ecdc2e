#include "widgets/RunPanel.h"

#include "widgets/StageKinds.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTime>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <cmath>

namespace autoglm::widgets {
namespace {
enum Column { StageColumn, ProgressColumn, StatusColumn };
// Below this share of the run an estimate of the rest is mostly noise.
constexpr double kEstimateFrom = 0.02;

QString duration(qint64 ms) {
    const qint64 s = ms / 1000;
    return s >= 3600
               ? QString("%1:%2:%3").arg(s / 3600).arg(s / 60 % 60, 2, 10, QChar('0')).arg(s % 60, 2, 10, QChar('0'))
               : QString("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QChar('0'));
}
} // namespace

RunPanel::RunPanel(QWidget* parent)
    : QWidget(parent), m_run(new QPushButton(this)), m_cancel(new QPushButton(this)),
      m_blocker(new QLabel(this)), m_overall(new QProgressBar(this)), m_elapsed(new QLabel(this)),
      m_remaining(new QLabel(this)), m_stages(new QTreeWidget(this)), m_log(new QPlainTextEdit(this)),
      m_clock(new QTimer(this)) {
    m_blocker->setWordWrap(true);
    m_blocker->setStyleSheet("color: #b07000;");
    auto* top = new QHBoxLayout;
    top->addWidget(m_run);
    top->addWidget(m_cancel);
    top->addWidget(m_overall, 1);
    top->addWidget(m_elapsed);
    top->addWidget(m_remaining);

    m_stages->setColumnCount(3);
    m_stages->setRootIsDecorated(false);
    m_stages->header()->setSectionResizeMode(StatusColumn, QHeaderView::Stretch);
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(5000);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_stages);
    split->addWidget(m_log);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_blocker);
    layout->addWidget(split, 1);

    m_clock->setInterval(500);
    connect(m_clock, &QTimer::timeout, this, &RunPanel::tick);
    connect(m_run, &QPushButton::clicked, this, &RunPanel::runRequested);
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        m_cancel->setEnabled(false);
        log(tr("Cancelling…"));
        Q_EMIT cancelRequested();
    });
    m_blocker->hide();
    retranslateUi();
    updateButtons();
}

void RunPanel::retranslateUi() {
    m_run->setText(tr("Run"));
    m_cancel->setText(tr("Cancel"));
    m_run->setToolTip(tr("Run the pipeline: every variant is built, measured and plotted as it finishes"));
    m_cancel->setToolTip(tr("Stop after the current step; the variants measured so far are kept"));
    m_stages->setHeaderLabels({tr("Stage"), tr("Progress"), tr("Status")});
    m_elapsed->setToolTip(tr("Elapsed"));
    m_remaining->setToolTip(tr("Estimated time left"));
    for (const auto& [stage, item] : m_rows)
        item->setText(StageColumn, stageName(stage, m_kinds[stage]));
    if (m_since.isValid())
        tick();
}

void RunPanel::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QWidget::changeEvent(event);
}

QString RunPanel::stageName(const QString& stage, const QString& kind) {
    const QString name = kind == "measure" ? tr("Measure the original") : stage;
    return kind.isEmpty() || kind == "measure" ? name
                                               : QString("%1 (%2)").arg(name, stageKindName(kind.toStdString()));
}

int RunPanel::stageValue(const QString& stage) const {
    auto it = m_rows.find(stage);
    if (it == m_rows.end())
        return -1;
    return static_cast<QProgressBar*>(m_stages->itemWidget(it->second, ProgressColumn))->value();
}

QString RunPanel::stageStatus(const QString& stage) const {
    auto it = m_rows.find(stage);
    return it == m_rows.end() ? QString() : it->second->text(StatusColumn);
}

QString RunPanel::logText() const {
    return m_log->toPlainText();
}

QString RunPanel::elapsedText() const {
    return m_elapsed->text();
}

QString RunPanel::remainingText() const {
    return m_remaining->text();
}

void RunPanel::setBlocker(const QString& why) {
    m_blockerText = why;
    m_blocker->setText(why);
    m_blocker->setVisible(!why.isEmpty() && !m_running);
    updateButtons();
}

void RunPanel::updateButtons() {
    m_run->setEnabled(!m_running && m_blockerText.isEmpty());
    m_cancel->setEnabled(m_running);
}

QTreeWidgetItem* RunPanel::row(const QString& stage, const QString& kind) {
    if (auto it = m_rows.find(stage); it != m_rows.end())
        return it->second;
    auto* item = new QTreeWidgetItem(m_stages);
    m_kinds[stage] = kind;
    item->setText(StageColumn, stageName(stage, kind));
    auto* bar = new QProgressBar(m_stages);
    bar->setRange(0, 100);
    bar->setValue(0);
    m_stages->setItemWidget(item, ProgressColumn, bar);
    item->setText(StatusColumn, tr("waiting"));
    m_rows[stage] = item;
    return item;
}

void RunPanel::setStatus(const QString& stage, const QString& status) {
    row(stage)->setText(StatusColumn, status);
}

void RunPanel::planned(const QStringList& stages, const QStringList& kinds, int variants) {
    m_stages->clear();
    m_rows.clear();
    m_kinds.clear();
    m_log->clear();
    for (qsizetype i = 0; i < stages.size(); ++i)
        row(stages[i], kinds.value(i));
    m_running = true;
    m_fraction = 0;
    m_overall->setValue(0);
    m_since.start();
    m_clock->start();
    m_blocker->hide();
    tick();
    updateButtons();
    log(tr("Planned %n stage(s), %1 variant(s)", nullptr, int(stages.size())).arg(variants));
}

void RunPanel::stageStarted(const QString& stage, const QString& kind) {
    QTreeWidgetItem* item = row(stage, kind);
    item->setText(StatusColumn, tr("running"));
    m_stages->scrollToItem(item);
    log(tr("Started %1").arg(stage));
}

void RunPanel::stageProgress(const QString& stage, double fraction, double overall, const QString& message) {
    QTreeWidgetItem* item = row(stage);
    static_cast<QProgressBar*>(m_stages->itemWidget(item, ProgressColumn))
        ->setValue(static_cast<int>(std::lround(fraction * 100)));
    if (!message.isEmpty())
        item->setText(StatusColumn, message);
    m_fraction = overall;
    m_overall->setValue(static_cast<int>(std::lround(overall * 100)));
}

void RunPanel::stageFinished(const QString& stage, const QString& message) {
    QTreeWidgetItem* item = row(stage);
    static_cast<QProgressBar*>(m_stages->itemWidget(item, ProgressColumn))->setValue(100);
    setStatus(stage, message.isEmpty() ? tr("done") : message);
    log(tr("Finished %1: %2").arg(stage, message));
}

void RunPanel::stageFailed(const QString& stage, const QString& message) {
    setStatus(stage, tr("failed: %1").arg(message));
    row(stage)->setForeground(StatusColumn, QColor(0xc0, 0x30, 0x30));
    log(tr("Failed %1: %2").arg(stage, message));
}

void RunPanel::stageCancelled(const QString& stage) {
    setStatus(stage, tr("cancelled"));
    log(tr("Cancelled %1").arg(stage));
}

void RunPanel::log(const QString& line) {
    m_log->appendPlainText(QString("[%1] %2").arg(QTime::currentTime().toString("HH:mm:ss"), line));
}

void RunPanel::runEnded(const QString& status) {
    m_running = false;
    m_clock->stop();
    tick();
    m_remaining->clear();
    if (status == "complete")
        m_overall->setValue(100);
    log(status == "complete" ? tr("Run complete") : status == "cancelled" ? tr("Run cancelled") : tr("Run failed"));
    m_blocker->setVisible(!m_blockerText.isEmpty());
    updateButtons();
}

void RunPanel::tick() {
    const qint64 ms = m_since.isValid() ? m_since.elapsed() : 0;
    m_elapsed->setText(tr("elapsed %1").arg(duration(ms)));
    if (m_running && m_fraction >= kEstimateFrom)
        m_remaining->setText(
            tr("about %1 left").arg(duration(static_cast<qint64>(ms * (1 - m_fraction) / m_fraction))));
    else if (m_running)
        m_remaining->setText(tr("estimating…"));
}

} // namespace autoglm::widgets
