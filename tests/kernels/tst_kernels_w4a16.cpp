// W4A16 group-wise GEMM (kernels/cuda/W4A16Gemm.cu) and int4 dequantize: the pre-pack against the layout's
// definition, the references against each other, then the kernels against the references (dequantize bit for
// bit; GEMM within named tolerances against the CPU reference where affordable and against the float32 matmul
// of the dequantized weight on the GPU over the whole sweep), symmetric and asymmetric, fp16 and bf16.
#include "KernelTestSupport.h"

using namespace ktest;

namespace {
// Named tolerances, relative Frobenius error. Against the reference (same rounded weights, double sums): float
// accumulation order and the output's rounding. Against the float32 oracle (weights not rounded to the dtype):
// the weight rounding as well. fp16 rounds at 2^-11, bf16 at 2^-8.
constexpr double kRefTolF16 = 1e-3;
constexpr double kRefTolBf16 = 8e-3;
constexpr double kOracleTolF16 = 2e-3;
constexpr double kOracleTolBf16 = 1.2e-2;
constexpr double kCpuRefMacs = 3e8;
constexpr double kMaxSweepMacs = 1e11;

struct Weight {
    int64_t n, k, groups;
    std::vector<autoglm_block_q4> codes;
    std::vector<float> scales;
    std::vector<uint8_t> zeros; // empty: symmetric
};

Weight makeWeight(int64_t n, int64_t k, bool asym, uint64_t seed) {
    Rng rng(seed);
    Weight w{n, k, autoglm_q4_groups(k), {}, {}, {}};
    w.codes.resize(size_t(n * w.groups));
    for (auto& b : w.codes)
        for (auto& byte : b.qs)
            byte = uint8_t(rng.next());
    for (int64_t i = 0; i < n * w.groups; ++i)
        w.scales.push_back(rng.uniform(0.5f, 1.5f) / 8.f / float(std::sqrt(double(k))));
    if (asym)
        for (int64_t i = 0; i < n * w.groups; ++i)
            w.zeros.push_back(uint8_t(rng.intIn(0, 15)));
    return w;
}

struct Packed {
    std::vector<autoglm_q4_tile> tiles;
    std::vector<uint16_t> scales;
    std::vector<uint8_t> zeros;
};

Packed pack(autoglm_dtype dt, const Weight& w, autoglm_kstatus* status) {
    Packed p;
    p.tiles.resize(size_t(autoglm_q4_tile_count(w.n, w.k)));
    p.scales.resize(size_t(autoglm_q4_param_count(w.n, w.k)));
    if (!w.zeros.empty())
        p.zeros.resize(p.scales.size());
    *status = autoglm_w4_pack(dt, w.n, w.k, w.codes.data(), w.scales.data(), w.zeros.empty() ? nullptr : w.zeros.data(),
                              p.tiles.data(), p.scales.data(), p.zeros.empty() ? nullptr : p.zeros.data());
    return p;
}

// Device copy of a packed weight.
struct DevWeight {
    DevBuf tiles, scales, zeros;
    autoglm_w4_packed view;
    DevWeight(const Packed& p, const Weight& w)
        : tiles(p.tiles.size() * sizeof(autoglm_q4_tile)), scales(p.scales.size() * 2),
          zeros(std::max<size_t>(p.zeros.size(), 16)) {
        view = {tiles.as<autoglm_q4_tile>(), scales.as<uint16_t>(), p.zeros.empty() ? nullptr : zeros.as<uint8_t>(),
                w.n, w.k};
    }
    bool upload(const Packed& p) {
        return tiles.ok() && scales.ok() && zeros.ok() && ktest::upload(tiles, p.tiles) &&
               ktest::upload(scales, p.scales) && (p.zeros.empty() || ktest::upload(zeros, p.zeros));
    }
};

int codeAt(const Weight& w, int64_t n, int64_t k) {
    const uint8_t b = w.codes[size_t(n * w.groups + k / 128)].qs[(k % 128) / 2];
    return k % 2 ? b >> 4 : b & 0xf;
}
} // namespace

class TestW4A16 : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void packFollowsTheLayout();
    void packRejectsBadInput();
    void referencesAgree();
    void gpuDequantizeMatchesReference();
    void gpuGemmMatchesReference_data();
    void gpuGemmMatchesReference();
    void gpuRejectsBadArguments();
};

void TestW4A16::packFollowsTheLayout() {
    // Decode the packed tiles with the formula of QuantLayouts.h, independently of autoglm_w4_pack's loops.
    for (bool asym : {false, true}) {
        const Weight w = makeWeight(13, 300, asym, 3);
        autoglm_kstatus st;
        const Packed p = pack(AUTOGLM_F16, w, &st);
        QCOMPARE(st, AUTOGLM_K_OK);
        QCOMPARE(p.tiles.size(), size_t(2 * 3)); // 16 padded rows / 8, 3 groups
        for (int64_t n = 0; n < 16; ++n)
            for (int64_t k = 0; k < 3 * 128; ++k) {
                const int64_t g = k / 128, r = k % 128;
                const int j = int(r / 32), t = int((r % 32) / 8), o = int(r % 8);
                const int lane = int(n % 8) * 4 + t;
                const uint32_t word = p.tiles[size_t((n / 8) * 3 + g)].lane[lane].w[j];
                const int nib = (o / 2) + 4 * (o % 2);
                const int got = int((word >> (4 * nib)) & 0xf);
                const int want = n < 13 ? codeAt(w, n, k) : 8;
                if (got != want)
                    QFAIL(qPrintable(QStringLiteral("n %1 k %2: code %3, want %4").arg(n).arg(k).arg(got).arg(want)));
                const int64_t pi = autoglm_q4_param_index(n, g, 3);
                const uint16_t s = p.scales[size_t(pi)];
                QCOMPARE(s, n < 13 ? autoglm::kernels::floatToHalf(w.scales[size_t(n * 3 + g)]) : uint16_t(0));
                if (asym)
                    QCOMPARE(int(p.zeros[size_t(pi)]), n < 13 ? int(w.zeros[size_t(n * 3 + g)]) : 8);
            }
    }
}

void TestW4A16::packRejectsBadInput() {
    Weight w = makeWeight(8, 128, true, 4);
    w.zeros[0] = 16;
    autoglm_kstatus st;
    pack(AUTOGLM_F16, w, &st);
    QCOMPARE(st, AUTOGLM_K_INVALID_ARGUMENT);
    w.zeros[0] = 0;
    w.scales[0] = NAN;
    pack(AUTOGLM_F16, w, &st);
    QCOMPARE(st, AUTOGLM_K_INVALID_ARGUMENT);
}

void TestW4A16::referencesAgree() {
    // GEMM reference = dequantize reference + a plain double matmul; and the dequantized values by hand.
    const Weight w = makeWeight(9, 200, true, 5);
    std::vector<uint16_t> wd(size_t(9 * 200));
    autoglm_dequant_w4_ref(AUTOGLM_F16, 9, 200, w.codes.data(), w.scales.data(), w.zeros.data(), wd.data());
    const float want = float(codeAt(w, 4, 150) - w.zeros[size_t(4 * 2 + 1)]) * w.scales[size_t(4 * 2 + 1)];
    QVERIFY(std::fabs(autoglm::kernels::halfToFloat(wd[size_t(4 * 200 + 150)]) - want) <= 1e-3f * std::fabs(want));
    Rng rng(6);
    std::vector<uint16_t> x(size_t(3 * 200));
    for (auto& v : x)
        v = autoglm::kernels::floatToHalf(rng.uniform(-1, 1));
    std::vector<uint16_t> y(size_t(3 * 9));
    autoglm_gemm_w4a16_ref(AUTOGLM_F16, x.data(), 3, 9, 200, w.codes.data(), w.scales.data(), w.zeros.data(), y.data());
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 9; ++c) {
            double acc = 0;
            for (int i = 0; i < 200; ++i)
                acc += double(autoglm::kernels::halfToFloat(x[size_t(r * 200 + i)])) *
                       autoglm::kernels::halfToFloat(wd[size_t(c * 200 + i)]);
            QCOMPARE(y[size_t(r * 9 + c)], autoglm::kernels::floatToHalf(float(acc)));
        }
}

void TestW4A16::gpuDequantizeMatchesReference() {
    KTEST_REQUIRE_GPU();
    for (const NK& nk : sweepNK())
        for (autoglm_dtype dt : {AUTOGLM_F16, AUTOGLM_BF16})
            for (bool asym : {false, true}) {
                const Weight w = makeWeight(nk.n, nk.k, asym, uint64_t(nk.n + nk.k));
                autoglm_kstatus st;
                const Packed p = pack(dt, w, &st);
                QCOMPARE(st, AUTOGLM_K_OK);
                DevWeight dw(p, w);
                QVERIFY(dw.upload(p));
                DevBuf dout(size_t(nk.n * nk.k) * 2);
                QVERIFY(dout.ok());
                KTEST_OK(autoglm_dev_memset(dout.get(), 0xff, dout.bytes()));
                KTEST_OK(autoglm_dequant_w4(dt, &dw.view, dout.get(), nullptr));
                std::vector<uint16_t> got(size_t(nk.n * nk.k)), ref(got.size());
                QVERIFY(download(got, dout));
                autoglm_dequant_w4_ref(dt, nk.n, nk.k, w.codes.data(), w.scales.data(),
                                       asym ? w.zeros.data() : nullptr, ref.data());
                // Named tolerance: none; the kernel's and the reference's dequantization round once, identically.
                QCOMPARE(countDifferent(got, ref), size_t(0));
            }
}

void TestW4A16::gpuGemmMatchesReference_data() {
    QTest::addColumn<int>("dtype");
    QTest::addColumn<bool>("asym");
    QTest::addColumn<qlonglong>("n");
    QTest::addColumn<qlonglong>("k");
    // One row per weight (its set-up dominates); every M of the sweep runs inside.
    for (const NK& nk : sweepNK())
        QTest::addRow("fp16_sym_n%lld_k%lld", (long long)nk.n, (long long)nk.k)
            << 0 << false << qlonglong(nk.n) << qlonglong(nk.k);
    for (const NK& nk : sweepNK())
        QTest::addRow("fp16_asym_n%lld_k%lld", (long long)nk.n, (long long)nk.k)
            << 0 << true << qlonglong(nk.n) << qlonglong(nk.k);
    for (const NK& nk : {NK{4096, 4096}, NK{11008, 4096}, NK{37, 1001}, NK{4101, 200}})
        for (bool asym : {false, true})
            QTest::addRow("bf16_%s_n%lld_k%lld", asym ? "asym" : "sym", (long long)nk.n, (long long)nk.k)
                << 1 << asym << qlonglong(nk.n) << qlonglong(nk.k);
}

void TestW4A16::gpuGemmMatchesReference() {
    KTEST_REQUIRE_GPU();
    QFETCH(int, dtype);
    QFETCH(bool, asym);
    QFETCH(qlonglong, n);
    QFETCH(qlonglong, k);
    const autoglm_dtype dt = autoglm_dtype(dtype);
    const Weight w = makeWeight(n, k, asym, uint64_t(n * 31 + k + dtype * 7 + asym));
    autoglm_kstatus st;
    const Packed p = pack(dt, w, &st);
    QCOMPARE(st, AUTOGLM_K_OK);
    DevWeight dw(p, w);
    QVERIFY(dw.upload(p));
    std::vector<float> wf(size_t(n * k));
    autoglm_dequant_w4_f32_ref(n, k, w.codes.data(), w.scales.data(), asym ? w.zeros.data() : nullptr, wf.data());
    DevBuf dwf(wf.size() * 4);
    QVERIFY(dwf.ok() && upload(dwf, wf));
    const double refTol = dt == AUTOGLM_F16 ? kRefTolF16 : kRefTolBf16;
    const double oracleTol = dt == AUTOGLM_F16 ? kOracleTolF16 : kOracleTolBf16;

    // The sweep plus the ends of the 32-token streaming variant (17 and 32 rows).
    std::vector<int64_t> ms = sweepM();
    ms.insert(ms.end(), {17, 32});
    for (int64_t m : ms) {
        if (double(m) * n * k > kMaxSweepMacs)
            continue;
        Rng rng(uint64_t(m + 17 * n + k));
        std::vector<uint16_t> x(size_t(m * k));
        std::vector<float> xf(x.size());
        for (size_t i = 0; i < x.size(); ++i) {
            x[i] = autoglm::kernels::floatToDtype(dt, rng.uniform(-2.f, 2.f));
            xf[i] = autoglm::kernels::dtypeToFloat(dt, x[i]);
        }
        DevBuf dx(x.size() * 2), dy(size_t(m * n) * 2), dxf(xf.size() * 4), dyf(size_t(m * n) * 4);
        QVERIFY(dx.ok() && dy.ok() && dxf.ok() && dyf.ok() && upload(dx, x) && upload(dxf, xf));
        KTEST_OK(autoglm_dev_memset(dy.get(), 0xff, dy.bytes())); // NaN poison
        KTEST_OK(autoglm_gemm_w4a16(dt, dx.get(), m, &dw.view, dy.get(), nullptr));
        KTEST_OK(autoglm_check_matmul_f32(dxf.as<float>(), dwf.as<float>(), m, n, k, dyf.as<float>(), nullptr));
        KTEST_OK(autoglm_dev_synchronize());
        std::vector<uint16_t> y(size_t(m * n));
        std::vector<float> yf(y.size());
        QVERIFY(download(y, dy) && download(yf, dyf));
        const std::vector<float> yv = toFloat(dt, y);
        const double errOracle = relativeError(yv, yf);
        QVERIFY2(errOracle <= oracleTol,
                 qPrintable(QStringLiteral("M %1: error against the fp32 oracle %2 > %3").arg(m).arg(errOracle).arg(oracleTol)));
        if (double(m) * n * k <= kCpuRefMacs) {
            std::vector<uint16_t> ref(y.size());
            autoglm_gemm_w4a16_ref(dt, x.data(), m, n, k, w.codes.data(), w.scales.data(),
                                   asym ? w.zeros.data() : nullptr, ref.data());
            const double errRef = relativeError(yv, toFloat(dt, ref));
            QVERIFY2(errRef <= refTol,
                     qPrintable(QStringLiteral("M %1: error against the reference %2 > %3").arg(m).arg(errRef).arg(refTol)));
        }
    }
}

void TestW4A16::gpuRejectsBadArguments() {
    KTEST_REQUIRE_GPU();
    alignas(16) autoglm_q4_tile tile{};
    uint16_t s[8] = {};
    alignas(16) uint16_t x[128] = {}, y[8];
    autoglm_w4_packed w{&tile, s, nullptr, 8, 0};
    QCOMPARE(autoglm_gemm_w4a16(AUTOGLM_F16, x, 1, &w, y, nullptr), AUTOGLM_K_INVALID_ARGUMENT);
    w.k = 128;
    QCOMPARE(autoglm_gemm_w4a16(AUTOGLM_F16, x, 1, nullptr, y, nullptr), AUTOGLM_K_INVALID_ARGUMENT);
}

QTEST_GUILESS_MAIN(TestW4A16)
#include "tst_kernels_w4a16.moc"
