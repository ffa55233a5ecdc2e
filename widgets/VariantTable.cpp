#include "widgets/VariantTable.h"

#include "widgets/VariantTableModel.h"

#include <QEvent>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace autoglm::widgets {

VariantTable::VariantTable(VariantTableModel* model, QWidget* parent)
    : QWidget(parent), m_model(model), m_proxy(new QSortFilterProxyModel(this)), m_view(new QTableView(this)) {
    m_proxy->setSourceModel(model);
    m_proxy->setSortRole(VariantTableModel::SortRole);
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setSectionResizeMode(VariantTableModel::Description, QHeaderView::Stretch);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& at) {
        if (at.isValid())
            Q_EMIT variantSelected(at.data(VariantTableModel::IdRole).toString());
    });
}

QString VariantTable::selectedVariant() const {
    const QModelIndex at = m_view->currentIndex();
    return at.isValid() ? at.data(VariantTableModel::IdRole).toString() : QString();
}

void VariantTable::selectVariant(const QString& id) {
    if (id == selectedVariant())
        return;
    const int row = m_model->rowOf(id);
    if (row < 0)
        return;
    const QModelIndex at = m_proxy->mapFromSource(m_model->index(row, 0));
    m_view->setCurrentIndex(at);
    m_view->scrollTo(at);
}

void VariantTable::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        m_model->retranslate();
    QWidget::changeEvent(event);
}

} // namespace autoglm::widgets
