#include "pipeline/common/AvailableMemory.h"

#include <algorithm>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <vector>

namespace autoglm {
namespace {

namespace fs = std::filesystem;

// cgroup v1 writes "no limit" as the largest page-aligned int64 (9223372036854771712); anything this large
// is no limit either.
constexpr int64_t kNoLimit = int64_t(1) << 60;

std::optional<int64_t> readNumber(const fs::path& file) {
    std::ifstream in(file);
    std::string text;
    if (!(in >> text))
        return std::nullopt;
    if (text == "max")
        return kNoLimit;
    try {
        size_t used = 0;
        const long long v = std::stoll(text, &used);
        return used == text.size() && v >= 0 ? std::optional<int64_t>(v) : std::nullopt;
    } catch (...) {
        return std::nullopt;
    }
}

// The value of `key` in a memory.stat file ("inactive_file 1234" lines).
std::optional<int64_t> statValue(const fs::path& file, const std::string& key) {
    std::ifstream in(file);
    std::string name;
    long long value = 0;
    while (in >> name >> value)
        if (name == key)
            return value;
    return std::nullopt;
}

// fs::path's operator/ replaces the left side when the right one is absolute.
fs::path under(const fs::path& root, const std::string& absolute) {
    const fs::path relative = fs::path(absolute).relative_path();
    return relative.empty() ? root : root / relative;
}

struct CgroupMount {
    std::string mountRoot;  // the cgroup the mount shows as its root
    std::string mountPoint; // where it is mounted
};

// Mounts of cgroup2 (`v1Controller` empty) or of the v1 hierarchy with that controller.
std::optional<CgroupMount> findMount(const fs::path& mountinfo, bool v2) {
    std::ifstream in(mountinfo);
    for (std::string line; std::getline(in, line);) {
        // "36 35 98:0 ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS"
        const auto dash = line.find(" - ");
        if (dash == std::string::npos)
            continue;
        std::istringstream head(line.substr(0, dash)), tail(line.substr(dash + 3));
        std::string id, parent, device, root, point, fstype, source, options;
        if (!(head >> id >> parent >> device >> root >> point) || !(tail >> fstype >> source >> options))
            continue;
        if (v2 && fstype == "cgroup2")
            return CgroupMount{root, point};
        if (!v2 && fstype == "cgroup") {
            std::istringstream list(options);
            for (std::string option; std::getline(list, option, ',');)
                if (option == "memory")
                    return CgroupMount{root, point};
        }
    }
    return std::nullopt;
}

// The process's cgroup path in the v2 hierarchy ("0::/path") or the v1 memory hierarchy ("4:memory:/path").
std::optional<std::string> cgroupPath(const fs::path& file, bool v2) {
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
        const auto first = line.find(':');
        const auto second = first == std::string::npos ? first : line.find(':', first + 1);
        if (second == std::string::npos)
            continue;
        const std::string controllers = line.substr(first + 1, second - first - 1);
        const std::string path = line.substr(second + 1);
        if (v2 && line.substr(0, first) == "0" && controllers.empty())
            return path;
        if (!v2) {
            std::istringstream list(controllers);
            for (std::string c; std::getline(list, c, ',');)
                if (c == "memory")
                    return path;
        }
    }
    return std::nullopt;
}

struct Limit {
    int64_t left = -1;
    std::string file;
};

// The least any cgroup from the process's up to the mount leaves, for one hierarchy.
Limit cgroupLimit(const MemorySources& s, bool v2) {
    const auto path = cgroupPath(s.cgroup, v2);
    if (!path)
        return {};
    auto mount = findMount(s.mountinfo, v2);
    if (!mount) // no mountinfo to go by: where systemd and Docker mount them
        mount = CgroupMount{"/", v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/memory"};
    const fs::path top = under(s.root, mount->mountPoint);
    std::string relative = *path;
    if (mount->mountRoot != "/" && relative.rfind(mount->mountRoot, 0) == 0)
        relative = relative.substr(mount->mountRoot.size());
    fs::path dir = under(top, relative);
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        dir = top; // the container's own cgroup is the root of what it sees
    const char* limitFile = v2 ? "memory.max" : "memory.limit_in_bytes";
    const char* usageFile = v2 ? "memory.current" : "memory.usage_in_bytes";
    Limit least;
    for (fs::path at = dir;; at = at.parent_path()) {
        const auto limit = readNumber(at / limitFile);
        const auto usage = readNumber(at / usageFile);
        if (limit && usage && *limit < kNoLimit) {
            auto inactive = statValue(at / "memory.stat", v2 ? "inactive_file" : "total_inactive_file");
            if (!inactive && !v2)
                inactive = statValue(at / "memory.stat", "inactive_file");
            const int64_t used = std::max<int64_t>(0, *usage - std::min(*usage, inactive.value_or(0)));
            const int64_t left = std::max<int64_t>(0, *limit - used);
            if (least.left < 0 || left < least.left)
                least = {left, (at / limitFile).string()};
        }
        if (at == top || !at.has_relative_path() || at.parent_path() == at ||
            at.string().size() <= top.string().size())
            break;
    }
    return least;
}

std::mutex g_sourcesMutex;
MemorySources g_sources; // what readAvailableMemory() reads: the real files unless a test set others

} // namespace

int64_t AvailableMemory::bytes() const {
    if (meminfo < 0)
        return cgroup;
    if (cgroup < 0)
        return meminfo;
    return std::min(meminfo, cgroup);
}

AvailableMemory readAvailableMemory(const MemorySources& sources) {
    AvailableMemory m;
    std::ifstream in(sources.meminfo);
    for (std::string line; std::getline(in, line);)
        if (line.rfind("MemAvailable:", 0) == 0) {
            try {
                m.meminfo = std::stoll(line.substr(13)) * 1024; // "MemAvailable:   123456 kB"
            } catch (...) {
            }
            break;
        }
    for (bool v2 : {true, false}) {
        const Limit limit = cgroupLimit(sources, v2);
        if (limit.left >= 0 && (m.cgroup < 0 || limit.left < m.cgroup)) {
            m.cgroup = limit.left;
            m.limitedBy = limit.file;
        }
    }
    return m;
}

AvailableMemory readAvailableMemory() {
    MemorySources sources;
    {
        std::lock_guard lock(g_sourcesMutex);
        sources = g_sources;
    }
    return readAvailableMemory(sources);
}

void setMemorySources(const MemorySources& sources) {
    std::lock_guard lock(g_sourcesMutex);
    g_sources = sources;
}

} // namespace autoglm
