// SPDX-License-Identifier: Apache-2.0
// The explicit engine on hand-made models whose answers are known.

#include "lwm2mc/checker/check.hpp"
#include "lwm2mc/checker/report.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "../model/test_support.hpp"

namespace {

using namespace lwm2mc;
using checker::FindingKind;

checker::CheckResult run(const std::string& text, checker::CheckOptions options = {}) {
    model::Model m = test::load_valid(text);
    return checker::check_explicit(m, options);
}

const checker::Finding* find(const checker::CheckResult& r, const std::string& id) {
    auto it = std::find_if(r.findings.begin(), r.findings.end(), [&](const checker::Finding& f) { return f.id == id; });
    return it == r.findings.end() ? nullptr : &*it;
}

TEST(ExplicitEngine, FindsADeadlockWithAShortestWitness) {
    auto r = run(R"(
model m;
state A initial;
state B;
state C goal;
event e: client;
event f: client;
A + e -> B;
A + f -> C;
C + e -> A;
)");

    const auto* f = find(r, "deadlock:B");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->severity, model::Severity::Error);
    EXPECT_TRUE(f->condition.always());
    ASSERT_TRUE(f->witness);
    ASSERT_EQ(f->witness->steps.size(), 1U);
    EXPECT_EQ(f->witness->steps[0].target, "B");
    EXPECT_EQ(f->range.line, 4U);
    // B cannot get back to the goal either
    EXPECT_NE(find(r, "no-recovery:B"), nullptr);
}

TEST(ExplicitEngine, AFinalStateIsNotADeadlock) {
    auto r = run("model m;\nstate A initial goal;\nstate Off final;\nevent e: operator;\nA + e -> Off;\n");

    EXPECT_EQ(find(r, "deadlock:Off"), nullptr);
    EXPECT_NE(find(r, "no-recovery:Off"), nullptr);
}

TEST(ExplicitEngine, ReportsStatesThatNoRunReaches) {
    auto r = run(R"(
model m;
parameter p: bool;
state A initial goal;
state B;
state C;
event e: client;
A + e [p] -> B;
A + e [false] -> C;
B + e -> A;
C + e -> A;
)");

    const auto* never = find(r, "unreachable-state:C");
    const auto* some = find(r, "unreachable-state:B");
    ASSERT_NE(never, nullptr);
    EXPECT_EQ(never->severity, model::Severity::Warning);
    EXPECT_TRUE(never->condition.always());
    EXPECT_EQ(never->message, "state 'C' is unreachable in every configuration");
    ASSERT_NE(some, nullptr);
    EXPECT_EQ(some->severity, model::Severity::Note);
    EXPECT_EQ(some->condition.to_string(), "!p");
}

const char* kWakaamaNoBootstrap = R"(
model wakaama;
parameter bootstrap: bool "compiled with LWM2M_BOOTSTRAP";
state Registering initial;
state Ready goal;
state BootstrapRequired;
state Bootstrapping;
event reg_ok: response;
event reg_failed: fault;
event start_bs: client;
event bs_done: response;
event push: bs_initiative;
Registering + reg_ok -> Ready;
Registering + reg_failed -> BootstrapRequired;
Ready + reg_failed -> BootstrapRequired;
BootstrapRequired + start_bs [bootstrap] -> Bootstrapping;
BootstrapRequired + push -> Bootstrapping;
Bootstrapping + bs_done -> Registering;
)";

TEST(ExplicitEngine, FindsTheWakaamaNoBootstrapTrapWithItsCondition) {
    auto r = run(kWakaamaNoBootstrap);

    const auto* f = find(r, "no-recovery:BootstrapRequired");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->condition.to_string(), "!bootstrap");
    EXPECT_EQ(f->configurations, 1U);
    ASSERT_TRUE(f->witness);
    EXPECT_EQ(f->witness->configuration, "bootstrap=false");
    ASSERT_EQ(f->witness->steps.size(), 1U);
    EXPECT_EQ(f->witness->steps[0].event, "reg_failed");
    ASSERT_EQ(f->witness->notes.size(), 2U);
    EXPECT_EQ(f->witness->notes[1], "only steps not relied on lead on: push (bs_initiative) -> Bootstrapping");
}

TEST(ExplicitEngine, TheRelianceSetDecidesWhatCountsAsRecovery) {
    checker::CheckOptions trusting;
    trusting.reliance.insert(model::Actor::BsInitiative);

    auto r = run(kWakaamaNoBootstrap, trusting);

    EXPECT_EQ(find(r, "no-recovery:BootstrapRequired"), nullptr);
}

TEST(ExplicitEngine, FixedParametersAreNotEnumerated) {
    checker::CheckOptions fixed;
    fixed.fixed = {std::optional<std::int64_t>(1)};

    auto r = run(kWakaamaNoBootstrap, fixed);

    EXPECT_EQ(r.configurations, 1U);
    EXPECT_EQ(find(r, "no-recovery:BootstrapRequired"), nullptr);
}

TEST(ExplicitEngine, ReportsAmbiguityUnlessBothTransitionsAreChoices) {
    auto r = run(R"(
model m;
parameter p: bool;
var n: int[0..2] = 0 volatile;
state A initial goal;
state B;
state C;
event e: client;
event g: client;
event back: client;
A + e [p] -> B;
A + e [n == 0] -> C;
A + g [n == 1] -> B;
A + g [n == 0] -> C;
A + back -> B by choice;
A + back -> C by choice;
B + back -> A;
C + back -> A;
)");

    const auto* f = find(r, "ambiguity:A.e.B|A.e.C");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->severity, model::Severity::Warning);
    EXPECT_EQ(f->condition.to_string(), "p");
    EXPECT_EQ(find(r, "ambiguity:A.g.B|A.g.C"), nullptr);
    EXPECT_EQ(find(r, "ambiguity:A.back.B|A.back.C"), nullptr);
}

TEST(ExplicitEngine, ChecksInvariantAndReachableProperties) {
    auto r = run(R"(
model m;
parameter p: bool;
var x: int[0..3] = 0 volatile;
state A initial goal;
state B;
event e: client;
A + e [x < 3] / x := x + 1 -> A;
A + e [x == 3 && p] -> B;
B + e -> A;
property small: invariant x < 3;
property reach_b: reachable at(B);
property never: reachable x == 3 && at(B) && !p;
)");

    const auto* inv = find(r, "invariant:small");
    ASSERT_NE(inv, nullptr);
    EXPECT_TRUE(inv->condition.always());
    ASSERT_TRUE(inv->witness);
    EXPECT_EQ(inv->witness->steps.size(), 3U);
    const auto* reach = find(r, "reachable:reach_b");
    ASSERT_NE(reach, nullptr);
    EXPECT_EQ(reach->condition.to_string(), "!p");
    EXPECT_TRUE(find(r, "reachable:never")->condition.always());
}

const char* kTimed = R"(
model timed;
parameter h: int[0..100000];
parameter fast: bool;
state Start initial;
state Wait;
state Done goal;
event go: client;
event done: client;
Start + go [fast] -> Done after 3;
Start + go [!fast] -> Wait after h;
Wait + done -> Done after 3;
property quick: within 10 from at(Start);
)";

TEST(ExplicitEngine, SolvesWithinExactlyForATimingParameter) {
    auto r = run(kTimed);

    const auto* f = find(r, "within:quick");
    ASSERT_NE(f, nullptr);
    // h + 3 > 10  <=>  h > 7
    EXPECT_EQ(f->condition.to_string(), "!fast && h > 7");
    EXPECT_EQ(r.configurations, 2U);  // h is solved symbolically, not enumerated
    ASSERT_TRUE(f->witness);
    EXPECT_EQ(f->witness->configuration, "h=8, fast=false");
}

TEST(ExplicitEngine, AgreesWithEnumeratingTheTimingParameter) {
    for (std::int64_t h : {0, 7, 8, 9, 100000}) {
        checker::CheckOptions fixed;
        fixed.fixed = {std::optional<std::int64_t>(h), std::optional<std::int64_t>(0)};

        auto r = run(kTimed, fixed);

        EXPECT_EQ(find(r, "within:quick") != nullptr, h > 7) << "h=" << h;
    }
}

TEST(ExplicitEngine, ReportsAnUpdateLeavingItsRangeAsAFinding) {
    auto r = run(R"(
model m;
var x: int[0..2] = 0 volatile;
state A initial goal;
event e: client;
A + e / x := x + 1 -> A;
)");

    const auto* f = find(r, "evaluation-error:update:A.e.A");
    ASSERT_NE(f, nullptr);
    // the catalogue's message (the same in every engine); the witness says what the step does
    EXPECT_EQ(f->message, "transition 'A.e.A' can assign a value outside a variable's range");
    ASSERT_TRUE(f->witness);
    EXPECT_EQ(f->witness->steps.size(), 2U);
    ASSERT_FALSE(f->witness->notes.empty());
    EXPECT_EQ(f->witness->notes.back(), "transition 'A.e.A' assigns 3 to 'x', outside its range int[0..2]");
}

TEST(ExplicitEngine, RefusesConfigurationSpacesBeyondItsLimitAndSaysSo) {
    checker::CheckOptions small;
    small.max_configurations = 8;

    auto r = run("model m;\nparameter n: int[0..99];\nstate A initial goal;\nevent e: client;\nA + e [n > 5] -> A;\n",
                 small);

    EXPECT_TRUE(r.findings.empty());
    ASSERT_EQ(r.unknown.size(), 1U);
    EXPECT_NE(r.unknown[0].find("parameter 'n' has 100 values"), std::string::npos);
}

TEST(Condition, AddsBackLiteralsTheConstraintsForce) {
    auto r = run(R"(
model m;
parameter a: bool;
parameter b: bool;
constraint one: a || b;
state S initial goal;
state T;
event e: client;
S + e [!a] -> T;
T + e -> S;
)");

    // T is unreachable exactly when a holds; with b free that is the cube "a"
    EXPECT_EQ(find(r, "unreachable-state:T")->condition.to_string(), "a");
    // T is reached only when !a, which the constraint turns into "!a && b"
    EXPECT_EQ(r.configurations, 3U);
}

}  // namespace

namespace {

checker::CheckResult run_default(const std::string& text) {
    model::Model m = test::load_valid(text);
    return checker::check(m, {});
}

TEST(ExplicitEngine, ATransitionLabelledInitialIsNotTheInitialValuesFinding) {
    // found in review: 'evaluation-error:' + label collided with 'evaluation-error:initial', and the
    // two findings' configurations were merged
    auto r = run_default(R"(
model m;
parameter p: int[0..2];
var x: int[0..1] = p volatile;
state A initial goal;
state B goal;
event go: client;
initial: A + go / x := x + 1 -> B;
)");

    const auto* initial = find(r, "evaluation-error:initial");
    const auto* update = find(r, "evaluation-error:update:initial");
    ASSERT_NE(initial, nullptr);
    ASSERT_NE(update, nullptr);
    EXPECT_EQ(initial->condition.to_string(), "p == 2");
    EXPECT_EQ(update->condition.to_string(), "p == 1");
}

TEST(ExplicitEngine, ConstraintsThatAdmitNoConfigurationAreUndecidedNotClean) {
    auto r = run_default(R"(
model m;
parameter a: bool;
constraint yes: a;
constraint no: !a;
state A initial goal;
)");

    EXPECT_TRUE(r.findings.empty());
    ASSERT_FALSE(r.unknown.empty());
    EXPECT_NE(r.unknown.front().find("the constraints admit no configuration"), std::string::npos) << r.unknown.front();
}

TEST(ExplicitEngine, TheNegativeDurationWitnessRunsWhereTheDurationIsNegative) {
    auto r = run(R"(
model m;
parameter h: int[0..10];
state A initial goal;
state B goal;
event go: client;
A + go -> B after 5 - h;
B + go -> A;
property quick: within 100 from at(A);
)");

    const auto* f = find(r, "evaluation-error:duration:A.go.B");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->condition.to_string(), "h > 5");
    ASSERT_TRUE(f->witness);
    EXPECT_EQ(f->witness->configuration, "h=6");
}

}  // namespace
