#include "widgets/PipelineScene.h"

#include "pipeline/runner/StageParams.h"
#include "widgets/ConnectionItem.h"
#include "widgets/PipelineDocument.h"
#include "widgets/StageKinds.h"
#include "widgets/StageNodeItem.h"

#include <QCoreApplication>
#include <QGraphicsLineItem>
#include <QKeyEvent>
#include <QPen>
#include <QSignalBlocker>

#include <regex>
#include <set>

namespace autoglm::widgets {
namespace {
using Model = PipelineGraphModel;

// The stage's summary without its leading kind word, which the node's colour and title already say.
QString stageSubtitle(const StageSpec& stage) {
    if (stage.kind == "export")
        return QString::fromStdString(stage.output);
    if (stage.kind == "evaluate") {
        const auto dataset = stage.params.value("dataset", std::string());
        return dataset.empty() ? QCoreApplication::translate("autoglm::widgets::PipelineScene", "pipeline's data")
                               : QString::fromStdString(dataset);
    }
    auto parsed = parseStageParams(stage.kind, stage.params, "params");
    if (!parsed)
        return QString::fromStdString(parsed.message());
    std::string summary = parsed->summary();
    if (summary.rfind(stage.kind + " ", 0) == 0)
        summary.erase(0, stage.kind.size() + 1);
    return QString::fromStdString(summary);
}
} // namespace

PipelineScene::PipelineScene(PipelineDocument* document, QObject* parent)
    : QGraphicsScene(parent), m_document(document) {
    Model* model = document->model();
    connect(model, &Model::modelReset, this, &PipelineScene::rebuild);
    connect(model, &Model::nodeAdded, this, &PipelineScene::addNodeItem);
    connect(model, &Model::nodeRemoved, this, &PipelineScene::removeNodeItem);
    connect(model, &Model::nodeChanged, this, &PipelineScene::refreshText);
    connect(model, &Model::connectionChanged, this, &PipelineScene::refreshConnection);
    // The document holds the source's model and the sweeps, which every node's title shows.
    connect(model, &Model::sourceChanged, this, [this] {
        for (const auto& [node, item] : m_nodes)
            refreshText(node);
    });
    connect(model, &Model::nodeMoved, this, [this](int node) {
        if (StageNodeItem* item = nodeItem(node)) {
            m_following = true;
            item->setPos(m_document->model()->position(node));
            m_following = false;
            refreshEdgesOf(node);
        }
    });
    connect(model, &Model::changed, this, &PipelineScene::refreshProblems);
    connect(this, &QGraphicsScene::selectionChanged, this, [this] {
        const auto selected = selectedNodes();
        Q_EMIT nodeSelected(selected.size() == 1 ? selected.front() : -1);
    });
    rebuild();
}

// Items going with the scene change the selection; nobody should hear of it (the form may be gone already).
PipelineScene::~PipelineScene() {
    blockSignals(true);
}

StageNodeItem* PipelineScene::nodeItem(int node) const {
    auto it = m_nodes.find(node);
    return it == m_nodes.end() ? nullptr : it->second;
}

ConnectionItem* PipelineScene::connectionTo(int child) const {
    auto it = m_connections.find(child);
    return it == m_connections.end() ? nullptr : it->second;
}

int PipelineScene::nodeAt(const QPointF& scenePos) const {
    for (QGraphicsItem* item : items(scenePos))
        if (item->type() == StageNodeItem::Type)
            return static_cast<StageNodeItem*>(item)->node();
    return -1;
}

std::vector<int> PipelineScene::selectedNodes() const {
    std::vector<int> nodes;
    for (QGraphicsItem* item : selectedItems())
        if (item->type() == StageNodeItem::Type)
            nodes.push_back(static_cast<StageNodeItem*>(item)->node());
    std::sort(nodes.begin(), nodes.end());
    return nodes;
}

void PipelineScene::selectNode(int node) {
    clearSelection();
    if (StageNodeItem* item = nodeItem(node))
        item->setSelected(true);
}

int PipelineScene::addStageAt(const std::string& kind, const QPointF& scenePos) {
    int parent = nodeAt(scenePos);
    if (parent < 0 || (parent != Model::kSourceNode && m_document->model()->stage(parent)->kind == "export"))
        parent = Model::kSourceNode;
    int added = -1;
    const QPointF topLeft = scenePos - QPointF(StageNodeItem::kWidth / 2, StageNodeItem::kHeight / 2);
    const bool onNode = nodeAt(scenePos) >= 0;
    m_document->edit(tr("Add %1 stage").arg(stageKindName(kind)), [&](Model& m) {
        // Dropped on a node: placed right of it (where addStage puts children); else where it was dropped.
        added = onNode ? m.addStage(kind, std::nullopt, parent) : m.addStage(kind, topLeft, parent);
        return true;
    });
    selectNode(added);
    return added;
}

void PipelineScene::removeSelected() {
    std::vector<int> nodes = selectedNodes();
    std::erase(nodes, Model::kSourceNode); // the source is fixed
    if (nodes.empty())
        return;
    m_document->edit(nodes.size() == 1 ? tr("Delete stage") : tr("Delete %n stage(s)", nullptr, int(nodes.size())),
                     [&](Model& m) {
                         for (int node : nodes)
                             m.removeStage(node);
                         return true;
                     });
}

void PipelineScene::highlightChain(const std::vector<std::string>& chain) {
    std::set<int> marked;
    for (const std::string& planned : chain) {
        const int node = m_document->model()->nodeForStage(planned.substr(0, planned.find('@')));
        if (node >= 0)
            marked.insert(node);
    }
    for (const auto& [node, item] : m_nodes)
        item->setHighlighted(marked.count(node) > 0);
}

void PipelineScene::nodeItemMoved(StageNodeItem* item) {
    refreshEdgesOf(item->node());
}

void PipelineScene::commitMoves() {
    Model* model = m_document->model();
    std::vector<std::pair<int, QPointF>> moved;
    for (const auto& [node, item] : m_nodes)
        if (node != Model::kSourceNode && item->pos() != model->position(node))
            moved.emplace_back(node, item->pos());
    if (moved.empty())
        return;
    m_document->edit(moved.size() == 1 ? tr("Move stage") : tr("Move %n stage(s)", nullptr, int(moved.size())),
                     [&](Model& m) {
                         for (const auto& [node, pos] : moved)
                             m.moveStage(node, pos);
                         return true;
                     });
}

void PipelineScene::beginConnection(StageNodeItem* from, const QPointF& scenePos) {
    m_pendingFrom = from->node();
    m_pending = addLine(QLineF(from->outputPort(), scenePos), QPen(QColor(0x30, 0x80, 0xd0), 2, Qt::DashLine));
    m_pending->setZValue(2);
}

void PipelineScene::updateConnection(const QPointF& scenePos) {
    if (m_pending)
        m_pending->setLine(QLineF(m_pending->line().p1(), scenePos));
}

void PipelineScene::finishConnection(const QPointF& scenePos) {
    if (!m_pending)
        return;
    delete m_pending;
    m_pending = nullptr;
    const int parent = m_pendingFrom;
    m_pendingFrom = -1;
    const int child = nodeAt(scenePos);
    if (child < 0 || child == parent)
        return;
    Model* model = m_document->model();
    if (const QString why = model->connectionProblem(parent, child); !why.isEmpty()) {
        Q_EMIT connectionRefused(why);
        return;
    }
    m_document->edit(tr("Connect stages"), [&](Model& m) { return m.connectStages(parent, child); });
}

void PipelineScene::keyPressEvent(QKeyEvent* event) {
    if ((event->key() == Qt::Key_Delete || event->key() == Qt::Key_Backspace) && !focusItem()) {
        removeSelected();
        event->accept();
        return;
    }
    QGraphicsScene::keyPressEvent(event);
}

void PipelineScene::rebuild() {
    const std::vector<int> selected = selectedNodes();
    {
        // One selection signal for the whole rebuild, not one per removed and re-added item.
        const QSignalBlocker quiet(this);
        rebuildItems(selected);
    }
    const auto now = selectedNodes();
    Q_EMIT nodeSelected(now.size() == 1 ? now.front() : -1);
}

void PipelineScene::rebuildItems(const std::vector<int>& selected) {
    delete m_pending;
    m_pending = nullptr;
    clear();
    m_nodes.clear();
    m_connections.clear();
    addNodeItem(Model::kSourceNode);
    for (int node : m_document->model()->nodes())
        addNodeItem(node);
    for (int node : m_document->model()->nodes())
        refreshConnection(node);
    for (int node : selected)
        if (StageNodeItem* item = nodeItem(node))
            item->setSelected(true);
    refreshProblems();
}

void PipelineScene::addNodeItem(int node) {
    const Model* model = m_document->model();
    const StageSpec* stage = model->stage(node);
    auto* item = new StageNodeItem(this, node, stage ? stage->kind : std::string());
    addItem(item);
    m_nodes[node] = item;
    m_following = true;
    item->setPos(model->position(node));
    m_following = false;
    refreshText(node);
    if (node != Model::kSourceNode)
        refreshConnection(node);
}

void PipelineScene::removeNodeItem(int node) {
    if (auto it = m_connections.find(node); it != m_connections.end()) {
        delete it->second;
        m_connections.erase(it);
    }
    if (auto it = m_nodes.find(node); it != m_nodes.end()) {
        delete it->second;
        m_nodes.erase(it);
    }
}

void PipelineScene::retranslate() {
    for (const auto& [node, item] : m_nodes)
        refreshText(node);
}

void PipelineScene::refreshText(int node) {
    StageNodeItem* item = nodeItem(node);
    if (!item)
        return;
    const Model* model = m_document->model();
    if (node == Model::kSourceNode) {
        const QString caption = model->sourceCaption();
        item->setText(tr("Source model"), caption.isEmpty() ? tr("none: open a model") : caption);
        return;
    }
    const StageSpec* stage = model->stage(node);
    QString title = QString::fromStdString(stage->label.empty() ? stage->id : stage->label);
    size_t copies = 1;
    for (const auto& sweep : model->document().sweeps)
        if (sweep.stage == stage->id)
            copies *= sweep.values.size();
    if (copies > 1)
        title += QString(" ×%1").arg(copies); // a sweep: this stage and its children run once per value
    item->setText(title, stageSubtitle(*stage));
}

void PipelineScene::refreshConnection(int child) {
    const Model* model = m_document->model();
    const int parent = model->parentNode(child);
    StageNodeItem* from = nodeItem(parent);
    StageNodeItem* to = nodeItem(child);
    if (!from || !to)
        return;
    ConnectionItem*& edge = m_connections[child];
    if (!edge) {
        edge = new ConnectionItem(parent, child);
        addItem(edge);
    }
    edge->setParentNode(parent);
    edge->setEnds(from->outputPort(), to->inputPort());
}

void PipelineScene::refreshEdgesOf(int node) {
    for (auto& [child, edge] : m_connections)
        if (child == node || edge->parentNode() == node)
            if (StageNodeItem* from = nodeItem(edge->parentNode()); from && nodeItem(child))
                edge->setEnds(from->outputPort(), nodeItem(child)->inputPort());
}

void PipelineScene::refreshProblems() {
    const Model* model = m_document->model();
    const PipelineSpec spec = model->toSpec();
    const Status status = spec.validate();
    int culprit = -1;
    std::smatch m;
    const std::string message = status ? std::string() : status.message();
    static const std::regex stageIndex(R"(^stages\[(\d+)\])");
    if (std::regex_search(message, m, stageIndex)) {
        const size_t index = std::stoul(m[1]);
        if (index < spec.stages.size())
            culprit = model->nodeForStage(spec.stages[index].id);
    } else if (message.rfind("model:", 0) == 0) {
        culprit = Model::kSourceNode;
    }
    for (const auto& [node, item] : m_nodes)
        item->setProblem(node == culprit ? QString::fromStdString(message) : QString());
}

} // namespace autoglm::widgets
