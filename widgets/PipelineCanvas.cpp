#include "widgets/PipelineCanvas.h"

#include "widgets/PipelineDocument.h"
#include "widgets/PipelineScene.h"
#include "widgets/PipelineView.h"
#include "widgets/StageKinds.h"
#include "widgets/StageNodeItem.h"
#include "widgets/StagePalette.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QSplitter>
#include <QToolBar>
#include <QVBoxLayout>

namespace autoglm::widgets {

PipelineCanvas::PipelineCanvas(PipelineDocument* document, QWidget* parent)
    : QWidget(parent), m_document(document), m_scene(new PipelineScene(document, this)),
      m_view(new PipelineView(m_scene, this)), m_palette(new StagePalette(this)), m_message(new QLabel(this)) {
    auto* tools = new QToolBar(this);
    tools->addAction(tr("Auto-layout"), this, &PipelineCanvas::autoLayout)
        ->setToolTip(tr("Place the stages by depth from the source"));
    tools->addAction(tr("Zoom in"), this, [this] { m_view->setZoom(m_view->zoom() * 1.25); });
    tools->addAction(tr("Zoom out"), this, [this] { m_view->setZoom(m_view->zoom() / 1.25); });
    tools->addAction(tr("Fit"), m_view, &PipelineView::fitAll)->setToolTip(tr("Show the whole pipeline"));
    tools->addSeparator();
    tools->addAction(tr("Delete"), m_scene, &PipelineScene::removeSelected)
        ->setToolTip(tr("Delete the selected stages (Delete key); their children then read their parent"));

    m_palette->setMaximumWidth(150);
    auto* split = new QSplitter(this);
    split->addWidget(m_palette);
    split->addWidget(m_view);
    split->setStretchFactor(1, 1);

    m_message->setWordWrap(true);
    m_message->hide();
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(tools);
    layout->addWidget(split, 1);
    layout->addWidget(m_message);

    connect(m_palette, &StagePalette::kindActivated, this, [this](const std::string& kind) { appendStage(kind); });
    connect(m_scene, &PipelineScene::nodeSelected, this, &PipelineCanvas::nodeSelected);
    connect(m_scene, &PipelineScene::connectionRefused, this, [this](const QString& why) {
        m_message->setText(tr("Not connected: %1").arg(why));
        m_message->show();
    });
    connect(document->model(), &PipelineGraphModel::changed, m_message, &QLabel::hide);
}

QString PipelineCanvas::message() const {
    return m_message->isHidden() ? QString() : m_message->text();
}

int PipelineCanvas::appendStage(const std::string& kind) {
    const auto selected = m_scene->selectedNodes();
    int parent = selected.size() == 1 ? selected.front() : PipelineGraphModel::kSourceNode;
    if (const StageSpec* s = m_document->model()->stage(parent); s && s->kind == "export")
        parent = m_document->model()->parentNode(parent);
    int added = -1;
    m_document->edit(tr("Add %1 stage").arg(stageKindName(kind)), [&](PipelineGraphModel& m) {
        added = m.addStage(kind, std::nullopt, parent);
        return true;
    });
    m_scene->selectNode(added);
    if (StageNodeItem* item = m_scene->nodeItem(added))
        m_view->ensureVisible(item);
    return added;
}

void PipelineCanvas::autoLayout() {
    m_document->edit(tr("Auto-layout"), [](PipelineGraphModel& m) {
        m.autoLayout();
        return true;
    });
}

} // namespace autoglm::widgets
