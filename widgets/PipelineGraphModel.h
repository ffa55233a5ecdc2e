#pragma once
// The pipeline as a graph model with integer node ids and change signals (the QtNodes way): node 0 is the
// fixed source model, every other node one stage of the PipelineSpec, and each stage has exactly one parent
// (its `after`), so a connection is "this stage reads that one's model". No QGraphics here: the canvas
// renders this model, tests and the document drive it headless. Edits do not validate the pipeline as a
// whole (a pipeline being built is often incomplete); they only keep it a tree rooted at the source.

#include "pipeline/runner/PipelineSpec.h"

#include <QObject>
#include <QPointF>
#include <QString>

#include <map>
#include <optional>
#include <vector>

namespace autoglm::widgets {

class PipelineGraphModel : public QObject {
    Q_OBJECT

public:
    static constexpr int kSourceNode = 0;

    // Everything needed to put the model back exactly, node ids included (undo keeps selections and the
    // scene's items meaningful). `spec.stages` are in the order of `nodes`.
    struct Snapshot {
        PipelineSpec spec;
        std::vector<int> nodes;
        int nextNode = 1;
        bool operator==(const Snapshot& other) const;
    };

    explicit PipelineGraphModel(QObject* parent = nullptr);

    // The pipeline file's form: stages with parents listed before children, in node order otherwise, so a
    // file read by setSpec comes back in its own order.
    PipelineSpec toSpec() const;
    // Replaces everything; stages without a canvas position are laid out by depth.
    void setSpec(const PipelineSpec& spec);
    Snapshot snapshot() const;
    void restore(const Snapshot& snapshot);

    // Stage nodes (not the source), by id.
    std::vector<int> nodes() const;
    bool hasNode(int node) const;
    const StageSpec* stage(int node) const;             // null for the source and unknown ids
    int nodeForStage(const std::string& stageId) const; // kSourceNode for "source", -1 when unknown
    int parentNode(int node) const;                     // -1 for the source and unknown ids
    std::vector<int> childNodes(int node) const;
    int depth(int node) const;
    QPointF position(int node) const;
    // The source node's caption: the model's file name.
    QString sourceCaption() const;

    // Returns the new node's id. The stage reads `parent`'s model; its id is its kind, made unique; stages
    // that need data get the pipeline's first dataset, an export writes "{variant}.onnx".
    int addStage(const std::string& kind, std::optional<QPointF> position = std::nullopt, int parent = kSourceNode);
    // The stage's children then read its parent.
    bool removeStage(int node);
    // Why `child` cannot read `parent`'s model, or empty when it can.
    QString connectionProblem(int parent, int child) const;
    bool connectStages(int parent, int child);
    bool moveStage(int node, QPointF position);
    bool setParams(int node, const nlohmann::json& params);
    // The stage's own fields (label, datasets, export file); `params`, `after`, `position` and `id` are
    // changed by their own methods and ignored here.
    bool setStageFields(int node, const StageSpec& fields);
    // Renames, keeping children and sweeps pointing at it; empty when done, else why not.
    QString renameStage(int node, const std::string& id);
    // Places every node by depth from the source, each subtree in its own rows.
    void autoLayout();

    // The rest of the pipeline file.
    const PipelineSpec& document() const { return m_rest; }
    void setDocument(const PipelineSpec& rest); // everything but the stages
    void setModelPath(const std::string& path);
    void setDatasets(const std::vector<DatasetSpec>& datasets);
    // Renames a dataset and every reference to it (stages, evaluate parameters, the evaluation); empty when
    // done, else why not.
    QString renameDataset(const std::string& from, const std::string& to);

Q_SIGNALS:
    void nodeAdded(int node);
    void nodeRemoved(int node);
    void nodeMoved(int node);
    void nodeChanged(int node); // params, label, datasets or id
    void connectionChanged(int child);
    void sourceChanged();
    void modelReset();
    void changed(); // after any of the above

private:
    struct Node {
        StageSpec stage; // `after` is kept in step with `parent` by toSpec
        int parent = kSourceNode;
    };
    std::string uniqueStageId(const std::string& base) const;
    bool isInSubtree(int node, int root) const;
    std::vector<int> orderedNodes() const;

    PipelineSpec m_rest; // stages empty; they live in m_nodes
    std::map<int, Node> m_nodes;
    int m_nextNode = 1;
};

} // namespace autoglm::widgets
