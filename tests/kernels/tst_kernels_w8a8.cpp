// W8A8 GEMM (kernels/cuda/W8A8Gemm.cu, W8A8GemmHopper.cu): the reference against a double-precision sum by hand, then the
// kernel (each variant the device runs) bit for bit against the reference where the CPU can afford it, and against the float32 matmul of
// the dequantized operands (GPU oracle) over the whole M x (N, K) sweep; int8 dequantize bit for bit; the
// activation-quantize -> GEMM chain against float math.
#include "KernelTestSupport.h"

using namespace ktest;

namespace {
// Named tolerances (relative Frobenius error against float32 math on the dequantized operands): the int32
// sum is exact, so the only error is the output's rounding (2^-11 for fp16, 2^-8 for bf16) and float32's.
constexpr double kOracleTolF16 = 2e-3;
constexpr double kOracleTolBf16 = 1e-2;
constexpr double kOracleTolF32 = 1e-5; // float32 output: only float32's own rounding (the oracle's sum order)
// Cases whose CPU reference (one int32 MAC ~ 1 ns) stays under about a second.
constexpr double kCpuRefMacs = 4e8;
// M = 4096 runs with N = K = 4096 and the small shapes; the long N / K values are covered up to M = 512 (their
// host-side operand set-up would dominate the test's time otherwise).
constexpr double kMaxSweepMacs = 1e11;

struct Operands {
    int64_t m, n, k, ldk;
    std::vector<int8_t> a, w;
    std::vector<float> sa, sw;
};

Operands makeOperands(int64_t m, int64_t n, int64_t k, uint64_t seed) {
    Rng rng(seed);
    Operands o{m, n, k, autoglm_i8_row_stride(k), {}, {}, {}, {}};
    o.a.assign(size_t(m * o.ldk), 0);
    o.w.assign(size_t(n * o.ldk), 0);
    for (int64_t r = 0; r < m; ++r)
        for (int64_t c = 0; c < k; ++c)
            o.a[size_t(r * o.ldk + c)] = int8_t(rng.intIn(-127, 127));
    for (int64_t r = 0; r < n; ++r)
        for (int64_t c = 0; c < k; ++c)
            o.w[size_t(r * o.ldk + c)] = int8_t(rng.intIn(-127, 127));
    for (int64_t r = 0; r < m; ++r)
        o.sa.push_back(rng.uniform(0.5f, 2.f) / 127.f);
    for (int64_t r = 0; r < n; ++r)
        o.sw.push_back(rng.uniform(0.5f, 2.f) / 127.f / float(std::sqrt(double(k))));
    return o;
}
} // namespace

class TestW8A8 : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void referenceByHand();
    void gpuMatchesReference_data();
    void gpuMatchesReference();
    void columnOffsetsReference();
    void gpuColumnOffsets();
    void gpuDequantizeInt8();
    void gpuQuantizeThenGemm();
    void gpuRejectsBadArguments();
};

void TestW8A8::referenceByHand() {
    const Operands o = makeOperands(3, 5, 37, 1);
    std::vector<uint16_t> y(15);
    std::vector<float> yf(15);
    autoglm_gemm_w8a8_ref(o.a.data(), o.sa.data(), o.w.data(), o.sw.data(), 3, 5, 37, AUTOGLM_F16, y.data());
    autoglm_gemm_w8a8_ref(o.a.data(), o.sa.data(), o.w.data(), o.sw.data(), 3, 5, 37, AUTOGLM_F32, yf.data());
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 5; ++c) {
            int32_t sum = 0; // exact: 37 products of at most 127^2
            for (int i = 0; i < 37; ++i)
                sum += int32_t(o.a[size_t(r * o.ldk + i)]) * o.w[size_t(c * o.ldk + i)];
            const double want = double(sum) * o.sa[r] * o.sw[c];
            const float got = autoglm::kernels::halfToFloat(y[size_t(r * 5 + c)]);
            QVERIFY2(std::fabs(got - want) <= 1e-3 * std::fabs(want) + 1e-6, qPrintable(QString::number(got)));
            // float32 output: the epilogue's value itself, (float(sum) * a_scale) * w_scale, unrounded further.
            QCOMPARE(yf[size_t(r * 5 + c)], (float(sum) * o.sa[r]) * o.sw[c]);
        }
}

void TestW8A8::gpuMatchesReference_data() {
    QTest::addColumn<int>("dtype");
    QTest::addColumn<qlonglong>("m");
    QTest::addColumn<qlonglong>("n");
    QTest::addColumn<qlonglong>("k");
    for (const NK& nk : sweepNK())
        for (int64_t m : sweepM())
            if (double(m) * nk.n * nk.k <= kMaxSweepMacs)
                QTest::addRow("fp16_m%lld_n%lld_k%lld", (long long)m, (long long)nk.n, (long long)nk.k)
                << 0 << qlonglong(m) << qlonglong(nk.n) << qlonglong(nk.k);
    for (autoglm_dtype dt : {AUTOGLM_BF16, AUTOGLM_F32})
        for (int64_t m : {1, 33, 4096})
            for (const NK& nk : {NK{4096, 4096}, NK{37, 1001}})
                QTest::addRow("%s_m%lld_n%lld_k%lld", dtypeName(dt), (long long)m, (long long)nk.n, (long long)nk.k)
                    << int(dt) << qlonglong(m) << qlonglong(nk.n) << qlonglong(nk.k);
}

void TestW8A8::gpuMatchesReference() {
    KTEST_REQUIRE_GPU();
    QFETCH(int, dtype);
    QFETCH(qlonglong, m);
    QFETCH(qlonglong, n);
    QFETCH(qlonglong, k);
    const autoglm_dtype dt = autoglm_dtype(dtype);
    const Operands o = makeOperands(m, n, k, uint64_t(m * 1000003 + n * 101 + k + dtype));
    const size_t words = size_t(m * n) * wordsPerValue(dt);
    DevBuf da(o.a.size()), dw(o.w.size()), dsa(o.sa.size() * 4), dsw(o.sw.size() * 4), dy(words * 2);
    QVERIFY(da.ok() && dw.ok() && dsa.ok() && dsw.ok() && dy.ok());
    QVERIFY(upload(da, o.a) && upload(dw, o.w) && upload(dsa, o.sa) && upload(dsw, o.sw));
    // Oracle: float32 matmul of the dequantized operands on the GPU.
    std::vector<float> af(size_t(m * k)), wf(size_t(n * k));
    for (int64_t r = 0; r < m; ++r)
        for (int64_t c = 0; c < k; ++c)
            af[size_t(r * k + c)] = float(o.a[size_t(r * o.ldk + c)]) * o.sa[r];
    for (int64_t r = 0; r < n; ++r)
        for (int64_t c = 0; c < k; ++c)
            wf[size_t(r * k + c)] = float(o.w[size_t(r * o.ldk + c)]) * o.sw[r];
    DevBuf daf(af.size() * 4), dwf(wf.size() * 4), dyf(size_t(m * n) * 4);
    QVERIFY(daf.ok() && dwf.ok() && dyf.ok() && upload(daf, af) && upload(dwf, wf));
    KTEST_OK(autoglm_check_matmul_f32(daf.as<float>(), dwf.as<float>(), m, n, k, dyf.as<float>(), nullptr));
    std::vector<float> yf(size_t(m * n));
    QVERIFY(download(yf, dyf));
    std::vector<uint16_t> ref;
    if (double(m) * n * k <= kCpuRefMacs) {
        ref.resize(words);
        autoglm_gemm_w8a8_ref(o.a.data(), o.sa.data(), o.w.data(), o.sw.data(), m, n, k, dt, ref.data());
    }

    // Every variant this device runs: mma.sync everywhere (sm_80+), wgmma + TMA on compute capability 9.0.
    std::vector<autoglm_gemm_path> paths{AUTOGLM_GEMM_MMA_SYNC};
    if (autoglm_device_compute_capability() == 90)
        paths.push_back(AUTOGLM_GEMM_WGMMA);
    for (autoglm_gemm_path path : paths) {
        const QString name = path == AUTOGLM_GEMM_WGMMA ? QStringLiteral("wgmma") : QStringLiteral("mma.sync");
        KTEST_OK(autoglm_dev_memset(dy.get(), 0xff, dy.bytes())); // NaN poison
        const autoglm_w8a8_gemm g{path, da.as<int8_t>(), dsa.as<float>(), dw.as<int8_t>(), dsw.as<float>(),
                                  nullptr, m, n, k, dt, dy.get()};
        KTEST_OK(autoglm_gemm_w8a8_ex(&g, nullptr));
        KTEST_OK(autoglm_dev_synchronize());
        std::vector<uint16_t> y(words);
        QVERIFY(download(y, dy));
        // Named tolerance against the reference: none (0 differing outputs); the epilogue is its float arithmetic.
        if (!ref.empty())
            QVERIFY2(countDifferent(y, ref) == 0, qPrintable(name + QStringLiteral(": outputs differ from _ref")));
        const double err = relativeError(toFloat(dt, y), yf);
        const double tol = dt == AUTOGLM_F16 ? kOracleTolF16 : dt == AUTOGLM_BF16 ? kOracleTolBf16 : kOracleTolF32;
        QVERIFY2(err <= tol, qPrintable(name + QStringLiteral(": relative error %1 > %2").arg(err).arg(tol)));
    }
}

// uint8 activations with a zero point, run as a = q - 128 plus the offset (128 - z) * sum_k w: the reference
// must equal sum_k (q - z) w computed directly.
void TestW8A8::columnOffsetsReference() {
    const int64_t m = 4, n = 6, k = 45;
    Operands o = makeOperands(m, n, k, 3);
    Rng rng(9);
    const int zero = 37;
    std::vector<uint8_t> q(size_t(m * o.ldk), 0);
    for (int64_t r = 0; r < m; ++r)
        for (int64_t c = 0; c < k; ++c) {
            q[size_t(r * o.ldk + c)] = uint8_t(rng.intIn(0, 255));
            o.a[size_t(r * o.ldk + c)] = int8_t(int(q[size_t(r * o.ldk + c)]) - 128);
        }
    std::vector<int32_t> offsets(static_cast<size_t>(n));
    for (int64_t c = 0; c < n; ++c) {
        int32_t sum = 0;
        for (int64_t i = 0; i < k; ++i)
            sum += o.w[size_t(c * o.ldk + i)];
        offsets[size_t(c)] = (128 - zero) * sum;
    }
    std::vector<uint16_t> y(size_t(m * n));
    const autoglm_w8a8_gemm g{AUTOGLM_GEMM_AUTO, o.a.data(), o.sa.data(), o.w.data(), o.sw.data(), offsets.data(),
                              m, n, k, AUTOGLM_F16, y.data()};
    autoglm_gemm_w8a8_ex_ref(&g);
    for (int64_t r = 0; r < m; ++r)
        for (int64_t c = 0; c < n; ++c) {
            int64_t exact = 0;
            for (int64_t i = 0; i < k; ++i)
                exact += int64_t(int(q[size_t(r * o.ldk + i)]) - zero) * o.w[size_t(c * o.ldk + i)];
            const float want = (float(exact) * o.sa[size_t(r)]) * o.sw[size_t(c)];
            QCOMPARE(y[size_t(r * n + c)], autoglm::kernels::floatToDtype(AUTOGLM_F16, want));
        }
}

// Offsets through both variants bit for bit against the reference, including sums that wrap past int32 on the
// way (offsets near the limits) and an odd N.
void TestW8A8::gpuColumnOffsets() {
    KTEST_REQUIRE_GPU();
    for (const NK& nk : {NK{301, 1001}, NK{4096, 4096}}) {
        const int64_t m = 130;
        const Operands o = makeOperands(m, nk.n, nk.k, 21);
        Rng rng(5);
        std::vector<int32_t> offsets(size_t(nk.n));
        for (size_t c = 0; c < offsets.size(); ++c)
            offsets[c] = c % 7 == 0 ? (c % 2 ? 2147483000 : -2147483000) : rng.intIn(-4000000, 4000000);
        std::vector<uint16_t> ref(size_t(m * nk.n));
        autoglm_w8a8_gemm g{AUTOGLM_GEMM_AUTO, o.a.data(), o.sa.data(), o.w.data(), o.sw.data(), offsets.data(),
                            m, nk.n, nk.k, AUTOGLM_F16, ref.data()};
        autoglm_gemm_w8a8_ex_ref(&g);
        DevBuf da(o.a.size()), dw(o.w.size()), dsa(o.sa.size() * 4), dsw(o.sw.size() * 4), doff(offsets.size() * 4),
            dy(ref.size() * 2);
        QVERIFY(da.ok() && dw.ok() && dsa.ok() && dsw.ok() && doff.ok() && dy.ok());
        QVERIFY(upload(da, o.a) && upload(dw, o.w) && upload(dsa, o.sa) && upload(dsw, o.sw) && upload(doff, offsets));
        std::vector<autoglm_gemm_path> paths{AUTOGLM_GEMM_MMA_SYNC};
        if (autoglm_device_compute_capability() == 90)
            paths.push_back(AUTOGLM_GEMM_WGMMA);
        for (autoglm_gemm_path path : paths) {
            g = {path, da.as<int8_t>(), dsa.as<float>(), dw.as<int8_t>(), dsw.as<float>(), doff.as<int32_t>(),
                 m, nk.n, nk.k, AUTOGLM_F16, dy.get()};
            KTEST_OK(autoglm_dev_memset(dy.get(), 0xff, dy.bytes()));
            KTEST_OK(autoglm_gemm_w8a8_ex(&g, nullptr));
            KTEST_OK(autoglm_dev_synchronize());
            std::vector<uint16_t> y(ref.size());
            QVERIFY(download(y, dy));
            QVERIFY2(countDifferent(y, ref) == 0, path == AUTOGLM_GEMM_WGMMA ? "wgmma" : "mma.sync");
        }
    }
}

void TestW8A8::gpuDequantizeInt8() {
    KTEST_REQUIRE_GPU();
    for (const NK& nk : {NK{4096, 4096}, NK{37, 1001}})
        for (autoglm_dtype dt : {AUTOGLM_F16, AUTOGLM_BF16}) {
            const Operands o = makeOperands(1, nk.n, nk.k, 7);
            DevBuf dw(o.w.size()), ds(o.sw.size() * 4), dout(size_t(nk.n * nk.k) * 2);
            QVERIFY(dw.ok() && ds.ok() && dout.ok() && upload(dw, o.w) && upload(ds, o.sw));
            KTEST_OK(autoglm_dequant_i8(dt, dw.as<int8_t>(), ds.as<float>(), nk.n, nk.k, dout.get(), nullptr));
            std::vector<uint16_t> got(size_t(nk.n * nk.k)), ref(got.size());
            QVERIFY(download(got, dout));
            autoglm_dequant_i8_ref(dt, o.w.data(), o.sw.data(), nk.n, nk.k, ref.data());
            QCOMPARE(countDifferent(got, ref), size_t(0));
        }
}

void TestW8A8::gpuQuantizeThenGemm() {
    // The W8A8 chain as the executor runs it: fp16 activations -> per-token int8 -> GEMM, against float math
    // on the unquantized activations (tolerance: int8 activation rounding, ~1/254 of each row's max).
    KTEST_REQUIRE_GPU();
    const int64_t m = 16, n = 256, k = 4096;
    Rng rng(5);
    std::vector<uint16_t> x(size_t(m * k));
    std::vector<float> xf(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
        x[i] = autoglm::kernels::floatToHalf(rng.uniform(-1.f, 1.f));
        xf[i] = autoglm::kernels::halfToFloat(x[i]);
    }
    const Operands o = makeOperands(1, n, k, 9);
    std::vector<float> wf(size_t(n * k));
    for (int64_t r = 0; r < n; ++r)
        for (int64_t c = 0; c < k; ++c)
            wf[size_t(r * k + c)] = float(o.w[size_t(r * o.ldk + c)]) * o.sw[r];
    DevBuf dx(x.size() * 2), dq(size_t(m * o.ldk)), dsa(size_t(m) * 4), dw(o.w.size()), dsw(o.sw.size() * 4),
        dy(size_t(m * n) * 2), dxf(xf.size() * 4), dwf(wf.size() * 4), dyf(size_t(m * n) * 4);
    QVERIFY(dx.ok() && dq.ok() && dsa.ok() && dw.ok() && dsw.ok() && dy.ok() && dxf.ok() && dwf.ok() && dyf.ok());
    QVERIFY(upload(dx, x) && upload(dw, o.w) && upload(dsw, o.sw) && upload(dxf, xf) && upload(dwf, wf));
    KTEST_OK(autoglm_quantize_act_i8(AUTOGLM_F16, dx.get(), m, k, nullptr, dq.as<int8_t>(), dsa.as<float>(), nullptr));
    KTEST_OK(autoglm_gemm_w8a8(dq.as<int8_t>(), dsa.as<float>(), dw.as<int8_t>(), dsw.as<float>(), m, n, k,
                               AUTOGLM_F16, dy.get(), nullptr));
    KTEST_OK(autoglm_check_matmul_f32(dxf.as<float>(), dwf.as<float>(), m, n, k, dyf.as<float>(), nullptr));
    std::vector<uint16_t> y(size_t(m * n));
    std::vector<float> yf(y.size());
    QVERIFY(download(y, dy) && download(yf, dyf));
    const double err = relativeError(toFloat(AUTOGLM_F16, y), yf);
    QVERIFY2(err <= 1e-2, qPrintable(QStringLiteral("relative error %1").arg(err)));
}

void TestW8A8::gpuRejectsBadArguments() {
    KTEST_REQUIRE_GPU();
    alignas(16) int8_t a[16] = {}, w[16] = {};
    float s[1] = {1.f};
    alignas(16) uint16_t y[2];
    QCOMPARE(autoglm_gemm_w8a8(a + 1, s, w, s, 1, 1, 16, AUTOGLM_F16, y, nullptr), AUTOGLM_K_INVALID_ARGUMENT);
    QCOMPARE(autoglm_gemm_w8a8(a, s, w, s, 1, 0, 16, AUTOGLM_F16, y, nullptr), AUTOGLM_K_INVALID_ARGUMENT);
    autoglm_w8a8_gemm g{autoglm_gemm_path(7), a, s, w, s, nullptr, 1, 1, 16, AUTOGLM_F16, y};
    QCOMPARE(autoglm_gemm_w8a8_ex(&g, nullptr), AUTOGLM_K_INVALID_ARGUMENT);
    QCOMPARE(autoglm_gemm_w8a8_ex(nullptr, nullptr), AUTOGLM_K_INVALID_ARGUMENT);
    g.path = AUTOGLM_GEMM_AUTO;
    g.out = autoglm_dtype(3);
    QCOMPARE(autoglm_gemm_w8a8_ex(&g, nullptr), AUTOGLM_K_INVALID_ARGUMENT);
    g.out = AUTOGLM_F32; // float pairs are stored 8 bytes at a time
    g.y = reinterpret_cast<char*>(y) + 4;
    QCOMPARE(autoglm_gemm_w8a8_ex(&g, nullptr), AUTOGLM_K_INVALID_ARGUMENT);
    g.y = y;
    g.out = AUTOGLM_F16;
    g.path = AUTOGLM_GEMM_WGMMA;
    if (autoglm_device_compute_capability() != 90)
        QCOMPARE(autoglm_gemm_w8a8_ex(&g, nullptr), AUTOGLM_K_UNSUPPORTED_DEVICE);
}

QTEST_GUILESS_MAIN(TestW8A8)
#include "tst_kernels_w8a8.moc"
