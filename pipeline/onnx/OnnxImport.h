#pragma once
// ONNX ModelProto -> IR.

#include "pipeline/common/Result.h"
#include "pipeline/ir/Graph.h"

#include <filesystem>
#include <string>

namespace autoglm {

// Loads an .onnx file. External data is read from the file's folder (never outside it). Constant nodes
// become initializers. Subgraph ops (If, Loop, Scan) are refused with an error naming the node.
Result<Model> loadOnnx(const std::filesystem::path& file);

// Same from bytes already in memory; baseDir is where external data would live, displayName names the
// source in messages.
Result<Model> parseOnnx(const std::string& bytes, const std::filesystem::path& baseDir, const std::string& displayName);

} // namespace autoglm
