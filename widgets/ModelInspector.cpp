#include "ModelInspector.h"

#include "LayerTableModel.h"

#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace autoglm::widgets {

ModelInspector::ModelInspector(QWidget* parent)
    : QWidget(parent), m_header(new QLabel(this)), m_filter(new QLineEdit(this)), m_table(new QTableView(this)),
      m_model(new LayerTableModel(this)), m_proxy(new QSortFilterProxyModel(this)) {
    m_header->setTextFormat(Qt::RichText);
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_header->setWordWrap(true);
    m_filter->setPlaceholderText(tr("Filter layers by name or op…"));
    m_filter->setClearButtonEnabled(true);

    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(LayerTableModel::SortRole);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterKeyColumn(-1); // match any column: names and op types alike
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(-1, Qt::AscendingOrder); // execution order until the user sorts
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_table->horizontalHeader()->setStretchLastSection(false);
    m_table->horizontalHeader()->setSectionResizeMode(LayerTableModel::Name, QHeaderView::Stretch);
    m_table->verticalHeader()->setVisible(false);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_header);
    layout->addWidget(m_filter);
    layout->addWidget(m_table, 1);

    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    clear();
}

void ModelInspector::setSummary(const ModelSummary& s) {
    const QLocale locale;
    auto tensors = [](const std::vector<TensorSummary>& list) {
        QStringList parts;
        for (const auto& t : list)
            parts << QString("<b>%1</b> %2 %3")
                         .arg(QString::fromStdString(t.name).toHtmlEscaped(), QString::fromStdString(t.dtype),
                              QString::fromStdString(t.shape));
        return parts.join(", ");
    };
    QString text = QString("<b>%1</b><br>").arg(QString::fromStdString(s.source).toHtmlEscaped());
    text += tr("Inputs: %1<br>Outputs: %2<br>").arg(tensors(s.inputs), tensors(s.outputs));
    text += tr("Parameters: %1 · Weights: %2 · File: %3 · Opset: %4 · Producer: %5")
                .arg(locale.toString(static_cast<qlonglong>(s.parameters)), locale.formattedDataSize(s.weightBytes),
                     locale.formattedDataSize(s.fileBytes))
                .arg(s.opset)
                .arg(QString::fromStdString(s.producer).toHtmlEscaped());
    if (s.macsNote.empty())
        text += "<br>" + tr("MACs: %1 (for %2)")
                             .arg(locale.toString(static_cast<qlonglong>(s.totalMacs)),
                                  QString::fromStdString(s.macsInputShape).toHtmlEscaped());
    else
        text += "<br>" + QString::fromStdString(s.macsNote).toHtmlEscaped();
    m_header->setText(text);
    m_model->setLayers(s.layers);
    m_table->resizeColumnsToContents();
}

void ModelInspector::clear() {
    m_header->setText(tr("Drop an ONNX model or a Hugging Face checkpoint folder here, or use File ▸ Open."));
    m_model->setLayers({});
}

QString ModelInspector::headerText() const {
    return m_header->text();
}

} // namespace autoglm::widgets
