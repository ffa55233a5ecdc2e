#pragma once
// QCustomPlot draws with its own colours, not the widget palette: this gives a plot the palette's colours
// (background, axes, labels, grid, legend), so the charts follow a light or dark theme when it changes.

class QCustomPlot;
class QPalette;

namespace autoglm::widgets {

void applyPlotPalette(QCustomPlot* plot, const QPalette& palette);

} // namespace autoglm::widgets
