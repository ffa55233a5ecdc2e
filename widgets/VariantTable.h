#pragma once
// The variant table view: sortable by any column (numbers sort as numbers), deltas coloured, selection
// shared with the trade-off plot through variant ids.

#include <QWidget>

class QSortFilterProxyModel;
class QTableView;

namespace autoglm::widgets {

class VariantTableModel;

class VariantTable : public QWidget {
    Q_OBJECT

public:
    explicit VariantTable(VariantTableModel* model, QWidget* parent = nullptr);

    QTableView* view() const { return m_view; }
    QString selectedVariant() const;

public Q_SLOTS:
    void selectVariant(const QString& id);

Q_SIGNALS:
    void variantSelected(const QString& id);

protected:
    void changeEvent(QEvent* event) override;

private:
    VariantTableModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QTableView* m_view;
};

} // namespace autoglm::widgets
