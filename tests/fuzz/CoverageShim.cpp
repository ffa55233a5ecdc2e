// Coverage for libFuzzer from GCC's instrumentation. GCC's -fsanitize-coverage=trace-pc calls
// __sanitizer_cov_trace_pc() at every basic block; libFuzzer (LLVM 14) reads coverage from 8-bit counter
// regions and refuses trace-pc. This file registers one counter region and counts the edge between the previous
// and the current block in it, hashed (as AFL does), which gives libFuzzer the features it steers by; GCC's
// trace-cmp hooks for integers reach libFuzzer directly (those for floating-point compares, which libFuzzer does
// not have, are empty here). It replaces libFuzzer's own trace-pc entry point, so it must come
// first at link time (--allow-multiple-definition), and is itself built without any instrumentation.
#include <cstddef>
#include <cstdint>

extern "C" void __sanitizer_cov_8bit_counters_init(uint8_t* start, uint8_t* stop);

namespace {

constexpr size_t kCounters = size_t(1) << 18;
alignas(64) uint8_t counters[kCounters];
thread_local uintptr_t previous = 0;

struct RegisterCounters {
    RegisterCounters() { __sanitizer_cov_8bit_counters_init(counters, counters + kCounters); }
} registerCounters;

} // namespace

extern "C" __attribute__((no_sanitize_coverage, no_sanitize("address", "undefined"))) void
__sanitizer_cov_trace_pc() {
    const uintptr_t pc = reinterpret_cast<uintptr_t>(__builtin_return_address(0));
    const uint64_t edge = static_cast<uint64_t>(pc ^ previous) * 0x9E3779B97F4A7C15ull;
    previous = pc >> 1;
    uint8_t& counter = counters[edge >> (64 - 18)];
    counter = static_cast<uint8_t>(counter + 1);
}

extern "C" __attribute__((no_sanitize_coverage)) void __sanitizer_cov_trace_cmpf(float, float) {}
extern "C" __attribute__((no_sanitize_coverage)) void __sanitizer_cov_trace_cmpd(double, double) {}
