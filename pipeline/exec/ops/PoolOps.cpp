#include "pipeline/exec/OpRegistry.h"
#include "pipeline/exec/ops/OpFamilies.h"

namespace autoglm::exec {

void registerPoolOps(OpRegistry&) {}

} // namespace autoglm::exec
