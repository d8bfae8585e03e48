// SPDX-License-Identifier: Apache-2.0
// DOT output compared as text with golden files (never SVG bytes), escaping, configuration greying, and
// in-process rendering through Graphviz's libraries.

#include "lwm2mc/diagrams/dot.hpp"
#include "lwm2mc/diagrams/render.hpp"
#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/loader.hpp"
#include "lwm2mc/model/model_diff.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

using namespace lwm2mc;
using diagrams::DotOptions;
using diagrams::Highlights;
using diagrams::MarkKind;

namespace {

const std::string kData = LWM2MC_TEST_DATA_DIR;

model::Model load(const std::string& path) {
    auto r = model::load_model(path);
    if (!r.ok()) {
        std::ostringstream out;
        model::print_diagnostics(out, r.diagnostics);
        ADD_FAILURE() << "cannot load " << path << ":\n" << out.str();
        throw std::runtime_error("model");
    }
    return std::move(*r.model);
}

std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Compares with tests/data/diagrams/<name>.dot; LWM2MC_UPDATE_GOLDEN=1 rewrites the file instead.
void expect_golden(const std::string& name, const std::string& dot) {
    const std::string path = kData + "/diagrams/" + name + ".dot";
    if (std::getenv("LWM2MC_UPDATE_GOLDEN") != nullptr) {
        std::ofstream(path, std::ios::binary) << dot;
    }
    EXPECT_EQ(read(path), dot) << "DOT differs from " << path << " (LWM2MC_UPDATE_GOLDEN=1 rewrites it)";
}

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + what.size())) {
        ++n;
    }
    return n;
}

std::vector<std::optional<model::Value>> fixed(const model::Model& m, const std::string& assignment) {
    model::Interpreter interp{m};
    std::string error;
    auto values = interp.parse_assignment(assignment, error);
    EXPECT_EQ(error, "");
    return values;
}

}  // namespace

TEST(DotEscape, EscapesQuotesBackslashesNewlinesAndMarkup) {
    EXPECT_EQ(diagrams::escape_dot_string("a \"b\" \\ <c> & d\ne"), "a \\\"b\\\" \\\\ &lt;c&gt; &amp; d\\ne");
    EXPECT_EQ(diagrams::escape_html("x < y && \"z\" > 1\nw"), "x &lt; y &amp;&amp; &quot;z&quot; &gt; 1<BR/>w");
}

TEST(DotGolden, SourceListsModel) {
    const auto m = load(kData + "/models/valid/source-lists.lwm2m");

    const std::string dot = diagrams::to_dot(m);

    expect_golden("source-lists", dot);
}

TEST(DotGolden, EscapingModel) {
    const auto m = load(kData + "/diagrams/escaping.lwm2m");

    const std::string dot = diagrams::to_dot(m);

    expect_golden("escaping", dot);
}

TEST(DotGolden, ConfigurationGreysOutWhatItDisables) {
    const auto m = load(kData + "/diagrams/config.lwm2m");
    DotOptions options;
    options.fixed = fixed(m, "ci=false,si=true");
    options.configuration_text = "ci=false, si=true";

    const std::string dot = diagrams::to_dot(m, options);

    expect_golden("config-si-only", dot);
}

TEST(DotGolden, FindingsAndWitnessTrace) {
    const auto m = load(kData + "/diagrams/config.lwm2m");
    Highlights h;
    h.marks.push_back({MarkKind::NoRecovery,
                       "no-recovery:HoldOff",
                       "no path back from HoldOff",
                       "!ci && si",
                       {*m.find_state("HoldOff")},
                       {}});
    h.marks.push_back({MarkKind::Unreachable,
                       "unreachable-state:Requesting",
                       "not reached: Requesting",
                       "!ci",
                       {*m.find_state("Requesting")},
                       {}});
    h.marks.push_back(
        {MarkKind::Deadlock, "deadlock:Pending", "runs stop in Pending", "", {*m.find_state("Pending")}, {}});
    h.trace =
        diagrams::TraceOverlay{"no-recovery:HoldOff under ci=false, si=true",
                               {*m.find_transition("Init.boot.HoldOff"), *m.find_transition("HoldOff.power_cycle.Init"),
                                *m.find_transition("Init.boot.HoldOff")},
                               m.find_state("HoldOff")};

    const std::string dot = diagrams::to_dot(m, {}, h);

    expect_golden("config-findings", dot);
}

TEST(Dot, StarRowIsDrawnOnceFromAnyStateNode) {
    const auto m = load(kData + "/models/valid/source-lists.lwm2m");

    const std::string dot = diagrams::to_dot(m);

    EXPECT_EQ(count(dot, "__any -> "), 1U);
    EXPECT_EQ(count(dot, "label=\"power_cycle"), 1U);
}

TEST(Dot, SelfLoopsAreListedInsideTheState) {
    const auto m = load(kData + "/diagrams/escaping.lwm2m");

    const std::string dot = diagrams::to_dot(m);

    EXPECT_EQ(count(dot, "\"Busy\" -> \"Busy\""), 0U);
    EXPECT_NE(dot.find("tick<BR/>[count &gt; 0]"), std::string::npos) << dot;
}

TEST(Dot, IsDeterministic) {
    const auto m = load(kData + "/diagrams/config.lwm2m");

    EXPECT_EQ(diagrams::to_dot(m), diagrams::to_dot(m));
}

TEST(DotConfiguration, DisabledTransitionsAreThoseWhoseGuardsCannotHold) {
    const auto m = load(kData + "/diagrams/config.lwm2m");

    const auto none = diagrams::disabled_transitions(m, fixed(m, "ci=true,si=true"));
    const auto si_only = diagrams::disabled_transitions(m, fixed(m, "ci=false"));
    const auto neither = diagrams::disabled_transitions(m, fixed(m, "ci=false,si=false"));

    EXPECT_TRUE(none.empty());
    ASSERT_EQ(si_only.size(), 1U);
    EXPECT_EQ(m.transition(si_only[0]).name, "HoldOff.expired.Requesting");
    EXPECT_EQ(neither.size(), 3U);  // boot, expired, write
}

TEST(DotConfiguration, HugeTimingDomainDoesNotPreventGreying) {
    // hold_off ranges over 2^32 values but no guard mentions it: greying stays exact and fast.
    const auto m = load(kData + "/diagrams/config.lwm2m");

    const auto disabled = diagrams::disabled_transitions(m, fixed(m, "ci=false,hold_off=5"));

    EXPECT_EQ(disabled.size(), 1U);
}

TEST(Render, SvgOfEveryGoldenModelParsesAndNamesItsStates) {
    for (const std::string name : {"config-si-only", "config-findings", "escaping", "source-lists", "coverage"}) {
        const std::string dot = read(kData + "/diagrams/" + name + ".dot");

        const std::string svg = diagrams::render(dot, diagrams::ImageFormat::Svg);

        EXPECT_NE(svg.find("<svg"), std::string::npos) << name;
        EXPECT_NE(svg.find("</svg>"), std::string::npos) << name;
    }
    const std::string svg = diagrams::render(read(kData + "/diagrams/escaping.dot"), diagrams::ImageFormat::Svg);
    EXPECT_NE(svg.find("&quot;quoted&quot;"), std::string::npos);
    EXPECT_NE(svg.find("&lt;angle&gt;"), std::string::npos);
}

TEST(Render, PngHasThePngSignature) {
    const std::string png = diagrams::render(read(kData + "/diagrams/source-lists.dot"), diagrams::ImageFormat::Png);

    ASSERT_GT(png.size(), 8U);
    EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
}

TEST(Render, MalformedDotIsARenderErrorNotACrash) {
    EXPECT_THROW(diagrams::render("digraph { a -> ", diagrams::ImageFormat::Svg), diagrams::RenderError);
    try {
        diagrams::render("this is not dot", diagrams::ImageFormat::Png);
        ADD_FAILURE() << "no RenderError";
    } catch (const diagrams::RenderError& e) {
        EXPECT_NE(std::string{e.what()}.find("syntax error"), std::string::npos) << e.what();
    }
}

TEST(Render, FormatFromPath) {
    EXPECT_EQ(diagrams::format_from_path("a/b.svg"), diagrams::ImageFormat::Svg);
    EXPECT_EQ(diagrams::format_from_path("b.png"), diagrams::ImageFormat::Png);
    EXPECT_EQ(diagrams::format_from_path("b.dot"), diagrams::ImageFormat::Dot);
    EXPECT_EQ(diagrams::format_from_path("b.gv"), diagrams::ImageFormat::Dot);
    EXPECT_EQ(diagrams::format_from_path("b.pdf"), std::nullopt);
    EXPECT_EQ(diagrams::format_from_path(".svg"), std::nullopt);
}

namespace {

/// The coverage of tests/data/diagrams/coverage-suite.json (both classes merged), as `lwm2mc diagram --coverage`
/// reads it: the CLI test compares its DOT with the same golden file.
diagrams::Coverage demo_coverage(const model::Model& m) {
    const auto t = [&](const char* name) { return *m.find_transition(name); };
    diagrams::Coverage c;
    c.title = "coverage-suite.json, criterion transitions, 2 configuration classes merged";
    c.planned = {{t("Init.boot.HoldOff"), 4},          {t("HoldOff.expired.Requesting"), 3},
                 {t("Requesting.ack.Registered"), 1},  {t("Requesting.reject.HoldOff"), 1},
                 {t("Requesting.timeout.HoldOff"), 1}, {t("Registered.update.Registered"), 1},
                 {t("Registered.deregister.Init"), 1}, {t("HoldOff.power_cycle.Init"), 2}};
    c.if_chosen = {{t("Init.boot.HoldOff"), 1},
                   {t("Registered.keep.Registered"), 1},
                   {t("Registered.update.Registered"), 1},
                   {t("Registered.deregister.Init"), 1}};
    return c;
}

}  // namespace

TEST(DotGolden, CoverageOfATestSuite) {
    const auto m = load(kData + "/diagrams/coverage.lwm2m");
    Highlights h;
    h.coverage = demo_coverage(m);

    const std::string dot = diagrams::to_dot(m, {}, h);

    expect_golden("coverage", dot);
}

TEST(DotCoverage, CountsTraversalsAndSaysWhatIsCoveredOnlyIfTheClientChooses) {
    const auto m = load(kData + "/diagrams/coverage.lwm2m");
    Highlights h;
    h.coverage = demo_coverage(m);

    const std::string dot = diagrams::to_dot(m, {}, h);

    EXPECT_NE(dot.find("covered 8 of 13 transitions (+1 only if the client chooses)"), std::string::npos);
    EXPECT_NE(dot.find("label=\"boot \u00D74 (+1 if chosen)\""), std::string::npos) << dot;
    EXPECT_NE(dot.find("label=\"expired \u00D73\\n[ci]\\nafter 10 s\""), std::string::npos) << dot;
    // Self-loops inside the state: planned (green) and covered only if the client chooses (orange).
    EXPECT_NE(dot.find("COLOR=\"#1a9850\">\u21BB update \u00D71 (+1 if chosen)"), std::string::npos) << dot;
    EXPECT_NE(dot.find("COLOR=\"#e08214\">\u25C7 keep \u00D71 if chosen"), std::string::npos) << dot;
    EXPECT_NE(dot.find("coverage: coverage-suite.json"), std::string::npos);
}

TEST(DotCoverage, MergedEdgeAndStarRowAreCoveredOnlyIfAllTheirTransitionsAre) {
    const auto m = load(kData + "/diagrams/coverage.lwm2m");
    Highlights h;
    h.coverage = demo_coverage(m);

    const std::string dot = diagrams::to_dot(m, {}, h);

    // reject and busy share one edge; only reject is covered.
    EXPECT_NE(dot.find("\"Requesting\" -> \"HoldOff\" [label=\"1/2 covered\\nreject \u00D71\\nbusy \u00D70\", "
                       "style=solid, color=\"#e31a1c\""),
              std::string::npos)
        << dot;
    // The fault on the same pair of states has an edge of its own, covered.
    EXPECT_NE(dot.find("[label=\"timeout \u00D71\\nafter 247 s\", style=dashed, color=\"#1a9850\""), std::string::npos)
        << dot;
    // power_cycle was taken from HoldOff only (twice).
    EXPECT_NE(dot.find("__any -> \"Init\" [label=\"1/4 sources covered\\npower_cycle \u00D72\", style=bold, "
                       "color=\"#e31a1c\""),
              std::string::npos)
        << dot;
}

TEST(DotCoverage, EverythingUncoveredWhenTheSuiteIsEmpty) {
    const auto m = load(kData + "/diagrams/coverage.lwm2m");
    Highlights h;
    h.coverage = diagrams::Coverage{};

    const std::string dot = diagrams::to_dot(m, {}, h);

    EXPECT_NE(dot.find("covered 0 of 13 transitions"), std::string::npos);
    EXPECT_EQ(count(dot, "color=\"#1a9850\""), 0U);
    EXPECT_EQ(count(dot, "color=\"#e08214\""), 0U);
    EXPECT_NE(dot.find("label=\"boot \u00D70\", style=solid, color=\"#e31a1c\""), std::string::npos) << dot;
}

TEST(DotCoverage, WithoutCoverageNothingChanges) {
    const auto m = load(kData + "/diagrams/coverage.lwm2m");

    const std::string dot = diagrams::to_dot(m);

    EXPECT_EQ(count(dot, "\u00D7"), 0U);
    EXPECT_EQ(count(dot, "covered"), 0U);
}

// ---- proposal diagrams ----------------------------------------------------------------------------------

namespace {

/// config.lwm2m with the overlay proposal.lwm2m: HoldOff + write -> Pending removed, the guard of HoldOff +
/// expired changed, a state Sleeping with two rows added, a constraint added.
struct ProposalFixture {
    model::Model base = load(kData + "/diagrams/config.lwm2m");
    model::Model proposal = [] {
        auto r = model::load_with_overlay(kData + "/diagrams/config.lwm2m", kData + "/diagrams/proposal.lwm2m");
        if (!r.ok()) {
            ADD_FAILURE() << "cannot load the proposal";
            throw std::runtime_error("proposal");
        }
        return std::move(*r.model);
    }();
    model::ModelDiff diff = model::diff_models(base, proposal);
    diagrams::ProposalInput input{base, proposal, diff, {}, {}};
};

/// A made-up base layout: states on a column, 100 points apart, every node 80 x 30 points.
diagrams::Layout column_layout(const model::Model& m) {
    diagrams::Layout layout;
    layout.nodes["__initial"] = {50, 1000, 13, 13};
    layout.nodes["__any"] = {300, 1000, 80, 30};
    for (std::size_t i = 0; i < m.state_count(); ++i) {
        layout.nodes[m.state(model::StateId{i}).name] = {50, 900 - 100.0 * static_cast<double>(i), 80, 30};
    }
    return layout;
}

/// The attributes of the first DOT line that starts with `start` (after indentation).
std::string line_of(const std::string& dot, const std::string& start) {
    std::istringstream in(dot);
    for (std::string line; std::getline(in, line);) {
        const auto first = line.find_first_not_of(' ');
        if (first != std::string::npos && line.compare(first, start.size(), start) == 0) {
            return line;
        }
    }
    return {};
}

}  // namespace

TEST(DotProposal, MarksAddedChangedAndRemovedElements) {
    ProposalFixture f;

    const std::string dot = diagrams::proposal_to_dot(f.input, {}, {}, {}, {});

    expect_golden("proposal", dot);
    // Added: the state and its rows, green, bold, "+".
    EXPECT_NE(line_of(dot, "\"Sleeping\" [").find("<B>+ Sleeping</B>"), std::string::npos) << dot;
    EXPECT_NE(line_of(dot, "\"Sleeping\" [").find("color=\"#1a9850\""), std::string::npos);
    const std::string sleep = line_of(dot, "\"Registered\" -> \"Sleeping\"");
    EXPECT_NE(sleep.find("label=\"+ sleep\""), std::string::npos) << sleep;
    EXPECT_NE(sleep.find("color=\"#1a9850\""), std::string::npos);
    // Changed: orange, the base's guard struck through above the proposal's.
    const std::string expired = line_of(dot, "\"HoldOff\" -> \"Requesting\"");
    EXPECT_NE(expired.find("color=\"#e66101\""), std::string::npos) << expired;
    EXPECT_NE(expired.find("<S>[ci]</S>"), std::string::npos) << expired;
    EXPECT_NE(expired.find("[ci &amp;&amp; hold_off &gt; 0]"), std::string::npos) << expired;
    // Removed: drawn from the base, grey, dashed, struck through.
    const std::string write = line_of(dot, "\"HoldOff\" -> \"Pending\"");
    EXPECT_NE(write.find("<S>write</S>"), std::string::npos) << write;
    EXPECT_NE(write.find("style=dashed, color=\"#969696\""), std::string::npos) << write;
    // The legend has an entry for each, and the constraint the proposal adds.
    EXPECT_NE(dot.find("added by the proposal"), std::string::npos);
    EXPECT_NE(dot.find("changed by the proposal"), std::string::npos);
    EXPECT_NE(dot.find("removed by the proposal"), std::string::npos);
    EXPECT_NE(dot.find("+ constraint needs_ci: ci"), std::string::npos);
    EXPECT_NE(dot.find("proposal on config_greying: 1 state added, 3 transitions added, 1 transition changed, "
                       "1 transition removed"),
              std::string::npos);
    // Without a base layout nothing is pinned.
    EXPECT_EQ(count(dot, "pos="), 0U);
    EXPECT_EQ(count(dot, "nop2"), 0U);
}

TEST(DotProposal, CommonNodesKeepTheBasePositionsAndAddedOnesTheirOffset) {
    ProposalFixture f;
    const diagrams::Layout base = column_layout(f.base);
    // The proposal's own layout: Sleeping 120 points right of Registered.
    diagrams::Layout own = column_layout(f.proposal);
    own.nodes["Sleeping"] = {own.nodes["Registered"].x + 120, own.nodes["Registered"].y, 90, 30};

    const std::string dot = diagrams::proposal_to_dot(f.input, {}, {}, base, own);

    EXPECT_NE(dot.find("graph [layout=nop2, splines=true];"), std::string::npos);
    for (const auto& [name, node] : base.nodes) {
        const std::string pos = fmt::format("pos=\"{:.2f},{:.2f}\"", node.x, node.y);
        const std::string line = line_of(dot, name.rfind("__", 0) == 0 ? name + " [" : "\"" + name + "\" [");
        EXPECT_NE(line.find(pos), std::string::npos) << name << ": " << line;
    }
    const auto& registered = base.nodes.at("Registered");
    EXPECT_NE(
        line_of(dot, "\"Sleeping\" [").find(fmt::format("pos=\"{:.2f},{:.2f}\"", registered.x + 120, registered.y)),
        std::string::npos)
        << line_of(dot, "\"Sleeping\" [");
}

TEST(DotProposal, EdgesDrawnAsInTheBaseKeepItsSplines) {
    ProposalFixture f;
    diagrams::Layout base = column_layout(f.base);
    base.edges["e:Init.boot.HoldOff"] = {"e,50,810 50,880", "60,850"};
    base.edges["e:HoldOff.expired.Requesting"] = {"e,50,710 50,780", "60,750"};
    const diagrams::Layout own = column_layout(f.proposal);

    const std::string dot = diagrams::proposal_to_dot(f.input, {}, {}, base, own);

    const std::string boot = line_of(dot, "\"Init\" -> \"HoldOff\"");
    EXPECT_NE(boot.find("id=\"e:Init.boot.HoldOff\", pos=\"e,50,810 50,880\", lp=\"60,850\""), std::string::npos)
        << boot;
    // A changed edge is routed anew (its label differs).
    EXPECT_EQ(line_of(dot, "\"HoldOff\" -> \"Requesting\"").find("pos="), std::string::npos);
}

TEST(DotProposal, FindingsUseCheckNumbersAndResolvedOnesTheBaseNumber) {
    ProposalFixture f;
    Highlights h;
    diagrams::Mark unreachable;
    unreachable.kind = MarkKind::Unreachable;
    unreachable.summary = "not reached: Sleeping";
    unreachable.states = {*f.proposal.find_state("Sleeping")};
    unreachable.numbers = {4};
    unreachable.change = "new";
    h.marks.push_back(unreachable);
    diagrams::Mark resolved;
    resolved.kind = MarkKind::Unreachable;
    resolved.summary = "not reached: Pending";
    resolved.numbers = {2};
    resolved.resolved = true;
    resolved.change = "resolved";
    h.marks.push_back(resolved);

    const std::string dot = diagrams::proposal_to_dot(f.input, {}, h, {}, {});

    EXPECT_NE(line_of(dot, "\"Sleeping\" [").find(">#4<"), std::string::npos) << line_of(dot, "\"Sleeping\" [");
    EXPECT_NE(dot.find("<B>#4</B></FONT></TD><TD ALIGN=\"LEFT\" BALIGN=\"LEFT\"><FONT COLOR=\"#969696\"><B>new</B>: "
                       "unreachable: not reached: Sleeping"),
              std::string::npos);
    EXPECT_NE(
        dot.find("<B>base #2</B></FONT></TD><TD ALIGN=\"LEFT\" BALIGN=\"LEFT\"><FONT COLOR=\"#1a9850\"><B>resolved"
                 "</B>: <S>unreachable: not reached: Pending</S>"),
        std::string::npos);
    EXPECT_EQ(count(dot, "F1"), 0U);
    // The resolved finding names base states: it marks none of the proposal's.
    EXPECT_EQ(line_of(dot, "\"Pending\" [").find("#2"), std::string::npos);
}

TEST(DotProposal, RendersWithThePositionsOfTheBaseLayout) {
    ProposalFixture f;

    const std::string dot = diagrams::proposal_dot(f.input, {}, {});
    const diagrams::Layout base = diagrams::lay_out(diagrams::proposal_base_dot(f.input));
    const std::string svg = diagrams::render(dot, diagrams::ImageFormat::Svg);

    for (std::size_t i = 0; i < f.base.state_count(); ++i) {
        const std::string& name = f.base.state(model::StateId{i}).name;
        const auto& node = base.nodes.at(name);
        EXPECT_NE(line_of(dot, "\"" + name + "\" [").find(fmt::format("pos=\"{:.2f},{:.2f}\"", node.x, node.y)),
                  std::string::npos)
            << name;
    }
    EXPECT_NE(svg.find("Sleeping"), std::string::npos);
    EXPECT_NE(svg.find("<svg"), std::string::npos);
}

namespace {

TEST(DotExport, TheLegendSpellsOutAGoalCondition) {
    model::Model m = load(kData + "/models/valid/shared-enum-goal-peers.lwm2m");
    DotOptions options;
    options.legend = true;
    const std::string dot = diagrams::to_dot(m, options);
    EXPECT_NE(
        dot.find("<TD>goal</TD><TD ALIGN=\"LEFT\">at(Ready) &amp;&amp; status1 == Registered &amp;&amp; status2 == "
                 "Registered</TD>"),
        std::string::npos)
        << dot;
}

}  // namespace
