#pragma once
// Renders a PipelineDocument's graph model and turns what the user does on it (drop a stage, drag a node,
// drag from an output port to a stage, Delete) into undoable document edits. The model is the truth: after
// every edit the scene follows the model's signals, never the other way round.

#include <QGraphicsScene>

#include <map>
#include <vector>

class QGraphicsLineItem;

namespace autoglm::widgets {

class ConnectionItem;
class PipelineDocument;
class StageNodeItem;

class PipelineScene : public QGraphicsScene {
    Q_OBJECT

public:
    // Writes every node's texts again (after a language change).
    void retranslate();
    explicit PipelineScene(PipelineDocument* document, QObject* parent = nullptr);
    ~PipelineScene() override;

    StageNodeItem* nodeItem(int node) const;
    ConnectionItem* connectionTo(int child) const;
    // The node under `scenePos` (the source included), or -1.
    int nodeAt(const QPointF& scenePos) const;
    std::vector<int> selectedNodes() const;
    void selectNode(int node);

    // Adds a stage where a palette item was dropped: reading the node it was dropped on, else the source.
    int addStageAt(const std::string& kind, const QPointF& scenePos);
    void removeSelected();
    // Marks the stages a variant was made by: `chain` holds planned stage ids ("sparse@sparsity=0.25"),
    // whose part before '@' is the stage of the pipeline; an empty chain clears the marks.
    void highlightChain(const std::vector<std::string>& chain);

    // Called by the node items.
    void nodeItemMoved(StageNodeItem* item);
    void commitMoves();
    void beginConnection(StageNodeItem* from, const QPointF& scenePos);
    void updateConnection(const QPointF& scenePos);
    void finishConnection(const QPointF& scenePos);

Q_SIGNALS:
    // The single selected node, or -1 (none, or several).
    void nodeSelected(int node);
    void connectionRefused(const QString& why);

protected:
    void keyPressEvent(QKeyEvent* event) override;

private:
    void rebuild();
    void rebuildItems(const std::vector<int>& selected);
    void addNodeItem(int node);
    void removeNodeItem(int node);
    void refreshText(int node);
    void refreshConnection(int child);
    void refreshEdgesOf(int node);
    void refreshProblems();

    PipelineDocument* m_document;
    std::map<int, StageNodeItem*> m_nodes;        // the source under PipelineGraphModel::kSourceNode
    std::map<int, ConnectionItem*> m_connections; // by child node
    QGraphicsLineItem* m_pending = nullptr;       // the connection being dragged
    int m_pendingFrom = -1;
    bool m_following = false; // positions set from the model, not by the user
};

} // namespace autoglm::widgets
