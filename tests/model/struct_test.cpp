// SPDX-License-Identifier: Apache-2.0
// Arrays, `for`, `-> same` and regions (docs/language.md): parsing, expansion, resolution, printing, show.

#include "lwm2mc/model/commands.hpp"
#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/printer.hpp"
#include "lwm2mc/model/promela.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>

#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace lwm2mc;
using lwm2mc::test::diagnostics_of;
using lwm2mc::test::load_file;
using lwm2mc::test::load_valid;

namespace {

const fs::path kValidDir = fs::path(LWM2MC_TEST_DATA_DIR) / "models" / "valid";

const char* const kHeader = R"(model m;
state A initial;
state B goal;
event go: client;
)";

/// "x[1][2]" spelled as a hand-written flat model would: "x_1_2".
std::string flat_spelling(std::string text) {
    text = std::regex_replace(text, std::regex(R"(\]\[)"), "_");
    text = std::regex_replace(text, std::regex(R"(\[)"), "_");
    return std::regex_replace(text, std::regex(R"(\])"), "");
}

/// Every transition as one line: name, source, event, guard, updates, target, actor.
std::vector<std::string> transitions(const model::Model& m) {
    std::vector<std::string> out;
    for (std::uint32_t i = 0; i < m.transition_count(); ++i) {
        const auto& t = m.transition(model::TransitionId{i});
        std::string line = t.name + ": " + m.state(t.source).name + " + " + m.events[t.event.index()].name;
        line += " [" + (t.guard ? model::format_expr(*t.guard) : std::string("true")) + "] /";
        for (const auto& u : t.updates) {
            line += " " + model::format_update(m, u);
        }
        line += " -> " + m.state(t.target).name + " by " + model::actor_name(t.actor);
        out.push_back(flat_spelling(line));
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST(Arrays, DeclareOneElementPerIndex) {
    auto m = load_valid(std::string(kHeader) + R"(
var x[3]: int[0..5] = 0 volatile;
parameter p[2]: bool;
event tick[2]: fault;
A + go / x[1] := 1 -> B;
)");

    ASSERT_EQ(m.variables.size(), 3U);
    EXPECT_EQ(m.variables[0].name, "x[1]");
    EXPECT_EQ(m.variables[2].name, "x[3]");
    EXPECT_EQ(m.parameters[1].name, "p[2]");
    EXPECT_EQ(m.events[2].name, "tick[2]");
    EXPECT_EQ(m.events[2].actor, model::Actor::Fault);
    EXPECT_TRUE(m.find_variable("x[2]").has_value());
}

TEST(Arrays, ElementsOfAnEnumArrayShareOneEnumeration) {
    auto m = load_valid(std::string(kHeader) + R"(
var s[2]: enum { Off, On } = Off volatile;
A + go [s[1] == s[2]] / s[2] := On -> B;
)");

    ASSERT_EQ(m.enums.size(), 1U);
    EXPECT_EQ(m.enums[0].name, "s");
    EXPECT_TRUE(m.variables[0].type.compatible(m.variables[1].type));
}

TEST(Arrays, IndexMayBeAConstantExpression) {
    auto m = load_valid(std::string(kHeader) + R"(
const N = 2;
var x[N + 1]: int[0..5] = 0 volatile;
event e[N]: client;
A + e[N] [x[N + 1] == 0] / x[N - 1] := 2 -> B;
)");

    const auto& t = m.transition(model::TransitionId{0U});
    EXPECT_EQ(m.events[t.event.index()].name, "e[2]");
    EXPECT_EQ(model::format_expr(*t.guard), "x[3] == 0");
    EXPECT_EQ(model::format_update(m, t.updates[0]), "x[1] := 2");
}

TEST(For, RepeatsRowsWithSuffixedLabels) {
    auto m = load_valid(std::string(kHeader) + R"(
var x[2]: bool = false volatile;
for i in 1..2: set: A + go [!x[i]] / x[i] := true -> B;
for i in 1..2 {
    for j in 1..2 {
        property both: reachable x[i] && x[j];
    }
}
)");

    ASSERT_EQ(m.transition_count(), 2U);
    EXPECT_EQ(m.transition(model::TransitionId{0U}).name, "set[1]");
    EXPECT_EQ(m.transition(model::TransitionId{1U}).name, "set[2]");
    ASSERT_EQ(m.properties.size(), 4U);
    EXPECT_EQ(m.properties[1].name, "both[1][2]");
    EXPECT_EQ(model::format_expr(*m.properties[1].expr), "x[1] && x[2]");
}

TEST(For, EmptyRangeDeclaresNothing) {
    auto m = load_valid(std::string(kHeader) + "A + go -> B;\nfor i in 2..1: A + go -> A;\n");

    EXPECT_EQ(m.transition_count(), 1U);
}

TEST(For, DiagnosticsPointIntoTheTemplateRow) {
    std::string text = std::string(kHeader) + "for i in 1..2: A + go [y > i] -> B;\n";

    std::string diags = diagnostics_of(text);

    EXPECT_NE(diags.find("test.lwm2m:5:24: error: unknown name 'y'"), std::string::npos) << diags;
}

TEST(Same, EachTransitionLoopsBackToItsOwnSource) {
    auto m = load_valid(std::string(kHeader) + "A + go -> B;\nstate C;\n{B, C} + go -> same;\n* + go -> same;\n");

    ASSERT_EQ(m.transition_count(), 6U);
    for (std::uint32_t i = 1; i < 6; ++i) {
        const auto& t = m.transition(model::TransitionId{i});
        EXPECT_EQ(t.source, t.target) << t.name;
    }
    EXPECT_EQ(m.transition(model::TransitionId{1U}).name, "B.go.B");
}

TEST(ArraysAndFor, LoadToTheSameTransitionsAsTheFlatModel) {
    auto structured = load_file((kValidDir / "arrays.lwm2m").string());
    auto flat = load_file((kValidDir / "arrays-flat.lwm2m").string());

    EXPECT_EQ(transitions(structured), transitions(flat));
    ASSERT_EQ(structured.properties.size(), flat.properties.size());
    ASSERT_EQ(structured.constraints.size(), flat.constraints.size());
    for (std::size_t i = 0; i < flat.properties.size(); ++i) {
        EXPECT_EQ(flat_spelling(structured.properties[i].name), flat.properties[i].name);
        EXPECT_EQ(flat_spelling(model::format_expr(*structured.properties[i].expr)),
                  model::format_expr(*flat.properties[i].expr));
    }
    EXPECT_EQ(flat_spelling(structured.constraints[0].name), flat.constraints[0].name);
}

/// Load options whose reader knows one file, "base.lwm2m": kHeader followed by `body`.
model::LoadOptions with_base(std::string body) {
    model::LoadOptions options;
    options.reader = [text = std::string(kHeader) + body](const std::string& path,
                                                          std::string& error) -> std::optional<std::string> {
        if (path == "base.lwm2m") {
            return text;
        }
        error = "no such file";
        return std::nullopt;
    };
    return options;
}

TEST(ArraysAndFor, OverlayRemovesAndReplacesExpandedRowsBySuffixedName) {
    const model::LoadOptions options = with_base("var x[2]: bool = false volatile;\n"
                                                 "for i in 1..2: set: A + go / x[i] := true -> B;\n"
                                                 "for i in 1..2: property p: reachable x[i];\n");
    std::string overlay = "overlay o on \"base.lwm2m\";\n"
                          "remove transition set[1];\n"
                          "replace transition set[2] with A + go / x[2] := false -> B;\n"
                          "remove property p[2];\n";

    auto r = model::parse_model(overlay, "o.lwm2m", options);

    ASSERT_TRUE(r.ok()) << model::format_diagnostics(r.diagnostics);
    ASSERT_EQ(r.model->transition_count(), 1U);
    EXPECT_EQ(model::format_update(*r.model, r.model->transition(model::TransitionId{0U}).updates[0]), "x[2] := false");
    ASSERT_EQ(r.model->properties.size(), 1U);
    EXPECT_EQ(r.model->properties[0].name, "p[1]");
}

TEST(ArraysAndFor, FormatKeepsTheWrittenForm) {
    std::string text = "model m;\n"
                       "\n"
                       "var x[N]: int[0..3] = 0 volatile;\n"
                       "for i in 1..N: A + e[i] [x[i + 1] > 0] / x[i] := x[i] - 1 -> same;\n"
                       "for i in 1..2 {\n"
                       "    for j in i..2 {\n"
                       "        l: A + e[j] -> B;\n"
                       "    }\n"
                       "    property p: reachable x[i] == 0;\n"
                       "}\n"
                       "remove transition l[1][2];\n";

    auto r = model::format_source(text, "m.lwm2m");

    ASSERT_TRUE(r.text) << model::format_diagnostics(r.diagnostics);
    EXPECT_EQ(*r.text, text);
}

namespace {

/// Transition rows as written in a model file: lines (outside comments) with a row's arrow ` -> `.
std::size_t rows_written(const fs::path& path) {
    std::ifstream in(path);
    std::size_t rows = 0;
    for (std::string line; std::getline(in, line);) {
        auto start = line.find_first_not_of(' ');
        if (start != std::string::npos && line.compare(start, 2, "//") != 0 && line.find(" -> ") != std::string::npos) {
            ++rows;
        }
    }
    return rows;
}

std::vector<std::string> without_names(std::vector<std::string> lines) {
    for (auto& l : lines) {
        l = l.substr(l.find(": ") + 2);
    }
    std::sort(lines.begin(), lines.end());
    return lines;
}

}  // namespace

TEST(Regions, LoadToTheSameTransitionsAsTheFlatModel) {
    auto structured = load_file((kValidDir / "regions.lwm2m").string());
    auto flat = load_file((kValidDir / "regions-flat.lwm2m").string());

    EXPECT_EQ(without_names(transitions(structured)), without_names(transitions(flat)));
    ASSERT_EQ(structured.variables.size(), flat.variables.size());
    for (std::size_t i = 0; i < flat.variables.size(); ++i) {
        EXPECT_EQ(flat_spelling(structured.variables[i].name), flat.variables[i].name);
        EXPECT_EQ(structured.variables[i].persistent, flat.variables[i].persistent);
        EXPECT_EQ(structured.format_type(structured.variables[i].type), flat.format_type(flat.variables[i].type));
    }
    EXPECT_EQ(structured.find_transition("open").has_value(), true);
}

TEST(Regions, RecordInstancesStatesAndMoves) {
    auto m = load_valid(std::string(kHeader) + R"(
A + go -> B;
region srv[i in 1..2] persistent "a server" {
    state Idle initial;
    state Busy goal "working";
    work: Idle + go -> Busy during B;
    Busy + go -> same during {A, B};
}
)");

    ASSERT_EQ(m.regions.size(), 2U);
    EXPECT_EQ(m.regions[1].name, "srv[2]");
    EXPECT_EQ(m.regions[1].machine, "srv");
    EXPECT_EQ(m.variables[m.regions[1].var.index()].name, "srv[2]");
    EXPECT_TRUE(m.variables[m.regions[1].var.index()].persistent);
    EXPECT_EQ(m.regions[0].enum_id, m.regions[1].enum_id);
    ASSERT_EQ(m.regions[0].states.size(), 2U);
    EXPECT_TRUE(m.regions[0].states[0].initial);
    EXPECT_TRUE(m.regions[0].states[1].goal);
    EXPECT_EQ(m.regions[0].states[1].doc, "working");
    EXPECT_EQ(m.regions[0].doc, "a server");
    ASSERT_EQ(m.transition_count(), 1U + 2U * 3U);
    auto work = m.find_transition("work[2]");
    ASSERT_TRUE(work.has_value());
    const auto& t = m.transition(*work);
    ASSERT_TRUE(t.region_move.has_value());
    EXPECT_EQ(t.region_move->region, 1U);
    EXPECT_EQ(t.region_move->from, 0);
    EXPECT_EQ(t.region_move->to, 1);
    EXPECT_EQ(m.state(t.source).name, "B");
    EXPECT_EQ(t.source, t.target);
    EXPECT_EQ(model::format_expr(*t.guard), "srv[2] == Idle");
    EXPECT_FALSE(m.transition(model::TransitionId{0U}).region_move.has_value());
}

TEST(Regions, AnOverlayRemovesOneInstanceOrAWholeRegion) {
    const model::LoadOptions options =
        with_base("event up[2]: client;\nevent blink: client;\n"
                  "region srv[i in 1..2] { state Down initial; state Up goal;\n"
                  "    Down + up[i] -> Up during A; }\n"
                  "region led { state Off initial; state On; Off + blink -> On during B; }\n"
                  "for i in 1..2: property p: reachable srv[i] == Up;\n");
    const auto load = [&](const std::string& body) { return model::parse_model(body, "o.lwm2m", options); };
    const std::string header = "overlay o on \"base.lwm2m\";\n";

    auto one = load(header + "remove region srv[2];\nremove property p[2];\n");
    ASSERT_TRUE(one.ok()) << model::format_diagnostics(one.diagnostics);
    ASSERT_EQ(one.model->regions.size(), 2U);
    EXPECT_EQ(one.model->regions[0].name, "srv[1]");
    EXPECT_EQ(one.model->regions[1].name, "led");
    EXPECT_FALSE(one.model->find_variable("srv[2]"));
    EXPECT_EQ(one.model->transition_count(), 2U);  // the rows of srv[1] and led

    auto all = load(header + "remove region srv;\nremove property p[1];\nremove property p[2];\n");
    ASSERT_TRUE(all.ok()) << model::format_diagnostics(all.diagnostics);
    ASSERT_EQ(all.model->regions.size(), 1U);
    EXPECT_EQ(all.model->transition_count(), 1U);

    // what still names a removed instance is an error, as after `remove var`
    auto dangling = load(header + "remove region srv[2];\n");
    EXPECT_FALSE(dangling.ok());
    EXPECT_NE(model::format_diagnostics(dangling.diagnostics).find("srv[2]"), std::string::npos);

    auto missing = load(header + "remove region conn;\n");
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(model::format_diagnostics(missing.diagnostics).find("region 'conn'"), std::string::npos)
        << model::format_diagnostics(missing.diagnostics);
}

TEST(MultiServer, TwoServersNeedNoMoreRowsAndExpandAsExpected) {
    const fs::path one = kValidDir / "multi_server_1.lwm2m";
    const fs::path two = kValidDir / "multi_server_2.lwm2m";

    auto m1 = load_file(one.string());
    auto m2 = load_file(two.string());

    EXPECT_LE(2 * rows_written(two), 3 * rows_written(one));  // rows(two) <= 1.5 x rows(one)
    EXPECT_EQ(rows_written(one), 15U);
    // 6 main rows; per server 15 region transitions (rows x region sources x 'during' states)
    EXPECT_EQ(m1.transition_count(), 6U + 15U);
    EXPECT_EQ(m2.transition_count(), 6U + 2U * 15U);
    EXPECT_EQ(m2.regions.size(), 2U);
    EXPECT_EQ(m2.properties.size(), 3U);
}

TEST(Arrays, ConfigurationsSpellElementsWithTheirIndex) {
    auto m = load_valid(std::string(kHeader) + "parameter p[2]: int[0..9];\nA + go [p[2] > 3] -> B;\n");
    model::Interpreter interpreter{m};
    std::string error;

    auto values = interpreter.parse_assignment("p[1]=2, p[2]=7", error);

    EXPECT_EQ(error, "");
    ASSERT_EQ(values.size(), 2U);
    EXPECT_EQ(values[1], 7);
}

TEST(Arrays, PromelaSpellsElementsAsPlainIdentifiers) {
    auto m = load_valid(std::string(kHeader) + "parameter p[2]: int[0..9];\nvar x[2]: bool = false volatile;\n"
                                               "for i in 1..2: A + go [p[i] > 3] / x[i] := true -> B;\n"
                                               "for i in 1..2: property inv: invariant !x[i] || p[i] > 3;\n");
    model::Configuration config;
    config.values = {1, 5};

    std::string pml = model::to_promela(m, config);

    EXPECT_EQ(pml.find('['), std::string::npos) << pml;
    EXPECT_NE(pml.find("#define P_p_2 5"), std::string::npos) << pml;
    EXPECT_NE(pml.find("t_x_2 = 1"), std::string::npos) << pml;
    EXPECT_NE(pml.find("proctype invariant_inv_1()"), std::string::npos) << pml;
}

TEST(Arrays, ABracketAfterAnEventThatIsNotAnArrayIsItsGuard) {
    auto m = load_valid(std::string(kHeader) + "var ok: bool = true volatile;\nevent tick[2]: client;\n"
                                               "A + go[ok] -> B;\nA + tick[2] [ok] -> B;\nA + tick[1][!ok] -> B;\n");

    ASSERT_EQ(m.transition_count(), 3U);
    EXPECT_EQ(m.events[m.transition(model::TransitionId{0U}).event.index()].name, "go");
    EXPECT_EQ(model::format_expr(*m.transition(model::TransitionId{0U}).guard), "ok");
    EXPECT_EQ(m.events[m.transition(model::TransitionId{1U}).event.index()].name, "tick[2]");
    EXPECT_EQ(model::format_expr(*m.transition(model::TransitionId{2U}).guard), "!ok");
}

TEST(For, AnErrorInTheTemplateIsReportedOnce) {
    std::string text = std::string(kHeader) + "for i in 1..3: A + go [y > i] -> B;\n";

    std::string diags = diagnostics_of(text);

    auto first = diags.find("unknown name 'y'");
    ASSERT_NE(first, std::string::npos) << diags;
    EXPECT_EQ(diags.find("unknown name 'y'", first + 1), std::string::npos) << diags;
}

TEST(Regions, JsonListsRegionsAndRegionMoves) {
    auto m = load_file((kValidDir / "multi_server_2.lwm2m").string());

    auto doc = nlohmann::json::parse(model::model_to_json(m));

    ASSERT_EQ(doc["regions"].size(), 2U);
    EXPECT_EQ(doc["regions"][1]["name"], "srv[2]");
    EXPECT_EQ(doc["regions"][1]["machine"], "srv");
    EXPECT_EQ(doc["regions"][1]["variable"], "srv[2]");
    EXPECT_EQ(doc["regions"][1]["states"].size(), 6U);
    EXPECT_EQ(doc["regions"][1]["states"][0]["initial"], true);
    const auto& t = doc["transitions"][6];
    EXPECT_EQ(t["name"], "srv[1].None.register[1].RegPending");
    EXPECT_EQ(t["region_move"]["region"], "srv[1]");
    EXPECT_EQ(t["region_move"]["from"], "None");
    EXPECT_EQ(t["region_move"]["to"], "RegPending");
    EXPECT_FALSE(doc["transitions"][0].contains("region_move"));
}
