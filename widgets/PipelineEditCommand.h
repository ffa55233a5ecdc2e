#pragma once
// One undoable edit of the pipeline: the model's snapshot before and after (QtNodes' way: whole snapshots
// instead of per-operation inverses, so every edit of the canvas, the form or the data panel undoes exactly,
// node ids included). Consecutive edits with the same merge key (typing in one field, nudging one node)
// collapse into one step.

#include "widgets/PipelineGraphModel.h"

#include <QUndoCommand>

namespace autoglm::widgets {

class PipelineEditCommand : public QUndoCommand {
public:
    PipelineEditCommand(PipelineGraphModel* model, PipelineGraphModel::Snapshot before,
                        PipelineGraphModel::Snapshot after, const QString& text, int mergeKey);

    void undo() override;
    void redo() override;
    int id() const override { return m_mergeKey; }
    bool mergeWith(const QUndoCommand* other) override;

private:
    PipelineGraphModel* m_model;
    PipelineGraphModel::Snapshot m_before;
    PipelineGraphModel::Snapshot m_after;
    int m_mergeKey;
    bool m_applied = true; // the edit was made before the command was pushed
};

} // namespace autoglm::widgets
