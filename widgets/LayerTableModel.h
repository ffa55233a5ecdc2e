#pragma once
// Table model over a ModelSummary's layers: name, op, input/output shapes, weight shape, params, MACs, bytes.

#include "pipeline/model/ModelSummary.h"

#include <QAbstractTableModel>

namespace autoglm::widgets {

class LayerTableModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { Name, Op, InputShape, OutputShape, WeightShape, Parameters, Macs, Bytes, ColumnCount };

    explicit LayerTableModel(QObject* parent = nullptr);

    void setLayers(std::vector<LayerSummary> layers);
    const std::vector<LayerSummary>& layers() const { return m_layers; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // The raw value used for sorting (numbers sort as numbers, not as text).
    static constexpr int SortRole = Qt::UserRole + 1;

private:
    std::vector<LayerSummary> m_layers;
};

} // namespace autoglm::widgets
