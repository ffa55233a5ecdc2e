#include "pipeline/onnx/OnnxImport.h"

#include "pipeline/onnx/OpsetUpgrade.h"
#include "pipeline/onnx/TensorProtoConvert.h"

#include <ATen/ATen.h>
#include <google/protobuf/io/coded_stream.h>
#include <onnx/onnx_pb.h>

#include <fstream>
#include <sstream>

namespace autoglm {
namespace fs = std::filesystem;
using onnxio::tensorFromProto;

namespace {

ValueInfo valueInfoFromProto(const onnx::ValueInfoProto& proto, const std::string& where) {
    ValueInfo info;
    info.name = proto.name();
    info.docString = proto.doc_string();
    if (!proto.has_type())
        return info;
    const auto& type = proto.type();
    if (!type.has_tensor_type())
        throw UnsupportedError(where + " '" + proto.name() +
                               "' is not a tensor (sequence, map and optional values are not supported)");
    const auto& tensorType = type.tensor_type();
    info.dtype = static_cast<DType>(tensorType.elem_type());
    if (tensorType.has_shape()) {
        std::vector<Dim> dims;
        for (const auto& d : tensorType.shape().dim()) {
            Dim dim;
            if (d.has_dim_value())
                dim.value = d.dim_value();
            else if (d.has_dim_param())
                dim.symbol = d.dim_param();
            dims.push_back(dim);
        }
        info.shape = std::move(dims);
    }
    return info;
}

Attribute attributeFromProto(const onnx::AttributeProto& proto, const Node& node, const fs::path& baseDir) {
    const std::string what = node.label() + " attribute '" + proto.name() + "'";
    Attribute a;
    switch (proto.type()) {
    case onnx::AttributeProto::FLOAT:
        a.kind = Attribute::Kind::Float;
        a.f = proto.f();
        break;
    case onnx::AttributeProto::INT:
        a.kind = Attribute::Kind::Int;
        a.i = proto.i();
        break;
    case onnx::AttributeProto::STRING:
        a.kind = Attribute::Kind::String;
        a.s = proto.s();
        break;
    case onnx::AttributeProto::TENSOR:
        a.kind = Attribute::Kind::Tensor;
        a.t = tensorFromProto(proto.t(), baseDir, what);
        break;
    case onnx::AttributeProto::FLOATS:
        a.kind = Attribute::Kind::Floats;
        a.floats.assign(proto.floats().begin(), proto.floats().end());
        break;
    case onnx::AttributeProto::INTS:
        a.kind = Attribute::Kind::Ints;
        a.ints.assign(proto.ints().begin(), proto.ints().end());
        break;
    case onnx::AttributeProto::STRINGS:
        a.kind = Attribute::Kind::Strings;
        a.strings.assign(proto.strings().begin(), proto.strings().end());
        break;
    case onnx::AttributeProto::TENSORS:
        a.kind = Attribute::Kind::Tensors;
        for (const auto& t : proto.tensors())
            a.tensors.push_back(tensorFromProto(t, baseDir, what));
        break;
    case onnx::AttributeProto::GRAPH:
    case onnx::AttributeProto::GRAPHS:
        throw UnsupportedError(node.label() + " has a subgraph attribute '" + proto.name() +
                               "': control-flow ops (If, Loop, Scan) are not supported");
    default:
        throw UnsupportedError(what + " has an unsupported attribute type " + std::to_string(proto.type()));
    }
    return a;
}

// A Constant node's value as a tensor (value, value_float(s), value_int(s)); undefined for string values.
TensorData constantValue(const Node& node) {
    if (const Attribute* a = node.attribute("value"))
        return a->t;
    if (const Attribute* a = node.attribute("value_float"))
        return TensorData(at::scalar_tensor(a->f, at::kFloat));
    if (const Attribute* a = node.attribute("value_int"))
        return TensorData(at::scalar_tensor(a->i, at::kLong));
    if (const Attribute* a = node.attribute("value_floats"))
        return TensorData(at::tensor(a->floats, at::kFloat));
    if (const Attribute* a = node.attribute("value_ints"))
        return TensorData(at::tensor(a->ints, at::kLong));
    return {};
}

// Real exported models (PaddleOCR's, for one) keep every weight in Constant nodes; passes look for weights
// among initializers, so constants that are not graph outputs become initializers.
void constantsToInitializers(Graph& graph) {
    std::vector<Node> kept;
    kept.reserve(graph.nodes.size());
    for (auto& node : graph.nodes) {
        const bool isConstant = node.opType == "Constant" && node.domain.empty() && node.outputs.size() == 1;
        const bool isGraphOutput =
            isConstant && std::any_of(graph.outputs.begin(), graph.outputs.end(),
                                      [&](const ValueInfo& v) { return v.name == node.outputs[0]; });
        TensorData value = isConstant && !isGraphOutput ? constantValue(node) : TensorData{};
        if (value.defined())
            graph.initializers[node.outputs[0]] = std::move(value);
        else
            kept.push_back(std::move(node));
    }
    graph.nodes = std::move(kept);
}

Graph graphFromProto(const onnx::GraphProto& proto, const fs::path& baseDir, const std::string& source) {
    Graph graph;
    graph.name = proto.name();
    graph.docString = proto.doc_string();
    for (const auto& in : proto.input())
        graph.inputs.push_back(valueInfoFromProto(in, "graph input"));
    for (const auto& out : proto.output())
        graph.outputs.push_back(valueInfoFromProto(out, "graph output"));
    for (const auto& vi : proto.value_info()) {
        try {
            graph.valueInfos.push_back(valueInfoFromProto(vi, "value"));
        } catch (const UnsupportedError&) {
            // Type annotations of intermediate values are hints; a non-tensor one is dropped.
        }
    }
    for (const auto& init : proto.initializer()) {
        if (graph.initializers.count(init.name()))
            throw AutoglmError(source + ": initializer '" + init.name() + "' is defined twice");
        graph.initializers[init.name()] = tensorFromProto(init, baseDir, "initializer '" + init.name() + "'");
    }
    if (proto.sparse_initializer_size() > 0)
        throw UnsupportedError(source + ": sparse initializers are not supported");
    for (const auto& np : proto.node()) {
        Node node;
        node.name = np.name();
        node.opType = np.op_type();
        node.domain = np.domain() == "ai.onnx" ? "" : np.domain();
        node.docString = np.doc_string();
        node.inputs.assign(np.input().begin(), np.input().end());
        node.outputs.assign(np.output().begin(), np.output().end());
        for (const auto& ap : np.attribute()) {
            if (!ap.ref_attr_name().empty())
                throw UnsupportedError(node.label() + " refers to a function attribute; functions are not supported");
            node.attributes[ap.name()] = attributeFromProto(ap, node, baseDir);
        }
        graph.nodes.push_back(std::move(node));
    }
    constantsToInitializers(graph);
    return graph;
}

Model modelFromProto(const onnx::ModelProto& proto, const fs::path& baseDir, const std::string& source) {
    if (!proto.has_graph())
        throw AutoglmError(source + " has no graph: it is not an ONNX model");
    Model model;
    model.irVersion = proto.ir_version();
    model.producerName = proto.producer_name();
    model.producerVersion = proto.producer_version();
    model.domain = proto.domain();
    model.modelVersion = proto.model_version();
    model.docString = proto.doc_string();
    for (const auto& op : proto.opset_import()) {
        const std::string domain = op.domain() == "ai.onnx" ? "" : op.domain();
        // Operators of a newer opset may mean something other than what the executor computes for their name.
        if (domain.empty() && (op.version() < 1 || op.version() > kUpgradeMaxOpset))
            throw AutoglmError(source + " imports opset " + std::to_string(op.version()) +
                               " of the default (ai.onnx) domain; this build knows its operators from opset 1 to " +
                               std::to_string(kUpgradeMaxOpset) + ": export the model with opset " +
                               std::to_string(kUpgradeMaxOpset) + " or older");
        model.opsets.push_back({domain, op.version()});
    }
    for (const auto& kv : proto.metadata_props())
        model.metadata[kv.key()] = kv.value();
    model.graph = graphFromProto(proto.graph(), baseDir, source);
    return model;
}

} // namespace

Result<Model> parseOnnx(const std::string& bytes, const fs::path& baseDir, const std::string& displayName) {
    onnx::ModelProto proto;
    google::protobuf::io::CodedInputStream stream(reinterpret_cast<const uint8_t*>(bytes.data()),
                                                  static_cast<int>(std::min<size_t>(bytes.size(), INT32_MAX)));
    stream.SetTotalBytesLimit(INT32_MAX);
    if (bytes.empty() || !proto.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage())
        return Error{displayName + " is not a valid ONNX model (protobuf parsing failed: truncated or not ONNX)"};
    try {
        Model model = modelFromProto(proto, baseDir, displayName);
        auto valid = model.graph.validate();
        if (!valid)
            return Error{displayName + ": " + valid.message()};
        return model;
    } catch (const UnsupportedError& e) {
        return Error{displayName + ": " + e.what(), true};
    } catch (const std::exception& e) {
        return Error{displayName + ": " + e.what()};
    }
}

Result<Model> loadOnnx(const fs::path& file) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec))
        return Error{"cannot open model '" + file.string() + "': no such file"};
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return Error{"cannot open model '" + file.string() + "'"};
    std::ostringstream buffer;
    buffer << in.rdbuf();
    auto model = parseOnnx(buffer.str(), file.parent_path(), file.string());
    if (model)
        model->sourcePath = file;
    return model;
}

} // namespace autoglm
