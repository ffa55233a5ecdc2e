// ONNX model files: protobuf parsing, tensors (raw, typed, sub-byte), graph structure and validation, and the
// per-layer summary the inspector shows. External data is refused here (no folder), as a hostile path would be.
#include "FuzzSupport.h"

#include "pipeline/common/MemoryBudget.h"
#include "pipeline/model/ModelSummary.h"
#include "pipeline/onnx/OnnxImport.h"

#include <algorithm>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // The product's memory budget set to what the fuzzer allows a process (-rss_limit_mb=4096, with room for
    // ASan): a file declaring sizes beyond it must be refused, not allocated.
    static const bool budget = [] {
        const int64_t available = autoglm::availableMemoryBytes();
        return available <= 0 || autoglm::setMemoryShare(std::min(1.0, 1.5e9 / double(available))).ok();
    }();
    (void)budget;
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
