#pragma once
// Private to pipeline/onnx: ONNX external data (tensor bytes kept in a file beside the model).

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace autoglm::onnxio {

// Resolves an external-data location against the model's folder. Refuses (AutoglmError) absolute paths,
// paths with "..", and paths whose real location (after symlinks) is outside the folder.
std::filesystem::path resolveExternalLocation(const std::string& location, const std::filesystem::path& baseDir,
                                              const std::string& what);

// Reads `bytes` bytes of the tensor's external data into dest, checking offset and length against the file.
void readExternalData(const onnx::TensorProto& proto, const std::filesystem::path& baseDir, const std::string& what,
                      int64_t bytes, char* dest);

} // namespace autoglm::onnxio
