#include "pipeline/io/Npy.h"

#include "pipeline/common/AtomicFile.h"
#include "pipeline/exec/TorchTypes.h"

#include <ATen/ATen.h>

#include <bit>
#include <fstream>
#include <limits>
#include <regex>
#include <sstream>

namespace autoglm {
namespace {

struct NpyType {
    const char* code; // descr without byte-order character
    DType dtype;
};
constexpr NpyType kTypes[] = {
    {"f4", DType::Float}, {"f8", DType::Double},    {"f2", DType::Float16},     {"i1", DType::Int8},
    {"i2", DType::Int16}, {"i4", DType::Int32},     {"i8", DType::Int64},       {"u1", DType::UInt8},
    {"b1", DType::Bool},  {"c8", DType::Complex64}, {"c16", DType::Complex128},
};

std::string npyCode(DType type) {
    for (const auto& t : kTypes)
        if (t.dtype == type)
            return t.code;
    return {};
}

} // namespace

Result<NpyHeader> parseNpyHeader(const std::string& bytes, const std::string& name) {
    static const std::string kMagic = "\x93NUMPY";
    if (bytes.size() < 10 || bytes.compare(0, 6, kMagic) != 0)
        return Error{name + " is not a .npy file (missing the \\x93NUMPY magic)"};
    const auto major = static_cast<unsigned char>(bytes[6]);
    size_t headerLen = 0;
    size_t headerStart = 0;
    if (major == 1) {
        headerLen = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
        headerStart = 10;
    } else if (major == 2 || major == 3) {
        if (bytes.size() < 12)
            return Error{name + ": truncated .npy header"};
        for (int i = 3; i >= 0; --i)
            headerLen = (headerLen << 8) | static_cast<unsigned char>(bytes[8 + i]);
        headerStart = 12;
    } else {
        return Error{name + ": unsupported .npy format version " + std::to_string(major)};
    }
    if (headerLen > bytes.size() - headerStart)
        return Error{name + ": truncated .npy header"};
    const std::string header = bytes.substr(headerStart, headerLen);

    std::smatch m;
    if (!std::regex_search(header, m, std::regex(R"('descr'\s*:\s*'([<>|=])([a-z]\d+)')")))
        return Error{name + ": .npy header has no readable 'descr' (got: " + header + ")"};
    const char order = m[1].str()[0];
    const std::string code = m[2];
    if (!std::regex_search(header, m, std::regex(R"('fortran_order'\s*:\s*(True|False))")))
        return Error{name + ": .npy header has no 'fortran_order'"};
    NpyHeader h;
    h.fortran = m[1] == "True";
    if (!std::regex_search(header, m, std::regex(R"('shape'\s*:\s*\(([^)]*)\))")))
        return Error{name + ": .npy header has no 'shape'"};
    int64_t numel = 1;
    {
        std::stringstream dims(m[1].str());
        std::string item;
        while (std::getline(dims, item, ',')) {
            item = std::regex_replace(item, std::regex(R"(\s|L)"), "");
            if (item.empty())
                continue;
            if (!std::regex_match(item, std::regex(R"(\d{1,15})")))
                return Error{name + ": bad dimension '" + item + "' in .npy shape"};
            const int64_t d = std::stoll(item);
            if (d != 0 && numel > std::numeric_limits<int64_t>::max() / 16 / d)
                return Error{name + ": .npy shape overflows"};
            h.shape.push_back(d);
            numel *= d;
        }
    }
    for (const auto& t : kTypes)
        if (code == t.code)
            h.dtype = t.dtype;
    if (h.dtype == DType::Undefined)
        return Error{name + ": .npy dtype '" + code +
                     "' is not supported (expected one of f2 f4 f8 i1 i2 i4 i8 u1 b1)"};
    h.dataStart = headerStart + headerLen;
    h.dataBytes = static_cast<uint64_t>(numel) * static_cast<uint64_t>(dtypeSize(h.dtype));
    h.bigEndian = order == '>' || (order == '=' && std::endian::native == std::endian::big);
    return h;
}

std::string npyTruncatedMessage(const std::string& name, uint64_t needed, uint64_t have) {
    return name + ": .npy data is truncated: shape needs " + std::to_string(needed) + " bytes, file has " +
           std::to_string(have);
}

void npyToNativeOrder(void* data, uint64_t bytes, DType dtype) {
    const int64_t elemSize = dtypeSize(dtype);
    if (elemSize <= 1)
        return;
    const int64_t wordSize = dtype == DType::Complex64 ? 4 : dtype == DType::Complex128 ? 8 : elemSize;
    auto* p = static_cast<unsigned char*>(data);
    for (uint64_t i = 0; i < bytes; i += wordSize)
        std::reverse(p + i, p + i + wordSize);
}

Result<TensorData> parseNpy(const std::string& bytes, const std::string& name) {
    auto parsed = parseNpyHeader(bytes, name);
    if (!parsed)
        return parsed.error();
    const NpyHeader& h = parsed.value();
    if (bytes.size() - h.dataStart < h.dataBytes)
        return Error{npyTruncatedMessage(name, h.dataBytes, bytes.size() - h.dataStart)};

    const at::ScalarType type = *torchType(h.dtype);
    // Fortran order stores the transpose: read with reversed dims, then permute back.
    std::vector<int64_t> storedShape = h.shape;
    if (h.fortran)
        std::reverse(storedShape.begin(), storedShape.end());
    at::Tensor t = at::empty(storedShape, at::TensorOptions().dtype(type));
    if (h.dataBytes)
        std::memcpy(t.data_ptr(), bytes.data() + h.dataStart, h.dataBytes);
    if (h.bigEndian)
        npyToNativeOrder(t.data_ptr(), h.dataBytes, h.dtype);
    if (h.fortran) {
        std::vector<int64_t> perm(h.shape.size());
        for (size_t i = 0; i < perm.size(); ++i)
            perm[i] = static_cast<int64_t>(perm.size() - 1 - i);
        t = t.permute(perm).contiguous();
    }
    return TensorData(t);
}

Result<TensorData> loadNpy(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return Error{"cannot open '" + file.string() + "'"};
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return parseNpy(buffer.str(), file.string());
}

Status saveNpy(const TensorData& tensor, const std::filesystem::path& file) {
    const std::string code = npyCode(tensor.dtype());
    if (code.empty())
        return Error{"cannot write " + dtypeName(tensor.dtype()) + " to '" + file.string() + "': no .npy dtype"};
    std::string shape;
    for (int64_t d : tensor.shape())
        shape += std::to_string(d) + ",";
    if (tensor.shape().size() > 1)
        shape.pop_back();
    const char order = (code == "u1" || code == "i1" || code == "b1") ? '|' : '<';
    std::string header =
        "{'descr': '" + std::string(1, order) + code + "', 'fortran_order': False, 'shape': (" + shape + "), }";
    // Pad so the data starts on a 64-byte boundary, as numpy does; the header ends with a newline.
    const size_t total = 10 + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header += '\n';
    at::Tensor t = tensor.tensor().detach().contiguous().cpu();
    std::string bytes = "\x93NUMPY";
    bytes += '\x01';
    bytes += '\x00';
    bytes += static_cast<char>(header.size() & 0xff);
    bytes += static_cast<char>((header.size() >> 8) & 0xff);
    bytes += header;
    bytes.append(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size());
    return writeFileAtomically(file, bytes);
}

} // namespace autoglm
