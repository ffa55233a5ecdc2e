#pragma once
// A file mapped read-only into memory: its pages are read from disk when first touched and can be dropped
// again by the kernel, so opening a large checkpoint costs address space, not a copy of its bytes. Shared
// ownership: tensors that view the mapping keep it alive.

#include "pipeline/common/Result.h"

#include <cstdint>
#include <filesystem>
#include <memory>

namespace autoglm {

class MappedFile {
public:
    static Result<std::shared_ptr<const MappedFile>> open(const std::filesystem::path& file);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    // Writable copy-on-write pages: writes stay in this process and never reach the file.
    unsigned char* data() const { return m_data; }
    uint64_t size() const { return m_size; }

private:
    MappedFile(unsigned char* data, uint64_t size) : m_data(data), m_size(size) {}
    unsigned char* m_data = nullptr;
    uint64_t m_size = 0;
};

} // namespace autoglm
