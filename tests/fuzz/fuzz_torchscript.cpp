// The TorchScript converter on forward graphs given as IR text (LibTorch parses the text; the conversion of
// its ops, constants, lists and shapes to ONNX is ours).
#include "FuzzSupport.h"

#include "pipeline/torchscript/TorchScriptImport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return fuzzing::guarded(data, size, [](const std::string& bytes) {
        (void)autoglm::convertTorchScriptIr(bytes);
    });
}
