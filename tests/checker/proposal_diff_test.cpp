// SPDX-License-Identifier: Apache-2.0
// Proposals compared by meaning (compare.hpp): the verdict a spec editor pastes into a contribution
// must never hide a change. The two overlays of issue 12 under every engine, and the comparison's
// cases on hand-made models whose answers are known.
#include "lwm2mc/checker/check.hpp"
#include "lwm2mc/checker/compare.hpp"
#include "lwm2mc/model/loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "../model/test_support.hpp"

namespace {

using namespace lwm2mc;
using checker::Change;

const std::string kSpecs = LWM2MC_SPECS_DIR;
const std::string kData = LWM2MC_TEST_DATA_DIR;

const checker::FindingChange* change_of(const checker::ProposalDiff& d, const std::string& id) {
    auto it = std::find_if(d.changes.begin(), d.changes.end(), [&](const auto& c) { return c.id == id; });
    return it == d.changes.end() ? nullptr : &*it;
}

class ShippedProposal : public testing::TestWithParam<checker::Engine> {
protected:
    checker::ProposalDiff diff_with(const std::string& overlay) {
        auto base = model::load_model(kSpecs + "/lwm2m-ts10-draft.lwm2m");
        auto proposal =
            model::load_with_overlay(kSpecs + "/lwm2m-ts10-draft.lwm2m", kData + "/models/proposals/" + overlay);
        EXPECT_TRUE(base.ok() && proposal.ok()) << model::format_diagnostics(proposal.diagnostics);
        checker::CheckOptions options;
        options.engine = GetParam();
        return checker::compare(*base.model, checker::check(*base.model, options), *proposal.model,
                                checker::check(*proposal.model, options));
    }
};

TEST_P(ShippedProposal, DeletingTheBootstrapAccountWidensNoRecoveryToEveryClientWithoutFactoryOrSmartcard) {
    auto d = diff_with("delete-all-deletes-bs-account.lwm2m");

    EXPECT_TRUE(d.unknown.empty());
    for (const char* state : {"Init", "BsFailed", "Rebooting"}) {
        const auto* c = change_of(d, std::string("no-recovery:") + state);
        ASSERT_NE(c, nullptr) << state;
        EXPECT_EQ(c->change, Change::Widened) << state;
        EXPECT_EQ(c->now_also.to_string(), "!factory && !smartcard && client_initiated") << state;
        EXPECT_TRUE(c->no_longer.never()) << state;
        EXPECT_EQ(c->proposal->condition.to_string(), "!factory && !smartcard") << state;
        // the example configuration is in the new part: a client-initiated client without factory or card
        EXPECT_NE(c->now_also_configuration.find("factory=false, smartcard=false, client_initiated=true"),
                  std::string::npos)
            << c->now_also_configuration;
    }
    EXPECT_TRUE(d.introduces(checker::Severity::Error));
    EXPECT_TRUE(d.of(Change::New).empty());
    EXPECT_TRUE(d.of(Change::Resolved).empty());
}

TEST_P(ShippedProposal, NoRetryAfterAFailedBootstrapLeavesRecoveryToAnOperator) {
    auto d = diff_with("no-retry-after-failed-bootstrap.lwm2m");

    EXPECT_TRUE(d.unknown.empty());
    const auto* c = change_of(d, "needs-intervention:BsFailed");
    ASSERT_NE(c, nullptr);
    // in the base only SI clients with a card or a factory configuration, after the bootstrap server
    // deleted everything; without the retry every client-initiated client too
    EXPECT_EQ(c->change, Change::Widened);
    EXPECT_EQ(c->now_also.to_string(), "client_initiated");
    EXPECT_EQ(c->proposal->severity, checker::Severity::Warning);
    ASSERT_TRUE(c->proposal->witness);
    EXPECT_EQ(c->proposal->witness->steps.back().target, "BsFailed");
    // nothing else changed: no new error, the power cycle still brings the client back
    for (const auto& other : d.changes) {
        if (other.id != c->id) {
            EXPECT_EQ(other.change, Change::Unchanged) << other.id;
        }
    }
    EXPECT_TRUE(d.introduces(checker::Severity::Warning));
    EXPECT_FALSE(d.introduces(checker::Severity::Error));
}

INSTANTIATE_TEST_SUITE_P(Engines, ShippedProposal,
                         testing::Values(checker::Engine::Explicit, checker::Engine::Z3, checker::Engine::Auto),
                         [](const testing::TestParamInfo<checker::Engine>& param_info) {
                             return std::string(param_info.param == checker::Engine::Explicit ? "Explicit"
                                                : param_info.param == checker::Engine::Z3     ? "Z3"
                                                                                              : "Auto");
                         });

// ---- the comparison's cases on hand-made models ------------------------------------------------

/// A model whose state B is unreachable exactly when `guard` is false (a note, "in some").
std::string gated(const std::string& params, const std::string& guard) {
    return "model m;\n" + params +
           "\nstate A initial goal;\nstate B goal;\nevent e: client;\nevent back: client;\nA + e [" + guard +
           "] -> B;\nB + back -> A;\n";
}

checker::ProposalDiff compare_texts(const std::string& base, const std::string& proposal,
                                    checker::Engine engine = checker::Engine::Explicit) {
    model::Model b = test::load_valid(base);
    model::Model p = test::load_valid(proposal);
    checker::CheckOptions options;
    options.engine = engine;
    return checker::compare(b, checker::check(b, options), p, checker::check(p, options));
}

TEST(ProposalDiff, ClassifiesNarrowedChangedResolvedAndNew) {
    const std::string params = "parameter x: bool;\nparameter y: bool;\n";
    // unreachable when !(x || y): in the base x && y only -> narrowed... spelled out per case
    auto narrowed = compare_texts(gated(params, "x || y"), gated(params, "x || y || true"));
    ASSERT_NE(change_of(narrowed, "unreachable-state:B"), nullptr);
    EXPECT_EQ(change_of(narrowed, "unreachable-state:B")->change, Change::Resolved);

    auto wider = compare_texts(gated(params, "x || y"), gated(params, "x"));  // unreachable: !x && !y -> !x
    const auto* w = change_of(wider, "unreachable-state:B");
    ASSERT_NE(w, nullptr);
    EXPECT_EQ(w->change, Change::Widened);
    EXPECT_EQ(w->now_also.to_string(), "!x && y");
    EXPECT_EQ(w->now_also_configuration, "x=false, y=true");

    auto fewer = compare_texts(gated(params, "x"), gated(params, "x || y"));
    EXPECT_EQ(change_of(fewer, "unreachable-state:B")->change, Change::Narrowed);
    EXPECT_EQ(change_of(fewer, "unreachable-state:B")->no_longer.to_string(), "!x && y");
    EXPECT_FALSE(fewer.introduces(checker::Severity::Note));

    auto other = compare_texts(gated(params, "x"), gated(params, "y"));  // !x -> !y
    const auto* o = change_of(other, "unreachable-state:B");
    EXPECT_EQ(o->change, Change::Changed);
    EXPECT_EQ(o->now_also.to_string(), "x && !y");
    EXPECT_EQ(o->no_longer.to_string(), "!x && y");
    EXPECT_TRUE(other.introduces(checker::Severity::Note));

    auto fresh = compare_texts(gated(params, "true"), gated(params, "x"));
    EXPECT_EQ(change_of(fresh, "unreachable-state:B")->change, Change::New);
}

TEST(ProposalDiff, MatchesEnumValuesByNameAndTakesParametersTheProposalAdds) {
    // the proposal reorders the enum and adds a parameter: the same meaning is unchanged
    auto d = compare_texts(gated("parameter mode: enum { Fast, Slow, Off };", "mode != Off"),
                           gated("parameter mode: enum { Off, Slow, Fast };\nparameter extra: bool;", "mode != Off"));
    const auto* c = change_of(d, "unreachable-state:B");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->change, Change::Unchanged);
    // and the added parameter can narrow it
    auto n = compare_texts(
        gated("parameter mode: enum { Fast, Slow, Off };", "mode != Off"),
        gated("parameter mode: enum { Off, Slow, Fast };\nparameter extra: bool;", "mode != Off || extra"));
    EXPECT_EQ(change_of(n, "unreachable-state:B")->change, Change::Narrowed);
    EXPECT_EQ(change_of(n, "unreachable-state:B")->no_longer.to_string(), "mode == Off && extra");
}

TEST(ProposalDiff, IsUndecidedWhenTheProposalDropsAParameterTheConditionNeeds) {
    auto d = compare_texts(gated("parameter x: bool;", "x"), gated("parameter z: bool;", "z"));
    const auto* c = change_of(d, "unreachable-state:B");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->change, Change::Undecided);
    EXPECT_NE(c->why_undecided.find("'x'"), std::string::npos);
    EXPECT_FALSE(d.unknown.empty());
}

TEST(ProposalDiff, SolvesATimingParameterAsIntervals) {
    const std::string base = R"(
model m;
parameter fast: bool;
parameter h: int[0..4294967295];
state A initial;
state B goal;
event go: client;
A + go -> B after h;
property quick: within 600 from at(A);
)";
    std::string proposal = base;
    proposal.replace(proposal.find("after h"), 7, "after h + h");
    auto d = compare_texts(base, proposal);
    const auto* c = change_of(d, "within:quick");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->change, Change::Widened);
    EXPECT_EQ(c->now_also.to_string(), "h > 300 && h < 601");
    EXPECT_EQ(c->now_also_configuration, "fast=false, h=301");
}

TEST(ProposalDiff, TheSolverDecidesWhereTheConfigurationsCannotBeEnumerated) {
    // a 2^31-value parameter in a guard: the explicit engine refuses, Z3 checks and compares
    auto d = compare_texts(gated("parameter n: int[0..2147483647];", "n > 10"),
                           gated("parameter n: int[0..2147483647];", "n > 20"), checker::Engine::Z3);
    const auto* c = change_of(d, "unreachable-state:B");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->change, Change::Widened);
    EXPECT_EQ(c->now_also.to_string(), "n > 10 && n < 21");
    EXPECT_EQ(c->now_also_configuration, "n=11");
}

}  // namespace
