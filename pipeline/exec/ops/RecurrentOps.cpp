#include "pipeline/exec/OpRegistry.h"
#include "pipeline/exec/ops/OpFamilies.h"

namespace autoglm::exec {

void registerRecurrentOps(OpRegistry&) {}

} // namespace autoglm::exec
