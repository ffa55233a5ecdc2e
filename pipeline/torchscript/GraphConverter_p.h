#pragma once
// Private to pipeline/torchscript: turns a frozen, inlined TorchScript graph into our IR. Every TorchScript value
// becomes a Sym: a tensor of our graph, a scalar computed at run time (a 0-d tensor of our graph), a value known
// now (a constant: number, list, string, tensor, None), or a list of Syms. Knowing values and shapes at
// conversion time folds away most of the size arithmetic of scripted models, so that e.g. a head size becomes a
// number rather than Shape → Gather → Div at run time. Per-op conversions live in the *Ops.cpp files of this
// folder and are looked up by the node's qualified kind ("aten::linear").

#include "pipeline/common/Result.h"
#include "pipeline/ir/Graph.h"
#include "pipeline/model/InputShapes.h"

#include <ATen/ATen.h>
#include <torch/csrc/jit/ir/ir.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace autoglm::torchscript {

using Shape = std::optional<std::vector<Dim>>; // nullopt: rank unknown

struct Sym {
    enum class Kind { Unset, Tensor, Scalar, Constant, List };
    Kind kind = Kind::Unset;
    std::string name;                // Tensor, Scalar (a 0-d tensor), List held as a 1-D int64 tensor
    DType dtype = DType::Undefined;  // Tensor, Scalar
    Shape shape;                     // Tensor
    c10::IValue constant;            // Constant
    std::vector<Sym> items;          // List (empty with `name` set: a shape of unknown length)
    Dim sizeDim;                     // Scalar: the dimension it is the size of (keeps "batch" through views)
    const torch::jit::Value* source = nullptr; // the TorchScript value, for naming constants

    bool isTensor() const { return kind == Kind::Tensor; }
    bool isConstant() const { return kind == Kind::Constant; }
    bool isNone() const { return kind == Kind::Constant && constant.isNone(); }
    // A tensor of our graph, a constant tensor or a number: anything an ONNX op can take as a tensor input.
    bool isTensorLike() const;
    std::optional<int64_t> rank() const;
};

class GraphConverter;
using OpHandler = std::function<void(GraphConverter&, const torch::jit::Node&)>;
using HandlerTable = std::unordered_map<std::string, OpHandler>;

void registerNnOps(HandlerTable& table);     // NnOps.cpp: layers, activations, normalization, attention
void registerTensorOps(HandlerTable& table); // TensorOps.cpp: arithmetic, reductions, casts, creation
void registerShapeOps(HandlerTable& table);  // ShapeOps.cpp: views, joins, splits, indexing
void registerScalarOps(HandlerTable& table); // ScalarOps.cpp: prim:: ops, sizes, lists, int/float arithmetic

// How forward's tensor inputs are declared: found by looking at what reads them (a convolution fixes rank and
// channels, an embedding makes indices int64, ...).
struct InputGuess {
    DType dtype = DType::Float;
    Shape shape;
};

class GraphConverter {
public:
    GraphConverter(std::string source, InputShapes inputShapes)
        : m_source(std::move(source)), m_inputShapes(std::move(inputShapes)) {}

    // Converts `graph` (inputs after the module itself are forward's tensor arguments). Throws UnsupportedError
    // listing every operator that could not be converted, with its source location; AutoglmError for bad input.
    Model convert(const torch::jit::Graph& graph);

    // ---- used by the op handlers ----
    const Sym& in(const torch::jit::Node& n, size_t i) const;
    void bind(const torch::jit::Value* v, Sym sym);
    void bindTensor(const torch::jit::Value* v, const std::string& name, DType dtype, Shape shape);

    // Emits one node of the default domain for the node being converted; returns its output names.
    std::vector<std::string> emit(const std::string& opType, std::vector<std::string> inputs,
                                  std::map<std::string, Attribute> attributes = {}, size_t outputs = 1);
    std::string emit1(const std::string& opType, std::vector<std::string> inputs,
                      std::map<std::string, Attribute> attributes = {});

    // The tensor a Sym stands for, as an input name: constants become initializers (numbers 0-d: int64,
    // float32 or bool). `as` casts to that type (a Cast node for run-time values).
    std::string tensor(const Sym& s);
    std::string tensorAs(const Sym& s, DType as);
    DType dtypeOf(const Sym& s) const; // the element type tensor(s) has
    Shape shapeOf(const Sym& s) const;
    // Initializers made here.
    std::string initializer(const at::Tensor& t, const std::string& nameHint);
    std::string int64s(const std::vector<int64_t>& values); // 1-D int64
    std::string scalar(double value, DType dtype);           // 0-d
    // A weight as an initializer of its own, transposed (linear) or not; each layer gets its own copy so that
    // passes can change it without touching other readers.
    std::string weight(const Sym& s, bool transposed);

    // Constants of an op's arguments. Each throws UnsupportedError saying which argument must be known.
    bool isKnown(const Sym& s) const { return s.isConstant(); }
    int64_t constInt(const Sym& s, const char* what) const;
    double constDouble(const Sym& s, const char* what) const;
    bool constBool(const Sym& s, const char* what) const;
    std::vector<int64_t> constInts(const Sym& s, const char* what) const;
    at::Tensor constTensor(const Sym& s, const char* what) const;
    std::optional<std::string> constString(const Sym& s) const;

    // The items of a list Sym (a constant list becomes constant items; a shape held as a tensor is gathered
    // item by item when `count` is given).
    std::vector<Sym> listItems(const Sym& s, std::optional<size_t> count = std::nullopt);
    // A list of ints (constant or computed) as a 1-D int64 tensor, e.g. a Reshape target.
    std::string intListTensor(const Sym& s);
    // A Sym for a number: constant when known, else a 0-d tensor of our graph.
    static Sym constantSym(c10::IValue v);
    Sym scalarSym(const std::string& name, DType dtype) const;

    // Element type of a TorchScript dtype argument (an int holding a ScalarType), or nullopt for None.
    std::optional<DType> scalarTypeArg(const Sym& s) const;
    // Type promotion of torch for an elementwise op over these operands.
    DType promote(const std::vector<const Sym*>& operands) const;

    static std::vector<Dim> broadcast(const std::vector<Dim>& a, const std::vector<Dim>& b);
    static int64_t normAxis(int64_t axis, int64_t rank);
    int64_t requireRank(const Sym& s, const char* what) const;
    // A dim argument as a non-negative axis of `s` (negative dims need its rank).
    int64_t axisOf(const Sym& s, int64_t dim) const;

    const std::string& source() const { return m_source; }
    std::string location(const torch::jit::Node& n) const;

private:
    InputGuess guessInput(const torch::jit::Value* v) const;
    void convertNode(const torch::jit::Node& n);
    void bindOutputs(const torch::jit::Graph& graph);
    std::string freshName(const std::string& base);
    std::string nodeName(const std::string& opType);
    void removeDeadNodes();

    void declareInputs(const torch::jit::Graph& graph);

    std::string m_source;
    InputShapes m_inputShapes;
    Model m_model;
    std::unordered_map<const torch::jit::Value*, Sym> m_syms;
    std::set<std::string> m_used;
    std::map<std::string, int> m_nodeNames;
    std::vector<std::string> m_unsupported; // "aten::op at file:line:col (why)"
    // Initializers and list tensors made once and shared by every reader that is not a layer's weight.
    std::map<const torch::jit::Value*, std::string> m_constants;
    std::map<const torch::jit::Value*, std::string> m_listTensors;
    std::map<std::vector<int64_t>, std::string> m_int64s;
    std::map<std::pair<double, int>, std::string> m_scalars;
    const torch::jit::Node* m_current = nullptr;
    std::string m_currentPrefix;
    std::set<const torch::jit::Value*> m_failed; // outputs of nodes that could not be converted
};

// Shared by the op files.
// An elementwise op over operands promoted to torch's result type (computeAs overrides it, e.g. float for a
// true division of integers; resultAs names the output type when the op changes it, e.g. bool for Less).
Sym applyElementwise(GraphConverter& c, const std::string& opType, const std::vector<const Sym*>& operands,
                     std::optional<DType> computeAs = std::nullopt, std::optional<DType> resultAs = std::nullopt);
// The same, bound to the node's output.
void elementwise(GraphConverter& c, const torch::jit::Node& n, const std::string& opType,
                 const std::vector<const Sym*>& operands, std::optional<DType> computeAs = std::nullopt,
                 std::optional<DType> resultAs = std::nullopt);
// The input given by schema argument name (e.g. "dtype" of aten::to, whose position differs by overload).
const Sym* namedArg(GraphConverter& c, const torch::jit::Node& n, const char* name);
bool isFloatingType(DType t);
// Handles the number overloads of an arithmetic or comparison op (aten::add.int, aten::lt.float, ...), folding
// them when the operands are known; false when the node works on tensors.
bool convertNumberOp(GraphConverter& c, const torch::jit::Node& n);
// True when the node's TorchScript result is a number (int, float, bool) rather than a tensor.
bool returnsNumber(const torch::jit::Node& n);

// "input.3" -> "input": TorchScript makes debug names unique with ".N".
std::string stripUniqueSuffix(std::string name);
// A constant tensor's name taken from the frozen module ("self.blocks.0.fc.weight" -> "blocks.0.fc.weight").
std::string paramName(const torch::jit::Value* v);

} // namespace autoglm::torchscript
