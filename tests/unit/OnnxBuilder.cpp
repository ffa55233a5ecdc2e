#include "OnnxBuilder.h"

#include <fstream>

namespace testutil {

namespace {
void setType(onnx::ValueInfoProto& info, int32_t elemType, const std::vector<int64_t>& dims) {
    auto* t = info.mutable_type()->mutable_tensor_type();
    t->set_elem_type(elemType);
    auto* shape = t->mutable_shape();
    for (int64_t d : dims) {
        if (d < 0)
            shape->add_dim()->set_dim_param("N");
        else
            shape->add_dim()->set_dim_value(d);
    }
}
} // namespace

OnnxBuilder::OnnxBuilder(int64_t opset) {
    m_model.set_ir_version(8);
    m_model.set_producer_name("test");
    auto* imp = m_model.add_opset_import();
    imp->set_domain("");
    imp->set_version(opset);
    m_model.mutable_graph()->set_name("g");
}

OnnxBuilder& OnnxBuilder::input(const std::string& name, int32_t elemType, std::vector<int64_t> dims) {
    auto* in = m_model.mutable_graph()->add_input();
    in->set_name(name);
    setType(*in, elemType, dims);
    return *this;
}

OnnxBuilder& OnnxBuilder::output(const std::string& name, int32_t elemType, std::vector<int64_t> dims) {
    auto* out = m_model.mutable_graph()->add_output();
    out->set_name(name);
    setType(*out, elemType, dims);
    return *this;
}

onnx::NodeProto& OnnxBuilder::node(const std::string& op, std::initializer_list<std::string> inputs,
                                   std::initializer_list<std::string> outputs, const std::string& name) {
    auto* n = m_model.mutable_graph()->add_node();
    n->set_op_type(op);
    n->set_name(name.empty() ? op + std::to_string(m_model.graph().node_size()) : name);
    for (const auto& i : inputs)
        n->add_input(i);
    for (const auto& o : outputs)
        n->add_output(o);
    return *n;
}

onnx::TensorProto& OnnxBuilder::initializer(const std::string& name, std::vector<int64_t> dims,
                                            std::vector<float> values) {
    auto* t = m_model.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims)
        t->add_dims(d);
    t->set_raw_data(std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
    return *t;
}

std::string OnnxBuilder::bytes() const {
    std::string out;
    m_model.SerializeToString(&out);
    return out;
}

void OnnxBuilder::save(const std::filesystem::path& file) const {
    std::ofstream(file, std::ios::binary) << bytes();
}

void setIntAttribute(onnx::NodeProto& node, const std::string& name, int64_t value) {
    auto* a = node.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(value);
}

} // namespace testutil
