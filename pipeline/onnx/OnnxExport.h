#pragma once
// IR -> ONNX ModelProto, written atomically and checked: always with Graph::validate and the opset imports,
// and with onnx::checker where the model is within what that checker knows (see OnnxExport.cpp).

#include "pipeline/common/Result.h"
#include "pipeline/ir/Graph.h"

#include <cstdint>
#include <filesystem>

namespace autoglm {

struct OnnxExportOptions {
    // Protobuf cannot serialize messages over 2 GB: past this many bytes of tensor data, tensors of at least
    // externalMinTensorBytes move to "<file>.data" beside the model.
    int64_t externalDataThreshold = int64_t(1800) * 1024 * 1024;
    int64_t externalMinTensorBytes = 1024;
    bool runChecker = true;
};

// The IR version written is the model's, raised where its opset or 4-bit tensors need a newer one.
Status saveOnnx(const Model& model, const std::filesystem::path& file, const OnnxExportOptions& options = {});

// The size saveOnnx would write with every tensor inline, without writing it (for comparing variants).
Result<int64_t> onnxFileBytes(const Model& model);

} // namespace autoglm
