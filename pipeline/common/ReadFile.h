#pragma once
// A whole file read into memory, or an error naming it.

#include "pipeline/common/Result.h"

#include <filesystem>
#include <string>

namespace autoglm {

Result<std::string> readFileBytes(const std::filesystem::path& file);

} // namespace autoglm
