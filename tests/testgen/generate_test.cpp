// SPDX-License-Identifier: Apache-2.0
// Test generation on hand-made models whose answers are known, and on the shipped model.

#include "lwm2mc/model/loader.hpp"
#include "lwm2mc/testgen/render.hpp"
#include "lwm2mc/testgen/suite.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

#include "../model/test_support.hpp"

namespace {

using namespace lwm2mc;
using testgen::Criterion;
using testgen::GenerateOptions;

GenerateOptions options_for(const model::Model& m, Criterion criterion, const std::string& config = "") {
    GenerateOptions o;
    o.criterion.kind = criterion;
    std::string error;
    o.fixed = model::Interpreter(m).parse_assignment(config, error);
    EXPECT_EQ(error, "");
    return o;
}

testgen::SuiteSet generate_ok(const model::Model& m, const GenerateOptions& o) {
    auto r = testgen::generate(m, o);
    EXPECT_TRUE(r.ok()) << model::format_diagnostics(r.errors);
    if (!r.ok()) {
        throw std::runtime_error("generation failed");
    }
    return std::move(*r.suites);
}

/// Every main step continues where the previous one ended, from the initial product state.
void expect_runs(const testgen::Suite& s) {
    for (const auto& c : s.cases) {
        std::uint32_t at = 0;
        for (std::size_t i = 0; i < c.steps.size(); ++i) {
            const auto& e = s.graph.edges[c.steps[i].edge];
            ASSERT_EQ(e.source, at) << c.name << " step " << i;
            at = e.target;
            for (const auto& alt : c.steps[i].alternatives) {
                EXPECT_EQ(s.graph.edges[alt.edge].source, e.source);
                if (!alt.rejoin) {
                    continue;
                }
                // the continuation leads from the alternative's target to the step it rejoins
                ASSERT_GT(*alt.rejoin, i);
                std::uint32_t x = alt.reset ? 0 : s.graph.edges[alt.edge].target;
                for (const auto& t : alt.then) {
                    ASSERT_EQ(s.graph.edges[t.edge].source, x);
                    x = s.graph.edges[t.edge].target;
                }
                EXPECT_EQ(x, s.graph.edges[c.steps[*alt.rejoin].edge].source);
            }
        }
    }
}

std::set<std::uint32_t> edges_walked(const testgen::Suite& s) {
    std::set<std::uint32_t> walked;
    for (const auto& c : s.cases) {
        for (const auto& st : c.steps) {
            walked.insert(st.edge);
        }
    }
    return walked;
}

const char* const kDeterministic = R"(
model det;
state Idle initial;
state Requesting;
state Done goal;
state Failed;
event start: client;
event ok: response;
event reject: fault;
event retry: client;
event reboot: operator;
Idle + start -> Requesting;
Requesting + ok -> Done;
Requesting + reject -> Failed;
Failed + retry -> Requesting after 30;
Done + reboot -> Idle;
)";

TEST(Generate, DeterministicModelGetsAnOptimalTourThatCoversEveryTransition) {
    auto m = test::load_valid(kDeterministic);

    auto set = generate_ok(m, options_for(m, Criterion::Transitions));

    ASSERT_EQ(set.suites.size(), 1U);
    const auto& s = set.suites[0];
    EXPECT_TRUE(s.deterministic);
    EXPECT_EQ(s.statistics.targets, 5U);
    EXPECT_EQ(s.statistics.covered, 5U);
    EXPECT_EQ(edges_walked(s).size(), s.graph.edges.size());
    // Idle->Requesting->Failed->Requesting->Done->Idle->Requesting->... : start, reject, retry, ok, reboot is a cycle
    EXPECT_EQ(s.statistics.length, 5U);
    EXPECT_EQ(s.statistics.length, s.statistics.lower_bound);
    EXPECT_EQ(s.statistics.choice_points, 0U);
    expect_runs(s);
}

TEST(Generate, StepsCarryTheirKindAndDuration) {
    auto m = test::load_valid(kDeterministic);

    auto set = generate_ok(m, options_for(m, Criterion::Transitions));
    auto doc = nlohmann::json::parse(testgen::render_json(m, set));

    bool saw_retry = false;
    for (const auto& step : doc["suites"][0]["cases"][0]["steps"]) {
        if (step["event"] == "retry") {
            saw_retry = true;
            EXPECT_EQ(step["kind"], "await");
            EXPECT_EQ(step["duration_s"], 30);
            EXPECT_EQ(step["location"], "test.lwm2m:15:1");
        }
        if (step["event"] == "ok") {
            EXPECT_EQ(step["kind"], "stimulus");
        }
    }
    EXPECT_TRUE(saw_retry);
    EXPECT_EQ(doc["format"], "lwm2mc-suite/1");
}

TEST(Generate, ResetCostDecidesBetweenWalkingBackAndRestarting) {
    auto m = test::load_valid(R"(
model fork;
state A initial goal;
state B;
state C;
state D;
event left: operator;
event right: operator;
event back: operator;
A + left -> B;
A + right -> C;
B + back -> D;
D + back -> A;
)");
    auto cheap = options_for(m, Criterion::Transitions);
    auto dear = cheap;
    dear.reset_cost = 10;

    auto with_reset = generate_ok(m, cheap).suites[0];
    auto without = generate_ok(m, dear).suites[0];

    // left, back, back, right (4 steps) either way; the reset only helps when it is cheaper than the walk back
    EXPECT_EQ(with_reset.statistics.length, with_reset.statistics.lower_bound);
    EXPECT_EQ(without.statistics.length, without.statistics.lower_bound);
    EXPECT_EQ(without.statistics.resets, 0U);
    EXPECT_EQ(without.statistics.length, 4U);
}

const char* const kChoice = R"(
model choice;
state Idle initial;
state Deciding;
state Left;
state Right;
state Done goal;
event go: operator;
event decide: choice;
event finish: response;
event again: operator;
Idle + go -> Deciding;
Deciding + decide -> Left;
Deciding + decide -> Right;
Left + finish -> Done;
Right + finish -> Done;
Done + again -> Idle;
)";

TEST(Generate, AClientChoiceBecomesAnUnavoidableBranchWithAContinuation) {
    auto m = test::load_valid(kChoice);

    auto set = generate_ok(m, options_for(m, Criterion::Transitions));

    const auto& s = set.suites[0];
    EXPECT_FALSE(s.deterministic);
    expect_runs(s);
    std::size_t branches = 0;
    for (const auto& c : s.cases) {
        for (std::size_t i = 0; i < c.steps.size(); ++i) {
            const auto& e = s.graph.edges[c.steps[i].edge];
            if (m.events[m.transition(e.transition).event.index()].name != "decide") {
                continue;
            }
            ASSERT_EQ(c.steps[i].alternatives.size(), 1U);
            const auto& alt = c.steps[i].alternatives[0];
            EXPECT_TRUE(alt.unavoidable);
            EXPECT_NE(s.graph.edges[alt.edge].target, e.target);
            // the other branch finishes and comes back to a later step of the plan, except at the last
            // choice, where only the choice itself could lead back to what is left of the plan
            if (branches == 0) {
                ASSERT_TRUE(alt.rejoin.has_value());
                EXPECT_FALSE(alt.reset);
            }
            ++branches;
        }
    }
    EXPECT_EQ(branches, 2U);  // both branches are planned once, each with the other as alternative
    // the tester cannot force either branch, nor what follows them; it can force go and again
    std::set<std::string> dependent;
    for (const auto& n : s.client_dependent) {
        dependent.insert(n.target.substr(0, n.target.find(' ')));
    }
    EXPECT_EQ(dependent, (std::set<std::string>{"Deciding.decide.Left", "Deciding.decide.Right", "Left.finish.Done",
                                                "Right.finish.Done"}));
    EXPECT_EQ(s.statistics.choice_points, 2U);
    EXPECT_EQ(s.statistics.length, s.statistics.lower_bound);
    EXPECT_GE(s.statistics.worst_case_length, s.statistics.length);
}

TEST(Generate, ABranchIntoADeadEndRejoinsThePlanAfterAReset) {
    auto m = test::load_valid(R"(
model dead_end;
state A initial;
state B;
state C goal;
state D final;
state E;
event go: operator;
event pick: choice;
event on: operator;
event side: operator;
event ret: operator;
A + go -> B;
B + pick -> C;
B + pick -> D;
C + on -> A;
A + side -> E;
E + ret -> A;
)");

    auto set = generate_ok(m, options_for(m, Criterion::Transitions));

    const auto& s = set.suites[0];
    expect_runs(s);
    std::size_t resets = 0;
    for (const auto& c : s.cases) {
        for (const auto& step : c.steps) {
            for (const auto& alt : step.alternatives) {
                if (s.graph.states[s.graph.edges[alt.edge].target].state == *m.find_state("D") && alt.rejoin) {
                    EXPECT_TRUE(alt.reset);  // nothing leaves D: only a reset leads back
                    ++resets;
                }
            }
        }
    }
    EXPECT_EQ(resets, 1U);
    auto doc = nlohmann::json::parse(testgen::render_json(m, set));
    EXPECT_NE(doc.dump().find("\"reset\":true"), std::string::npos);
}

TEST(Generate, AStimulusThatRacesTheClientListsTheRaceAsAvoidable) {
    auto m = test::load_valid(R"(
model race;
state A initial;
state B;
state C goal;
event poke: server_initiative;
event act: client;
A + poke -> B;
A + act -> C;
B + act -> A;
C + act -> A;
)");

    auto set = generate_ok(m, options_for(m, Criterion::Transitions));

    const auto& s = set.suites[0];
    EXPECT_TRUE(s.deterministic);
    bool saw_race = false;
    for (const auto& c : s.cases) {
        for (const auto& step : c.steps) {
            if (s.graph.edges[step.edge].stimulus) {
                ASSERT_EQ(step.alternatives.size(), 1U);
                EXPECT_FALSE(step.alternatives[0].unavoidable);
                saw_race = true;
            }
        }
    }
    EXPECT_TRUE(saw_race);
}

TEST(Generate, ParametersTheGuardsDoNotDistinguishShareAClass) {
    auto m = test::load_valid(R"(
model classes;
parameter fast: bool;
parameter unused: bool;
parameter delay: int[0..100000];
state A initial;
state B goal;
event e: client;
event f: operator;
A + e [fast] -> B after delay;
A + f -> B;
B + f -> A;
)");

    auto set = generate_ok(m, options_for(m, Criterion::Transitions));

    ASSERT_EQ(set.suites.size(), 2U);  // fast=false and fast=true; unused and delay do not matter
    for (const auto& s : set.suites) {
        EXPECT_EQ(s.class_size, 1U);
        ASSERT_EQ(s.timing_parameters.size(), 1U);
        EXPECT_EQ(m.parameters[s.timing_parameters[0].index()].name, "delay");
    }
    EXPECT_NE(set.suites[1].class_description.find("fast=true"), std::string::npos);
}

TEST(Generate, StatesAndTransitionPairsCoverTheirTargets) {
    auto m = test::load_valid(kChoice);

    auto states = generate_ok(m, options_for(m, Criterion::States)).suites[0];
    auto pairs = generate_ok(m, options_for(m, Criterion::TransitionPairs)).suites[0];

    std::set<std::uint32_t> visited{0};
    for (const auto& c : states.cases) {
        for (const auto& st : c.steps) {
            visited.insert(states.graph.edges[st.edge].target);
        }
    }
    EXPECT_EQ(visited.size(), states.graph.states.size());
    std::set<std::pair<std::uint32_t, std::uint32_t>> walked;
    for (const auto& c : pairs.cases) {
        for (std::size_t i = 1; i < c.steps.size(); ++i) {
            walked.emplace(c.steps[i - 1].edge, c.steps[i].edge);
        }
    }
    EXPECT_EQ(walked.size(), pairs.statistics.targets);
    EXPECT_EQ(pairs.statistics.covered, pairs.statistics.targets);
    EXPECT_EQ(pairs.statistics.length, pairs.statistics.lower_bound);
    expect_runs(pairs);
}

TEST(Generate, ScenarioFilesFollowTheModelOrSayWhereThey) {
    auto m = test::load_valid(kChoice);
    std::vector<model::Diagnostic> errors;

    auto ok = testgen::parse_scenarios(m, "# the left way\ngo\ndecide -> Left\nfinish\n\ngo\n", "s.txt", errors);
    auto bad = testgen::parse_scenarios(m, "go\ndecid\n", "s.txt", errors);

    ASSERT_EQ(ok.size(), 2U);
    EXPECT_EQ(ok[0].purpose, "the left way");
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_EQ(model::format_diagnostics(errors), "s.txt:2:1: error: unknown event 'decid' [G003]\n");

    auto o = options_for(m, Criterion::Paths);
    o.scenarios = ok;
    auto set = generate_ok(m, o);
    ASSERT_EQ(set.suites[0].cases.size(), 2U);
    EXPECT_EQ(set.suites[0].cases[0].steps.size(), 3U);

    errors.clear();
    o.scenarios = testgen::parse_scenarios(m, "go\ndecide\n", "s.txt", errors);
    auto ambiguous = testgen::generate(m, o);
    ASSERT_FALSE(ambiguous.ok());
    EXPECT_EQ(model::format_diagnostics(ambiguous.errors),
              "s.txt:2:1: error: event 'decide' may lead to several states from Deciding []; write '-> State' "
              "[G005]\n");

    o.scenarios = testgen::parse_scenarios(m, "finish\n", "s.txt", errors);
    auto impossible = testgen::generate(m, o);
    ASSERT_FALSE(impossible.ok());
    EXPECT_NE(model::format_diagnostics(impossible.errors)
                  .find("s.txt:1:1: error: event 'finish' is not enabled in "
                        "Idle [] under this configuration; the model allows: "
                        "go -> Deciding"),
              std::string::npos);
}

TEST(Generate, ExcludedStimuliAreReportedAndClientEventsCannotBeExcluded) {
    auto m = test::load_valid(kDeterministic);
    auto o = options_for(m, Criterion::Transitions);

    o.limits.excluded_events = {*m.find_event("reject")};
    auto set = generate_ok(m, o);
    o.limits.excluded_events = {*m.find_event("retry")};
    auto refused = testgen::generate(m, o);

    const auto& nc = set.suites[0].not_covered;
    ASSERT_EQ(nc.size(), 2U);  // the excluded transition and the retry behind it
    EXPECT_EQ(nc[0].target, "Requesting.reject.Failed");
    EXPECT_EQ(nc[0].reason, "its event is excluded (--exclude-events)");
    EXPECT_EQ(nc[1].reason,
              "reached only through stimuli the tester cannot produce (--exclude-events, --urgent-states)");
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.errors[0].message.find("cannot be excluded"), std::string::npos);
}

TEST(Generate, StimuliInUrgentStatesAreNotPlannedButReported) {
    auto m = test::load_valid(R"(
model urgent;
state Boot initial;
state Up goal;
event boot: client;
event power: operator;
Boot + boot -> Up;
* + power -> Boot;
)");
    auto o = options_for(m, Criterion::Transitions);

    auto plain = generate_ok(m, o).suites[0];
    o.limits.urgent_states = {*m.find_state("Boot")};
    auto urgent = generate_ok(m, o).suites[0];

    EXPECT_EQ(plain.statistics.targets, 3U);
    EXPECT_EQ(urgent.statistics.targets, 2U);  // the power cycle while booting is left out
    ASSERT_EQ(urgent.not_covered.size(), 1U);
    EXPECT_EQ(urgent.not_covered[0].target, "Boot.power.Boot");
    EXPECT_EQ(urgent.not_covered[0].reason, "a stimulus in 'Boot', which the client leaves at once (--urgent-states)");
    EXPECT_EQ(urgent.statistics.length, urgent.statistics.lower_bound);
}

TEST(Generate, RefusesAProductGraphPastTheLimitInsteadOfHanging) {
    auto m = test::load_valid(R"(
model big;
var n: int[0..1000000] = 0;
state A initial goal;
event inc: operator;
A + inc [n < 1000000] / n := n + 1 -> A;
)");
    auto o = options_for(m, Criterion::Transitions);
    o.max_product_states = 1000;

    auto r = testgen::generate(m, o);

    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.errors[0].message.find("more than 1000 states"), std::string::npos);
}

TEST(Generate, FindingsCriterionFollowsTheGivenWitnesses) {
    auto m = test::load_valid(kDeterministic);
    auto o = options_for(m, Criterion::Findings);
    o.findings = [&](const model::Configuration&) {
        testgen::Scenario sc{"no-recovery:Failed", "reach Failed", {}, {}};
        for (const char* t : {"Idle.start.Requesting", "Requesting.reject.Failed"}) {
            sc.steps.push_back({std::nullopt, std::nullopt, m.find_transition(t), {}});
        }
        testgen::Scenario none{"unreachable-state:X", "", {}, {}};
        return std::vector<testgen::Scenario>{sc, none};
    };

    auto set = generate_ok(m, o);

    const auto& s = set.suites[0];
    ASSERT_EQ(s.cases.size(), 1U);
    EXPECT_EQ(s.cases[0].steps.size(), 2U);
    EXPECT_EQ(s.cases[0].steps.back().covers, std::vector<std::string>{"no-recovery:Failed"});
    ASSERT_EQ(s.not_covered.size(), 1U);
    EXPECT_EQ(s.not_covered[0].target, "unreachable-state:X");
}

TEST(Generate, RecoverScenariosAimAtTheGoalConditionRelyingOnQualifiedActors) {
    auto m = test::load_valid(R"(model m;
var up: bool = false volatile;
state Init initial;
state Ready;
event boot: client;
event bs_ok: response(bs);
event reg_ok: response(server);
Init + boot -> Ready;
Ready + reg_ok [!up] / up := true -> Ready;
Ready + bs_ok [!up] -> Init;
goal at(Ready) && up;
property via_server: recover from at(Ready) relying on {client, response(server)};
property via_bs: recover from at(Ready) relying on {client, response(bs)};
)");
    auto set = generate_ok(m, options_for(m, Criterion::Properties));

    const auto& s = set.suites[0];
    ASSERT_EQ(s.not_covered.size(), 1U);
    EXPECT_EQ(s.not_covered[0].target, "via_bs");
    bool covered = false;
    for (const auto& c : s.cases) {
        for (const auto& step : c.steps) {
            covered = covered || std::find(step.covers.begin(), step.covers.end(), "via_server") != step.covers.end();
        }
    }
    EXPECT_TRUE(covered);
}

const model::Model& shipped() {
    static const model::Model m = test::load_file(std::string(LWM2MC_SPECS_DIR) + "/lwm2m-ts10-draft.lwm2m");
    return m;
}

TEST(Generate, ShippedModelEveryClassCoversEveryReachableTransitionAtTheBound) {
    const auto& m = shipped();

    auto set = generate_ok(m, options_for(m, Criterion::Transitions, "hold_off=0"));

    EXPECT_EQ(set.suites.size(), 22U);  // 30 configurations (at least one bootstrap mode) fall into 22 classes
    std::uint64_t members = 0;
    for (const auto& s : set.suites) {
        members += s.class_size;
        EXPECT_EQ(edges_walked(s).size(), s.graph.edges.size()) << s.class_description;
        EXPECT_EQ(s.statistics.length, s.statistics.lower_bound) << s.class_description;
        expect_runs(s);
        // every model transition is walked or reported with a reason
        std::set<std::uint32_t> transitions;
        for (auto e : edges_walked(s)) {
            transitions.insert(s.graph.edges[e].transition.value);
        }
        EXPECT_EQ(transitions.size() + s.not_covered.size(), m.transition_count()) << s.class_description;
    }
    EXPECT_EQ(members, 30U);
}

TEST(Generate, ShippedModelHoldOffIsATimingParameter) {
    const auto& m = shipped();

    auto set = generate_ok(m, options_for(m, Criterion::Transitions,
                                          "factory=false,smartcard=false,client_initiated=true,server_initiated=false,"
                                          "supports_factory_reset=true"));
    auto doc = nlohmann::json::parse(testgen::render_json(m, set));

    ASSERT_EQ(set.suites.size(), 1U);
    EXPECT_EQ(doc["suites"][0]["timing_parameters"], nlohmann::json::array({"hold_off"}));
    bool saw = false;
    for (const auto& c : doc["suites"][0]["cases"]) {
        for (const auto& step : c["steps"]) {
            if (step["event"] == "hold_off_expired") {
                EXPECT_EQ(step["duration_expr"], "hold_off");
                saw = true;
            }
            if (step["event"] == "exchange_lifetime_expired") {
                EXPECT_EQ(step["duration_s"], 247);
            }
        }
    }
    EXPECT_TRUE(saw);
}

}  // namespace
