#pragma once
// splitmix64: fast enough to fill hundreds of MB of test and benchmark data, and the same sequence
// everywhere (the kernel tests and bench_kernels share it).

#include <cstdint>

namespace kerneltest {

struct Rng {
    uint64_t s;
    explicit Rng(uint64_t seed) : s(seed) {}
    uint64_t next() {
        uint64_t z = (s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    float uniform(float lo, float hi) { return lo + (hi - lo) * float(next() >> 40) * (1.0f / 16777216.0f); }
    int intIn(int lo, int hi) { return lo + int(next() % uint64_t(hi - lo + 1)); }
};

} // namespace kerneltest
