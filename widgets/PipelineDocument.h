#pragma once
// The open pipeline: its graph model, the undo stack every edit goes through, the file it came from and
// whether it changed since. Paths inside the pipeline (model, datasets) are absolute while open, so edits
// never depend on where the file will be saved; saving writes those inside the file's folder relative to it,
// the way hand-written pipeline files name them.

#include "widgets/PipelineGraphModel.h"

#include <QObject>
#include <QString>

#include <functional>

class QUndoStack;

namespace autoglm::widgets {

class PipelineDocument : public QObject {
    Q_OBJECT

public:
    explicit PipelineDocument(QObject* parent = nullptr);

    PipelineGraphModel* model() const { return m_model; }
    QUndoStack* undoStack() const { return m_undo; }

    // Applies `change` to the model as one undo step named `text`; nothing is recorded when it returns false
    // or changes nothing. Edits with the same non-negative `mergeKey` in a row merge (see mergeKeyFor).
    bool edit(const QString& text, const std::function<bool(PipelineGraphModel&)>& change, int mergeKey = -1);
    static int mergeKeyFor(const QString& what);

    void newPipeline();
    // Empty on success, else the message to show; the current pipeline is untouched on failure.
    QString open(const QString& file);
    // Loads an autosaved copy (unfinished work is accepted) as unsaved changes to `originalFile` (empty: an
    // untitled pipeline).
    QString recover(const QString& autosaveFile, const QString& originalFile);
    // Writes the pipeline as it is to `file` without making it the document's file (autosave).
    QString writeCopy(const QString& file) const;
    QString save(const QString& file);
    QString filePath() const { return m_file; }
    QString displayName() const;
    bool isDirty() const;
    // The first problem that would stop the CLI from running it (empty when it would run).
    QString problem() const;

Q_SIGNALS:
    void dirtyChanged(bool dirty);
    void filePathChanged(const QString& file);

private:
    QString load(const QString& file, PipelineCheck check, const QString& documentFile);

    PipelineGraphModel* m_model;
    QUndoStack* m_undo;
    QString m_file;
};

} // namespace autoglm::widgets
