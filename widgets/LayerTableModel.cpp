#include "LayerTableModel.h"

#include <QLocale>

namespace autoglm::widgets {

LayerTableModel::LayerTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void LayerTableModel::setLayers(std::vector<LayerSummary> layers) {
    beginResetModel();
    m_layers = std::move(layers);
    endResetModel();
}

int LayerTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_layers.size());
}

int LayerTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LayerTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const LayerSummary& l = m_layers[static_cast<size_t>(index.row())];
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
    default:
        return {};
    }
}

} // namespace autoglm::widgets
