#include "ModelInspector.h"

#include "LayerTableModel.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include <cmath>

namespace autoglm::widgets {

ModelInspector::ModelInspector(QWidget* parent)
    : QWidget(parent), m_header(new QLabel(this)), m_filter(new QLineEdit(this)), m_analyze(new QPushButton(this)),
      m_cancel(new QPushButton(this)), m_progress(new QProgressBar(this)), m_analysisMessage(new QLabel(this)),
      m_table(new QTableView(this)), m_model(new LayerTableModel(this)), m_proxy(new QSortFilterProxyModel(this)) {
    m_header->setTextFormat(Qt::RichText);
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_header->setWordWrap(true);
    m_filter->setClearButtonEnabled(true);
    m_progress->setRange(0, 100);
    m_progress->hide();
    m_analysisMessage->setWordWrap(true);

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

    auto* tools = new QHBoxLayout;
    tools->addWidget(m_filter, 1);
    tools->addWidget(m_analyze);
    tools->addWidget(m_progress);
    tools->addWidget(m_cancel);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_header);
    layout->addLayout(tools);
    layout->addWidget(m_analysisMessage);
    layout->addWidget(m_table, 1);

    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_analyze, &QPushButton::clicked, this, &ModelInspector::analyzeRequested);
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        m_cancel->setEnabled(false); // one request is enough; the worker stops at its next check
        Q_EMIT cancelAnalysisRequested();
    });
    retranslateUi();
    clear();
}

void ModelInspector::retranslateUi() {
    m_filter->setPlaceholderText(tr("Filter layers by name or op…"));
    m_analyze->setText(tr("Analyze sensitivity"));
    m_analyze->setToolTip(tr("Measure each layer alone at INT8, INT4 and 50% pruned on the pipeline's evaluation "
                             "data, and colour the Sensitivity column by the drop"));
    m_cancel->setText(tr("Cancel"));
    m_cancel->setToolTip(tr("Stop the analysis; nothing is shown from it"));
    showHeader();
    m_model->retranslate();
    if (m_model->hasSensitivity() && !m_running)
        showSensitivityMessage();
}

void ModelInspector::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QWidget::changeEvent(event);
}

void ModelInspector::showHeader() {
    if (!m_summary) {
        m_header->setText(tr("Drop an ONNX model or a Hugging Face checkpoint folder here, or use File ▸ Open."));
        return;
    }
    const ModelSummary& s = *m_summary;
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
}

void ModelInspector::setSummary(const ModelSummary& s) {
    m_summary = s;
    showHeader();
    m_model->setLayers(s.layers);
    m_analysisMessage->clear();
    setRunning(false);
    m_table->resizeColumnsToContents();
}

void ModelInspector::clear() {
    m_summary.reset();
    showHeader();
    m_model->setLayers({});
    m_analysisMessage->clear();
    setRunning(false);
}

QString ModelInspector::headerText() const {
    return m_header->text();
}

QString ModelInspector::analysisMessage() const {
    return m_analysisMessage->text();
}

void ModelInspector::setRunning(bool running) {
    m_running = running;
    m_analyze->setEnabled(!running && m_summary.has_value());
    m_cancel->setEnabled(running);
    m_cancel->setVisible(running);
    m_progress->setVisible(running);
}

void ModelInspector::analysisStarted() {
    m_progress->setValue(0);
    m_analysisMessage->setText(tr("Analysing sensitivity…"));
    setRunning(true);
}

void ModelInspector::analysisProgressed(double fraction, const QString& message) {
    m_progress->setValue(static_cast<int>(std::lround(fraction * 100)));
    if (!message.isEmpty())
        m_analysisMessage->setText(tr("Analysing sensitivity: %1").arg(message));
}

void ModelInspector::setSensitivity(const SensitivityTable& table) {
    setRunning(false);
    m_model->setSensitivity(table);
    showSensitivityMessage();
    m_table->resizeColumnToContents(LayerTableModel::Sensitivity);
}

void ModelInspector::showSensitivityMessage() {
    const SensitivityTable& table = *m_model->sensitivity();
    m_analysisMessage->setText(
        tr("Sensitivity on %1 (baseline %2): the worst of INT8, INT4 and pruning per layer, in %3")
            .arg(QString::fromStdString(table.metric))
            .arg(table.baseline, 0, 'f', 4)
            .arg(table.higherIsBetter ? tr("points") : tr("percent")));
}

void ModelInspector::analysisStopped(const QString& message) {
    setRunning(false);
    m_analysisMessage->setText(message);
}

} // namespace autoglm::widgets
