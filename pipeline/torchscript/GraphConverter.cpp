#include "pipeline/torchscript/GraphConverter_p.h"

#include <torch/csrc/jit/ir/constants.h>

#include <algorithm>
#include <sstream>

// The conversion driver: graph inputs declared from what reads them, every node through its handler (failures
// collected into one error), outputs named and dead nodes dropped.
namespace autoglm::torchscript {
namespace {

const HandlerTable& handlers() {
    static const HandlerTable table = [] {
        HandlerTable t;
        registerNnOps(t);
        registerTensorOps(t);
        registerShapeOps(t);
        registerScalarOps(t);
        return t;
    }();
    return table;
}

} // namespace

InputGuess GraphConverter::guessInput(const torch::jit::Value* v) const {
    InputGuess guess;
    bool tokenIds = false;
    std::vector<const torch::jit::Value*> frontier{v};
    // Follow the input through elementwise preprocessing ((x - mean) / std) to the first layer that reads it.
    for (int depth = 0; depth < 8 && !frontier.empty(); ++depth) {
        std::vector<const torch::jit::Value*> next;
        for (const torch::jit::Value* value : frontier) {
            for (const torch::jit::Use& use : value->uses()) {
                const torch::jit::Node* user = use.user;
                const std::string kind = user->kind().toQualString();
                auto constantAt = [&](size_t i) -> c10::optional<c10::IValue> {
                    return i < user->inputs().size() ? torch::jit::toIValue(user->inputs()[i]) : c10::nullopt;
                };
                const bool indexArg = (kind == "aten::embedding" && use.offset == 1) ||
                                      ((kind == "aten::index_select" || kind == "aten::gather") && use.offset == 2);
                const bool inIndexList = kind == "prim::ListConstruct" &&
                                         std::any_of(user->output()->uses().begin(), user->output()->uses().end(),
                                                     [](const torch::jit::Use& u) {
                                                         return u.user->kind().toQualString() ==
                                                                    std::string("aten::index") &&
                                                                u.offset == 1;
                                                     });
                if (indexArg || inIndexList) {
                    guess.dtype = DType::Int64;
                    tokenIds = tokenIds || kind == "aten::embedding";
                } else if (use.offset == 0 && (kind == "aten::_convolution" || kind == "aten::conv1d" ||
                                               kind == "aten::conv2d" || kind == "aten::conv3d" ||
                                               kind == "aten::conv_transpose1d" || kind == "aten::conv_transpose2d")) {
                    auto w = constantAt(1);
                    if (!w || !w->isTensor() || guess.shape)
                        continue;
                    const at::Tensor weight = w->toTensor();
                    const bool transposed = (kind == "aten::_convolution" && constantAt(6) && constantAt(6)->isBool() &&
                                             constantAt(6)->toBool()) ||
                                            kind.rfind("aten::conv_transpose", 0) == 0;
                    const size_t groupsAt = kind == "aten::_convolution" ? 8 : 6;
                    const int64_t groups =
                        constantAt(groupsAt) && constantAt(groupsAt)->isInt() ? constantAt(groupsAt)->toInt() : 1;
                    const int64_t channels = transposed ? weight.size(0) : weight.size(1) * groups;
                    std::vector<Dim> dims{Dim{-1, "batch"}, Dim{channels, {}}};
                    static const char* names1[] = {"length"};
                    static const char* names2[] = {"height", "width"};
                    static const char* names3[] = {"depth", "height", "width"};
                    const int64_t spatial = weight.dim() - 2;
                    const char** names = spatial == 1 ? names1 : spatial == 2 ? names2 : names3;
                    for (int64_t i = 0; i < spatial && spatial <= 3; ++i)
                        dims.push_back(Dim{-1, names[i]});
                    guess.shape = dims;
                } else if (use.offset == 0 && (kind == "aten::sub" || kind == "aten::add" || kind == "aten::mul" ||
                                               kind == "aten::div" || kind == "aten::contiguous" ||
                                               kind == "aten::to" || kind == "aten::clone")) {
                    for (const torch::jit::Value* out : user->outputs())
                        next.push_back(out);
                } else if (kind == "aten::size" && user->inputs().size() == 1) {
                    for (const torch::jit::Use& sizeUse : user->output()->uses())
                        if (sizeUse.user->kind().toQualString() == std::string("prim::ListUnpack") && !guess.shape)
                            guess.shape = std::vector<Dim>(sizeUse.user->outputs().size());
                }
            }
        }
        frontier = std::move(next);
    }
    // Token ids of a language model: [batch, sequence] unless something said otherwise.
    if (tokenIds && (!guess.shape || guess.shape->size() == 2))
        guess.shape = std::vector<Dim>{Dim{-1, "batch"}, Dim{-1, "sequence"}};
    return guess;
}

// forward's tensor arguments become the model's inputs, shaped as the user said or as their readers imply.
void GraphConverter::declareInputs(const torch::jit::Graph& graph) {
    std::set<std::string> shaped;
    for (const torch::jit::Value* v : graph.inputs()) {
        if (v->type()->cast<c10::ClassType>())
            continue; // the module itself
        InputGuess guess = guessInput(v);
        const std::string argument = stripUniqueSuffix(v->hasDebugName() ? v->debugName() : "input");
        const std::string name = freshName(argument);
        if (auto given = m_inputShapes.find(argument); given != m_inputShapes.end()) {
            auto combined = combineInputShape(argument, guess.shape, given->second.dims);
            if (!combined)
                throw AutoglmError(combined.message() + " (what forward's use of it implies)");
            guess.shape = combined.value();
            if (given->second.dtype != DType::Undefined)
                guess.dtype = given->second.dtype;
            shaped.insert(argument);
        }
        m_model.graph.inputs.push_back(ValueInfo{name, guess.dtype, guess.shape, {}});
        bindTensor(v, name, guess.dtype, guess.shape);
    }
    for (const auto& [argument, declared] : m_inputShapes) {
        if (shaped.count(argument))
            continue;
        std::string names;
        for (const ValueInfo& in : m_model.graph.inputs)
            names += (names.empty() ? "'" : ", '") + in.name + "'";
        throw AutoglmError("a shape is given for input '" + argument + "', but forward has no such argument (its "
                           "arguments: " + names + ")");
    }
}

void GraphConverter::convertNode(const torch::jit::Node& n) {
    const std::string kind = n.kind().toQualString();
    const auto& table = handlers();
    auto handler = table.find(kind);
    for (const torch::jit::Value* v : n.inputs())
        if (m_failed.count(v)) {
            // Downstream of a failure nothing can be converted, but operations we have no conversion for at all
            // are still listed, so that one message names every one of them.
            if (handler == table.end() || !n.blocks().empty())
                m_unsupported.push_back(kind + " at " + location(n) + " (no conversion to ONNX)");
            for (const torch::jit::Value* out : n.outputs())
                m_failed.insert(out);
            return;
        }
    m_current = &n;
    m_currentPrefix.clear();
    for (const torch::jit::Value* v : n.inputs()) {
        auto it = m_syms.find(v);
        if (it != m_syms.end() && it->second.isConstant() && it->second.constant.isTensor() && v->hasDebugName() &&
            v->debugName().rfind("self.", 0) == 0) {
            std::string p = paramName(v);
            const auto dot = p.rfind('.');
            m_currentPrefix = dot == std::string::npos ? p : p.substr(0, dot);
            break;
        }
    }
    std::string reason;
    if (!n.blocks().empty()) {
        reason = "control flow that freezing could not remove (trace the model, or make the branch depend on "
                 "constants only)";
    } else if (handler == table.end()) {
        reason = "no conversion to ONNX";
    } else {
        try {
            handler->second(*this, n);
            for (const torch::jit::Value* out : n.outputs())
                if (!m_syms.count(out))
                    throw AutoglmError("the conversion of " + kind + " left output %" + out->debugName() + " undefined");
            return;
        } catch (const UnsupportedError& e) {
            reason = e.what();
        } catch (const c10::Error& e) {
            reason = e.what_without_backtrace();
        }
    }
    std::ostringstream entry;
    entry << kind << " at " << location(n) << " (" << reason << ")";
    m_unsupported.push_back(entry.str());
    for (const torch::jit::Value* out : n.outputs())
        m_failed.insert(out);
}

void GraphConverter::bindOutputs(const torch::jit::Graph& graph) {
    std::vector<Sym> outputs;
    std::function<void(const Sym&)> flatten = [&](const Sym& s) {
        if (s.kind == Sym::Kind::List && (!s.items.empty() || s.name.empty())) {
            for (const Sym& item : s.items)
                flatten(item);
            return;
        }
        outputs.push_back(s);
    };
    for (const torch::jit::Value* v : graph.outputs()) {
        auto it = m_syms.find(v);
        if (it == m_syms.end())
            throw AutoglmError("forward's result %" + v->debugName() + " was not computed");
        flatten(it->second);
    }
    std::set<std::string> seen;
    for (size_t i = 0; i < outputs.size(); ++i) {
        const Sym& s = outputs[i];
        if (!s.isTensorLike())
            throw UnsupportedError("forward returns a value that is not a tensor (only tensors and tuples or lists "
                                   "of tensors can be model outputs)");
        const std::string name = outputs.size() == 1 ? "output" : "output_" + std::to_string(i);
        m_currentPrefix.clear();
        m_current = nullptr;
        std::string value = tensor(s);
        const bool isInput = std::any_of(m_model.graph.inputs.begin(), m_model.graph.inputs.end(),
                                         [&](const ValueInfo& in) { return in.name == value; });
        const bool produced = !isInput && !m_model.graph.initializers.count(value) && !seen.count(value);
        if (produced) {
            // Rename the producer's output so the model's outputs have plain names.
            const std::string fresh = freshName(name);
            for (auto& node : m_model.graph.nodes) {
                for (auto& out : node.outputs)
                    if (out == value)
                        out = fresh;
                for (auto& input : node.inputs)
                    if (input == value)
                        input = fresh;
            }
            value = fresh;
        } else {
            value = emit("Identity", {value}, {}, 1).front();
        }
        seen.insert(value);
        ValueInfo info;
        info.name = value;
        info.dtype = dtypeOf(s);
        info.shape = shapeOf(s);
        m_model.graph.outputs.push_back(info);
    }
}

void GraphConverter::removeDeadNodes() {
    Graph& g = m_model.graph;
    std::set<std::string> live;
    for (const auto& out : g.outputs)
        live.insert(out.name);
    std::vector<Node> kept;
    for (auto it = g.nodes.rbegin(); it != g.nodes.rend(); ++it) {
        const bool used = std::any_of(it->outputs.begin(), it->outputs.end(),
                                      [&](const std::string& o) { return live.count(o) > 0; });
        if (!used)
            continue;
        live.insert(it->inputs.begin(), it->inputs.end());
        kept.push_back(std::move(*it));
    }
    std::reverse(kept.begin(), kept.end());
    g.nodes = std::move(kept);
    for (auto it = g.initializers.begin(); it != g.initializers.end();)
        it = live.count(it->first) ? std::next(it) : g.initializers.erase(it);
}

Model GraphConverter::convert(const torch::jit::Graph& graph) {
    m_model = Model{};
    m_model.irVersion = 8;
    m_model.opsets = {{"", 17}};
    m_model.producerName = "autoglm-torchscript-import";
    m_model.graph.name = "torchscript";
    declareInputs(graph);
    for (const torch::jit::Node* n : graph.nodes())
        convertNode(*n);
    if (!m_unsupported.empty()) {
        std::string message = std::to_string(m_unsupported.size()) + " TorchScript operation" +
                              (m_unsupported.size() == 1 ? " has" : "s have") + " no conversion: ";
        for (size_t i = 0; i < m_unsupported.size(); ++i)
            message += (i ? "; " : "") + m_unsupported[i];
        throw UnsupportedError(message);
    }
    bindOutputs(graph);
    removeDeadNodes();
    return std::move(m_model);
}

} // namespace autoglm::torchscript
