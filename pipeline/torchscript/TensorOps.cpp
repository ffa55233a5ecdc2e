// Elementwise arithmetic and comparisons (with torch's type promotion), reductions, casts and tensor creation.

#include "pipeline/torchscript/GraphConverter_p.h"

#include "pipeline/exec/TorchTypes.h"

namespace autoglm::torchscript {
namespace {
using torch::jit::Node;

Attribute intAttr(int64_t v) {
    return Attribute::makeInt(v);
}

std::string castTo(GraphConverter& c, const std::string& value, DType to) {
    return c.emit1("Cast", {value}, {{"to", intAttr(static_cast<int64_t>(to))}});
}

Sym tensorSym(const std::string& name, DType dtype, Shape shape) {
    Sym s;
    s.kind = Sym::Kind::Tensor;
    s.name = name;
    s.dtype = dtype;
    s.shape = std::move(shape);
    return s;
}

bool isOne(const GraphConverter& c, const Sym& s) {
    return s.isConstant() && (s.constant.isInt() || s.constant.isDouble()) && c.constDouble(s, "alpha") == 1.0;
}

// add / sub with alpha: a ± alpha * b.
OpHandler addSub(const char* opType, bool reversed) {
    return [opType, reversed](GraphConverter& c, const Node& n) {
        if (convertNumberOp(c, n))
            return;
        if (n.output()->type()->kind() == c10::TypeKind::ListType) { // list concatenation (aten::add.t)
            Sym list;
            list.kind = Sym::Kind::List;
            for (size_t i = 0; i < 2; ++i)
                for (const Sym& item : c.listItems(c.in(n, i)))
                    list.items.push_back(item);
            c.bind(n.output(), std::move(list));
            return;
        }
        const Sym& self = c.in(n, 0);
        const Sym& other = c.in(n, 1);
        const Sym* a = reversed ? &other : &self;
        const Sym* b = reversed ? &self : &other;
        const DType type = c.promote({&self, &other});
        Sym scaled;
        if (n.inputs().size() > 2 && !isOne(c, c.in(n, 2))) {
            scaled = applyElementwise(c, "Mul", {b, &c.in(n, 2)}, type);
            b = &scaled;
        }
        elementwise(c, n, opType, {a, b}, type);
    };
}

OpHandler binary(const char* opType, std::optional<DType> result = std::nullopt) {
    return [opType, result](GraphConverter& c, const Node& n) {
        if (convertNumberOp(c, n))
            return;
        elementwise(c, n, opType, {&c.in(n, 0), &c.in(n, 1)}, std::nullopt, result);
    };
}

OpHandler compare(const char* opType, bool negate = false) {
    return [opType, negate](GraphConverter& c, const Node& n) {
        if (convertNumberOp(c, n))
            return;
        Sym s = applyElementwise(c, opType, {&c.in(n, 0), &c.in(n, 1)}, std::nullopt, DType::Bool);
        if (negate)
            s.name = c.emit1("Not", {s.name});
        c.bind(n.output(), s);
    };
}

OpHandler logical(const char* opType) {
    return [opType](GraphConverter& c, const Node& n) {
        if (convertNumberOp(c, n))
            return;
        elementwise(c, n, opType, {&c.in(n, 0), &c.in(n, 1)}, DType::Bool, DType::Bool);
    };
}

// Unary ops that torch computes in floating point even for integer tensors (sqrt, exp, ...).
OpHandler unaryFloat(const char* opType) {
    return [opType](GraphConverter& c, const Node& n) {
        if (convertNumberOp(c, n))
            return;
        const Sym& x = c.in(n, 0);
        const DType type = isFloatingType(c.dtypeOf(x)) ? c.dtypeOf(x) : DType::Float;
        elementwise(c, n, opType, {&x}, type);
    };
}

OpHandler unarySame(const char* opType) {
    return [opType](GraphConverter& c, const Node& n) {
        if (convertNumberOp(c, n))
            return;
        elementwise(c, n, opType, {&c.in(n, 0)});
    };
}

void divide(GraphConverter& c, const Node& n) {
    if (convertNumberOp(c, n))
        return;
    const Sym& a = c.in(n, 0);
    const Sym& b = c.in(n, 1);
    const DType type = c.promote({&a, &b});
    std::optional<std::string> mode;
    if (n.inputs().size() > 2)
        mode = c.constString(c.in(n, 2));
    if (!mode) { // true division: integers divide as floats
        elementwise(c, n, "Div", {&a, &b}, isFloatingType(type) ? type : DType::Float);
        return;
    }
    if (*mode != "floor" && !(*mode == "trunc" && !isFloatingType(type)))
        throw UnsupportedError("division with rounding_mode '" + *mode + "' on floating-point tensors");
    // Integers divide in double (exact over their range here), then round.
    const DType work = isFloatingType(type) ? type : DType::Double;
    Sym q = applyElementwise(c, "Div", {&a, &b}, work);
    std::string out = *mode == "floor" ? c.emit1("Floor", {q.name}) : q.name;
    if (work != type)
        out = castTo(c, out, type);
    c.bindTensor(n.output(), out, type, q.shape);
}

void remainder(GraphConverter& c, const Node& n) {
    if (convertNumberOp(c, n))
        return;
    const Sym& a = c.in(n, 0);
    const Sym& b = c.in(n, 1);
    const DType type = c.promote({&a, &b});
    if (!isFloatingType(type)) { // ONNX Mod with fmod=0 has Python's sign rule for integers
        elementwise(c, n, "Mod", {&a, &b}, type);
        return;
    }
    // a - floor(a / b) * b, Python's rule for floats (fmod takes the sign of a instead).
    Sym q = applyElementwise(c, "Div", {&a, &b}, type);
    const Sym floored = tensorSym(c.emit1("Floor", {q.name}), type, q.shape);
    const Sym times = applyElementwise(c, "Mul", {&floored, &b}, type);
    elementwise(c, n, "Sub", {&a, &times}, type);
}

void clamp(GraphConverter& c, const Node& n, const Sym* lo, const Sym* hi) {
    const Sym& x = c.in(n, 0);
    DType type = c.dtypeOf(x);
    if (!isFloatingType(type) &&
        ((lo && !lo->isNone() && isFloatingType(c.dtypeOf(*lo))) || (hi && !hi->isNone() && isFloatingType(c.dtypeOf(*hi)))))
        type = DType::Float;
    auto bound = [&](const Sym* s) -> std::string {
        if (!s || s->isNone())
            return "";
        if (s->rank().value_or(1) != 0)
            throw UnsupportedError("clamp bounds that are tensors");
        return c.tensorAs(*s, type);
    };
    std::vector<std::string> inputs{c.tensorAs(x, type), bound(lo), bound(hi)};
    while (!inputs.empty() && inputs.back().empty())
        inputs.pop_back();
    c.bindTensor(n.output(), c.emit1("Clip", inputs), type, c.shapeOf(x));
}

// Reduced dimensions of a shape (all of them when axes is empty).
Shape reducedShape(const Shape& in, const std::vector<int64_t>& axes, bool keep) {
    if (!in)
        return std::nullopt;
    std::vector<Dim> out;
    for (int64_t i = 0; i < static_cast<int64_t>(in->size()); ++i) {
        const bool reduced = axes.empty() || std::find(axes.begin(), axes.end(), i) != axes.end();
        if (!reduced)
            out.push_back((*in)[static_cast<size_t>(i)]);
        else if (keep)
            out.push_back(Dim{1, {}});
    }
    return out;
}

// mean / sum / amax / amin: (self, dim, keepdim, dtype) or (self, dtype).
OpHandler reduce(const char* opType, bool axesAsInput, bool isSum) {
    return [opType, axesAsInput, isSum](GraphConverter& c, const Node& n) {
        const Sym& x = c.in(n, 0);
        std::vector<int64_t> axes;
        bool keep = false;
        std::optional<DType> dtype;
        const Sym* dimArg = namedArg(c, n, "dim");
        if (dimArg && !dimArg->isNone()) {
            axes = c.constInts(*dimArg, "dim");
            for (int64_t& a : axes)
                a = c.axisOf(x, a);
        }
        if (const Sym* k = namedArg(c, n, "keepdim"))
            keep = c.constBool(*k, "keepdim");
        if (const Sym* d = namedArg(c, n, "dtype"))
            dtype = c.scalarTypeArg(*d);
        DType type = dtype.value_or(c.dtypeOf(x));
        if (isSum && !dtype && !isFloatingType(type))
            type = DType::Int64; // torch sums integers and booleans in int64
        std::string input = c.tensorAs(x, type);
        std::map<std::string, Attribute> attrs{{"keepdims", intAttr(keep ? 1 : 0)}};
        std::vector<std::string> inputs{input};
        if (!axes.empty()) {
            if (axesAsInput)
                inputs.push_back(c.int64s(axes));
            else
                attrs["axes"] = Attribute::makeInts(axes);
        }
        c.bindTensor(n.output(), c.emit1(opType, inputs, attrs), type, reducedShape(c.shapeOf(x), axes, keep));
    };
}

void toType(GraphConverter& c, const Node& n) {
    const Sym& x = c.in(n, 0);
    std::optional<DType> target;
    if (const Sym* d = namedArg(c, n, "dtype"))
        target = c.scalarTypeArg(*d);
    else if (const Sym* other = namedArg(c, n, "other"))
        target = c.dtypeOf(*other);
    if (!target || *target == c.dtypeOf(x)) {
        c.bind(n.output(), x);
        return;
    }
    c.bindTensor(n.output(), c.tensorAs(x, *target), *target, c.shapeOf(x));
}

void arange(GraphConverter& c, const Node& n) {
    const Sym* start = namedArg(c, n, "start");
    const Sym* end = namedArg(c, n, "end");
    const Sym* step = namedArg(c, n, "step");
    if (!end)
        throw UnsupportedError("this overload of arange");
    std::optional<DType> dtype;
    if (const Sym* d = namedArg(c, n, "dtype"))
        dtype = c.scalarTypeArg(*d);
    std::vector<const Sym*> given{end};
    if (start)
        given.push_back(start);
    if (step)
        given.push_back(step);
    const bool allInts = std::all_of(given.begin(), given.end(), [&](const Sym* s) {
        return !isFloatingType(c.dtypeOf(*s));
    });
    const DType type = dtype.value_or(allInts ? DType::Int64 : DType::Float);
    if (std::all_of(given.begin(), given.end(), [](const Sym* s) { return s->isConstant(); })) {
        const double s0 = start ? c.constDouble(*start, "start") : 0.0;
        const double s1 = c.constDouble(*end, "end");
        const double ds = step ? c.constDouble(*step, "step") : 1.0;
        at::Tensor t = at::arange(s0, s1, ds, at::TensorOptions().dtype(at::kDouble)).to(requireTorchType(type, "arange"));
        c.bind(n.output(), GraphConverter::constantSym(c10::IValue(t)));
        return;
    }
    const std::string s0 = start ? c.tensorAs(*start, type) : c.scalar(0, type);
    const std::string s2 = step ? c.tensorAs(*step, type) : c.scalar(1, type);
    // arange(T) with T the size of a dimension has that dimension's length (and symbol).
    const bool countsUp = (!start || (start->isConstant() && c.constDouble(*start, "start") == 0.0)) &&
                          (!step || (step->isConstant() && c.constDouble(*step, "step") == 1.0));
    const Dim length = countsUp && end->kind == Sym::Kind::Scalar ? end->sizeDim : Dim{};
    c.bindTensor(n.output(), c.emit1("Range", {s0, c.tensorAs(*end, type), s2}), type, std::vector<Dim>{length});
}

// zeros / ones / full (size list) and their *_like forms (shape of a tensor).
OpHandler fill(std::optional<double> value, bool like) {
    return [value, like](GraphConverter& c, const Node& n) {
        const Sym& first = c.in(n, 0);
        double v = value ? *value : 0.0;
        if (!value) {
            const Sym* f = namedArg(c, n, "fill_value");
            if (!f)
                throw UnsupportedError("this overload");
            v = c.constDouble(*f, "fill_value");
        }
        std::optional<DType> dtype;
        if (const Sym* d = namedArg(c, n, "dtype"))
            dtype = c.scalarTypeArg(*d);
        const DType type = dtype.value_or(like ? c.dtypeOf(first) : DType::Float);
        const at::ScalarType torchType = requireTorchType(type, "fill");
        Shape shape;
        std::string shapeTensor;
        if (like) {
            shape = c.shapeOf(first);
            if (!shape || !std::all_of(shape->begin(), shape->end(), [](const Dim& d) { return d.isFixed(); }))
                shapeTensor = c.emit1("Shape", {c.tensor(first)});
        } else if (first.isConstant() || (first.kind == Sym::Kind::List &&
                                          std::all_of(first.items.begin(), first.items.end(),
                                                      [](const Sym& s) { return s.isConstant(); }) &&
                                          first.name.empty())) {
            std::vector<Dim> dims;
            for (int64_t d : c.constInts(first, "size"))
                dims.push_back(Dim{d, {}});
            shape = dims;
        } else {
            shapeTensor = c.intListTensor(first);
            std::vector<Dim> dims;
            for (const Sym& item : c.listItems(first, std::nullopt))
                dims.push_back(item.isConstant() ? Dim{c.constInt(item, "size"), {}} : Dim{});
            shape = dims;
        }
        if (shapeTensor.empty()) {
            std::vector<int64_t> sizes;
            for (const Dim& d : *shape)
                sizes.push_back(d.value);
            at::Tensor t = at::full(sizes, v, at::TensorOptions().dtype(torchType));
            c.bind(n.output(), GraphConverter::constantSym(c10::IValue(t)));
            return;
        }
        at::Tensor fillValue = at::full({1}, v, at::TensorOptions().dtype(torchType));
        c.bindTensor(n.output(), c.emit1("ConstantOfShape", {shapeTensor}, {{"value", Attribute::makeTensor(TensorData(fillValue))}}),
                     type, shape);
    };
}

} // namespace

bool isFloatingType(DType t) {
    return t == DType::Float || t == DType::Double || t == DType::Float16 || t == DType::BFloat16;
}

const Sym* namedArg(GraphConverter& c, const Node& n, const char* name) {
    const c10::FunctionSchema* schema = n.maybeSchema();
    if (!schema)
        return nullptr;
    const auto index = schema->argumentIndexWithName(name);
    if (!index || static_cast<size_t>(*index) >= n.inputs().size())
        return nullptr;
    return &c.in(n, static_cast<size_t>(*index));
}

Sym applyElementwise(GraphConverter& c, const std::string& opType, const std::vector<const Sym*>& operands,
                     std::optional<DType> computeAs, std::optional<DType> resultAs) {
    const DType type = computeAs ? *computeAs : c.promote(operands);
    std::vector<std::string> inputs;
    Shape shape = std::vector<Dim>{};
    for (const Sym* s : operands) {
        if (!s->isTensorLike())
            throw UnsupportedError("an operand is not a tensor or number");
        inputs.push_back(c.tensorAs(*s, type));
        const Shape sh = c.shapeOf(*s);
        shape = shape && sh ? std::optional(GraphConverter::broadcast(*shape, *sh)) : std::nullopt;
    }
    return tensorSym(c.emit1(opType, inputs), resultAs.value_or(type), shape);
}

void elementwise(GraphConverter& c, const Node& n, const std::string& opType, const std::vector<const Sym*>& operands,
                 std::optional<DType> computeAs, std::optional<DType> resultAs) {
    c.bind(n.output(), applyElementwise(c, opType, operands, computeAs, resultAs));
}

void registerTensorOps(HandlerTable& t) {
    t["aten::add"] = addSub("Add", false);
    t["aten::sub"] = addSub("Sub", false);
    t["aten::rsub"] = addSub("Sub", true);
    t["aten::mul"] = binary("Mul");
    t["aten::div"] = divide;
    t["aten::true_divide"] = divide;
    t["aten::floor_divide"] = [](GraphConverter& c, const Node& n) {
        const Sym& a = c.in(n, 0);
        const Sym& b = c.in(n, 1);
        const DType type = c.promote({&a, &b});
        const DType work = isFloatingType(type) ? type : DType::Double;
        Sym q = applyElementwise(c, "Div", {&a, &b}, work);
        std::string out = c.emit1("Floor", {q.name});
        c.bindTensor(n.output(), work != type ? castTo(c, out, type) : out, type, q.shape);
    };
    t["aten::remainder"] = remainder;
    t["aten::pow"] = [](GraphConverter& c, const Node& n) {
        if (convertNumberOp(c, n))
            return;
        const Sym& a = c.in(n, 0);
        const Sym& b = c.in(n, 1);
        elementwise(c, n, "Pow", {&a, &b});
    };
    t["aten::maximum"] = binary("Max");
    t["aten::minimum"] = binary("Min");
    t["aten::eq"] = compare("Equal");
    t["aten::ne"] = compare("Equal", true);
    t["aten::lt"] = compare("Less");
    t["aten::le"] = compare("LessOrEqual");
    t["aten::gt"] = compare("Greater");
    t["aten::ge"] = compare("GreaterOrEqual");
    t["aten::logical_and"] = logical("And");
    t["aten::logical_or"] = logical("Or");
    t["aten::logical_xor"] = logical("Xor");
    auto bitwise = [](const char* op) {
        return [op](GraphConverter& c, const Node& n) {
            if (convertNumberOp(c, n))
                return;
            if (c.dtypeOf(c.in(n, 0)) != DType::Bool || c.dtypeOf(c.in(n, 1)) != DType::Bool)
                throw UnsupportedError("bitwise operations on integer tensors");
            elementwise(c, n, op, {&c.in(n, 0), &c.in(n, 1)}, DType::Bool);
        };
    };
    t["aten::__and__"] = bitwise("And");
    t["aten::bitwise_and"] = bitwise("And");
    t["aten::__or__"] = bitwise("Or");
    t["aten::bitwise_or"] = bitwise("Or");
    auto logicalNot = [](GraphConverter& c, const Node& n) {
        if (convertNumberOp(c, n))
            return;
        const Sym& x = c.in(n, 0);
        if (n.kind().toUnqualString() == std::string("bitwise_not") && c.dtypeOf(x) != DType::Bool)
            throw UnsupportedError("bitwise_not on integer tensors");
        elementwise(c, n, "Not", {&x}, DType::Bool);
    };
    t["aten::bitwise_not"] = logicalNot;
    t["aten::logical_not"] = logicalNot;
    t["aten::neg"] = unarySame("Neg");
    t["aten::abs"] = unarySame("Abs");
    t["aten::sign"] = unarySame("Sign");
    t["aten::floor"] = unarySame("Floor");
    t["aten::ceil"] = unarySame("Ceil");
    t["aten::round"] = unarySame("Round");
    t["aten::exp"] = unaryFloat("Exp");
    t["aten::log"] = unaryFloat("Log");
    t["aten::sqrt"] = unaryFloat("Sqrt");
    t["aten::sin"] = unaryFloat("Sin");
    t["aten::cos"] = unaryFloat("Cos");
    t["aten::erf"] = unaryFloat("Erf");
    t["aten::reciprocal"] = unaryFloat("Reciprocal");
    t["aten::rsqrt"] = [](GraphConverter& c, const Node& n) {
        const Sym& x = c.in(n, 0);
        const DType type = isFloatingType(c.dtypeOf(x)) ? c.dtypeOf(x) : DType::Float;
        const Sym root = applyElementwise(c, "Sqrt", {&x}, type);
        elementwise(c, n, "Reciprocal", {&root}, type);
    };
    t["aten::clamp"] = [](GraphConverter& c, const Node& n) { clamp(c, n, &c.in(n, 1), &c.in(n, 2)); };
    t["aten::clip"] = t["aten::clamp"];
    t["aten::clamp_min"] = [](GraphConverter& c, const Node& n) { clamp(c, n, &c.in(n, 1), nullptr); };
    t["aten::clamp_max"] = [](GraphConverter& c, const Node& n) { clamp(c, n, nullptr, &c.in(n, 1)); };
    t["aten::where"] = [](GraphConverter& c, const Node& n) {
        if (n.inputs().size() != 3)
            throw UnsupportedError("where(condition) with one argument (its output size depends on the data)");
        const Sym& cond = c.in(n, 0);
        const Sym& a = c.in(n, 1);
        const Sym& b = c.in(n, 2);
        const DType type = c.promote({&a, &b});
        const std::string out = c.emit1("Where", {c.tensorAs(cond, DType::Bool), c.tensorAs(a, type), c.tensorAs(b, type)});
        const Shape sc = c.shapeOf(cond), sa = c.shapeOf(a), sb = c.shapeOf(b);
        Shape shape = sc && sa && sb ? std::optional(GraphConverter::broadcast(GraphConverter::broadcast(*sc, *sa), *sb))
                                     : std::nullopt;
        c.bindTensor(n.output(), out, type, shape);
    };
    t["aten::masked_fill"] = [](GraphConverter& c, const Node& n) {
        const Sym& x = c.in(n, 0);
        const Sym& mask = c.in(n, 1);
        const Sym& value = c.in(n, 2);
        const DType type = c.dtypeOf(x);
        const std::string out = c.emit1("Where", {c.tensorAs(mask, DType::Bool), c.tensorAs(value, type), c.tensor(x)});
        const Shape sx = c.shapeOf(x), sm = c.shapeOf(mask);
        c.bindTensor(n.output(), out, type, sx && sm ? std::optional(GraphConverter::broadcast(*sx, *sm)) : std::nullopt);
    };
    t["aten::mean"] = reduce("ReduceMean", false, false);
    t["aten::sum"] = reduce("ReduceSum", true, true);
    t["aten::amax"] = reduce("ReduceMax", false, false);
    t["aten::amin"] = reduce("ReduceMin", false, false);
    t["aten::to"] = toType;
    t["aten::type_as"] = [](GraphConverter& c, const Node& n) {
        const Sym& x = c.in(n, 0);
        const DType target = c.dtypeOf(c.in(n, 1));
        c.bindTensor(n.output(), c.tensorAs(x, target), target, c.shapeOf(x));
    };
    t["aten::arange"] = arange;
    t["aten::zeros"] = fill(0.0, false);
    t["aten::ones"] = fill(1.0, false);
    t["aten::full"] = fill(std::nullopt, false);
    t["aten::zeros_like"] = fill(0.0, true);
    t["aten::ones_like"] = fill(1.0, true);
    t["aten::full_like"] = fill(std::nullopt, true);
    auto trilu = [](bool upper) {
        return [upper](GraphConverter& c, const Node& n) {
            const Sym& x = c.in(n, 0);
            std::vector<std::string> inputs{c.tensor(x)};
            if (n.inputs().size() > 1)
                inputs.push_back(c.tensorAs(c.in(n, 1), DType::Int64));
            c.bindTensor(n.output(), c.emit1("Trilu", inputs, {{"upper", intAttr(upper ? 1 : 0)}}), c.dtypeOf(x),
                         c.shapeOf(x));
        };
    };
    t["aten::tril"] = trilu(false);
    t["aten::triu"] = trilu(true);
    t["aten::cumsum"] = [](GraphConverter& c, const Node& n) {
        const Sym& x = c.in(n, 0);
        std::optional<DType> dtype;
        if (const Sym* d = namedArg(c, n, "dtype"))
            dtype = c.scalarTypeArg(*d);
        DType type = dtype.value_or(c.dtypeOf(x));
        if (!dtype && !isFloatingType(type))
            type = DType::Int64;
        const std::string out = c.emit1("CumSum", {c.tensorAs(x, type), c.tensorAs(c.in(n, 1), DType::Int64)});
        c.bindTensor(n.output(), out, type, c.shapeOf(x));
    };
}

} // namespace autoglm::torchscript
