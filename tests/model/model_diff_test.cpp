// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/model/model_diff.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "test_support.hpp"

namespace lwm2mc::model {
namespace {

using test::load_valid;

const char* const kBase = R"(model base;
parameter ci: bool;
var n: int[0..3] = 0 volatile;
state A initial;
state B goal;
state C;
event go: client;
event back: fault;
event stop: client;
A + go [ci] -> B;
A + go [!ci] / n := 1 -> C;
B + back -> A;
C + stop -> B;
* + stop -> A;
)";

std::string transition_name(const Model& m, std::optional<TransitionId> id) {
    return id ? m.transition(*id).name : std::string{"-"};
}

TEST(ModelDiff, IdenticalModelsHaveNoDifference) {
    const Model base = load_valid(kBase);
    const Model same = load_valid(kBase);

    const ModelDiff diff = diff_models(base, same);

    EXPECT_TRUE(diff.empty());
    EXPECT_EQ(diff.unchanged_transitions.size(), base.transition_count());
}

TEST(ModelDiff, ReportsAddedRemovedAndChangedStatesAndTransitions) {
    const Model base = load_valid(kBase);
    // C is removed (with its rows), D added; the guard of A + go -> B changes; B + back becomes a client step.
    const Model proposal = load_valid(R"(model proposal;
parameter ci: bool;
var n: int[0..3] = 0 volatile;
state A initial;
state B goal;
state D;
event go: client;
event back: client;
event stop: client;
A + go [ci || n > 0] -> B;
A + go -> D;
B + back -> A;
* + stop -> A;
)");

    const ModelDiff diff = diff_models(base, proposal);

    ASSERT_EQ(diff.states.size(), 2U);
    EXPECT_EQ(diff.states[0].kind, DiffKind::Removed);
    EXPECT_EQ(diff.states[0].name, "C");
    EXPECT_EQ(diff.states[1].kind, DiffKind::Added);
    EXPECT_EQ(diff.states[1].name, "D");
    std::vector<std::string> seen;
    for (const auto& t : diff.transitions) {
        std::string what;
        for (const auto& w : t.what) {
            what += " " + w;
        }
        seen.push_back(std::string{diff_kind_name(t.kind)} + " " + transition_name(base, t.base) + " " +
                       transition_name(proposal, t.proposal) + what);
    }
    const std::vector<std::string> expected{
        "changed A.go.B A.go.B guard",
        "removed A.go.C -",
        "changed B.back.A B.back.A actor",
        "removed C.stop.B -",
        "removed C.stop.A -",  // the `*` row's expansion from the removed state
        "added - A.go.D",
        "added - D.stop.A",  // the `*` row's expansion from the added state
    };
    EXPECT_EQ(seen, expected);
    EXPECT_EQ(diff.of_proposal(*proposal.find_transition("A.go.D"))->kind, DiffKind::Added);
    EXPECT_EQ(diff.of_base(*base.find_transition("A.go.C"))->kind, DiffKind::Removed);
    EXPECT_EQ(diff.of_proposal(*proposal.find_transition("A.stop.A")), nullptr);
    ASSERT_EQ(diff.declarations.size(), 1U);
    EXPECT_EQ(diff.declarations[0].element, "event");
    EXPECT_EQ(diff.declarations[0].name, "back");
    EXPECT_EQ(diff.declarations[0].base_text, "back: fault");
    EXPECT_EQ(diff.declarations[0].proposal_text, "back: client");
}

TEST(ModelDiff, PairsIdenticalRowsBeforeChangedOnesAmongSameEndpoints) {
    // Two rows A + go -> B that differ by guard; the proposal changes the second one only.
    const char* const two_rows = R"(model m;
parameter p: int[0..3];
state A initial;
state B goal;
event go: client;
A + go [p == 1] -> B;
A + go [p == 2] -> B;
)";
    const Model base = load_valid(two_rows);
    const Model proposal = load_valid(R"(model m;
parameter p: int[0..3];
state A initial;
state B goal;
event go: client;
A + go [p == 3] -> B;
A + go [p == 1] -> B;
)");

    const ModelDiff diff = diff_models(base, proposal);

    ASSERT_EQ(diff.transitions.size(), 1U);
    EXPECT_EQ(diff.transitions[0].kind, DiffKind::Changed);
    EXPECT_EQ(diff.transitions[0].base, TransitionId{std::size_t{1}});
    EXPECT_EQ(diff.transitions[0].proposal, TransitionId{std::size_t{0}});
    EXPECT_EQ(diff.transitions[0].what, std::vector<std::string>{"guard"});
    ASSERT_EQ(diff.unchanged_transitions.size(), 1U);
    EXPECT_EQ(diff.unchanged_transitions[0],
              std::make_pair(TransitionId{std::size_t{0}}, TransitionId{std::size_t{1}}));
}

TEST(ModelDiff, ShippedOverlayOnlyAddsAConstraint) {
    const Model base = test::load_file(LWM2MC_SPECS_DIR "/lwm2m-ts10-draft.lwm2m");
    auto loaded = load_with_overlay(LWM2MC_SPECS_DIR "/lwm2m-ts10-draft.lwm2m",
                                    LWM2MC_SPECS_DIR "/proposals/2017-0009-ci-with-si.lwm2m");
    ASSERT_TRUE(loaded.ok()) << format_diagnostics(loaded.diagnostics);

    const ModelDiff diff = diff_models(base, *loaded.model);

    EXPECT_TRUE(diff.states.empty());
    EXPECT_TRUE(diff.transitions.empty());
    ASSERT_EQ(diff.declarations.size(), 1U);
    EXPECT_EQ(diff.declarations[0].kind, DiffKind::Added);
    EXPECT_EQ(diff.declarations[0].element, "constraint");
    EXPECT_EQ(diff.declarations[0].name, "ci_with_si");
}

TEST(ModelDiff, OverlayWithRemovalReplacementAndAdditions) {
    const std::string dir = LWM2MC_TEST_DATA_DIR "/diagrams/";
    const Model base = test::load_file(dir + "config.lwm2m");
    auto loaded = load_with_overlay(dir + "config.lwm2m", dir + "proposal.lwm2m");
    ASSERT_TRUE(loaded.ok()) << format_diagnostics(loaded.diagnostics);
    const Model& proposal = *loaded.model;

    const ModelDiff diff = diff_models(base, proposal);

    ASSERT_EQ(diff.states.size(), 1U);
    EXPECT_EQ(diff.states[0].kind, DiffKind::Added);
    EXPECT_EQ(diff.states[0].name, "Sleeping");
    const auto count = [&](DiffKind k) {
        return std::count_if(diff.transitions.begin(), diff.transitions.end(),
                             [&](const TransitionDiff& t) { return t.kind == k; });
    };
    EXPECT_EQ(count(DiffKind::Removed), 1);  // HoldOff + write -> Pending
    EXPECT_EQ(count(DiffKind::Changed), 1);  // HoldOff + expired: guard
    // Registered + sleep, Sleeping + wake_up, and the `*` row's new expansion Sleeping + power_cycle.
    EXPECT_EQ(count(DiffKind::Added), 3);
    const auto* changed = diff.of_base(*base.find_transition("HoldOff.expired.Requesting"));
    ASSERT_NE(changed, nullptr);
    EXPECT_EQ(changed->what, std::vector<std::string>{"guard"});
    EXPECT_EQ(diff.declarations.size(), 3U);  // constraint needs_ci, events sleep and wake_up
}

TEST(ModelDiff, ReportsChangedTypesRegionsAndTheGoalCondition) {
    const char* const base_text = R"(model base;
type Status = enum { Off, On };
var status: Status = Off volatile;
state A initial;
state B goal;
event go: client;
event up: client;
A + go / status := On -> B;
region conn { state Down initial; state Up goal; Down + up -> Up; }
goal status == On;
)";
    const Model base = load_valid(base_text);
    // Only the written declarations change: a literal added to the type, the region's goal mark moved, the goal
    // condition widened. A verdict that compared only states and rows would hide all three.
    std::string proposal_text = base_text;
    const auto change = [&](const std::string& from, const std::string& to) {
        const auto at = proposal_text.find(from);
        ASSERT_NE(at, std::string::npos) << from;
        proposal_text.replace(at, from.size(), to);
    };
    change("model base;", "model proposal;");
    change("enum { Off, On }", "enum { Off, On, Sleeping }");
    change("state Down initial; state Up goal;", "state Down initial goal; state Up;");
    change("goal status == On;", "goal status == On || status == Sleeping;");
    const Model proposal = load_valid(proposal_text);

    const ModelDiff diff = diff_models(base, proposal);

    std::vector<std::string> seen;
    for (const auto& d : diff.declarations) {
        seen.push_back(std::string{diff_kind_name(d.kind)} + " " + d.element + " " + d.name + ": " + d.base_text +
                       " -> " + d.proposal_text);
    }
    EXPECT_EQ(seen, (std::vector<std::string>{
                        "changed type Status: Status = enum { Off, On } -> Status = enum { Off, On, Sleeping }",
                        "changed region conn: conn { Down initial, Up goal } -> conn { Down initial goal, Up }",
                        "changed goal goal: status == On -> status == On || status == Sleeping",
                    }));
    EXPECT_TRUE(diff.states.empty());

    const ModelDiff none = diff_models(base, load_valid(base_text));
    EXPECT_TRUE(none.empty());
}

TEST(ModelDiff, ReportsAnAddedOrRemovedGoalCondition) {
    const Model with = load_valid("model m; state A initial; state B goal; event go: client; var x: bool = false "
                                  "volatile; A + go / x := true -> B; goal x;");
    const Model without = load_valid("model m; state A initial; state B goal; event go: client; var x: bool = "
                                     "false volatile; A + go / x := true -> B;");

    const ModelDiff added = diff_models(without, with);
    ASSERT_EQ(added.declarations.size(), 1U);
    EXPECT_EQ(added.declarations[0].kind, DiffKind::Added);
    EXPECT_EQ(added.declarations[0].element, "goal");
    EXPECT_EQ(added.declarations[0].proposal_text, "x");
    const ModelDiff removed = diff_models(with, without);
    ASSERT_EQ(removed.declarations.size(), 1U);
    EXPECT_EQ(removed.declarations[0].kind, DiffKind::Removed);
}

}  // namespace
}  // namespace lwm2mc::model
