#include "pipeline/io/ArrayReader.h"

#include "pipeline/common/MemoryBudget.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace autoglm {
namespace {

std::vector<int64_t> withRows(std::vector<int64_t> shape, int64_t rows) {
    if (!shape.empty())
        shape.front() = rows;
    return shape;
}

class TensorReader final : public ArrayReader {
public:
    TensorReader(const TensorData& tensor, std::string name)
        : ArrayReader(std::move(name), tensor.shape(), tensor.dtype()), m_tensor(tensor) {}

protected:
    Result<TensorData> read(int64_t start, int64_t count) const override {
        // A copy, as a file read gives: callers may keep or change it.
        if (shape().empty())
            return TensorData(m_tensor.tensor().clone());
        return TensorData(m_tensor.tensor().slice(0, start, start + count).clone(at::MemoryFormat::Contiguous));
    }

private:
    TensorData m_tensor;
};

class FirstRowsReader final : public ArrayReader {
public:
    FirstRowsReader(std::shared_ptr<const ArrayReader> source, int64_t rows)
        : ArrayReader(source->name(), withRows(source->shape(), std::min(rows, source->rows())), source->dtype()),
          m_source(std::move(source)) {}

protected:
    Result<TensorData> read(int64_t start, int64_t count) const override { return m_source->readRows(start, count); }

private:
    std::shared_ptr<const ArrayReader> m_source;
};

class ScaledReader final : public ArrayReader {
public:
    ScaledReader(std::shared_ptr<const ArrayReader> source, double factor)
        : ArrayReader(source->name(), source->shape(), DType::Float), m_source(std::move(source)), m_factor(factor) {}

protected:
    Result<TensorData> read(int64_t start, int64_t count) const override {
        auto rows = m_source->readRows(start, count);
        if (!rows)
            return rows.error();
        // The same operations, in the same order, as scaling the whole array once: identical values.
        return TensorData(rows->tensor().to(at::kFloat).mul(m_factor));
    }

private:
    std::shared_ptr<const ArrayReader> m_source;
    double m_factor;
};

} // namespace

ArrayReader::ArrayReader(std::string name, std::vector<int64_t> shape, DType dtype)
    : m_name(std::move(name)), m_shape(std::move(shape)), m_dtype(dtype) {}

int64_t ArrayReader::rowBytes() const {
    int64_t bytes = dtypeSize(m_dtype);
    for (size_t i = 1; i < m_shape.size(); ++i)
        bytes *= m_shape[i];
    return bytes;
}

Result<TensorData> ArrayReader::readRows(int64_t start, int64_t count) const {
    if (m_shape.empty())
        return Error{"'" + m_name + "' holds a single value, not rows"};
    if (start < 0 || count < 0 || start > rows() || count > rows() - start)
        return Error{"'" + m_name + "': rows " + std::to_string(start) + ".." + std::to_string(start + count) +
                     " are outside its " + std::to_string(rows()) + " rows"};
    auto out = read(start, count);
    if (!out)
        return out.error();
    const int64_t bytes = count * rowBytes();
    int64_t seen = m_largestRead.load();
    while (bytes > seen && !m_largestRead.compare_exchange_weak(seen, bytes)) {
    }
    return out;
}

Result<TensorData> ArrayReader::readAll() const {
    if (m_shape.empty())
        return read(0, 0); // a single value: the whole array
    if (auto fits = checkMemoryFor(rows() * rowBytes(), "reading '" + m_name + "' whole"); !fits)
        return fits.error();
    return readRows(0, rows());
}

std::shared_ptr<const ArrayReader> ArrayReader::fromTensor(const TensorData& tensor, std::string name) {
    return std::make_shared<TensorReader>(tensor, std::move(name));
}

std::shared_ptr<const ArrayReader> ArrayReader::firstRows(std::shared_ptr<const ArrayReader> source, int64_t rows) {
    if (rows >= source->rows())
        return source;
    return std::make_shared<FirstRowsReader>(std::move(source), rows);
}

std::shared_ptr<const ArrayReader> ArrayReader::scaled(std::shared_ptr<const ArrayReader> source, double factor) {
    return std::make_shared<ScaledReader>(std::move(source), factor);
}

} // namespace autoglm
