#include "widgets/PlotTheme.h"

#include "widgets/QCustomPlotInclude.h"

#include <QPalette>

namespace autoglm::widgets {

void applyPlotPalette(QCustomPlot* plot, const QPalette& palette) {
    const QColor text = palette.color(QPalette::Text);
    QColor grid = palette.color(QPalette::Mid);
    grid.setAlpha(110);
    plot->setBackground(palette.brush(QPalette::Base));
    plot->axisRect()->setBackground(palette.brush(QPalette::Base));
    for (QCPAxis* axis : plot->axisRect()->axes()) {
        axis->setBasePen(QPen(text));
        axis->setTickPen(QPen(text));
        axis->setSubTickPen(QPen(text));
        axis->setLabelColor(text);
        axis->setTickLabelColor(text);
        axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
        axis->grid()->setZeroLinePen(QPen(grid));
    }
    plot->legend->setBrush(palette.brush(QPalette::Base));
    plot->legend->setBorderPen(QPen(text));
    plot->legend->setTextColor(text);
    plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace autoglm::widgets
