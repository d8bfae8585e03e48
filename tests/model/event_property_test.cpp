// SPDX-License-Identifier: Apache-2.0
// Event properties as monitors (docs/semantics.md, "Event properties"): the instrumented copy
// keeps the original's transitions, and its invariant fails exactly after a violating step.

#include "lwm2mc/model/commands.hpp"
#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/monitor.hpp"
#include "lwm2mc/model/printer.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "test_support.hpp"

namespace {

using namespace lwm2mc;

/// One state, one self-loop per event (in this order), and the given property. The loop on
/// event `x` is the transition named "A.x.A"; its duration is `after` when given.
model::Model loop_model(const std::string& property, const std::string& after = "") {
    std::string text = "model m;\nstate A initial goal;\n";
    for (const char* e : {"a", "b", "c", "d"}) {
        text += fmt::format("event {}: client;\nA + {} -> A{};\n", e, e, std::string(e) == "d" ? after : "");
    }
    return test::load_valid(text + property + "\n");
}

/// Runs the events in order on the instrumented copy; returns after how many steps its
/// invariant first fails (0: never).
std::size_t first_violation(const model::Model& original, const std::vector<std::string>& events) {
    model::Model m = model::instrument_event_properties(original);
    model::Interpreter interp{m};
    model::Configuration config;
    model::ProductState s = interp.initial_state(config);
    for (std::size_t i = 0; i < events.size(); ++i) {
        auto id = m.find_transition("A." + events[i] + ".A");
        EXPECT_TRUE(id) << events[i];
        s = interp.step(s, *id, config);
        if (!interp.holds(m.properties.back().expr, config, s)) {
            return i + 1;
        }
    }
    return 0;
}

TEST(EventPropertyNextIs, HoldsWhenTheNextEventOfTheScopeIsAllowed) {
    model::Model m = loop_model("property p: after a next {b, c} is b;");

    EXPECT_EQ(first_violation(m, {"a", "d", "b", "c", "a", "a", "b"}), 0U);
    EXPECT_EQ(first_violation(m, {"c", "c", "b"}), 0U);  // before any a: no obligation
}

TEST(EventPropertyNextIs, FailsAtTheFirstDisallowedEventOfTheScope) {
    model::Model m = loop_model("property p: after a next {b, c} is b;");

    EXPECT_EQ(first_violation(m, {"a", "d", "c"}), 3U);
    EXPECT_EQ(first_violation(m, {"a", "b", "c", "a", "c"}), 5U);
}

TEST(EventPropertyNextIs, ATriggerInTheScopeDischargesAndRearms) {
    model::Model m = loop_model("property p: after {a, b} next {b, c} is b;");

    EXPECT_EQ(first_violation(m, {"a", "b", "c"}), 3U);  // b answers a, then arms again
    EXPECT_EQ(first_violation(m, {"c", "a", "b", "b"}), 0U);
}

TEST(EventPropertyNeverBefore, FailsOnlyBeforeTheFirstEventOfTheSecondSet) {
    model::Model m = loop_model("property p: never {a, c} before b;");

    EXPECT_EQ(first_violation(m, {"d", "c"}), 2U);
    EXPECT_EQ(first_violation(m, {"b", "a", "c"}), 0U);
    EXPECT_EQ(first_violation(m, {"d", "d", "a"}), 3U);
}

TEST(EventPropertyRespond, CountsTheDurationsSinceTheOldestUnansweredTrigger) {
    model::Model m = loop_model("property p: after a respond b within 10;", " after 4");

    EXPECT_EQ(first_violation(m, {"a", "d", "d", "b"}), 0U);       // 8 s
    EXPECT_EQ(first_violation(m, {"a", "d", "a", "d", "d"}), 5U);  // 12 s since the first a
    EXPECT_EQ(first_violation(m, {"d", "d", "d", "a", "b", "d", "d", "d"}), 0U);
}

TEST(EventPropertyRespond, CountsTheDurationOfTheAnsweringTransition) {
    model::Model m = loop_model("property p: after a respond d within 3;", " after 4");

    EXPECT_EQ(first_violation(m, {"a", "d"}), 2U);
    EXPECT_EQ(first_violation(m, {"d", "b", "c"}), 0U);
}

TEST(EventPropertyInstrumentation, KeepsTransitionsAndHidesItsGhostVariables) {
    model::Model m = test::load_valid(R"(
model m;
var n: int[0..3] = 0 volatile;
state A initial goal;
event a: client;
event b: client;
event c: client;
A + a [n < 3] / n := n + 1 -> A;
A + b / reset all -> A;
A + c -> A;
property p: after a next c is c;
)");

    model::Model inst = model::instrument_event_properties(m);

    ASSERT_EQ(inst.transition_count(), m.transition_count());
    for (std::size_t i = 0; i < m.transition_count(); ++i) {
        const auto& t = m.transition(model::TransitionId{i});
        const auto& u = inst.transition(model::TransitionId{i});
        EXPECT_EQ(u.name, t.name);
        EXPECT_EQ(u.source, t.source);
        EXPECT_EQ(u.target, t.target);
        EXPECT_EQ(u.guard, t.guard);
    }
    EXPECT_TRUE(inst.event_properties.empty());
    ASSERT_EQ(inst.properties.size(), 1U);
    EXPECT_EQ(inst.properties.front().name, "p");
    EXPECT_EQ(inst.properties.front().event_pattern, "after a next c is c");
    ASSERT_EQ(inst.variables.size(), 3U);
    EXPECT_TRUE(inst.variables[1].ghost && inst.variables[2].ghost);
    model::Interpreter interp{inst};
    model::Configuration config;
    auto s = interp.initial_state(config);
    EXPECT_EQ(interp.format_vars(s.vars), "n=0");
    // `reset all` keeps the monitor: after a, the reset on b leaves the obligation armed
    s = interp.step(s, model::TransitionId{0U}, config);
    s = interp.step(s, model::TransitionId{1U}, config);
    EXPECT_EQ(s.vars[0], 0);
    EXPECT_EQ(s.vars[2], 1);
    EXPECT_TRUE(interp.holds(inst.properties.front().expr, config, s));
}

TEST(EventPropertySyntax, RoundTripsThroughTheFormatter) {
    const std::string text = R"(model m;

property p1: after a next {b, c} is b;
property p2: never {a, c} before b;
property p3: after {a, b} respond c within 2 * T + 1 "doc";
)";

    model::FormatResult r = model::format_source(text, "t.lwm2m");

    ASSERT_TRUE(r.text);
    EXPECT_EQ(*r.text, text);
}

TEST(EventPropertySyntax, PrintsAOneEventSetWithoutBraces) {
    model::FormatResult r = model::format_source("model m;\nproperty p: never {a} before {b, c};\n", "t.lwm2m");

    ASSERT_TRUE(r.text);
    EXPECT_EQ(*r.text, "model m;\nproperty p: never a before {b, c};\n");
}

TEST(EventPropertySyntax, ShowsInModelSyntax) {
    model::Model m = loop_model("const T = 4;\nproperty p: after {a, b} respond c within T * 2;");

    ASSERT_EQ(m.event_properties.size(), 1U);
    EXPECT_EQ(m.event_properties.front().bound, 8);
    EXPECT_EQ(model::format_event_property(m, m.event_properties.front()), "after {a, b} respond c within T * 2");
}

TEST(EventPropertySyntax, ShowJsonListsThemWithKindEvent) {
    model::Model m =
        loop_model("property p: after {a, b} respond c within 3 \"in time\";\nproperty q: never a before d;");

    const auto doc = nlohmann::json::parse(model::model_to_json(m));

    ASSERT_EQ(doc["properties"].size(), 2U);
    const auto& p = doc["properties"][0];
    EXPECT_EQ(p["name"], "p");
    EXPECT_EQ(p["kind"], "event");
    EXPECT_EQ(p["pattern"], "after {a, b} respond c within 3");
    EXPECT_EQ(p["trigger"], (nlohmann::json{"a", "b"}));
    EXPECT_EQ(p["scope"], (nlohmann::json{"c"}));
    EXPECT_EQ(p["bound"], 3);
    EXPECT_EQ(p["doc"], "in time");
    EXPECT_TRUE(doc["properties"][1]["bound"].is_null());
}

TEST(EventPropertyArrays, EventSetsNameArrayElementsAlsoUnderAFor) {
    model::Model m = test::load_valid(R"(model m;
const N = 2;
state A initial goal;
event reg[N]: client;
event fail[N]: fault;
for i in 1..N { A + reg[i] -> A; A + fail[i] -> A; }
for i in 1..N: property p: after fail[i] next {reg[1], reg[2]} is reg[i];
property q: never fail[2] before reg[ 1 + 1 ];
)");

    ASSERT_EQ(m.event_properties.size(), 3U);
    EXPECT_EQ(m.event_properties[0].name, "p[1]");
    EXPECT_EQ(model::format_event_property(m, m.event_properties[0]), "after fail[1] next {reg[1], reg[2]} is reg[1]");
    EXPECT_EQ(model::format_event_property(m, m.event_properties[1]), "after fail[2] next {reg[1], reg[2]} is reg[2]");
    EXPECT_EQ(model::format_event_property(m, m.event_properties[2]), "never fail[2] before reg[2]");
}

TEST(EventPropertyArrays, AnElementOutOfRangeOrAWholeArrayIsAnError) {
    const std::string decls = "model m;\nstate A initial;\nevent e[2]: client;\nA + e[1] -> A;\n";

    EXPECT_EQ(test::diagnostics_of(decls + "property p: never e[3] before e[1];\n"),
              "test.lwm2m:5:21: error: index 3 is out of range for 'e' (1..2) [E052]\n");
    EXPECT_NE(test::diagnostics_of(decls + "property p: never e before e[1];\n").find("[E053]"), std::string::npos);
}

TEST(EventPropertyArrays, RoundTripThroughTheFormatter) {
    const std::string text = "model m;\n\nfor i in 1..N: property p: after fail[i] next {reg[i], boot} is reg[i];\n";

    model::FormatResult r = model::format_source(text, "t.lwm2m");

    ASSERT_TRUE(r.text);
    EXPECT_EQ(*r.text, text);
}

}  // namespace
