// The values side of the converter: Syms, constants becoming initializers, lists, torch's type promotion,
// shapes and source locations.
#include "pipeline/torchscript/GraphConverter_p.h"

#include "pipeline/exec/TorchTypes.h"

#include <torch/csrc/jit/frontend/source_range.h>

#include <algorithm>

namespace autoglm::torchscript {
namespace {

int floatRank(DType t) {
    switch (t) {
    case DType::Float16:
    case DType::BFloat16:
        return 1;
    case DType::Float:
        return 2;
    case DType::Double:
        return 3;
    default:
        return 0;
    }
}

int intRank(DType t) {
    switch (t) {
    case DType::Bool:
        return 0;
    case DType::UInt8:
        return 1;
    case DType::Int8:
        return 2;
    case DType::Int16:
        return 3;
    case DType::Int32:
        return 4;
    case DType::Int64:
        return 5;
    default:
        return 5;
    }
}

// torch.promote_types for the types our IR holds.
DType promoteTypes(DType a, DType b) {
    if (a == DType::Undefined)
        return b;
    if (b == DType::Undefined || a == b)
        return a;
    if (isFloatingType(a) && isFloatingType(b)) {
        if ((a == DType::Float16 && b == DType::BFloat16) || (a == DType::BFloat16 && b == DType::Float16))
            return DType::Float;
        return floatRank(a) >= floatRank(b) ? a : b;
    }
    if (isFloatingType(a))
        return a;
    if (isFloatingType(b))
        return b;
    if ((a == DType::UInt8 && b == DType::Int8) || (a == DType::Int8 && b == DType::UInt8))
        return DType::Int16;
    return intRank(a) >= intRank(b) ? a : b;
}

// c10's combine_categories: a lower-priority operand (0-d tensor, number) only matters when it raises the
// category (bool < integer < floating).
DType combineCategories(DType higher, DType lower) {
    if (higher == DType::Undefined)
        return lower;
    if (isFloatingType(higher))
        return higher;
    if (higher == DType::Bool || isFloatingType(lower))
        return promoteTypes(higher, lower);
    return higher;
}


} // namespace

std::string stripUniqueSuffix(std::string name) {
    // TorchScript makes debug names unique with ".N"; the base reads better.
    const auto dot = name.rfind('.');
    if (dot != std::string::npos && dot + 1 < name.size() &&
        std::all_of(name.begin() + static_cast<long>(dot) + 1, name.end(), [](char c) { return std::isdigit(c); }))
        name.resize(dot);
    return name;
}



bool Sym::isTensorLike() const {
    if (kind == Kind::Tensor || kind == Kind::Scalar)
        return true;
    return kind == Kind::Constant &&
           (constant.isTensor() || constant.isInt() || constant.isDouble() || constant.isBool());
}

std::optional<int64_t> Sym::rank() const {
    if (kind == Kind::Scalar)
        return 0;
    if (kind == Kind::Tensor)
        return shape ? std::optional<int64_t>(static_cast<int64_t>(shape->size())) : std::nullopt;
    if (kind == Kind::Constant) {
        if (constant.isTensor())
            return constant.toTensor().dim();
        if (constant.isInt() || constant.isDouble() || constant.isBool())
            return 0;
    }
    return std::nullopt;
}

std::string paramName(const torch::jit::Value* v) {
    if (!v || !v->hasDebugName())
        return "constant";
    std::string name = v->debugName();
    if (name.rfind("self.", 0) == 0)
        return name.substr(5);
    if (!name.empty() && std::isdigit(static_cast<unsigned char>(name[0])))
        return "constant";
    return stripUniqueSuffix(name);
}

// ---- values ----

const Sym& GraphConverter::in(const torch::jit::Node& n, size_t i) const {
    if (i >= n.inputs().size())
        throw UnsupportedError("expected at least " + std::to_string(i + 1) + " arguments");
    auto it = m_syms.find(n.inputs()[i]);
    if (it == m_syms.end())
        throw AutoglmError("value %" + n.inputs()[i]->debugName() + " is used before it is defined");
    return it->second;
}

void GraphConverter::bind(const torch::jit::Value* v, Sym sym) {
    if (!sym.source)
        sym.source = v;
    m_syms[v] = std::move(sym);
}

void GraphConverter::bindTensor(const torch::jit::Value* v, const std::string& name, DType dtype, Shape shape) {
    Sym s;
    s.kind = Sym::Kind::Tensor;
    s.name = name;
    s.dtype = dtype;
    s.shape = std::move(shape);
    bind(v, std::move(s));
}

Sym GraphConverter::constantSym(c10::IValue v) {
    Sym s;
    s.kind = Sym::Kind::Constant;
    s.constant = std::move(v);
    return s;
}

Sym GraphConverter::scalarSym(const std::string& name, DType dtype) const {
    Sym s;
    s.kind = Sym::Kind::Scalar;
    s.name = name;
    s.dtype = dtype;
    s.shape = std::vector<Dim>{};
    return s;
}

std::string GraphConverter::freshName(const std::string& base) {
    std::string name = base.empty() ? "value" : base;
    for (int i = 1; m_used.count(name); ++i)
        name = base + "_" + std::to_string(i);
    m_used.insert(name);
    return name;
}

std::string GraphConverter::nodeName(const std::string& opType) {
    const std::string base = m_currentPrefix.empty() ? opType : m_currentPrefix + "/" + opType;
    const int n = m_nodeNames[base]++;
    return n == 0 ? base : base + "_" + std::to_string(n);
}

std::vector<std::string> GraphConverter::emit(const std::string& opType, std::vector<std::string> inputs,
                                              std::map<std::string, Attribute> attributes, size_t outputs) {
    Node node;
    node.name = nodeName(opType);
    node.opType = opType;
    node.inputs = std::move(inputs);
    node.attributes = std::move(attributes);
    if (m_current)
        node.docString = location(*m_current);
    for (size_t o = 0; o < outputs; ++o)
        node.outputs.push_back(freshName(node.name + "_output_" + std::to_string(o)));
    m_model.graph.nodes.push_back(node);
    return node.outputs;
}

std::string GraphConverter::emit1(const std::string& opType, std::vector<std::string> inputs,
                                  std::map<std::string, Attribute> attributes) {
    return emit(opType, std::move(inputs), std::move(attributes), 1).front();
}

std::string GraphConverter::initializer(const at::Tensor& t, const std::string& nameHint) {
    const std::string name = freshName(nameHint);
    m_model.graph.initializers[name] = TensorData(t.detach().contiguous().clone());
    return name;
}

std::string GraphConverter::int64s(const std::vector<int64_t>& values) {
    auto& name = m_int64s[values];
    if (name.empty())
        name = initializer(at::tensor(values, at::kLong), "ints");
    return name;
}

std::string GraphConverter::scalar(double value, DType dtype) {
    auto& name = m_scalars[{value, static_cast<int>(dtype)}];
    if (name.empty()) {
        const at::ScalarType type = requireTorchType(dtype, m_source);
        name = initializer(at::scalar_tensor(value, at::TensorOptions().dtype(at::kDouble)).to(type), "scalar");
    }
    return name;
}

DType GraphConverter::dtypeOf(const Sym& s) const {
    if (s.kind == Sym::Kind::Tensor || s.kind == Sym::Kind::Scalar)
        return s.dtype;
    if (s.kind == Sym::Kind::Constant) {
        if (s.constant.isTensor())
            return dtypeFromTorch(s.constant.toTensor().scalar_type());
        if (s.constant.isInt())
            return DType::Int64;
        if (s.constant.isDouble())
            return DType::Float;
        if (s.constant.isBool())
            return DType::Bool;
    }
    return DType::Undefined;
}

Shape GraphConverter::shapeOf(const Sym& s) const {
    if (s.kind == Sym::Kind::Tensor)
        return s.shape;
    if (s.kind == Sym::Kind::Scalar)
        return std::vector<Dim>{};
    if (s.kind == Sym::Kind::Constant) {
        if (s.constant.isTensor()) {
            std::vector<Dim> dims;
            for (int64_t d : s.constant.toTensor().sizes())
                dims.push_back(Dim{d, {}});
            return dims;
        }
        if (s.constant.isInt() || s.constant.isDouble() || s.constant.isBool())
            return std::vector<Dim>{};
    }
    return std::nullopt;
}

std::string GraphConverter::tensor(const Sym& s) {
    if (s.kind == Sym::Kind::Tensor || s.kind == Sym::Kind::Scalar)
        return s.name;
    if (s.kind == Sym::Kind::Constant) {
        const c10::IValue& v = s.constant;
        if (v.isTensor()) {
            if (!s.source)
                return initializer(v.toTensor(), "constant");
            auto& name = m_constants[s.source];
            if (name.empty())
                name = initializer(v.toTensor(), paramName(s.source));
            return name;
        }
        if (v.isInt())
            return scalar(static_cast<double>(v.toInt()), DType::Int64);
        if (v.isDouble())
            return scalar(v.toDouble(), DType::Float);
        if (v.isBool())
            return scalar(v.toBool() ? 1.0 : 0.0, DType::Bool);
        if (v.isIntList())
            return int64s(v.toIntVector());
        if (v.isDoubleList()) {
            const auto values = v.toDoubleVector();
            return initializer(at::tensor(values, at::kDouble).to(at::kFloat), "floats");
        }
        if (v.isNone())
            throw UnsupportedError("a tensor argument is None");
    }
    if (s.kind == Sym::Kind::List)
        return intListTensor(s);
    throw UnsupportedError("an argument is not a tensor");
}

std::string GraphConverter::tensorAs(const Sym& s, DType as) {
    if (dtypeOf(s) == as)
        return tensor(s);
    if (s.kind == Sym::Kind::Constant && s.isTensorLike()) {
        const at::ScalarType type = requireTorchType(as, m_source);
        if (s.constant.isTensor())
            return initializer(s.constant.toTensor().to(type), paramName(s.source));
        const double value = s.constant.isInt()    ? static_cast<double>(s.constant.toInt())
                             : s.constant.isBool() ? (s.constant.toBool() ? 1.0 : 0.0)
                                                   : s.constant.toDouble();
        return scalar(value, as);
    }
    return emit1("Cast", {tensor(s)}, {{"to", Attribute::makeInt(static_cast<int64_t>(as))}});
}

std::string GraphConverter::weight(const Sym& s, bool transposed) {
    at::Tensor t = constTensor(s, "weight");
    if (transposed) {
        if (t.dim() != 2)
            throw UnsupportedError("weight of rank " + std::to_string(t.dim()) + " where a matrix was expected");
        t = t.t();
    }
    return initializer(t, paramName(s.source));
}

// ---- constants ----

int64_t GraphConverter::constInt(const Sym& s, const char* what) const {
    if (s.isConstant()) {
        if (s.constant.isInt())
            return s.constant.toInt();
        if (s.constant.isBool())
            return s.constant.toBool() ? 1 : 0;
        if (s.constant.isTensor() && s.constant.toTensor().numel() == 1 &&
            !at::isFloatingType(s.constant.toTensor().scalar_type()))
            return s.constant.toTensor().item<int64_t>();
    }
    throw UnsupportedError(std::string("argument '") + what + "' must be an integer known when the model is loaded");
}

double GraphConverter::constDouble(const Sym& s, const char* what) const {
    if (s.isConstant()) {
        if (s.constant.isDouble())
            return s.constant.toDouble();
        if (s.constant.isInt())
            return static_cast<double>(s.constant.toInt());
        if (s.constant.isBool())
            return s.constant.toBool() ? 1.0 : 0.0;
        if (s.constant.isTensor() && s.constant.toTensor().numel() == 1)
            return s.constant.toTensor().item<double>();
    }
    throw UnsupportedError(std::string("argument '") + what + "' must be a number known when the model is loaded");
}

bool GraphConverter::constBool(const Sym& s, const char* what) const {
    if (s.isConstant() && s.constant.isBool())
        return s.constant.toBool();
    return constInt(s, what) != 0;
}

std::vector<int64_t> GraphConverter::constInts(const Sym& s, const char* what) const {
    if (s.isConstant()) {
        if (s.constant.isIntList())
            return s.constant.toIntVector();
        if (s.constant.isInt())
            return {s.constant.toInt()};
    }
    if (s.kind == Sym::Kind::List && (!s.items.empty() || s.name.empty())) {
        std::vector<int64_t> out;
        for (const Sym& item : s.items)
            out.push_back(constInt(item, what));
        return out;
    }
    throw UnsupportedError(std::string("argument '") + what + "' must be a list of integers known when the model is loaded");
}

at::Tensor GraphConverter::constTensor(const Sym& s, const char* what) const {
    if (s.isConstant() && s.constant.isTensor())
        return s.constant.toTensor();
    throw UnsupportedError(std::string("argument '") + what + "' must be a parameter or constant tensor");
}

std::optional<std::string> GraphConverter::constString(const Sym& s) const {
    if (s.isConstant() && s.constant.isString())
        return s.constant.toStringRef();
    return std::nullopt;
}

std::optional<DType> GraphConverter::scalarTypeArg(const Sym& s) const {
    if (s.isNone())
        return std::nullopt;
    const int64_t code = constInt(s, "dtype");
    const DType t = dtypeFromTorch(static_cast<at::ScalarType>(code));
    if (t == DType::Undefined)
        throw UnsupportedError("dtype code " + std::to_string(code) + " has no ONNX element type here");
    return t;
}

// ---- lists ----

std::vector<Sym> GraphConverter::listItems(const Sym& s, std::optional<size_t> count) {
    if (s.kind == Sym::Kind::List) {
        if (!s.items.empty() || s.name.empty())
            return s.items;
        if (!count)
            throw UnsupportedError("a list whose length is only known when the model runs");
        std::vector<Sym> items;
        for (size_t i = 0; i < *count; ++i) {
            const std::string index = initializer(at::scalar_tensor(static_cast<int64_t>(i), at::kLong), "index");
            items.push_back(scalarSym(emit1("Gather", {s.name, index}, {{"axis", Attribute::makeInt(0)}}),
                                      DType::Int64));
        }
        return items;
    }
    if (s.isConstant() && s.constant.isList()) {
        std::vector<Sym> items;
        for (const c10::IValue& v : s.constant.toListRef())
            items.push_back(constantSym(v));
        return items;
    }
    throw UnsupportedError("an argument is not a list");
}

std::string GraphConverter::intListTensor(const Sym& s) {
    if (s.kind == Sym::Kind::Tensor)
        return tensorAs(s, DType::Int64);
    if (s.isConstant())
        return int64s(constInts(s, "list"));
    if (s.kind == Sym::Kind::List && s.items.empty() && !s.name.empty())
        return s.name;
    if (s.kind == Sym::Kind::List && s.source) {
        if (auto it = m_listTensors.find(s.source); it != m_listTensors.end())
            return it->second;
    }
    const std::vector<Sym> items = listItems(s);
    std::vector<std::string> pieces;
    std::vector<int64_t> run;
    auto flush = [&] {
        if (!run.empty())
            pieces.push_back(int64s(run));
        run.clear();
    };
    for (const Sym& item : items) {
        if (item.isConstant()) {
            run.push_back(constInt(item, "list item"));
            continue;
        }
        flush();
        const std::string value = tensorAs(item, DType::Int64);
        const auto rank = item.rank();
        pieces.push_back(rank && *rank == 1 ? value : emit1("Unsqueeze", {value, int64s({0})}));
    }
    flush();
    std::string out = pieces.empty()      ? int64s({})
                      : pieces.size() == 1 ? pieces.front()
                                           : emit1("Concat", pieces, {{"axis", Attribute::makeInt(0)}});
    if (s.kind == Sym::Kind::List && s.source)
        m_listTensors[s.source] = out;
    return out;
}

// ---- types and shapes ----

DType GraphConverter::promote(const std::vector<const Sym*>& operands) const {
    DType dims = DType::Undefined, zeroDim = DType::Undefined, wrapped = DType::Undefined;
    for (const Sym* s : operands) {
        const DType t = dtypeOf(*s);
        if (s->kind == Sym::Kind::Scalar || (s->isConstant() && !s->constant.isTensor())) {
            // Python numbers: floats take the default dtype.
            wrapped = promoteTypes(wrapped, isFloatingType(t) ? DType::Float : t);
        } else if (s->rank() && *s->rank() == 0) {
            zeroDim = promoteTypes(zeroDim, t);
        } else {
            dims = promoteTypes(dims, t);
        }
    }
    return combineCategories(dims, combineCategories(zeroDim, wrapped));
}

std::vector<Dim> GraphConverter::broadcast(const std::vector<Dim>& a, const std::vector<Dim>& b) {
    const size_t rank = std::max(a.size(), b.size());
    std::vector<Dim> out(rank);
    for (size_t i = 0; i < rank; ++i) {
        const Dim* x = i < rank - a.size() ? nullptr : &a[i - (rank - a.size())];
        const Dim* y = i < rank - b.size() ? nullptr : &b[i - (rank - b.size())];
        if (!x || (x->isFixed() && x->value == 1))
            out[i] = y ? *y : Dim{1, {}};
        else if (!y || (y->isFixed() && y->value == 1))
            out[i] = *x;
        else if (x->isFixed())
            out[i] = *x;
        else if (y->isFixed())
            out[i] = *y;
        else
            out[i] = *x == *y ? *x : Dim{};
    }
    return out;
}

int64_t GraphConverter::normAxis(int64_t axis, int64_t rank) {
    const int64_t a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= std::max<int64_t>(rank, 1))
        throw UnsupportedError("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
    return a;
}

int64_t GraphConverter::axisOf(const Sym& s, int64_t dim) const {
    if (dim >= 0) {
        if (auto r = s.rank(); r && dim >= std::max<int64_t>(*r, 1))
            throw UnsupportedError("dim " + std::to_string(dim) + " is out of range for rank " + std::to_string(*r));
        return dim;
    }
    return normAxis(dim, requireRank(s, "input"));
}

int64_t GraphConverter::requireRank(const Sym& s, const char* what) const {
    if (auto r = s.rank())
        return *r;
    throw UnsupportedError(std::string("the rank of '") + what + "' is not known when the model is loaded: declare "
                           "forward's input shapes (autoglm --input-shape NAME=D0,D1,..., input_shapes in a "
                           "pipeline file)");
}

std::string GraphConverter::location(const torch::jit::Node& n) const {
    const torch::jit::SourceRange range = n.sourceRange();
    if (auto flc = range.file_line_col()) {
        const auto& [file, line, col] = *flc;
        return file + ":" + std::to_string(line) + ":" + std::to_string(col);
    }
    if (range.source()) {
        const size_t line = range.source()->lineno_for_offset(range.start());
        const size_t col = range.start() - range.source()->offset_for_line(line);
        return "<TorchScript code>:" + std::to_string(line + 1) + ":" + std::to_string(col);
    }
    return "unknown location";
}

} // namespace autoglm::torchscript
