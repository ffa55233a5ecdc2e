#pragma once
// One node of the pipeline canvas: the source model or a stage, with an input port on the left (stages) and
// an output port on the right (all but export). Dragging from the output port starts a connection; moving
// the node is reported to the scene, which turns it into a model edit when the drag ends.

#include <QGraphicsItem>
#include <QString>

#include <string>

namespace autoglm::widgets {

class PipelineScene;

class StageNodeItem : public QGraphicsItem {
public:
    enum { Type = UserType + 1 };
    static constexpr double kWidth = 170;
    static constexpr double kHeight = 60;

    StageNodeItem(PipelineScene* scene, int node, std::string kind);

    int node() const { return m_node; }
    const std::string& kind() const { return m_kind; }
    void setText(const QString& title, const QString& subtitle);
    // A problem the pipeline has at this stage (drawn as a red frame, shown as the tooltip); empty: none.
    void setProblem(const QString& problem);
    // Part of the variant selected in the results (drawn with a wide accent frame).
    void setHighlighted(bool on);
    bool isHighlighted() const { return m_highlighted; }
    bool hasInput() const { return !m_kind.empty(); } // the source's kind is empty
    bool hasOutput() const { return m_kind != "export"; }
    QPointF inputPort() const;  // in scene coordinates
    QPointF outputPort() const; // in scene coordinates
    bool onOutputPort(const QPointF& scenePos) const;

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

protected:
    QVariant itemChange(GraphicsItemChange change, const QVariant& value) override;
    void mousePressEvent(QGraphicsSceneMouseEvent* event) override;
    void mouseMoveEvent(QGraphicsSceneMouseEvent* event) override;
    void mouseReleaseEvent(QGraphicsSceneMouseEvent* event) override;

private:
    PipelineScene* m_scene;
    int m_node;
    std::string m_kind;
    QString m_title;
    QString m_subtitle;
    QString m_problem;
    bool m_connecting = false;
    bool m_highlighted = false;
};

} // namespace autoglm::widgets
