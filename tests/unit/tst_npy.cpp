// .npy reading and writing: the dtypes numpy writes, Fortran order, big-endian data, and broken files; rows read
// on demand (ArrayReader) from C-order, Fortran-order and big-endian files.
#include "pipeline/io/ArrayReader.h"
#include "pipeline/io/Npy.h"
#include "pipeline/ir/TensorUtil.h"

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>

using namespace autoglm;
namespace fs = std::filesystem;

namespace {

// A version 1.0 .npy file with the given header dictionary and raw data, as numpy lays it out.
std::string npyBytes(const std::string& dict, const std::string& data) {
    std::string header = dict;
    const size_t total = 10 + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header += '\n';
    std::string out = "\x93NUMPY\x01";
    out += '\0';
    out += static_cast<char>(header.size() & 0xff);
    out += static_cast<char>(header.size() >> 8);
    return out + header + data;
}

template <class T> std::string raw(std::vector<T> values) {
    return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

// Rows [start, start + count) of `all`, flattened, where each row holds `rowSize` values.
std::vector<double> rowsOf(const std::vector<double>& all, int64_t rowSize, int64_t start, int64_t count) {
    return {all.begin() + start * rowSize, all.begin() + (start + count) * rowSize};
}

} // namespace

class NpyTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void roundTrip_data() {
        QTest::addColumn<int>("dtype");
        for (DType t : {DType::Float, DType::Double, DType::Float16, DType::Int8, DType::Int16, DType::Int32,
                        DType::Int64, DType::UInt8, DType::Bool})
            QTest::newRow(dtypeName(t).c_str()) << static_cast<int>(t);
    }
    void roundTrip() {
        QFETCH(int, dtype);
        const auto type = static_cast<DType>(dtype);
        const TensorData original = makeTensor(type, {2, 3}, {0, 1, 0, 1, 1, 0});
        QTemporaryDir dir;
        const fs::path file = fs::path(dir.path().toStdString()) / "a.npy";
        QVERIFY(saveNpy(original, file).ok());
        auto loaded = loadNpy(file);
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.message().c_str());
        QVERIFY(loaded->bitEqual(original));
        std::ifstream in(file, std::ios::binary);
        std::string head(10, '\0');
        in.read(head.data(), 10);
        QVERIFY(head.compare(0, 6, "\x93NUMPY") == 0);
    }

    void fortranOrderIsTransposedBack() {
        // numpy.asfortranarray([[1,2,3],[4,5,6]], dtype='<i4') stores 1,4,2,5,3,6.
        auto t = parseNpy(
            npyBytes("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }", raw<int32_t>({1, 4, 2, 5, 3, 6})),
            "f.npy");
        QVERIFY2(t.ok(), t.ok() ? "" : t.message().c_str());
        QCOMPARE(t->shape(), (std::vector<int64_t>{2, 3}));
        QCOMPARE(tensorValues(t.value()), (std::vector<double>{1, 2, 3, 4, 5, 6}));
    }

    void bigEndianIsSwapped() {
        std::string data = raw<float>({1.5f, -2.0f});
        for (size_t i = 0; i < data.size(); i += 4)
            std::reverse(data.begin() + static_cast<long>(i), data.begin() + static_cast<long>(i) + 4);
        auto t = parseNpy(npyBytes("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", data), "be.npy");
        QVERIFY(t.ok());
        QCOMPARE(tensorValues(t.value()), (std::vector<double>{1.5, -2.0}));
    }

    void scalarShape() {
        auto t =
            parseNpy(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", raw<double>({3.25})), "s.npy");
        QVERIFY(t.ok());
        QVERIFY(t->shape().empty());
        QCOMPARE(tensorValues(t.value()), (std::vector<double>{3.25}));
    }

    void brokenFilesGetSpecificErrors() {
        auto truncated = parseNpy(
            npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", raw<float>({1, 2})), "t.npy");
        QVERIFY(!truncated.ok());
        QVERIFY2(truncated.message().find("truncated") != std::string::npos, truncated.message().c_str());
        auto magic = parseNpy("PK\x03\x04 zip file", "z.npy");
        QVERIFY(!magic.ok());
        QVERIFY(magic.message().find("z.npy") != std::string::npos);
        auto objects =
            parseNpy(npyBytes("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", "xxxxxxxx"), "o.npy");
        QVERIFY(!objects.ok());
        auto badShape = parseNpy(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", ""), "n.npy");
        QVERIFY(!badShape.ok());
        auto missing = loadNpy("/nonexistent/x.npy");
        QVERIFY(!missing.ok());
        QVERIFY(missing.message().find("/nonexistent/x.npy") != std::string::npos);
    }

    // ArrayReader reads rows from their offset: the values loadNpy gives for the same rows, in every layout, and
    // never more bytes than the rows asked for.
    void readerReadsRowsFromTheirOffsets() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        // [7, 3, 2] int32 values 0..41 (C order), the same array in Fortran order, and big-endian.
        std::vector<int32_t> c(42), fortran(42), big(42);
        for (int32_t i = 0; i < 7; ++i)
            for (int32_t j = 0; j < 3; ++j)
                for (int32_t k = 0; k < 2; ++k) {
                    const int32_t v = (i * 3 + j) * 2 + k;
                    c[static_cast<size_t>(v)] = v;
                    fortran[static_cast<size_t>(i + 7 * (j + 3 * k))] = v;
                }
        std::string bigBytes = raw(c);
        for (size_t i = 0; i < bigBytes.size(); i += 4)
            std::reverse(bigBytes.begin() + static_cast<long>(i), bigBytes.begin() + static_cast<long>(i) + 4);
        std::ofstream(root / "c.npy", std::ios::binary)
            << npyBytes("{'descr': '<i4', 'fortran_order': False, 'shape': (7, 3, 2), }", raw(c));
        std::ofstream(root / "f.npy", std::ios::binary)
            << npyBytes("{'descr': '<i4', 'fortran_order': True, 'shape': (7, 3, 2), }", raw(fortran));
        std::ofstream(root / "b.npy", std::ios::binary)
            << npyBytes("{'descr': '>i4', 'fortran_order': False, 'shape': (7, 3, 2), }", bigBytes);
        for (const char* name : {"c.npy", "f.npy", "b.npy"}) {
            const auto whole = loadNpy(root / name);
            QVERIFY(whole.ok());
            const std::vector<double> all = tensorValues(whole.value());
            auto reader = ArrayReader::open(root / name);
            QVERIFY2(reader.ok(), reader.ok() ? "" : reader.message().c_str());
            const ArrayReader& r = *reader.value();
            QCOMPARE(r.shape(), (std::vector<int64_t>{7, 3, 2}));
            QCOMPARE(r.dtype(), DType::Int32);
            QCOMPARE(r.rowBytes(), int64_t(24));
            QCOMPARE(r.largestReadBytes(), int64_t(0));
            for (auto [start, count] : {std::pair<int64_t, int64_t>{2, 3}, {6, 1}, {0, 2}, {4, 0}}) {
                auto rows = r.readRows(start, count);
                QVERIFY2(rows.ok(), rows.ok() ? "" : rows.message().c_str());
                QCOMPARE(rows->shape(), (std::vector<int64_t>{count, 3, 2}));
                QCOMPARE(tensorValues(rows.value()), rowsOf(all, 6, start, count));
            }
            QCOMPARE(r.largestReadBytes(), int64_t(3 * 24)); // the largest batch, not the file
            auto everything = r.readAll();
            QVERIFY(everything.ok());
            QVERIFY(everything->bitEqual(whole.value()));
            const auto outside = r.readRows(5, 3);
            QVERIFY(!outside.ok());
            QVERIFY2(outside.message().find("outside its 7 rows") != std::string::npos, outside.message().c_str());
        }
        // Views: the first rows, and rows scaled to float.
        auto opened = ArrayReader::open(root / "c.npy");
        QVERIFY(opened.ok());
        const auto firstTwo = ArrayReader::firstRows(opened.value(), 2);
        QCOMPARE(firstTwo->rows(), int64_t(2));
        QVERIFY(!firstTwo->readRows(1, 2).ok());
        const auto half = ArrayReader::scaled(opened.value(), 0.5);
        QCOMPARE(half->dtype(), DType::Float);
        auto halved = half->readRows(1, 1);
        QVERIFY(halved.ok());
        QCOMPARE(tensorValues(halved.value()), (std::vector<double>{3, 3.5, 4, 4.5, 5, 5.5}));
    }

    // The checks loadNpy makes happen when the reader opens, before any row is read.
    void readerRefusesBrokenFilesAtOpen() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        std::ofstream(root / "t.npy", std::ios::binary)
            << npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 2), }", raw<float>({1, 2, 3}));
        auto truncated = ArrayReader::open(root / "t.npy");
        QVERIFY(!truncated.ok());
        QVERIFY2(truncated.message().find("t.npy: .npy data is truncated: shape needs 32 bytes, file has 12") !=
                     std::string::npos,
                 truncated.message().c_str());
        std::ofstream(root / "h.npy", std::ios::binary) << std::string("\x93NUMPY\x01\x00\xff\xff{'descr'", 18);
        auto header = ArrayReader::open(root / "h.npy");
        QVERIFY(!header.ok());
        QVERIFY2(header.message().find("truncated .npy header") != std::string::npos, header.message().c_str());
        std::ofstream(root / "z.npy") << "PK\x03\x04 zip file";
        auto foreign = ArrayReader::open(root / "z.npy");
        QVERIFY(!foreign.ok());
        QVERIFY2(foreign.message().find("neither a NumPy .npy file nor an IDX file") != std::string::npos,
                 foreign.message().c_str());
        QVERIFY(!ArrayReader::open("/nonexistent/x.npy").ok());
        QVERIFY(!ArrayReader::open(root).ok()); // a folder
    }

    void readsFixtureLabels() {
        const fs::path file = fs::path(AUTOGLM_FIXTURES) / "fashion_test_labels.npy";
        if (!fs::exists(file))
            QSKIP("fixture missing");
        auto labels = loadNpy(file);
        QVERIFY(labels.ok());
        QCOMPARE(labels->dtype(), DType::Int64);
        QCOMPARE(labels->shape(), (std::vector<int64_t>{10000}));
    }
};

QTEST_GUILESS_MAIN(NpyTest)
#include "tst_npy.moc"
