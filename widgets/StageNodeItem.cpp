#include "widgets/StageNodeItem.h"

#include "widgets/PipelineScene.h"
#include "widgets/StageKinds.h"

#include <QGraphicsSceneMouseEvent>
#include <QPainter>
#include <QPalette>
#include <QStyleOptionGraphicsItem>

namespace autoglm::widgets {
namespace {
constexpr double kPortRadius = 7;
constexpr double kHeader = 22;
} // namespace

StageNodeItem::StageNodeItem(PipelineScene* scene, int node, std::string kind)
    : m_scene(scene), m_node(node), m_kind(std::move(kind)) {
    setFlags(ItemIsSelectable | ItemSendsGeometryChanges | (m_kind.empty() ? GraphicsItemFlag{} : ItemIsMovable));
    setZValue(1);
}

void StageNodeItem::setText(const QString& title, const QString& subtitle) {
    m_title = title;
    m_subtitle = subtitle;
    update();
}

void StageNodeItem::setProblem(const QString& problem) {
    m_problem = problem;
    setToolTip(problem.isEmpty() ? m_subtitle : problem);
    update();
}

void StageNodeItem::setHighlighted(bool on) {
    m_highlighted = on;
    update();
}

QPointF StageNodeItem::inputPort() const {
    return mapToScene(QPointF(0, kHeight / 2));
}

QPointF StageNodeItem::outputPort() const {
    return mapToScene(QPointF(kWidth, kHeight / 2));
}

bool StageNodeItem::onOutputPort(const QPointF& scenePos) const {
    if (!hasOutput())
        return false;
    const QPointF d = scenePos - outputPort();
    return d.x() * d.x() + d.y() * d.y() <= (kPortRadius + 3) * (kPortRadius + 3);
}

QRectF StageNodeItem::boundingRect() const {
    return QRectF(-kPortRadius - 1, -1, kWidth + 2 * kPortRadius + 2, kHeight + 2);
}

void StageNodeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*) {
    const QPalette& pal = option->palette;
    const QRectF body(0, 0, kWidth, kHeight);
    const QColor accent = stageKindColor(m_kind);
    painter->setRenderHint(QPainter::Antialiasing);
    QPen frame(isSelected() ? pal.color(QPalette::Highlight) : pal.color(QPalette::Mid), isSelected() ? 2.5 : 1);
    if (!m_problem.isEmpty())
        frame = QPen(QColor(0xd0, 0x30, 0x30), 2.5);
    else if (m_highlighted)
        frame = QPen(QColor(0xe0, 0x80, 0x20), 4);
    painter->setPen(frame);
    painter->setBrush(pal.color(QPalette::Base));
    painter->drawRoundedRect(body, 6, 6);
    QPainterPath header;
    header.setFillRule(Qt::WindingFill); // the square lower half overlaps the rounded top; both are filled
    header.addRoundedRect(QRectF(0, 0, kWidth, kHeader), 6, 6);
    header.addRect(QRectF(0, kHeader / 2, kWidth, kHeader / 2));
    painter->fillPath(header, accent);
    painter->setPen(Qt::white);
    QFont bold = painter->font();
    bold.setBold(true);
    painter->setFont(bold);
    painter->drawText(QRectF(8, 0, kWidth - 16, kHeader), Qt::AlignVCenter | Qt::AlignLeft,
                      painter->fontMetrics().elidedText(m_title, Qt::ElideRight, static_cast<int>(kWidth - 16)));
    bold.setBold(false);
    painter->setFont(bold);
    painter->setPen(pal.color(QPalette::Text));
    painter->drawText(QRectF(8, kHeader, kWidth - 16, kHeight - kHeader), Qt::AlignVCenter | Qt::AlignLeft,
                      painter->fontMetrics().elidedText(m_subtitle, Qt::ElideRight, static_cast<int>(kWidth - 16)));
    painter->setPen(QPen(pal.color(QPalette::Dark), 1));
    painter->setBrush(pal.color(QPalette::Button));
    if (hasInput())
        painter->drawEllipse(QPointF(0, kHeight / 2), kPortRadius, kPortRadius);
    if (hasOutput()) {
        painter->setBrush(accent);
        painter->drawEllipse(QPointF(kWidth, kHeight / 2), kPortRadius, kPortRadius);
    }
}

QVariant StageNodeItem::itemChange(GraphicsItemChange change, const QVariant& value) {
    if (change == ItemPositionHasChanged)
        m_scene->nodeItemMoved(this);
    return QGraphicsItem::itemChange(change, value);
}

void StageNodeItem::mousePressEvent(QGraphicsSceneMouseEvent* event) {
    if (event->button() == Qt::LeftButton && onOutputPort(event->scenePos())) {
        m_connecting = true;
        m_scene->beginConnection(this, event->scenePos());
        event->accept();
        return;
    }
    QGraphicsItem::mousePressEvent(event);
}

void StageNodeItem::mouseMoveEvent(QGraphicsSceneMouseEvent* event) {
    if (m_connecting) {
        m_scene->updateConnection(event->scenePos());
        return;
    }
    QGraphicsItem::mouseMoveEvent(event);
}

void StageNodeItem::mouseReleaseEvent(QGraphicsSceneMouseEvent* event) {
    if (m_connecting) {
        m_connecting = false;
        m_scene->finishConnection(event->scenePos());
        return;
    }
    QGraphicsItem::mouseReleaseEvent(event);
    m_scene->commitMoves();
}

} // namespace autoglm::widgets
