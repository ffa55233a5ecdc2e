#pragma once
// The pipeline canvas dock: the stage palette beside the view of the graph, with auto-layout and zoom
// buttons, and a line saying why a connection was refused.

#include <QWidget>

class QAction;
class QLabel;

namespace autoglm::widgets {

class PipelineDocument;
class PipelineScene;
class PipelineView;
class StagePalette;

class PipelineCanvas : public QWidget {
    Q_OBJECT

public:
    explicit PipelineCanvas(PipelineDocument* document, QWidget* parent = nullptr);

    PipelineScene* scene() const { return m_scene; }
    PipelineView* view() const { return m_view; }
    StagePalette* palette() const { return m_palette; }
    QString message() const;

    // Adds a `kind` stage after the selected node (the source when none or several are selected).
    int appendStage(const std::string& kind);
    void autoLayout();

Q_SIGNALS:
    void nodeSelected(int node);

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslateUi();

    PipelineDocument* m_document;
    PipelineScene* m_scene;
    PipelineView* m_view;
    StagePalette* m_palette;
    QLabel* m_message;
    QAction* m_layout;
    QAction* m_zoomIn;
    QAction* m_zoomOut;
    QAction* m_fit;
    QAction* m_delete;
};

} // namespace autoglm::widgets
