#pragma once
// How much memory work may still take here: the least of what the kernel says is available (MemAvailable in
// /proc/meminfo) and what the process's memory cgroups leave. A container or a batch job (Docker, Kubernetes,
// SLURM, systemd) sees the whole machine's MemAvailable but is killed at its cgroup's limit, so that limit has
// to count.
// - cgroup v2: memory.max less the usage, in the process's cgroup and each ancestor up to the mount (a parent's
//   limit binds its children too).
// - cgroup v1: memory.limit_in_bytes less memory.usage_in_bytes, likewise.
// Usage counts page cache the kernel reclaims before it kills anything (reading a dataset from disk fills it),
// so inactive file pages (memory.stat) are left out of it, as the kubelet's "working set" does.
// The cgroups come from /proc/self/cgroup and the mounts from /proc/self/mountinfo; where the process's cgroup
// path does not exist under the mount (a container that sees its own cgroup as the root), the mount's root
// is the process's cgroup. The files are named by MemorySources so that tests can feed fake ones.

#include <cstdint>
#include <filesystem>
#include <string>

namespace autoglm {

struct MemorySources {
    std::filesystem::path meminfo = "/proc/meminfo";
    std::filesystem::path cgroup = "/proc/self/cgroup";
    std::filesystem::path mountinfo = "/proc/self/mountinfo";
    std::filesystem::path root = "/"; // mount points in mountinfo are found under it
};

struct AvailableMemory {
    int64_t meminfo = -1; // MemAvailable; -1 when unknown
    int64_t cgroup = -1;  // the least any memory cgroup of the process leaves; -1 when none limits it
    std::string limitedBy; // the cgroup file of that limit ("…/memory.max"), empty when none

    // The smaller of the two known figures; -1 when neither is known.
    int64_t bytes() const;
};

// From `sources`, or without an argument from those set for this process (the real files unless a test set
// others with setMemorySources).
AvailableMemory readAvailableMemory(const MemorySources& sources);
AvailableMemory readAvailableMemory();
void setMemorySources(const MemorySources& sources);

} // namespace autoglm
