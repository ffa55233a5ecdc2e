#pragma once
// The model inspector: a summary header (inputs, outputs, parameters, size, opset) over a filterable,
// sortable layer table.

#include "pipeline/model/ModelSummary.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace autoglm::widgets {

class LayerTableModel;

class ModelInspector : public QWidget {
    Q_OBJECT

public:
    explicit ModelInspector(QWidget* parent = nullptr);

    void setSummary(const ModelSummary& summary);
    void clear();

    LayerTableModel* layerModel() const { return m_model; }
    QTableView* table() const { return m_table; }
    QLineEdit* filter() const { return m_filter; }
    QString headerText() const;

private:
    QLabel* m_header;
    QLineEdit* m_filter;
    QTableView* m_table;
    LayerTableModel* m_model;
    QSortFilterProxyModel* m_proxy;
};

} // namespace autoglm::widgets
