#pragma once
// What the GUI tests share: dropping a palette item on the canvas as a drag would, and a heartbeat that
// measures the longest stall of the event loop.

#include "widgets/PipelineView.h"

#include <QElapsedTimer>
#include <QPointF>
#include <QTimer>

#include <string>

namespace guitest {

// Drops a palette item of `kind` on the view at scene point `at`: drag enter, move, drop.
void dropStage(autoglm::widgets::PipelineView* view, const std::string& kind, QPointF at);

// Ticks every few milliseconds while it lives; worstGapMs() is the longest time between two ticks.
class Heartbeat {
public:
    explicit Heartbeat(int intervalMs = 5);
    void stop() { m_timer.stop(); }
    qint64 worstGapMs() const { return m_worst; }

private:
    QTimer m_timer;
    QElapsedTimer m_since;
    qint64 m_worst = 0;
};

} // namespace guitest
