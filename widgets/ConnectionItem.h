#pragma once
// The curve from a node's output port to the input port of a stage that reads it.

#include <QGraphicsPathItem>

namespace autoglm::widgets {

class ConnectionItem : public QGraphicsPathItem {
public:
    enum { Type = UserType + 2 };
    ConnectionItem(int parent, int child);

    int parentNode() const { return m_parent; }
    int childNode() const { return m_child; }
    void setParentNode(int parent) { m_parent = parent; }
    void setEnds(const QPointF& from, const QPointF& to);
    int type() const override { return Type; }

private:
    int m_parent;
    int m_child;
};

} // namespace autoglm::widgets
