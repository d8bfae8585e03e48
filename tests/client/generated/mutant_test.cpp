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

#ifdef LWM2MC_GENERATED_FACTORY_SUITE
namespace {

json generated_factory_suite() {
    std::ifstream in(LWM2MC_GENERATED_FACTORY_SUITE);
    return json::parse(in);
}

/// The first await step of case 0 of suite 0 after `from` (0-based).
std::size_t first_await(const json& doc, std::size_t from = 0) {
    const auto& steps = doc["suites"][0]["cases"][0]["steps"];
    for (std::size_t i = from; i < steps.size(); ++i) {
        if (steps[i]["kind"] == "await") {
            return i;
        }
    }
    throw std::runtime_error("no await step in the generated suite");
}

/// A state that is neither the step's target nor an alternative's.
std::string other_state(const json& step) {
    for (const char* s : {"Deregistered", "BsFailed", "DeregPending"}) {
        bool used = step["to"] == s;
        for (const auto& a : step.value("alternatives", json::array())) {
            used = used || a["to"] == s;
        }
        if (!used) {
            return s;
        }
    }
    throw std::runtime_error("no unused state");
}

}  // namespace

TEST(MutantGeneratedSuite, UnchangedFirstCaseDoesNotFail) {
    const json doc = generated_factory_suite();

    const auto v = play_case(doc, 0, 0);

    EXPECT_NE(v.verdict, Verdict::Fail) << v.reason;
    EXPECT_GT(v.steps_played, 0U);
}

TEST(MutantGeneratedSuite, ChangedTargetStateOfAnAwaitStepFails) {
    json doc = generated_factory_suite();
    const auto i = first_await(doc);
    auto& step = doc["suites"][0]["cases"][0]["steps"][i];
    step["to"] = other_state(step);

    const auto v = play_case(doc, 0, 0);

    EXPECT_EQ(v.verdict, Verdict::Fail);
    EXPECT_EQ(v.where, "step " + std::to_string(i)) << v.reason;
}

TEST(MutantGeneratedSuite, ChangedEventOfALaterAwaitStepFails) {
    json doc = generated_factory_suite();
    const auto i = first_await(doc, first_await(doc) + 1);
    auto& step = doc["suites"][0]["cases"][0]["steps"][i];
    step["event"] = step["event"] == "register_again" ? "retry_register" : "register_again";

    const auto v = play_case(doc, 0, 0);

    EXPECT_EQ(v.verdict, Verdict::Fail);
    EXPECT_EQ(v.where, "step " + std::to_string(i)) << v.reason;
}
#endif
