// Views and reshapes, joins and splits, slicing and indexing.

#include "pipeline/torchscript/GraphConverter_p.h"

#include <limits>
#include <numeric>

namespace autoglm::torchscript {
namespace {
using torch::jit::Node;

constexpr int64_t kEnd = std::numeric_limits<int64_t>::max();

Attribute intAttr(int64_t v) {
    return Attribute::makeInt(v);
}

bool allFixed(const Shape& s) {
    return s && std::all_of(s->begin(), s->end(), [](const Dim& d) { return d.isFixed(); });
}

// The shape a reshape to `target` gives, with one -1 resolved when the element counts are known.
Shape reshapeShape(GraphConverter& c, const Shape& input, const Sym& target) {
    std::vector<Dim> dims;
    if (target.kind == Sym::Kind::Tensor)
        return std::nullopt;
    std::vector<Sym> items;
    try {
        items = c.listItems(target);
    } catch (const UnsupportedError&) {
        return std::nullopt;
    }
    int64_t known = 1;
    int inferred = -1;
    for (size_t i = 0; i < items.size(); ++i) {
        const Sym& item = items[i];
        if (item.isConstant()) {
            const int64_t v = c.constInt(item, "size");
            if (v == -1) {
                inferred = static_cast<int>(i);
                dims.push_back(Dim{});
                continue;
            }
            dims.push_back(Dim{v, {}});
            known *= v;
        } else {
            dims.push_back(item.kind == Sym::Kind::Scalar ? item.sizeDim : Dim{});
            known = -1;
        }
    }
    if (inferred >= 0 && known > 0 && allFixed(input)) {
        int64_t total = 1;
        for (const Dim& d : *input)
            total *= d.value;
        dims[static_cast<size_t>(inferred)] = Dim{total / known, {}};
    }
    return dims;
}

void reshape(GraphConverter& c, const Node& n) {
    const Sym& x = c.in(n, 0);
    const Sym& target = c.in(n, 1);
    const std::string out = c.emit1("Reshape", {c.tensor(x), c.intListTensor(target)});
    c.bindTensor(n.output(), out, c.dtypeOf(x), reshapeShape(c, c.shapeOf(x), target));
}

void transposeTo(GraphConverter& c, const Node& n, const Sym& x, const std::vector<int64_t>& perm) {
    Shape shape = c.shapeOf(x);
    if (shape) {
        std::vector<Dim> dims;
        for (int64_t p : perm)
            dims.push_back((*shape)[static_cast<size_t>(p)]);
        shape = dims;
    }
    c.bindTensor(n.output(), c.emit1("Transpose", {c.tensor(x)}, {{"perm", Attribute::makeInts(perm)}}), c.dtypeOf(x),
                 shape);
}

void flatten(GraphConverter& c, const Node& n) {
    const Sym& x = c.in(n, 0);
    const int64_t startArg = n.inputs().size() > 1 ? c.constInt(c.in(n, 1), "start_dim") : 0;
    const int64_t endArg = n.inputs().size() > 2 ? c.constInt(c.in(n, 2), "end_dim") : -1;
    const Shape shape = c.shapeOf(x);
    const auto rank = x.rank();
    if (!rank && !(endArg == -1 && (startArg == 0 || startArg == 1)))
        throw UnsupportedError("flatten over part of a tensor whose rank is not known");
    const int64_t r = rank.value_or(startArg + 1);
    if (r == 0) { // flatten of a 0-d tensor gives one element
        c.bindTensor(n.output(), c.emit1("Reshape", {c.tensor(x), c.int64s({1})}), c.dtypeOf(x), std::vector<Dim>{Dim{1, {}}});
        return;
    }
    const int64_t start = GraphConverter::normAxis(startArg, r);
    const int64_t end = rank ? GraphConverter::normAxis(endArg, r) : r - 1;
    if (start == end) {
        c.bind(n.output(), x);
        return;
    }
    std::optional<std::vector<Dim>> dims;
    if (shape) {
        std::vector<Dim> d(shape->begin(), shape->begin() + start);
        int64_t product = 1;
        for (int64_t i = start; i <= end; ++i)
            product = (*shape)[static_cast<size_t>(i)].isFixed() && product > 0 ? product * (*shape)[static_cast<size_t>(i)].value : -1;
        d.push_back(Dim{product, {}});
        d.insert(d.end(), shape->begin() + end + 1, shape->end());
        dims = d;
    }
    if (start == 1 && end == r - 1) { // what torch.onnx.export writes for x.flatten(1)
        c.bindTensor(n.output(), c.emit1("Flatten", {c.tensor(x)}, {{"axis", intAttr(1)}}), c.dtypeOf(x), dims);
        return;
    }
    std::string target;
    if (start == 0 && end == r - 1) {
        target = c.int64s({-1});
    } else {
        // Leading dims copied (0 in ONNX Reshape), the flattened run -1, trailing dims taken from the input shape.
        std::vector<std::string> parts;
        if (start > 0)
            parts.push_back(c.int64s(std::vector<int64_t>(static_cast<size_t>(start), 0)));
        parts.push_back(c.int64s({-1}));
        if (end + 1 < r) {
            const std::string shapeOf = c.emit1("Shape", {c.tensor(x)});
            parts.push_back(c.emit1("Slice", {shapeOf, c.int64s({end + 1}), c.int64s({r})}));
        }
        target = parts.size() == 1 ? parts.front() : c.emit1("Concat", parts, {{"axis", intAttr(0)}});
    }
    c.bindTensor(n.output(), c.emit1("Reshape", {c.tensor(x), target}), c.dtypeOf(x), dims);
}

// Split sizes along `axis`: explicit, or `each` repeated over a known length; nullopt when the length is not
// known (the split is then into `count` equal parts).
void splitInto(GraphConverter& c, const Node& n, const Sym& x, int64_t axis, std::optional<std::vector<int64_t>> sizes,
               size_t count) {
    const Shape shape = c.shapeOf(x);
    std::vector<std::string> inputs{c.tensor(x)};
    if (sizes) {
        inputs.push_back(c.int64s(*sizes));
        count = sizes->size();
    }
    const auto outs = c.emit("Split", inputs, {{"axis", intAttr(axis)}}, count);
    Sym list;
    list.kind = Sym::Kind::List;
    for (size_t i = 0; i < outs.size(); ++i) {
        Shape s = shape;
        if (s)
            (*s)[static_cast<size_t>(axis)] = sizes ? Dim{(*sizes)[i], {}} : Dim{};
        Sym item;
        item.kind = Sym::Kind::Tensor;
        item.name = outs[i];
        item.dtype = c.dtypeOf(x);
        item.shape = s;
        list.items.push_back(std::move(item));
    }
    c.bind(n.output(), std::move(list));
}

// How many pieces a list result is unpacked into, when the graph says so.
std::optional<size_t> unpackedCount(const Node& n) {
    for (const torch::jit::Use& use : n.output()->uses())
        if (use.user->kind().toQualString() == std::string("prim::ListUnpack"))
            return use.user->outputs().size();
    return std::nullopt;
}

std::optional<int64_t> fixedDim(GraphConverter& c, const Sym& x, int64_t axis) {
    const Shape s = c.shapeOf(x);
    if (s && (*s)[static_cast<size_t>(axis)].isFixed())
        return (*s)[static_cast<size_t>(axis)].value;
    return std::nullopt;
}

void split(GraphConverter& c, const Node& n) {
    const Sym& x = c.in(n, 0);
    const Sym& how = c.in(n, 1);
    const int64_t axis = c.axisOf(x, n.inputs().size() > 2 ? c.constInt(c.in(n, 2), "dim") : 0);
    const bool listOfSizes = how.kind == Sym::Kind::List || (how.isConstant() && how.constant.isIntList());
    if (listOfSizes) {
        splitInto(c, n, x, axis, c.constInts(how, "split_sizes"), 0);
        return;
    }
    const int64_t each = c.constInt(how, "split_size");
    if (each <= 0)
        throw AutoglmError("split size " + std::to_string(each) + " must be positive");
    if (auto length = fixedDim(c, x, axis)) {
        std::vector<int64_t> sizes;
        for (int64_t done = 0; done < *length; done += each)
            sizes.push_back(std::min(each, *length - done));
        splitInto(c, n, x, axis, sizes, 0);
        return;
    }
    auto count = unpackedCount(n);
    if (!count)
        throw UnsupportedError("split of a dimension whose length is not known, into a list that is not unpacked");
    splitInto(c, n, x, axis, std::nullopt, *count);
}

void chunk(GraphConverter& c, const Node& n) {
    const Sym& x = c.in(n, 0);
    const int64_t chunks = c.constInt(c.in(n, 1), "chunks");
    const int64_t axis = c.axisOf(x, n.inputs().size() > 2 ? c.constInt(c.in(n, 2), "dim") : 0);
    if (auto length = fixedDim(c, x, axis)) {
        const int64_t each = (*length + chunks - 1) / chunks;
        std::vector<int64_t> sizes;
        for (int64_t done = 0; done < *length; done += each)
            sizes.push_back(std::min(each, *length - done));
        splitInto(c, n, x, axis, sizes, 0);
        return;
    }
    splitInto(c, n, x, axis, std::nullopt, static_cast<size_t>(chunks));
}

std::string scalarAs1d(GraphConverter& c, const Sym& s) {
    if (s.isConstant())
        return c.int64s({c.constInt(s, "index")});
    return c.emit1("Unsqueeze", {c.tensorAs(s, DType::Int64), c.int64s({0})});
}

void slice(GraphConverter& c, const Node& n) {
    const Sym& x = c.in(n, 0);
    if (x.kind == Sym::Kind::List || (x.isConstant() && x.constant.isList())) { // list slicing
        const auto items = c.listItems(x);
        const int64_t size = static_cast<int64_t>(items.size());
        auto bound = [&](size_t i, int64_t fallback) {
            if (i >= n.inputs().size() || c.in(n, i).isNone())
                return fallback;
            int64_t v = c.constInt(c.in(n, i), "index");
            v = v < 0 ? v + size : v;
            return std::clamp<int64_t>(v, 0, size);
        };
        const int64_t step = n.inputs().size() > 3 ? c.constInt(c.in(n, 3), "step") : 1;
        if (step <= 0)
            throw UnsupportedError("list slicing with a step below 1");
        Sym list;
        list.kind = Sym::Kind::List;
        for (int64_t i = bound(1, 0); i < bound(2, size); i += step)
            list.items.push_back(items[static_cast<size_t>(i)]);
        c.bind(n.output(), std::move(list));
        return;
    }
    const int64_t axis = c.axisOf(x, c.constInt(c.in(n, 1), "dim"));
    const Sym& startArg = c.in(n, 2);
    const Sym& endArg = c.in(n, 3);
    const int64_t step = n.inputs().size() > 4 ? c.constInt(c.in(n, 4), "step") : 1;
    const bool fromStart = startArg.isNone() || (startArg.isConstant() && c.constInt(startArg, "start") == 0);
    const bool toEnd = endArg.isNone() || (endArg.isConstant() && c.constInt(endArg, "end") >= kEnd / 2);
    if (fromStart && toEnd && step == 1) { // traced graphs are full of x[:, :]
        c.bind(n.output(), x);
        return;
    }
    const std::string starts = startArg.isNone() ? c.int64s({0}) : scalarAs1d(c, startArg);
    const std::string ends = endArg.isNone() ? c.int64s({kEnd}) : scalarAs1d(c, endArg);
    const std::string out =
        c.emit1("Slice", {c.tensor(x), starts, ends, c.int64s({axis}), c.int64s({step})});
    Shape shape = c.shapeOf(x);
    if (shape) {
        Dim& d = (*shape)[static_cast<size_t>(axis)];
        const bool knownBounds = (startArg.isNone() || startArg.isConstant()) && (endArg.isNone() || endArg.isConstant());
        if (d.isFixed() && knownBounds) {
            const int64_t len = d.value;
            auto clampIndex = [&](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + len : v, 0, len); };
            const int64_t s0 = startArg.isNone() ? 0 : clampIndex(c.constInt(startArg, "start"));
            const int64_t s1 = endArg.isNone() ? len : clampIndex(std::min(c.constInt(endArg, "end"), len));
            d = Dim{std::max<int64_t>(0, (s1 - s0 + step - 1) / step), {}};
        } else if (fromStart && step == 1 && endArg.kind == Sym::Kind::Scalar) {
            d = endArg.sizeDim; // x[:T] with T the size of some dimension
        } else {
            d = Dim{};
        }
    }
    c.bindTensor(n.output(), out, c.dtypeOf(x), shape);
}

void select(GraphConverter& c, const Node& n) {
    const Sym& x = c.in(n, 0);
    const int64_t axis = c.axisOf(x, c.constInt(c.in(n, 1), "dim"));
    const std::string out =
        c.emit1("Gather", {c.tensor(x), c.tensorAs(c.in(n, 2), DType::Int64)}, {{"axis", intAttr(axis)}});
    Shape shape = c.shapeOf(x);
    if (shape)
        shape->erase(shape->begin() + axis);
    c.bindTensor(n.output(), out, c.dtypeOf(x), shape);
}

void gatherAlong(GraphConverter& c, const Node& n, const Sym& x, int64_t axis, const Sym& index) {
    if (c.dtypeOf(index) == DType::Bool || c.dtypeOf(index) == DType::UInt8)
        throw UnsupportedError("indexing with a boolean mask (the result's size depends on the data)");
    const std::string out = c.emit1("Gather", {c.tensor(x), c.tensorAs(index, DType::Int64)}, {{"axis", intAttr(axis)}});
    Shape shape = c.shapeOf(x);
    const Shape is = c.shapeOf(index);
    if (shape && is) {
        std::vector<Dim> d(shape->begin(), shape->begin() + axis);
        d.insert(d.end(), is->begin(), is->end());
        d.insert(d.end(), shape->begin() + axis + 1, shape->end());
        shape = d;
    } else {
        shape = std::nullopt;
    }
    c.bindTensor(n.output(), out, c.dtypeOf(x), shape);
}

void joinTensors(GraphConverter& c, const Node& n, bool stack) {
    const auto items = c.listItems(c.in(n, 0));
    if (items.empty())
        throw UnsupportedError("joining an empty list");
    const int64_t dimArg = n.inputs().size() > 1 ? c.constInt(c.in(n, 1), "dim") : 0;
    std::vector<const Sym*> ptrs;
    for (const Sym& s : items)
        ptrs.push_back(&s);
    const DType type = c.promote(ptrs);
    const auto rank = items.front().rank();
    if (!rank && dimArg < 0)
        throw UnsupportedError("joining tensors whose rank is not known along a negative dim");
    if (!stack && rank && *rank == 0) // as in PyTorch; found by fuzz_torchscript
        throw AutoglmError("aten::cat: zero-dimensional tensors cannot be concatenated");
    const int64_t outRank = rank ? *rank + (stack ? 1 : 0) : dimArg + 1;
    const int64_t axis = GraphConverter::normAxis(dimArg, outRank);
    std::vector<std::string> inputs;
    for (const Sym& s : items) {
        std::string v = c.tensorAs(s, type);
        inputs.push_back(stack ? c.emit1("Unsqueeze", {v, c.int64s({axis})}) : v);
    }
    Shape shape = c.shapeOf(items.front());
    if (shape) {
        if (stack) {
            shape->insert(shape->begin() + axis, Dim{static_cast<int64_t>(items.size()), {}});
        } else {
            int64_t total = 0;
            for (const Sym& s : items) {
                const Shape si = c.shapeOf(s);
                const Dim d = si && static_cast<int64_t>(si->size()) > axis ? (*si)[static_cast<size_t>(axis)] : Dim{};
                total = d.isFixed() && total >= 0 ? total + d.value : -1;
            }
            if (axis < static_cast<int64_t>(shape->size()))
                (*shape)[static_cast<size_t>(axis)] = Dim{total, {}};
        }
    }
    c.bindTensor(n.output(), c.emit1("Concat", inputs, {{"axis", intAttr(axis)}}), type, shape);
}

} // namespace

void registerShapeOps(HandlerTable& t) {
    t["aten::view"] = reshape;
    t["aten::reshape"] = reshape;
    t["aten::_reshape_alias"] = reshape;
    auto like = [](GraphConverter& c, const Node& n) {
        const Sym& x = c.in(n, 0);
        const Sym& other = c.in(n, 1);
        const std::string out = c.emit1("Reshape", {c.tensor(x), c.emit1("Shape", {c.tensor(other)})});
        c.bindTensor(n.output(), out, c.dtypeOf(x), c.shapeOf(other));
    };
    t["aten::view_as"] = like;
    t["aten::reshape_as"] = like;
    t["aten::flatten"] = flatten;
    t["aten::permute"] = [](GraphConverter& c, const Node& n) {
        const Sym& x = c.in(n, 0);
        std::vector<int64_t> perm = c.constInts(c.in(n, 1), "dims");
        for (int64_t& p : perm)
            p = GraphConverter::normAxis(p, static_cast<int64_t>(perm.size()));
        transposeTo(c, n, x, perm);
    };
    t["aten::transpose"] = [](GraphConverter& c, const Node& n) {
        const Sym& x = c.in(n, 0);
        const int64_t rank = c.requireRank(x, "input");
        const int64_t a = GraphConverter::normAxis(c.constInt(c.in(n, 1), "dim0"), rank);
        const int64_t b = GraphConverter::normAxis(c.constInt(c.in(n, 2), "dim1"), rank);
        if (a == b) {
            c.bind(n.output(), x);
            return;
        }
        std::vector<int64_t> perm(static_cast<size_t>(rank));
        std::iota(perm.begin(), perm.end(), 0);
        std::swap(perm[static_cast<size_t>(a)], perm[static_cast<size_t>(b)]);
        transposeTo(c, n, x, perm);
    };
    t["aten::t"] = [](GraphConverter& c, const Node& n) {
        const Sym& x = c.in(n, 0);
        if (c.requireRank(x, "input") < 2) {
            c.bind(n.output(), x);
            return;
        }
        transposeTo(c, n, x, {1, 0});
    };
    t["aten::unsqueeze"] = [](GraphConverter& c, const Node& n) {
        const Sym& x = c.in(n, 0);
        const int64_t dim = c.constInt(c.in(n, 1), "dim");
        Shape shape = c.shapeOf(x);
        if (shape) {
            const int64_t axis = GraphConverter::normAxis(dim, static_cast<int64_t>(shape->size()) + 1);
            shape->insert(shape->begin() + axis, Dim{1, {}});
        }
        c.bindTensor(n.output(), c.emit1("Unsqueeze", {c.tensor(x), c.int64s({dim})}), c.dtypeOf(x), shape);
    };
    t["aten::squeeze"] = [](GraphConverter& c, const Node& n) {
        const Sym& x = c.in(n, 0);
        Shape shape = c.shapeOf(x);
        if (n.inputs().size() < 2) {
            if (!allFixed(shape))
                throw UnsupportedError("squeeze() of every size-1 dimension when the sizes are not known");
            std::vector<Dim> kept;
            for (const Dim& d : *shape)
                if (d.value != 1)
                    kept.push_back(d);
            c.bindTensor(n.output(), c.emit1("Squeeze", {c.tensor(x)}), c.dtypeOf(x), kept);
            return;
        }
        const int64_t axis = c.axisOf(x, c.constInt(c.in(n, 1), "dim"));
        const Dim size = shape ? (*shape)[static_cast<size_t>(axis)] : Dim{};
        if (size.isFixed() && size.value != 1) {
            c.bind(n.output(), x); // torch leaves dimensions other than 1 alone
            return;
        }
        if (size.isFixed()) {
            shape->erase(shape->begin() + axis);
            c.bindTensor(n.output(), c.emit1("Squeeze", {c.tensor(x), c.int64s({axis})}), c.dtypeOf(x), shape);
            return;
        }
        // The size is only known at run time: drop the dimension from the shape when it is 1, then reshape.
        const std::string dims = c.emit1("Shape", {c.tensor(x)});
        const std::string positions =
            c.emit1("Range", {c.scalar(0, DType::Int64), c.emit1("Size", {dims}), c.scalar(1, DType::Int64)});
        const std::string drop = c.emit1("And", {c.emit1("Equal", {positions, c.scalar(static_cast<double>(axis), DType::Int64)}),
                                                 c.emit1("Equal", {dims, c.scalar(1, DType::Int64)})});
        const std::string kept = c.emit1("Compress", {dims, c.emit1("Not", {drop})}, {{"axis", intAttr(0)}});
        c.bindTensor(n.output(), c.emit1("Reshape", {c.tensor(x), kept}), c.dtypeOf(x), std::nullopt);
    };
    t["aten::expand"] = [](GraphConverter& c, const Node& n) {
        const Sym& x = c.in(n, 0);
        const Sym& sizes = c.in(n, 1);
        std::string target;
        Shape shape;
        if (sizes.isConstant() || (sizes.kind == Sym::Kind::List && std::all_of(sizes.items.begin(), sizes.items.end(), [](const Sym& s) { return s.isConstant(); }) && sizes.name.empty())) {
            std::vector<int64_t> v = c.constInts(sizes, "size");
            for (int64_t& d : v)
                d = d == -1 ? 1 : d; // -1 keeps the input's size; ONNX Expand keeps it for 1
            target = c.int64s(v);
        } else {
            target = c.intListTensor(sizes);
        }
        const Shape xs = c.shapeOf(x);
        const Shape ts = reshapeShape(c, std::nullopt, sizes);
        if (xs && ts) {
            std::vector<Dim> t2 = *ts;
            for (Dim& d : t2)
                if (d.isFixed() && d.value == -1)
                    d = Dim{1, {}};
            shape = GraphConverter::broadcast(*xs, t2);
        }
        c.bindTensor(n.output(), c.emit1("Expand", {c.tensor(x), target}), c.dtypeOf(x), shape);
    };
    t["aten::expand_as"] = [](GraphConverter& c, const Node& n) {
        const Sym& x = c.in(n, 0);
        const Sym& other = c.in(n, 1);
        c.bindTensor(n.output(), c.emit1("Expand", {c.tensor(x), c.emit1("Shape", {c.tensor(other)})}), c.dtypeOf(x),
                     c.shapeOf(other));
    };
    t["aten::cat"] = [](GraphConverter& c, const Node& n) { joinTensors(c, n, false); };
    t["aten::concat"] = t["aten::cat"];
    t["aten::stack"] = [](GraphConverter& c, const Node& n) { joinTensors(c, n, true); };
    t["aten::split"] = split;
    t["aten::split_with_sizes"] = split;
    t["aten::chunk"] = chunk;
    t["aten::unbind"] = [](GraphConverter& c, const Node& n) {
        const Sym& x = c.in(n, 0);
        const int64_t axis = c.axisOf(x, n.inputs().size() > 1 ? c.constInt(c.in(n, 1), "dim") : 0);
        const auto length = fixedDim(c, x, axis);
        if (!length)
            throw UnsupportedError("unbind along a dimension whose length is not known");
        const auto outs = c.emit("Split", {c.tensor(x), c.int64s(std::vector<int64_t>(static_cast<size_t>(*length), 1))},
                                 {{"axis", intAttr(axis)}}, static_cast<size_t>(*length));
        Shape shape = c.shapeOf(x);
        shape->erase(shape->begin() + axis);
        Sym list;
        list.kind = Sym::Kind::List;
        for (const auto& o : outs) {
            Sym item;
            item.kind = Sym::Kind::Tensor;
            item.name = c.emit1("Squeeze", {o, c.int64s({axis})});
            item.dtype = c.dtypeOf(x);
            item.shape = shape;
            list.items.push_back(std::move(item));
        }
        c.bind(n.output(), std::move(list));
    };
    t["aten::slice"] = slice;
    t["aten::narrow"] = [](GraphConverter& c, const Node& n) {
        const Sym& x = c.in(n, 0);
        const int64_t axis = c.axisOf(x, c.constInt(c.in(n, 1), "dim"));
        const int64_t start = c.constInt(c.in(n, 2), "start");
        const int64_t length = c.constInt(c.in(n, 3), "length");
        Shape shape = c.shapeOf(x);
        if (shape)
            (*shape)[static_cast<size_t>(axis)] = Dim{length, {}};
        const std::string out = c.emit1("Slice", {c.tensor(x), c.int64s({start}), c.int64s({start + length}), c.int64s({axis})});
        c.bindTensor(n.output(), out, c.dtypeOf(x), shape);
    };
    t["aten::select"] = select;
    t["aten::index_select"] = [](GraphConverter& c, const Node& n) {
        const Sym& x = c.in(n, 0);
        const int64_t axis = c.axisOf(x, c.constInt(c.in(n, 1), "dim"));
        gatherAlong(c, n, x, axis, c.in(n, 2));
    };
    t["aten::index"] = [](GraphConverter& c, const Node& n) {
        const Sym& x = c.in(n, 0);
        const auto indices = c.listItems(c.in(n, 1));
        int64_t axis = -1;
        for (size_t i = 0; i < indices.size(); ++i) {
            if (indices[i].isNone())
                continue;
            if (axis >= 0)
                throw UnsupportedError("advanced indexing with more than one index tensor");
            axis = static_cast<int64_t>(i);
        }
        if (axis < 0)
            throw UnsupportedError("indexing without an index tensor");
        gatherAlong(c, n, x, axis, indices[static_cast<size_t>(axis)]);
    };
    t["aten::gather"] = [](GraphConverter& c, const Node& n) {
        const Sym& x = c.in(n, 0);
        const int64_t axis = c.axisOf(x, c.constInt(c.in(n, 1), "dim"));
        const Sym& index = c.in(n, 2);
        const std::string out = c.emit1("GatherElements", {c.tensor(x), c.tensorAs(index, DType::Int64)}, {{"axis", intAttr(axis)}});
        c.bindTensor(n.output(), out, c.dtypeOf(x), c.shapeOf(index));
    };
    t["aten::constant_pad_nd"] = [](GraphConverter& c, const Node& n) {
        const Sym& x = c.in(n, 0);
        const std::vector<int64_t> pad = c.constInts(c.in(n, 1), "pad");
        const int64_t rank = c.requireRank(x, "input");
        if (pad.size() % 2 || static_cast<int64_t>(pad.size()) > 2 * rank)
            throw AutoglmError("pad list of " + std::to_string(pad.size()) + " values for a rank-" + std::to_string(rank) + " tensor");
        // torch lists (begin, end) from the last dimension backwards; ONNX all begins, then all ends.
        std::vector<int64_t> pads(static_cast<size_t>(2 * rank), 0);
        Shape shape = c.shapeOf(x);
        for (size_t i = 0; i < pad.size() / 2; ++i) {
            const size_t dim = static_cast<size_t>(rank) - 1 - i;
            pads[dim] = pad[2 * i];
            pads[dim + static_cast<size_t>(rank)] = pad[2 * i + 1];
            if (shape && (*shape)[dim].isFixed())
                (*shape)[dim].value += pad[2 * i] + pad[2 * i + 1];
            else if (shape)
                (*shape)[dim] = Dim{};
        }
        const DType type = c.dtypeOf(x);
        const double value = n.inputs().size() > 2 ? c.constDouble(c.in(n, 2), "value") : 0.0;
        const std::string out = c.emit1("Pad", {c.tensor(x), c.int64s(pads), c.scalar(value, type)}, {{"mode", Attribute::makeString("constant")}});
        c.bindTensor(n.output(), out, type, shape);
    };
}

} // namespace autoglm::torchscript
