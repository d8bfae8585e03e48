// SPDX-License-Identifier: Apache-2.0
// Pins what the checker concludes on the shipped TS 1.0-draft model and the recommendation
// overlay: the contribution's argument, reached mechanically, by every engine (the same ids,
// messages and conditions, byte for byte).

#include "lwm2mc/checker/check.hpp"
#include "lwm2mc/checker/report.hpp"
#include "lwm2mc/model/loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <utility>

namespace {

using namespace lwm2mc;

const std::string kSpecs = LWM2MC_SPECS_DIR;

class ShippedFindings : public testing::TestWithParam<checker::Engine> {
protected:
    /// One run per file and engine for the whole suite (the Z3 engine takes seconds in Debug).
    const checker::CheckResult& check_file(const std::string& relative) {
        static std::map<std::pair<std::string, checker::Engine>, checker::CheckResult> runs;
        auto key = std::make_pair(relative, GetParam());
        auto it = runs.find(key);
        if (it == runs.end()) {
            checker::CheckOptions options;
            options.engine = GetParam();
            it = runs.emplace(key, checker::check(model_file(relative), options)).first;
        }
        return it->second;
    }
    static const model::Model& model_file(const std::string& relative) {
        static std::map<std::string, model::Model> models;
        auto it = models.find(relative);
        if (it == models.end()) {
            auto loaded = model::load_model(kSpecs + "/" + relative);
            EXPECT_TRUE(loaded.ok()) << model::format_diagnostics(loaded.diagnostics);
            it = models.emplace(relative, std::move(*loaded.model)).first;
        }
        return it->second;
    }
};

const checker::Finding* find(const checker::CheckResult& r, const std::string& id) {
    auto it = std::find_if(r.findings.begin(), r.findings.end(), [&](const checker::Finding& f) { return f.id == id; });
    return it == r.findings.end() ? nullptr : &*it;
}

const std::string kSiOnly = "!factory && !smartcard && !client_initiated && server_initiated";

TEST_P(ShippedFindings, ServerInitiatedOnlyClientsCannotRecoverFromAFailedBootstrap) {
    const auto& r = check_file("lwm2m-ts10-draft.lwm2m");

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

TEST_P(ShippedFindings, ATooLargeClientHoldOffTimeDelaysReregistrationAfterFactoryReset) {
    const auto& r = check_file("lwm2m-ts10-draft.lwm2m");

    const auto* f = find(r, "within:factory_reset_reregisters_in_time");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->condition.to_string(), "(" + kSiOnly +
                                            " && supports_factory_reset) || "
                                            "(!factory && !smartcard && supports_factory_reset && hold_off > 600)");
}

TEST_P(ShippedFindings, RegistrationAfterFactoryResetHoldsForEveryChoiceExceptServerInitiatedOnly) {
    const auto& r = check_file("lwm2m-ts10-draft.lwm2m");

    const auto* f = find(r, "recover:factory_reset_recovers");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->condition.to_string(), kSiOnly + " && supports_factory_reset");
}

TEST_P(ShippedFindings, EveryRebootChoiceOfAProvisionedClientRecovers) {
    const auto& r = check_file("lwm2m-ts10-draft.lwm2m");

    EXPECT_EQ(find(r, "recover:reboot_recovers"), nullptr);
}

TEST_P(ShippedFindings, TheModelHasNoDeadlockAmbiguityOrInvariantViolation) {
    const auto& r = check_file("lwm2m-ts10-draft.lwm2m");

    for (const auto& f : r.findings) {
        EXPECT_NE(f.kind, checker::FindingKind::Deadlock) << f.id;
        EXPECT_NE(f.kind, checker::FindingKind::Ambiguity) << f.id;
        EXPECT_NE(f.kind, checker::FindingKind::Invariant) << f.id;
        EXPECT_NE(f.kind, checker::FindingKind::EvaluationError) << f.id;
    }
    EXPECT_TRUE(r.unknown.empty());
    if (GetParam() != checker::Engine::Z3) {
        EXPECT_EQ(r.configurations, 30U);  // the explicit engine's count (with Both, the cross-check's)
    }
}

TEST_P(ShippedFindings, TheRecommendationRemovesEveryServerInitiatedOnlyFinding) {
    const auto& base = check_file("lwm2m-ts10-draft.lwm2m");
    const auto& proposal = check_file("proposals/2017-0009-ci-with-si.lwm2m");

    auto diff = checker::compare(model_file("lwm2m-ts10-draft.lwm2m"), base,
                                 model_file("proposals/2017-0009-ci-with-si.lwm2m"), proposal);

    std::vector<std::string> resolved;
    for (const auto* c : diff.of(checker::Change::Resolved)) {
        resolved.push_back(c->id);
        // every one of them is about clients with server-initiated but without client-initiated bootstrap
        EXPECT_NE(c->base->condition.to_string().find("!client_initiated && server_initiated"), std::string::npos)
            << c->id;
    }
    std::sort(resolved.begin(), resolved.end());
    EXPECT_EQ(resolved,
              (std::vector<std::string>{"needs-intervention:BsFailed", "needs-intervention:BsHoldOff",
                                        "needs-intervention:RegFailed", "no-recovery:BsFailed", "no-recovery:BsHoldOff",
                                        "no-recovery:Init", "no-recovery:Rebooting",
                                        "recover:bootstrap_failure_recovers", "recover:factory_reset_recovers"}));
    EXPECT_TRUE(diff.of(checker::Change::New).empty());
    EXPECT_TRUE(diff.unknown.empty());
    for (const auto& c : diff.changes) {  // everything else is where it was
        if (c.change != checker::Change::Resolved) {
            EXPECT_EQ(c.change, checker::Change::Unchanged) << c.id;
        }
    }
    // what remains is the ClientHoldOffTime bound
    ASSERT_NE(find(proposal, "within:factory_reset_reregisters_in_time"), nullptr);
    EXPECT_EQ(find(proposal, "within:factory_reset_reregisters_in_time")->condition.to_string(),
              "!factory && !smartcard && client_initiated && supports_factory_reset && hold_off > 600");
}

INSTANTIATE_TEST_SUITE_P(Engines, ShippedFindings,
                         testing::Values(checker::Engine::Explicit, checker::Engine::Z3, checker::Engine::Both,
                                         checker::Engine::Auto),
                         [](const testing::TestParamInfo<checker::Engine>& param_info) {
                             switch (param_info.param) {
                             case checker::Engine::Explicit:
                                 return std::string("Explicit");
                             case checker::Engine::Z3:
                                 return std::string("Z3");
                             case checker::Engine::Both:
                                 return std::string("Both");
                             case checker::Engine::Auto:
                                 return std::string("Auto");
                             }
                             return std::string("Unknown");
                         });

}  // namespace
