#pragma once
// Run ▸ Auto-tune…: what the auto-tuner (the core's autoTune) is asked for — the objective, the accuracy
// budget in the unit the core takes (points of top-1/agreement, or percent of perplexity for text), the
// pipeline's datasets to evaluate, calibrate and train on, and the output folder. It only collects the
// request; the studio runs it.

#include "pipeline/runner/AutoTune.h"
#include "pipeline/runner/PipelineSpec.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace autoglm::widgets {

struct TuneRequest {
    TuneOptions options;
    std::string evaluation; // dataset id the budget is measured on
    QString outputDir;
};

class TuneDialog : public QDialog {
    Q_OBJECT

public:
    // `spec`: the open pipeline (its datasets are offered); `outputDir`: the folder suggested.
    TuneDialog(const PipelineSpec& spec, const QString& outputDir, QWidget* parent = nullptr);

    TuneRequest request() const;
    // Why the request cannot run (no data, no folder); empty when OK is enabled.
    QString problem() const;

    QComboBox* objective() const { return m_objective; }
    QDoubleSpinBox* budget() const { return m_budget; }
    QComboBox* evaluation() const { return m_evaluation; }
    QComboBox* calibration() const { return m_calibration; }
    QComboBox* training() const { return m_training; }
    QSpinBox* searchSamples() const { return m_searchSamples; }
    QCheckBox* channelPruning() const { return m_channels; }
    QLineEdit* outputDir() const { return m_output; }

private:
    void update();
    bool textData() const;

    PipelineSpec m_spec;
    QComboBox* m_objective;
    QDoubleSpinBox* m_budget;
    QLabel* m_unit;
    QComboBox* m_evaluation;
    QComboBox* m_calibration;
    QComboBox* m_training;
    QSpinBox* m_searchSamples;
    QCheckBox* m_channels;
    QLineEdit* m_output;
    QLabel* m_problem;
    QDialogButtonBox* m_buttons;
};

} // namespace autoglm::widgets
