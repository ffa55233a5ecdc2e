#include "pipeline/onnx/ExternalData.h"

#include "pipeline/common/Result.h"

#include <fstream>

namespace autoglm::onnxio {
namespace fs = std::filesystem;

fs::path resolveExternalLocation(const std::string& location, const fs::path& baseDir, const std::string& what) {
    const fs::path rel(location);
    if (location.empty())
        throw AutoglmError(what + ": external data has no 'location'");
    if (rel.is_absolute())
        throw AutoglmError(what + ": external data location '" + location +
                           "' is an absolute path; it must be relative to the model's folder");
    for (const auto& part : rel)
        if (part == "..")
            throw AutoglmError(what + ": external data location '" + location +
                               "' contains '..'; it must stay inside the model's folder");
    std::error_code ec;
    const fs::path folder = fs::weakly_canonical(baseDir.empty() ? fs::path(".") : baseDir, ec);
    const fs::path full = folder / rel;
    if (!fs::exists(full, ec))
        throw AutoglmError(what + ": external data file '" + full.string() + "' does not exist");
    const fs::path real = fs::canonical(full, ec);
    if (ec)
        throw AutoglmError(what + ": cannot resolve external data file '" + full.string() + "': " + ec.message());
    auto [folderEnd, realIt] = std::mismatch(folder.begin(), folder.end(), real.begin(), real.end());
    if (folderEnd != folder.end())
        throw AutoglmError(what + ": external data location '" + location + "' resolves to '" + real.string() +
                           "', outside the model's folder '" + folder.string() + "' (through a symlink)");
    if (!fs::is_regular_file(real, ec))
        throw AutoglmError(what + ": external data location '" + location + "' is not a regular file");
    return real;
}

void readExternalData(const onnx::TensorProto& proto, const fs::path& baseDir, const std::string& what, int64_t bytes,
                      char* dest) {
    std::string location;
    int64_t offset = 0;
    int64_t length = -1;
    for (const auto& entry : proto.external_data()) {
        try {
            if (entry.key() == "location")
                location = entry.value();
            else if (entry.key() == "offset")
                offset = std::stoll(entry.value());
            else if (entry.key() == "length")
                length = std::stoll(entry.value());
        } catch (const std::exception&) {
            throw AutoglmError(what + ": external data '" + entry.key() + "' is not a number: '" + entry.value() + "'");
        }
    }
    const fs::path file = resolveExternalLocation(location, baseDir, what);
    if (offset < 0)
        throw AutoglmError(what + ": negative external data offset " + std::to_string(offset));
    if (length >= 0 && length != bytes)
        throw AutoglmError(what + ": external data length " + std::to_string(length) +
                           " does not match the tensor's size of " + std::to_string(bytes) + " bytes");
    const auto fileSize = static_cast<int64_t>(fs::file_size(file));
    if (offset > fileSize || bytes > fileSize - offset)
        throw AutoglmError(what + ": external data needs bytes " + std::to_string(offset) + ".." +
                           std::to_string(offset + bytes) + " of '" + file.string() + "', which has only " +
                           std::to_string(fileSize));
    std::ifstream in(file, std::ios::binary);
    in.seekg(offset);
    if (!in.read(dest, bytes))
        throw AutoglmError(what + ": reading external data from '" + file.string() + "' failed");
}

} // namespace autoglm::onnxio
