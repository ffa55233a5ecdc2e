// IDX reading (MNIST's format, plain and gzip) and the array-file dispatch between .npy and IDX: types,
// byte order, the channel axis of image files, and files that lie about their size; rows read on demand
// (ArrayReader): by offset from plain files, streamed from gzip ones.
#include "pipeline/io/ArrayFile.h"
#include "pipeline/io/ArrayReader.h"
#include "pipeline/io/Idx.h"
#include "pipeline/io/Npy.h"
#include "pipeline/ir/TensorUtil.h"
#include "TestSupport.h"

#include <QTemporaryDir>
#include <QtTest>

#include <zlib.h>

#include <filesystem>
#include <fstream>

using namespace autoglm;
namespace fs = std::filesystem;

namespace {

std::string bigEndian32(uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string idxHeader(unsigned char type, const std::vector<uint32_t>& dims) {
    std::string out{'\0', '\0', static_cast<char>(type), static_cast<char>(dims.size())};
    for (uint32_t d : dims)
        out += bigEndian32(d);
    return out;
}

void writeFile(const fs::path& file, const std::string& bytes) {
    std::ofstream(file, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void writeGzip(const fs::path& file, const std::string& bytes) {
    gzFile out = gzopen(file.string().c_str(), "wb");
    QVERIFY(out);
    QCOMPARE(gzwrite(out, bytes.data(), static_cast<unsigned>(bytes.size())), int(bytes.size()));
    QCOMPARE(gzclose(out), Z_OK);
}

void expectError(const Result<TensorData>& result, const std::string& words) {
    QVERIFY2(!result.ok(), words.c_str());
    QVERIFY2(result.message().find(words) != std::string::npos, result.message().c_str());
}

const fs::path kFashionMnist = "/usr/share/datasets/fashion-mnist";

} // namespace

class IdxTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void imagesGetTheChannelAxis() {
        const std::string bytes = idxHeader(0x08, {2, 2, 3}) + std::string("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\xff", 12);
        auto images = parseIdx(bytes, "images.idx");
        VERIFY_RESULT(images);
        QCOMPARE(images->dtype(), DType::UInt8);
        QCOMPARE(images->shape(), (std::vector<int64_t>{2, 1, 2, 3}));
        QCOMPARE(tensorValues(*images), (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255}));
    }

    void wideTypesAreBigEndian() {
        auto ints = parseIdx(idxHeader(0x0C, {2}) + bigEndian32(7) + bigEndian32(0xfffffffeu), "i.idx");
        VERIFY_RESULT(ints);
        QCOMPARE(ints->dtype(), DType::Int32);
        QCOMPARE(tensorValues(*ints), (std::vector<double>{7, -2}));
        auto floats = parseIdx(idxHeader(0x0D, {1, 1}) + std::string("\x3f\xc0\x00\x00", 4), "f.idx"); // 1.5
        VERIFY_RESULT(floats);
        QCOMPARE(floats->shape(), (std::vector<int64_t>{1, 1}));
        QCOMPARE(tensorValues(*floats), (std::vector<double>{1.5}));
    }

    void plainAndGzipFilesLoadAlike() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        std::string labels = idxHeader(0x08, {5});
        labels += std::string("\x03\x01\x04\x01\x05", 5);
        writeFile(root / "labels-idx1-ubyte", labels);
        writeGzip(root / "labels-idx1-ubyte.gz", labels);
        for (const char* name : {"labels-idx1-ubyte", "labels-idx1-ubyte.gz"}) {
            auto read = loadArrayFile(root / name);
            VERIFY_RESULT(read);
            QCOMPARE(tensorValues(*read), (std::vector<double>{3, 1, 4, 1, 5}));
        }
        // .npy goes through the same door, told apart by its magic rather than its name.
        QVERIFY(saveNpy(makeTensor(DType::Float, {2}, {0.5, -1}), root / "named.idx").ok());
        auto npy = loadArrayFile(root / "named.idx");
        VERIFY_RESULT(npy);
        QCOMPARE(tensorValues(*npy), (std::vector<double>{0.5, -1}));
        writeFile(root / "notes.txt", "just some text");
        expectError(loadArrayFile(root / "notes.txt"), "neither a NumPy .npy file nor an IDX file");
        expectError(loadArrayFile(root / "missing.npy"), "cannot open");
    }

    void brokenFilesGetSpecificErrors() {
        expectError(parseIdx("\x01\x02\x08\x01", "m.idx"), "two zero bytes");
        expectError(parseIdx(idxHeader(0x0A, {1}) + "x", "t.idx"), "type code");
        expectError(parseIdx(idxHeader(0x08, {}), "r.idx"), "rank 0");
        expectError(parseIdx(std::string("\0\0\x08\x02\0\0", 6), "h.idx"), "truncated IDX header");
        expectError(parseIdx(idxHeader(0x08, {4}) + "ab", "d.idx"), "(truncated)");
        expectError(parseIdx(idxHeader(0x08, {1}) + "ab", "x.idx"), "(trailing bytes)");
        expectError(parseIdx(idxHeader(0x0E, {0xffffffffu, 0xffffffffu}), "o.idx"), "overflow");
    }

    // A header that claims gigabytes over a few bytes of data is refused from what is there: nothing of the
    // claimed size is allocated (the reader grows with the bytes it gets).
    void headerThatLiesAboutItsSizeIsRefused() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        const std::string liar = idxHeader(0x0D, {1u << 20, 1u << 10}) + "0123456789"; // claims 4 GiB
        writeFile(root / "liar-idx2-ubyte", liar);
        writeGzip(root / "liar-idx2-ubyte.gz", liar);
        expectError(loadIdx(root / "liar-idx2-ubyte"), "(truncated)");
        expectError(loadIdx(root / "liar-idx2-ubyte.gz"), "(truncated)");
        std::string cut = std::string("\x1f\x8b\x08\x00", 4) + std::string(20, 'z'); // a gzip stream that is garbage
        writeFile(root / "cut.gz", cut);
        auto garbage = loadArrayFile(root / "cut.gz");
        QVERIFY(!garbage.ok());
        QVERIFY2(garbage.message().find("cut.gz") != std::string::npos, garbage.message().c_str());
    }

    // ArrayReader: rows of plain files read from their offset and of gzip files from the decompressed stream (in
    // any order: a backward read starts the stream over), the values loadIdx gives, a batch held at a time.
    void readerReadsRowsPlainAndGzip() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        std::string images = idxHeader(0x08, {6, 2, 3}); // image rows [6, 1, 2, 3]
        for (int i = 0; i < 36; ++i)
            images += static_cast<char>(i * 7);
        std::string ints = idxHeader(0x0C, {4, 2}); // big-endian int32
        for (uint32_t v : {1u, 2u, 0xfffffffdu, 4u, 5u, 6u, 7u, 0x7fffffffu})
            ints += bigEndian32(v);
        writeFile(root / "images-idx3-ubyte", images);
        writeGzip(root / "images-idx3-ubyte.gz", images);
        writeFile(root / "ints-idx2-int", ints);
        writeGzip(root / "ints-idx2-int.gz", ints);
        for (const char* name : {"images-idx3-ubyte", "images-idx3-ubyte.gz", "ints-idx2-int", "ints-idx2-int.gz"}) {
            const auto whole = loadIdx(root / name);
            VERIFY_RESULT(whole);
            const std::vector<double> all = tensorValues(whole.value());
            auto reader = ArrayReader::open(root / name);
            VERIFY_RESULT(reader);
            const ArrayReader& r = *reader.value();
            QCOMPARE(r.shape(), whole->shape());
            QCOMPARE(r.dtype(), whole->dtype());
            const int64_t rowSize = r.rowBytes() / (r.dtype() == DType::UInt8 ? 1 : 4);
            for (auto [start, count] : {std::pair<int64_t, int64_t>{1, 2}, {3, 1}, {0, 1}, {2, 2}}) {
                auto rows = r.readRows(start, count);
                VERIFY_RESULT(rows);
                QCOMPARE(rows->shape().front(), count);
                QCOMPARE(tensorValues(rows.value()),
                         std::vector<double>(all.begin() + start * rowSize, all.begin() + (start + count) * rowSize));
            }
            QCOMPARE(r.largestReadBytes(), 2 * r.rowBytes());
            auto everything = r.readAll();
            VERIFY_RESULT(everything);
            QVERIFY(everything->bitEqual(whole.value()));
        }
        // The size checks of loadIdx, when the reader opens.
        writeFile(root / "short-idx2-int", ints.substr(0, ints.size() - 3));
        writeGzip(root / "long-idx2-int.gz", ints + "xy");
        auto shortFile = ArrayReader::open(root / "short-idx2-int");
        VERIFY_ERROR_MENTIONS(shortFile, "declares 32 data bytes, the file has 29 (truncated)");
        auto longFile = ArrayReader::open(root / "long-idx2-int.gz");
        VERIFY_ERROR_MENTIONS(longFile, "(trailing bytes)");
        const std::string liar = idxHeader(0x0D, {1u << 20, 1u << 10}) + "0123456789"; // claims 4 GiB
        writeGzip(root / "liar-idx2-float.gz", liar);
        auto lies = ArrayReader::open(root / "liar-idx2-float.gz");
        VERIFY_ERROR_MENTIONS(lies, "(truncated)");
    }

    void readsDebiansFashionMnist() {
        if (!fs::exists(kFashionMnist / "train-images-idx3-ubyte.gz"))
            QSKIP("dataset-fashion-mnist is not installed (scripts/install-deps.sh --tests installs it)");
        auto images = loadArrayFile(kFashionMnist / "train-images-idx3-ubyte.gz");
        VERIFY_RESULT(images);
        QCOMPARE(images->shape(), (std::vector<int64_t>{60000, 1, 28, 28}));
        auto labels = loadArrayFile(kFashionMnist / "train-labels-idx1-ubyte.gz");
        VERIFY_RESULT(labels);
        QCOMPARE(labels->shape(), (std::vector<int64_t>{60000}));
        const auto values = tensorValues(*labels);
        QCOMPARE(*std::max_element(values.begin(), values.end()), 9.0);
        // The test set in IDX is the fixture's test set in .npy, image for image.
        auto idxTest = loadArrayFile(kFashionMnist / "t10k-labels-idx1-ubyte.gz");
        auto npyTest = loadNpy(fs::path(AUTOGLM_FIXTURES) / "fashion_test_labels.npy");
        QVERIFY(idxTest.ok() && npyTest.ok());
        QCOMPARE(tensorValues(*idxTest), tensorValues(*npyTest));
    }
};

QTEST_GUILESS_MAIN(IdxTest)
#include "tst_idx.moc"
