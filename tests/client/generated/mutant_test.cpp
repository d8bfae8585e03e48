// SPDX-License-Identifier: Apache-2.0
// A suite must be able to fail: the same suite with one expected step changed (the target state, the event, the
// earliest time of an await step) is played against the same client, and play_case must say Fail at that step.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "generated_suite_driver.hpp"

using lwm2mc::generated::play_case;
using lwm2mc::generated::Verdict;
using nlohmann::json;

namespace {

json suite_document() {
    std::ifstream in(std::string{LWM2MC_GENERATED_DATA_DIR} + "/handwritten_suite.json");
    return json::parse(in);
}

/// Index of the first await step of case 0 of suite 0 whose event is `event`.
std::size_t await_step(const json& doc, const std::string& event) {
    const auto& steps = doc["suites"][0]["cases"][0]["steps"];
    for (std::size_t i = 0; i < steps.size(); ++i) {
        if (steps[i]["kind"] == "await" && steps[i]["event"] == event) {
            return i;
        }
    }
    throw std::runtime_error("no await step " + event);
}

}  // namespace

TEST(MutantSuite, UnchangedSuitePasses) {
    const json doc = suite_document();

    const auto v = play_case(doc, 0, 1);

    EXPECT_EQ(v.verdict, Verdict::Pass) << v.reason;
}

TEST(MutantSuite, ChangedTargetStateOfAnAwaitStepFails) {
    json doc = suite_document();
    const auto i = await_step(doc, "factory_loaded");
    doc["suites"][0]["cases"][0]["steps"][i]["to"] = "Registered";

    const auto v = play_case(doc, 0, 0);

    EXPECT_EQ(v.verdict, Verdict::Fail);
    EXPECT_EQ(v.where, "step " + std::to_string(i)) << v.reason;
    EXPECT_NE(v.reason.find("factory_loaded -> Registered"), std::string::npos) << v.reason;
}

TEST(MutantSuite, ChangedEventOfAnAwaitStepFails) {
    json doc = suite_document();
    const auto i = await_step(doc, "boot");
    doc["suites"][0]["cases"][0]["steps"][i]["event"] = "smartcard_read";

    const auto v = play_case(doc, 0, 0);

    EXPECT_EQ(v.verdict, Verdict::Fail);
    EXPECT_EQ(v.where, "step " + std::to_string(i)) << v.reason;
}

TEST(MutantSuite, ClientActingBeforeTheAfterBoundFails) {
    json doc = suite_document();
    const auto i = await_step(doc, "retry_register");
    doc["suites"][0]["cases"][0]["steps"][i]["duration_s"] = 3600;  // the client retries after 60 s

    const auto v = play_case(doc, 0, 0);

    EXPECT_EQ(v.verdict, Verdict::Fail);
    EXPECT_NE(v.reason.find("too early"), std::string::npos) << v.reason;
}

TEST(MutantSuite, ExpectingAnotherClientStepFails) {
    json doc = suite_document();
    const auto i = await_step(doc, "retry_register");
    doc["suites"][0]["cases"][0]["steps"][i]["event"] = "fallback_bootstrap";
    doc["suites"][0]["cases"][0]["steps"][i]["to"] = "BsHoldOff";

    const auto v = play_case(doc, 0, 0);

    EXPECT_EQ(v.verdict, Verdict::Fail);
    EXPECT_EQ(v.where, "step " + std::to_string(i)) << v.reason;
    EXPECT_NE(v.reason.find("retry_register"), std::string::npos) << v.reason;
}

TEST(MutantSuite, AwaitingWhatTheClientCannotDoIsQuiescence) {
    // Suite 2 is server-initiated only: in BsHoldOff the client waits for the bootstrap server and never sends a
    // Bootstrap-Request of its own. A suite that awaits hold_off_expired there must fail as quiescent.
    json doc = suite_document();
    auto& step = doc["suites"][2]["cases"][0]["steps"][1];
    ASSERT_EQ(step["event"], "si_write");
    step["kind"] = "await";
    step["event"] = "hold_off_expired";
    step["actor"] = "client";
    step["to"] = "BsRequesting";

    const auto v = play_case(doc, 2, 0);

    EXPECT_EQ(v.verdict, Verdict::Fail);
    EXPECT_EQ(v.where, "step 1") << v.reason;
    EXPECT_NE(v.reason.find("quiescent"), std::string::npos) << v.reason;
}
