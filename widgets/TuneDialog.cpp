#include "widgets/TuneDialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace autoglm::widgets {
namespace {
// The core's defaults: half a point of top-1, or 2% of perplexity.
constexpr double kPointsBudget = 0.5;
constexpr double kPercentBudget = 2.0;
} // namespace

TuneDialog::TuneDialog(const PipelineSpec& spec, const QString& outputDir, QWidget* parent)
    : QDialog(parent), m_spec(spec), m_objective(new QComboBox(this)), m_budget(new QDoubleSpinBox(this)),
      m_unit(new QLabel(this)), m_evaluation(new QComboBox(this)), m_calibration(new QComboBox(this)),
      m_training(new QComboBox(this)), m_searchSamples(new QSpinBox(this)), m_channels(new QCheckBox(this)),
      m_output(new QLineEdit(outputDir, this)), m_problem(new QLabel(this)),
      m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this)) {
    setWindowTitle(tr("Auto-tune"));
    m_objective->addItem(tr("Smallest file"), "size");
    m_objective->addItem(tr("Lowest latency"), "latency");
    m_budget->setRange(0.01, 100);
    m_budget->setDecimals(2);
    m_budget->setSingleStep(0.1);
    m_budget->setToolTip(tr("The largest drop of the task metric you accept against the original"));
    m_calibration->addItem(tr("(none)"), QString());
    m_training->addItem(tr("(none)"), QString());
    for (const DatasetSpec& d : spec.datasets) {
        const QString id = QString::fromStdString(d.id);
        m_evaluation->addItem(id, id);
        m_calibration->addItem(id, id);
        m_training->addItem(id, id);
    }
    m_evaluation->setCurrentIndex(std::max(0, m_evaluation->findData(QString::fromStdString(spec.evaluation.dataset))));
    // The usual roles by the usual names; the user can pick others.
    for (const DatasetSpec& d : spec.datasets)
        if (d.id.find("calib") != std::string::npos)
            m_calibration->setCurrentIndex(m_calibration->findData(QString::fromStdString(d.id)));
    m_calibration->setToolTip(tr("Enables GPTQ for 4-bit weights and static INT8 activations for latency"));
    m_training->setToolTip(tr("Channel-pruned candidates are distilled on it"));
    m_searchSamples->setRange(0, 1 << 30);
    m_searchSamples->setSpecialValueText(tr("as the pipeline evaluates"));
    m_searchSamples->setToolTip(tr("Images or windows per candidate while searching; the best are measured again "
                                   "on the pipeline's whole evaluation"));
    m_channels->setText(tr("Try removing channels (10%, 20%, 30%)"));
    m_channels->setChecked(true);
    auto* browse = new QPushButton(tr("Browse…"), this);
    auto* folder = new QHBoxLayout;
    folder->addWidget(m_output, 1);
    folder->addWidget(browse);
    auto* budget = new QHBoxLayout;
    budget->addWidget(m_budget);
    budget->addWidget(m_unit, 1);
    m_problem->setWordWrap(true);

    auto* form = new QFormLayout;
    form->addRow(tr("Objective"), m_objective);
    form->addRow(tr("Accuracy budget"), budget);
    form->addRow(tr("Evaluation data"), m_evaluation);
    form->addRow(tr("Calibration data"), m_calibration);
    form->addRow(tr("Training data"), m_training);
    form->addRow(tr("Search samples"), m_searchSamples);
    form->addRow(QString(), m_channels);
    form->addRow(tr("Output folder"), folder);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_problem);
    layout->addWidget(m_buttons);

    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString chosen = QFileDialog::getExistingDirectory(this, tr("Auto-tune Output Folder"), m_output->text());
        if (!chosen.isEmpty())
            m_output->setText(chosen);
    });
    connect(m_output, &QLineEdit::textChanged, this, &TuneDialog::update);
    connect(m_evaluation, &QComboBox::currentIndexChanged, this, [this] {
        m_budget->setValue(textData() ? kPercentBudget : kPointsBudget);
        update();
    });
    m_budget->setValue(textData() ? kPercentBudget : kPointsBudget);
    update();
}

bool TuneDialog::textData() const {
    const DatasetSpec* d = m_spec.dataset(m_evaluation->currentData().toString().toStdString());
    return d && d->kind == "text";
}

QString TuneDialog::problem() const {
    if (m_spec.datasets.empty())
        return tr("The pipeline has no data: add an evaluation dataset in the Data panel first.");
    if (m_output->text().trimmed().isEmpty())
        return tr("Choose an output folder.");
    return {};
}

void TuneDialog::update() {
    // The core measures a text model's drop as percent of perplexity, anything else in points.
    m_unit->setText(textData() ? tr("% of perplexity") : tr("points of top-1 / agreement"));
    const QString why = problem();
    m_problem->setText(why);
    m_problem->setVisible(!why.isEmpty());
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(why.isEmpty());
}

TuneRequest TuneDialog::request() const {
    TuneRequest r;
    r.options.objective = m_objective->currentData().toString().toStdString();
    r.options.budget = m_budget->value();
    r.options.calibration = m_calibration->currentData().toString().toStdString();
    r.options.training = m_training->currentData().toString().toStdString();
    r.options.searchSamples = m_searchSamples->value();
    if (!m_channels->isChecked())
        r.options.channelShares.clear();
    r.evaluation = m_evaluation->currentData().toString().toStdString();
    r.outputDir = m_output->text().trimmed();
    return r;
}

} // namespace autoglm::widgets
