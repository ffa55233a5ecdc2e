#include "widgets/PipelineView.h"

#include "widgets/PipelineScene.h"
#include "widgets/StageKinds.h"

#include <QDragEnterEvent>
#include <QDropEvent>
#include <QMimeData>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace autoglm::widgets {
namespace {
constexpr double kMinZoom = 0.2;
constexpr double kMaxZoom = 4.0;
} // namespace

PipelineView::PipelineView(PipelineScene* scene, QWidget* parent) : QGraphicsView(scene, parent), m_scene(scene) {
    setRenderHint(QPainter::Antialiasing);
    setDragMode(QGraphicsView::ScrollHandDrag); // items still get their clicks; the background pans
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setAcceptDrops(true);
    setFocusPolicy(Qt::StrongFocus);
    // Room around the nodes so a user can always drop or pan beyond the last one.
    setSceneRect(QRectF(-2000, -2000, 6000, 4000));
}

double PipelineView::zoom() const {
    return transform().m11();
}

void PipelineView::setZoom(double factor) {
    factor = std::clamp(factor, kMinZoom, kMaxZoom);
    const double by = factor / zoom();
    scale(by, by);
}

void PipelineView::fitAll() {
    QRectF bounds = m_scene->itemsBoundingRect().adjusted(-40, -40, 40, 40);
    fitInView(bounds, Qt::KeepAspectRatio);
    if (zoom() > 1.0)
        setZoom(1.0); // a small pipeline stays at its natural size
}

void PipelineView::wheelEvent(QWheelEvent* event) {
    const double steps = event->angleDelta().y() / 120.0;
    if (steps == 0) {
        QGraphicsView::wheelEvent(event);
        return;
    }
    setZoom(zoom() * std::pow(1.15, steps));
    event->accept();
}

void PipelineView::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasFormat(kStageKindMime))
        event->acceptProposedAction();
    else
        QGraphicsView::dragEnterEvent(event);
}

void PipelineView::dragMoveEvent(QDragMoveEvent* event) {
    if (event->mimeData()->hasFormat(kStageKindMime))
        event->acceptProposedAction();
    else
        QGraphicsView::dragMoveEvent(event);
}

void PipelineView::dropEvent(QDropEvent* event) {
    if (!event->mimeData()->hasFormat(kStageKindMime)) {
        QGraphicsView::dropEvent(event);
        return;
    }
    const std::string kind = event->mimeData()->data(kStageKindMime).toStdString();
    m_scene->addStageAt(kind, mapToScene(event->position().toPoint()));
    event->acceptProposedAction();
    setFocus();
}

} // namespace autoglm::widgets
