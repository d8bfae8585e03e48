// SPDX-License-Identifier: Apache-2.0
// The conformance tester against the real lwm2mc-client over loopback CoAP (issue 10's CI run): the all-transitions
// suites of the shipped model, one per configuration class the reference client supports, must pass; a recording
// of a run must pass the capture checker; and every seeded mutant (lwm2mc-client-mutants) must be killed, by the
// case this file names.

#include "lwm2mc/conformance/capture.hpp"
#include "lwm2mc/conformance/report.hpp"
#include "lwm2mc/conformance/tester.hpp"
#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/loader.hpp"
#include "lwm2mc/testgen/render.hpp"
#include "lwm2mc/testgen/suite.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace lwm2mc::conformance {
namespace {

const char* const kSpecModel = LWM2MC_SPECS_DIR "/lwm2m-ts10-draft.lwm2m";
/// The reference client's own model: the spec model with its configured choices (model/impl/lwm2mc-client.lwm2m).
const char* const kClientModel = LWM2MC_IMPL_DIR "/lwm2mc-client.lwm2m";

enum class Which : std::uint8_t { Spec, Client };

struct ClassSpec {
    const char* name;
    Which model;
    const char* config;  ///< every parameter fixed: one suite
    const char* urgent;  ///< states the reference client leaves at once (no power cycle planned there)
};

// States the reference client leaves at once (see tests/client/generated/CMakeLists.txt for why each is listed).
#define LWM2MC_URGENT "Init,BsFactory,BsSmartcard,BsFinished,BsFailed,Rebooting,FactoryResetting,DeregPending"
#define LWM2MC_SPEC_MODES(f, ci, si, fr, h)                                                                            \
    "factory=" f ",smartcard=false,client_initiated=" ci ",server_initiated=" si ",supports_factory_reset=" fr         \
    ",hold_off=" h

/// The spec model's classes: every configuration class the reference client supports, held to the spec.
const std::vector<ClassSpec>& classes() {
    static const std::vector<ClassSpec> c = {
        {"factory", Which::Spec, LWM2MC_SPEC_MODES("true", "false", "false", "true", "0"), LWM2MC_URGENT},
        {"client_initiated", Which::Spec, LWM2MC_SPEC_MODES("false", "true", "false", "true", "300"),
         LWM2MC_URGENT ",RegFailed"},
        {"server_initiated", Which::Spec, LWM2MC_SPEC_MODES("false", "false", "true", "true", "0"),
         LWM2MC_URGENT ",RegFailed"},
        {"no_factory_reset", Which::Spec, LWM2MC_SPEC_MODES("true", "false", "false", "false", "0"), LWM2MC_URGENT},
    };
    return c;
}

/// The client model's classes: the reference client held to its own choices, set so that each choice shows on
/// the wire (bootstrap_after_factory_reset with a bootstrap server: a factory reset ends in a Bootstrap-Request;
/// a 60 s Communication Sequence Delay Timer) and the classes together take each choice both ways where the
/// configuration allows it.
#define LWM2MC_CLIENT_CHOICES(factory_reset_bootstraps, reg_info_registers, bs_failure_registers)                      \
    ",bootstrap_after_factory_reset=" factory_reset_bootstraps ",bootstrap_after_reboot=false,"                        \
    "register_on_reg_info_change=" reg_info_registers ",register_after_bootstrap_failure=" bs_failure_registers        \
    ",bootstrap_on_registration_failure=true,communication_sequence_delay_timer=60"

const std::vector<ClassSpec>& client_classes() {
    static const std::vector<ClassSpec> c = {
        {"impl_client_initiated", Which::Client,
         LWM2MC_SPEC_MODES("false", "true", "false", "true", "300") LWM2MC_CLIENT_CHOICES("true", "false", "false"),
         LWM2MC_URGENT ",RegFailed"},
        {"impl_factory", Which::Client,
         LWM2MC_SPEC_MODES("true", "false", "false", "true", "0") LWM2MC_CLIENT_CHOICES("true", "true", "false"),
         LWM2MC_URGENT},
        {"impl_server_initiated", Which::Client,
         LWM2MC_SPEC_MODES("false", "false", "true", "true", "0") LWM2MC_CLIENT_CHOICES("false", "false", "true"),
         LWM2MC_URGENT ",RegFailed"},
    };
    return c;
}

const model::Model& load(Which which) {
    static const auto spec = model::load_model(kSpecModel);
    static const auto client = model::load_model(kClientModel);
    const auto& loaded = which == Which::Spec ? spec : client;
    EXPECT_TRUE(loaded.model) << "cannot load " << (which == Which::Spec ? kSpecModel : kClientModel);
    return *loaded.model;
}

/// The all-transitions suite of one class, as `lwm2mc generate --cover transitions --exclude-events
/// lifetime_expired --urgent-states ...` writes it.
const nlohmann::json& suite(const ClassSpec& spec) {
    static std::map<std::string, nlohmann::json> cache;
    auto it = cache.find(spec.name);
    if (it != cache.end()) {
        return it->second;
    }
    const auto& m = load(spec.model);
    const model::Interpreter interp(m);
    testgen::GenerateOptions options;
    std::string error;
    options.criterion = *testgen::parse_criterion("transitions", error);
    options.fixed = interp.parse_assignment(spec.config, error);
    EXPECT_TRUE(error.empty()) << error;
    options.limits.excluded_events.push_back(*m.find_event("lifetime_expired"));
    std::string urgent = spec.urgent;
    std::size_t start = 0;
    while (start <= urgent.size()) {
        const auto comma = urgent.find(',', start);
        const auto name = urgent.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        options.limits.urgent_states.push_back(*m.find_state(name));
        if (comma == std::string::npos) {
            break;
        }
        start = comma + 1;
    }
    const auto result = testgen::generate(m, options);
    return cache.emplace(spec.name, nlohmann::json::parse(testgen::render_json(m, *result.suites))).first->second;
}

std::string client_command(const std::string& program, Which model, const std::string& extra = {}) {
    // The reference client with its clock 1000x fast, restarting itself on Reboot, registration retries as the
    // tester plays them (one Register per failed sequence), and without the optional De-register before a factory
    // reset, which the models leave out (model/specs/lwm2m-ts10-draft.lwm2m, header). The client model's classes
    // set the Communication Sequence Delay Timer themselves.
    return program + extra +
           " -e {endpoint} -b {bs_uri} -s {server_uri} -d {state_dir} -p {port} --clock-factor {time_scale}"
           " --reexec-on-reboot --ack-timeout-ms 1000 --max-retransmit 1 --config {config},lifetime=600,"
           "communication_retry_count=0,communication_sequence_retry_count=0,deregister_before_factory_reset=false" +
           (model == Which::Spec ? ",communication_sequence_delay_timer=60" : "");
}

std::string work_dir(const std::string& name) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("lwm2mc-conform-" + std::to_string(::getpid()) + "-" + name);
    std::filesystem::remove_all(dir);
    return dir.string();
}

TesterOptions options(const std::string& program, Which model, const std::string& name, const std::string& extra = {}) {
    TesterOptions o;
    o.client_command = client_command(program, model, extra);
#ifdef LWM2MC_SANITIZED
    o.time_scale = 250.0;  // an ASan/UBSan client reacts several times slower: the same protocol bounds, more real time
#else
    o.time_scale = 1000.0;
#endif
    // The client must react to a stimulus within 200 protocol seconds (0.2 s of real time at this scale); the Update
    // its 600 s lifetime brings comes later, so a client that ignores Registration Update Trigger is caught.
    o.monitor.quiescence_ms = 200'000;
    // The tester concludes that the client took a branch silent on the wire after 0.5 s of real time (500 protocol
    // seconds, well past the quiescence bound) instead of the 2 s default meant for clients on slower links.
    o.min_real_wait = std::chrono::milliseconds{500};
    o.work_dir = work_dir(name);
    return o;
}

std::string summary(const RunReport& r) {
    return render_text(r);
}

class ReferenceClient : public ::testing::TestWithParam<ClassSpec> {};

TEST_P(ReferenceClient, PassesTheAllTransitionsSuiteOfItsClass) {
#ifdef LWM2MC_SANITIZED
    GTEST_SKIP()
        << "black-box timing: an ASan/UBSan client is too slow for the protocol bounds (seen in CI: the "
           "reference client itself diverged); the tester's code runs under ASan in the unit and capture tests";
#endif
    const auto& spec = GetParam();
    const auto report = run_suite(load(spec.model), suite(spec), options(LWM2MC_CLIENT, spec.model, spec.name));
    ASSERT_FALSE(report.cases.empty());
    EXPECT_EQ(report.count(Verdict::Fail), 0U) << summary(report);
    EXPECT_EQ(report.count(Verdict::Error), 0U) << summary(report);
    // Inconclusive cases (the client took a branch the plan cannot continue) are allowed but must not be all.
    EXPECT_GT(report.count(Verdict::Pass), 0U) << summary(report);
    std::size_t played = 0;
    for (const auto& c : report.cases) {
        played += c.steps_played;
    }
    std::cout << spec.name << ": " << report.cases.size() << " cases, " << report.count(Verdict::Pass) << " passed, "
              << report.count(Verdict::Inconclusive) << " inconclusive, " << played << " steps played\n";
    EXPECT_GT(played, 20U) << summary(report);
}

INSTANTIATE_TEST_SUITE_P(Classes, ReferenceClient, ::testing::ValuesIn(classes()),
                         [](const auto& p) { return std::string(p.param.name); });
// The reference client also passes the suites of its own model: the mutants below are killed by deviations from
// the client's configured choices, so the unmutated client must show none.
INSTANTIATE_TEST_SUITE_P(OwnModel, ReferenceClient, ::testing::ValuesIn(client_classes()),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(Capture, ARecordingOfTheReferenceClientPassesAndOneOfAMutantDiverges) {
#ifdef LWM2MC_SANITIZED
    GTEST_SKIP()
        << "black-box timing: an ASan/UBSan client is too slow for the protocol bounds (seen in CI: the "
           "reference client itself diverged); the tester's code runs under ASan in the unit and capture tests";
#endif
    const auto& spec = classes().front();
    const std::string config = spec.config;
    MonitorOptions lenient;
    lenient.quiescence_ms = 600'000;  // silence in a recording includes the tester's own pauses (restarts, settle)

    auto good = options(LWM2MC_CLIENT, Which::Spec, "record-good");
    good.record = true;
    const auto live = run_suite(load(Which::Spec), suite(spec), good);
    ASSERT_EQ(live.count(Verdict::Fail), 0U) << summary(live);
    const auto pcap = good.work_dir + "/class-1-case-1/wire.pcap";
    const auto capture = read_capture(pcap);
    ASSERT_FALSE(capture.error) << *capture.error;
    ASSERT_GT(capture.exchanges.size(), 10U);
    const auto checked = check_capture(load(Which::Spec), config, capture, pcap, lenient, good.time_scale);
    EXPECT_TRUE(checked.passed()) << summary(checked);
    EXPECT_GT(checked.exercised.size(), 5U);

    // A client that sends its Bootstrap-Request before ClientHoldOffTime (300 s here) has passed: the capture shows
    // the request too early.
    const auto& ci = classes()[1];
    auto bad = options(LWM2MC_CLIENT_MUTANTS, Which::Spec, "record-mutant", " --mutant ignore_hold_off");
    bad.record = true;
    bad.cases = {1};
    (void)run_suite(load(Which::Spec), suite(ci), bad);
    const auto bad_pcap = bad.work_dir + "/class-1-case-1/wire.pcap";
    const auto bad_capture = read_capture(bad_pcap);
    ASSERT_FALSE(bad_capture.error) << *bad_capture.error;
    const auto diverged = check_capture(load(Which::Spec), ci.config, bad_capture, bad_pcap, lenient, bad.time_scale);
    ASSERT_EQ(diverged.count(Verdict::Fail), 1U) << summary(diverged);
    ASSERT_TRUE(diverged.cases.front().failure.has_value());
    EXPECT_NE(diverged.cases.front().failure->where.find("packet"), std::string::npos);
}

struct MutantSpec {
    const char* mutant;
    /// "class/case N": the first case (the client model's classes in order) whose verdict is fail.
    const char* killed_by;
    /// Words the failure's text must contain: the divergence is the seeded defect, not an accident of timing.
    const char* evidence;
};

class Mutant : public ::testing::TestWithParam<MutantSpec> {};

TEST_P(Mutant, IsKilledByTheNamedCase) {
#ifdef LWM2MC_SANITIZED
    GTEST_SKIP()
        << "black-box timing: an ASan/UBSan client is too slow for the protocol bounds (seen in CI: the "
           "reference client itself diverged); the tester's code runs under ASan in the unit and capture tests";
#endif
    const auto& spec = GetParam();
    std::string killer;
    std::string details;
    std::string failure;
    for (const auto& c : client_classes()) {
        const auto report = run_suite(load(c.model), suite(c),
                                      options(LWM2MC_CLIENT_MUTANTS, c.model, std::string(spec.mutant) + "-" + c.name,
                                              std::string(" --mutant ") + spec.mutant));
        for (const auto& k : report.cases) {
            if (k.verdict == Verdict::Fail) {
                killer = std::string(c.name) + "/" + k.name;
                details = summary(report);
                failure = k.reason + (k.failure ? "\n" + k.failure->observed + "\n" + k.failure->expected : "");
                break;
            }
        }
        if (!killer.empty()) {
            break;
        }
    }
    ASSERT_FALSE(killer.empty()) << "mutant " << spec.mutant << " survived every suite";
    ::testing::Test::RecordProperty("killed_by", killer);
    EXPECT_EQ(killer, spec.killed_by) << details;
    // One of the '|'-separated texts: a defect may show first as a wrong request or as the silence where the right
    // one was due, depending on which bound the tester reaches first.
    bool named = false;
    const std::string_view all(spec.evidence);
    for (std::size_t start = 0; start <= all.size();) {
        const auto bar = all.find('|', start);
        const auto text = all.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start);
        named = named || failure.find(text) != std::string::npos;
        if (bar == std::string_view::npos) {
            break;
        }
        start = bar + 1;
    }
    EXPECT_TRUE(named) << "the failure does not mention '" << spec.evidence << "':\n" << details;
}

// clang-format off
const std::vector<MutantSpec>& mutants() {
    static const std::vector<MutantSpec> m = {
        {"ignore_hold_off",                  "impl_client_initiated/case 1", "may come 300.000 s after entering BsHoldOff"},
        {"bootstrap_retry_without_hold_off", "impl_client_initiated/case 2", "may come 300.000 s after entering BsHoldOff"},
        {"register_before_finish",           "impl_client_initiated/case 1", "the client sent Register"},
        {"finish_without_server_account",    "impl_client_initiated/case 2", "requires the client to refuse Bootstrap-Finish"},
        {"delete_all_keeps_accounts",        "impl_client_initiated/case 2", "requires the client to refuse Bootstrap-Finish"},
        {"no_bootstrap_timeout",             "impl_client_initiated/case 2", "stayed silent"},
        {"ignore_retry_timer",               "impl_factory/case 1",          "may come 60.000 s after entering RegFailed"},
        {"no_bootstrap_fallback",            "impl_client_initiated/case 2", "the client sent Register"},
        {"update_404_no_register",           "impl_client_initiated/case 1", "the client sent Update|without sending its Register"},
        {"stale_location_update",            "impl_client_initiated/case 1", "must address that registration"},
        {"ignore_update_trigger",            "impl_client_initiated/case 1", "owed its Update"},
        {"no_deregister",                    "impl_client_initiated/case 1", "the client sent Register"},
        {"reboot_ignored",                   "impl_client_initiated/case 2", "the client sent Update"},
        {"update_after_reboot",              "impl_client_initiated/case 1", "the client sent Update"},
        {"no_bootstrap_after_factory_reset", "impl_client_initiated/case 2", "the client sent Register"},
    };
    return m;
}
// clang-format on

INSTANTIATE_TEST_SUITE_P(Seeded, Mutant, ::testing::ValuesIn(mutants()),
                         [](const auto& p) { return std::string(p.param.mutant); });

}  // namespace
}  // namespace lwm2mc::conformance
