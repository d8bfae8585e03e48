// SPDX-License-Identifier: Apache-2.0
// Pins the shape of the shipped models: the TS 1.0-draft model and its recommendation overlay, and the
// TS 1.0.2, TS 1.1 and TS 1.2 (an overlay on 1.1) lifecycle models.

#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>

namespace {

using namespace lwm2mc::model;

const std::string kSpecs = LWM2MC_SPECS_DIR;

Model load(const std::string& relative) {
    auto r = load_model(kSpecs + "/" + relative);
    EXPECT_TRUE(r.ok()) << format_diagnostics(r.diagnostics);
    EXPECT_TRUE(r.diagnostics.empty());
    return std::move(*r.model);
}

bool has_edge(const Model& m, const std::string& from, const std::string& event, const std::string& to) {
    for (std::size_t i = 0; i < m.transition_count(); ++i) {
        const Transition& t = m.transition(TransitionId{i});
        if (m.state(t.source).name == from && m.events[t.event.index()].name == event && m.state(t.target).name == to) {
            return true;
        }
    }
    return false;
}

TEST(ShippedModel, HasTheStatesOfTheContributionsFigure) {
    Model m = load("lwm2m-ts10-draft.lwm2m");

    std::vector<std::string> names;
    for (std::size_t i = 0; i < m.state_count(); ++i) {
        names.push_back(m.state(StateId{i}).name);
    }

    EXPECT_EQ(names, (std::vector<std::string>{"Init", "BsSmartcard", "BsFactory", "BsHoldOff", "BsRequesting",
                                               "BsPending", "BsFinished", "BsFailed", "RegPending", "RegFailed",
                                               "Registered", "UpdatePending", "DeregPending", "Deregistered",
                                               "Rebooting", "FactoryResetting"}));
    EXPECT_EQ(m.state(m.initial_state()).name, "Init");
    ASSERT_EQ(m.goal_states().size(), 1U);
    EXPECT_EQ(m.state(m.goal_states()[0]).name, "Registered");
    EXPECT_EQ(m.transition_count(), 62U);
    EXPECT_EQ(m.parameters.size(), 6U);
    EXPECT_EQ(m.files.size(), 2U);  // the model and coap-timing.lwm2m
}

TEST(ShippedModel, ACopyOfTheModelOutlivesTheOriginal) {
    auto copy = std::make_unique<Model>(load("lwm2m-ts10-draft.lwm2m"));
    Model second = *copy;
    copy.reset();

    for (std::size_t i = 0; i < second.transition_count(); ++i) {
        const Transition& t = second.transition(TransitionId{i});
        EXPECT_EQ(t.id.index(), i);
        EXPECT_LT(t.source.index(), second.state_count());
        EXPECT_EQ(second.state(t.source).id, t.source);
    }
}

TEST(ShippedModel, GroupsStatesForTheDiagram) {
    Model m = load("lwm2m-ts10-draft.lwm2m");
    std::set<std::string> groups;

    for (std::size_t i = 0; i < m.state_count(); ++i) {
        groups.insert(m.state(StateId{i}).group);
    }

    EXPECT_EQ(groups, (std::set<std::string>{"startup", "bootstrap", "registration", "reset"}));
}

TEST(ShippedModel, CitesASourceForEveryStateAndTransition) {
    Model m = load("lwm2m-ts10-draft.lwm2m");

    for (std::size_t i = 0; i < m.state_count(); ++i) {
        EXPECT_FALSE(m.state(StateId{i}).ref.empty()) << m.state(StateId{i}).name;
    }
    for (std::size_t i = 0; i < m.transition_count(); ++i) {
        EXPECT_FALSE(m.transition(TransitionId{i}).ref.empty()) << m.transition(TransitionId{i}).name;
    }
}

TEST(ShippedModel, DistinguishesCleanSlateFromRebootstrapOfARegisteredClient) {
    Model m = load("lwm2m-ts10-draft.lwm2m");

    EXPECT_TRUE(has_edge(m, "BsFinished", "bs_done", "RegPending"));
    EXPECT_TRUE(has_edge(m, "BsFinished", "bs_done", "Registered"));
    EXPECT_TRUE(has_edge(m, "BsFinished", "bs_done", "UpdatePending"));
    EXPECT_TRUE(has_edge(m, "Registered", "si_write", "BsPending"));
    EXPECT_TRUE(has_edge(m, "BsPending", "exchange_lifetime_expired", "BsFailed"));
    EXPECT_TRUE(has_edge(m, "BsHoldOff", "hold_off_expired", "BsRequesting"));
    EXPECT_TRUE(has_edge(m, "Registered", "factory_reset", "FactoryResetting"));
    EXPECT_TRUE(has_edge(m, "Registered", "reboot", "Rebooting"));
}

TEST(ShippedModel, LeavesRebootAndFactoryResetChoicesToTheClient) {
    Model m = load("lwm2m-ts10-draft.lwm2m");
    auto rebooting = *m.find_state("Rebooting");
    auto resetting = *m.find_state("FactoryResetting");

    auto choices = [&](StateId s) {
        std::set<std::string> targets;
        for (TransitionId t : m.out_transitions(s)) {
            if (m.transition(t).actor == Actor::Choice) {
                targets.insert(m.state(m.transition(t).target).name);
            }
        }
        return targets;
    };

    EXPECT_EQ(choices(rebooting), (std::set<std::string>{"Registered", "RegPending", "Init"}));
    EXPECT_EQ(choices(resetting), (std::set<std::string>{"Init", "RegPending"}));
}

TEST(ShippedModel, EveryStateCanBePowerCycled) {
    Model m = load("lwm2m-ts10-draft.lwm2m");

    for (std::size_t i = 0; i < m.state_count(); ++i) {
        auto out = m.out_transitions(StateId{i});
        bool cycled = std::any_of(out.begin(), out.end(), [&](TransitionId t) {
            return m.events[m.transition(t).event.index()].name == "power_cycle";
        });
        EXPECT_TRUE(cycled) << m.state(StateId{i}).name;
    }
}

TEST(ShippedModel, TheInterpreterWalksAFactoryBootstrapToRegistered) {
    Model m = load("lwm2m-ts10-draft.lwm2m");
    Interpreter interp{m};
    std::string error;
    auto assignment = interp.parse_assignment("factory=true,smartcard=false,client_initiated=false,"
                                              "server_initiated=false,supports_factory_reset=true,hold_off=10",
                                              error);
    ASSERT_EQ(error, "");
    Configuration c;
    for (auto& v : assignment) {
        c.values.push_back(*v);
    }
    ASSERT_TRUE(interp.satisfies_constraints(c));
    ProductState s = interp.initial_state(c);
    auto take = [&](const std::string& event) {
        auto enabled = interp.enabled_transitions(s, c);
        std::vector<TransitionId> matching;
        for (auto t : enabled) {
            if (m.events[m.transition(t).event.index()].name == event) {
                matching.push_back(t);
            }
        }
        ASSERT_EQ(matching.size(), 1U) << event << " in " << m.state(s.state).name;
        s = interp.step(s, matching[0], c);
    };

    take("boot");
    take("factory_loaded");
    take("reg_created");

    EXPECT_EQ(m.state(s.state).name, "Registered");
    EXPECT_EQ(interp.format_vars(s.vars),
              "has_bs_account=false, has_server_account=true, reg_info=RegInfoValid, after_factory_reset=false");
}

TEST(ShippedModel, NoBootstrapConfigurationIsRejectedByTheConstraint) {
    Model m = load("lwm2m-ts10-draft.lwm2m");
    Interpreter interp{m};

    Configuration none{{0, 0, 0, 0, 1, 0}};
    Configuration si_only{{0, 0, 0, 1, 1, 0}};

    EXPECT_EQ(interp.violated_constraints(none), (std::vector<std::string>{"at_least_one_mode"}));
    EXPECT_TRUE(interp.satisfies_constraints(si_only));
}

TEST(ShippedOverlay, AddsTheRecommendationAsAConstraintOnTheSameGraph) {
    Model base = load("lwm2m-ts10-draft.lwm2m");
    Model overlay = load("proposals/2017-0009-ci-with-si.lwm2m");
    Interpreter interp{overlay};

    Configuration si_only{{0, 0, 0, 1, 1, 0}};
    Configuration si_and_ci{{0, 0, 1, 1, 1, 0}};

    EXPECT_EQ(overlay.base_name, "lwm2m_ts10_draft");
    EXPECT_EQ(overlay.state_count(), base.state_count());
    EXPECT_EQ(overlay.transition_count(), base.transition_count());
    ASSERT_EQ(overlay.constraints.size(), base.constraints.size() + 1);
    EXPECT_EQ(overlay.constraints.back().name, "ci_with_si");
    EXPECT_EQ(interp.violated_constraints(si_only), (std::vector<std::string>{"ci_with_si"}));
    EXPECT_TRUE(interp.satisfies_constraints(si_and_ci));
}

// ---- TS 1.0.2, TS 1.1, TS 1.2 ---------------------------------------------------------------------

std::vector<std::string> state_names(const Model& m) {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < m.state_count(); ++i) {
        names.push_back(m.state(StateId{i}).name);
    }
    return names;
}

class ShippedSpecModel : public testing::TestWithParam<std::string> {};

TEST_P(ShippedSpecModel, DescribesAndCitesEveryStateTransitionParameterAndProperty) {
    Model m = load(GetParam());

    for (std::size_t i = 0; i < m.state_count(); ++i) {
        EXPECT_FALSE(m.state(StateId{i}).ref.empty()) << m.state(StateId{i}).name;
        EXPECT_FALSE(m.state(StateId{i}).doc.empty()) << m.state(StateId{i}).name;
    }
    for (std::size_t i = 0; i < m.transition_count(); ++i) {
        EXPECT_FALSE(m.transition(TransitionId{i}).ref.empty()) << m.transition(TransitionId{i}).name;
        EXPECT_FALSE(m.transition(TransitionId{i}).doc.empty()) << m.transition(TransitionId{i}).name;
    }
    for (const auto& p : m.parameters) {
        EXPECT_FALSE(p.ref.empty()) << p.name;
        EXPECT_FALSE(p.doc.empty()) << p.name;
    }
    for (const auto& p : m.properties) {
        EXPECT_FALSE(p.ref.empty()) << p.name;
        EXPECT_FALSE(p.doc.empty()) << p.name;
    }
}

TEST_P(ShippedSpecModel, CanPowerCycleEveryStateAndRegister) {
    Model m = load(GetParam());

    for (std::size_t i = 0; i < m.state_count(); ++i) {
        auto out = m.out_transitions(StateId{i});
        bool cycled = std::any_of(out.begin(), out.end(), [&](TransitionId t) {
            return m.events[m.transition(t).event.index()].name == "power_cycle";
        });
        EXPECT_TRUE(cycled) << m.state(StateId{i}).name;
    }
    EXPECT_EQ(m.state(m.initial_state()).name, "Init");
    ASSERT_EQ(m.goal_states().size(), 1U);
    EXPECT_EQ(m.state(m.goal_states()[0]).name, "Registered");
}

INSTANTIATE_TEST_SUITE_P(Versions, ShippedSpecModel,
                         testing::Values("lwm2m-ts10.lwm2m", "lwm2m-ts11.lwm2m", "lwm2m-ts12.lwm2m"),
                         [](const testing::TestParamInfo<std::string>& param_info) {
                             return param_info.param.substr(6, 4) == "ts10"   ? std::string("Ts10")
                                    : param_info.param.substr(6, 4) == "ts11" ? std::string("Ts11")
                                                                              : std::string("Ts12");
                         });

TEST(ShippedTs10Model, KeepsServerInitiatedBootstrapWithinClientHoldOffTime) {
    Model m = load("lwm2m-ts10.lwm2m");

    EXPECT_EQ(m.name, "lwm2m_ts10");
    EXPECT_EQ(m.files.size(), 2U);  // the model and coap-timing.lwm2m
    EXPECT_EQ(state_names(m), (std::vector<std::string>{"Init", "BsSmartcard", "BsFactory", "BsHoldOff", "BsRequesting",
                                                        "BsPending", "BsFinished", "BsFailed", "RegPending",
                                                        "RegFailed", "Registered", "UpdatePending", "DeregPending",
                                                        "Deregistered", "Disabled", "Rebooting", "FactoryResetting"}));
    EXPECT_EQ(m.parameters.size(), 7U);
    EXPECT_EQ(m.transition_count(), 63U);
    EXPECT_TRUE(has_edge(m, "BsHoldOff", "si_write", "BsPending"));
    EXPECT_TRUE(has_edge(m, "Registered", "si_write", "BsPending"));
    EXPECT_TRUE(has_edge(m, "BsFinished", "bs_done", "Registered"));
    EXPECT_TRUE(has_edge(m, "RegFailed", "fallback_bootstrap", "BsHoldOff"));
    EXPECT_TRUE(has_edge(m, "Disabled", "disable_timeout_expired", "RegPending"));
}

TEST(ShippedTs11Model, ReplacesServerInitiatedBootstrapByTheTriggerAndAddsTheRetryProcedure) {
    Model m = load("lwm2m-ts11.lwm2m");

    EXPECT_EQ(m.name, "lwm2m_ts11");
    EXPECT_EQ(state_names(m), (std::vector<std::string>{
                                  "Init",         "BsSmartcard",  "BsFactory", "BsHoldOff",  "BsRequesting",
                                  "BsPending",    "BsFinished",   "BsFailed",  "RegHoldOff", "RegPending",
                                  "RegRetryWait", "RegSeqWait",   "RegFailed", "Registered", "UpdatePending",
                                  "DeregPending", "Deregistered", "Disabled",  "Rebooting",  "FactoryResetting"}));
    EXPECT_EQ(m.parameters.size(), 11U);
    EXPECT_EQ(m.transition_count(), 72U);
    EXPECT_FALSE(m.find_event("si_write").has_value());
    EXPECT_TRUE(has_edge(m, "Registered", "bs_trigger_exec", "BsHoldOff"));
    EXPECT_TRUE(has_edge(m, "RegPending", "reg_failed", "RegRetryWait"));
    EXPECT_TRUE(has_edge(m, "RegPending", "reg_failed", "RegSeqWait"));
    EXPECT_TRUE(has_edge(m, "RegPending", "reg_failed", "RegFailed"));
    EXPECT_TRUE(has_edge(m, "RegFailed", "fallback_bootstrap", "BsHoldOff"));
    EXPECT_FALSE(has_edge(m, "RegFailed", "retry_register", "RegPending"));
}

TEST(ShippedTs11Model, DoublesTheRetryTimerPerAttempt) {
    Model m = load("lwm2m-ts11.lwm2m");
    Interpreter interp{m};
    std::string error;
    auto assignment = interp.parse_assignment(
        "factory=false,smartcard=false,client_initiated=true,bs_trigger=false,supports_factory_reset=false,"
        "bs_account_purge=false,bs_on_reg_failure=true,retry_count=5,seq_retry_count=1,seq_delay_never=false,"
        "hold_off=0",
        error);
    ASSERT_EQ(error, "");
    Configuration c;
    for (auto& v : assignment) {
        c.values.push_back(*v);
    }
    ProductState s = interp.initial_state(c);

    std::vector<Value> durations;
    for (TransitionId t : m.out_transitions(*m.find_state("RegRetryWait"))) {
        if (m.events[m.transition(t).event.index()].name == "retry_timer_expired") {
            durations.push_back(interp.duration(t, s, c));
        }
    }

    EXPECT_EQ(durations, (std::vector<Value>{60, 120, 240, 480}));
}

TEST(ShippedTs12Model, IsTheTs11ModelWithServerWritableRetryResources) {
    Model ts11 = load("lwm2m-ts11.lwm2m");
    Model ts12 = load("lwm2m-ts12.lwm2m");

    EXPECT_EQ(ts12.name, "lwm2m_ts12");
    EXPECT_EQ(ts12.base_name, "lwm2m_ts11");
    EXPECT_EQ(state_names(ts12), state_names(ts11));
    EXPECT_EQ(ts12.parameters.size(), ts11.parameters.size());
    EXPECT_EQ(ts12.transition_count(), ts11.transition_count() + 2);
    EXPECT_TRUE(has_edge(ts12, "Registered", "set_seq_delay_max", "Registered"));
    EXPECT_TRUE(has_edge(ts12, "RegSeqWait", "seq_delay_expired", "RegPending"));
}

}  // namespace
