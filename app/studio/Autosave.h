#pragma once
// Keeps unsaved pipeline work on disk so that a crash (or kill -9) loses at most one interval: while the
// document has unsaved changes, a timer writes a copy (autosave.autoglm.json) and a marker naming the
// document's own file; a clean end (the work saved, or discarded on close) removes both. A copy found at start
// means the last session ended without either.

#include <QDateTime>
#include <QObject>
#include <QString>
#include <QTimer>

namespace autoglm::widgets {
class PipelineDocument;
}

namespace autoglm::studio {

class Autosave : public QObject {
    Q_OBJECT

public:
    Autosave(widgets::PipelineDocument* document, QString folder, int intervalMs, QObject* parent = nullptr);

    // The user's data folder for the studio, "autosave" inside it.
    static QString defaultFolder();

    bool hasRecovery() const;
    QString recoveryDocumentFile() const; // the file the unsaved work belongs to; empty for an untitled one
    QDateTime recoverySavedAt() const;
    // Loads the copy into the document as unsaved changes; the error, or empty.
    QString recover();
    // Writes the copy now when there are unsaved changes, removes it when there are none.
    void saveNow();
    void discard();

private:
    QString copyPath() const;
    QString markerPath() const;

    widgets::PipelineDocument* m_document;
    QString m_folder;
    QTimer m_timer;
};

} // namespace autoglm::studio
