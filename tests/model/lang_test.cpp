// SPDX-License-Identifier: Apache-2.0
// Named enum types, goal declarations and actors qualified by peer (issue 14), in the loader and printer.

#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/model.hpp"
#include "lwm2mc/model/printer.hpp"
#include "lwm2mc/model/promela.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace {

using namespace lwm2mc::model;
using lwm2mc::test::diagnostics_of;
using lwm2mc::test::load_valid;

constexpr const char* kTwoServers = R"(model two;
type Status = enum { Idle, Registered, Failed };
var status1: Status = Idle volatile;
var status2: Status = Registered volatile;
parameter first: Status;
state Init initial;
state Ready;
event boot: client;
event reg_ok: response(server);
event bs_ok: response(bs);
Init + boot -> Ready;
Ready + reg_ok [status1 == first] / status1 := status2 -> Ready;
Ready + bs_ok / status2 := Failed -> Ready by fault(bs);
goal at(Ready) && status1 == Registered;
property p: recover relying on {client, response(server)};
)";

TEST(NamedEnumType, IsOneEnumerationSharedByEveryUse) {
    Model m = load_valid(kTwoServers);

    ASSERT_EQ(m.enums.size(), 1U);
    EXPECT_EQ(m.enums[0].name, "Status");
    EXPECT_TRUE(m.enums[0].named);
    EXPECT_TRUE(m.variables[0].type.compatible(m.variables[1].type));
    EXPECT_TRUE(m.variables[0].type.compatible(m.parameters[0].type));
    EXPECT_EQ(m.format_type(m.variables[0].type), "Status");
}

TEST(NamedEnumType, MessagesNameTheType) {
    std::string d = diagnostics_of(R"(model m;
type Status = enum { Idle, Registered };
type Mode = enum { Udp, Tcp };
var s: Status = Udp volatile;
state A initial goal;
)");
    EXPECT_NE(d.find("expected enum 'Status'; got enum 'Mode'"), std::string::npos) << d;
}

TEST(NamedEnumType, InlineEnumsKeepTheirOwnType) {
    std::string d = diagnostics_of(R"(model m;
var a: enum { X, Y } = X volatile;
var b: enum { Z } = Z volatile;
state A initial goal;
event e: client;
A + e / a := b -> A;
)");
    EXPECT_NE(d.find("[E020]"), std::string::npos) << d;
}

TEST(NamedEnumType, AnUnknownTypeIsE061WithASuggestion) {
    std::string d = diagnostics_of("model m;\ntype Status = enum { A1 };\nvar s: Stats = A1 volatile;\n"
                                   "state A initial goal;\n");
    EXPECT_NE(d.find("unknown type 'Stats'; did you mean 'Status'? [E061]"), std::string::npos) << d;
}

TEST(GoalDeclaration, TheGoalIsTheGoalStatesAndTheCondition) {
    Model m = load_valid(kTwoServers);

    ASSERT_TRUE(m.goal_condition.has_value());
    EXPECT_EQ(format_expr(*m.goal()), "at(Ready) && status1 == Registered");
    EXPECT_EQ(m.goal_text(), "the goal (at(Ready) && status1 == Registered)");

    Model marked = load_valid("model m;\nvar up: bool = false volatile;\nstate A initial goal;\nstate B goal;\n"
                              "goal up;\n");
    EXPECT_EQ(format_expr(*marked.goal()), "(at(A) || at(B)) && up");

    Model states_only = load_valid("model m;\nstate A initial goal;\n");
    EXPECT_EQ(format_expr(*states_only.goal()), "at(A)");
    EXPECT_EQ(states_only.goal_text(), "a goal state");
}

TEST(GoalDeclaration, IsEvaluatedByTheOneEvaluator) {
    Model m = load_valid(kTwoServers);
    Interpreter interp{m};
    Configuration c{{0}};  // first = Idle
    ProductState ps = interp.initial_state(c);
    EXPECT_FALSE(interp.holds(m.goal(), c, ps));
    ps.state = *m.find_state("Ready");
    EXPECT_FALSE(interp.holds(m.goal(), c, ps));
    ps.vars[0] = 1;  // status1 := Registered
    EXPECT_TRUE(interp.holds(m.goal(), c, ps));
}

TEST(GoalDeclaration, ReplacesTheNeedForAGoalStateButNotForBoth) {
    EXPECT_EQ(diagnostics_of("model m;\nvar up: bool = false volatile;\nstate A initial;\ngoal up;\n"), "");
    EXPECT_NE(diagnostics_of("model m;\nstate A initial;\n").find("[E033]"), std::string::npos);
    std::string d = diagnostics_of("model m;\nstate A initial;\ngoal at(A);\ngoal true;\n");
    EXPECT_NE(d.find("[E064]"), std::string::npos) << d;
}

TEST(GoalDeclaration, ThePromelaExportDefinesIt) {
    Model m = load_valid(kTwoServers);
    std::string pml = to_promela(m, Configuration{{0}});
    EXPECT_NE(pml.find("#define GOAL ((state == 1) && (v_status1 == 1))"), std::string::npos) << pml;
}

TEST(PeerQualifiedActor, EventsAndRowsCarryThePeer) {
    Model m = load_valid(kTwoServers);

    EXPECT_EQ(m.events[1].peer, Peer::Server);
    EXPECT_EQ(m.transition(TransitionId{1U}).actor, Actor::Response);
    EXPECT_EQ(m.transition(TransitionId{1U}).peer, Peer::Server);
    EXPECT_EQ(m.transition(TransitionId{2U}).actor, Actor::Fault);  // `by fault(bs)` replaces the event's
    EXPECT_EQ(m.transition(TransitionId{2U}).peer, Peer::Bs);
    EXPECT_EQ(m.transition(TransitionId{0U}).peer, Peer::Any);
}

TEST(PeerQualifiedActor, AnUnqualifiedActorAdmitsEveryPeerAQualifiedOneOnlyItsOwn) {
    ActorSet s;
    s.insert(Actor::Client);
    s.insert(Actor::Response, Peer::Server);

    EXPECT_TRUE(s.admits(Actor::Client, Peer::Any));
    EXPECT_TRUE(s.admits(Actor::Response, Peer::Server));
    EXPECT_FALSE(s.admits(Actor::Response, Peer::Bs));
    EXPECT_FALSE(s.admits(Actor::Response, Peer::Any));
    EXPECT_EQ(s.to_string(), "{client, response(server)}");

    s.insert(Actor::Response);
    EXPECT_TRUE(s.admits(Actor::Response, Peer::Bs));
    EXPECT_TRUE(s.admits(Actor::Response, Peer::Any));
    EXPECT_EQ(s.to_string(), "{client, response}");

    Model m = load_valid(kTwoServers);
    EXPECT_EQ(m.properties[0].reliance.to_string(), "{client, response(server)}");
    EXPECT_EQ(parse_qualified_actor("response(bs)"), std::make_pair(Actor::Response, Peer::Bs));
    EXPECT_FALSE(parse_qualified_actor("client(bs)").has_value());
}

TEST(PeerQualifiedActor, OnlyResponseServerInitiativeAndFaultTakeAPeer) {
    EXPECT_NE(diagnostics_of("model m;\nstate A initial goal;\nevent e: operator(bs);\n").find("[E063]"),
              std::string::npos);
    EXPECT_NE(diagnostics_of("model m;\nstate A initial goal;\nevent e: response(lwm2m);\n").find("[E062]"),
              std::string::npos);
}

TEST(LanguageIssue14, FmtKeepsEveryNewConstructInCanonicalForm) {
    const std::string text = R"(model m;

type Status = enum { Idle, Registered } "a status";
var s: Status = Idle volatile;
state A initial;
event e: response(server);
A + e / s := Registered -> A by fault(bs);
goal at(A) && s == Registered ref "x";
property p: recover relying on {client, response(bs)};
)";
    FormatResult r = format_source(text, "m.lwm2m");
    ASSERT_TRUE(r.text.has_value());
    EXPECT_EQ(*r.text, text);
}

TEST(LanguageIssue14, OverlaysReplaceAndRemoveTypesAndTheGoal) {
    LoadOptions options;
    options.reader = [](const std::string& path, std::string& why) -> std::optional<std::string> {
        if (path == "base.lwm2m") {
            return std::string(kTwoServers);
        }
        why = "no such file";
        return std::nullopt;
    };
    auto r =
        parse_model("overlay o on \"base.lwm2m\";\nreplace type Status = enum { Idle, Registered, Failed, Gone };\n"
                    "replace goal at(Ready) && status1 == Registered && status2 == Registered;\n",
                    "o.lwm2m", options);
    ASSERT_TRUE(r.ok()) << format_diagnostics(r.diagnostics);
    EXPECT_EQ(r.model->enums[0].literals.size(), 4U);
    EXPECT_EQ(format_expr(*r.model->goal()), "at(Ready) && status1 == Registered && status2 == Registered");

    auto removed = parse_model("overlay o on \"base.lwm2m\";\nremove goal;\n", "o.lwm2m", options);
    EXPECT_NE(format_diagnostics(removed.diagnostics).find("[E033]"), std::string::npos);
    auto no_type = parse_model("overlay o on \"base.lwm2m\";\nremove type Status;\n", "o.lwm2m", options);
    EXPECT_NE(format_diagnostics(no_type.diagnostics).find("unknown type 'Status' [E061]"), std::string::npos)
        << format_diagnostics(no_type.diagnostics);
}

}  // namespace
