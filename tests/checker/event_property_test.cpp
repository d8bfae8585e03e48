// SPDX-License-Identifier: Apache-2.0
// Event properties (docs/semantics.md, "Event properties") on both engines: the same verdicts,
// witnesses on the original model that end with the violating transition.

#include "lwm2mc/checker/check.hpp"
#include "lwm2mc/checker/report.hpp"
#include "lwm2mc/model/monitor.hpp"
#include "lwm2mc/model/promela.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "../model/test_support.hpp"

namespace {

using namespace lwm2mc;
using checker::Engine;

/// The issue's examples on a client whose failed Update falls back to bootstrap and that accepts
/// a Bootstrap-Finish it never asked for.
const char* const kClient = R"(
model events;
state Bootstrap initial;
state BsPending;
state RegPending;
state Registered goal;
event bs_request: client;
event bs_finish: bs_initiative;
event register: client;
event reg_ok: response;
event update: client;
event update_failed: fault;
Bootstrap + bs_request -> BsPending;
Bootstrap + bs_finish -> RegPending;
BsPending + bs_finish -> RegPending after 5;
RegPending + register -> RegPending;
RegPending + reg_ok -> Registered after 2;
Registered + update -> Registered after 10;
Registered + update_failed -> Bootstrap;
property register_after_failed_update: after update_failed next {register, bs_request} is register;
property finish_after_request: never bs_finish before bs_request;
property registered_in_time: after update_failed respond reg_ok within 1;
property registered_eventually: after update_failed respond reg_ok within 7;
)";

checker::CheckOptions quiet(Engine engine) {
    checker::CheckOptions options;
    options.engine = engine;
    options.progress = [](const std::string&) {};
    return options;
}

const checker::Finding* find(const checker::CheckResult& r, const std::string& id) {
    auto it = std::find_if(r.findings.begin(), r.findings.end(), [&](const checker::Finding& f) { return f.id == id; });
    return it == r.findings.end() ? nullptr : &*it;
}

std::vector<std::string> steps(const checker::Finding& f) {
    std::vector<std::string> out;
    for (const auto& s : f.witness->steps) {
        out.push_back(s.transition);
    }
    return out;
}

class EventProperties : public testing::TestWithParam<Engine> {};

TEST_P(EventProperties, NeverBeforeFailsOnAFinishWithoutRequest) {
    model::Model m = test::load_valid(kClient);

    checker::CheckResult r = checker::check(m, quiet(GetParam()));

    const auto* f = find(r, "invariant:finish_after_request");
    ASSERT_NE(f, nullptr);
    ASSERT_TRUE(f->witness);
    EXPECT_EQ(steps(*f), std::vector<std::string>{"Bootstrap.bs_finish.RegPending"});
    EXPECT_EQ(f->message, "event property 'finish_after_request' is violated: never bs_finish before bs_request");
    EXPECT_EQ(f->range.line, 21U);
}

TEST(EventPropertyReport, CitesThePropertyWithItsDescriptionAndRef) {
    std::string text = kClient;
    text.replace(text.find("property finish_after_request: never bs_finish before bs_request;"),
                 std::string{"property finish_after_request: never bs_finish before bs_request;"}.size(),
                 "property finish_after_request: never bs_finish before bs_request \"asked for\" ref \"TS §5.2.7\";");
    model::Model m = test::load_valid(text);
    checker::CheckResult r = checker::check(m, quiet(Engine::Explicit));
    const auto* f = find(r, "invariant:finish_after_request");
    ASSERT_NE(f, nullptr);

    const std::vector<checker::Citation> cited = checker::citations(m, *f);

    ASSERT_EQ(cited.size(), 1U);
    EXPECT_EQ(cited[0].element, "property");
    EXPECT_EQ(cited[0].name, "finish_after_request");
    EXPECT_EQ(cited[0].description, "asked for");
    EXPECT_EQ(cited[0].ref, "TS §5.2.7");
}

TEST_P(EventProperties, NextIsFailsWhenAFailedUpdateLeadsToABootstrapRequest) {
    model::Model m = test::load_valid(kClient);

    checker::CheckResult r = checker::check(m, quiet(GetParam()));

    const auto* f = find(r, "invariant:register_after_failed_update");
    ASSERT_NE(f, nullptr);
    ASSERT_TRUE(f->witness);
    EXPECT_EQ(steps(*f),
              (std::vector<std::string>{"Bootstrap.bs_finish.RegPending", "RegPending.reg_ok.Registered",
                                        "Registered.update_failed.Bootstrap", "Bootstrap.bs_request.BsPending"}));
    EXPECT_EQ(f->witness->end, m.find_state("BsPending"));
    // reported against the original model: no monitor variable in the steps
    for (const auto& s : f->witness->steps) {
        EXPECT_EQ(s.vars, "");
    }
}

// within 7: the longest way back, bs_request (0 s), bs_finish (5 s), reg_ok (2 s), takes 7 s
TEST_P(EventProperties, RespondCountsTheDurationsUpToTheAnswer) {
    model::Model m = test::load_valid(kClient);

    checker::CheckResult r = checker::check(m, quiet(GetParam()));

    const auto* late = find(r, "invariant:registered_in_time");
    ASSERT_NE(late, nullptr);
    ASSERT_TRUE(late->witness);
    // the run ends where more than 1 s has passed since update_failed without reg_ok: the 5 s
    // Bootstrap-Finish (ending at the answer, with reg_ok's 2 s, is as short)
    EXPECT_EQ(steps(*late),
              (std::vector<std::string>{"Bootstrap.bs_finish.RegPending", "RegPending.reg_ok.Registered",
                                        "Registered.update_failed.Bootstrap", "Bootstrap.bs_request.BsPending",
                                        "BsPending.bs_finish.RegPending"}));
    EXPECT_EQ(find(r, "invariant:registered_eventually"), nullptr);
}

TEST_P(EventProperties, HoldOnTheFixedClient) {
    std::string fixed = kClient;
    fixed.replace(fixed.find("Bootstrap + bs_finish -> RegPending;\n"),
                  std::string("Bootstrap + bs_finish -> RegPending;\n").size(), "");
    fixed.replace(fixed.find("Registered + update_failed -> Bootstrap;"),
                  std::string("Registered + update_failed -> Bootstrap;").size(),
                  "Registered + update_failed -> RegPending;");
    model::Model m = test::load_valid(fixed);

    checker::CheckResult r = checker::check(m, quiet(GetParam()));

    EXPECT_EQ(find(r, "invariant:finish_after_request"), nullptr);
    EXPECT_EQ(find(r, "invariant:register_after_failed_update"), nullptr);
    EXPECT_NE(find(r, "invariant:registered_in_time"), nullptr);  // RegPending.reg_ok takes 2 s > 1 s
    EXPECT_EQ(find(r, "invariant:registered_eventually"), nullptr);
    EXPECT_TRUE(r.unknown.empty());
}

TEST_P(EventProperties, RespondHasAConditionOverTheParametersOfDurations) {
    model::Model m = test::load_valid(R"(
model timed;
parameter delay: int[0..10];
state A initial goal;
state B;
event req: client;
event ans: response;
A + req -> B;
B + ans -> A after delay;
property answered: after req respond ans within 5;
)");

    checker::CheckResult r = checker::check(m, quiet(GetParam()));

    const auto* f = find(r, "invariant:answered");
    ASSERT_NE(f, nullptr);
    ASSERT_TRUE(f->condition.literals) << f->condition.to_string();
    for (std::int64_t delay = 0; delay <= 10; ++delay) {  // "delay > 5", in each engine's words
        const auto& cubes = *f->condition.literals;
        bool holds = std::any_of(cubes.begin(), cubes.end(), [&](const auto& cube) {
            return std::all_of(cube.begin(), cube.end(), [&](const auto& l) { return l.holds({delay}); });
        });
        EXPECT_EQ(holds, delay > 5) << "delay=" << delay << ": " << f->condition.to_string();
    }
    ASSERT_TRUE(f->witness);
    EXPECT_EQ(f->witness->configuration, "delay=6");
    EXPECT_EQ(steps(*f), (std::vector<std::string>{"A.req.B", "B.ans.A"}));
}

std::string engine_test_name(const testing::TestParamInfo<Engine>& param) {
    return param.param == Engine::Explicit ? "Explicit" : param.param == Engine::Z3 ? "Z3" : "Both";
}

INSTANTIATE_TEST_SUITE_P(Engines, EventProperties, testing::Values(Engine::Explicit, Engine::Z3, Engine::Both),
                         engine_test_name);

TEST(EventPropertiesBoth, EnginesAgreeOnTheIssueExamples) {
    model::Model m = test::load_valid(kClient);

    checker::CheckResult r = checker::check(m, quiet(Engine::Both));

    std::string undecided;
    for (const auto& u : r.unknown) {
        undecided += u + "\n";
    }
    EXPECT_TRUE(r.unknown.empty()) << undecided;
}

TEST(EventPropertiesPromela, ExportsTheMonitorAsAnInvariant) {
    model::Model m = test::load_valid(kClient);

    std::string pml = model::to_promela(m, model::Configuration{});

    EXPECT_NE(pml.find("active proctype invariant_finish_after_request()"), std::string::npos) << pml;
    EXPECT_NE(pml.find("v__finish_after_request_bad"), std::string::npos) << pml;
}

}  // namespace
