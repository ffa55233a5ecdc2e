#pragma once
// Work that would not fit in memory is refused before it starts, with the numbers, rather than killed by the
// kernel halfway (taking a studio session or a server's other jobs with it). The limit is a share of the memory
// available when the work starts (the least of MemAvailable and what the process's cgroups leave, see
// AvailableMemory.h): AUTOGLM_MEMORY_SHARE in the environment (0 < share ≤ 1, default 0.8), or setMemoryShare
// from a setting. Where the available memory cannot be read, nothing is refused.

#include "pipeline/common/Result.h"

#include <cstdint>
#include <string>

namespace autoglm {

constexpr double kDefaultMemoryShare = 0.8;

double memoryShare();
// An error when AUTOGLM_MEMORY_SHARE is set to something other than a number in (0, 1] (then the default holds).
Status checkMemoryShareEnvironment();
// Overrides the environment for this process; a share outside (0, 1] is refused.
Status setMemoryShare(double share);
// The available memory in bytes (MemAvailable, or less when a cgroup limit leaves less); -1 when unknown.
int64_t availableMemoryBytes();
// Ok when `bytes` fit within the share of the available memory; else an error naming `what` and the numbers.
Status checkMemoryFor(int64_t bytes, const std::string& what);
// "1.25 GB", "310 MB", "12 kB"
std::string formatBytes(int64_t bytes);

} // namespace autoglm
