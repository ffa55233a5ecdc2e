#include "widgets/ConnectionItem.h"

#include <QPainterPath>
#include <QPen>

#include <algorithm>
#include <cmath>

namespace autoglm::widgets {

ConnectionItem::ConnectionItem(int parent, int child) : m_parent(parent), m_child(child) {
    setPen(QPen(QColor(0x70, 0x70, 0x70), 2));
    setZValue(0); // under the nodes
}

void ConnectionItem::setEnds(const QPointF& from, const QPointF& to) {
    // Horizontal tangents at both ports read as "output flows right into input", even for back links.
    const double bend = std::max(40.0, std::abs(to.x() - from.x()) / 2);
    QPainterPath path(from);
    path.cubicTo(from + QPointF(bend, 0), to - QPointF(bend, 0), to);
    setPath(path);
}

} // namespace autoglm::widgets
