// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/model/model.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace {

using namespace lwm2mc::model;
using lwm2mc::test::diagnostics_of;
using lwm2mc::test::load_text;
using lwm2mc::test::load_valid;

TEST(ModelLoader, CollectsEveryErrorInsteadOfStoppingAtTheFirst) {
    std::string syntax = "model m;\n"
                         "state A initial goal\n"
                         "state B;\n"
                         "event e: clientt;\n"
                         "A + e -> ;\n";
    std::string semantic = "model m;\n"
                           "state A initial goal;\n"
                           "state A;\n"
                           "event e: client;\n"
                           "A + e [1] -> Bb;\n"
                           "A + f -> A;\n";

    EXPECT_EQ(diagnostics_of(syntax),
              "test.lwm2m:2:21: error: expected 'initial', 'goal', 'final', 'in', a description string, 'ref' "
              "or ';'; got 'state' [E001]\n"
              "test.lwm2m:4:10: error: unknown actor 'clientt' (expected one of client, choice, response, "
              "server_initiative, bs_initiative, fault, operator); did you mean 'client'? [E013]\n"
              "test.lwm2m:5:10: error: expected a target state after '->'; got ';' [E001]\n");
    EXPECT_EQ(diagnostics_of(semantic),
              "test.lwm2m:3:7: error: duplicate state 'A' [E030]\n"
              "test.lwm2m:2:7: note: 'A' was first declared here\n"
              "test.lwm2m:5:8: error: guard: expected bool; got int [E020]\n"
              "test.lwm2m:5:14: error: unknown state 'Bb' [E010]\n"
              "test.lwm2m:6:5: error: unknown event 'f' (declare it with 'event f: ACTOR;') [E012]\n");
}

TEST(ModelLoader, ChecksNamesAndTypesOnlyAfterTheSyntaxIsClean) {
    std::string text = "model m;\nstate A initial goal\nevent e: client;\nA + e -> Nowhere;\n";

    auto r = load_text(text);

    ASSERT_EQ(r.diagnostics.size(), 1U) << format_diagnostics(r.diagnostics);
    EXPECT_EQ(r.diagnostics[0].code, "E001");
}

TEST(ModelLoader, VerboseDiagnosticsShowTheLineAndACaret) {
    auto r = load_text("model m;\nstate A initial goal;\nevent e: client;\nA + e -> Regstered;\n");

    std::string text = format_diagnostics(r.diagnostics, true);

    EXPECT_EQ(text, "test.lwm2m:4:10: error: unknown state 'Regstered' [E010]\n"
                    "    4 | A + e -> Regstered;\n"
                    "      |          ^~~~~~~~~\n");
}

TEST(ModelLoader, SuggestsTheClosestKnownName) {
    std::string text = "model m;\nstate Registered initial goal;\nevent e: client;\nRegistered + e -> Regstered;\n";

    EXPECT_EQ(diagnostics_of(text),
              "test.lwm2m:4:19: error: unknown state 'Regstered'; did you mean 'Registered'? [E010]\n");
}

TEST(ModelLoader, RejectsDeepNestingWithoutExhaustingTheStack) {
    std::string deep = "model m;\nstate A initial goal;\nconstraint c: " + std::string(200000, '(') + "true" +
                       std::string(200000, ')') + ";\n";
    std::string bangs = "model m;\nstate A initial goal;\nconstraint c: " + std::string(200000, '!') + "true;\n";

    auto r1 = load_text(deep);
    auto r2 = load_text(bangs);

    EXPECT_FALSE(r1.ok());
    ASSERT_FALSE(r1.diagnostics.empty());
    EXPECT_EQ(r1.diagnostics[0].code, "E006");
    EXPECT_FALSE(r2.ok());
    ASSERT_FALSE(r2.diagnostics.empty());
    EXPECT_EQ(r2.diagnostics[0].code, "E006");
}

TEST(ModelLoader, StopsAfterTooManyErrors) {
    std::string text = "model m;\n";
    for (int i = 0; i < 200; ++i) {
        text += "state ;\n";
    }

    auto r = load_text(text);

    ASSERT_FALSE(r.diagnostics.empty());
    EXPECT_EQ(r.diagnostics.back().code, "E099");
    EXPECT_LE(r.diagnostics.size(), 51U);
}

TEST(ModelLoader, RecoversAtTheNextDeclarationWhenASemicolonIsMissing) {
    std::string text = "model m;\nstate A initial goal\nevent e: client;\nA + e -> A\nevent f: client;\nA + f -> A;\n";

    auto r = load_text(text);

    ASSERT_EQ(r.diagnostics.size(), 2U) << format_diagnostics(r.diagnostics);
    EXPECT_EQ(r.diagnostics[0].range.to_string(), "test.lwm2m:2:21");  // right after "goal"
    EXPECT_EQ(r.diagnostics[1].range.to_string(), "test.lwm2m:4:11");  // right after "A"
}

TEST(ModelLoader, ExpandsSourceListsAndWildcardsIntoNamedTransitions) {
    Model m = load_valid(R"(
model m;
state A initial;
state B;
state C goal;
event e: client;
event off: operator;
event go: client;
step: {A, B} + go -> C;
* + off -> A;
A + e -> B;
A + e [false] -> B;
)");

    std::vector<std::string> names;
    for (std::size_t i = 0; i < m.transition_count(); ++i) {
        const Transition& t = m.transition(TransitionId{i});
        names.push_back(t.name);
    }

    EXPECT_EQ(names,
              (std::vector<std::string>{"step@A", "step@B", "A.off.A", "B.off.A", "C.off.A", "A.e.B", "A.e.B#2"}));
    EXPECT_TRUE(m.transition(TransitionId{2U}).from_any);
    EXPECT_EQ(m.transition(TransitionId{0U}).row, m.transition(TransitionId{1U}).row);
    EXPECT_EQ(m.transition(TransitionId{0U}).actor, Actor::Client);
    EXPECT_EQ(m.transition(TransitionId{2U}).actor, Actor::Operator);
}

TEST(ModelLoader, AnExplicitActorOverridesTheEventsDefault) {
    Model m = load_valid("model m;\nstate A initial goal;\nevent e: client;\nA + e -> A by fault;\nA + e -> A;\n");

    EXPECT_EQ(m.transition(TransitionId{0U}).actor, Actor::Fault);
    EXPECT_EQ(m.transition(TransitionId{1U}).actor, Actor::Client);
}

TEST(ModelLoader, ConstantsMayReferToLaterConstantsButNotToThemselves) {
    Model m = load_valid("model m;\nconst A = B + 1;\nconst B = 2;\nstate S initial goal;\n");
    auto r = load_text("model m;\nconst A = B;\nconst B = A;\nstate S initial goal;\n");

    EXPECT_EQ(m.constants.size(), 2U);
    EXPECT_EQ(m.constants[0].value, 3);
    EXPECT_FALSE(r.ok());
    EXPECT_NE(format_diagnostics(r.diagnostics).find("depends on itself"), std::string::npos);
}

TEST(ModelLoader, KeepsTheSourceLocationOfEveryElement) {
    Model m = load_valid("model m;\nparameter p: bool;\nvar v: bool = p persistent;\nstate A initial goal;\n"
                         "event e: client;\nlbl: A + e [v] -> A;\nconstraint c: p;\nproperty q: reachable A;\n");

    EXPECT_EQ(m.parameters[0].range.to_string(), "test.lwm2m:2:11");
    EXPECT_EQ(m.variables[0].range.to_string(), "test.lwm2m:3:5");
    EXPECT_EQ(m.state(StateId{0U}).range.to_string(), "test.lwm2m:4:7");
    EXPECT_EQ(m.events[0].range.to_string(), "test.lwm2m:5:7");
    EXPECT_EQ(m.transition(TransitionId{0U}).range.to_string(), "test.lwm2m:6:1");
    EXPECT_EQ(m.constraints[0].range.to_string(), "test.lwm2m:7:12");
    EXPECT_EQ(m.properties[0].range.to_string(), "test.lwm2m:8:10");
}

TEST(ModelLoader, IncludesAreReadThroughTheReaderRelativeToTheIncludingFile) {
    LoadOptions options;
    std::vector<std::string> asked;
    options.reader = [&](const std::string& path, std::string& error) -> std::optional<std::string> {
        asked.push_back(path);
        if (path == "dir/sub/common.inc") {
            return std::string("const T = 5;\ninclude \"../common2.inc\";\n");
        }
        if (path == "dir/common2.inc") {
            return std::string("event e: client;\ninclude \"sub/common.inc\";\n");
        }
        error = "no such file";
        return std::nullopt;
    };

    auto r = parse_model("model m;\ninclude \"sub/common.inc\";\nstate A initial goal;\nA + e -> A after T;\n",
                         "dir/main.lwm2m", options);

    ASSERT_FALSE(r.ok());
    EXPECT_EQ(format_diagnostics(r.diagnostics),
              "dir/common2.inc:2:9: error: 'sub/common.inc' includes itself (directly or through other files) "
              "[E004]\n");
    EXPECT_EQ(asked, (std::vector<std::string>{"dir/sub/common.inc", "dir/common2.inc"}));
}

TEST(ModelLoader, AnOverlayAddsRemovesAndReplacesElementsOfItsBase) {
    LoadOptions options;
    options.reader = [](const std::string& path, std::string& error) -> std::optional<std::string> {
        if (path == "base.lwm2m") {
            return std::string("model base;\nparameter p: bool;\nstate A initial;\nstate B goal;\nstate C;\n"
                               "event e: client;\nevent f: client;\ngo: A + e -> B;\nA + f -> C;\nC + e -> B;\n"
                               "property r: reachable B;\n");
        }
        error = "no such file";
        return std::nullopt;
    };

    auto r = parse_model("overlay prop on \"base.lwm2m\";\nremove state C;\nreplace go: A + e [p] -> B by choice;\n"
                         "constraint c: p;\nremove property r;\n",
                         "prop.lwm2m", options);

    ASSERT_TRUE(r.ok()) << format_diagnostics(r.diagnostics);
    const Model& m = *r.model;
    EXPECT_EQ(m.name, "prop");
    EXPECT_EQ(m.base_name, "base");
    EXPECT_EQ(m.state_count(), 2U);
    ASSERT_EQ(m.transition_count(), 1U);
    EXPECT_EQ(m.transition(TransitionId{0U}).actor, Actor::Choice);
    ASSERT_TRUE(m.transition(TransitionId{0U}).guard);
    EXPECT_EQ(m.constraints.size(), 1U);
    EXPECT_TRUE(m.properties.empty());
    EXPECT_EQ(m.files, (std::vector<std::string>{"prop.lwm2m", "base.lwm2m"}));
}

TEST(ModelLoader, AnOverlayNamingAMissingElementIsAnError) {
    LoadOptions options;
    options.reader = [](const std::string&, std::string&) -> std::optional<std::string> {
        return std::string("model base;\nstate Registered initial goal;\n");
    };

    auto r = parse_model("overlay prop on \"base.lwm2m\";\nremove state Registred;\n", "prop.lwm2m", options);

    EXPECT_EQ(format_diagnostics(r.diagnostics),
              "prop.lwm2m:2:14: error: the base model has no state 'Registred'; did you mean 'Registered'? [E040]\n");
}

TEST(ModelLoader, MissingFilesAreDiagnosticsNotExceptions) {
    auto r = load_model("/nonexistent/dir/model.lwm2m");

    ASSERT_EQ(r.diagnostics.size(), 1U);
    EXPECT_EQ(format_diagnostics(r.diagnostics),
              "lwm2mc: error: cannot read '/nonexistent/dir/model.lwm2m': no such file [E003]\n");
}

}  // namespace
