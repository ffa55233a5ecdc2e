#include "pipeline/common/MemoryBudget.h"

#include "pipeline/common/AvailableMemory.h"

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

namespace autoglm {
namespace {

std::atomic<double> g_share{-1}; // -1: not set here, read the environment

// AUTOGLM_MEMORY_SHARE: nullopt when unset, NaN when set to something that is not a share.
std::optional<double> shareInEnvironment() {
    const char* text = std::getenv("AUTOGLM_MEMORY_SHARE");
    if (!text || !*text)
        return std::nullopt;
    char* end = nullptr;
    const double share = std::strtod(text, &end);
    return end && *end == '\0' && share > 0 && share <= 1 ? share : NAN;
}

} // namespace

Status checkMemoryShareEnvironment() {
    const auto share = shareInEnvironment();
    if (!share || !std::isnan(*share))
        return Ok{};
    return Error{"AUTOGLM_MEMORY_SHARE is '" + std::string(std::getenv("AUTOGLM_MEMORY_SHARE")) +
                 "' but must be a number above 0 and at most 1"};
}

double memoryShare() {
    const double set = g_share.load();
    if (set > 0)
        return set;
    const auto share = shareInEnvironment();
    return share && !std::isnan(*share) ? *share : kDefaultMemoryShare;
}

Status setMemoryShare(double share) {
    if (!(share > 0 && share <= 1))
        return Error{"the memory share is " + std::to_string(share) + " but must be above 0 and at most 1"};
    g_share = share;
    return Ok{};
}

int64_t availableMemoryBytes() { return readAvailableMemory().bytes(); }

std::string formatBytes(int64_t bytes) {
    char text[32];
    const double b = static_cast<double>(bytes);
    if (b >= 1e9)
        std::snprintf(text, sizeof text, "%.2f GB", b / 1e9);
    else if (b >= 1e6)
        std::snprintf(text, sizeof text, "%.0f MB", b / 1e6);
    else
        std::snprintf(text, sizeof text, "%.0f kB", b / 1e3);
    return text;
}

Status checkMemoryFor(int64_t bytes, const std::string& what) {
    const AvailableMemory memory = readAvailableMemory();
    const int64_t available = memory.bytes();
    if (available < 0)
        return Ok{};
    const double share = memoryShare();
    const auto limit = static_cast<int64_t>(static_cast<double>(available) * share);
    if (bytes <= limit)
        return Ok{};
    char percent[32];
    std::snprintf(percent, sizeof percent, "%.3g %%", share * 100);
    // Name the cgroup when its limit is the one that binds: the machine may look idle from inside the job.
    const std::string where =
        memory.cgroup >= 0 && memory.cgroup == available ? " (the limit of cgroup " + memory.limitedBy + ")" : "";
    return Error{what + " needs about " + formatBytes(bytes) + " of memory, but " + formatBytes(available) +
                 " is available" + where + " and work may take " + percent + " of it (" + formatBytes(limit) +
                 "): free memory, use a smaller batch, or raise the share (AUTOGLM_MEMORY_SHARE)"};
}

} // namespace autoglm
