#pragma once
// TensorProto <-> TensorData, including external data with its safety checks. Used by the importer and
// exporter, and by the conformance test for the ONNX test data's .pb tensors; torch-free.

#include "pipeline/common/Result.h"
#include "pipeline/ir/TensorData.h"

#include <onnx/onnx_pb.h>

#include <filesystem>
#include <string>

namespace autoglm::onnxio {

// Reads a tensor. External data is resolved against baseDir (the model's folder); a location that is
// absolute, contains "..", or resolves (through symlinks) outside baseDir is refused. `what` names the tensor
// in messages ("initializer 'conv1.weight' in model.onnx"). Throws AutoglmError / UnsupportedError.
TensorData tensorFromProto(const onnx::TensorProto& proto, const std::filesystem::path& baseDir,
                           const std::string& what);

// Writes dtype, dims and raw_data (little-endian, as ONNX specifies; 4-bit types packed two per byte).
void tensorToProto(const TensorData& tensor, const std::string& name, onnx::TensorProto& proto);

// Reads a serialized TensorProto file (the ONNX test data's input_0.pb).
Result<TensorData> loadTensorProtoFile(const std::filesystem::path& file);

} // namespace autoglm::onnxio
