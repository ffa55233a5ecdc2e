#pragma once
// What every harness shares. A harness hands one input to a parser the way a user's file reaches it; an
// error is the right answer to bad input, so only a crash, a sanitizer report or an escaping exception is a
// finding. Exceptions are turned into an abort so that libFuzzer and the replay test both see them.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

namespace fuzzing {

template <typename Body>
int guarded(const uint8_t* data, size_t size, Body body) {
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    try {
        body(bytes);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "exception escaped the parser: %s\n", e.what());
        std::abort();
    }
    return 0;
}

} // namespace fuzzing
