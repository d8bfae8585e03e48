// SPDX-License-Identifier: Apache-2.0
#pragma once

// Plays the test cases of a generated suite (`lwm2mc generate`, format lwm2mc-suite/1, docs/testing.md) against
// the reference client over CoAP on loopback, with the in-process test peers (BootstrapServer, Lwm2mServer) as
// the tester. A generated GoogleTest file calls run_case(kSuite, suite, case) once per TEST; play_case returns
// the verdict as data (the mutant test uses it to prove that a suite can fail).
//
// Stimulus steps are produced by the peers (the table in generated_suite_driver.cpp, one row per model event,
// with its spec reference); await steps are observed through the client's Observer and checked against the
// step (event, target state, variables, earliest time) or one of its alternatives; the peers' own records back
// the client's self-report where that is cheap. At the end the client's whole trace is replayed on the model.

#include "lwm2mc/conformance/report.hpp"

#include <gtest/gtest.h>  // generated files include only this header and use TEST
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lwm2mc::generated {

/// The conformance tester's verdicts (one vocabulary); this in-process driver gives pass, fail or inconclusive.
using conformance::Verdict;
using conformance::verdict_name;

/// How the stimulus `power_cycle` is produced.
enum class PowerCycle : std::uint8_t {
    NewProcess,  ///< the Client is destroyed and a new one starts on the same state directory and socket
    Engine,      ///< Client::power_cycle(): the engine drops its volatile state and makes its restart choice
    Planned,     ///< NewProcess, unless the case plans `restart` to another state than Init next: then Engine
};

struct DriverOptions {
    double clock_factor{1000.0};     ///< protocol seconds per real second (ScaledClock)
    std::int64_t quiescence_s{600};  ///< protocol seconds a client may take for a step whose transition has no `after`
    std::chrono::milliseconds min_real_wait{750};  ///< real time always granted before a quiescence verdict
    double early_tolerance{0.01};  ///< a step with duration_s may come this fraction (plus 1 s) before it
    PowerCycle power_cycle{PowerCycle::Planned};
    /// Steer the reference client: before each step, set its choice keys (Client::set_choices:
    /// bootstrap_after_reboot, keep_observations, ...) so that it takes the branch the case plans at the next
    /// choice. Off: the configuration's keys stay, and the client's other branches are taken as alternatives (what
    /// a client that cannot be steered gets).
    bool steer_choices{true};
    /// ClientConfig assignments besides the model parameters (deployment and retry timers, see the README).
    std::string client_settings{"lifetime=600,communication_retry_count=2,communication_retry_timer=10,"
                                "communication_sequence_delay_timer=60,communication_sequence_retry_count=1"};
    bool replay{true};  ///< also replay the client's whole trace on the model at the end
};

struct CaseVerdict {
    Verdict verdict{Verdict::Pass};
    std::string suite_name{};  ///< "class 1: factory=true, ..."
    std::string case_name{};
    std::string reason{};               ///< fail / inconclusive: what the client did, what the model allowed, where
    std::string where{};                ///< "step 4" or "step 4 > alternative 1 > then 0" (0-based, as in the suite)
    std::size_t steps_played{0};        ///< steps matched, the case's and those of `then` lists
    std::size_t steps_planned{0};       ///< the case's own steps
    std::size_t case_steps_reached{0};  ///< the case step the walk stood at in the end (steps_planned: all done)
    std::size_t alternatives{0};        ///< alternatives the client took
    std::size_t resets{0};              ///< reset continuations played
    std::vector<std::string> log{};     ///< one line per step played, for the test output
    std::string trace{};                ///< the client's JSON-lines trace (all its runs)
    std::chrono::milliseconds real_time{0};
};

/// Whether the harness can produce stimulus `event` (false also for an event it does not know). Events it cannot
/// produce should be given to the generator as `--exclude-events`.
bool drivable(std::string_view event);
/// The stimulus events of the shipped model that the harness cannot produce, with the reason.
struct NotDrivable {
    std::string_view event;
    std::string_view reason;
};
const std::vector<NotDrivable>& non_drivable_events();

/// Plays case `case_index` of suite `suite` of a lwm2mc-suite/1 document. Throws std::invalid_argument for a
/// document that does not follow the format or indices out of range; everything the client does is a verdict.
CaseVerdict play_case(const nlohmann::json& doc, std::size_t suite, std::size_t case_index,
                      const DriverOptions& options = {});

/// For generated GoogleTest files: parses `json` (once per distinct pointer), plays the case and turns the
/// verdict into GoogleTest results: fail = ADD_FAILURE, inconclusive = pass with RecordProperty and a note.
void run_case(const char* json, std::size_t suite, std::size_t case_index);

}  // namespace lwm2mc::generated
