// SPDX-License-Identifier: Apache-2.0
// Regions in diagrams: one cluster per region declaration with its states and rows, no region self-loops in the
// main machine, witness steps through region rows highlighted, rendered by Graphviz.

#include "lwm2mc/diagrams/dot.hpp"
#include "lwm2mc/diagrams/render.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>

#include "../model/region_fixture.hpp"
#include "../model/test_support.hpp"

using namespace lwm2mc;

namespace {

model::Model two_servers() {
    return test::load_two_servers();
}

/// The DOT text of cluster `name`, from its `subgraph` line to its closing brace.
std::string cluster(const std::string& dot, const std::string& name) {
    const auto begin = dot.find("subgraph \"" + name + "\"");
    if (begin == std::string::npos) {
        return {};
    }
    return dot.substr(begin, dot.find("\n  }\n", begin) - begin);
}

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + what.size())) {
        ++n;
    }
    return n;
}

}  // namespace

TEST(RegionDiagram, DrawsOneClusterPerRegionDeclarationWithItsStatesAndRows) {
    const auto m = two_servers();

    const std::string dot = diagrams::to_dot(m);

    const std::string srv = cluster(dot, "cluster_region_srv");
    ASSERT_FALSE(srv.empty()) << dot;
    EXPECT_NE(srv.find("label=\"region srv[1..2]\""), std::string::npos) << srv;
    for (const char* state : {"Idle", "Registering", "Registered", "Failed", "Retrying", "Lost"}) {
        EXPECT_NE(srv.find(fmt::format("\"region:srv:{}\" [label=", state)), std::string::npos) << state;
    }
    // the instances' rows merged into one edge per (source, target, row), labelled without the region's own test
    EXPECT_EQ(count(srv, "\"region:srv:Idle\" -> \"region:srv:Registering\""), 1U) << srv;
    EXPECT_NE(srv.find("label=\"register\\n[conn == Up]\\nduring Ready\""), std::string::npos) << srv;
    EXPECT_NE(srv.find("\"region:srv:Registering\" -> \"region:srv:Registered\" [label=\"reg_ok\","), std::string::npos)
        << "a row that fires in every main state says no 'during':\n"
        << srv;
    // a row only instance 1 has says so
    EXPECT_NE(srv.find("label=\"srv[1]: reregister\\n[retry]\\nduring Ready\""), std::string::npos) << srv;
    // initial and goal region states
    EXPECT_NE(srv.find("\"region:srv:__initial\" -> \"region:srv:Idle\""), std::string::npos) << srv;
    EXPECT_NE(srv.find("\"region:srv:Registered\" [label=<<TABLE"), std::string::npos);
    const auto registered = srv.substr(srv.find("\"region:srv:Registered\" [label="));
    EXPECT_NE(registered.substr(0, registered.find('\n')).find("fillcolor=\"#d9f0d3\""), std::string::npos);
    // a region self-loop is listed inside its region state
    EXPECT_NE(registered.substr(0, registered.find('\n')).find("update"), std::string::npos);
    const std::string conn = cluster(dot, "cluster_region_conn");
    EXPECT_NE(conn.find("label=\"region conn\""), std::string::npos) << dot;
    EXPECT_NE(conn.find("\"region:conn:Down\" -> \"region:conn:Up\" [label=\"link_up\""), std::string::npos) << conn;
}

TEST(RegionDiagram, RegionRowsAreNotSelfLoopsOfTheMainMachine) {
    const auto m = two_servers();

    const std::string dot = diagrams::to_dot(m);

    const auto ready = dot.substr(dot.find("\"Ready\" [label="));
    const std::string ready_node = ready.substr(0, ready.find('\n'));
    EXPECT_EQ(ready_node.find("\u21BB"), std::string::npos) << ready_node;
    EXPECT_EQ(ready_node.find("register"), std::string::npos) << ready_node;
    EXPECT_EQ(count(dot, "\"Ready\" -> \"Ready\""), 0U);
    EXPECT_EQ(count(dot, "\"Init\" -> \"Ready\""), 1U);
}

TEST(RegionDiagram, WitnessStepsThroughRegionRowsAreHighlightedOnTheRegionEdge) {
    const auto m = two_servers();
    diagrams::Highlights h;
    h.trace = diagrams::TraceOverlay{"dead-region-state:srv[2]=Failed", {}, m.find_state("Ready")};
    for (const char* name :
         {"Init.boot.Ready", "Ready.link_up.Ready", "Ready.register.Ready#2", "Ready.reg_fail.Ready#2"}) {
        const auto t = m.find_transition(name);
        ASSERT_TRUE(t.has_value()) << name;
        h.trace->steps.push_back(*t);
    }

    const std::string dot = diagrams::to_dot(m, {}, h);

    const std::string srv = cluster(dot, "cluster_region_srv");
    EXPECT_NE(srv.find("\"region:srv:Idle\" -> \"region:srv:Registering\" [label=\"(3) register"), std::string::npos)
        << srv;
    EXPECT_NE(srv.find("\"region:srv:Registering\" -> \"region:srv:Failed\" [label=\"(4) reg_fail"), std::string::npos)
        << srv;
    EXPECT_NE(cluster(dot, "cluster_region_conn").find("label=\"(2) link_up\""), std::string::npos);
    EXPECT_EQ(count(srv, "penwidth=3"), 2U) << srv;
}

TEST(RegionDiagram, FindingsOnRegionStatesMarkTheRegionState) {
    const auto m = two_servers();
    diagrams::Highlights h;
    diagrams::Mark lost{
        diagrams::MarkKind::Unreachable, "unreachable-state:srv[1]=Lost", "never reached", "", {}, {}, {4}};
    lost.region_states = {{1, 5}};
    diagrams::Mark lost2 = lost;
    lost2.numbers = {5};
    lost2.region_states = {{2, 5}};
    diagrams::Mark dead{diagrams::MarkKind::Deadlock, "dead-region-state:srv[2]=Failed", "no way out", "", {}, {}, {2}};
    dead.region_states = {{2, 3}};
    h.marks = {lost, lost2, dead};

    const std::string dot = diagrams::to_dot(m, {}, h);

    const auto node = [&](const std::string& state) {
        const auto at = dot.substr(dot.find("\"region:srv:" + state + "\" [label="));
        return at.substr(0, at.find('\n'));
    };
    EXPECT_NE(node("Lost").find("#4 srv[1] #5 srv[2]"), std::string::npos) << node("Lost");
    EXPECT_NE(node("Lost").find("fillcolor=\"#f0f0f0\""), std::string::npos) << "unreachable in every instance: grey";
    EXPECT_NE(node("Failed").find("#2 srv[2]"), std::string::npos) << node("Failed");
    EXPECT_NE(node("Failed").find("peripheries=3"), std::string::npos) << node("Failed");
    EXPECT_NE(dot.find("dead region state: no way out"), std::string::npos) << "the legend names what it is";
}

TEST(RegionDiagram, RendersTheRegionClusterWithGraphviz) {
    const auto m = two_servers();

    const std::string svg = diagrams::render(diagrams::to_dot(m), diagrams::ImageFormat::Svg);

    EXPECT_NE(svg.find("region srv[1..2]"), std::string::npos);
    EXPECT_NE(svg.find("region conn"), std::string::npos);
    EXPECT_NE(svg.find("<title>region:srv:Idle&#45;&gt;region:srv:Registering</title>"), std::string::npos)
        << "the region edge is drawn";
    EXPECT_NE(svg.find("srv[1]: reregister"), std::string::npos);
}
