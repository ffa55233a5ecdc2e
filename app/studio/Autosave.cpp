#include "Autosave.h"

#include "widgets/PipelineDocument.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QStandardPaths>

namespace autoglm::studio {

Autosave::Autosave(widgets::PipelineDocument* document, QString folder, int intervalMs, QObject* parent)
    : QObject(parent), m_document(document), m_folder(std::move(folder)) {
    m_timer.setInterval(intervalMs);
    connect(&m_timer, &QTimer::timeout, this, &Autosave::saveNow);
    m_timer.start();
    // Saved (or back to the saved state): nothing is left to recover.
    connect(m_document, &widgets::PipelineDocument::dirtyChanged, this, [this](bool dirty) {
        if (!dirty)
            discard();
    });
}

QString Autosave::defaultFolder() {
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/autosave";
}

QString Autosave::copyPath() const { return m_folder + "/autosave.autoglm.json"; }
QString Autosave::markerPath() const { return m_folder + "/autosave.json"; }

bool Autosave::hasRecovery() const { return QFile::exists(copyPath()) && QFile::exists(markerPath()); }

QString Autosave::recoveryDocumentFile() const {
    QFile marker(markerPath());
    if (!marker.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(marker.readAll()).object().value("file").toString();
}

QDateTime Autosave::recoverySavedAt() const {
    QFile marker(markerPath());
    if (!marker.open(QIODevice::ReadOnly))
        return {};
    return QDateTime::fromString(QJsonDocument::fromJson(marker.readAll()).object().value("saved_at").toString(),
                                 Qt::ISODate);
}

QString Autosave::recover() {
    const QString error = m_document->recover(copyPath(), recoveryDocumentFile());
    if (error.isEmpty())
        saveNow(); // the recovered work is unsaved again, and stays safe
    return error;
}

void Autosave::saveNow() {
    if (!m_document->isDirty()) {
        discard();
        return;
    }
    if (!QDir().mkpath(m_folder))
        return; // no place to keep a copy: the work is still in the window
    if (!m_document->writeCopy(copyPath()).isEmpty())
        return;
    QSaveFile marker(markerPath());
    if (!marker.open(QIODevice::WriteOnly))
        return;
    marker.write(QJsonDocument(QJsonObject{{"file", m_document->filePath()},
                                           {"saved_at", QDateTime::currentDateTime().toString(Qt::ISODate)}})
                     .toJson());
    marker.commit();
}

void Autosave::discard() {
    QFile::remove(markerPath());
    QFile::remove(copyPath());
}

} // namespace autoglm::studio
