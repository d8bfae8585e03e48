// SPDX-License-Identifier: Apache-2.0
// Replays tests/data/fuzz (inputs kept from fuzzing) through the same checks as the fuzz target.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../fuzz/fuzz_check.hpp"

namespace fs = std::filesystem;

namespace {

TEST(FuzzCorpus, EveryKeptInputLoadsWithoutCrashingAndRoundTrips) {
    fs::path dir = fs::path(LWM2MC_TEST_DATA_DIR) / "fuzz";
    std::size_t count = 0;

    for (const auto& entry : fs::directory_iterator(dir)) {
        if (!entry.is_regular_file() || entry.path().filename().string().front() == '.') {
            continue;
        }
        std::ifstream in(entry.path(), std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        std::string failure = lwm2mc::fuzz::check_input(text.str());
        EXPECT_EQ(failure, "") << entry.path();
        ++count;
    }

    EXPECT_GE(count, 20U) << "the fuzz corpus lost its files";
}

}  // namespace
