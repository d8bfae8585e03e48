// SPDX-License-Identifier: Apache-2.0
// The hand-written suite data/handwritten_suite.json (factory, client-initiated and server-initiated
// configurations, written to docs/testing.md before the generator existed), played as a generated file would.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "generated_suite_driver.hpp"

namespace {

const char* handwritten_suite() {
    static const std::string text = [] {
        std::ifstream in(std::string{LWM2MC_GENERATED_DATA_DIR} + "/handwritten_suite.json");
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    }();
    return text.c_str();
}

}  // namespace

TEST(HandwrittenSuite, FactoryCase1) {
    lwm2mc::generated::run_case(handwritten_suite(), 0, 0);
}
TEST(HandwrittenSuite, FactoryCase2) {
    lwm2mc::generated::run_case(handwritten_suite(), 0, 1);
}
TEST(HandwrittenSuite, ClientInitiatedCase1) {
    lwm2mc::generated::run_case(handwritten_suite(), 1, 0);
}
TEST(HandwrittenSuite, ServerInitiatedCase1) {
    lwm2mc::generated::run_case(handwritten_suite(), 2, 0);
}

namespace {

const nlohmann::json& reset_and_steering_suite() {
    static const nlohmann::json doc = [] {
        std::ifstream in(std::string{LWM2MC_GENERATED_DATA_DIR} + "/reset_and_steering_suite.json");
        return nlohmann::json::parse(in);
    }();
    return doc;
}

}  // namespace

// data/reset_and_steering_suite.json: a power cycle planned in BsFactory, which the client leaves at once, so it takes
// the alternative whose continuation is a reset ("reset": true); then two reboots whose restart branches differ
// (keep the registration, then Register again), which only steering the client per step gives.
TEST(HandwrittenSuite, ResetContinuationAndPerStepSteeringPass) {
    const auto v = lwm2mc::generated::play_case(reset_and_steering_suite(), 0, 0);

    EXPECT_EQ(v.verdict, lwm2mc::generated::Verdict::Pass) << v.reason << " at " << v.where;
    EXPECT_EQ(v.resets, 1U);
    EXPECT_EQ(v.alternatives, 1U);
    EXPECT_EQ(v.case_steps_reached, v.steps_planned);
}

TEST(HandwrittenSuite, WithoutSteeringTheSecondRestartBranchFails) {
    lwm2mc::generated::DriverOptions options;
    options.steer_choices = false;  // the configuration's keep_observations (true) for every restart

    const auto v = lwm2mc::generated::play_case(reset_and_steering_suite(), 0, 0, options);

    EXPECT_EQ(v.verdict, lwm2mc::generated::Verdict::Fail);
    EXPECT_NE(v.reason.find("restart (choice)--> Registered"), std::string::npos) << v.reason;
}
