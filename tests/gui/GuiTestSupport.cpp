#include "GuiTestSupport.h"

#include "widgets/StageKinds.h"

#include <QApplication>
#include <QDragEnterEvent>
#include <QMimeData>

namespace guitest {

void dropStage(autoglm::widgets::PipelineView* view, const std::string& kind, QPointF at) {
    QMimeData mime;
    mime.setData(autoglm::widgets::kStageKindMime, QByteArray::fromStdString(kind));
    const QPoint p = view->mapFromScene(at);
    QDragEnterEvent enter(p, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(view->viewport(), &enter);
    QDragMoveEvent move(p, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(view->viewport(), &move);
    QDropEvent drop(QPointF(p), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(view->viewport(), &drop);
}

Heartbeat::Heartbeat(int intervalMs) {
    m_timer.setInterval(intervalMs);
    QObject::connect(&m_timer, &QTimer::timeout, [this] { m_worst = std::max(m_worst, m_since.restart()); });
    m_since.start();
    m_timer.start();
}

} // namespace guitest
