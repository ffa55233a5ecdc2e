#include "pipeline/common/ReadFile.h"

#include <fstream>
#include <sstream>

namespace autoglm {

Result<std::string> readFileBytes(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return Error{"cannot open '" + file.string() + "'"};
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

} // namespace autoglm
