#include "widgets/DataPanel.h"

#include "widgets/PipelineDocument.h"

#include <QComboBox>
#include <QEvent>
#include <QFileDialog>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace autoglm::widgets {
namespace {
using Model = PipelineGraphModel;
constexpr int kThumbnail = 56;

// Which fields a kind of dataset uses (the rest are hidden).
bool usesField(const std::string& kind, const std::string& field) {
    if (field == "id" || field == "kind" || field == "samples")
        return true;
    if (field == "images" || field == "labels" || field == "scale")
        return kind == "images";
    if (field == "path")
        return kind == "text" || kind == "image-folder";
    if (field == "context")
        return kind == "text" || kind == "synthetic";
    if (field == "seed")
        return kind == "synthetic";
    return false;
}
} // namespace

DataPanel::DataPanel(PipelineDocument* document, QWidget* parent)
    : QWidget(parent), m_document(document), m_list(new QListWidget(this)), m_form(new QFormLayout),
      m_message(new QLabel(this)), m_summary(new QLabel(this)), m_thumbnails(new QListWidget(this)),
      m_text(new QPlainTextEdit(this)) {
    // Every text is set by a function kept for a language change (retranslate).
    auto translated = [this](std::function<void()> setTexts) {
        setTexts();
        m_retranslators.push_back(std::move(setTexts));
    };
    auto* add = new QPushButton(this);
    auto* remove = new QPushButton(this);
    translated([add, remove] {
        add->setText(tr("Add"));
        add->setToolTip(tr("Add a dataset: .npy images and labels, an image folder, a text file, or synthetic inputs"));
        remove->setText(tr("Remove"));
    });
    connect(add, &QPushButton::clicked, this, [this] { addDataset(); });
    connect(remove, &QPushButton::clicked, this, &DataPanel::removeCurrent);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(add);
    buttons->addWidget(remove);
    auto* left = new QWidget(this);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(m_list);
    leftLayout->addLayout(buttons);

    using Text = QString (*)();
    auto line = [&](const std::string& name, Text label, Text tip, bool browsable) {
        auto* edit = new QLineEdit(this);
        connect(edit, &QLineEdit::editingFinished, this, [this, name] { commit(name); });
        QWidget* field = edit;
        QToolButton* pick = nullptr;
        if (browsable) {
            field = new QWidget(this);
            auto* row = new QHBoxLayout(field);
            row->setContentsMargins(0, 0, 0, 0);
            row->addWidget(edit, 1);
            pick = new QToolButton(field);
            connect(pick, &QToolButton::clicked, this, [this, name] { browse(name); });
            row->addWidget(pick);
        }
        auto* caption = new QLabel(this);
        m_form->addRow(caption, field);
        translated([edit, pick, caption, label, tip] {
            caption->setText(label());
            edit->setToolTip(tip());
            if (pick) {
                pick->setText(tr("…"));
                pick->setToolTip(tr("Choose"));
            }
        });
        m_fields[name] = edit;
        m_rows[name] = field;
    };
    line("id", [] { return tr("Id"); }, [] { return tr("How stages and the evaluation name this dataset"); }, false);
    auto* kind = new QComboBox(this);
    for (const std::string& k : datasetKinds())
        kind->addItem(QString::fromStdString(k), QString::fromStdString(k));
    connect(kind, &QComboBox::activated, this, [this] { commit("kind"); });
    auto* kindCaption = new QLabel(this);
    m_form->addRow(kindCaption, kind);
    translated([kind, kindCaption] {
        kind->setToolTip(tr("images: .npy arrays; image-folder: a sub-folder per class; text: a text file; "
                            "synthetic: inputs drawn from the model's input shapes"));
        kindCaption->setText(tr("Kind"));
    });
    m_fields["kind"] = kind;
    m_rows["kind"] = kind;
    line("images", [] { return tr("Images (.npy)"); },
         [] { return tr("Array of images [N, C, H, W]; uint8 pixels are scaled by 1/255"); }, true);
    line("labels", [] { return tr("Labels (.npy)"); }, [] { return tr("Class of each image [N] (optional)"); }, true);
    line("path", [] { return tr("Path"); },
         [] { return tr("The text file, or the folder with one sub-folder of images per class"); }, true);
    line("samples", [] { return tr("Samples"); }, [] { return tr("Images or windows used at most; 0: all"); }, false);
    line("scale", [] { return tr("Pixel scale"); },
         [] { return tr("Factor applied to pixels; 0: 1/255 for uint8, else 1"); }, false);
    line("context", [] { return tr("Context"); },
         [] { return tr("Tokens per window (text) or sequence length (synthetic)"); }, false);
    line("seed", [] { return tr("Seed"); }, [] { return tr("Seed of the synthetic inputs"); }, false);
    m_message->setWordWrap(true);
    m_message->setStyleSheet("color: #c03030;");
    m_message->hide();

    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_thumbnails->setViewMode(QListView::IconMode);
    m_thumbnails->setIconSize(QSize(kThumbnail, kThumbnail));
    m_thumbnails->setResizeMode(QListView::Adjust);
    m_thumbnails->setMovement(QListView::Static);
    m_text->setReadOnly(true);
    m_text->hide();

    auto* right = new QWidget(this);
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addLayout(m_form);
    rightLayout->addWidget(m_message);
    rightLayout->addWidget(m_summary);
    rightLayout->addWidget(m_thumbnails, 1);
    rightLayout->addWidget(m_text, 1);
    auto* split = new QSplitter(this);
    split->addWidget(left);
    split->addWidget(right);
    split->setStretchFactor(1, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split);

    connect(m_list, &QListWidget::currentRowChanged, this, [this] {
        if (!m_refreshing)
            showCurrent();
    });
    connect(document->model(), &Model::changed, this, &DataPanel::reload);
    reload();
}

const DatasetSpec* DataPanel::current() const {
    return m_list->currentItem() ? m_document->model()->document().dataset(
                                       m_list->currentItem()->data(Qt::UserRole).toString().toStdString())
                                 : nullptr;
}

QString DataPanel::currentDataset() const {
    return m_list->currentItem() ? m_list->currentItem()->data(Qt::UserRole).toString() : QString();
}

void DataPanel::selectDataset(const QString& id) {
    for (int i = 0; i < m_list->count(); ++i)
        if (m_list->item(i)->data(Qt::UserRole).toString() == id)
            m_list->setCurrentRow(i);
}

QWidget* DataPanel::fieldEditor(const std::string& name) const {
    auto it = m_fields.find(name);
    return it == m_fields.end() ? nullptr : it->second;
}

QString DataPanel::message() const {
    return m_message->isHidden() ? QString() : m_message->text();
}

QString DataPanel::previewSummary() const {
    return m_summary->text();
}

int DataPanel::thumbnailCount() const {
    return m_thumbnails->count();
}

QString DataPanel::previewText() const {
    return m_text->toPlainText();
}

void DataPanel::reload() {
    const QString selected = currentDataset();
    m_refreshing = true;
    m_list->clear();
    for (const auto& d : m_document->model()->document().datasets) {
        auto* item = new QListWidgetItem(
            QString("%1 (%2)").arg(QString::fromStdString(d.id), QString::fromStdString(d.kind)), m_list);
        item->setData(Qt::UserRole, QString::fromStdString(d.id));
    }
    m_refreshing = false;
    selectDataset(selected);
    if (m_list->currentRow() < 0 && m_list->count() > 0)
        m_list->setCurrentRow(0);
    else
        showCurrent();
}

void DataPanel::showCurrent() {
    const DatasetSpec* d = current();
    m_refreshing = true;
    for (auto& [name, w] : m_fields) {
        const bool used = d && usesField(d->kind, name);
        w->setEnabled(d != nullptr);
        QWidget* row = m_rows[name];
        if (QWidget* label = m_form->labelForField(row))
            label->setVisible(used || !d);
        row->setVisible(used || !d);
    }
    if (d) {
        static_cast<QLineEdit*>(m_fields["id"])->setText(QString::fromStdString(d->id));
        auto* kind = static_cast<QComboBox*>(m_fields["kind"]);
        kind->setCurrentIndex(kind->findData(QString::fromStdString(d->kind)));
        static_cast<QLineEdit*>(m_fields["images"])->setText(QString::fromStdString(d->images));
        static_cast<QLineEdit*>(m_fields["labels"])->setText(QString::fromStdString(d->labels));
        static_cast<QLineEdit*>(m_fields["path"])->setText(QString::fromStdString(d->path));
        static_cast<QLineEdit*>(m_fields["samples"])->setText(QString::number(d->samples));
        static_cast<QLineEdit*>(m_fields["scale"])->setText(QString::number(d->scale, 'g', 10));
        static_cast<QLineEdit*>(m_fields["context"])->setText(QString::number(d->context));
        static_cast<QLineEdit*>(m_fields["seed"])->setText(QString::number(d->seed));
    }
    m_refreshing = false;
    startPreview();
}

QString DataPanel::addDataset(const std::string& kind) {
    std::string id = "data";
    for (int n = 2; m_document->model()->document().dataset(id); ++n)
        id = "data_" + std::to_string(n);
    DatasetSpec d;
    d.id = id;
    d.kind = kind;
    std::vector<DatasetSpec> datasets = m_document->model()->document().datasets;
    datasets.push_back(d);
    m_document->edit(tr("Add dataset"), [&](Model& m) {
        m.setDatasets(datasets);
        return true;
    });
    selectDataset(QString::fromStdString(id));
    return QString::fromStdString(id);
}

void DataPanel::removeCurrent() {
    const std::string id = currentDataset().toStdString();
    if (id.empty())
        return;
    std::vector<DatasetSpec> datasets = m_document->model()->document().datasets;
    std::erase_if(datasets, [&](const DatasetSpec& d) { return d.id == id; });
    // Stages that read it show the problem on the canvas until they name another one.
    m_document->edit(tr("Remove dataset"), [&](Model& m) {
        m.setDatasets(datasets);
        return true;
    });
}

void DataPanel::commit(const std::string& field) {
    const DatasetSpec* d = current();
    if (m_refreshing || !d)
        return;
    const std::string id = d->id;
    m_message->hide();
    if (field == "id") {
        const std::string to = static_cast<QLineEdit*>(m_fields["id"])->text().trimmed().toStdString();
        QString why;
        m_document->edit(tr("Rename dataset"), [&](Model& m) {
            why = m.renameDataset(id, to);
            return why.isEmpty();
        });
        if (!why.isEmpty()) {
            m_message->setText(why);
            m_message->show();
            showCurrent();
        } else {
            selectDataset(QString::fromStdString(to));
        }
        return;
    }
    DatasetSpec changed = *d;
    const QString text = field == "kind" ? static_cast<QComboBox*>(m_fields["kind"])->currentData().toString()
                                         : static_cast<QLineEdit*>(m_fields[field])->text().trimmed();
    bool ok = true;
    if (field == "kind")
        changed.kind = text.toStdString();
    else if (field == "images")
        changed.images = text.toStdString();
    else if (field == "labels")
        changed.labels = text.toStdString();
    else if (field == "path")
        changed.path = text.toStdString();
    else if (field == "samples")
        changed.samples = text.toLongLong(&ok);
    else if (field == "scale")
        changed.scale = QLocale::c().toDouble(text, &ok);
    else if (field == "context")
        changed.context = text.toLongLong(&ok);
    else if (field == "seed")
        changed.seed = text.toLongLong(&ok);
    if (!ok) {
        m_message->setText(tr("'%1' is not a number").arg(text));
        m_message->show();
        showCurrent();
        return;
    }
    if (changed.kind != "images")
        changed.labels.clear(); // only image arrays have a labels file
    std::vector<DatasetSpec> datasets = m_document->model()->document().datasets;
    for (auto& one : datasets)
        if (one.id == id)
            one = changed;
    m_document->edit(
        tr("Edit dataset"),
        [&](Model& m) {
            m.setDatasets(datasets);
            return true;
        },
        PipelineDocument::mergeKeyFor(
            QString("dataset %1 %2").arg(QString::fromStdString(id), QString::fromStdString(field))));
    const std::string problem = m_document->problem().toStdString();
    if (problem.rfind("datasets." + id, 0) == 0) {
        m_message->setText(QString::fromStdString(problem));
        m_message->show();
    }
}

void DataPanel::browse(const std::string& field) {
    QString chosen;
    if (field == "path" && current() && current()->kind == "image-folder")
        chosen = QFileDialog::getExistingDirectory(this, tr("Image Folder"));
    else
        chosen = QFileDialog::getOpenFileName(this, tr("Choose File"), QString(),
                                              field == "path" ? tr("Text (*.txt);;All files (*)")
                                                              : tr("Arrays (*.npy *-ubyte *-ubyte.gz *.idx *.idx.gz);;All files (*)"));
    if (chosen.isEmpty())
        return;
    static_cast<QLineEdit*>(m_fields[field])->setText(chosen);
    commit(field);
}

void DataPanel::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange) {
        for (const auto& setTexts : m_retranslators)
            setTexts();
        startPreview(); // its summary line is written in the language in force
    }
    QWidget::changeEvent(event);
}

void DataPanel::startPreview() {
    const quint64 generation = ++m_previewGeneration;
    m_thumbnails->clear();
    m_text->clear();
    m_text->hide();
    m_thumbnails->show();
    const DatasetSpec* d = current();
    if (!d) {
        m_summary->setText(tr("Add the data the pipeline calibrates, trains and evaluates on."));
        return;
    }
    m_summary->setText(tr("Reading…"));
    const DatasetSpec spec = *d;
    auto* watcher = new QFutureWatcher<DatasetPreview>(this);
    connect(watcher, &QFutureWatcher<DatasetPreview>::finished, this, [this, watcher, generation, spec] {
        const DatasetPreview preview = watcher->result();
        watcher->deleteLater();
        if (generation != m_previewGeneration)
            return; // another dataset was chosen meanwhile
        m_summary->setText(preview.error.isEmpty() ? preview.summary : preview.error);
        for (qsizetype i = 0; i < preview.thumbnails.size(); ++i) {
            const QPixmap pixmap = QPixmap::fromImage(
                preview.thumbnails[i].scaled(kThumbnail, kThumbnail, Qt::KeepAspectRatio, Qt::FastTransformation));
            m_thumbnails->addItem(new QListWidgetItem(QIcon(pixmap), preview.captions.value(i)));
        }
        m_text->setPlainText(preview.text);
        m_text->setVisible(!preview.text.isEmpty());
        m_thumbnails->setVisible(preview.text.isEmpty());
        Q_EMIT previewShown(QString::fromStdString(spec.id));
    });
    watcher->setFuture(QtConcurrent::run([spec] { return loadDatasetPreview(spec); }));
}

} // namespace autoglm::widgets
