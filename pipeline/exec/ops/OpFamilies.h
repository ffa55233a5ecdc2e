#pragma once
// One registration function per op family; OpRegistry::builtin() calls each once.

namespace autoglm::exec {

class OpRegistry;

void registerElementwiseOps(OpRegistry& registry);
void registerActivationOps(OpRegistry& registry);
void registerLogicOps(OpRegistry& registry);
void registerLinearOps(OpRegistry& registry);
void registerConvOps(OpRegistry& registry);
void registerPoolOps(OpRegistry& registry);
void registerNormalizationOps(OpRegistry& registry);
void registerReduceOps(OpRegistry& registry);
void registerShapeOps(OpRegistry& registry);
void registerIndexingOps(OpRegistry& registry);
void registerGeneratorOps(OpRegistry& registry);
void registerPadResizeOps(OpRegistry& registry);
void registerRecurrentOps(OpRegistry& registry);
void registerQuantizationOps(OpRegistry& registry);
void registerLossOps(OpRegistry& registry);
void registerSignalOps(OpRegistry& registry);
// Operators of ONNX Runtime's com.microsoft domain that quantized models use (MatMulNBits).
void registerContribOps(OpRegistry& registry);

} // namespace autoglm::exec
