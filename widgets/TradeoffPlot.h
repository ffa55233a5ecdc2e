#pragma once
// The trade-off plots (QCustomPlot): the task metric against latency and against file size, one point per
// measured variant, the original marked, the Pareto front drawn through the variants no other beats on both
// axes (the core's flags). Hovering a point names the variant, clicking selects it. Fed a results table each
// time a variant is measured, so the plots grow while a run goes.

#include "pipeline/runner/RunResults.h"

#include <QString>
#include <QWidget>

#include <vector>

class QCustomPlot;

namespace autoglm::widgets {

class TradeoffPlot : public QWidget {
    Q_OBJECT

public:
    enum Axis { Latency, Size };

    explicit TradeoffPlot(QWidget* parent = nullptr);

    void setResults(const RunResults& results);
    void clear();
    QCustomPlot* plot(Axis axis) const { return m_plots[axis]; }
    // Points drawn for variants (the original excluded) on `axis`.
    int variantPoints(Axis axis) const;
    int frontPoints(Axis axis) const;
    QString selectedVariant() const { return m_selected; }
    // Where variant `id` is drawn on `axis`, in the plot widget's pixels (for tests); (-1, -1) if nowhere.
    QPointF pixelOf(Axis axis, const QString& id) const;
    // Writes one chart as PNG, PDF or SVG (by the suffix); empty on success, else the reason.
    QString saveChart(Axis axis, const QString& file) const;

public Q_SLOTS:
    void selectVariant(const QString& id);

Q_SIGNALS:
    void variantSelected(const QString& id);

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslateUi();
    void applyPalette();
    struct Point {
        QString id;
        double x = 0;
        double y = 0;
        QString text;
    };
    void rebuild(Axis axis);
    const Point* nearest(Axis axis, const QPointF& pixel) const;

    QCustomPlot* m_plots[2];
    std::vector<Point> m_points[2]; // original included, first
    RunResults m_results;
    QString m_selected;
};

} // namespace autoglm::widgets
