#pragma once
// Atomic writes: everything is written to a temporary file beside the target and renamed over it only when
// complete, so a crash, a cancel or a full disk never leaves a half-written output.

#include "pipeline/common/Result.h"

#include <filesystem>
#include <functional>
#include <ostream>
#include <string>

namespace autoglm {

// Calls write(stream) on a temporary file next to `target`, flushes, then renames it to `target`.
// On any failure the temporary is removed and the target is left as it was.
Status writeFileAtomically(const std::filesystem::path& target, const std::function<bool(std::ostream&)>& write);

Status writeFileAtomically(const std::filesystem::path& target, const std::string& bytes);

} // namespace autoglm
