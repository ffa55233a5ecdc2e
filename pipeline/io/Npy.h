#pragma once
// NumPy .npy files (format versions 1.0-3.0): the dtypes numpy writes, either byte order, C or Fortran order.

#include "pipeline/common/Result.h"
#include "pipeline/ir/TensorData.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace autoglm {

// What a .npy header says, checked (shape products cannot overflow, the dtype is one we hold); the data are
// `dataBytes` bytes from `dataStart` on. `bytes` must hold at least the header (64 kB covers version 1.0).
struct NpyHeader {
    DType dtype = DType::Undefined;
    std::vector<int64_t> shape;
    bool fortran = false;
    bool bigEndian = false;
    uint64_t dataStart = 0;
    uint64_t dataBytes = 0;
};
Result<NpyHeader> parseNpyHeader(const std::string& bytes, const std::string& displayName);
// The message for a data section shorter than its header declares.
std::string npyTruncatedMessage(const std::string& displayName, uint64_t needed, uint64_t have);
// Swaps big-endian elements (complex ones per part) in place.
void npyToNativeOrder(void* data, uint64_t bytes, DType dtype);

Result<TensorData> loadNpy(const std::filesystem::path& file);
Result<TensorData> parseNpy(const std::string& bytes, const std::string& displayName);
// Writes little-endian, C order; atomically.
Status saveNpy(const TensorData& tensor, const std::filesystem::path& file);

} // namespace autoglm
