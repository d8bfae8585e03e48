// SPDX-License-Identifier: Apache-2.0
// Pins what the checker concludes on the shipped TS 1.0-draft model and the recommendation
// overlay: the contribution's argument, reached mechanically.

#include "lwm2mc/checker/check.hpp"
#include "lwm2mc/checker/report.hpp"
#include "lwm2mc/model/loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace {

using namespace lwm2mc;

const std::string kSpecs = LWM2MC_SPECS_DIR;

checker::CheckResult check_file(const std::string& relative) {
    auto loaded = model::load_model(kSpecs + "/" + relative);
    EXPECT_TRUE(loaded.ok()) << model::format_diagnostics(loaded.diagnostics);
    return checker::check_explicit(*loaded.model, {});
}

const checker::Finding* find(const checker::CheckResult& r, const std::string& id) {
    auto it = std::find_if(r.findings.begin(), r.findings.end(), [&](const checker::Finding& f) { return f.id == id; });
    return it == r.findings.end() ? nullptr : &*it;
}

const std::string kSiOnly = "!factory && !smartcard && !client_initiated && server_initiated";

TEST(ShippedFindings, ServerInitiatedOnlyClientsCannotRecoverFromAFailedBootstrap) {
    auto r = check_file("lwm2m-ts10-draft.lwm2m");

    const auto* f = find(r, "no-recovery:BsFailed");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->condition.to_string(), kSiOnly);
    ASSERT_TRUE(f->witness);
    EXPECT_EQ(f->witness->steps.back().target, "BsFailed");
    EXPECT_EQ(f->witness->steps.back().event, "exchange_lifetime_expired");
    ASSERT_FALSE(f->witness->notes.empty());
    EXPECT_EQ(f->witness->notes[0].rfind("stuck in 'BsFailed'", 0), 0U);
    EXPECT_EQ(find(r, "recover:bootstrap_failure_recovers")->condition.to_string(), kSiOnly);
}

TEST(ShippedFindings, ATooLargeClientHoldOffTimeDelaysReregistrationAfterFactoryReset) {
    auto r = check_file("lwm2m-ts10-draft.lwm2m");

    const auto* f = find(r, "within:factory_reset_reregisters_in_time");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->condition.to_string(),
              "(" + kSiOnly +
                  " && supports_factory_reset) || "
                  "(!factory && !smartcard && client_initiated && supports_factory_reset && hold_off > 600)");
}

TEST(ShippedFindings, RegistrationAfterFactoryResetHoldsForEveryChoiceExceptServerInitiatedOnly) {
    auto r = check_file("lwm2m-ts10-draft.lwm2m");

    const auto* f = find(r, "recover:factory_reset_recovers");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->condition.to_string(), kSiOnly + " && supports_factory_reset");
}

TEST(ShippedFindings, EveryRebootChoiceOfAProvisionedClientRecovers) {
    auto r = check_file("lwm2m-ts10-draft.lwm2m");

    EXPECT_EQ(find(r, "recover:reboot_recovers"), nullptr);
}

TEST(ShippedFindings, TheModelHasNoDeadlockAmbiguityOrInvariantViolation) {
    auto r = check_file("lwm2m-ts10-draft.lwm2m");

    for (const auto& f : r.findings) {
        EXPECT_NE(f.kind, checker::FindingKind::Deadlock) << f.id;
        EXPECT_NE(f.kind, checker::FindingKind::Ambiguity) << f.id;
        EXPECT_NE(f.kind, checker::FindingKind::Invariant) << f.id;
        EXPECT_NE(f.kind, checker::FindingKind::EvaluationError) << f.id;
    }
    EXPECT_TRUE(r.unknown.empty());
    EXPECT_EQ(r.configurations, 30U);
}

TEST(ShippedFindings, TheRecommendationRemovesEveryServerInitiatedOnlyFinding) {
    auto base = check_file("lwm2m-ts10-draft.lwm2m");
    auto proposal = check_file("proposals/2017-0009-ci-with-si.lwm2m");

    auto diff = checker::compare(base, proposal);

    std::vector<std::string> resolved;
    for (const auto& f : diff.resolved) {
        resolved.push_back(f.id);
        EXPECT_NE(f.condition.to_string().find(kSiOnly), std::string::npos) << f.id;
    }
    std::sort(resolved.begin(), resolved.end());
    EXPECT_EQ(resolved, (std::vector<std::string>{"no-recovery:BsFailed", "no-recovery:BsHoldOff", "no-recovery:Init",
                                                  "no-recovery:Rebooting", "recover:bootstrap_failure_recovers",
                                                  "recover:factory_reset_recovers"}));
    EXPECT_TRUE(diff.introduced.empty());
    // what remains is the ClientHoldOffTime bound
    ASSERT_NE(find(proposal, "within:factory_reset_reregisters_in_time"), nullptr);
    EXPECT_EQ(find(proposal, "within:factory_reset_reregisters_in_time")->condition.to_string(),
              "!factory && !smartcard && client_initiated && supports_factory_reset && hold_off > 600");
}

}  // namespace
