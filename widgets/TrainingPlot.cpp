#include "widgets/TrainingPlot.h"

#include "widgets/PlotTheme.h"
#include "widgets/QCustomPlotInclude.h"

#include <QEvent>

#include <QVBoxLayout>

namespace autoglm::widgets {
namespace {
const QList<QColor> kColours{QColor(0x3c, 0x6e, 0xc0), QColor(0xe0, 0x80, 0x20), QColor(0x2f, 0x8f, 0x5b),
                             QColor(0x7a, 0x4c, 0xb0), QColor(0xc0, 0x5a, 0x3c), QColor(0x50, 0x50, 0x50)};
}

TrainingPlot::TrainingPlot(QWidget* parent) : QWidget(parent), m_plot(new QCustomPlot(this)) {
    m_plot->yAxis2->setVisible(true);
    retranslateUi();
    applyPlotPalette(m_plot, palette());
    m_plot->legend->setVisible(true);
    m_plot->setMinimumSize(260, 200);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
}

void TrainingPlot::retranslateUi() {
    m_plot->xAxis->setLabel(tr("Step"));
    m_plot->yAxis->setLabel(tr("Loss"));
    m_plot->yAxis2->setLabel(tr("Validation"));
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void TrainingPlot::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    else if (event->type() == QEvent::PaletteChange)
        applyPlotPalette(m_plot, palette());
    QWidget::changeEvent(event);
}

QCPGraph* TrainingPlot::curve(const QString& stage, const QString& metric) {
    const QString key = stage + "\n" + metric;
    if (QCPGraph* g = m_curves.value(key))
        return g;
    const bool validation = metric.startsWith("validation");
    QCPGraph* g = m_plot->addGraph(m_plot->xAxis, validation ? m_plot->yAxis2 : m_plot->yAxis);
    QPen pen(kColours[int(m_curves.size()) % kColours.size()], validation ? 2 : 1.2);
    g->setPen(pen);
    if (validation)
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 5));
    g->setName(QString("%1: %2").arg(stage, metric));
    m_curves.insert(key, g);
    return g;
}

void TrainingPlot::addMetrics(const QString& stage, const QVariantMap& metrics) {
    if (!metrics.contains("step"))
        return;
    const double step = metrics.value("step").toDouble();
    for (auto it = metrics.begin(); it != metrics.end(); ++it)
        if (it.key() != "step" && it.key() != "lr")
            curve(stage, it.key())->addData(step, it.value().toDouble());
    m_plot->rescaleAxes();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void TrainingPlot::clear() {
    m_plot->clearGraphs();
    m_curves.clear();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

int TrainingPlot::pointCount(const QString& stage, const QString& metric) const {
    QCPGraph* g = m_curves.value(stage + "\n" + metric);
    return g ? g->dataCount() : 0;
}

} // namespace autoglm::widgets
