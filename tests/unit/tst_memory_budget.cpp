// The available memory the budget is a share of: MemAvailable and the process's cgroup limits (v2 and v1),
// read from fake /proc and /sys files laid out as the kernel shows them on a host, in a container, and in a
// hierarchy whose parent holds the tighter limit.
#include "pipeline/common/AvailableMemory.h"
#include "pipeline/common/MemoryBudget.h"

#include "TestSupport.h"

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>

using namespace autoglm;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kMiB = 1024 * 1024;

void write(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
}

// A fake machine under `root`: /proc files, and cgroup mounts as systemd and Docker lay them out.
struct FakeMachine {
    fs::path root;
    MemorySources sources() const {
        MemorySources s;
        s.meminfo = root / "proc/meminfo";
        s.cgroup = root / "proc/self/cgroup";
        s.mountinfo = root / "proc/self/mountinfo";
        s.root = root;
        return s;
    }
    void memAvailable(int64_t bytes) const {
        write(root / "proc/meminfo", "MemTotal:       65536000 kB\nMemFree:         1000 kB\nMemAvailable:   " +
                                         std::to_string(bytes / 1024) + " kB\n");
    }
    // cgroup v2 only (unified), mounted at /sys/fs/cgroup.
    void unified(const std::string& cgroup) const {
        write(root / "proc/self/cgroup", "0::" + cgroup + "\n");
        write(root / "proc/self/mountinfo",
              "25 30 0:23 / /sys rw,nosuid - sysfs sysfs rw\n"
              "26 25 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n");
    }
    void v2Files(const std::string& cgroup, const std::string& max, int64_t current, int64_t inactiveFile) const {
        const fs::path dir = root / "sys/fs/cgroup" / fs::path(cgroup).relative_path();
        write(dir / "memory.max", max + "\n");
        write(dir / "memory.current", std::to_string(current) + "\n");
        write(dir / "memory.stat", "anon 1000\nfile 5000\ninactive_file " + std::to_string(inactiveFile) +
                                       "\nactive_file 100\n");
    }
};

} // namespace

class MemoryBudgetTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void meminfoAloneWithoutCgroups() {
        QTemporaryDir dir;
        FakeMachine m{dir.path().toStdString()};
        m.memAvailable(8000 * kMiB);
        const AvailableMemory a = readAvailableMemory(m.sources());
        QCOMPARE(a.meminfo, 8000 * kMiB);
        QCOMPARE(a.cgroup, int64_t(-1));
        QCOMPARE(a.bytes(), 8000 * kMiB);
    }

    // cgroup v2: memory.max less the working set (memory.current less inactive file pages) binds when smaller.
    void cgroupV2LimitBinds() {
        QTemporaryDir dir;
        FakeMachine m{dir.path().toStdString()};
        m.memAvailable(8000 * kMiB);
        m.unified("/system.slice/job.scope");
        m.v2Files("/system.slice/job.scope", std::to_string(2000 * kMiB), 900 * kMiB, 400 * kMiB);
        const AvailableMemory a = readAvailableMemory(m.sources());
        QCOMPARE(a.cgroup, (2000 - 500) * kMiB);
        QCOMPARE(a.bytes(), 1500 * kMiB);
        QVERIFY(QString::fromStdString(a.limitedBy).endsWith("system.slice/job.scope/memory.max"));
        // "max" is no limit: MemAvailable decides.
        m.v2Files("/system.slice/job.scope", "max", 900 * kMiB, 0);
        QCOMPARE(readAvailableMemory(m.sources()).bytes(), 8000 * kMiB);
        // A machine with less available than the limit leaves: MemAvailable decides.
        m.v2Files("/system.slice/job.scope", std::to_string(20000 * kMiB), 900 * kMiB, 0);
        QCOMPARE(readAvailableMemory(m.sources()).bytes(), 8000 * kMiB);
    }

    // A parent's limit binds its children: the least left over every level up to the mount counts.
    void cgroupV2ParentLimitBinds() {
        QTemporaryDir dir;
        FakeMachine m{dir.path().toStdString()};
        m.memAvailable(8000 * kMiB);
        m.unified("/user.slice/session/app");
        m.v2Files("/user.slice/session/app", "max", 100 * kMiB, 0);
        m.v2Files("/user.slice", std::to_string(1000 * kMiB), 700 * kMiB, 0);
        const AvailableMemory a = readAvailableMemory(m.sources());
        QCOMPARE(a.bytes(), 300 * kMiB);
        QVERIFY(QString::fromStdString(a.limitedBy).endsWith("user.slice/memory.max"));
    }

    // In a container the process's cgroup path (as the host names it) does not exist under the mount, which
    // shows the container's own cgroup as its root.
    void containerSeesItsCgroupAsTheRoot() {
        QTemporaryDir dir;
        FakeMachine m{dir.path().toStdString()};
        m.memAvailable(64000 * kMiB);
        m.unified("/kubepods/burstable/pod1234/abcdef");
        m.v2Files("/", std::to_string(512 * kMiB), 200 * kMiB, 50 * kMiB);
        QCOMPARE(readAvailableMemory(m.sources()).bytes(), (512 - 150) * kMiB);
    }

    // cgroup v1 (this build machine's layout: a memory hierarchy beside a unified one without controllers).
    void cgroupV1Limit() {
        QTemporaryDir dir;
        FakeMachine m{dir.path().toStdString()};
        m.memAvailable(24000 * kMiB);
        write(m.root / "proc/self/cgroup", "4:memory:/process_api/17961cbf\n3:cpuset:/\n0::/\n");
        write(m.root / "proc/self/mountinfo",
              "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
              "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n");
        const fs::path job = m.root / "sys/fs/cgroup/memory/process_api/17961cbf";
        write(job / "memory.limit_in_bytes", std::to_string(4096 * kMiB));
        write(job / "memory.usage_in_bytes", std::to_string(1200 * kMiB));
        write(job / "memory.stat", "cache 100\ninactive_file 999\ntotal_inactive_file " + std::to_string(200 * kMiB) + "\n");
        write(m.root / "sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712"); // no limit
        write(m.root / "sys/fs/cgroup/memory/memory.usage_in_bytes", std::to_string(9000 * kMiB));
        const AvailableMemory a = readAvailableMemory(m.sources());
        QCOMPARE(a.cgroup, (4096 - 1000) * kMiB);
        QCOMPARE(a.bytes(), 3096 * kMiB);
        QVERIFY(QString::fromStdString(a.limitedBy).endsWith("memory.limit_in_bytes"));
    }

    // Without mountinfo the usual mount points are tried; unreadable or garbled files limit nothing.
    void missingAndGarbledFiles() {
        QTemporaryDir dir;
        FakeMachine m{dir.path().toStdString()};
        m.memAvailable(1000 * kMiB);
        write(m.root / "proc/self/cgroup", "0::/job\n");
        m.v2Files("/job", std::to_string(100 * kMiB), 10 * kMiB, 0);
        QCOMPARE(readAvailableMemory(m.sources()).bytes(), 90 * kMiB); // no mountinfo: /sys/fs/cgroup
        m.v2Files("/job", "lots", 10 * kMiB, 0);
        QCOMPARE(readAvailableMemory(m.sources()).bytes(), 1000 * kMiB);
        write(m.root / "proc/meminfo", "MemAvailable: many kB\n");
        QCOMPARE(readAvailableMemory(m.sources()).bytes(), int64_t(-1)); // nothing known: nothing refused
        m.v2Files("/job", std::to_string(100 * kMiB), 300 * kMiB, 0); // usage beyond the limit: nothing left
        QCOMPARE(readAvailableMemory(m.sources()).bytes(), int64_t(0));
    }

    // The budget's refusal names the cgroup when its limit is the one that binds.
    void refusalNamesTheBindingCgroup() {
        QTemporaryDir dir;
        FakeMachine m{dir.path().toStdString()};
        m.memAvailable(8000 * kMiB);
        m.unified("/job");
        m.v2Files("/job", std::to_string(1000 * kMiB), 0, 0);
        struct Restore {
            double share = memoryShare();
            ~Restore() {
                (void)setMemoryShare(share);
                setMemorySources({});
            }
        } restore;
        setMemorySources(m.sources());
        VERIFY_RESULT(setMemoryShare(0.5));
        QCOMPARE(availableMemoryBytes(), 1000 * kMiB);
        VERIFY_RESULT(checkMemoryFor(500 * kMiB, "this"));
        const Status refused = checkMemoryFor(600 * kMiB, "loading 'x'");
        VERIFY_ERROR_MENTIONS(refused, "loading 'x' needs about 629 MB of memory, but 1.05 GB is available (the limit "
                                       "of cgroup");
        VERIFY_ERROR_MENTIONS(refused, "job/memory.max) and work may take 50 % of it (524 MB)");
    }
};

QTEST_GUILESS_MAIN(MemoryBudgetTest)
#include "tst_memory_budget.moc"
