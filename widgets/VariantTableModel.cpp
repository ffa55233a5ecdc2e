#include "widgets/VariantTableModel.h"

#include <QBrush>
#include <QColor>

#include <cmath>

namespace autoglm::widgets {
namespace {
const QColor kBetter(0x1f, 0x8a, 0x3b);
const QColor kWorse(0xc0, 0x30, 0x30);

// Change against the original as a fraction (NaN when either side is unknown).
double change(double value, double original) {
    return value >= 0 && original > 0 ? value / original - 1 : NAN;
}

QString percent(double fraction) {
    return std::isnan(fraction) ? QString()
                                : QString("%1%2%").arg(fraction > 0 ? "+" : "").arg(fraction * 100, 0, 'f', 1);
}
} // namespace

VariantTableModel::VariantTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void VariantTableModel::clear() {
    beginResetModel();
    m_results = RunResults{};
    endResetModel();
    Q_EMIT resultsChanged();
}

void VariantTableModel::setResults(const RunResults& results) {
    beginResetModel();
    m_results = results;
    computeComparisons(m_results);
    endResetModel();
    Q_EMIT resultsChanged();
}

void VariantTableModel::addVariant(const VariantResult& variant) {
    beginResetModel(); // comparisons of every row change with each new one
    if (variant.id == "original") {
        m_results.original = variant;
    } else {
        auto it = std::find_if(m_results.variants.begin(), m_results.variants.end(),
                               [&](const VariantResult& v) { return v.id == variant.id; });
        if (it != m_results.variants.end())
            *it = variant;
        else
            m_results.variants.push_back(variant);
    }
    computeComparisons(m_results);
    endResetModel();
    Q_EMIT resultsChanged();
}

const VariantResult* VariantTableModel::row(int r) const {
    if (hasOriginal()) {
        if (r == 0)
            return &m_results.original;
        --r;
    }
    return r >= 0 && size_t(r) < m_results.variants.size() ? &m_results.variants[size_t(r)] : nullptr;
}

void VariantTableModel::retranslate() {
    Q_EMIT headerDataChanged(Qt::Horizontal, 0, ColumnCount - 1);
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

int VariantTableModel::rowOf(const QString& id) const {
    for (int r = 0; r < rowCount(); ++r)
        if (QString::fromStdString(row(r)->id) == id)
            return r;
    return -1;
}

int VariantTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_results.variants.size()) + (hasOriginal() ? 1 : 0);
}

int VariantTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant VariantTableModel::data(const QModelIndex& index, int role) const {
    const VariantResult* v = row(index.row());
    if (!v)
        return {};
    const VariantResult& o = m_results.original;
    const bool isOriginal = v == &m_results.original;
    const double sizeChange = isOriginal ? NAN : change(double(v->fileBytes), double(o.fileBytes));
    const double latencyChange = isOriginal ? NAN : change(v->latencyMedianMs, o.latencyMedianMs);
    const double metric = v->primary();
    const double metricChange = isOriginal ? NAN : v->delta;
    if (role == IdRole)
        return QString::fromStdString(v->id);
    if (role == SortRole) {
        switch (index.column()) {
        case Size:
            return qlonglong(v->fileBytes);
        case SizeChange:
            return std::isnan(sizeChange) ? -1e300 : sizeChange;
        case Latency:
            return v->latencyMedianMs;
        case LatencyChange:
            return std::isnan(latencyChange) ? -1e300 : latencyChange;
        case Metric:
            return std::isnan(metric) ? -1e300 : metric;
        case MetricChange:
            return std::isnan(metricChange) ? -1e300 : metricChange;
        case Sparsity:
            return v->sparsity();
        case Pareto:
            return int(v->paretoSize) + int(v->paretoLatency);
        default:
            return data(index, Qt::DisplayRole);
        }
    }
    if (role == Qt::ForegroundRole) {
        // Smaller and faster are better; the metric by its own direction.
        auto colour = [](double c, bool higherBetter) -> QVariant {
            if (std::isnan(c) || c == 0)
                return {};
            return QBrush((c > 0) == higherBetter ? kBetter : kWorse);
        };
        switch (index.column()) {
        case SizeChange:
            return colour(sizeChange, false);
        case LatencyChange:
            return colour(latencyChange, false);
        case MetricChange:
            return colour(metricChange, v->higherIsBetter);
        case Status:
            return v->status == "ok" ? QVariant() : QVariant(QBrush(kWorse));
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole && index.column() == Status && !v->error.empty())
        return QString::fromStdString(v->error);
    if (role == Qt::TextAlignmentRole && index.column() >= Size)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Variant:
        return isOriginal ? tr("original") : QString::fromStdString(v->id);
    case Description:
        return QString::fromStdString(v->description);
    case Status:
        return v->status == "ok" ? tr("ok") : v->status == "failed" ? tr("failed") : tr("cancelled");
    case Size:
        return v->fileBytes > 0 ? tr("%1 KB").arg(double(v->fileBytes) / 1024, 0, 'f', 1) : QString();
    case SizeChange:
        return percent(sizeChange);
    case Latency:
        return v->latencyMedianMs >= 0 ? tr("%1 ms").arg(v->latencyMedianMs, 0, 'f', 3) : QString();
    case LatencyChange:
        return percent(latencyChange);
    case Metric:
        return std::isnan(metric)
                   ? QString()
                   : QString("%1 %2").arg(QString::fromStdString(v->primaryMetric)).arg(metric, 0, 'f', 4);
    case MetricChange:
        return std::isnan(metricChange) ? QString()
                                        : QString("%1%2").arg(metricChange > 0 ? "+" : "").arg(metricChange, 0, 'f', 4);
    case Sparsity:
        return v->parameterCount > 0 ? QString("%1%").arg(v->sparsity() * 100, 0, 'f', 1) : QString();
    case Pareto: {
        QStringList fronts;
        if (v->paretoSize)
            fronts << tr("size");
        if (v->paretoLatency)
            fronts << tr("latency");
        return fronts.join(", ");
    }
    default:
        return {};
    }
}

QVariant VariantTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Variant:
        return tr("Variant");
    case Description:
        return tr("Stages");
    case Status:
        return tr("Status");
    case Size:
        return tr("File size");
    case SizeChange:
        return tr("Δ size");
    case Latency:
        return tr("Latency");
    case LatencyChange:
        return tr("Δ latency");
    case Metric:
        return tr("Metric");
    case MetricChange:
        return tr("Δ metric");
    case Sparsity:
        return tr("Sparsity");
    case Pareto:
        return tr("Pareto front");
    default:
        return {};
    }
}

} // namespace autoglm::widgets
