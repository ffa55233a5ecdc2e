#pragma once
// Helpers shared by the kernel tests: device buffers over the kernels' C API (no CUDA header needed), a fast
// seeded generator, and the error measures with named tolerances.
#include "kernels/HalfBits.h"
#include "kernels/QuantKernels.h"
#include "SplitMix64.h"

#include <QtTest>

#include <cmath>
#include <cstring>
#include <cstdint>
#include <vector>

namespace ktest {

// GPU tests call this first: skips with the reason where there is no usable device.
#define KTEST_REQUIRE_GPU()                                                                                            \
    do {                                                                                                               \
        if (autoglm_device_probe() != AUTOGLM_K_OK)                                                                    \
            QSKIP(qPrintable(QStringLiteral("no CUDA device: %1").arg(QString::fromUtf8(autoglm_kernels_last_error())))); \
    } while (0)

#define KTEST_OK(call)                                                                                                 \
    do {                                                                                                               \
        const autoglm_kstatus s_ = (call);                                                                             \
        if (s_ != AUTOGLM_K_OK)                                                                                        \
            QFAIL(qPrintable(QStringLiteral("%1 -> %2 (%3)")                                                           \
                                 .arg(QStringLiteral(#call), QString::fromUtf8(autoglm_kstatus_name(s_)),              \
                                      QString::fromUtf8(autoglm_kernels_last_error()))));                              \
    } while (0)

using kerneltest::Rng;

// Owns a device allocation; the test fails (not crashes) when allocation fails.
class DevBuf {
public:
    explicit DevBuf(size_t bytes) : m_bytes(bytes) { m_status = autoglm_dev_alloc(bytes, &m_ptr); }
    ~DevBuf() {
        if (m_ptr)
            autoglm_dev_free(m_ptr);
    }
    DevBuf(const DevBuf&) = delete;
    DevBuf& operator=(const DevBuf&) = delete;
    bool ok() const { return m_status == AUTOGLM_K_OK; }
    template <typename T> T* as() const { return static_cast<T*>(m_ptr); }
    void* get() const { return m_ptr; }
    size_t bytes() const { return m_bytes; }

private:
    void* m_ptr = nullptr;
    size_t m_bytes;
    autoglm_kstatus m_status;
};

template <typename T> bool upload(DevBuf& d, const std::vector<T>& h) {
    return autoglm_dev_upload(d.get(), h.data(), h.size() * sizeof(T)) == AUTOGLM_K_OK;
}
template <typename T> bool download(std::vector<T>& h, const DevBuf& d) {
    return autoglm_dev_download(h.data(), d.get(), h.size() * sizeof(T)) == AUTOGLM_K_OK;
}

// Outputs travel as 16-bit words: one per fp16 / bf16 value, two per float32 value (its bytes).
inline size_t wordsPerValue(autoglm_dtype dt) { return dt == AUTOGLM_F32 ? 2 : 1; }

inline std::vector<float> toFloat(autoglm_dtype dt, const std::vector<uint16_t>& bits) {
    std::vector<float> f(bits.size() / wordsPerValue(dt));
    if (dt == AUTOGLM_F32) {
        std::memcpy(f.data(), bits.data(), f.size() * sizeof(float));
        return f;
    }
    for (size_t i = 0; i < bits.size(); ++i)
        f[i] = autoglm::kernels::dtypeToFloat(dt, bits[i]);
    return f;
}

// ||a - b|| / ||b||; +inf when any value of a is not finite (poisoned outputs never written are NaN).
inline double relativeError(const std::vector<float>& a, const std::vector<float>& b) {
    double num = 0, den = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        if (!std::isfinite(a[i]))
            return INFINITY;
        const double d = double(a[i]) - double(b[i]);
        num += d * d;
        den += double(b[i]) * double(b[i]);
    }
    return den > 0 ? std::sqrt(num / den) : std::sqrt(num);
}

inline size_t countDifferent(const std::vector<uint16_t>& a, const std::vector<uint16_t>& b) {
    size_t n = 0;
    for (size_t i = 0; i < a.size(); ++i)
        n += a[i] != b[i];
    return n;
}

inline const char* dtypeName(autoglm_dtype dt) {
    return dt == AUTOGLM_F16 ? "fp16" : dt == AUTOGLM_BF16 ? "bf16" : "fp32";
}

// The sweep: M values, and (N, K) pairs with odd tails (K not a multiple of 128 / of 8, N not of 8).
inline const std::vector<int64_t>& sweepM() {
    static const std::vector<int64_t> m = {1, 2, 3, 7, 16, 33, 128, 512, 4096};
    return m;
}
struct NK {
    int64_t n, k;
};
inline const std::vector<NK>& sweepNK() {
    static const std::vector<NK> nk = {{64, 64},      {4096, 4096},  {11008, 4096}, {4096, 11008}, {14336, 4096},
                                       {4096, 14336}, {37, 1001},    {4101, 200},   {130, 4100}};
    return nk;
}

} // namespace ktest
