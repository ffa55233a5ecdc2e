#include "widgets/StageForm.h"

#include "pipeline/runner/StageParams.h"
#include "widgets/PipelineDocument.h"
#include "widgets/StageKinds.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QEvent>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QVBoxLayout>

#include <regex>

namespace autoglm::widgets {
namespace {
using nlohmann::json;
using Model = PipelineGraphModel;

QString schemaText(const std::string& text) {
    return QCoreApplication::translate("autoglm::StageSchema", text.c_str());
}

QString valueText(const json& v) {
    if (v.is_string())
        return QString::fromStdString(v.get<std::string>());
    if (v.is_number_float())
        return QString::number(v.get<double>(), 'g', 10);
    if (v.is_array()) {
        QStringList items;
        for (const auto& item : v)
            items << valueText(item);
        return items.join(", ");
    }
    return v.is_null() ? QString() : QString::fromStdString(v.dump());
}

void eraseDotted(json& params, const std::string& key) {
    const size_t dot = key.find('.');
    if (dot == std::string::npos) {
        params.erase(key);
        return;
    }
    const std::string head = key.substr(0, dot);
    if (!params.contains(head) || !params[head].is_object())
        return;
    eraseDotted(params[head], key.substr(dot + 1));
    if (params[head].empty())
        params.erase(head);
}

// Which stage of the pipeline file its first problem is about ("stages[2].calibration: ..."), or -1.
int problemStage(const std::string& message) {
    static const std::regex stageIndex(R"(^stages\[(\d+)\])");
    std::smatch m;
    return std::regex_search(message, m, stageIndex) ? std::stoi(m[1]) : -1;
}
} // namespace

StageForm::StageForm(PipelineDocument* document, QWidget* parent)
    : QWidget(parent), m_document(document), m_title(new QLabel(this)), m_form(nullptr), m_body(nullptr),
      m_message(new QLabel(this)), m_problem(new QLabel(this)) {
    auto* layout = new QVBoxLayout(this);
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    layout->addWidget(m_title);
    m_message->setWordWrap(true);
    m_message->setStyleSheet("color: #c03030;");
    m_message->hide();
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet("color: #b07000;");
    m_problem->hide();
    layout->addWidget(m_message);
    layout->addWidget(m_problem);
    layout->addStretch(1);
    Model* model = document->model();
    connect(model, &Model::modelReset, this, [this] { rebuild(); });
    connect(model, &Model::nodeRemoved, this, [this](int node) {
        if (node == m_node)
            showNode(-1);
    });
    connect(model, &Model::changed, this, [this] { refresh(); });
    showNode(-1);
}

void StageForm::showNode(int node) {
    m_node = node;
    showMessage({});
    rebuild();
}

QWidget* StageForm::editor(const std::string& key) const {
    auto it = m_params.find(key);
    return it == m_params.end() ? nullptr : it->second;
}

QWidget* StageForm::fieldEditor(const std::string& name) const {
    auto it = m_fields.find(name);
    return it == m_fields.end() ? nullptr : it->second;
}

QString StageForm::message() const {
    return m_message->isHidden() ? QString() : m_message->text();
}

QString StageForm::problem() const {
    return m_problem->isHidden() ? QString() : m_problem->text();
}

void StageForm::showMessage(const QString& message) {
    m_message->setText(message);
    m_message->setVisible(!message.isEmpty());
}

void StageForm::changeEvent(QEvent* event) {
    // Every label and tooltip is written when the form is built, so it is built again — queued, because the
    // language change is still being delivered to the children a rebuild deletes.
    if (event->type() == QEvent::LanguageChange)
        QMetaObject::invokeMethod(this, [this] { rebuild(); }, Qt::QueuedConnection);
    QWidget::changeEvent(event);
}

void StageForm::rebuild() {
    const Model* model = m_document->model();
    if (m_node >= 0 && !model->hasNode(m_node))
        m_node = -1;
    if (m_body) {
        // Editors losing focus as they go would commit into a form that no longer matches them.
        for (QObject* child : m_body->findChildren<QObject*>())
            child->disconnect(this);
        delete m_body;
    }
    m_body = new QWidget(this);
    m_form = new QFormLayout(m_body);
    m_form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    static_cast<QVBoxLayout*>(layout())->insertWidget(1, m_body);
    m_params.clear();
    m_fields.clear();
    if (m_node == Model::kSourceNode) {
        m_kind.clear();
        m_title->setText(tr("Source model and evaluation"));
        buildSource();
    } else if (const StageSpec* stage = model->stage(m_node)) {
        m_kind = stage->kind;
        m_title->setText(tr("%1 stage").arg(stageKindName(stage->kind)));
        buildStage();
    } else {
        m_kind.clear();
        m_title->setText(tr("Select a node of the pipeline to edit it"));
    }
    refresh();
}

void StageForm::fillDatasets(QComboBox* combo, const std::string& current, bool allowNone) {
    combo->clear();
    if (allowNone)
        combo->addItem(tr("(none)"), QString());
    for (const auto& d : m_document->model()->document().datasets)
        combo->addItem(QString::fromStdString(d.id), QString::fromStdString(d.id));
    const int at = combo->findData(QString::fromStdString(current));
    if (at >= 0) {
        combo->setCurrentIndex(at);
    } else if (!current.empty()) {
        // A dataset the pipeline no longer has: shown as it is, so the problem line makes sense.
        combo->addItem(QString::fromStdString(current), QString::fromStdString(current));
        combo->setCurrentIndex(combo->count() - 1);
    }
}

void StageForm::buildStage() {
    const StageSpec* stage = m_document->model()->stage(m_node);
    auto line = [&](const std::string& name, const QString& label, const QString& tip) {
        auto* edit = new QLineEdit(m_body);
        edit->setToolTip(tip);
        connect(edit, &QLineEdit::editingFinished, this, [this, name] { commitStageField(name); });
        m_form->addRow(label, edit);
        m_fields[name] = edit;
    };
    line("id", tr("Id"), tr("Names the stage in the pipeline file, results and sweeps"));
    line("label", tr("Label"), tr("Shown on the canvas instead of the id (optional)"));
    for (const std::string& role : stageDatasetRoles(stage->kind)) {
        auto* combo = new QComboBox(m_body);
        connect(combo, &QComboBox::activated, this, [this, role] { commitStageField(role); });
        const QString label = role == "calibration" ? tr("Calibration data")
                              : role == "training"  ? tr("Training data")
                                                    : tr("Validation data");
        combo->setToolTip(role == "calibration" ? tr("Samples the pass observes to choose ranges or reconstruct")
                          : role == "training"  ? tr("Inputs the student learns to match the teacher on")
                                                : tr("Held-out inputs for early stopping (optional)"));
        m_form->addRow(label, combo);
        m_fields[role] = combo;
    }
    if (stage->kind == "export")
        line("output", tr("Output file"), tr("ONNX file inside the run's output folder; {variant} is the variant id"));
    for (const StageField& field : stageSchema(stage->kind)) {
        QWidget* editor = makeEditor(field);
        editor->setToolTip(schemaText(field.tooltip));
        auto* label = new QLabel(schemaText(field.label), m_body);
        label->setToolTip(schemaText(field.tooltip));
        m_form->addRow(label, editor);
        m_params[field.key] = editor;
    }
    if (stageSchema(stage->kind).empty())
        return;
    // One sweep per stage here (a file may hold more; those are kept as they are).
    auto* param = new QComboBox(m_body);
    param->addItem(tr("(no sweep)"), QString());
    for (const StageField& field : stageSchema(stage->kind))
        if (field.type == StageFieldType::Int || field.type == StageFieldType::Double ||
            field.type == StageFieldType::Choice)
            param->addItem(schemaText(field.label), QString::fromStdString(field.key));
    param->setToolTip(tr("Repeat this stage and the ones after it once per value: one variant per value"));
    connect(param, &QComboBox::activated, this, [this] { commitSweep(); });
    m_form->addRow(tr("Sweep"), param);
    m_fields["sweep.param"] = param;
    auto* values = new QLineEdit(m_body);
    values->setPlaceholderText(tr("values, separated by commas"));
    connect(values, &QLineEdit::editingFinished, this, [this] { commitSweep(); });
    m_form->addRow(tr("Sweep values"), values);
    m_fields["sweep.values"] = values;
}

QWidget* StageForm::makeEditor(const StageField& field) {
    const std::string key = field.key;
    auto commit = [this, key] {
        if (const StageField* f = findStageField(m_kind, key))
            commitParam(*f);
    };
    switch (field.type) {
    case StageFieldType::Choice:
    case StageFieldType::DatasetRef: {
        auto* combo = new QComboBox(m_body);
        if (field.type == StageFieldType::Choice)
            for (const auto& c : field.choices)
                combo->addItem(valueText(c), QString::fromStdString(c.dump()));
        combo->setEditable(field.editable);
        if (field.editable) {
            combo->setInsertPolicy(QComboBox::NoInsert);
            connect(combo->lineEdit(), &QLineEdit::editingFinished, this, commit);
        }
        connect(combo, &QComboBox::activated, this, commit);
        return combo;
    }
    case StageFieldType::Bool: {
        auto* box = new QCheckBox(m_body);
        connect(box, &QCheckBox::clicked, this, commit);
        return box;
    }
    case StageFieldType::Int:
    case StageFieldType::Double:
    case StageFieldType::StringList: {
        auto* edit = new QLineEdit(m_body);
        edit->setPlaceholderText(tr("default: %1").arg(valueText(field.defaultValue)));
        connect(edit, &QLineEdit::editingFinished, this, commit);
        return edit;
    }
    }
    return new QWidget(m_body);
}

void StageForm::buildSource() {
    auto* name = new QLineEdit(m_body);
    connect(name, &QLineEdit::editingFinished, this, [this] { commitSource("name"); });
    m_form->addRow(tr("Pipeline name"), name);
    m_fields["name"] = name;
    auto* model = new QLabel(m_body);
    model->setWordWrap(true);
    model->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_form->addRow(tr("Model"), model);
    m_fields["model"] = model;
    auto* dataset = new QComboBox(m_body);
    dataset->setToolTip(tr("Data every variant's task metric is measured on; none: size, latency and agreement only"));
    connect(dataset, &QComboBox::activated, this, [this] { commitSource("evaluation.dataset"); });
    m_form->addRow(tr("Evaluation data"), dataset);
    m_fields["evaluation.dataset"] = dataset;
    auto* samples = new QLineEdit(m_body);
    samples->setToolTip(tr("Samples evaluated at most; 0: all"));
    connect(samples, &QLineEdit::editingFinished, this, [this] { commitSource("evaluation.samples"); });
    m_form->addRow(tr("Evaluation samples"), samples);
    m_fields["evaluation.samples"] = samples;
    auto* latency = new QCheckBox(m_body);
    latency->setToolTip(tr("Time every variant (median of repeated runs)"));
    connect(latency, &QCheckBox::clicked, this, [this] { commitSource("evaluation.latency"); });
    m_form->addRow(tr("Measure latency"), latency);
    m_fields["evaluation.latency"] = latency;
}

void StageForm::refresh() {
    const Model* model = m_document->model();
    m_refreshing = true;
    const PipelineSpec spec = model->toSpec();
    const Status status = spec.validate();
    QString problem;
    if (!status) {
        const int index = problemStage(status.message());
        const bool ours = m_node == Model::kSourceNode
                              ? index < 0
                              : index >= 0 && size_t(index) < spec.stages.size() && model->stage(m_node) &&
                                    spec.stages[size_t(index)].id == model->stage(m_node)->id;
        if (ours)
            problem = tr("Before it can run: %1").arg(QString::fromStdString(status.message()));
    }
    m_problem->setText(problem);
    m_problem->setVisible(!problem.isEmpty());

    if (m_node == Model::kSourceNode) {
        const PipelineSpec& doc = model->document();
        static_cast<QLineEdit*>(m_fields["name"])->setText(QString::fromStdString(doc.name));
        static_cast<QLabel*>(m_fields["model"])
            ->setText(doc.model.empty() ? tr("none yet: File ▸ Open Model") : QString::fromStdString(doc.model));
        fillDatasets(static_cast<QComboBox*>(m_fields["evaluation.dataset"]), doc.evaluation.dataset, true);
        static_cast<QLineEdit*>(m_fields["evaluation.samples"])->setText(QString::number(doc.evaluation.samples));
        static_cast<QCheckBox*>(m_fields["evaluation.latency"])->setChecked(doc.evaluation.latency);
        m_refreshing = false;
        return;
    }
    const StageSpec* stage = model->stage(m_node);
    if (!stage) {
        m_refreshing = false;
        return;
    }
    static_cast<QLineEdit*>(m_fields["id"])->setText(QString::fromStdString(stage->id));
    static_cast<QLineEdit*>(m_fields["label"])->setText(QString::fromStdString(stage->label));
    for (const auto& [role, value] : {std::pair{"calibration", &stage->calibration},
                                      {"training", &stage->training},
                                      {"validation", &stage->validation}})
        if (auto* combo = static_cast<QComboBox*>(fieldEditor(role)))
            fillDatasets(combo, *value, true);
    if (auto* output = static_cast<QLineEdit*>(fieldEditor("output")))
        output->setText(QString::fromStdString(stage->output));
    if (auto* param = static_cast<QComboBox*>(fieldEditor("sweep.param"))) {
        const auto& sweeps = model->document().sweeps;
        auto sweep =
            std::find_if(sweeps.begin(), sweeps.end(), [&](const SweepSpec& w) { return w.stage == stage->id; });
        QStringList values;
        if (sweep != sweeps.end())
            for (const auto& v : sweep->values)
                values << valueText(v);
        // Without a sweep the chosen parameter stays, waiting for its values.
        if (sweep != sweeps.end())
            param->setCurrentIndex(std::max(param->findData(QString::fromStdString(sweep->param)), 0));
        static_cast<QLineEdit*>(fieldEditor("sweep.values"))->setText(values.join(", "));
    }

    // Complete parameters (defaults filled in), so every editor shows what the pass will use.
    auto parsed = parseStageParams(stage->kind, stage->params, stage->id);
    json complete = parsed ? parsed->toJson() : stage->params;
    for (const StageField& field : stageSchema(stage->kind)) {
        QWidget* w = editor(field.key);
        json value = dottedParam(complete, field.key);
        if (value.is_null())
            value = dottedParam(stage->params, field.key).is_null() ? field.defaultValue
                                                                    : dottedParam(stage->params, field.key);
        w->setEnabled(field.applies(complete));
        if (auto* combo = qobject_cast<QComboBox*>(w)) {
            if (field.type == StageFieldType::DatasetRef) {
                fillDatasets(combo, value.is_string() ? value.get<std::string>() : std::string(), true);
            } else {
                const int at = combo->findData(QString::fromStdString(value.dump()));
                if (at >= 0)
                    combo->setCurrentIndex(at);
                else
                    combo->setEditText(valueText(value));
            }
        } else if (auto* box = qobject_cast<QCheckBox*>(w)) {
            box->setChecked(value.is_boolean() && value.get<bool>());
        } else if (auto* edit = qobject_cast<QLineEdit*>(w)) {
            edit->setText(valueText(value));
        }
    }
    m_refreshing = false;
}

void StageForm::commitParam(const StageField& field) {
    if (m_refreshing)
        return;
    const StageSpec* stage = m_document->model()->stage(m_node);
    QWidget* w = editor(field.key);
    if (!stage || !w)
        return;
    json value;
    QString text;
    if (auto* combo = qobject_cast<QComboBox*>(w)) {
        text = combo->currentText().trimmed();
        const QString data = combo->currentData().toString();
        if (field.type == StageFieldType::DatasetRef)
            value = data.toStdString();
        else if (!field.editable && !data.isEmpty())
            value = json::parse(data.toStdString());
        else if (!field.choices.empty() && field.choices.front().is_number_integer() && text.toLongLong() != 0)
            value = text.toLongLong();
        else
            value = text.toStdString();
    } else if (auto* box = qobject_cast<QCheckBox*>(w)) {
        value = box->isChecked();
    } else if (auto* edit = qobject_cast<QLineEdit*>(w)) {
        text = edit->text().trimmed();
        bool ok = true;
        if (text.isEmpty() && field.type != StageFieldType::StringList) {
            value = field.defaultValue; // clearing a field goes back to the pass's default
        } else if (field.type == StageFieldType::Int) {
            value = text.toLongLong(&ok);
        } else if (field.type == StageFieldType::Double) {
            value = QLocale::c().toDouble(text, &ok);
        } else {
            value = json::array();
            for (const QString& item : text.split(',', Qt::SkipEmptyParts))
                value.push_back(item.trimmed().toStdString());
        }
        if (!ok) {
            showMessage(tr("%1: '%2' is not %3")
                            .arg(schemaText(field.label), text,
                                 field.type == StageFieldType::Int ? tr("an integer") : tr("a number")));
            refresh();
            return;
        }
    }
    json params = stage->params;
    if (value == field.defaultValue)
        eraseDotted(params, field.key); // the file keeps only what differs from the pass's defaults
    else
        setDottedParam(params, field.key, value);
    auto parsed = parseStageParams(stage->kind, params, stage->id);
    if (!parsed) {
        showMessage(QString::fromStdString(parsed.message()));
        refresh(); // the editor goes back to the value in force
        return;
    }
    showMessage({});
    const int node = m_node;
    m_document->edit(
        tr("Set %1").arg(schemaText(field.label)), [&](Model& m) { return m.setParams(node, params); },
        PipelineDocument::mergeKeyFor(QString("param %1 %2").arg(node).arg(QString::fromStdString(field.key))));
}

void StageForm::commitSweep() {
    const StageSpec* stage = m_document->model()->stage(m_node);
    if (m_refreshing || !stage)
        return;
    const std::string key = static_cast<QComboBox*>(m_fields["sweep.param"])->currentData().toString().toStdString();
    const QString text = static_cast<QLineEdit*>(m_fields["sweep.values"])->text().trimmed();
    PipelineSpec doc = m_document->model()->document();
    auto it =
        std::find_if(doc.sweeps.begin(), doc.sweeps.end(), [&](const SweepSpec& w) { return w.stage == stage->id; });
    if (key.empty() || text.isEmpty()) {
        if (key.empty() && it != doc.sweeps.end())
            doc.sweeps.erase(it);
        else
            return; // a parameter chosen, its values still to come
    } else {
        const StageField* field = findStageField(stage->kind, key);
        SweepSpec sweep{stage->id, key, {}};
        for (const QString& item : text.split(',', Qt::SkipEmptyParts)) {
            const QString v = item.trimmed();
            bool ok = true;
            if (field->type == StageFieldType::Int ||
                (field->type == StageFieldType::Choice && field->choices.front().is_number_integer()))
                sweep.values.push_back(v.toLongLong(&ok));
            else if (field->type == StageFieldType::Double)
                sweep.values.push_back(QLocale::c().toDouble(v, &ok));
            else
                sweep.values.push_back(v.toStdString());
            if (!ok) {
                showMessage(tr("%1: '%2' is not %3")
                                .arg(schemaText(field->label), v,
                                     field->type == StageFieldType::Double ? tr("a number") : tr("an integer")));
                refresh();
                return;
            }
        }
        if (it != doc.sweeps.end())
            *it = sweep;
        else
            doc.sweeps.push_back(sweep);
    }
    // Each value goes through the pass, as the CLI checks it.
    PipelineSpec candidate = m_document->model()->toSpec();
    candidate.sweeps = doc.sweeps;
    if (const Status s = candidate.validate(); !s && s.message().rfind("sweeps[", 0) == 0) {
        showMessage(QString::fromStdString(s.message()));
        refresh();
        return;
    }
    showMessage({});
    m_document->edit(tr("Edit sweep"), [&](Model& m) {
        m.setDocument(doc);
        return true;
    });
}

void StageForm::commitStageField(const std::string& name) {
    if (m_refreshing)
        return;
    const StageSpec* stage = m_document->model()->stage(m_node);
    if (!stage)
        return;
    const int node = m_node;
    if (name == "id") {
        const std::string id = static_cast<QLineEdit*>(m_fields["id"])->text().trimmed().toStdString();
        QString why;
        m_document->edit(tr("Rename stage"), [&](Model& m) {
            why = m.renameStage(node, id);
            return why.isEmpty();
        });
        showMessage(why);
        if (!why.isEmpty())
            refresh();
        return;
    }
    StageSpec fields = *stage;
    QWidget* w = m_fields[name];
    const std::string value = qobject_cast<QComboBox*>(w)
                                  ? static_cast<QComboBox*>(w)->currentData().toString().toStdString()
                                  : static_cast<QLineEdit*>(w)->text().trimmed().toStdString();
    if (name == "label")
        fields.label = value;
    else if (name == "calibration")
        fields.calibration = value;
    else if (name == "training")
        fields.training = value;
    else if (name == "validation")
        fields.validation = value;
    else if (name == "output")
        fields.output = value;
    showMessage({});
    m_document->edit(
        tr("Edit stage"), [&](Model& m) { return m.setStageFields(node, fields); },
        PipelineDocument::mergeKeyFor(QString("field %1 %2").arg(node).arg(QString::fromStdString(name))));
}

void StageForm::commitSource(const std::string& name) {
    if (m_refreshing)
        return;
    PipelineSpec doc = m_document->model()->document();
    if (name == "name") {
        doc.name = static_cast<QLineEdit*>(m_fields["name"])->text().trimmed().toStdString();
    } else if (name == "evaluation.dataset") {
        doc.evaluation.dataset = static_cast<QComboBox*>(m_fields[name])->currentData().toString().toStdString();
    } else if (name == "evaluation.samples") {
        bool ok = false;
        const qlonglong samples = static_cast<QLineEdit*>(m_fields[name])->text().trimmed().toLongLong(&ok);
        if (!ok || samples < 0) {
            showMessage(tr("Evaluation samples: a whole number, 0 for all"));
            refresh();
            return;
        }
        doc.evaluation.samples = samples;
    } else if (name == "evaluation.latency") {
        doc.evaluation.latency = static_cast<QCheckBox*>(m_fields[name])->isChecked();
    }
    showMessage({});
    m_document->edit(tr("Edit pipeline"), [&](Model& m) {
        m.setDocument(doc);
        return true;
    });
}

} // namespace autoglm::widgets
