#pragma once
// The model IR: a graph of nodes connected by named values, close to ONNX's own structure so that import and
// export are faithful, with initializers held as LibTorch tensors (TensorData).

#include "pipeline/common/Result.h"
#include "pipeline/ir/DType.h"
#include "pipeline/ir/TensorData.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace autoglm {

// One dimension of a shape: a fixed size, a named symbol ("batch"), or unknown (value -1, empty name).
struct Dim {
    int64_t value = -1;
    std::string symbol;

    bool isFixed() const { return value >= 0; }
    std::string toString() const;
    bool operator==(const Dim&) const = default;
};

struct ValueInfo {
    std::string name;
    DType dtype = DType::Undefined;
    std::optional<std::vector<Dim>> shape; // nullopt: rank unknown
    std::string docString;

    std::string shapeString() const;
    bool operator==(const ValueInfo&) const = default;
};

struct Graph;

struct Attribute {
    enum class Kind { Float, Int, String, Tensor, Graph, Floats, Ints, Strings, Tensors, Graphs };

    Kind kind = Kind::Int;
    float f = 0.0f;
    int64_t i = 0;
    std::string s;
    TensorData t;
    std::vector<float> floats;
    std::vector<int64_t> ints;
    std::vector<std::string> strings;
    std::vector<TensorData> tensors;
    // Subgraphs (If/Loop/Scan bodies) are kept so that export is faithful; the executor refuses them.
    std::vector<std::shared_ptr<Graph>> graphs;

    static Attribute makeInt(int64_t v);
    static Attribute makeFloat(float v);
    static Attribute makeString(std::string v);
    static Attribute makeInts(std::vector<int64_t> v);
    static Attribute makeFloats(std::vector<float> v);
    static Attribute makeTensor(TensorData v);

    bool sameAs(const Attribute& other) const;
};

std::string attributeKindName(Attribute::Kind kind);

struct Node {
    std::string name;
    std::string opType;
    std::string domain;               // "" is the default ONNX domain
    std::vector<std::string> inputs;  // "" marks an omitted optional input
    std::vector<std::string> outputs; // "" marks an omitted optional output
    std::map<std::string, Attribute> attributes;
    std::string docString;

    const Attribute* attribute(const std::string& key) const;
    // "node 'name' (OpType)": how every message refers to a node.
    std::string label() const;
};

struct Graph {
    std::string name;
    std::vector<Node> nodes;
    std::vector<ValueInfo> inputs; // may also list initializers (models older than IR version 4 do)
    std::vector<ValueInfo> outputs;
    std::vector<ValueInfo> valueInfos;
    std::map<std::string, TensorData> initializers;
    std::string docString;

    // Inputs the caller must feed: graph inputs that are not initializers.
    std::vector<ValueInfo> feedInputs() const;
    const ValueInfo* findValueInfo(const std::string& valueName) const;
    // Index of the node that produces a value, or -1.
    int producerOf(const std::string& valueName) const;

    // Node indices so that every node comes after the producers of its inputs. Fails on a cycle, naming a
    // node on it.
    Result<std::vector<size_t>> topologicalOrder() const;
    // Checks that names are unique, every input has a producer and the order is acyclic and that declared
    // types agree with initializers. The error names the offending node.
    Status validate() const;
    // Reorders the nodes so each comes after its producers (ONNX files must list them so); passes that append
    // nodes call it once at the end.
    Status sortTopologically();
    // A value or initializer name not yet used in the graph: `base`, else `base_1`, `base_2`, ...
    std::string uniqueName(const std::string& base) const;
};

struct OpsetImport {
    std::string domain;
    int64_t version = 0;
    bool operator==(const OpsetImport&) const = default;
};

struct Model {
    Graph graph;
    int64_t irVersion = 8;
    std::vector<OpsetImport> opsets;
    std::string producerName;
    std::string producerVersion;
    std::string domain;
    int64_t modelVersion = 0;
    std::string docString;
    std::map<std::string, std::string> metadata;
    std::filesystem::path sourcePath; // where it was loaded from, if anywhere

    // Opset version of a domain ("" and "ai.onnx" are the same), or 0 when not imported.
    int64_t opsetVersion(const std::string& domain) const;
};

} // namespace autoglm
