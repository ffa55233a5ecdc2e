#pragma once
// The form of the selected node: for a stage, its id, label, datasets and export file, then one typed editor
// per parameter of its kind's StageSchema (default shown, choices or range, tooltip; fields that do not apply
// to the current settings disabled). A value is checked by the pass itself (parseStageParams) before it is
// committed: a refused value leaves the pipeline as it was and shows the pass's message. For the source node,
// the pipeline's name and how variants are evaluated. Every change is one undo step of the document.

#include "pipeline/runner/StageSchema.h"

#include <QWidget>

#include <map>

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;

namespace autoglm::widgets {

class PipelineDocument;

class StageForm : public QWidget {
    Q_OBJECT

public:
    explicit StageForm(PipelineDocument* document, QWidget* parent = nullptr);

    // Shows node `node` (PipelineGraphModel ids; -1: nothing).
    void showNode(int node);
    int node() const { return m_node; }

    // The editor of parameter `key` (a QComboBox, QLineEdit or QCheckBox), or null.
    QWidget* editor(const std::string& key) const;
    // The editor of a stage or pipeline field: "id", "label", "calibration", "training", "validation",
    // "output", "sweep.param", "sweep.values", "name", "evaluation.dataset", "evaluation.samples".
    QWidget* fieldEditor(const std::string& name) const;
    // The last refusal (empty when the last edit went through).
    QString message() const;
    // The pipeline's first problem when it concerns this node (e.g. a missing calibration dataset).
    QString problem() const;

protected:
    void changeEvent(QEvent* event) override;

private:
    void rebuild();
    void refresh();
    void buildStage();
    void buildSource();
    QWidget* makeEditor(const StageField& field);
    void commitParam(const StageField& field);
    void commitStageField(const std::string& name);
    void commitSource(const std::string& name);
    void commitSweep();
    void showMessage(const QString& message);
    void fillDatasets(QComboBox* combo, const std::string& current, bool allowNone);

    PipelineDocument* m_document;
    int m_node = -1;
    std::string m_kind; // of the node the form was built for
    QLabel* m_title;
    QFormLayout* m_form;
    QWidget* m_body;
    QLabel* m_message;
    QLabel* m_problem;
    std::map<std::string, QWidget*> m_params; // by schema key
    std::map<std::string, QWidget*> m_fields; // by field name
    bool m_refreshing = false;
};

} // namespace autoglm::widgets
