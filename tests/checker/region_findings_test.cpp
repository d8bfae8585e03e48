// SPDX-License-Identifier: Apache-2.0
// The built-in analyses see region states: an unreachable region state of a region instance, and a reachable region
// state with no way out, in both engines, with the same conditions; reports name region states as `srv[1]=Failed`.

#include "lwm2mc/checker/check.hpp"
#include "lwm2mc/checker/report.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>

#include "../model/region_fixture.hpp"
#include "../model/test_support.hpp"
#include "random_models.hpp"

using namespace lwm2mc;

namespace {

model::Model two_servers() {
    return test::load_two_servers();
}

checker::CheckResult run(const model::Model& m, checker::Engine engine) {
    checker::CheckOptions options;
    options.engine = engine;
    options.progress = [](const std::string&) {};
    return checker::check(m, options);
}

const checker::Finding* find(const checker::CheckResult& r, const std::string& id) {
    const auto it = std::find_if(r.findings.begin(), r.findings.end(), [&](const auto& f) { return f.id == id; });
    return it == r.findings.end() ? nullptr : &*it;
}

class RegionFindings : public testing::TestWithParam<checker::Engine> {};

}  // namespace

TEST_P(RegionFindings, ReportsUnreachableRegionStatesPerInstance) {
    const auto m = two_servers();

    const auto r = run(m, GetParam());

    EXPECT_TRUE(r.unknown.empty()) << r.unknown.front();
    for (const char* id :
         {"unreachable-state:srv[1]=Lost", "unreachable-state:srv[2]=Lost", "unreachable-state:srv[2]=Retrying"}) {
        const auto* f = find(r, id);
        ASSERT_NE(f, nullptr) << id;
        EXPECT_EQ(f->kind, checker::FindingKind::UnreachableState);
        EXPECT_EQ(f->severity, model::Severity::Warning) << id;
        EXPECT_TRUE(f->condition.always()) << id << ": " << f->condition.to_string();
        EXPECT_TRUE(f->states.empty());
        ASSERT_TRUE(f->region_state.has_value());
    }
    const auto* lost = find(r, "unreachable-state:srv[1]=Lost");
    EXPECT_EQ(lost->message, "region state 'Lost' of 'srv[1]' is unreachable in every configuration");
    EXPECT_EQ(lost->subject, "srv[1]=Lost");
    EXPECT_EQ(lost->region_state->region, 1U);
    EXPECT_EQ(lost->region_state->state, 5);
    // reached only when failures are retried
    const auto* retrying = find(r, "unreachable-state:srv[1]=Retrying");
    ASSERT_NE(retrying, nullptr);
    EXPECT_EQ(retrying->severity, model::Severity::Note);
    EXPECT_EQ(retrying->condition.to_string(), "!retry");
    EXPECT_EQ(find(r, "unreachable-state:srv[1]=Registered"), nullptr);
    EXPECT_EQ(find(r, "unreachable-state:conn=Up"), nullptr);
}

TEST_P(RegionFindings, ReportsAReachableRegionStateWithNoWayOutWithAWitness) {
    const auto m = two_servers();

    const auto r = run(m, GetParam());

    const auto* dead = find(r, "dead-region-state:srv[2]=Failed");
    ASSERT_NE(dead, nullptr);
    EXPECT_EQ(dead->kind, checker::FindingKind::DeadRegionState);
    EXPECT_EQ(dead->message,
              "region state 'Failed' of 'srv[2]' has no way out: no step leaves it and it is not a goal");
    EXPECT_TRUE(dead->condition.always()) << dead->condition.to_string();
    ASSERT_TRUE(dead->witness.has_value());
    ASSERT_EQ(dead->witness->steps.size(), 4U);
    const auto& last = dead->witness->steps.back();
    EXPECT_EQ(last.region_source, "srv[2]=Registering");
    EXPECT_EQ(last.region_target, "srv[2]=Failed");
    EXPECT_EQ(dead->witness->steps.front().region_source, "") << "a main-machine step";
    // srv[1] retries; unreachable states are not dead ends; a goal is not one
    EXPECT_EQ(find(r, "dead-region-state:srv[1]=Failed"), nullptr);
    EXPECT_EQ(find(r, "dead-region-state:srv[1]=Lost"), nullptr);
    EXPECT_EQ(find(r, "dead-region-state:conn=Up"), nullptr);
}

INSTANTIATE_TEST_SUITE_P(Engines, RegionFindings, testing::Values(checker::Engine::Explicit, checker::Engine::Z3));

TEST(RegionFindingsAgreement, BothEnginesFindTheSameRegionStateFindings) {
    const auto m = two_servers();

    const auto both = run(m, checker::Engine::Both);
    const auto explicit_run = run(m, checker::Engine::Explicit);
    const auto z3 = run(m, checker::Engine::Z3);

    EXPECT_TRUE(both.unknown.empty()) << both.unknown.front();
    ASSERT_EQ(explicit_run.findings.size(), z3.findings.size());
    for (std::size_t i = 0; i < z3.findings.size(); ++i) {
        EXPECT_EQ(explicit_run.findings[i].id, z3.findings[i].id);
        EXPECT_EQ(explicit_run.findings[i].message, z3.findings[i].message);
        EXPECT_EQ(explicit_run.findings[i].condition.to_string(), z3.findings[i].condition.to_string());
    }
}

TEST(RegionFindingsReport, ReportsNameRegionStatesBesideTheMainState) {
    const auto m = two_servers();
    const auto r = run(m, checker::Engine::Explicit);
    const std::optional<checker::ProposalDiff> no_diff;
    const checker::ReportInput input{m, r, no_diff};

    std::ostringstream text;
    checker::print_text(text, input);
    const std::string json = checker::to_json(input);
    const std::string sarif = checker::to_sarif(input);
    std::ostringstream html;
    checker::print_html(html, input, {});

    EXPECT_NE(text.str().find("Ready, srv[2]=Registering --reg_fail (fault)--> Ready, srv[2]=Failed"),
              std::string::npos)
        << text.str();
    EXPECT_NE(text.str().find("warning: region state 'Failed' of 'srv[2]' has no way out"), std::string::npos);
    EXPECT_NE(json.find("\"region_target\": \"srv[2]=Failed\""), std::string::npos);
    EXPECT_NE(json.find("\"element\": \"region state\""), std::string::npos) << "the region state is cited";
    EXPECT_NE(sarif.find("Ready, srv[2]=Registering --reg_fail (fault)--> Ready, srv[2]=Failed"), std::string::npos);
    EXPECT_NE(sarif.find("\"id\": \"dead-region-state\""), std::string::npos);
    EXPECT_NE(html.str().find("Ready, srv[2]=Registering --reg_fail (fault)--&gt; Ready, srv[2]=Failed"),
              std::string::npos);
}

/// A model without parameters has one configuration and nothing to name: no report says "witness under :".
TEST(WitnessReport, AModelWithoutParametersNamesNoConfiguration) {
    const auto m = test::load_valid(R"(model m;
state A initial;
state B goal;
state C;
event go: client;
event lose: fault;
A + go -> B;
B + lose -> C;
)");
    const auto r = run(m, checker::Engine::Explicit);
    ASSERT_NE(find(r, "no-recovery:C"), nullptr);
    const std::optional<checker::ProposalDiff> no_diff;
    const checker::ReportInput input{m, r, no_diff};

    std::ostringstream text;
    checker::print_text(text, input);
    std::ostringstream markdown;
    checker::print_markdown(markdown, input);
    std::ostringstream html;
    checker::print_html(html, input, {});
    const std::string sarif = checker::to_sarif(input);

    EXPECT_NE(text.str().find("    witness:\n"), std::string::npos) << text.str();
    for (const std::string& out : {text.str(), markdown.str(), html.str(), sarif}) {
        EXPECT_EQ(out.find("under :"), std::string::npos) << out;
        EXPECT_EQ(out.find("under ``"), std::string::npos) << out;
        EXPECT_EQ(out.find("under <code></code>"), std::string::npos) << out;
        EXPECT_EQ(out.find("under ,"), std::string::npos) << out;
    }
}

/// Random models of the agreement sample with every enum variable made a region (its self-loops that test it become
/// the region's rows): the engines and the oracle agree on the region-state findings too.
TEST(RegionFindingsAgreement, EnginesAgreeOnRandomModelsWithTheirEnumVariablesAsRegions) {
    test::AgreementOptions options;
    options.solver_timeout_ms = 1500;
    options.time_limit_ms = 3000;
    options.oracle_configurations = 16;
    std::size_t with_regions = 0;
    std::size_t region_findings = 0;
    for (unsigned seed = 1; seed <= 60 && with_regions < 12; ++seed) {
        const test::RandomModel random = test::generate_random_model(seed);
        if (random.features.find("enum-var") == std::string::npos) {
            continue;
        }
        const auto dir = std::filesystem::path(testing::TempDir()) / fmt::format("lwm2mc-region-agreement-{}", seed);
        auto loaded = test::load_random_model(random, dir);
        std::filesystem::remove_all(dir);
        ASSERT_TRUE(loaded.ok()) << model::format_diagnostics(loaded.diagnostics);
        model::Model& m = *loaded.model;
        const std::size_t variables = m.variables.size();
        for (std::size_t v = 0; v < variables; ++v) {
            if (m.variables[v].type.kind == model::TypeKind::Enum) {
                const std::string name = m.variables[v].name;
                test::attach_region(m, {name, name, name, {}, {}});
            }
        }
        if (m.regions.empty()) {
            continue;
        }
        ++with_regions;

        const test::Agreement a = test::check_agreement(m, seed, options);
        const auto explicit_run = run(m, checker::Engine::Explicit);

        for (const auto& d : a.disagreements) {
            ADD_FAILURE() << "seed " << seed << ": " << d << "\n" << random.base;
        }
        region_findings += static_cast<std::size_t>(std::count_if(
            explicit_run.findings.begin(), explicit_run.findings.end(), [](const auto& f) { return f.region_state; }));
    }

    EXPECT_GE(with_regions, 5U);
    EXPECT_GT(region_findings, 0U) << "the sample has region-state findings to agree on";
}
