#include "widgets/TradeoffPlot.h"

#include "widgets/PlotTheme.h"
#include "widgets/QCustomPlotInclude.h"

#include <QEvent>

#include <QFile>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QSvgGenerator>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace autoglm::widgets {
namespace {
enum Graph { Variants, Front, Original, Selected };
constexpr double kPickRadius = 10; // pixels

double xOf(const VariantResult& v, TradeoffPlot::Axis axis) {
    return axis == TradeoffPlot::Latency ? v.latencyMedianMs : double(v.fileBytes) / 1024.0;
}
// The graphs of each plot, in the order the constructor adds them.
constexpr int kVariantsGraph = 0;
constexpr int kFrontGraph = 1;
constexpr int kOriginalGraph = 2;
} // namespace

TradeoffPlot::TradeoffPlot(QWidget* parent) : QWidget(parent) {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    for (Axis axis : {Latency, Size}) {
        auto* plot = new QCustomPlot(this);
        m_plots[axis] = plot;
        plot->setMinimumSize(260, 200);
        QCPGraph* variants = plot->addGraph();
        variants->setLineStyle(QCPGraph::lsNone);
        variants->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, QColor(0x3c, 0x6e, 0xc0), 8));
        QCPGraph* front = plot->addGraph();
        front->setPen(QPen(QColor(0xe0, 0x80, 0x20), 2));
        front->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QColor(0xe0, 0x80, 0x20), 11));
        QCPGraph* original = plot->addGraph();
        original->setLineStyle(QCPGraph::lsNone);
        original->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssStar, QPen(Qt::black, 2), Qt::NoBrush, 14));
        QCPGraph* selected = plot->addGraph();
        selected->setLineStyle(QCPGraph::lsNone);
        selected->setScatterStyle(
            QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(QColor(0xd0, 0x30, 0x30), 2.5), Qt::NoBrush, 18));
        selected->removeFromLegend();
        plot->legend->setVisible(true);
        plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);
        layout->addWidget(plot);
        connect(plot, &QCustomPlot::mouseMove, this, [this, axis](QMouseEvent* event) {
            const Point* p = nearest(axis, event->position());
            if (p)
                QToolTip::showText(event->globalPosition().toPoint(), p->text, m_plots[axis]);
            else
                QToolTip::hideText();
        });
        connect(plot, &QCustomPlot::mousePress, this, [this, axis](QMouseEvent* event) {
            if (const Point* p = nearest(axis, event->position())) {
                selectVariant(p->id);
                Q_EMIT variantSelected(p->id);
            }
        });
    }
    retranslateUi();
    applyPalette();
}

void TradeoffPlot::retranslateUi() {
    for (Axis axis : {Latency, Size}) {
        QCustomPlot* plot = m_plots[axis];
        plot->xAxis->setLabel(axis == Latency ? tr("Latency (ms)") : tr("File size (KB)"));
        plot->yAxis->setLabel(tr("Metric"));
        plot->graph(kVariantsGraph)->setName(tr("Variants"));
        plot->graph(kFrontGraph)->setName(tr("Pareto front"));
        plot->graph(kOriginalGraph)->setName(tr("Original"));
        rebuild(axis); // the points' tooltips
    }
}

void TradeoffPlot::applyPalette() {
    for (QCustomPlot* plot : m_plots) {
        // The original's star in the text colour: black would vanish on a dark background.
        QCPScatterStyle star = plot->graph(kOriginalGraph)->scatterStyle();
        star.setPen(QPen(palette().color(QPalette::Text), 2));
        plot->graph(kOriginalGraph)->setScatterStyle(star);
        applyPlotPalette(plot, palette());
    }
}

void TradeoffPlot::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    else if (event->type() == QEvent::PaletteChange)
        applyPalette();
    QWidget::changeEvent(event);
}

void TradeoffPlot::clear() {
    setResults(RunResults{});
}

void TradeoffPlot::setResults(const RunResults& results) {
    m_results = results;
    rebuild(Latency);
    rebuild(Size);
}

void TradeoffPlot::rebuild(Axis axis) {
    QCustomPlot* plot = m_plots[axis];
    std::vector<Point>& points = m_points[axis];
    points.clear();
    QVector<double> vx, vy, fx, fy, ox, oy;
    std::vector<std::pair<double, double>> front;
    auto describe = [&](const VariantResult& v, double x) {
        const QString xText = axis == Latency ? tr("%1 ms").arg(x, 0, 'f', 3) : tr("%1 KB").arg(x, 0, 'f', 1);
        return tr("%1\n%2\n%3 %4, %5")
            .arg(v.id == "original" ? tr("original") : QString::fromStdString(v.id),
                 QString::fromStdString(v.description), QString::fromStdString(v.primaryMetric))
            .arg(v.primary(), 0, 'f', 4)
            .arg(xText);
    };
    auto add = [&](const VariantResult& v) -> bool {
        const double x = xOf(v, axis), y = v.primary();
        if (v.status != "ok" || std::isnan(y) || x < 0 || (axis == Size && v.fileBytes <= 0))
            return false;
        points.push_back({QString::fromStdString(v.id), x, y, describe(v, x)});
        if (axis == Latency ? v.paretoLatency : v.paretoSize)
            front.emplace_back(x, y);
        return true;
    };
    if (!m_results.original.id.empty() && add(m_results.original)) {
        ox << points.back().x;
        oy << points.back().y;
    }
    for (const auto& v : m_results.variants)
        if (add(v)) {
            vx << points.back().x;
            vy << points.back().y;
        }
    std::sort(front.begin(), front.end());
    for (const auto& [x, y] : front) {
        fx << x;
        fy << y;
    }
    plot->graph(Variants)->setData(vx, vy);
    plot->graph(Front)->setData(fx, fy, true);
    plot->graph(Original)->setData(ox, oy);
    if (!m_results.original.primaryMetric.empty())
        plot->yAxis->setLabel(QString::fromStdString(m_results.original.primaryMetric));
    QVector<double> sx, sy;
    for (const Point& p : points)
        if (p.id == m_selected) {
            sx << p.x;
            sy << p.y;
        }
    plot->graph(Selected)->setData(sx, sy);
    plot->rescaleAxes();
    // Room around the points so markers at the edges stay whole.
    for (QCPAxis* a : {plot->xAxis, plot->yAxis}) {
        const QCPRange r = a->range();
        const double pad = r.size() > 0 ? r.size() * 0.08 : std::max(std::abs(r.center()) * 0.05, 1e-3);
        a->setRange(r.lower - pad, r.upper + pad);
    }
    plot->replot(QCustomPlot::rpQueuedReplot);
}

int TradeoffPlot::variantPoints(Axis axis) const {
    return m_plots[axis]->graph(Variants)->dataCount();
}

int TradeoffPlot::frontPoints(Axis axis) const {
    return m_plots[axis]->graph(Front)->dataCount();
}

QPointF TradeoffPlot::pixelOf(Axis axis, const QString& id) const {
    for (const Point& p : m_points[axis])
        if (p.id == id)
            return {m_plots[axis]->xAxis->coordToPixel(p.x), m_plots[axis]->yAxis->coordToPixel(p.y)};
    return {-1, -1};
}

const TradeoffPlot::Point* TradeoffPlot::nearest(Axis axis, const QPointF& pixel) const {
    const Point* best = nullptr;
    double bestDistance = kPickRadius;
    for (const Point& p : m_points[axis]) {
        const double dx = m_plots[axis]->xAxis->coordToPixel(p.x) - pixel.x();
        const double dy = m_plots[axis]->yAxis->coordToPixel(p.y) - pixel.y();
        const double d = std::hypot(dx, dy);
        if (d <= bestDistance) {
            bestDistance = d;
            best = &p;
        }
    }
    return best;
}

void TradeoffPlot::selectVariant(const QString& id) {
    if (id == m_selected)
        return;
    m_selected = id;
    rebuild(Latency);
    rebuild(Size);
}

QString TradeoffPlot::saveChart(Axis axis, const QString& file) const {
    QCustomPlot* plot = m_plots[axis];
    const QString suffix = QFileInfo(file).suffix().toLower();
    const int w = std::max(plot->width(), 640), h = std::max(plot->height(), 420);
    // Written beside the target and renamed, so a failed write never leaves half a chart under its name.
    const QString part = file + ".part";
    QFile::remove(part);
    bool ok = false;
    if (suffix == "png") {
        ok = plot->savePng(part, w, h);
    } else if (suffix == "pdf") {
        ok = plot->savePdf(part, w, h);
    } else if (suffix == "svg") {
        // QCustomPlot has no SVG writer; its painter draws into Qt's SVG generator.
        QSvgGenerator svg;
        svg.setFileName(part);
        svg.setSize(QSize(w, h));
        svg.setViewBox(QRect(0, 0, w, h));
        svg.setTitle(plot->xAxis->label());
        QCPPainter painter;
        ok = painter.begin(&svg);
        if (ok) {
            plot->toPainter(&painter, w, h);
            painter.end();
        }
    } else {
        return tr("Charts are saved as .png, .svg or .pdf, not '%1'").arg(suffix);
    }
    if (ok) {
        QFile::remove(file);
        ok = QFile::rename(part, file);
    }
    QFile::remove(part);
    return ok ? QString() : tr("Could not write %1").arg(file);
}

} // namespace autoglm::widgets
