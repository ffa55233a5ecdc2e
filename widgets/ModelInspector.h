#pragma once
// The model inspector: a summary header (inputs, outputs, parameters, size, opset) over a filterable,
// sortable layer table, and the controls of a per-layer sensitivity analysis (which the studio runs on a
// worker; the inspector only shows what it is told).

#include "pipeline/model/ModelSummary.h"
#include "pipeline/runner/Sensitivity.h"

#include <QWidget>

#include <optional>

class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace autoglm::widgets {

class LayerTableModel;

class ModelInspector : public QWidget {
    Q_OBJECT

public:
    explicit ModelInspector(QWidget* parent = nullptr);

    // A new model: its layers, and no sensitivity (figures of another model would mislead).
    void setSummary(const ModelSummary& summary);
    void clear();

    LayerTableModel* layerModel() const { return m_model; }
    QTableView* table() const { return m_table; }
    QLineEdit* filter() const { return m_filter; }
    QPushButton* analyzeButton() const { return m_analyze; }
    QPushButton* cancelAnalysisButton() const { return m_cancel; }
    QProgressBar* analysisProgress() const { return m_progress; }
    QString headerText() const;
    QString analysisMessage() const;

public Q_SLOTS:
    void analysisStarted();
    void analysisProgressed(double fraction, const QString& message);
    void setSensitivity(const autoglm::SensitivityTable& table);
    // The analysis ended without figures (failed, cancelled, or could not start): `message` says why.
    void analysisStopped(const QString& message);

Q_SIGNALS:
    void analyzeRequested();
    void cancelAnalysisRequested();

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslateUi();
    void showHeader();
    void showSensitivityMessage();
    void setRunning(bool running);

    QLabel* m_header;
    QLineEdit* m_filter;
    QPushButton* m_analyze;
    QPushButton* m_cancel;
    QProgressBar* m_progress;
    QLabel* m_analysisMessage;
    QTableView* m_table;
    LayerTableModel* m_model;
    QSortFilterProxyModel* m_proxy;
    std::optional<ModelSummary> m_summary; // kept so the header can be written again in another language
    bool m_running = false;
};

} // namespace autoglm::widgets
