#pragma once
// The data panel: the pipeline's datasets (calibration, training, evaluation data), each edited in a small
// form (kind, files, samples) and previewed — images as thumbnails with their labels, text as text, the
// arrays' shapes — with the preview read on a worker. Every change is one undo step of the document; renaming
// a dataset renames the stages' references to it.

#include "widgets/DatasetPreview.h"

#include <QWidget>

#include <functional>
#include <map>
#include <vector>

class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;

namespace autoglm::widgets {

class PipelineDocument;

class DataPanel : public QWidget {
    Q_OBJECT

public:
    explicit DataPanel(PipelineDocument* document, QWidget* parent = nullptr);

    QListWidget* list() const { return m_list; }
    QString currentDataset() const;
    void selectDataset(const QString& id);
    // Adds a dataset of `kind` with a fresh id and selects it; returns the id.
    QString addDataset(const std::string& kind = "images");
    void removeCurrent();
    // The editor of a field: "id", "kind", "images", "labels", "path", "samples", "scale", "context", "seed".
    QWidget* fieldEditor(const std::string& name) const;
    QString message() const;
    // What the preview shows now (summary line, thumbnails, text).
    QString previewSummary() const;
    int thumbnailCount() const;
    QString previewText() const;

Q_SIGNALS:
    void previewShown(const QString& id);

protected:
    void changeEvent(QEvent* event) override;

private:
    void reload();
    void showCurrent();
    void commit(const std::string& field);
    void browse(const std::string& field);
    void startPreview();
    const DatasetSpec* current() const;

    PipelineDocument* m_document;
    QListWidget* m_list;
    QFormLayout* m_form;
    std::map<std::string, QWidget*> m_fields;
    std::map<std::string, QWidget*> m_rows; // what the form holds for a field: its editor, or editor + button
    QLabel* m_message;
    QLabel* m_summary;
    QListWidget* m_thumbnails;
    QPlainTextEdit* m_text;
    quint64 m_previewGeneration = 0;
    bool m_refreshing = false;
    std::vector<std::function<void()>> m_retranslators;
};

} // namespace autoglm::widgets
