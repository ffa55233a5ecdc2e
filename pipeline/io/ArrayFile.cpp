#include "pipeline/io/ArrayFile.h"

#include "pipeline/io/Idx.h"
#include "pipeline/io/Npy.h"

#include <fstream>

namespace autoglm {

Result<TensorData> loadArrayFile(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return Error{"cannot open '" + file.string() + "'"};
    char magic[6] = {};
    in.read(magic, sizeof magic);
    if (in.gcount() == sizeof magic && std::string(magic, sizeof magic) == "\x93NUMPY")
        return loadNpy(file);
    if (looksLikeIdx(file))
        return loadIdx(file);
    return Error{"'" + file.string() + "' is neither a NumPy .npy file nor an IDX file (plain or gzip)"};
}

} // namespace autoglm
