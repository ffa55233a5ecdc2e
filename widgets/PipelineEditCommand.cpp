#include "widgets/PipelineEditCommand.h"

namespace autoglm::widgets {

PipelineEditCommand::PipelineEditCommand(PipelineGraphModel* model, PipelineGraphModel::Snapshot before,
                                         PipelineGraphModel::Snapshot after, const QString& text, int mergeKey)
    : QUndoCommand(text), m_model(model), m_before(std::move(before)), m_after(std::move(after)), m_mergeKey(mergeKey) {
}

void PipelineEditCommand::undo() {
    m_model->restore(m_before);
}

void PipelineEditCommand::redo() {
    // QUndoStack::push calls redo; the edit is already in the model then.
    if (m_applied) {
        m_applied = false;
        return;
    }
    m_model->restore(m_after);
}

bool PipelineEditCommand::mergeWith(const QUndoCommand* other) {
    if (other->id() != id())
        return false;
    m_after = static_cast<const PipelineEditCommand*>(other)->m_after;
    // A merge that returns to the start leaves nothing to undo.
    if (m_after == m_before)
        setObsolete(true);
    return true;
}

} // namespace autoglm::widgets
