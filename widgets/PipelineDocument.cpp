#include "widgets/PipelineDocument.h"

#include "widgets/PipelineEditCommand.h"

#include <QFileInfo>
#include <QUndoStack>

#include <filesystem>

namespace autoglm::widgets {
namespace {
namespace fs = std::filesystem;

// Applies `fn` to every file path the pipeline names (not export outputs: those live in the run's folder).
template <class Fn> void forEachPath(PipelineSpec& spec, Fn&& fn) {
    fn(spec.model);
    for (auto& d : spec.datasets)
        for (std::string* p : {&d.images, &d.labels, &d.path})
            fn(*p);
}

// The key of a merge: small non-negative ints that QUndoCommand::id() can carry (-1 means "never merge").
constexpr int kMergeKeyMask = 0x3fffffff;
} // namespace

PipelineDocument::PipelineDocument(QObject* parent)
    : QObject(parent), m_model(new PipelineGraphModel(this)), m_undo(new QUndoStack(this)) {
    connect(m_undo, &QUndoStack::cleanChanged, this, [this](bool clean) { Q_EMIT dirtyChanged(!clean); });
}

bool PipelineDocument::edit(const QString& text, const std::function<bool(PipelineGraphModel&)>& change, int mergeKey) {
    PipelineGraphModel::Snapshot before = m_model->snapshot();
    if (!change(*m_model))
        return false;
    PipelineGraphModel::Snapshot after = m_model->snapshot();
    if (after == before)
        return false;
    m_undo->push(new PipelineEditCommand(m_model, std::move(before), std::move(after), text, mergeKey));
    return true;
}

int PipelineDocument::mergeKeyFor(const QString& what) {
    return static_cast<int>(qHash(what) & kMergeKeyMask);
}

void PipelineDocument::newPipeline() {
    m_undo->clear();
    m_model->setSpec(PipelineSpec{});
    m_file.clear();
    m_undo->setClean();
    Q_EMIT filePathChanged(m_file);
    Q_EMIT dirtyChanged(false);
}

QString PipelineDocument::open(const QString& file) {
    return load(file, PipelineCheck::Full, QFileInfo(file).absoluteFilePath());
}

QString PipelineDocument::recover(const QString& autosaveFile, const QString& originalFile) {
    const QString error = load(autosaveFile, PipelineCheck::StructureOnly, originalFile);
    if (error.isEmpty())
        m_undo->resetClean(); // recovered work is unsaved work
    Q_EMIT dirtyChanged(isDirty());
    return error;
}

QString PipelineDocument::load(const QString& file, PipelineCheck check, const QString& documentFile) {
    auto loaded = loadPipelineFile(file.toStdString(), check);
    if (!loaded)
        return QString::fromStdString(loaded.message());
    PipelineSpec spec = std::move(loaded.value());
    const fs::path base = fs::absolute(spec.baseDir);
    forEachPath(spec, [&](std::string& p) {
        if (!p.empty() && fs::path(p).is_relative())
            p = (base / p).lexically_normal().string();
    });
    spec.baseDir = base;
    m_undo->clear();
    m_model->setSpec(spec);
    m_file = documentFile;
    m_undo->setClean();
    Q_EMIT filePathChanged(m_file);
    Q_EMIT dirtyChanged(false);
    return {};
}

QString PipelineDocument::writeCopy(const QString& file) const {
    PipelineSpec spec = m_model->toSpec();
    spec.baseDir.clear(); // paths are absolute while open: the copy names the same files from anywhere
    if (auto s = savePipelineFile(spec, file.toStdString()); !s)
        return QString::fromStdString(s.message());
    return {};
}

QString PipelineDocument::save(const QString& file) {
    const QString absolute = QFileInfo(file).absoluteFilePath();
    const fs::path folder = fs::path(absolute.toStdString()).parent_path();
    PipelineSpec spec = m_model->toSpec();
    if (spec.name.empty())
        spec.name = QFileInfo(absolute).completeBaseName().section('.', 0, 0).toStdString();
    forEachPath(spec, [&](std::string& p) {
        if (p.empty() || fs::path(p).is_relative())
            return;
        const fs::path relative = fs::path(p).lexically_relative(folder);
        if (!relative.empty() && *relative.begin() != "..")
            p = relative.string();
    });
    spec.baseDir.clear(); // the paths are already right for the new folder
    if (auto s = savePipelineFile(spec, absolute.toStdString()); !s)
        return QString::fromStdString(s.message());
    if (m_model->document().name.empty())
        edit(tr("Name pipeline"), [&](PipelineGraphModel& m) {
            PipelineSpec rest = m.document();
            rest.name = spec.name;
            m.setDocument(rest);
            return true;
        });
    m_file = absolute;
    m_undo->setClean();
    Q_EMIT filePathChanged(m_file);
    return {};
}

QString PipelineDocument::displayName() const {
    return m_file.isEmpty() ? tr("Untitled pipeline") : QFileInfo(m_file).fileName();
}

bool PipelineDocument::isDirty() const {
    return !m_undo->isClean();
}

QString PipelineDocument::problem() const {
    const Status s = m_model->toSpec().validate();
    return s ? QString() : QString::fromStdString(s.message());
}

} // namespace autoglm::widgets
