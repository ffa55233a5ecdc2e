// prim:: ops, sizes, lists and the arithmetic of numbers. Numbers known when the model is loaded are computed
// here (Python semantics), so that size arithmetic over fixed dimensions leaves no nodes; numbers known only at
// run time (a batch or sequence length) become 0-d tensors of our graph.

#include "pipeline/torchscript/GraphConverter_p.h"

#include <torch/csrc/jit/ir/constants.h>

#include <cmath>

namespace autoglm::torchscript {
namespace {
using torch::jit::Node;

c10::TypeKind outputKind(const Node& n) {
    return n.outputs().size() == 1 ? n.output()->type()->kind() : c10::TypeKind::AnyType;
}

bool isNumber(const Sym& s) {
    return s.kind == Sym::Kind::Scalar ||
           (s.isConstant() && (s.constant.isInt() || s.constant.isDouble() || s.constant.isBool()));
}

DType numberType(c10::TypeKind kind) {
    switch (kind) {
    case c10::TypeKind::IntType:
        return DType::Int64;
    case c10::TypeKind::BoolType:
        return DType::Bool;
    default:
        return DType::Float;
    }
}

c10::IValue numberValue(double v, c10::TypeKind kind) {
    if (kind == c10::TypeKind::IntType)
        return c10::IValue(static_cast<int64_t>(v));
    if (kind == c10::TypeKind::BoolType)
        return c10::IValue(v != 0.0);
    return c10::IValue(v);
}

// Folds an op over known numbers; nullopt when it is not one we compute.
std::optional<c10::IValue> fold(const std::string& op, const std::vector<c10::IValue>& args, c10::TypeKind kind) {
    auto num = [&](size_t i) { return args[i].isInt() ? static_cast<double>(args[i].toInt()) : args[i].isBool() ? (args[i].toBool() ? 1.0 : 0.0) : args[i].toDouble(); };
    const bool ints = std::all_of(args.begin(), args.end(), [](const c10::IValue& v) { return v.isInt() || v.isBool(); });
    if (args.size() == 2) {
        const double a = num(0), b = num(1);
        if (ints && kind == c10::TypeKind::IntType) {
            const int64_t x = static_cast<int64_t>(a), y = static_cast<int64_t>(b);
            if (op == "add") return c10::IValue(x + y);
            if (op == "sub") return c10::IValue(x - y);
            if (op == "mul") return c10::IValue(x * y);
            if ((op == "floordiv" || op == "remainder" || op == "__mod__") && y == 0)
                throw AutoglmError("integer division by zero in the model's size arithmetic");
            if (op == "floordiv") return c10::IValue(static_cast<int64_t>(std::floor(static_cast<double>(x) / static_cast<double>(y))));
            if (op == "remainder" || op == "__mod__") return c10::IValue(((x % y) + y) % y);
        }
        if (op == "add") return numberValue(a + b, kind);
        if (op == "sub") return numberValue(a - b, kind);
        if (op == "mul") return numberValue(a * b, kind);
        if (op == "div") return numberValue(a / b, kind);
        if (op == "floordiv") return numberValue(std::floor(a / b), kind);
        if (op == "remainder" || op == "__mod__") return numberValue(a - std::floor(a / b) * b, kind);
        if (op == "pow") return numberValue(std::pow(a, b), kind);
        if (op == "eq") return c10::IValue(a == b);
        if (op == "ne") return c10::IValue(a != b);
        if (op == "lt") return c10::IValue(a < b);
        if (op == "le") return c10::IValue(a <= b);
        if (op == "gt") return c10::IValue(a > b);
        if (op == "ge") return c10::IValue(a >= b);
        if (op == "__and__") return c10::IValue(a != 0.0 && b != 0.0);
        if (op == "__or__") return c10::IValue(a != 0.0 || b != 0.0);
        if (op == "min") return numberValue(std::min(a, b), kind);
        if (op == "max") return numberValue(std::max(a, b), kind);
    }
    if (args.size() == 1) {
        const double a = num(0);
        if (op == "neg") return numberValue(-a, kind);
        if (op == "sqrt") return numberValue(std::sqrt(a), kind);
        if (op == "floor") return numberValue(std::floor(a), kind);
        if (op == "ceil") return numberValue(std::ceil(a), kind);
        if (op == "exp") return numberValue(std::exp(a), kind);
        if (op == "log") return numberValue(std::log(a), kind);
        if (op == "__not__") return c10::IValue(a == 0.0);
        if (op == "Int") return c10::IValue(static_cast<int64_t>(a));
        if (op == "Float") return c10::IValue(a);
        if (op == "Bool") return c10::IValue(a != 0.0);
    }
    return std::nullopt;
}

std::string opName(const Node& n) {
    const std::string q = n.kind().toUnqualString();
    return q;
}

} // namespace

bool returnsNumber(const Node& n) {
    const auto k = outputKind(n);
    return k == c10::TypeKind::IntType || k == c10::TypeKind::FloatType || k == c10::TypeKind::BoolType ||
           k == c10::TypeKind::NumberType;
}

bool convertNumberOp(GraphConverter& c, const Node& n) {
    if (!returnsNumber(n))
        return false;
    std::vector<const Sym*> args;
    for (size_t i = 0; i < n.inputs().size(); ++i) {
        const Sym& s = c.in(n, i);
        if (!isNumber(s))
            return false;
        args.push_back(&s);
    }
    const std::string op = opName(n);
    const c10::TypeKind kind = outputKind(n);
    if (std::all_of(args.begin(), args.end(), [](const Sym* s) { return s->isConstant(); })) {
        std::vector<c10::IValue> values;
        for (const Sym* s : args)
            values.push_back(s->constant);
        if (auto folded = fold(op, values, kind)) {
            c.bind(n.output(), GraphConverter::constantSym(*folded));
            return true;
        }
    }
    // At run time: 0-d tensors. Integer floor division and float results compute in double so that they are
    // exact over the range of sizes.
    const DType result = numberType(kind);
    auto operand = [&](size_t i, DType as) { return c.tensorAs(*args[i], as); };
    std::string out;
    static const std::map<std::string, std::string> binary{{"add", "Add"}, {"sub", "Sub"}, {"mul", "Mul"},
                                                           {"div", "Div"}, {"pow", "Pow"}, {"eq", "Equal"},
                                                           {"lt", "Less"}, {"le", "LessOrEqual"},
                                                           {"gt", "Greater"}, {"ge", "GreaterOrEqual"},
                                                           {"min", "Min"}, {"max", "Max"}, {"__and__", "And"},
                                                           {"__or__", "Or"}};
    const bool anyFloat = std::any_of(args.begin(), args.end(),
                                      [&](const Sym* s) { return c.dtypeOf(*s) == DType::Float; });
    const DType common = anyFloat || op == "div" || op == "pow" ? DType::Float : DType::Int64;
    if (args.size() == 2 && binary.count(op)) {
        const DType in = op == "__and__" || op == "__or__" ? DType::Bool : common;
        out = c.emit1(binary.at(op), {operand(0, in), operand(1, in)});
        const bool comparison = op == "eq" || op == "lt" || op == "le" || op == "gt" || op == "ge" ||
                                op == "__and__" || op == "__or__";
        const DType produced = comparison ? DType::Bool : in;
        if (produced != result)
            out = c.emit1("Cast", {out}, {{"to", Attribute::makeInt(static_cast<int64_t>(result))}});
    } else if (args.size() == 2 && op == "ne") {
        out = c.emit1("Not", {c.emit1("Equal", {operand(0, common), operand(1, common)})});
    } else if (args.size() == 2 && op == "floordiv") {
        out = c.emit1("Floor", {c.emit1("Div", {operand(0, DType::Double), operand(1, DType::Double)})});
        out = c.emit1("Cast", {out}, {{"to", Attribute::makeInt(static_cast<int64_t>(result))}});
    } else if (args.size() == 2 && (op == "remainder" || op == "__mod__")) {
        out = c.emit1("Mod", {operand(0, common), operand(1, common)}, {{"fmod", Attribute::makeInt(common == DType::Float)}});
    } else if (args.size() == 1 && (op == "neg" || op == "sqrt" || op == "floor" || op == "ceil" || op == "exp" ||
                                    op == "log")) {
        static const std::map<std::string, std::string> unary{{"neg", "Neg"},     {"sqrt", "Sqrt"}, {"floor", "Floor"},
                                                              {"ceil", "Ceil"},   {"exp", "Exp"},   {"log", "Log"}};
        const DType in = op == "neg" ? common : DType::Float;
        out = c.emit1(unary.at(op), {operand(0, in)});
        if (in != result)
            out = c.emit1("Cast", {out}, {{"to", Attribute::makeInt(static_cast<int64_t>(result))}});
    } else if (args.size() == 1 && op == "__not__") {
        out = c.emit1("Not", {operand(0, DType::Bool)});
    } else if (args.size() == 1 && (op == "Int" || op == "Float" || op == "Bool" || op == "ScalarImplicit")) {
        out = operand(0, result);
    } else {
        throw UnsupportedError("this arithmetic on numbers known only at run time");
    }
    c.bind(n.output(), c.scalarSym(out, result));
    return true;
}

void registerScalarOps(HandlerTable& t) {
    t["prim::Constant"] = [](GraphConverter& c, const Node& n) {
        auto value = torch::jit::toIValue(n.output());
        if (!value)
            throw UnsupportedError("a constant of type " + n.output()->type()->str());
        c.bind(n.output(), GraphConverter::constantSym(*value));
    };
    auto construct = [](GraphConverter& c, const Node& n) {
        Sym list;
        list.kind = Sym::Kind::List;
        for (size_t i = 0; i < n.inputs().size(); ++i)
            list.items.push_back(c.in(n, i));
        c.bind(n.output(), std::move(list));
    };
    t["prim::ListConstruct"] = construct;
    t["prim::TupleConstruct"] = construct;
    auto unpack = [](GraphConverter& c, const Node& n) {
        const auto items = c.listItems(c.in(n, 0), n.outputs().size());
        if (items.size() != n.outputs().size())
            throw AutoglmError("unpacking " + std::to_string(items.size()) + " values into " +
                               std::to_string(n.outputs().size()));
        for (size_t i = 0; i < items.size(); ++i)
            c.bind(n.outputs()[i], items[i]);
    };
    t["prim::ListUnpack"] = unpack;
    t["prim::TupleUnpack"] = unpack;
    auto index = [](GraphConverter& c, const Node& n) {
        const Sym& list = c.in(n, 0);
        const Sym& at = c.in(n, 1);
        if (list.kind == Sym::Kind::Tensor || (list.isConstant() && list.constant.isTensor()))
            throw UnsupportedError("indexing a tensor with a number here; use select");
        if (at.isConstant() && !(list.kind == Sym::Kind::List && list.items.empty() && !list.name.empty())) {
            const auto items = c.listItems(list);
            int64_t i = c.constInt(at, "index");
            if (i < 0)
                i += static_cast<int64_t>(items.size());
            if (i < 0 || i >= static_cast<int64_t>(items.size()))
                throw AutoglmError("list index " + std::to_string(c.constInt(at, "index")) + " is out of range");
            c.bind(n.output(), items[static_cast<size_t>(i)]);
            return;
        }
        // A list of ints indexed at run time (or a shape of unknown length): gather from its tensor form.
        const std::string value = c.emit1("Gather", {c.intListTensor(list), c.tensorAs(at, DType::Int64)},
                                          {{"axis", Attribute::makeInt(0)}});
        c.bind(n.output(), c.scalarSym(value, DType::Int64));
    };
    t["aten::__getitem__"] = index;
    t["prim::TupleIndex"] = index;
    t["aten::len"] = [](GraphConverter& c, const Node& n) {
        const Sym& s = c.in(n, 0);
        if (s.kind == Sym::Kind::Tensor || (s.isConstant() && s.constant.isTensor())) {
            const auto shape = c.shapeOf(s);
            if (shape && !shape->empty() && (*shape)[0].isFixed()) {
                c.bind(n.output(), GraphConverter::constantSym(c10::IValue((*shape)[0].value)));
                return;
            }
            const std::string dim = c.emit1("Gather", {c.emit1("Shape", {c.tensor(s)}), c.scalar(0, DType::Int64)},
                                            {{"axis", Attribute::makeInt(0)}});
            c.bind(n.output(), c.scalarSym(dim, DType::Int64));
            return;
        }
        c.bind(n.output(), GraphConverter::constantSym(c10::IValue(static_cast<int64_t>(c.listItems(s).size()))));
    };
    t["aten::size"] = [](GraphConverter& c, const Node& n) {
        const Sym& x = c.in(n, 0);
        const Shape shape = c.shapeOf(x);
        if (n.inputs().size() >= 2) {
            if (shape && c.isKnown(c.in(n, 1))) {
                const int64_t dim = GraphConverter::normAxis(c.constInt(c.in(n, 1), "dim"),
                                                             static_cast<int64_t>(shape->size()));
                const Dim& d = (*shape)[static_cast<size_t>(dim)];
                if (d.isFixed()) {
                    c.bind(n.output(), GraphConverter::constantSym(c10::IValue(d.value)));
                    return;
                }
            }
            const std::string dim = c.emit1("Gather", {c.emit1("Shape", {c.tensor(x)}), c.tensorAs(c.in(n, 1), DType::Int64)},
                                            {{"axis", Attribute::makeInt(0)}});
            Sym item = c.scalarSym(dim, DType::Int64);
            if (shape && c.isKnown(c.in(n, 1)))
                item.sizeDim = (*shape)[static_cast<size_t>(GraphConverter::normAxis(c.constInt(c.in(n, 1), "dim"),
                                                                                     static_cast<int64_t>(shape->size())))];
            c.bind(n.output(), std::move(item));
            return;
        }
        Sym list;
        list.kind = Sym::Kind::List;
        if (shape && std::all_of(shape->begin(), shape->end(), [](const Dim& d) { return d.isFixed(); })) {
            for (const Dim& d : *shape)
                list.items.push_back(GraphConverter::constantSym(c10::IValue(d.value)));
        } else {
            list.name = c.emit1("Shape", {c.tensor(x)});
            if (shape) {
                for (size_t i = 0; i < shape->size(); ++i) {
                    const Dim& d = (*shape)[i];
                    if (d.isFixed()) {
                        list.items.push_back(GraphConverter::constantSym(c10::IValue(d.value)));
                        continue;
                    }
                    const std::string v = c.emit1("Gather", {list.name, c.scalar(static_cast<double>(i), DType::Int64)},
                                                  {{"axis", Attribute::makeInt(0)}});
                    Sym item = c.scalarSym(v, DType::Int64);
                    item.sizeDim = d;
                    list.items.push_back(std::move(item));
                }
                if (shape->empty())
                    list.name.clear();
            }
        }
        c.bind(n.output(), std::move(list));
    };
    t["aten::dim"] = [](GraphConverter& c, const Node& n) {
        c.bind(n.output(), GraphConverter::constantSym(c10::IValue(c.requireRank(c.in(n, 0), "input"))));
    };
    t["aten::numel"] = [](GraphConverter& c, const Node& n) {
        const Shape shape = c.shapeOf(c.in(n, 0));
        if (shape && std::all_of(shape->begin(), shape->end(), [](const Dim& d) { return d.isFixed(); })) {
            int64_t count = 1;
            for (const Dim& d : *shape)
                count *= d.value;
            c.bind(n.output(), GraphConverter::constantSym(c10::IValue(count)));
            return;
        }
        const std::string v = c.emit1("ReduceProd", {c.emit1("Shape", {c.tensor(c.in(n, 0))})},
                                      {{"keepdims", Attribute::makeInt(0)}});
        c.bind(n.output(), c.scalarSym(v, DType::Int64));
    };
    t["prim::NumToTensor"] = [](GraphConverter& c, const Node& n) {
        const Sym& s = c.in(n, 0);
        if (s.isConstant()) {
            const c10::IValue& v = s.constant;
            at::Tensor t = v.isInt()    ? at::scalar_tensor(v.toInt(), at::kLong)
                           : v.isBool() ? at::scalar_tensor(v.toBool(), at::kBool)
                                        : at::scalar_tensor(c.constDouble(s, "value"), at::kDouble);
            c.bind(n.output(), GraphConverter::constantSym(c10::IValue(t)));
            return;
        }
        c.bindTensor(n.output(), c.tensor(s), c.dtypeOf(s), std::vector<Dim>{});
    };
    auto toNumber = [](GraphConverter& c, const Node& n) {
        const Sym& s = c.in(n, 0);
        const c10::TypeKind kind = outputKind(n);
        const DType result = kind == c10::TypeKind::IntType    ? DType::Int64
                             : kind == c10::TypeKind::BoolType ? DType::Bool
                             : kind == c10::TypeKind::FloatType ? DType::Float
                                                               : c.dtypeOf(s);
        if (s.isConstant()) {
            const double v = c.constDouble(s, "value");
            const c10::TypeKind folded = kind != c10::TypeKind::NumberType ? kind
                                         : result == DType::Int64 || result == DType::Bool ? c10::TypeKind::IntType
                                                                                            : c10::TypeKind::FloatType;
            c.bind(n.output(), GraphConverter::constantSym(numberValue(v, folded)));
            return;
        }
        std::string value = c.tensor(s);
        const auto rank = s.rank();
        if (!rank || *rank != 0)
            value = c.emit1("Reshape", {value, c.int64s({})});
        Sym zeroDim = c.scalarSym(value, c.dtypeOf(s));
        c.bind(n.output(), c.scalarSym(c.tensorAs(zeroDim, result), result));
    };
    for (const char* k : {"aten::Int", "aten::Float", "aten::Bool", "aten::ScalarImplicit", "aten::IntImplicit",
                          "aten::FloatImplicit", "aten::item"})
        t[k] = toNumber;
    // Arithmetic on numbers (tensor overloads of the same names are in TensorOps.cpp and defer here first).
    for (const char* k : {"aten::floordiv", "aten::__mod__", "aten::__and__", "aten::__or__", "aten::__not__",
                          "prim::min", "prim::max"})
        t[k] = [](GraphConverter& c, const Node& n) {
            if (!convertNumberOp(c, n))
                throw UnsupportedError("this overload (on lists or tensors)");
        };
    t["prim::device"] = [](GraphConverter& c, const Node& n) {
        c.bind(n.output(), GraphConverter::constantSym(c10::IValue(c10::Device(c10::kCPU))));
    };
    t["prim::dtype"] = [](GraphConverter& c, const Node& n) {
        const DType type = c.dtypeOf(c.in(n, 0));
        static const std::map<DType, at::ScalarType> types{{DType::Float, at::kFloat},   {DType::Double, at::kDouble},
                                                           {DType::Float16, at::kHalf},  {DType::BFloat16, at::kBFloat16},
                                                           {DType::Int64, at::kLong},    {DType::Int32, at::kInt},
                                                           {DType::Int16, at::kShort},   {DType::Int8, at::kChar},
                                                           {DType::UInt8, at::kByte},    {DType::Bool, at::kBool}};
        auto it = types.find(type);
        if (it == types.end())
            throw UnsupportedError("the element type of this tensor is not known when the model is loaded");
        c.bind(n.output(), GraphConverter::constantSym(c10::IValue(static_cast<int64_t>(it->second))));
    };
    auto is = [](bool wantSame) {
        return [wantSame](GraphConverter& c, const Node& n) {
            const Sym& a = c.in(n, 0);
            const Sym& b = c.in(n, 1);
            if (!(a.isNone() || b.isNone()))
                throw UnsupportedError("identity comparison other than with None");
            const bool same = a.isNone() && b.isNone();
            c.bind(n.output(), GraphConverter::constantSym(c10::IValue(wantSame ? same : !same)));
        };
    };
    t["aten::__is__"] = is(true);
    t["aten::__isnot__"] = is(false);
    auto alias = [](GraphConverter& c, const Node& n) { c.bind(n.output(), c.in(n, 0)); };
    t["prim::unchecked_cast"] = alias;
    t["aten::list"] = alias;
    t["aten::detach"] = alias;
    t["aten::clone"] = alias;
    t["aten::contiguous"] = alias;
    t["prim::requires_grad"] = [](GraphConverter& c, const Node& n) {
        c.bind(n.output(), GraphConverter::constantSym(c10::IValue(false)));
    };
    t["aten::warn"] = [](GraphConverter&, const Node&) {};
}

} // namespace autoglm::torchscript
