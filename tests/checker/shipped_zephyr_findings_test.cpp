// SPDX-License-Identifier: Apache-2.0
// Pins what the checker finds in the shipped implementation model of Zephyr's lwm2m_rd_client
// (model/impl/zephyr-rd-client.lwm2m, commit 013c135025b4): which findings, where, and that every
// witness step cites the Zephyr source line it stands for; and that each overlay of a later
// Zephyr pull request (model/impl/zephyr/) resolves the finding it fixes. The properties about the
// order of requests are event properties over the request events (send_register, ...), with no ghost
// variable left but the application's own app_idle. Explicit engine (the Z3 engine takes minutes on
// this model in Debug).

#include "lwm2mc/checker/check.hpp"
#include "lwm2mc/checker/compare.hpp"
#include "lwm2mc/model/loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace {

using namespace lwm2mc;

const std::string kImpl = std::string(LWM2MC_SPECS_DIR) + "/../impl";
const std::string kBase = "zephyr-rd-client.lwm2m";
const std::string kZephyrRef = "zephyr@013c135 subsys/net/lib/lwm2m/lwm2m_rd_client.c:";

const model::Model& model_file(const std::string& relative) {
    static std::map<std::string, model::Model> models;
    auto it = models.find(relative);
    if (it == models.end()) {
        auto loaded = model::load_model(kImpl + "/" + relative);
        EXPECT_TRUE(loaded.ok()) << model::format_diagnostics(loaded.diagnostics);
        it = models.emplace(relative, std::move(*loaded.model)).first;
    }
    return it->second;
}

const checker::CheckResult& check_file(const std::string& relative) {
    static std::map<std::string, checker::CheckResult> runs;
    auto it = runs.find(relative);
    if (it == runs.end()) {
        checker::CheckOptions options;
        options.engine = checker::Engine::Explicit;
        it = runs.emplace(relative, checker::check(model_file(relative), options)).first;
    }
    return it->second;
}

const checker::Finding* find(const checker::CheckResult& r, const std::string& id) {
    auto it = std::find_if(r.findings.begin(), r.findings.end(), [&](const checker::Finding& f) { return f.id == id; });
    return it == r.findings.end() ? nullptr : &*it;
}

/// The ref of each step of a finding's witness, and its last step's source line in Zephyr.
std::vector<std::string> step_refs(const checker::Finding& f) {
    std::vector<std::string> refs;
    for (const auto& s : f.witness->steps) {
        refs.push_back(model_file(kBase).transition(s.id).ref);
    }
    return refs;
}

TEST(ShippedZephyrFindings, EveryWitnessStepCitesTheZephyrSourceLine) {
    const auto& r = check_file(kBase);

    ASSERT_TRUE(r.unknown.empty());
    std::size_t steps = 0;
    for (const auto& f : r.findings) {
        if (!f.witness) {
            continue;
        }
        for (const auto& ref : step_refs(f)) {
            EXPECT_EQ(ref.rfind(kZephyrRef, 0), 0U) << f.id << ": " << ref;
            ++steps;
        }
    }
    EXPECT_GT(steps, 50U);
}

TEST(ShippedZephyrFindings, ARejectedRegisterStopsTheEngineUntilTheApplicationRestartsIt) {
    const auto& r = check_file(kBase);

    const auto* f = find(r, "recover:recovers_without_the_application");  // issue #7503

    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->condition.to_string(), "true");
    ASSERT_TRUE(f->witness);
    EXPECT_EQ(f->witness->steps.back().event, "reg_rejected");
    EXPECT_EQ(f->witness->steps.back().target, "EngineIdle");
    EXPECT_EQ(step_refs(*f).back(), kZephyrRef + "495");
}

TEST(ShippedZephyrFindings, TheSocketMayCloseBeforeTheBootstrapFinishAckLeaves) {
    const auto& r = check_file(kBase);

    const auto* f = find(r, "invariant:finish_ack_before_close");  // PR #61370

    ASSERT_NE(f, nullptr);
    ASSERT_TRUE(f->witness);
    EXPECT_EQ(f->witness->steps.back().source, "BootstrapTransDone");
    EXPECT_EQ(f->witness->steps.back().event, "bs_trans_done");
    EXPECT_EQ(step_refs(*f).back(), kZephyrRef + "811");
}

TEST(ShippedZephyrFindings, ARegisteredClientAcceptsABootstrapFinish) {
    const auto& r = check_file(kBase);

    const auto* f = find(r, "invariant:no_finish_when_registered");  // PR #86978

    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->condition.to_string().find("bootstrap_support"), 1U);
    ASSERT_TRUE(f->witness);
    EXPECT_EQ(f->witness->steps.back().source, "RegistrationDone");
    EXPECT_EQ(f->witness->steps.back().event, "bs_finish_unsolicited");
    EXPECT_EQ(step_refs(*f).back(), kZephyrRef + "805");
}

TEST(ShippedZephyrFindings, TheBootstrapStatesNeverTimeOutAndASocketErrorAfterFinishRebootstraps) {
    const auto& r = check_file(kBase);

    const auto* timeout = find(r, "recover:bootstrap_finish_awaited_at_most_exchange_lifetime");  // PR #62494
    const auto* again = find(r, "invariant:no_bootstrap_request_after_finish");                   // PR #62526

    ASSERT_NE(timeout, nullptr);
    ASSERT_TRUE(timeout->witness);
    EXPECT_EQ(timeout->witness->steps.back().target, "BootstrapRegDone");
    ASSERT_NE(again, nullptr);
    ASSERT_TRUE(again->witness);
    const auto& steps = again->witness->steps;
    EXPECT_TRUE(std::any_of(steps.begin(), steps.end(), [](const checker::TraceStep& s) {
        return s.source == "BootstrapTransDone" && s.event == "socket_error";
    }));
    EXPECT_EQ(steps.back().target, "BootstrapRegSent");
}

TEST(ShippedZephyrFindings, EndlessRetriesWithACoapsServerAndNoDtlsAndAnInitLoopWithoutServerAccount) {
    const auto& r = check_file(kBase);

    const auto* retries = find(r, "recover:retries_end");      // PR #8570, PR #65745
    const auto* loop = find(r, "no-recovery:DoRegistration");  // PR #65745 (fallback to bootstrap)
    const auto* update = find(r, "invariant:register_after_failed_update");

    ASSERT_NE(retries, nullptr);
    EXPECT_EQ(retries->condition.to_string(),
              "(has_server_account && coaps_without_dtls) || (bootstrap_support && start_with_bootstrap && "
              "coaps_without_dtls)");
    ASSERT_NE(loop, nullptr);
    EXPECT_NE(loop->condition.to_string().find(
                  "bootstrap_support && !start_with_bootstrap && has_bs_account && !has_server_account"),
              std::string::npos);
    ASSERT_NE(update, nullptr);
    ASSERT_TRUE(update->witness);
    EXPECT_EQ(update->witness->steps.back().event, "send_update");
    EXPECT_EQ(update->witness->steps.back().target, "UpdateSent");
    EXPECT_EQ(step_refs(*update).back(), kZephyrRef + "1115");
}

TEST(ShippedZephyrFindings, ARegisteredClientWhoseRegisterIsRejectedNeedsMoreThanTheServer) {
    const auto& r = check_file(kBase);

    const auto* f = find(r, "recover:recovers_without_a_bootstrap");  // issue #7503, seen from a registration

    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->condition.to_string(), "(has_server_account && !coaps_without_dtls) || (bootstrap_support && "
                                        "start_with_bootstrap && !coaps_without_dtls)");
    ASSERT_TRUE(f->witness);
    const auto& steps = f->witness->steps;
    EXPECT_TRUE(std::any_of(steps.begin(), steps.end(), [](const checker::TraceStep& s) {
        return s.event == "update_rejected" && s.peer == model::Peer::Server;
    }));
    EXPECT_EQ(steps.back().event, "reg_rejected");
    EXPECT_EQ(steps.back().peer, model::Peer::Server);
    EXPECT_EQ(steps.back().target, "EngineIdle");
}

TEST(ShippedZephyrFindings, TheOrderOfRequestsIsCheckedByEventPropertiesNotGhostVariables) {
    const auto& m = model_file(kBase);

    std::vector<std::string> event_properties;
    for (const auto& p : m.event_properties) {
        event_properties.push_back(p.name);
    }
    std::vector<std::string> variables;
    for (const auto& v : m.variables) {
        variables.push_back(v.name);
    }

    EXPECT_EQ(event_properties, (std::vector<std::string>{"register_after_failed_update", "finish_ack_before_close",
                                                          "no_bootstrap_request_after_finish"}));
    EXPECT_EQ(variables, (std::vector<std::string>{"use_bootstrap", "bootstrap_mode", "registration_valid",
                                                   "server_account", "socket_open", "app_idle"}));
}

TEST(ShippedZephyrFindings, WithTheServerFallbackARegisteredClientFallsBackToTheBootstrapServer) {
    const auto& proposal = check_file("zephyr/pr65745-server-fallback.lwm2m");

    const auto* f = find(proposal, "recover:recovers_without_a_bootstrap");  // by design: /1/x/16

    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->condition.to_string(),
              "bootstrap_support && has_bs_account && !coaps_without_dtls && bootstrap_on_registration_failure");
}

struct Fix {
    std::string overlay;
    std::string resolves;
};

class ZephyrFixOverlays : public testing::TestWithParam<Fix> {};

TEST_P(ZephyrFixOverlays, ResolvesTheFindingOfTheBugItFixes) {
    const auto& base = check_file(kBase);
    const auto& proposal = check_file(GetParam().overlay);

    auto diff = checker::compare(model_file(kBase), base, model_file(GetParam().overlay), proposal);

    std::vector<std::string> resolved;
    for (const auto* c : diff.of(checker::Change::Resolved)) {
        resolved.push_back(c->id);
    }
    EXPECT_NE(std::find(resolved.begin(), resolved.end(), GetParam().resolves), resolved.end());
    EXPECT_EQ(find(proposal, GetParam().resolves), nullptr);
    EXPECT_TRUE(diff.unknown.empty());
}

INSTANTIATE_TEST_SUITE_P(
    PullRequests, ZephyrFixOverlays,
    testing::Values(Fix{"zephyr/pr61370-delayed-finish.lwm2m", "invariant:finish_ack_before_close"},
                    Fix{"zephyr/pr62494-bootstrap-timeout.lwm2m",
                        "recover:bootstrap_finish_awaited_at_most_exchange_lifetime"},
                    Fix{"zephyr/pr62526-bs-may-close.lwm2m", "invariant:no_bootstrap_request_after_finish"},
                    Fix{"zephyr/pr65745-server-fallback.lwm2m", "recover:retries_end"},
                    Fix{"zephyr/pr86978-finish-only-when-bootstrapping.lwm2m", "invariant:no_finish_when_registered"}),
    [](const testing::TestParamInfo<Fix>& param_info) {
        return param_info.param.overlay.substr(7, 7);  // "pr61370"
    });

}  // namespace
