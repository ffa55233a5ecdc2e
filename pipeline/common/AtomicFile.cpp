#include "pipeline/common/AtomicFile.h"

#include <fstream>
#include <random>

namespace autoglm {
namespace fs = std::filesystem;

Status writeFileAtomically(const fs::path& target, const std::function<bool(std::ostream&)>& write) {
    std::random_device random;
    const fs::path temp = target.string() + ".tmp-" + std::to_string(random());
    std::error_code ec;
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        if (!out)
            return Error{"cannot write '" + target.string() + "': cannot create a file in '" +
                         target.parent_path().string() + "'"};
        bool written = false;
        try {
            written = write(out);
        } catch (...) {
            out.close();
            fs::remove(temp, ec);
            throw;
        }
        out.flush();
        if (!written || !out) {
            out.close();
            fs::remove(temp, ec);
            return Error{"writing '" + target.string() + "' failed (disk full or not writable?)"};
        }
    }
    fs::rename(temp, target, ec);
    if (ec) {
        fs::remove(temp, ec);
        return Error{"cannot replace '" + target.string() + "': " + ec.message()};
    }
    return Ok{};
}

Status writeFileAtomically(const fs::path& target, const std::string& bytes) {
    return writeFileAtomically(target, [&](std::ostream& out) {
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        return static_cast<bool>(out);
    });
}

} // namespace autoglm
