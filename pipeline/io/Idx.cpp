#include "pipeline/io/Idx.h"

#include "pipeline/exec/TorchTypes.h"

#include <ATen/ATen.h>

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>

namespace autoglm {
namespace {

struct IdxType {
    unsigned char code;
    DType dtype;
};
constexpr IdxType kTypes[] = {{0x08, DType::UInt8}, {0x09, DType::Int8},  {0x0B, DType::Int16},
                              {0x0C, DType::Int32}, {0x0D, DType::Float}, {0x0E, DType::Double}};
constexpr size_t kMaxRank = 8;

uint32_t bigEndian32(const std::string& bytes, size_t at) {
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i)
        v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
    return v;
}

} // namespace

Result<std::optional<IdxHeader>> parseIdxHeader(const std::string& bytes, const std::string& name) {
    if (bytes.size() < 4)
        return std::optional<IdxHeader>();
    if (bytes[0] != 0 || bytes[1] != 0)
        return Error{name + " is not an IDX file (it must start with two zero bytes)"};
    IdxHeader h;
    const auto code = static_cast<unsigned char>(bytes[2]);
    for (const auto& t : kTypes)
        if (t.code == code)
            h.dtype = t.dtype;
    if (h.dtype == DType::Undefined)
        return Error{name + ": IDX type code 0x" + std::to_string(code) +
                     " is not one of 0x08 (uint8), 0x09 (int8), 0x0B (int16), 0x0C (int32), 0x0D (float), 0x0E (double)"};
    const auto rank = static_cast<size_t>(static_cast<unsigned char>(bytes[3]));
    if (rank == 0 || rank > kMaxRank)
        return Error{name + ": IDX rank " + std::to_string(rank) + " is outside 1.." + std::to_string(kMaxRank)};
    h.headerBytes = 4 + 4 * rank;
    if (bytes.size() < h.headerBytes)
        return std::optional<IdxHeader>();
    uint64_t count = 1;
    for (size_t i = 0; i < rank; ++i) {
        const uint32_t d = bigEndian32(bytes, 4 + 4 * i);
        if (d != 0 && count > (uint64_t(1) << 40) / d)
            return Error{name + ": IDX dimensions overflow (more than 2^40 elements)"};
        count *= d;
        h.dims.push_back(static_cast<int64_t>(d));
    }
    h.dataBytes = count * static_cast<uint64_t>(dtypeSize(h.dtype));
    return std::optional<IdxHeader>(h);
}

std::string idxSizeMessage(const std::string& name, uint64_t declared, uint64_t have) {
    return name + ": the IDX header declares " + std::to_string(declared) + " data bytes, the file has " +
           std::to_string(have) + (have < declared ? " (truncated)" : " (trailing bytes)");
}

Result<TensorData> parseIdx(const std::string& bytes, const std::string& name) {
    auto header = parseIdxHeader(bytes, name);
    if (!header)
        return header.error();
    if (!header.value())
        return Error{name + ": truncated IDX header (" + std::to_string(bytes.size()) + " bytes)"};
    const IdxHeader& h = **header;
    const uint64_t have = bytes.size() - h.headerBytes;
    if (have != h.dataBytes)
        return Error{idxSizeMessage(name, h.dataBytes, have)};
    const int64_t elemSize = dtypeSize(h.dtype);
    at::Tensor t = at::empty(h.dims, at::TensorOptions().dtype(*torchType(h.dtype)));
    if (h.dataBytes)
        std::memcpy(t.data_ptr(), bytes.data() + h.headerBytes, h.dataBytes);
    if (elemSize > 1 && std::endian::native == std::endian::little) {
        auto* p = static_cast<unsigned char*>(t.data_ptr());
        for (uint64_t i = 0; i < h.dataBytes; i += elemSize)
            std::reverse(p + i, p + i + elemSize);
    }
    if (h.dims.size() == 3)
        t = t.unsqueeze(1).contiguous();
    return TensorData(t);
}

Result<TensorData> loadIdx(const std::filesystem::path& file) {
    const std::string name = file.string();
    // zlib reads plain files unchanged, so one path serves both.
    std::unique_ptr<gzFile_s, int (*)(gzFile)> in(gzopen(name.c_str(), "rb"), gzclose);
    if (!in)
        return Error{"cannot open '" + name + "'"};
    // Read in chunks up to what the header declares (plus one byte to notice trailing data): memory grows with
    // the bytes that are really there, so a header that lies about its size costs nothing.
    constexpr size_t kChunk = size_t(1) << 24;
    std::string bytes;
    std::optional<IdxHeader> header;
    for (;;) {
        const uint64_t want = header ? header->headerBytes + header->dataBytes + 1 : bytes.size() + 64;
        if (bytes.size() >= want)
            break;
        const size_t step = static_cast<size_t>(std::min<uint64_t>(kChunk, want - bytes.size()));
        const size_t old = bytes.size();
        bytes.resize(old + step);
        const int got = gzread(in.get(), bytes.data() + old, static_cast<unsigned>(step));
        if (got < 0) {
            int code = 0;
            return Error{name + ": cannot decompress (" + std::string(gzerror(in.get(), &code)) + ")"};
        }
        bytes.resize(old + static_cast<size_t>(got));
        if (!header) {
            auto read = parseIdxHeader(bytes, name);
            if (!read)
                return read.error();
            header = read.value();
        }
        if (got == 0)
            break;
    }
    return parseIdx(bytes, name);
}

bool looksLikeIdx(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    unsigned char head[4] = {};
    in.read(reinterpret_cast<char*>(head), 4);
    if (in.gcount() < 4)
        return false;
    if (head[0] == 0x1f && head[1] == 0x8b)
        return true; // gzip: what it holds is checked when it is read
    if (head[0] != 0 || head[1] != 0)
        return false;
    return std::any_of(std::begin(kTypes), std::end(kTypes), [&](const IdxType& t) { return t.code == head[2]; });
}

} // namespace autoglm
