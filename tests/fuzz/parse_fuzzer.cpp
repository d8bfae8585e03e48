// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the model loader, printer and interpreter.
//   cmake --preset fuzz && cmake --build build/fuzz
//   build/fuzz/tests/fuzz/parse_fuzzer -max_total_time=600 fuzz-corpus tests/data/fuzz

#include <cstdio>
#include <cstdlib>

#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    std::string failure = lwm2mc::fuzz::check_input(text);
    if (!failure.empty()) {
        std::fprintf(stderr, "%s\n", failure.c_str());
        std::abort();
    }
    return 0;
}
