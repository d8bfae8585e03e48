// SPDX-License-Identifier: Apache-2.0
// Pins what the checker concludes on the shipped lifecycle models of TS 1.0.2, TS 1.1 and TS 1.2 (an
// overlay on 1.1), by every engine: the ids of all findings and the condition of each. Where the engines
// word a condition differently (the explicit engine writes `n == 1` where Z3 writes `n < 2`), both
// wordings are pinned; with --engine both the report carries the Z3 wording.

#include "lwm2mc/checker/check.hpp"
#include "lwm2mc/checker/report.hpp"
#include "lwm2mc/model/loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace lwm2mc;

const std::string kSpecs = LWM2MC_SPECS_DIR;

/// One pinned finding: its id, its condition as the explicit engine prints it and, when Z3 prints it
/// differently, Z3's wording.
struct Pin {
    std::string id;
    std::string condition;
    std::optional<std::string> z3_condition;
};

class ShippedTsFindings : public testing::TestWithParam<checker::Engine> {
protected:
    /// One run per file and engine for the whole suite (the Z3 engine takes minutes on the 1.1 model).
    const checker::CheckResult& check_file(const std::string& relative) {
        static std::map<std::pair<std::string, checker::Engine>, checker::CheckResult> runs;
        auto key = std::make_pair(relative, GetParam());
        auto it = runs.find(key);
        if (it == runs.end()) {
            auto loaded = model::load_model(kSpecs + "/" + relative);
            EXPECT_TRUE(loaded.ok()) << model::format_diagnostics(loaded.diagnostics);
            EXPECT_TRUE(loaded.diagnostics.empty()) << model::format_diagnostics(loaded.diagnostics);
            checker::CheckOptions options;
            options.engine = GetParam();
            it = runs.emplace(key, checker::check(*loaded.model, options)).first;
        }
        return it->second;
    }

    bool z3_wording() const { return GetParam() == checker::Engine::Z3 || GetParam() == checker::Engine::Both; }

    void expect_exactly(const checker::CheckResult& r, const std::vector<Pin>& pins) {
        std::vector<std::string> got;
        for (const auto& f : r.findings) {
            got.push_back(f.id);
        }
        std::vector<std::string> want;
        for (const auto& p : pins) {
            want.push_back(p.id);
        }
        std::sort(got.begin(), got.end());
        std::sort(want.begin(), want.end());
        EXPECT_EQ(got, want);
        for (const auto& p : pins) {
            auto it = std::find_if(r.findings.begin(), r.findings.end(),
                                   [&](const checker::Finding& f) { return f.id == p.id; });
            if (it == r.findings.end()) {
                continue;
            }
            EXPECT_EQ(it->condition.to_string(), z3_wording() && p.z3_condition ? *p.z3_condition : p.condition)
                << p.id;
        }
        EXPECT_TRUE(r.unknown.empty());
    }
};

/// The pinned-findings tests compare every engine's conditions (Z3 and both included); the detailed ones
/// look at witnesses and single conditions, which the explicit engine's runs decide (Z3's witnesses are
/// the explicit engine's runs too), so they run under Explicit and Auto only: each test is its own
/// process under ctest, and a Z3 run of the 1.1/1.2 models takes up to a minute.
class ShippedTsDetails : public ShippedTsFindings {};

const checker::Finding* find(const checker::CheckResult& r, const std::string& id) {
    auto it = std::find_if(r.findings.begin(), r.findings.end(), [&](const checker::Finding& f) { return f.id == id; });
    return it == r.findings.end() ? nullptr : &*it;
}

// Every finding of each model, in report order (severity, then position).
const std::vector<Pin> kTs10Findings = {
    // recovery only through a power cycle (docs/semantics.md, "Needs intervention")
    {"needs-intervention:BsHoldOff", "!client_initiated && server_initiated", std::nullopt},
    {"needs-intervention:BsFailed",
     "(smartcard && !client_initiated && server_initiated) || (factory && !client_initiated && server_initiated)",
     std::nullopt},
    {"no-recovery:Init", "!factory && !smartcard && !client_initiated && server_initiated", std::nullopt},
    {"no-recovery:BsHoldOff", "!factory && !smartcard && !client_initiated && server_initiated", std::nullopt},
    {"no-recovery:BsFailed", "!factory && !smartcard && !client_initiated && server_initiated", std::nullopt},
    {"no-recovery:Rebooting", "!factory && !smartcard && !client_initiated && server_initiated", std::nullopt},
    {"recover:bootstrap_failure_recovers", "!factory && !smartcard && !client_initiated && server_initiated",
     std::nullopt},
    {"recover:factory_reset_recovers",
     "!factory && !smartcard && !client_initiated && server_initiated && supports_factory_reset", std::nullopt},
    {"within:factory_reset_reregisters_in_time",
     "(!factory && !smartcard && !client_initiated && server_initiated && supports_factory_reset) || (!factory && "
     "!smartcard && supports_factory_reset && hold_off > 600)",
     std::nullopt},
    {"unreachable-state:BsSmartcard", "!smartcard", std::nullopt},
    {"unreachable-state:BsFactory", "!factory || smartcard", std::nullopt},
    {"unreachable-state:BsHoldOff", "!client_initiated && !server_initiated", std::nullopt},
    {"unreachable-state:BsRequesting", "!client_initiated", std::nullopt},
    {"unreachable-state:BsPending", "!client_initiated && !server_initiated", std::nullopt},
    {"unreachable-state:BsFinished", "!client_initiated && !server_initiated", std::nullopt},
    {"unreachable-state:BsFailed", "!client_initiated && !server_initiated", std::nullopt},
    {"unreachable-state:FactoryResetting", "!supports_factory_reset", std::nullopt},
};

const std::vector<Pin> kTs11Findings = {
    {"needs-intervention:RegSeqWait",
     "(seq_retry_count == 2 && seq_delay_never) || (seq_retry_count == 3 && seq_delay_never)",
     "seq_retry_count > 1 && seq_delay_never"},
    {"needs-intervention:RegFailed",
     "(!bs_on_reg_failure && seq_retry_count == 1) || (!bs_on_reg_failure && !seq_delay_never) || (bs_account_purge && "
     "seq_retry_count == 1) || (bs_account_purge && !seq_delay_never) || (!client_initiated && !bs_trigger && "
     "seq_retry_count == 1) || (!client_initiated && !bs_trigger && !seq_delay_never)",
     "(!bs_on_reg_failure && !seq_delay_never) || (!bs_on_reg_failure && seq_retry_count < 2) || (bs_account_purge && "
     "!seq_delay_never) || (bs_account_purge && seq_retry_count < 2) || (!client_initiated && !bs_trigger && "
     "!seq_delay_never) || (!client_initiated && !bs_trigger && seq_retry_count < 2)"},
    {"recover:registration_failure_recovers",
     "(!bs_on_reg_failure && seq_retry_count == 1) || (!bs_on_reg_failure && !seq_delay_never) || (bs_account_purge && "
     "seq_retry_count == 1) || (bs_account_purge && !seq_delay_never) || (!client_initiated && !bs_trigger && "
     "seq_retry_count == 1) || (!client_initiated && !bs_trigger && !seq_delay_never)",
     "(!bs_on_reg_failure && !seq_delay_never) || (!bs_on_reg_failure && seq_retry_count < 2) || (bs_account_purge && "
     "!seq_delay_never) || (bs_account_purge && seq_retry_count < 2) || (!client_initiated && !bs_trigger && "
     "!seq_delay_never) || (!client_initiated && !bs_trigger && seq_retry_count < 2)"},
    {"recover:registration_retries_continue",
     "(seq_retry_count == 2 && seq_delay_never) || (seq_retry_count == 3 && seq_delay_never)",
     "seq_retry_count > 1 && seq_delay_never"},
    {"within:factory_reset_reregisters_in_time",
     "!factory && !smartcard && client_initiated && supports_factory_reset && hold_off > 600", std::nullopt},
    {"unreachable-state:BsSmartcard", "!smartcard", std::nullopt},
    {"unreachable-state:BsFactory", "!factory || smartcard", std::nullopt},
    {"unreachable-state:BsHoldOff", "!client_initiated && !bs_trigger", std::nullopt},
    {"unreachable-state:BsRequesting", "!client_initiated && !bs_trigger", std::nullopt},
    {"unreachable-state:BsPending", "!client_initiated && !bs_trigger", std::nullopt},
    {"unreachable-state:BsFinished", "!client_initiated && !bs_trigger", std::nullopt},
    {"unreachable-state:BsFailed", "!client_initiated && !bs_trigger", std::nullopt},
    {"unreachable-state:RegRetryWait", "retry_count == 1", "retry_count < 2"},
    {"unreachable-state:RegSeqWait", "seq_retry_count == 1", "seq_retry_count < 2"},
    {"unreachable-state:RegFailed",
     "(seq_retry_count == 2 && seq_delay_never) || (seq_retry_count == 3 && seq_delay_never)",
     "seq_retry_count > 1 && seq_delay_never"},
    {"unreachable-state:FactoryResetting", "!supports_factory_reset", std::nullopt},
};

const std::vector<Pin> kTs12Findings = {
    {"needs-intervention:RegSeqWait", "seq_retry_count == 2 || seq_retry_count == 3", "seq_retry_count > 1"},
    {"needs-intervention:RegFailed", "!bs_on_reg_failure || bs_account_purge || (!client_initiated && !bs_trigger)",
     std::nullopt},
    {"recover:registration_failure_recovers",
     "!bs_on_reg_failure || bs_account_purge || (!client_initiated && !bs_trigger)", std::nullopt},
    {"recover:registration_retries_continue", "seq_retry_count == 2 || seq_retry_count == 3", "seq_retry_count > 1"},
    {"within:factory_reset_reregisters_in_time",
     "!factory && !smartcard && client_initiated && supports_factory_reset && hold_off > 600", std::nullopt},
    {"unreachable-state:BsSmartcard", "!smartcard", std::nullopt},
    {"unreachable-state:BsFactory", "!factory || smartcard", std::nullopt},
    {"unreachable-state:BsHoldOff", "!client_initiated && !bs_trigger", std::nullopt},
    {"unreachable-state:BsRequesting", "!client_initiated && !bs_trigger", std::nullopt},
    {"unreachable-state:BsPending", "!client_initiated && !bs_trigger", std::nullopt},
    {"unreachable-state:BsFinished", "!client_initiated && !bs_trigger", std::nullopt},
    {"unreachable-state:BsFailed", "!client_initiated && !bs_trigger", std::nullopt},
    {"unreachable-state:RegRetryWait", "retry_count == 1", "retry_count < 2"},
    {"unreachable-state:RegSeqWait", "seq_retry_count == 1", "seq_retry_count < 2"},
    {"unreachable-state:FactoryResetting", "!supports_factory_reset", std::nullopt},
};

// ---- TS 1.0.2 -------------------------------------------------------------------------------------------

TEST_P(ShippedTsFindings, Ts10GivesExactlyItsPinnedFindings) {
    const auto& r = check_file("lwm2m-ts10.lwm2m");

    expect_exactly(r, kTs10Findings);
    if (GetParam() != checker::Engine::Z3) {
        EXPECT_EQ(r.configurations, 60U);
    }
}

TEST_P(ShippedTsDetails, Ts10ServerInitiatedOnlyClientsDependOnTheBootstrapServersInitiative) {
    const auto& r = check_file("lwm2m-ts10.lwm2m");

    // 1.0 SI: the bootstrap server writes when it decides to; the client alone never leaves BsHoldOff.
    const auto* f = find(r, "no-recovery:BsHoldOff");
    ASSERT_NE(f, nullptr);
    ASSERT_TRUE(f->witness);
    EXPECT_EQ(f->witness->steps.back().target, "BsHoldOff");
    ASSERT_GE(f->witness->notes.size(), 2U);
    EXPECT_NE(f->witness->notes[1].find("si_write (bs_initiative)"), std::string::npos);
}

// ---- TS 1.1 ---------------------------------------------------------------------------------------------

TEST_P(ShippedTsFindings, Ts11GivesExactlyItsPinnedFindings) {
    const auto& r = check_file("lwm2m-ts11.lwm2m");

    expect_exactly(r, kTs11Findings);
    if (GetParam() != checker::Engine::Z3) {
        EXPECT_EQ(r.configurations, 2640U);
    }
}

TEST_P(ShippedTsDetails, Ts11HasNoServerInitiatedOnlyTrap) {
    const auto& r = check_file("lwm2m-ts11.lwm2m");

    // /1/x/9 runs a Client Initiated Bootstrap: no configuration depends on a bootstrap-server push.
    for (const auto& f : r.findings) {
        EXPECT_NE(f.kind, checker::FindingKind::NoRecovery) << f.id;
    }
    EXPECT_EQ(find(r, "recover:bootstrap_failure_recovers"), nullptr);
    EXPECT_EQ(find(r, "recover:factory_reset_recovers"), nullptr);
}

TEST_P(ShippedTsDetails, Ts11SequenceDelayMaxValueStopsTheRetryProcedure) {
    const auto& r = check_file("lwm2m-ts11.lwm2m");

    const auto* f = find(r, "recover:registration_retries_continue");
    ASSERT_NE(f, nullptr);
    ASSERT_TRUE(f->witness);
    EXPECT_EQ(f->witness->steps.back().target, "RegSeqWait");
    ASSERT_FALSE(f->witness->notes.empty());
    EXPECT_EQ(f->witness->notes[0].rfind("stuck in 'RegSeqWait'", 0), 0U);
}

TEST_P(ShippedTsDetails, Ts11FailedRegistrationNeedsBootstrapOnRegistrationFailureAndABootstrapAccount) {
    const auto& r = check_file("lwm2m-ts11.lwm2m");

    const auto* f = find(r, "recover:registration_failure_recovers");
    ASSERT_NE(f, nullptr);
    ASSERT_TRUE(f->witness);
    EXPECT_EQ(f->witness->steps.back().target, "RegFailed");
    EXPECT_EQ(f->witness->steps.back().event, "reg_failed");
}

// ---- TS 1.2 (overlay on 1.1) ----------------------------------------------------------------------------

TEST_P(ShippedTsFindings, Ts12GivesExactlyItsPinnedFindings) {
    const auto& r = check_file("lwm2m-ts12.lwm2m");

    expect_exactly(r, kTs12Findings);
    if (GetParam() != checker::Engine::Z3) {
        EXPECT_EQ(r.configurations, 2640U);
    }
}

TEST_P(ShippedTsDetails, Ts12ServersCanStopTheRetryProcedureWhateverTheBootstrapConfigured) {
    const auto& ts11 = check_file("lwm2m-ts11.lwm2m");
    const auto& ts12 = check_file("lwm2m-ts12.lwm2m");

    // 1.2 makes /1/x/19 writable by LwM2M servers: with more than one sequence, a server can set MAX_VALUE
    // whatever the bootstrap server configured, so the condition no longer needs /1/x/19 = MAX_VALUE.
    const auto* before = find(ts11, "recover:registration_retries_continue");
    const auto* after = find(ts12, "recover:registration_retries_continue");
    ASSERT_NE(before, nullptr);
    ASSERT_NE(after, nullptr);
    EXPECT_NE(before->condition.to_string().find("seq_delay_never"), std::string::npos);
    EXPECT_EQ(after->condition.to_string().find("seq_delay_never"), std::string::npos);
    EXPECT_NE(find(ts11, "unreachable-state:RegFailed"), nullptr);
    EXPECT_EQ(find(ts12, "unreachable-state:RegFailed"), nullptr);
}

std::string engine_label(const testing::TestParamInfo<checker::Engine>& param_info) {
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
}

INSTANTIATE_TEST_SUITE_P(Engines, ShippedTsFindings,
                         testing::Values(checker::Engine::Explicit, checker::Engine::Z3, checker::Engine::Both,
                                         checker::Engine::Auto),
                         engine_label);
INSTANTIATE_TEST_SUITE_P(Engines, ShippedTsDetails, testing::Values(checker::Engine::Explicit, checker::Engine::Auto),
                         engine_label);

}  // namespace
