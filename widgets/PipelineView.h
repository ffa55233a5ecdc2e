#pragma once
// The canvas viewport: wheel zooms around the cursor, dragging the background pans, palette items dropped
// here become stages.

#include <QGraphicsView>

namespace autoglm::widgets {

class PipelineScene;

class PipelineView : public QGraphicsView {
    Q_OBJECT

public:
    explicit PipelineView(PipelineScene* scene, QWidget* parent = nullptr);

    PipelineScene* pipelineScene() const { return m_scene; }
    double zoom() const;
    void setZoom(double factor);
    void fitAll();

protected:
    void wheelEvent(QWheelEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dragMoveEvent(QDragMoveEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    PipelineScene* m_scene;
};

} // namespace autoglm::widgets
