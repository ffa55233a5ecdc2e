#pragma once
// Builds small ONNX models directly as protobuf messages, for tests that need specific (often broken) graphs.

#include <onnx/onnx_pb.h>

#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

namespace testutil {

class OnnxBuilder {
public:
    explicit OnnxBuilder(int64_t opset = 17);

    OnnxBuilder& input(const std::string& name, int32_t elemType, std::vector<int64_t> dims);
    OnnxBuilder& output(const std::string& name, int32_t elemType, std::vector<int64_t> dims);
    onnx::NodeProto& node(const std::string& op, std::initializer_list<std::string> inputs,
                          std::initializer_list<std::string> outputs, const std::string& name = "");
    onnx::TensorProto& initializer(const std::string& name, std::vector<int64_t> dims, std::vector<float> values);

    onnx::ModelProto& proto() { return m_model; }
    std::string bytes() const;
    void save(const std::filesystem::path& file) const;

private:
    onnx::ModelProto m_model;
};

void setIntAttribute(onnx::NodeProto& node, const std::string& name, int64_t value);

} // namespace testutil
