#pragma once
// Table model over a ModelSummary's layers: name, op, input/output shapes, weight shape, params, MACs, bytes,
// and the per-layer sensitivity once an analysis of this model has run (the core's SensitivityTable).

#include "pipeline/model/ModelSummary.h"
#include "pipeline/runner/Sensitivity.h"

#include <QAbstractTableModel>

#include <optional>

namespace autoglm::widgets {

class LayerTableModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { Name, Op, InputShape, OutputShape, WeightShape, Parameters, Macs, Bytes, Sensitivity, ColumnCount };

    explicit LayerTableModel(QObject* parent = nullptr);

    // New layers belong to another model: any sensitivity shown so far is dropped with the old ones.
    void setLayers(std::vector<LayerSummary> layers);
    const std::vector<LayerSummary>& layers() const { return m_layers; }
    // The analysis of the model whose layers are shown; clearSensitivity() returns to "not analysed".
    void setSensitivity(const SensitivityTable& table);
    void clearSensitivity();
    bool hasSensitivity() const { return m_sensitivity.has_value(); }
    const std::optional<SensitivityTable>& sensitivity() const { return m_sensitivity; }
    // The worst of a row's probes (INT8, INT4, prune), in the table's unit; NaN where nothing was measured.
    static double worstDrop(const SensitivityRow& row);
    // Headers are asked for again (after a language change).
    void retranslate();

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // The raw value used for sorting (numbers sort as numbers, not as text).
    static constexpr int SortRole = Qt::UserRole + 1;

private:
    QVariant sensitivityData(const LayerSummary& layer, int role) const;

    std::vector<LayerSummary> m_layers;
    std::optional<SensitivityTable> m_sensitivity;
    double m_worst = 0; // largest worst-probe drop of the table: the red end of the heat scale
};

} // namespace autoglm::widgets
