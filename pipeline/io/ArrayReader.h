#pragma once
// Rows of a dataset array read on demand, so that evaluation and calibration hold one batch of a dataset at a
// time instead of the whole file. `open` reads and checks only the header (and that the file holds the bytes it
// declares); `readRows` then reads rows [start, start + count) from their offset:
// - .npy in C order and plain IDX: one positioned read (pread) per batch; thread-safe, nothing cached.
// - .npy in Fortran order: a row is strided through the file, so a batch is one read per element of a row
//   (each `count` elements long), still only that batch's bytes.
// - gzip IDX: streamed. gzip cannot be entered in the middle, so a read seeks within the decompressed stream:
//   forward seeks decompress and discard, a backward seek starts over from the beginning. Evaluation and
//   calibration read batches in order, so each pass over the data decompresses it once and holds one batch;
//   no temporary file is written (nothing to leave behind when a run is killed). `open` decompresses the
//   file once, discarding, to check its size as loadIdx does.
// Views (`firstRows`, `scaled`) give a dataset's limits and scale without copying it.

#include "pipeline/common/Result.h"
#include "pipeline/ir/TensorData.h"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace autoglm {

class ArrayReader {
public:
    virtual ~ArrayReader() = default;
    ArrayReader(const ArrayReader&) = delete;
    ArrayReader& operator=(const ArrayReader&) = delete;

    // A .npy or IDX (plain or gzip) file, told apart by its first bytes.
    static Result<std::shared_ptr<const ArrayReader>> open(const std::filesystem::path& file);
    // An array already in memory (decoded image folders, arrays a caller holds).
    static std::shared_ptr<const ArrayReader> fromTensor(const TensorData& tensor, std::string name);
    // The first `rows` rows of `source` (all of them when it has fewer).
    static std::shared_ptr<const ArrayReader> firstRows(std::shared_ptr<const ArrayReader> source, int64_t rows);
    // `source`'s rows as float32 multiplied by `factor`.
    static std::shared_ptr<const ArrayReader> scaled(std::shared_ptr<const ArrayReader> source, double factor);

    const std::string& name() const { return m_name; }
    // Rows first. IDX image files (rank 3) read as [N, 1, rows, cols], as loadIdx gives them.
    const std::vector<int64_t>& shape() const { return m_shape; }
    DType dtype() const { return m_dtype; }
    int64_t rows() const { return m_shape.empty() ? 0 : m_shape.front(); }
    int64_t rowBytes() const;

    // Rows [start, start + count) as a tensor [count, ...] in native byte order and C layout.
    Result<TensorData> readRows(int64_t start, int64_t count) const;
    // Every row, refused (with the numbers) when it would not fit the memory budget.
    Result<TensorData> readAll() const;
    // The largest tensor one readRows has returned so far, in bytes: what reading batch by batch bounds.
    int64_t largestReadBytes() const { return m_largestRead.load(); }

protected:
    ArrayReader(std::string name, std::vector<int64_t> shape, DType dtype);
    // Called with a range inside the array.
    virtual Result<TensorData> read(int64_t start, int64_t count) const = 0;

private:
    std::string m_name;
    std::vector<int64_t> m_shape;
    DType m_dtype;
    mutable std::atomic<int64_t> m_largestRead{0};
};

} // namespace autoglm
