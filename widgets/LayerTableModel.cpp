#include "LayerTableModel.h"

#include <QBrush>
#include <QColor>
#include <QLocale>

#include <algorithm>
#include <cmath>
#include <limits>

namespace autoglm::widgets {
namespace {
// Rows without a figure sort below every measured one in either direction's far end, never among them.
constexpr double kUnmeasuredSort = -std::numeric_limits<double>::max();

QString drop(double v, bool points) {
    if (!std::isfinite(v))
        return LayerTableModel::tr("not run");
    return points ? LayerTableModel::tr("%1 points").arg(v, 0, 'f', 3) : LayerTableModel::tr("%1 %").arg(v, 0, 'f', 3);
}
} // namespace

LayerTableModel::LayerTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void LayerTableModel::setLayers(std::vector<LayerSummary> layers) {
    beginResetModel();
    m_layers = std::move(layers);
    m_sensitivity.reset();
    m_worst = 0;
    endResetModel();
}

double LayerTableModel::worstDrop(const SensitivityRow& row) {
    double worst = NAN;
    for (double v : {row.int8Drop, row.int4Drop, row.pruneDrop})
        if (std::isfinite(v))
            worst = std::isfinite(worst) ? std::max(worst, v) : v;
    return worst;
}

void LayerTableModel::setSensitivity(const SensitivityTable& table) {
    m_sensitivity = table;
    m_worst = 0;
    for (const auto& row : table.rows)
        if (const double w = worstDrop(row); std::isfinite(w))
            m_worst = std::max(m_worst, w);
    if (!m_layers.empty())
        Q_EMIT dataChanged(index(0, Sensitivity), index(rowCount() - 1, Sensitivity));
}

void LayerTableModel::clearSensitivity() {
    m_sensitivity.reset();
    m_worst = 0;
    if (!m_layers.empty())
        Q_EMIT dataChanged(index(0, Sensitivity), index(rowCount() - 1, Sensitivity));
}

void LayerTableModel::retranslate() {
    Q_EMIT headerDataChanged(Qt::Horizontal, 0, ColumnCount - 1);
    if (!m_layers.empty()) // the sensitivity cells' texts and tooltips are translated too
        Q_EMIT dataChanged(index(0, Sensitivity), index(rowCount() - 1, Sensitivity));
}

int LayerTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_layers.size());
}

int LayerTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LayerTableModel::sensitivityData(const LayerSummary& layer, int role) const {
    const SensitivityRow* row = m_sensitivity ? m_sensitivity->row(layer.name) : nullptr;
    const double worst = row ? worstDrop(*row) : NAN;
    if (role == SortRole)
        return std::isfinite(worst) ? worst : kUnmeasuredSort;
    if (role == Qt::DisplayRole)
        return std::isfinite(worst) ? QLocale().toString(worst, 'f', 2) : QStringLiteral("—");
    if (role == Qt::ToolTipRole) {
        if (!m_sensitivity)
            return tr("Not analysed yet: Analyze sensitivity measures each layer alone at INT8, INT4 and 50% pruned");
        if (!row || !std::isfinite(worst))
            return row && !row->note.empty() ? tr("Not probed: %1").arg(QString::fromStdString(row->note))
                                              : tr("Not probed: the layer has no weights to compress");
        const bool points = m_sensitivity->higherIsBetter;
        QString tip = tr("Drop of %1 (baseline %2) when this layer alone changes; positive is worse:")
                          .arg(QString::fromStdString(m_sensitivity->metric))
                          .arg(m_sensitivity->baseline, 0, 'f', 4);
        tip += "\n" + tr("INT8 weights: %1").arg(drop(row->int8Drop, points));
        tip += "\n" + tr("INT4 weights: %1").arg(drop(row->int4Drop, points));
        tip += "\n" + tr("%1% pruned: %2").arg(m_sensitivity->pruneSparsity * 100, 0, 'f', 0).arg(drop(row->pruneDrop, points));
        if (!row->note.empty())
            tip += "\n" + QString::fromStdString(row->note);
        return tip;
    }
    if (role == Qt::BackgroundRole && std::isfinite(worst)) {
        // Green (harmless) to red (the table's worst layer). Pale tones under dark text read the same on a
        // light and a dark palette, so the cell sets its text colour too.
        const double t = m_worst > 0 ? std::clamp(worst / m_worst, 0.0, 1.0) : 0.0;
        return QBrush(QColor::fromHsvF(float((1.0 - t) * 120.0 / 360.0), 0.45f, 0.95f));
    }
    if (role == Qt::ForegroundRole && std::isfinite(worst))
        return QBrush(QColor(0x10, 0x10, 0x10));
    return {};
}

QVariant LayerTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const LayerSummary& l = m_layers[static_cast<size_t>(index.row())];
    if (index.column() == Sensitivity) {
        if (role == Qt::TextAlignmentRole)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return sensitivityData(l, role);
    }
    const auto number = [&](int64_t v) -> QVariant {
        if (role == SortRole)
            return QVariant::fromValue<qlonglong>(v);
        return v ? QLocale().toString(static_cast<qlonglong>(v)) : QString();
    };
    if (role == Qt::TextAlignmentRole)
        return index.column() >= Parameters ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    if (role != Qt::DisplayRole && role != SortRole && role != Qt::ToolTipRole)
        return {};
    switch (index.column()) {
    case Name:
        return QString::fromStdString(l.name);
    case Op:
        return QString::fromStdString(l.opType);
    case InputShape:
        return QString::fromStdString(l.inputShape);
    case OutputShape:
        return QString::fromStdString(l.outputShape);
    case WeightShape:
        return QString::fromStdString(l.weightShape);
    case Parameters:
        return number(l.parameters);
    case Macs:
        return number(l.macs);
    case Bytes:
        return number(l.weightBytes);
    default:
        return {};
    }
}

QVariant LayerTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation == Qt::Horizontal && section == Sensitivity && role == Qt::ToolTipRole)
        return tr("The worst drop of the task metric when this layer alone gets INT8 or INT4 weights or is pruned "
                  "(points of top-1/agreement, or percent of perplexity)");
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Name:
        return tr("Layer");
    case Op:
        return tr("Op");
    case InputShape:
        return tr("Input shape");
    case OutputShape:
        return tr("Output shape");
    case WeightShape:
        return tr("Weight shape");
    case Parameters:
        return tr("Parameters");
    case Macs:
        return tr("MACs");
    case Bytes:
        return tr("Bytes");
    case Sensitivity:
        return tr("Sensitivity");
    default:
        return {};
    }
}

} // namespace autoglm::widgets
