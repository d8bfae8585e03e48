// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/client/clock.hpp"
#include "lwm2mc/client/message.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

using namespace lwm2mc::client;

TEST(Clock, ScaledClockConvertsProtocolTimeToRealWait) {
    const ScaledClock clock{1000.0};

    const Millis wait = clock.real_wait(Millis{247'000});

    EXPECT_EQ(wait, Millis{247});
}

TEST(Clock, ScaledClockRejectsNonPositiveFactor) {
    EXPECT_THROW(ScaledClock{0.0}, std::invalid_argument);
    EXPECT_THROW(ScaledClock{-2.0}, std::invalid_argument);
}

TEST(Clock, ManualClockMovesOnlyWhenAdvanced) {
    ManualClock clock;

    clock.advance(Millis{86'400'000});

    EXPECT_EQ(clock.now(), Millis{86'400'000});
    EXPECT_EQ(clock.real_wait(Millis{5}), Millis{0});
}

TEST(Message, CodesPrintAsClassDotDetail) {
    EXPECT_EQ(code_to_string(code::kCreated), "2.01");
    EXPECT_EQ(code_to_string(code::kNotAcceptable), "4.06");
    EXPECT_EQ(code_to_string(code::kPost), "0.02");
    EXPECT_EQ(path_to_string({"rd", "5"}), "/rd/5");
    EXPECT_EQ(path_to_string({}), "/");
}
