// ONNX model files: protobuf parsing, tensors (raw, typed, sub-byte), graph structure and validation, and the
// per-layer summary the inspector shows. External data is refused here (no folder), as a hostile path would be.
#include "FuzzSupport.h"

#include "pipeline/model/ModelSummary.h"
#include "pipeline/onnx/OnnxImport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return fuzzing::guarded(data, size, [](const std::string& bytes) {
        auto model = autoglm::parseOnnx(bytes, "/nonexistent-fuzz-dir", "fuzz.onnx");
        if (!model)
            return;
        if (auto valid = model->graph.validate(); !valid)
            std::abort(); // the importer hands out only graphs that validate
        (void)model->graph.topologicalOrder();
        (void)autoglm::summarizeModel(model.value());
    });
}
