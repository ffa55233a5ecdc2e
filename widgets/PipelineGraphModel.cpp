#include "widgets/PipelineGraphModel.h"

#include <QFileInfo>

#include <algorithm>
#include <functional>
#include <regex>
#include <set>

namespace autoglm::widgets {
namespace {
// Layout grid: a column per depth, a row per leaf; wide enough for a node and its ports.
constexpr double kColumn = 230;
constexpr double kRow = 90;

bool validStageId(const std::string& id) {
    static const std::regex form("[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}");
    return id != kSourceStage && std::regex_match(id, form);
}
} // namespace

bool PipelineGraphModel::Snapshot::operator==(const Snapshot& other) const {
    return nodes == other.nodes && nextNode == other.nextNode && spec.baseDir == other.spec.baseDir &&
           spec.toJson() == other.spec.toJson();
}

PipelineGraphModel::PipelineGraphModel(QObject* parent) : QObject(parent) {}

std::vector<int> PipelineGraphModel::orderedNodes() const {
    // Kahn's order taking the smallest ready node id first: a file's own order (parents first) is kept.
    std::vector<int> order;
    std::set<int> ready;
    std::map<int, std::vector<int>> children;
    for (const auto& [id, node] : m_nodes) {
        if (node.parent == kSourceNode)
            ready.insert(id);
        else
            children[node.parent].push_back(id);
    }
    while (!ready.empty()) {
        const int next = *ready.begin();
        ready.erase(ready.begin());
        order.push_back(next);
        for (int child : children[next])
            ready.insert(child);
    }
    return order;
}

PipelineSpec PipelineGraphModel::toSpec() const {
    PipelineSpec spec = m_rest;
    spec.stages.clear();
    for (int id : orderedNodes()) {
        const Node& node = m_nodes.at(id);
        StageSpec stage = node.stage;
        stage.after = node.parent == kSourceNode ? kSourceStage : m_nodes.at(node.parent).stage.id;
        spec.stages.push_back(std::move(stage));
    }
    return spec;
}

void PipelineGraphModel::setSpec(const PipelineSpec& spec) {
    Snapshot snapshot;
    snapshot.spec = spec;
    for (size_t i = 0; i < spec.stages.size(); ++i)
        snapshot.nodes.push_back(static_cast<int>(i) + 1);
    snapshot.nextNode = static_cast<int>(spec.stages.size()) + 1;
    restore(snapshot);
    const bool unplaced =
        std::any_of(m_nodes.begin(), m_nodes.end(), [](const auto& n) { return !n.second.stage.position; });
    if (unplaced)
        autoLayout();
}

PipelineGraphModel::Snapshot PipelineGraphModel::snapshot() const {
    Snapshot s;
    s.spec = m_rest;
    for (const auto& [id, node] : m_nodes) {
        StageSpec stage = node.stage;
        stage.after = node.parent == kSourceNode ? kSourceStage : m_nodes.at(node.parent).stage.id;
        s.spec.stages.push_back(std::move(stage));
        s.nodes.push_back(id);
    }
    s.nextNode = m_nextNode;
    return s;
}

void PipelineGraphModel::restore(const Snapshot& snapshot) {
    m_rest = snapshot.spec;
    m_rest.stages.clear();
    m_nodes.clear();
    std::map<std::string, int> byStage;
    for (size_t i = 0; i < snapshot.spec.stages.size() && i < snapshot.nodes.size(); ++i)
        byStage[snapshot.spec.stages[i].id] = snapshot.nodes[i];
    for (size_t i = 0; i < snapshot.spec.stages.size() && i < snapshot.nodes.size(); ++i) {
        const StageSpec& stage = snapshot.spec.stages[i];
        Node node;
        node.stage = stage;
        // A parent the snapshot does not hold (a hand-edited file) falls back to the source, keeping a tree.
        auto parent = byStage.find(stage.after);
        node.parent = stage.after == kSourceStage || parent == byStage.end() ? kSourceNode : parent->second;
        m_nodes[snapshot.nodes[i]] = std::move(node);
    }
    m_nextNode = snapshot.nextNode;
    for (const auto& [id, node] : m_nodes)
        m_nextNode = std::max(m_nextNode, id + 1);
    Q_EMIT modelReset();
    Q_EMIT changed();
}

std::vector<int> PipelineGraphModel::nodes() const {
    std::vector<int> ids;
    for (const auto& [id, node] : m_nodes)
        ids.push_back(id);
    return ids;
}

bool PipelineGraphModel::hasNode(int node) const {
    return node == kSourceNode || m_nodes.count(node);
}

const StageSpec* PipelineGraphModel::stage(int node) const {
    auto it = m_nodes.find(node);
    return it == m_nodes.end() ? nullptr : &it->second.stage;
}

int PipelineGraphModel::nodeForStage(const std::string& stageId) const {
    if (stageId == kSourceStage)
        return kSourceNode;
    for (const auto& [id, node] : m_nodes)
        if (node.stage.id == stageId)
            return id;
    return -1;
}

int PipelineGraphModel::parentNode(int node) const {
    auto it = m_nodes.find(node);
    return it == m_nodes.end() ? -1 : it->second.parent;
}

std::vector<int> PipelineGraphModel::childNodes(int node) const {
    std::vector<int> children;
    for (const auto& [id, n] : m_nodes)
        if (n.parent == node)
            children.push_back(id);
    return children;
}

int PipelineGraphModel::depth(int node) const {
    int d = 0;
    for (int at = node; at != kSourceNode && m_nodes.count(at); at = m_nodes.at(at).parent)
        ++d;
    return d;
}

QPointF PipelineGraphModel::position(int node) const {
    const StageSpec* s = stage(node);
    if (!s || !s->position)
        return {};
    return {s->position->first, s->position->second};
}

QString PipelineGraphModel::sourceCaption() const {
    return m_rest.model.empty() ? QString() : QFileInfo(QString::fromStdString(m_rest.model)).fileName();
}

std::string PipelineGraphModel::uniqueStageId(const std::string& base) const {
    auto taken = [&](const std::string& id) { return nodeForStage(id) >= 0; };
    if (!taken(base))
        return base;
    for (int n = 2;; ++n)
        if (const std::string id = base + "_" + std::to_string(n); !taken(id))
            return id;
}

int PipelineGraphModel::addStage(const std::string& kind, std::optional<QPointF> position, int parent) {
    if (!hasNode(parent))
        parent = kSourceNode;
    Node node;
    node.parent = parent;
    node.stage.kind = kind;
    node.stage.id = uniqueStageId(kind);
    const std::string firstDataset = m_rest.datasets.empty() ? std::string() : m_rest.datasets.front().id;
    if (kind == "quantize") // its default scheme (w8a8) calibrates activations
        node.stage.calibration = firstDataset;
    else if (kind == "distill")
        node.stage.training = firstDataset;
    else if (kind == "export")
        node.stage.output = "{variant}.onnx";
    if (!position) {
        // Right of the parent, below its other children.
        const QPointF base = parent == kSourceNode ? QPointF() : this->position(parent);
        position = base + QPointF(kColumn, kRow * static_cast<double>(childNodes(parent).size()));
    }
    node.stage.position = std::make_pair(position->x(), position->y());
    const int id = m_nextNode++;
    m_nodes[id] = std::move(node);
    Q_EMIT nodeAdded(id);
    Q_EMIT changed();
    return id;
}

bool PipelineGraphModel::removeStage(int node) {
    auto it = m_nodes.find(node);
    if (it == m_nodes.end())
        return false;
    const int parent = it->second.parent;
    const std::vector<int> children = childNodes(node);
    for (int child : children)
        m_nodes[child].parent = parent;
    const std::string removed = it->second.stage.id;
    m_nodes.erase(it);
    // A sweep of a stage that is gone would make the file invalid.
    std::erase_if(m_rest.sweeps, [&](const SweepSpec& s) { return s.stage == removed; });
    Q_EMIT nodeRemoved(node);
    for (int child : children)
        Q_EMIT connectionChanged(child);
    Q_EMIT changed();
    return true;
}

bool PipelineGraphModel::isInSubtree(int node, int root) const {
    for (int at = node; at >= 0; at = at == kSourceNode ? -1 : parentNode(at))
        if (at == root)
            return true;
    return false;
}

QString PipelineGraphModel::connectionProblem(int parent, int child) const {
    if (!hasNode(parent) || !hasNode(child))
        return tr("No such node");
    if (child == kSourceNode)
        return tr("The source model reads no other stage");
    if (parent == child)
        return tr("A stage cannot read its own output");
    if (isInSubtree(parent, child))
        return tr("That would make a cycle: the stage comes after this one");
    if (const StageSpec* p = stage(parent); p && p->kind == "export")
        return tr("An export stage ends its branch");
    return {};
}

bool PipelineGraphModel::connectStages(int parent, int child) {
    if (!connectionProblem(parent, child).isEmpty() || m_nodes[child].parent == parent)
        return false;
    m_nodes[child].parent = parent;
    Q_EMIT connectionChanged(child);
    Q_EMIT changed();
    return true;
}

bool PipelineGraphModel::moveStage(int node, QPointF position) {
    auto it = m_nodes.find(node);
    if (it == m_nodes.end() || this->position(node) == position)
        return false;
    it->second.stage.position = std::make_pair(position.x(), position.y());
    Q_EMIT nodeMoved(node);
    Q_EMIT changed();
    return true;
}

bool PipelineGraphModel::setParams(int node, const nlohmann::json& params) {
    auto it = m_nodes.find(node);
    if (it == m_nodes.end() || it->second.stage.params == params)
        return false;
    it->second.stage.params = params;
    Q_EMIT nodeChanged(node);
    Q_EMIT changed();
    return true;
}

bool PipelineGraphModel::setStageFields(int node, const StageSpec& fields) {
    auto it = m_nodes.find(node);
    if (it == m_nodes.end())
        return false;
    StageSpec& s = it->second.stage;
    if (s.label == fields.label && s.calibration == fields.calibration && s.training == fields.training &&
        s.validation == fields.validation && s.output == fields.output)
        return false;
    s.label = fields.label;
    s.calibration = fields.calibration;
    s.training = fields.training;
    s.validation = fields.validation;
    s.output = fields.output;
    Q_EMIT nodeChanged(node);
    Q_EMIT changed();
    return true;
}

QString PipelineGraphModel::renameStage(int node, const std::string& id) {
    auto it = m_nodes.find(node);
    if (it == m_nodes.end())
        return tr("No such stage");
    if (it->second.stage.id == id)
        return {};
    if (!validStageId(id))
        return tr("A stage id is letters, digits, '_', '-' or '.' (at most 64 characters), and not 'source'");
    if (nodeForStage(id) >= 0)
        return tr("Another stage is called '%1'").arg(QString::fromStdString(id));
    for (auto& sweep : m_rest.sweeps)
        if (sweep.stage == it->second.stage.id)
            sweep.stage = id;
    it->second.stage.id = id; // children hold the node id, so they follow
    Q_EMIT nodeChanged(node);
    Q_EMIT changed();
    return {};
}

void PipelineGraphModel::autoLayout() {
    // A tidy tree: leaves take successive rows, a parent sits level with its first child.
    double nextRow = 0;
    std::function<double(int, int)> place = [&](int node, int depth) -> double {
        std::vector<int> children = childNodes(node);
        double y;
        if (children.empty()) {
            y = nextRow;
            nextRow += kRow;
        } else {
            y = place(children.front(), depth + 1);
            for (size_t i = 1; i < children.size(); ++i)
                place(children[i], depth + 1);
        }
        if (node != kSourceNode)
            m_nodes[node].stage.position = std::make_pair(kColumn * depth, y);
        return y;
    };
    const double sourceRow = place(kSourceNode, 0);
    // The source stays fixed at the origin: shift everything so its row is 0.
    for (auto& [id, node] : m_nodes)
        node.stage.position->second -= sourceRow;
    for (const auto& [id, node] : m_nodes)
        Q_EMIT nodeMoved(id);
    Q_EMIT changed();
}

void PipelineGraphModel::setDocument(const PipelineSpec& rest) {
    m_rest = rest;
    m_rest.stages.clear();
    Q_EMIT sourceChanged();
    Q_EMIT changed();
}

void PipelineGraphModel::setModelPath(const std::string& path) {
    if (m_rest.model == path)
        return;
    m_rest.model = path;
    Q_EMIT sourceChanged();
    Q_EMIT changed();
}

void PipelineGraphModel::setDatasets(const std::vector<DatasetSpec>& datasets) {
    m_rest.datasets = datasets;
    Q_EMIT sourceChanged();
    Q_EMIT changed();
}

QString PipelineGraphModel::renameDataset(const std::string& from, const std::string& to) {
    if (from == to)
        return {};
    static const std::regex form("[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}");
    if (!std::regex_match(to, form))
        return tr("A dataset id is letters, digits, '_', '-' or '.' (at most 64 characters)");
    if (m_rest.dataset(to))
        return tr("Another dataset is called '%1'").arg(QString::fromStdString(to));
    auto it = std::find_if(m_rest.datasets.begin(), m_rest.datasets.end(),
                           [&](const DatasetSpec& d) { return d.id == from; });
    if (it == m_rest.datasets.end())
        return tr("No such dataset");
    it->id = to;
    if (m_rest.evaluation.dataset == from)
        m_rest.evaluation.dataset = to;
    for (auto& [id, node] : m_nodes) {
        bool touched = false;
        for (std::string* ref : {&node.stage.calibration, &node.stage.training, &node.stage.validation})
            if (*ref == from) {
                *ref = to;
                touched = true;
            }
        if (node.stage.kind == "evaluate" && node.stage.params.value("dataset", std::string()) == from) {
            node.stage.params["dataset"] = to;
            touched = true;
        }
        if (touched)
            Q_EMIT nodeChanged(id);
    }
    Q_EMIT sourceChanged();
    Q_EMIT changed();
    return {};
}

} // namespace autoglm::widgets
