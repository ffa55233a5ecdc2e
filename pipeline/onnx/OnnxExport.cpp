#include "pipeline/onnx/OnnxExport.h"

#include "pipeline/common/AtomicFile.h"
#include "pipeline/onnx/OpsetUpgrade.h"
#include "pipeline/onnx/TensorProtoConvert.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

namespace autoglm {
namespace fs = std::filesystem;
using onnxio::tensorToProto;

namespace {

void valueInfoToProto(const ValueInfo& info, onnx::ValueInfoProto& proto) {
    proto.set_name(info.name);
    if (!info.docString.empty())
        proto.set_doc_string(info.docString);
    if (info.dtype == DType::Undefined && !info.shape)
        return;
    auto* tensorType = proto.mutable_type()->mutable_tensor_type();
    tensorType->set_elem_type(static_cast<int32_t>(info.dtype));
    if (!info.shape)
        return;
    auto* shape = tensorType->mutable_shape();
    for (const Dim& d : *info.shape) {
        auto* dim = shape->add_dim();
        if (d.isFixed())
            dim->set_dim_value(d.value);
        else if (!d.symbol.empty())
            dim->set_dim_param(d.symbol);
    }
}

void attributeToProto(const std::string& name, const Attribute& a, onnx::AttributeProto& proto) {
    proto.set_name(name);
    switch (a.kind) {
    case Attribute::Kind::Float:
        proto.set_type(onnx::AttributeProto::FLOAT);
        proto.set_f(a.f);
        break;
    case Attribute::Kind::Int:
        proto.set_type(onnx::AttributeProto::INT);
        proto.set_i(a.i);
        break;
    case Attribute::Kind::String:
        proto.set_type(onnx::AttributeProto::STRING);
        proto.set_s(a.s);
        break;
    case Attribute::Kind::Tensor:
        proto.set_type(onnx::AttributeProto::TENSOR);
        tensorToProto(a.t, "", *proto.mutable_t());
        break;
    case Attribute::Kind::Floats:
        proto.set_type(onnx::AttributeProto::FLOATS);
        for (float v : a.floats)
            proto.add_floats(v);
        break;
    case Attribute::Kind::Ints:
        proto.set_type(onnx::AttributeProto::INTS);
        for (int64_t v : a.ints)
            proto.add_ints(v);
        break;
    case Attribute::Kind::Strings:
        proto.set_type(onnx::AttributeProto::STRINGS);
        for (const auto& v : a.strings)
            proto.add_strings(v);
        break;
    case Attribute::Kind::Tensors:
        proto.set_type(onnx::AttributeProto::TENSORS);
        for (const auto& t : a.tensors)
            tensorToProto(t, "", *proto.add_tensors());
        break;
    case Attribute::Kind::Graph:
    case Attribute::Kind::Graphs:
        throw AutoglmError("attribute '" + name + "' holds a subgraph, which cannot be exported");
    }
}

void graphToProto(const Graph& graph, onnx::GraphProto& proto) {
    proto.set_name(graph.name.empty() ? "main" : graph.name);
    if (!graph.docString.empty())
        proto.set_doc_string(graph.docString);
    for (const auto& in : graph.inputs)
        valueInfoToProto(in, *proto.add_input());
    for (const auto& out : graph.outputs)
        valueInfoToProto(out, *proto.add_output());
    for (const auto& vi : graph.valueInfos)
        valueInfoToProto(vi, *proto.add_value_info());
    for (const auto& [name, tensor] : graph.initializers)
        tensorToProto(tensor, name, *proto.add_initializer());
    for (const auto& node : graph.nodes) {
        auto* np = proto.add_node();
        np->set_name(node.name);
        np->set_op_type(node.opType);
        if (!node.domain.empty())
            np->set_domain(node.domain);
        if (!node.docString.empty())
            np->set_doc_string(node.docString);
        for (const auto& in : node.inputs)
            np->add_input(in);
        for (const auto& out : node.outputs)
            np->add_output(out);
        for (const auto& [name, attr] : node.attributes)
            attributeToProto(name, attr, *np->add_attribute());
    }
}

void setExternal(onnx::TensorProto& tensor, const std::string& location, int64_t offset, int64_t length) {
    tensor.clear_raw_data();
    tensor.set_data_location(onnx::TensorProto::EXTERNAL);
    auto add = [&](const char* key, const std::string& value) {
        auto* entry = tensor.add_external_data();
        entry->set_key(key);
        entry->set_value(value);
    };
    add("location", location);
    add("offset", std::to_string(offset));
    add("length", std::to_string(length));
}

// Moves large initializers' bytes into one blob; returns the blob (empty when nothing moved).
std::string externalize(onnx::GraphProto& graph, const std::string& location, const OnnxExportOptions& options) {
    int64_t total = 0;
    for (const auto& t : graph.initializer())
        total += static_cast<int64_t>(t.raw_data().size());
    std::string blob;
    if (total <= options.externalDataThreshold)
        return blob;
    constexpr size_t kAlign = 64; // aligned offsets let readers map tensors directly
    for (auto& t : *graph.mutable_initializer()) {
        const auto size = static_cast<int64_t>(t.raw_data().size());
        if (size < options.externalMinTensorBytes)
            continue;
        blob.resize((blob.size() + kAlign - 1) / kAlign * kAlign, '\0');
        const auto offset = static_cast<int64_t>(blob.size());
        blob += t.raw_data();
        setExternal(t, location, offset, size);
    }
    return blob;
}

bool holdsSubByte(const Graph& graph) {
    for (const auto& [name, tensor] : graph.initializers)
        if (isSubByte(tensor.dtype()))
            return true;
    for (const auto* list : {&graph.inputs, &graph.outputs, &graph.valueInfos})
        for (const auto& info : *list)
            if (isSubByte(info.dtype))
                return true;
    for (const auto& node : graph.nodes)
        for (const auto& [key, attr] : node.attributes) {
            if (isSubByte(attr.t.dtype()))
                return true;
            for (const auto& t : attr.tensors)
                if (isSubByte(t.dtype()))
                    return true;
        }
    return false;
}

// The IR version to write: the model's, raised to what its default-domain opset needs (opset 21 needs IR 10)
// and to IR 10 when it holds 4-bit tensors, which IR 10 introduced. Readers such as ONNX Runtime refuse the
// newer content under an older IR version.
int64_t irVersionFor(const Model& model) {
    int64_t ir = std::max(model.irVersion, minIrVersionForOpset(model.opsetVersion("")));
    if (holdsSubByte(model.graph))
        ir = std::max<int64_t>(ir, 10);
    return ir;
}

// The checker of the ONNX library we build against (1.12 on Debian) knows IR versions up to onnx::IR_VERSION
// (8) and each standard domain's opsets up to its registry's maximum (17 for ai.onnx); it rejects anything
// newer (an INT4 element type, opset 21's block_size attribute) as invalid although it is not. So it runs only
// when the model is within what it knows; otherwise the model is checked by our own Graph::validate and opset
// import check alone, and ONNX Runtime in the tests.
bool checkerKnows(const onnx::ModelProto& proto) {
    if (proto.ir_version() > onnx::IR_VERSION)
        return false;
    const auto& known = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
    for (const auto& import : proto.opset_import()) {
        auto it = known.find(import.domain() == "ai.onnx" ? std::string() : import.domain());
        if (it != known.end() && import.version() > it->second.second)
            return false;
    }
    return true;
}

// Every node's domain must be imported, or readers cannot resolve its operator.
Status checkOpsetImports(const Model& model) {
    for (const auto& node : model.graph.nodes) {
        const bool imported = std::any_of(model.opsets.begin(), model.opsets.end(), [&](const OpsetImport& op) {
            const bool isDefault = op.domain.empty() || op.domain == "ai.onnx";
            return node.domain.empty() || node.domain == "ai.onnx" ? isDefault : op.domain == node.domain;
        });
        if (!imported)
            return Error{node.label() + " is in domain '" + (node.domain.empty() ? "ai.onnx" : node.domain) +
                         "', which the model does not import (add an opset import for it)"};
    }
    return Ok{};
}

// The whole model as one ModelProto, tensors inline.
// ONNX requires the rank of every graph input (onnx::checker: "Field 'shape' of 'type' is required"); a
// converted TorchScript model can have inputs nothing fixed the rank of. Said here in terms the user can act on.
Status checkRanksKnown(const Graph& graph) {
    for (const ValueInfo& in : graph.feedInputs())
        if (!in.shape)
            return Error{"input '" + in.name + "' has no known rank, and ONNX needs one on a model's inputs: declare "
                         "its shape (autoglm --input-shape " + in.name + "=D0,D1,..., input_shapes in a pipeline file)"};
    return Ok{};
}

Status buildProto(const Model& model, onnx::ModelProto& proto) {
    if (auto valid = model.graph.validate(); !valid)
        return valid;
    if (auto ranked = checkRanksKnown(model.graph); !ranked)
        return ranked;
    if (auto imported = checkOpsetImports(model); !imported)
        return imported;
    try {
        proto.set_ir_version(irVersionFor(model));
        proto.set_producer_name(model.producerName.empty() ? "Open-AutoGLM Studio" : model.producerName);
        proto.set_producer_version(model.producerVersion);
        proto.set_domain(model.domain);
        proto.set_model_version(model.modelVersion);
        proto.set_doc_string(model.docString);
        for (const auto& op : model.opsets) {
            auto* imp = proto.add_opset_import();
            imp->set_domain(op.domain);
            imp->set_version(op.version);
        }
        for (const auto& [key, value] : model.metadata) {
            auto* kv = proto.add_metadata_props();
            kv->set_key(key);
            kv->set_value(value);
        }
        graphToProto(model.graph, *proto.mutable_graph());
    } catch (const std::exception& e) {
        return Error{std::string(e.what())};
    }
    return Ok{};
}

} // namespace

Result<int64_t> onnxFileBytes(const Model& model) {
    onnx::ModelProto proto;
    if (auto built = buildProto(model, proto); !built)
        return built.error();
    return static_cast<int64_t>(proto.ByteSizeLong());
}

Status saveOnnx(const Model& model, const fs::path& file, const OnnxExportOptions& options) {
    onnx::ModelProto proto;
    if (auto built = buildProto(model, proto); !built)
        return Error{"cannot export to '" + file.string() + "': " + built.message()};

    // Checked while the tensors are still inline: the checker resolves external data against the current
    // directory, not the target's folder.
    if (options.runChecker && checkerKnows(proto)) {
        try {
            onnx::checker::check_model(proto);
        } catch (const std::exception& e) {
            return Error{"the exported model would be invalid ONNX (onnx::checker): " + std::string(e.what())};
        }
    }

    const std::string location = file.filename().string() + ".data";
    const std::string blob = externalize(*proto.mutable_graph(), location, options);
    if (!blob.empty()) {
        auto written = writeFileAtomically(file.parent_path() / location, blob);
        if (!written)
            return written;
    }
    std::string bytes;
    Status written =
        proto.SerializeToString(&bytes)
            ? writeFileAtomically(file, bytes)
            : Status(Error{"cannot serialize the model for '" + file.string() + "' (over protobuf's 2 GB limit?)"});
    if (!written && !blob.empty()) {
        std::error_code ec;
        fs::remove(file.parent_path() / location, ec); // no data file without its model
    }
    return written;
}

} // namespace autoglm
