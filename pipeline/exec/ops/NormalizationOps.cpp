#include "pipeline/exec/OpRegistry.h"
#include "pipeline/exec/ops/OpFamilies.h"

namespace autoglm::exec {

void registerNormalizationOps(OpRegistry&) {}

} // namespace autoglm::exec
