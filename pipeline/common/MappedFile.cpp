#include "pipeline/common/MappedFile.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace autoglm {

Result<std::shared_ptr<const MappedFile>> MappedFile::open(const std::filesystem::path& file) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return Error{"cannot open '" + file.string() + "': " + std::strerror(errno)};
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        ::close(fd);
        return Error{"'" + file.string() + "' is not a regular file"};
    }
    const auto size = static_cast<uint64_t>(info.st_size);
    void* data = nullptr;
    if (size > 0) {
        // Private and writable: a pass that changes a weight in place gets its own copy of that page (copy on
        // write) instead of a crash, and the file itself is never changed.
        data = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        if (data == MAP_FAILED) {
            const int error = errno;
            ::close(fd);
            return Error{"cannot map '" + file.string() + "' into memory: " + std::strerror(error)};
        }
    }
    ::close(fd); // the mapping keeps the file's pages reachable
    return std::shared_ptr<const MappedFile>(new MappedFile(static_cast<unsigned char*>(data), size));
}

MappedFile::~MappedFile() {
    if (m_data)
        ::munmap(m_data, m_size);
}

} // namespace autoglm
