#include "pipeline/io/ArrayFile.h"

#include "pipeline/io/ArrayReader.h"

namespace autoglm {

Result<TensorData> loadArrayFile(const std::filesystem::path& file) {
    // The reader checks the header and the file's size first, and the whole array against the memory budget.
    auto reader = ArrayReader::open(file);
    if (!reader)
        return reader.error();
    return reader.value()->readAll();
}

} // namespace autoglm
