// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/model/interpreter.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "test_support.hpp"

namespace {

using namespace lwm2mc::model;
using lwm2mc::test::load_valid;

const char* kCounter = R"(
model counter;
parameter limit: int[0..3];
parameter fast: bool;
parameter mode: enum { Slow, Quick };
constraint consistent: fast -> mode == Quick;
var n: int[0..3] = 0 persistent;
var a: int[0..9] = 1 volatile;
var b: int[0..9] = 2 volatile;
var flag: bool = fast persistent;
state Start initial;
state Done goal;
event tick: client;
event swap: choice;
event wipe: operator;
event forget: operator;
event finish: response;
Start + tick [n < limit] / n := n + 1 -> Start after 5;
Start + swap / a := b, b := a -> Start;
Start + wipe / reset all, n := 2 -> Start;
Start + forget / reset volatile -> Start;
Start + finish [n == limit && flag] -> Done after limit + 1;
)";

Configuration config(std::vector<Value> values) {
    return Configuration{std::move(values)};
}

TEST(Interpreter, EnumeratesOnlyConfigurationsSatisfyingTheConstraints) {
    Model m = load_valid(kCounter);
    Interpreter interp{m};
    std::vector<Configuration> seen;

    interp.for_each_configuration([&](const Configuration& c) {
        seen.push_back(c);
        return true;
    });

    EXPECT_EQ(interp.valuation_count(), 16U);
    // fast=true requires mode=Quick: 4 limits x (fast=false: 2 modes + fast=true: 1 mode)
    EXPECT_EQ(seen.size(), 12U);
    for (const auto& c : seen) {
        EXPECT_TRUE(c.values[1] == 0 || c.values[2] == 1);
    }
}

TEST(Interpreter, InitialStateEvaluatesInitialValuesUnderTheConfiguration) {
    Model m = load_valid(kCounter);
    Interpreter interp{m};

    ProductState s = interp.initial_state(config({2, 1, 1}));

    EXPECT_EQ(m.state(s.state).name, "Start");
    EXPECT_EQ(s.vars, (std::vector<Value>{0, 1, 2, 1}));
}

TEST(Interpreter, GuardsDecideWhichTransitionsAreEnabled) {
    Model m = load_valid(kCounter);
    Interpreter interp{m};
    Configuration c = config({1, 1, 1});
    ProductState s = interp.initial_state(c);

    auto names = [&](const std::vector<TransitionId>& ids) {
        std::vector<std::string> out;
        for (auto id : ids) {
            out.push_back(m.events[m.transition(id).event.index()].name);
        }
        return out;
    };

    EXPECT_EQ(names(interp.enabled_transitions(s, c)), (std::vector<std::string>{"tick", "swap", "wipe", "forget"}));
    ProductState after = interp.step(s, *m.find_transition("Start.tick.Start"), c);
    EXPECT_EQ(after.vars[0], 1);
    EXPECT_EQ(names(interp.enabled_transitions(after, c)),
              (std::vector<std::string>{"swap", "wipe", "forget", "finish"}));
}

TEST(Interpreter, UpdatesAreSimultaneous) {
    Model m = load_valid(kCounter);
    Interpreter interp{m};
    Configuration c = config({1, 0, 0});

    ProductState s = interp.step(interp.initial_state(c), *m.find_transition("Start.swap.Start"), c);

    EXPECT_EQ(s.vars[1], 2);
    EXPECT_EQ(s.vars[2], 1);
}

TEST(Interpreter, ResetVolatileKeepsPersistentVariables) {
    Model m = load_valid(kCounter);
    Interpreter interp{m};
    Configuration c = config({3, 0, 0});
    ProductState s = interp.initial_state(c);
    s = interp.step(s, *m.find_transition("Start.tick.Start"), c);
    s = interp.step(s, *m.find_transition("Start.swap.Start"), c);

    ProductState after = interp.step(s, *m.find_transition("Start.forget.Start"), c);

    EXPECT_EQ(after.vars, (std::vector<Value>{1, 1, 2, 0}));
}

TEST(Interpreter, ResetAllAppliesBeforeAssignments) {
    Model m = load_valid(kCounter);
    Interpreter interp{m};
    Configuration c = config({3, 0, 0});
    ProductState s = interp.step(interp.initial_state(c), *m.find_transition("Start.swap.Start"), c);

    ProductState after = interp.step(s, *m.find_transition("Start.wipe.Start"), c);

    EXPECT_EQ(after.vars, (std::vector<Value>{2, 1, 2, 0}));
}

TEST(Interpreter, DurationsAreEvaluatedInTheProductState) {
    Model m = load_valid(kCounter);
    Interpreter interp{m};
    Configuration c = config({2, 1, 1});
    ProductState s = interp.initial_state(c);

    EXPECT_EQ(interp.duration(*m.find_transition("Start.tick.Start"), s, c), 5);
    EXPECT_EQ(interp.duration(*m.find_transition("Start.finish.Done"), s, c), 3);
    EXPECT_EQ(interp.duration(*m.find_transition("Start.swap.Start"), s, c), 0);
}

TEST(Interpreter, AnUpdateOutsideTheRangeIsAnEvalErrorWithItsLocation) {
    Model m = load_valid(R"(
model m;
parameter p: int[0..10];
var x: int[0..3] = 0 volatile;
state A initial goal;
event e: client;
A + e / x := x + p -> A;
)");
    Interpreter interp{m};
    Configuration c = config({5});

    try {
        interp.step(interp.initial_state(c), TransitionId{0U}, c);
        FAIL() << "expected EvalError";
    } catch (const EvalError& e) {
        EXPECT_STREQ(e.what(), "transition 'A.e.A' assigns 5 to 'x', outside its range int[0..3]");
        EXPECT_EQ(e.range().line, 7U);
        EXPECT_EQ(e.range().col, 9U);
    }
}

TEST(Interpreter, IntermediateResultsDoNotWrapButValuesMustFitInt64) {
    Model m = load_valid(R"(
model m;
parameter big: int[0..9223372036854775807];
var v: int[0..9223372036854775807] = 0 volatile;
state A initial goal;
event e: client;
A + e [big + big > big] / v := big + big - big -> A;
A + e [true] / v := big + big -> A;
)");
    Interpreter interp{m};
    Configuration c = config({9223372036854775807});
    ProductState s = interp.initial_state(c);

    ASSERT_EQ(interp.enabled_transitions(s, c).size(), 2U);
    EXPECT_EQ(interp.step(s, TransitionId{0U}, c).vars[0], 9223372036854775807);
    EXPECT_THROW(interp.step(s, TransitionId{1U}, c), EvalError);
}

TEST(Interpreter, AnInitialValueOutsideTheRangeIsAnEvalError) {
    Model m = load_valid(R"(
model m;
parameter p: int[0..10];
var x: int[0..3] = p persistent;
state A initial goal;
)");
    Interpreter interp{m};

    EXPECT_NO_THROW(interp.initial_state(config({3})));
    EXPECT_THROW(interp.initial_state(config({4})), EvalError);
}

TEST(Interpreter, AtStateAtomsNeedTheCurrentState) {
    Model m = load_valid(R"(
model m;
state A initial;
state B goal;
event e: client;
A + e -> B;
property p: invariant at(A) || B;
)");
    Interpreter interp{m};
    Configuration c;
    ProductState s = interp.initial_state(c);

    EXPECT_TRUE(interp.holds(m.properties[0].expr, c, s));
    EXPECT_THROW(interp.evaluate(*m.properties[0].expr, c, s.vars), EvalError);
}

TEST(Interpreter, ParsesConfigurationAssignments) {
    Model m = load_valid(kCounter);
    Interpreter interp{m};
    std::string error;

    auto values = interp.parse_assignment("limit=2, mode=Quick", error);

    ASSERT_EQ(values.size(), 3U);
    EXPECT_EQ(values[0], 2);
    EXPECT_FALSE(values[1].has_value());
    EXPECT_EQ(values[2], 1);
    EXPECT_TRUE(interp.parse_assignment("limit=4", error).empty());
    EXPECT_EQ(error, "invalid value '4' for parameter 'limit' of type int[0..3]");
    EXPECT_TRUE(interp.parse_assignment("speed=1", error).empty());
    EXPECT_EQ(error, "unknown parameter 'speed'");
    EXPECT_TRUE(interp.parse_assignment("fast", error).empty());
    EXPECT_EQ(error, "expected name=value, got 'fast'");
}

TEST(Interpreter, FormatsConfigurationsAndVariables) {
    Model m = load_valid(kCounter);
    Interpreter interp{m};
    Configuration c = config({2, 1, 1});

    EXPECT_EQ(interp.format_configuration(c), "limit=2, fast=true, mode=Quick");
    EXPECT_EQ(interp.format_vars(interp.initial_state(c).vars), "n=0, a=1, b=2, flag=true");
}

TEST(Interpreter, AConstantMeansWhatTheSameExpressionMeansInAGuard) {
    // One evaluator: intermediates are exact, only the value must fit in 64 bits, in a constant as in a guard.
    Model m = load_valid("model m;\nconst BIG = 9223372036854775807 + 1 - 1;\nparameter p: bool;\n"
                         "state A initial goal;\nstate B;\nevent e: client;\n"
                         "A + e [9223372036854775807 + 1 - 1 == BIG] -> B;\n");
    ASSERT_EQ(m.constants.size(), 1U);
    EXPECT_EQ(m.constants.front().value, std::numeric_limits<std::int64_t>::max());
    Interpreter interp{m};
    const Configuration c = config({0});
    EXPECT_TRUE(interp.enabled(*m.find_transition("A.e.B"), interp.initial_state(c), c));
}

}  // namespace
