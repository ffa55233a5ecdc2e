// ArrayReader::open: the readers over .npy and IDX files (see ArrayReader.h for how each reads a batch).
#include "pipeline/io/ArrayReader.h"

#include "pipeline/exec/TorchTypes.h"
#include "pipeline/io/Idx.h"
#include "pipeline/io/Npy.h"

#include <ATen/ATen.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <mutex>

namespace autoglm {
namespace {

// A .npy v2/v3 header may declare up to 4 GB; real ones are a few hundred bytes.
constexpr uint64_t kMaxNpyHeader = uint64_t(1) << 24;

// An open file descriptor, closed with its owner.
class Fd {
public:
    explicit Fd(int fd) : m_fd(fd) {}
    ~Fd() {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return m_fd; }

private:
    int m_fd;
};

// Exactly `bytes` bytes at `offset`, or an error naming the file.
Status preadAll(int fd, void* into, uint64_t bytes, uint64_t offset, const std::string& name) {
    auto* p = static_cast<char*>(into);
    while (bytes > 0) {
        const ssize_t got = ::pread(fd, p, static_cast<size_t>(std::min<uint64_t>(bytes, 1u << 30)),
                                    static_cast<off_t>(offset));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return Error{"cannot read '" + name + "'" + (got < 0 ? ": " + std::string(std::strerror(errno)) : ": it ended early")};
        p += got;
        bytes -= static_cast<uint64_t>(got);
        offset += static_cast<uint64_t>(got);
    }
    return Ok{};
}

std::vector<int64_t> loadedIdxShape(std::vector<int64_t> dims) {
    if (dims.size() == 3) // images [N, rows, cols] read as [N, 1, rows, cols], as loadIdx does
        dims.insert(dims.begin() + 1, 1);
    return dims;
}

void idxToNativeOrder(at::Tensor& t, DType dtype) {
    const int64_t elemSize = dtypeSize(dtype);
    if (elemSize <= 1 || std::endian::native == std::endian::big)
        return;
    auto* p = static_cast<unsigned char*>(t.data_ptr());
    const auto bytes = static_cast<uint64_t>(t.numel() * elemSize);
    for (uint64_t i = 0; i < bytes; i += static_cast<uint64_t>(elemSize))
        std::reverse(p + i, p + i + elemSize);
}

class NpyFileReader final : public ArrayReader {
public:
    NpyFileReader(std::string name, std::shared_ptr<Fd> fd, NpyHeader header)
        : ArrayReader(std::move(name), header.shape, header.dtype), m_fd(std::move(fd)), m_header(std::move(header)) {}

protected:
    Result<TensorData> read(int64_t start, int64_t count) const override {
        const NpyHeader& h = m_header;
        const at::ScalarType type = *torchType(h.dtype);
        const auto elem = static_cast<uint64_t>(dtypeSize(h.dtype));
        if (h.shape.empty()) { // a single value
            at::Tensor t = at::empty({}, at::TensorOptions().dtype(type));
            if (auto s = preadAll(m_fd->get(), t.data_ptr(), elem, h.dataStart, name()); !s)
                return s.error();
            if (h.bigEndian)
                npyToNativeOrder(t.data_ptr(), elem, h.dtype);
            return TensorData(t);
        }
        if (!h.fortran || h.shape.size() == 1) {
            at::Tensor t = at::empty(withCount(count), at::TensorOptions().dtype(type));
            const auto bytes = static_cast<uint64_t>(count * rowBytes());
            if (auto s = preadAll(m_fd->get(), t.data_ptr(), bytes, h.dataStart + static_cast<uint64_t>(start * rowBytes()), name()); !s)
                return s.error();
            if (h.bigEndian)
                npyToNativeOrder(t.data_ptr(), bytes, h.dtype);
            return TensorData(t);
        }
        // Fortran order is the C layout of the reversed shape [d_k, ..., d_1, N]: each of a row's elements is a
        // run along N, so a batch is `count` consecutive elements from every run.
        std::vector<int64_t> stored(h.shape.rbegin(), h.shape.rend() - 1);
        stored.push_back(count);
        at::Tensor t = at::empty(stored, at::TensorOptions().dtype(type));
        const int64_t runs = t.numel() / std::max<int64_t>(count, 1);
        auto* into = static_cast<char*>(t.data_ptr());
        const auto n = static_cast<uint64_t>(rows());
        for (int64_t k = 0; count > 0 && k < runs; ++k) {
            const uint64_t at = h.dataStart + (static_cast<uint64_t>(k) * n + static_cast<uint64_t>(start)) * elem;
            if (auto s = preadAll(m_fd->get(), into + k * count * static_cast<int64_t>(elem), static_cast<uint64_t>(count) * elem, at, name()); !s)
                return s.error();
        }
        if (h.bigEndian)
            npyToNativeOrder(t.data_ptr(), static_cast<uint64_t>(t.numel()) * elem, h.dtype);
        std::vector<int64_t> perm(stored.size());
        for (size_t i = 0; i < perm.size(); ++i)
            perm[i] = static_cast<int64_t>(perm.size() - 1 - i);
        return TensorData(t.permute(perm).contiguous());
    }

private:
    std::vector<int64_t> withCount(int64_t count) const {
        std::vector<int64_t> s = shape();
        s.front() = count;
        return s;
    }

    std::shared_ptr<Fd> m_fd;
    NpyHeader m_header;
};

class IdxFileReader final : public ArrayReader {
public:
    IdxFileReader(std::string name, std::shared_ptr<Fd> fd, IdxHeader header)
        : ArrayReader(std::move(name), loadedIdxShape(header.dims), header.dtype), m_fd(std::move(fd)),
          m_header(std::move(header)) {}

protected:
    Result<TensorData> read(int64_t start, int64_t count) const override {
        std::vector<int64_t> dims = shape();
        dims.front() = count;
        at::Tensor t = at::empty(dims, at::TensorOptions().dtype(*torchType(dtype())));
        const auto bytes = static_cast<uint64_t>(count * rowBytes());
        const uint64_t offset = m_header.headerBytes + static_cast<uint64_t>(start * rowBytes());
        if (auto s = preadAll(m_fd->get(), t.data_ptr(), bytes, offset, name()); !s)
            return s.error();
        idxToNativeOrder(t, dtype());
        return TensorData(t);
    }

private:
    std::shared_ptr<Fd> m_fd;
    IdxHeader m_header;
};

using GzFile = std::unique_ptr<gzFile_s, int (*)(gzFile)>;

class GzipIdxReader final : public ArrayReader {
public:
    GzipIdxReader(std::string name, GzFile file, IdxHeader header)
        : ArrayReader(std::move(name), loadedIdxShape(header.dims), header.dtype), m_file(std::move(file)),
          m_header(std::move(header)) {}

protected:
    Result<TensorData> read(int64_t start, int64_t count) const override {
        std::vector<int64_t> dims = shape();
        dims.front() = count;
        at::Tensor t = at::empty(dims, at::TensorOptions().dtype(*torchType(dtype())));
        uint64_t bytes = static_cast<uint64_t>(count * rowBytes());
        const auto offset = static_cast<z_off_t>(m_header.headerBytes + static_cast<uint64_t>(start * rowBytes()));
        std::lock_guard lock(m_mutex); // one stream position
        if (gzseek(m_file.get(), offset, SEEK_SET) != offset)
            return Error{"'" + name() + "': cannot seek in the decompressed data"};
        auto* into = static_cast<char*>(t.data_ptr());
        while (bytes > 0) {
            const int got = gzread(m_file.get(), into, static_cast<unsigned>(std::min<uint64_t>(bytes, 1u << 24)));
            if (got <= 0) {
                int code = 0;
                return Error{name() + ": cannot decompress (" + std::string(got < 0 ? gzerror(m_file.get(), &code) : "it ended early") + ")"};
            }
            into += got;
            bytes -= static_cast<uint64_t>(got);
        }
        idxToNativeOrder(t, dtype());
        return TensorData(t);
    }

private:
    GzFile m_file;
    IdxHeader m_header;
    mutable std::mutex m_mutex;
};

Result<std::shared_ptr<const ArrayReader>> openNpy(const std::string& name, std::shared_ptr<Fd> fd, uint64_t size) {
    // The fixed part (magic, version, header length), then the header it announces.
    std::string head(static_cast<size_t>(std::min<uint64_t>(size, 12)), '\0');
    if (auto s = preadAll(fd->get(), head.data(), head.size(), 0, name); !s)
        return s.error();
    uint64_t headerEnd = 10;
    if (head.size() >= 10 && head[6] == 1)
        headerEnd = 10 + (static_cast<unsigned char>(head[8]) | (static_cast<unsigned char>(head[9]) << 8));
    else if (head.size() >= 12 && (head[6] == 2 || head[6] == 3)) {
        uint64_t len = 0;
        for (int i = 3; i >= 0; --i)
            len = (len << 8) | static_cast<unsigned char>(head[8 + i]);
        if (len > kMaxNpyHeader)
            return Error{name + ": the .npy header claims " + std::to_string(len) + " bytes (at most " +
                         std::to_string(kMaxNpyHeader) + ")"};
        headerEnd = 12 + len;
    }
    std::string header(static_cast<size_t>(std::min(size, headerEnd)), '\0');
    if (auto s = preadAll(fd->get(), header.data(), header.size(), 0, name); !s)
        return s.error();
    auto parsed = parseNpyHeader(header, name);
    if (!parsed)
        return parsed.error();
    if (size - parsed->dataStart < parsed->dataBytes)
        return Error{npyTruncatedMessage(name, parsed->dataBytes, size - parsed->dataStart)};
    return std::shared_ptr<const ArrayReader>(std::make_shared<NpyFileReader>(name, std::move(fd), parsed.value()));
}

Result<std::shared_ptr<const ArrayReader>> openIdx(const std::string& name, std::shared_ptr<Fd> fd, uint64_t size) {
    std::string head(static_cast<size_t>(std::min<uint64_t>(size, 4 + 4 * 255)), '\0');
    if (auto s = preadAll(fd->get(), head.data(), head.size(), 0, name); !s)
        return s.error();
    auto header = parseIdxHeader(head, name);
    if (!header)
        return header.error();
    if (!header.value())
        return Error{name + ": truncated IDX header (" + std::to_string(size) + " bytes)"};
    const IdxHeader& h = **header;
    if (size - h.headerBytes != h.dataBytes)
        return Error{idxSizeMessage(name, h.dataBytes, size - h.headerBytes)};
    return std::shared_ptr<const ArrayReader>(std::make_shared<IdxFileReader>(name, std::move(fd), h));
}

Result<std::shared_ptr<const ArrayReader>> openGzipIdx(const std::string& name) {
    GzFile in(gzopen(name.c_str(), "rb"), gzclose);
    if (!in)
        return Error{"cannot open '" + name + "'"};
    gzbuffer(in.get(), 1u << 18);
    std::string head;
    std::optional<IdxHeader> header;
    while (!header) {
        char byte = 0;
        const int got = gzread(in.get(), &byte, 1);
        if (got < 0) {
            int code = 0;
            return Error{name + ": cannot decompress (" + std::string(gzerror(in.get(), &code)) + ")"};
        }
        if (got == 0)
            return Error{name + ": truncated IDX header (" + std::to_string(head.size()) + " bytes)"};
        head += byte;
        auto read = parseIdxHeader(head, name);
        if (!read)
            return read.error();
        header = read.value();
    }
    // The size check loadIdx makes, without keeping the data: decompressed once and discarded.
    std::vector<char> scratch(size_t(1) << 20);
    uint64_t have = 0;
    for (;;) {
        const int got = gzread(in.get(), scratch.data(), static_cast<unsigned>(scratch.size()));
        if (got < 0) {
            int code = 0;
            return Error{name + ": cannot decompress (" + std::string(gzerror(in.get(), &code)) + ")"};
        }
        if (got == 0)
            break;
        have += static_cast<uint64_t>(got);
        if (have > header->dataBytes)
            break; // trailing bytes: no need to count them all
    }
    if (have != header->dataBytes)
        return Error{idxSizeMessage(name, header->dataBytes, have)};
    return std::shared_ptr<const ArrayReader>(std::make_shared<GzipIdxReader>(name, std::move(in), *header));
}

} // namespace

Result<std::shared_ptr<const ArrayReader>> ArrayReader::open(const std::filesystem::path& file) {
    const std::string name = file.string();
    auto fd = std::make_shared<Fd>(::open(name.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat info {};
    if (fd->get() < 0 || ::fstat(fd->get(), &info) != 0 || S_ISDIR(info.st_mode))
        return Error{"cannot open '" + name + "'"};
    const auto size = static_cast<uint64_t>(info.st_size);
    unsigned char magic[6] = {};
    const auto got = ::pread(fd->get(), magic, sizeof magic, 0);
    if (got == sizeof magic && std::memcmp(magic, "\x93NUMPY", 6) == 0)
        return openNpy(name, std::move(fd), size);
    if (looksLikeIdx(file))
        return got >= 2 && magic[0] == 0x1f && magic[1] == 0x8b ? openGzipIdx(name) : openIdx(name, std::move(fd), size);
    return Error{"'" + name + "' is neither a NumPy .npy file nor an IDX file (plain or gzip)"};
}

} // namespace autoglm
