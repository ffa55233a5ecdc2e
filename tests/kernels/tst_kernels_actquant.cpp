// Activation quantization (kernels/cuda/ActQuant.cu) against its CPU reference. Per-token: the reference by
// hand, then the kernel bit for bit (q and scales) over M x K sweeps, with and without SmoothQuant's division,
// fp16 and bf16, vector and fallback paths (K % 8 != 0, K > 16384). Static (one scale and zero point): the
// reference by hand (ties, saturation, NaN), then the kernel bit for bit for uint8 / int8 codes in fp16, bf16
// and fp32, with non-finite inputs mixed in.
#include "KernelTestSupport.h"

using namespace ktest;
using autoglm::kernels::floatToDtype;

class TestActQuant : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void referenceByHand();
    void referenceSmoothAndPadding();
    void halfConversions();
    void gpuMatchesReference_data();
    void gpuMatchesReference();
    void gpuRejectsBadArguments();
    void staticReferenceByHand();
    void gpuStaticMatchesReference_data();
    void gpuStaticMatchesReference();
};

void TestActQuant::halfConversions() {
    using namespace autoglm::kernels;
    QCOMPARE(floatToHalf(1.0f), uint16_t(0x3c00));
    QCOMPARE(floatToHalf(65504.0f), uint16_t(0x7bff));
    QCOMPARE(floatToHalf(65520.0f), uint16_t(0x7c00)); // rounds to infinity
    QCOMPARE(floatToHalf(std::ldexp(1.0f, -24)), uint16_t(0x0001));
    QCOMPARE(floatToHalf(std::ldexp(1.0f, -25)), uint16_t(0x0000)); // tie to even: 0
    QCOMPARE(floatToHalf(1.0f + std::ldexp(1.0f, -11)), uint16_t(0x3c00)); // tie to even
    QCOMPARE(floatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), uint16_t(0x3c02));
    QCOMPARE(floatToBf16(1.0f + std::ldexp(1.0f, -8)), uint16_t(0x3f80)); // tie to even
    QCOMPARE(floatToBf16(1.0f + 3 * std::ldexp(1.0f, -8)), uint16_t(0x3f82));
    for (uint32_t h = 0; h < 0x7c00; ++h) // every finite positive half survives float and back
        QCOMPARE(floatToHalf(halfToFloat(uint16_t(h))), uint16_t(h));
}

void TestActQuant::referenceByHand() {
    // max|x| = 4: scale 4/127; q = round(x * 127/4): 31.75 -> 32, -63.5 -> -64 (ties to even), 15.875 -> 16.
    const std::vector<float> xs = {1.f, -2.f, 0.5f, 4.f};
    std::vector<uint16_t> x;
    for (float v : xs)
        x.push_back(floatToDtype(AUTOGLM_F16, v));
    std::vector<int8_t> q(16, 99);
    float scale = 0;
    autoglm_quantize_act_i8_ref(AUTOGLM_F16, x.data(), 1, 4, nullptr, q.data(), &scale);
    QCOMPARE(scale, 4.f / 127.f);
    QCOMPARE(int(q[0]), 32);
    QCOMPARE(int(q[1]), -64);
    QCOMPARE(int(q[2]), 16);
    QCOMPARE(int(q[3]), 127);
    for (int i = 4; i < 16; ++i) // the row is padded to 16 bytes with zeros
        QCOMPARE(int(q[i]), 0);
    // A row of zeros: scale 0, codes 0.
    std::vector<uint16_t> zeros(4, 0);
    autoglm_quantize_act_i8_ref(AUTOGLM_F16, zeros.data(), 1, 4, nullptr, q.data(), &scale);
    QCOMPARE(scale, 0.f);
    QCOMPARE(int(q[3]), 0);
}

void TestActQuant::referenceSmoothAndPadding() {
    // SmoothQuant: x / s with s = 2 for column 1 makes -2 -> -1, so max|v| = 4 still, q[1] = round(-31.75) = -32.
    const std::vector<float> xs = {1.f, -2.f, 0.5f, 4.f, 8.f, 0.f, 0.f, -8.f};
    std::vector<uint16_t> x;
    for (float v : xs)
        x.push_back(floatToDtype(AUTOGLM_BF16, v));
    const std::vector<float> inv = {1.f, 0.5f, 1.f, 1.f};
    std::vector<int8_t> q(32, 99);
    float scales[2];
    autoglm_quantize_act_i8_ref(AUTOGLM_BF16, x.data(), 2, 4, inv.data(), q.data(), scales);
    QCOMPARE(int(q[1]), -32);
    QCOMPARE(scales[1], 8.f / 127.f);
    QCOMPARE(int(q[16]), 127);
    QCOMPARE(int(q[19]), -127);
}

void TestActQuant::gpuMatchesReference_data() {
    QTest::addColumn<int>("dtype");
    QTest::addColumn<qlonglong>("m");
    QTest::addColumn<qlonglong>("k");
    QTest::addColumn<bool>("smooth");
    const std::vector<int64_t> ms = {1, 2, 3, 7, 16, 33, 128, 512, 4096};
    const std::vector<int64_t> ks = {64, 4096, 11008, 14336, 1001, 200, 20000};
    for (int dt : {0, 1})
        for (int64_t m : ms)
            for (int64_t k : ks)
                for (bool smooth : {false, true}) {
                    if (m == 4096 && (k == 20000 || dt == 1) && smooth)
                        continue; // keep the largest cases to one variant each
                    QTest::addRow("%s_m%lld_k%lld%s", dtypeName(autoglm_dtype(dt)), (long long)m, (long long)k,
                                  smooth ? "_smooth" : "")
                        << dt << qlonglong(m) << qlonglong(k) << smooth;
                }
}

void TestActQuant::gpuMatchesReference() {
    KTEST_REQUIRE_GPU();
    QFETCH(int, dtype);
    QFETCH(qlonglong, m);
    QFETCH(qlonglong, k);
    QFETCH(bool, smooth);
    const autoglm_dtype dt = autoglm_dtype(dtype);
    Rng rng(uint64_t(m * 131 + k * 7 + dtype * 3 + smooth));
    std::vector<uint16_t> x(size_t(m * k));
    for (size_t i = 0; i < x.size(); ++i) {
        float v = rng.uniform(-3.f, 3.f);
        if (rng.next() % 997 == 0)
            v *= 40.f; // outlier channels, as in real activations
        x[i] = floatToDtype(dt, v);
    }
    std::vector<float> inv(static_cast<size_t>(k));
    for (auto& v : inv)
        v = 1.f / rng.uniform(0.25f, 4.f);
    const int64_t ldq = autoglm_i8_row_stride(k);
    std::vector<int8_t> qRef(size_t(m * ldq));
    std::vector<float> sRef(static_cast<size_t>(m));
    autoglm_quantize_act_i8_ref(dt, x.data(), m, k, smooth ? inv.data() : nullptr, qRef.data(), sRef.data());

    DevBuf dx(x.size() * 2), dinv(inv.size() * 4), dq(qRef.size()), ds(sRef.size() * 4);
    QVERIFY(dx.ok() && dinv.ok() && dq.ok() && ds.ok());
    QVERIFY(upload(dx, x) && upload(dinv, inv));
    KTEST_OK(autoglm_dev_memset(dq.get(), 0x55, dq.bytes())); // poison: every byte, padding too, must be written
    KTEST_OK(autoglm_dev_memset(ds.get(), 0xff, ds.bytes()));
    KTEST_OK(autoglm_quantize_act_i8(dt, dx.get(), m, k, smooth ? dinv.as<float>() : nullptr, dq.as<int8_t>(),
                                     ds.as<float>(), nullptr));
    KTEST_OK(autoglm_dev_synchronize());
    std::vector<int8_t> q(qRef.size());
    std::vector<float> s(sRef.size());
    QVERIFY(download(q, dq) && download(s, ds));
    // Named tolerance: none. The kernel promises the reference's arithmetic (one float multiply per element,
    // round half to even), so codes and scales must be identical.
    size_t badQ = 0, badS = 0;
    for (size_t i = 0; i < q.size(); ++i)
        badQ += q[i] != qRef[i];
    for (size_t i = 0; i < s.size(); ++i)
        badS += std::memcmp(&s[i], &sRef[i], 4) != 0;
    QCOMPARE(badS, size_t(0));
    QCOMPARE(badQ, size_t(0));
}

void TestActQuant::gpuRejectsBadArguments() {
    KTEST_REQUIRE_GPU();
    // Checked before any memory is touched, so dummy pointers are safe here.
    int8_t q[16];
    float s[1];
    uint16_t x[8] = {};
    QCOMPARE(autoglm_quantize_act_i8(AUTOGLM_F16, nullptr, 1, 8, nullptr, q, s, nullptr), AUTOGLM_K_INVALID_ARGUMENT);
    QCOMPARE(autoglm_quantize_act_i8(autoglm_dtype(7), x, 1, 8, nullptr, q, s, nullptr), AUTOGLM_K_INVALID_ARGUMENT);
    QCOMPARE(autoglm_quantize_act_i8(AUTOGLM_F16, x, 1, 0, nullptr, q, s, nullptr), AUTOGLM_K_INVALID_ARGUMENT);
    QCOMPARE(autoglm_quantize_act_i8(AUTOGLM_F32, x, 1, 8, nullptr, q, s, nullptr), AUTOGLM_K_INVALID_ARGUMENT);
}

namespace {
constexpr autoglm_static_quant kUint8Codes{0.5f, 128, 0, 255, 128}; // uint8, zero point 128, shifted into int8
constexpr autoglm_static_quant kInt8Codes{0.5f, -3, -128, 127, 0};
} // namespace

void TestActQuant::staticReferenceByHand() {
    // x / 0.5 = {2, -2.5, 1.5, 2000, NaN, -2000}: half to even gives -2 and 2; 2000 saturates.
    const float x[6] = {1.f, -1.25f, 0.75f, 1000.f, std::nanf(""), -1000.f};
    std::vector<int8_t> q(16, 99);
    autoglm_quantize_act_static_i8_ref(AUTOGLM_F32, x, 1, 6, &kUint8Codes, q.data());
    const int uint8Expected[6] = {130 - 128, 126 - 128, 130 - 128, 255 - 128, 128 - 128, 0 - 128};
    for (int i = 0; i < 6; ++i)
        QCOMPARE(int(q[i]), uint8Expected[i]);
    for (int i = 6; i < 16; ++i)
        QCOMPARE(int(q[i]), 0); // padding
    autoglm_quantize_act_static_i8_ref(AUTOGLM_F32, x, 1, 6, &kInt8Codes, q.data());
    const int int8Expected[6] = {-1, -5, -1, 127, -3, -128};
    for (int i = 0; i < 6; ++i)
        QCOMPARE(int(q[i]), int8Expected[i]);
    // Parameters the kernel would mis-handle are refused up front.
    QVERIFY(autoglm_static_quant_valid(&kUint8Codes) && autoglm_static_quant_valid(&kInt8Codes));
    const autoglm_static_quant bad[] = {{0.f, 128, 0, 255, 128},   {std::nanf(""), 0, -128, 127, 0},
                                        {0.5f, 300, 0, 255, 128},  {0.5f, 128, 0, 255, 0},
                                        {-1.f, 0, -128, 127, 0},   {0.5f, 0, -128, 127, 1}};
    for (const autoglm_static_quant& b : bad)
        QVERIFY(!autoglm_static_quant_valid(&b));
    QVERIFY(!autoglm_static_quant_valid(nullptr));
}

void TestActQuant::gpuStaticMatchesReference_data() {
    QTest::addColumn<int>("dtype");
    QTest::addColumn<qlonglong>("m");
    QTest::addColumn<qlonglong>("k");
    QTest::addColumn<bool>("uint8");
    for (int dt : {0, 1, 2})
        for (int64_t m : {1, 7, 33, 4096})
            for (int64_t k : {64, 4096, 1001, 11008})
                for (bool u8 : {true, false})
                    QTest::addRow("%s_m%lld_k%lld_%s", dt == 2 ? "fp32" : dtypeName(autoglm_dtype(dt)), (long long)m,
                                  (long long)k, u8 ? "uint8" : "int8")
                        << dt << qlonglong(m) << qlonglong(k) << u8;
}

void TestActQuant::gpuStaticMatchesReference() {
    KTEST_REQUIRE_GPU();
    QFETCH(int, dtype);
    QFETCH(qlonglong, m);
    QFETCH(qlonglong, k);
    QFETCH(bool, uint8);
    const autoglm_dtype dt = autoglm_dtype(dtype);
    const size_t elem = dt == AUTOGLM_F32 ? 4 : 2;
    Rng rng(uint64_t(m * 17 + k * 5 + dtype * 3 + uint8));
    autoglm_static_quant p = uint8 ? kUint8Codes : kInt8Codes;
    p.scale = 0.0371f; // an activation range of about +-4.7 for uint8
    std::vector<unsigned char> x(size_t(m * k) * elem);
    for (int64_t i = 0; i < m * k; ++i) {
        float v = rng.uniform(-5.f, 5.f);
        const uint32_t r = rng.next() % 4001;
        if (r == 0)
            v = std::nanf("");
        else if (r == 1)
            v = -INFINITY;
        else if (r < 40)
            v *= 30.f; // saturates
        if (dt == AUTOGLM_F32)
            std::memcpy(&x[size_t(i) * 4], &v, 4);
        else
            reinterpret_cast<uint16_t*>(x.data())[i] = floatToDtype(dt, v);
    }
    const int64_t ldq = autoglm_i8_row_stride(k);
    std::vector<int8_t> qRef(size_t(m * ldq));
    autoglm_quantize_act_static_i8_ref(dt, x.data(), m, k, &p, qRef.data());
    DevBuf dx(x.size()), dq(qRef.size());
    QVERIFY(dx.ok() && dq.ok() && upload(dx, x));
    KTEST_OK(autoglm_dev_memset(dq.get(), 0x55, dq.bytes())); // poison: padding bytes must be written too
    KTEST_OK(autoglm_quantize_act_static_i8(dt, dx.get(), m, k, &p, dq.as<int8_t>(), nullptr));
    KTEST_OK(autoglm_dev_synchronize());
    std::vector<int8_t> q(qRef.size());
    QVERIFY(download(q, dq));
    // Named tolerance: none (the same float division, rint and clamp on both sides).
    size_t bad = 0;
    for (size_t i = 0; i < q.size(); ++i)
        bad += q[i] != qRef[i];
    QCOMPARE(bad, size_t(0));
    // Bad parameters and the dynamic kernel's refusal of fp32 (it takes fp16 / bf16 only).
    const autoglm_static_quant badScale{0.f, 0, -128, 127, 0};
    QCOMPARE(autoglm_quantize_act_static_i8(dt, dx.get(), m, k, &badScale, dq.as<int8_t>(), nullptr),
             AUTOGLM_K_INVALID_ARGUMENT);
    QCOMPARE(autoglm_quantize_act_static_i8(dt, dx.get(), m, k, nullptr, dq.as<int8_t>(), nullptr),
             AUTOGLM_K_INVALID_ARGUMENT);
}

QTEST_GUILESS_MAIN(TestActQuant)
#include "tst_kernels_actquant.moc"
