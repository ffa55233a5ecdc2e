#include "widgets/PipelineCanvas.h"

#include "widgets/PipelineDocument.h"
#include "widgets/PipelineScene.h"
#include "widgets/PipelineView.h"
#include "widgets/StageKinds.h"
#include "widgets/StageNodeItem.h"
#include "widgets/StagePalette.h"

#include <QAction>
#include <QEvent>
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
    m_layout = tools->addAction(QString(), this, &PipelineCanvas::autoLayout);
    m_zoomIn = tools->addAction(QString(), this, [this] { m_view->setZoom(m_view->zoom() * 1.25); });
    m_zoomOut = tools->addAction(QString(), this, [this] { m_view->setZoom(m_view->zoom() / 1.25); });
    m_fit = tools->addAction(QString(), m_view, &PipelineView::fitAll);
    tools->addSeparator();
    m_delete = tools->addAction(QString(), m_scene, &PipelineScene::removeSelected);

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
    retranslateUi();
}

void PipelineCanvas::retranslateUi() {
    m_layout->setText(tr("Auto-layout"));
    m_layout->setToolTip(tr("Place the stages by depth from the source"));
    m_zoomIn->setText(tr("Zoom in"));
    m_zoomOut->setText(tr("Zoom out"));
    m_fit->setText(tr("Fit"));
    m_fit->setToolTip(tr("Show the whole pipeline"));
    m_delete->setText(tr("Delete"));
    m_delete->setToolTip(tr("Delete the selected stages (Delete key); their children then read their parent"));
}

void PipelineCanvas::changeEvent(QEvent* event) {
    // The scene is no widget and hears no language change: its node texts are written again from here.
    if (event->type() == QEvent::LanguageChange) {
        retranslateUi();
        m_scene->retranslate();
    }
    QWidget::changeEvent(event);
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
