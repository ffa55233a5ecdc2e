// .npy reading and writing: the dtypes numpy writes, Fortran order, big-endian data, and broken files.
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
