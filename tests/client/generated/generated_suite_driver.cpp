// SPDX-License-Identifier: Apache-2.0
// The tester side of a generated suite (docs/testing.md): the reference client on loopback, the test peers as the
// bootstrap server and the LwM2M server, and the walk through a case's steps and alternatives.
//
// How a step is checked. Every model step the client takes reaches the driver through its Observer, inside the
// client's own call stack and before the entry action of the new state runs (Client::Impl::fire calls
// on_state_change before enter()). The driver matches it there against the step where the case stands (event,
// target state, variables, not before duration_s), moves on, and sets the peers' answers for the next step while
// the client has not yet sent the request those answers are for. Stimuli the tester initiates (a Bootstrap-Write,
// an Execute, a power cycle) are performed from the driver's loop once the case stands at them.

#include "generated_suite_driver.hpp"

#include "lwm2mc/client/client.hpp"
#include "lwm2mc/client/config.hpp"
#include "lwm2mc/client/trace.hpp"
#include "lwm2mc/client/transport_coap.hpp"
#include "lwm2mc/conformance/bootstrap_server.hpp"
#include "lwm2mc/conformance/lwm2m_server.hpp"
#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/loader.hpp"
#include "lwm2mc/model/replay.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <unistd.h>
#include <variant>

namespace lwm2mc::generated {

namespace {

using namespace std::chrono_literals;
using client::Millis;
using json = nlohmann::json;
using conformance::BootstrapServer;
using conformance::Exchange;
using conformance::Lwm2mServer;
namespace code = client::code;

// ---- How the tester produces each stimulus (one table, one row per model event) ------------------------------

enum class How : std::uint8_t {
    Answer,       ///< the answer to the request the client sends on entering the step's `from` state; set in advance
    Command,      ///< a request from a peer to the client, sent when the case reaches the step
    Silence,      ///< the peers say nothing for duration_s
    PowerCycle,   ///< the device is switched off and on
    NotDrivable,  ///< the harness cannot make it happen
};

struct StimulusRow {
    std::string_view event;
    How how;
    std::string_view what;  ///< what the peers do
    std::string_view ref;   ///< spec reference
};

// clang-format off
const std::vector<StimulusRow>& stimulus_table() {
    static const std::vector<StimulusRow> rows = {
        {"bs_request_ack",            How::Answer,      "bootstrap server answers the Bootstrap-Request POST /bs?ep= with 2.04",          "TS 5.2.3.3 step #0"},
        {"bs_request_failed",         How::Answer,      "bootstrap server answers the Bootstrap-Request with 4.00 Bad Request",            "TS 5.2.3.3; Transport: 4.00 unknown endpoint"},
        {"si_write",                  How::Command,     "bootstrap server, unasked, Bootstrap-Writes /3/0/13 (Current Time)",               "TS 5.2.3.4"},
        {"bs_delete_all",             How::Command,     "bootstrap server sends Bootstrap-Delete \"/\"",                                    "TS 5.2.7.5"},
        {"bs_write_server",           How::Command,     "bootstrap server Bootstrap-Writes Security /0/10 (NoSec, the LwM2M server's URI, SSID 101), then Server /1/10, until the client reports the account", "TS 5.2.7.4"},
        {"bs_finish",                 How::Command,     "bootstrap server sends Bootstrap-Finish POST /bs; 2.04 expected for BsFinished, 4.06 for BsPending", "TS 5.2.3.3 step #2, 5.2.6"},
        {"exchange_lifetime_expired", How::Silence,     "bootstrap server sends nothing for duration_s (EXCHANGE_LIFETIME)",                 "TS 5.2.6; RFC 7252 4.8.2"},
        {"reg_created",               How::Answer,      "LwM2M server answers Register POST /rd with 2.01 and a Location-Path",             "TS 5.3.1"},
        {"reg_failed",                How::Answer,      "LwM2M server answers every Register with 4.03 Forbidden (the 1.1 client retries within its sequence first)", "TS 5.3.1; 1.1 6.2.1.1"},
        {"update_trigger",            How::Command,     "LwM2M server executes Registration Update Trigger /1/x/8",                         "TS 5.3.2; object 1 resource 8"},
        {"update_ok",                 How::Answer,      "LwM2M server answers Update with 2.04",                                            "TS 5.3.2"},
        {"update_failed",             How::Answer,      "LwM2M server answers Update with 4.04 and forgets the registration",               "TS 5.3.1, 5.3.2"},
        {"lifetime_expired",          How::NotDrivable, "",                                                                                 "TS 5.3"},
        {"dereg_ok",                  How::Answer,      "LwM2M server answers De-register DELETE /rd/N with 2.02",                          "TS 5.3.3"},
        {"dereg_failed",              How::Answer,      "LwM2M server answers De-register with 4.04",                                       "TS 5.3.3"},
        {"reboot",                    How::Command,     "LwM2M server executes Reboot /3/0/4",                                              "TS Appendix E.4"},
        {"factory_reset",             How::Command,     "LwM2M server executes Factory Reset /3/0/5",                                       "TS Appendix E.4"},
        {"power_cycle",               How::PowerCycle,  "the client is destroyed and a new one starts on the same state directory (or Client::power_cycle)", "C 3 Reboot para 3"},
    };
    return rows;
}

// Observations the reference client makes only when its application or its server asks for them (the model's
// "the client decides"): at an await step for one of these events the tester asks, and then observes.
struct NudgeRow {
    std::string_view event;
    std::string_view what;
    std::string_view ref;
};
const std::vector<NudgeRow>& nudge_table() {
    static const std::vector<NudgeRow> rows = {
        {"deregister",        "the application calls Client::deregister()",                       "TS 5.3.3"},
        {"register_again",    "the application calls Client::register_again()",                   "TS 5.3.1"},
        {"request_bootstrap", "LwM2M server executes Bootstrap-Request Trigger /1/x/9",           "1.1 object 1 resource 9"},
        {"reg_info_changed",  "LwM2M server writes a new Lifetime /1/x/1 (600 s <-> 660 s)",      "TS 5.3.2"},
    };
    return rows;
}
// clang-format on

const std::vector<NotDrivable>& not_drivable_list() {
    static const std::vector<NotDrivable> rows = {
        {"lifetime_expired",
         "the client sends its Update before the lifetime ends and the tester cannot hold it back; a server that "
         "forgot the registration shows up as update_failed (4.04) at the next Update, not as lifetime_expired"},
    };
    return rows;
}

const StimulusRow* find_stimulus(std::string_view event) {
    const auto& rows = stimulus_table();
    const auto it = std::find_if(rows.begin(), rows.end(), [&](const StimulusRow& r) { return r.event == event; });
    return it == rows.end() ? nullptr : &*it;
}

const NudgeRow* find_nudge(std::string_view event) {
    const auto& rows = nudge_table();
    const auto it = std::find_if(rows.begin(), rows.end(), [&](const NudgeRow& r) { return r.event == event; });
    return it == rows.end() ? nullptr : &*it;
}

// ---- Small helpers -------------------------------------------------------------------------------------------

std::string uri(const client::Endpoint& e) {
    return "coap://" + e.host + ":" + std::to_string(e.port);
}

std::string str(const json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_string()) {
        throw std::invalid_argument(std::string{"suite: expected a string '"} + key + "'");
    }
    return it->get<std::string>();
}

std::string scalar_text(const json& v) {
    if (v.is_string()) {
        return v.get<std::string>();
    }
    if (v.is_boolean()) {
        return v.get<bool>() ? "true" : "false";
    }
    return v.dump();
}

double duration_of(const json& step) {
    const auto it = step.find("duration_s");
    return it != step.end() && it->is_number() ? it->get<double>() : 0.0;
}

std::string vars_text(const std::map<std::string, std::string>& vars) {
    std::string out;
    for (const auto& [k, v] : vars) {
        out += (out.empty() ? "" : ", ") + k + "=" + v;
    }
    return out;
}

/// "event -> To" as the model's replay prints what it allows.
std::string step_text(const json& s) {
    return str(s, "event") + " -> " + str(s, "to");
}

const model::Model& model_for(const std::string& file) {
    static std::mutex mutex;
    static std::map<std::string, std::unique_ptr<model::Model>> cache;
    std::lock_guard lock(mutex);
    auto& slot = cache[file];
    if (!slot) {
        auto r = model::load_model(file);
        if (!r.ok()) {
            throw std::invalid_argument("suite: the model '" + file + "' does not load");
        }
        slot = std::make_unique<model::Model>(std::move(*r.model));
    }
    return *slot;
}

// ---- The client's model steps, as the Observer reports them --------------------------------------------------

struct Observed {
    std::string from{};
    std::string event{};
    std::string actor{};
    std::string to{};
    std::map<std::string, std::string> vars{};
    Millis t{0};
    bool synthetic{false};  ///< made by the driver (a process power cycle), not reported by the client
};

class Recorder final : public client::Observer {
public:
    std::function<void(const Observed&)> sink{};
    std::map<std::string, std::string> vars{};
    bool restart_expected{false};  ///< the next on_start is a new process after a power cycle

    void on_start(Millis t, std::string_view state) override {
        if (restart_expected) {
            restart_expected = false;
            // A new process runs the Bootstrap Sequence on the persisted state: Rebooting + restart -> Init.
            sink(Observed{"Rebooting", "restart", "choice", std::string{state}, vars, t, true});
        }
    }
    void on_event(Millis, std::string_view, std::string_view actor, std::string_view) override {
        actor_ = std::string{actor};
    }
    void on_variable(Millis, std::string_view name, std::string_view value) override {
        vars[std::string{name}] = std::string{value};
    }
    void on_state_change(Millis t, std::string_view from, std::string_view to, std::string_view event) override {
        sink(Observed{std::string{from}, std::string{event}, actor_, std::string{to}, vars, t, false});
    }

private:
    std::string actor_{};
};

// ---- One case ------------------------------------------------------------------------------------------------

/// Where the case stands: a list of steps (the case's, or an alternative's `then`) and an index into it.
struct Frame {
    const json* steps{nullptr};
    std::size_t index{0};
    bool in_then{false};
    std::optional<std::size_t> rejoin{};  ///< after a `then` list: the case step to continue at; none = end
    std::string label{};                  ///< "step 4 > alternative 1 > then " for messages
    std::size_t origin{0};                ///< in a `then` list: the case step whose alternative it follows
};

std::atomic<unsigned> g_case_counter{0};

class CasePlayer {
public:
    CasePlayer(const json& doc, const json& suite, const json& kase, std::string endpoint, const DriverOptions& options)
        : doc_{doc}, suite_{suite}, case_{kase}, options_{options}, endpoint_{std::move(endpoint)},
          clock_{options.clock_factor}, trace_{trace_text_, false} {
        observers_.add(trace_);
        observers_.add(recorder_);
        recorder_.sink = [this](const Observed& o) { on_observation(o); };
    }

    ~CasePlayer() {
        client_.reset();  // its cancelled exchanges' completions, run at a later poll, see it gone
        bs_->stop();
        server_->stop();
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    CasePlayer(const CasePlayer&) = delete;
    CasePlayer& operator=(const CasePlayer&) = delete;

    CaseVerdict play();

private:
    static client::CoapTransportOptions transport_options();
    client::ClientConfig make_config();
    void steer_choices();
    void start_peers();
    void switch_on();
    void start_client();
    void reset_to_factory();
    void pump();

    const json* current() const;
    const json* step_after_current() const;
    std::string where() const;
    void moved();
    void on_observation(const Observed& o);
    std::optional<std::string> mismatch(const json& expected, const Observed& o, Millis since) const;
    void take_alternative(const json& alternative, std::size_t number);
    void finish_frame();
    void arm_answers();
    void act(const json& step);
    void perform(const json& step, const StimulusRow& row);
    void nudge(const json& step);
    void power_cycle(const json& step);
    void check_wire(const std::string& event);
    void check_exchanges(bool wait);
    std::optional<std::uint16_t> server_instance() const;
    std::string allowed_text(const json& step) const;
    std::optional<std::string> replay_problem(const std::string& trace) const;

    void fail(std::string message) { decide(Verdict::Fail, std::move(message)); }
    void decide(Verdict v, std::string message) {
        if (decided_) {
            return;
        }
        decided_ = true;
        verdict_.verdict = v;
        verdict_.reason = std::move(message);
        verdict_.where = where();
    }

    const json& doc_;
    const json& suite_;
    const json& case_;
    DriverOptions options_;
    std::string endpoint_;
    std::filesystem::path dir_{};
    client::ClientConfig config_{};

    // Pointers: a reset continuation starts new peers (no registrations, no records), as at the start of a case.
    std::unique_ptr<BootstrapServer> bs_{std::make_unique<BootstrapServer>()};
    std::unique_ptr<Lwm2mServer> server_{std::make_unique<Lwm2mServer>()};
    client::CoapTransport transport_{transport_options()};
    client::ScaledClock clock_;
    std::ostringstream trace_text_{};
    client::JsonLinesTrace trace_;
    Recorder recorder_{};
    client::ObserverList observers_{};
    std::unique_ptr<client::Client> client_{};

    Frame frame_{};
    std::uint64_t serial_{0};  // counts the case's moves; act() once per move
    std::uint64_t acted_serial_{~std::uint64_t{0}};
    std::chrono::steady_clock::time_point since_real_{};
    Millis since_protocol_{0};
    Millis last_t_{0};  // protocol time of the last observation: the reference for duration_s
    bool decided_{false};
    bool finished_{false};
    bool reset_pending_{false};  // an alternative with "reset": true was taken; the loop resets before acting
    CaseVerdict verdict_{};
    std::vector<std::string> wire_queue_{};

    struct PendingExchange {
        std::shared_future<Exchange> answer;
        std::string expected;  // "2.04", or "" for any success
        std::string what;
    };
    std::vector<PendingExchange> exchanges_{};
    // bs_write_server: the second write, sent when the first was answered and the client did not report yet.
    std::optional<client::Request> followup_{};
    std::shared_future<Exchange> followup_after_{};
    std::uint64_t followup_serial_{0};
};

client::CoapTransportOptions CasePlayer::transport_options() {
    return conformance::fast_loopback_client_options();
}

client::ClientConfig CasePlayer::make_config() {
    client::ClientConfig c;
    c.endpoint = endpoint_;
    const auto& configuration = suite_.at("configuration");
    if (!configuration.is_object()) {
        throw std::invalid_argument("suite: 'configuration' is not an object");
    }
    // The model's parameters are ClientConfig keys under the same names.
    for (const auto& [name, value] : configuration.items()) {
        client::apply_assignment(c, name + "=" + scalar_text(value));
    }
    client::apply_assignments(c, options_.client_settings);
    c.state_dir = dir_ / "state";
    const std::string server = uri(server_->endpoint());
    if (c.factory) {
        c.server_uris = {server};
    }
    if (c.smartcard) {
        c.smartcard_file = dir_ / "card.json";
        std::ofstream(c.smartcard_file) << R"({"security":[{"id":1,"server_uri":")" << server
                                        << R"(","ssid":7}],"server":[{"id":1,"ssid":7,"lifetime":)" << c.lifetime
                                        << "}]}";
    }
    if (c.client_initiated || c.server_initiated) {
        c.bootstrap_server_uri = uri(bs_->endpoint());
    }
    return c;
}

// Which of the reference client's choice keys makes it take the branch `step` plans (docs: README, "Steering").
// Only steps of actor `choice` are decided by a key; the engine reads the key when it decides
// (management.cpp enter_rebooting, factory_reset_done; bootstrap.cpp enter_bs_failed, enter_bs_finished;
// management.cpp / registration.cpp reg_info_changed).
using ChoiceKey = bool client::ClientChoices::*;
std::vector<std::pair<ChoiceKey, bool>> choice_keys_for(const json& step) {
    if (step.value("actor", std::string{}) != "choice") {
        return {};
    }
    const std::string event = str(step, "event");
    const std::string to = str(step, "to");
    using C = client::ClientChoices;
    if (event == "restart") {
        if (to == "Init") {
            return {{&C::bootstrap_after_reboot, true}};
        }
        return {{&C::bootstrap_after_reboot, false}, {&C::keep_observations, to == "Registered"}};
    }
    if (event == "factory_reset_done") {
        return {{&C::bootstrap_after_factory_reset, to == "Init"}};
    }
    if (event == "reg_info_changed" || event == "bs_done") {
        return {{&C::register_on_reg_info_change, to == "RegPending"}};
    }
    if (event == "bs_failed_next") {
        return {{&C::register_after_bootstrap_failure, to == "RegPending"}};
    }
    return {};
}

// Steering: each choice key takes the value the nearest step ahead that the key decides needs: the rest of the
// list the case stands in, then, after a `then`, the case from `rejoin`. Called at every move, so the key is
// right before the client decides (the Observer reports a step before the new state's entry action, where the
// client makes its next choice) and for a new process (config_).
void CasePlayer::steer_choices() {
    if (!options_.steer_choices) {
        return;
    }
    client::ClientChoices& choices = config_;
    std::vector<ChoiceKey> decided;
    const auto scan = [&](const json& steps, std::size_t from) {
        for (std::size_t i = from; i < steps.size(); ++i) {
            for (const auto& [key, value] : choice_keys_for(steps[i])) {
                if (std::find(decided.begin(), decided.end(), key) == decided.end()) {
                    decided.push_back(key);
                    choices.*key = value;
                }
            }
        }
    };
    if (frame_.steps != nullptr) {
        scan(*frame_.steps, frame_.index);
    }
    if (frame_.in_then && frame_.rejoin) {
        scan(case_.at("steps"), *frame_.rejoin);
    }
    if (client_) {
        client_->set_choices(choices);
    }
}

void CasePlayer::start_peers() {
    bs_->set_script({});
    bs_->start();
    server_->start();
}

// The device is switched on for a case (or a reset continuation) in its factory state, unless the case starts
// with a power cycle: then only through it.
void CasePlayer::switch_on() {
    const json* first = current();
    if (first == nullptr || str(*first, "kind") != "stimulus" || str(*first, "event") != "power_cycle") {
        start_client();
    }
}

// An alternative with "reset": true (docs/testing.md): the client from its factory state (state directory
// wiped, a new Client), new peers as at the start of a case; the case goes on with the alternative's `then`
// from the case's start state.
void CasePlayer::reset_to_factory() {
    reset_pending_ = false;
    client_.reset();  // its cancelled exchanges' completions see it gone
    for (const auto& e : wire_queue_) {
        check_wire(e);  // against the peers that saw the exchanges
    }
    wire_queue_.clear();
    check_exchanges(false);
    exchanges_.clear();  // the old peers' requests: the answers no longer matter
    followup_.reset();
    bs_->stop();
    server_->stop();
    bs_ = std::make_unique<BootstrapServer>();
    server_ = std::make_unique<Lwm2mServer>();
    std::filesystem::remove_all(dir_ / "state");
    config_ = make_config();
    start_peers();
    recorder_.restart_expected = false;
    recorder_.vars.clear();  // the old client's; the new one reports its own when it starts
    last_t_ = clock_.now();
    verdict_.log.push_back(where() + ": reset to the factory state");
    ++verdict_.resets;
    moved();  // the new peers' answers and the choices for the `then` steps
    switch_on();
}

void CasePlayer::start_client() {
    client_ = std::make_unique<client::Client>(config_, transport_, clock_, observers_);  // config_ is steered
    client_->start();
}

void CasePlayer::pump() {
    if (!client_) {
        return;
    }
    const Millis next = client_->step();
    const Millis now = clock_.now();
    const Millis wait = next == client::kNoDeadline ? Millis{5} : clock_.real_wait(next > now ? next - now : Millis{0});
    transport_.poll(std::min(wait, Millis{5}));
}

// The step after the current one: in its list, or after the last step of a `then`, the case's `rejoin` step.
const json* CasePlayer::step_after_current() const {
    if (frame_.steps == nullptr) {
        return nullptr;
    }
    if (frame_.index + 1 < frame_.steps->size()) {
        return &(*frame_.steps)[frame_.index + 1];
    }
    const auto& steps = case_.at("steps");
    if (frame_.in_then && frame_.rejoin && *frame_.rejoin < steps.size()) {
        return &steps[*frame_.rejoin];
    }
    return nullptr;
}

const json* CasePlayer::current() const {
    if (frame_.steps == nullptr || frame_.index >= frame_.steps->size()) {
        return nullptr;
    }
    return &(*frame_.steps)[frame_.index];
}

std::string CasePlayer::where() const {
    return frame_.in_then ? frame_.label + std::to_string(frame_.index) : "step " + std::to_string(frame_.index);
}

void CasePlayer::moved() {
    ++serial_;
    since_real_ = std::chrono::steady_clock::now();
    since_protocol_ = clock_.now();
    if (current() == nullptr && !frame_.in_then) {
        finished_ = true;
    }
    arm_answers();
    steer_choices();
}

std::string CasePlayer::allowed_text(const json& step) const {
    std::string out = "'" + step_text(step) + "'";
    if (const auto it = step.find("alternatives"); it != step.end()) {
        for (const auto& a : *it) {
            out += ", or '" + step_text(a) + "' (alternative)";
        }
    }
    return out;
}

std::optional<std::string> CasePlayer::mismatch(const json& expected, const Observed& o, Millis since) const {
    if (o.event != str(expected, "event") || o.to != str(expected, "to")) {
        return "another step";
    }
    if (const auto it = expected.find("vars"); it != expected.end() && it->is_object()) {
        for (const auto& [name, value] : it->items()) {
            const auto seen = o.vars.find(name);
            if (seen != o.vars.end() && seen->second != scalar_text(value)) {
                return "variable " + name + " = " + seen->second + ", the model says " + scalar_text(value);
            }
        }
    }
    const double d = duration_of(expected);
    if (d > 0) {
        const auto earliest = Millis{static_cast<std::int64_t>(d * 1000.0 * (1.0 - options_.early_tolerance)) - 1000};
        if (since < earliest) {
            return "too early: after " + std::to_string(since.count()) +
                   " ms of protocol time, the transition's `after` is " + std::to_string(static_cast<std::int64_t>(d)) +
                   " s";
        }
    }
    return std::nullopt;
}

void CasePlayer::on_observation(const Observed& o) {
    const Millis since = o.t - last_t_;
    last_t_ = o.t;
    const std::string seen = o.from + " --" + o.event + " (" + o.actor + ")--> " + o.to;
    if (decided_ || finished_) {
        return;  // after the verdict the client may go on; the replay at the end still holds it to the model
    }
    if (reset_pending_) {
        verdict_.log.push_back("  before the reset: " + seen);
        return;  // the client goes when the loop resets it; the `then` steps are for the new one
    }
    const json* step = current();
    if (step == nullptr) {
        return;
    }
    const auto problem = mismatch(*step, o, since);
    if (!problem) {
        verdict_.log.push_back(where() + " " + str(*step, "kind") + " " + seen + " at " + std::to_string(o.t.count()) +
                               " ms ok");
        ++verdict_.steps_played;
        wire_queue_.push_back(o.event);
        ++frame_.index;
        if (current() == nullptr) {
            finish_frame();
        }
        moved();
        return;
    }
    if (const auto alts = step->find("alternatives"); alts != step->end() && alts->is_array()) {
        for (std::size_t i = 0; i < alts->size(); ++i) {
            if (!mismatch((*alts)[i], o, since)) {
                verdict_.log.push_back(where() + " " + str(*step, "kind") + " " + seen + " at " +
                                       std::to_string(o.t.count()) + " ms: alternative " + std::to_string(i) +
                                       " instead of '" + step_text(*step) + "'");
                wire_queue_.push_back(o.event);
                take_alternative((*alts)[i], i);
                moved();
                return;
            }
        }
    }
    if (o.actor == "fault" && !o.synthetic && !replay_problem(trace_text_.str())) {
        // A fault the client detected itself (its registration's lifetime passed while a bootstrap ran, an
        // exchange timed out): the model allows it here, but it is the tester's to apply, so the suite did not
        // plan it. Allowed behaviour that leaves the test purpose: inconclusive, not fail.
        verdict_.log.push_back(where() + " " + seen + " at " + std::to_string(o.t.count()) +
                               " ms: a fault the model allows, detected by the client itself");
        decide(Verdict::Inconclusive, "the client detected the fault " + seen +
                                          " itself; the model allows it here, the suite planned " +
                                          allowed_text(*step));
        return;
    }
    std::ostringstream m;
    m << where() << " (" << str(*step, "kind") << " " << str(*step, "from") << " --" << str(*step, "event") << "--> "
      << str(*step, "to") << ", " << step->value("location", std::string{"?"}) << "): the client did " << seen << " ["
      << vars_text(o.vars) << "] after " << since.count() << " ms of protocol time";
    if (*problem != "another step") {
        m << "; " << *problem;
    }
    m << "; the model allowed " << allowed_text(*step);
    fail(m.str());
}

void CasePlayer::take_alternative(const json& alternative, std::size_t number) {
    const std::string label = where() + " > alternative " + std::to_string(number) + " > then ";
    std::optional<std::size_t> rejoin;
    if (const auto r = alternative.find("rejoin"); r != alternative.end() && r->is_number_unsigned()) {
        rejoin = r->get<std::size_t>();
    }
    static const json kNoSteps = json::array();
    const auto then = alternative.find("then");
    const std::size_t origin = frame_.in_then ? frame_.origin : frame_.index;
    frame_ = Frame{then != alternative.end() && then->is_array() ? &*then : &kNoSteps, 0, true, rejoin, label, origin};
    ++verdict_.alternatives;
    if (const auto r = alternative.find("reset"); r != alternative.end() && r->is_boolean() && r->get<bool>()) {
        reset_pending_ = true;  // not here, inside the client's call stack: the loop does it before acting
    }
    if (current() == nullptr) {
        finish_frame();
    }
}

void CasePlayer::finish_frame() {
    if (!frame_.in_then) {
        return;  // the case's last step: done
    }
    if (!frame_.rejoin) {
        decide(Verdict::Inconclusive,
               "the client took an alternative without a continuation (rejoin null) at " +
                   frame_.label.substr(0, frame_.label.size() - std::string_view{" > then "}.size()));
        return;
    }
    const auto& steps = case_.at("steps");
    if (*frame_.rejoin > steps.size()) {
        throw std::invalid_argument("suite: rejoin " + std::to_string(*frame_.rejoin) + " beyond the case's steps");
    }
    frame_ = Frame{&steps, *frame_.rejoin, false, std::nullopt, {}};
}

// The answers to the client's requests are decided by the step the case stands at, before the request goes out:
// the request is sent on entering a state, and the step after that entry is its answer. Any other step there (a
// power cycle) leaves the request unanswered, so that no answer races it.
void CasePlayer::arm_answers() {
    const json* step = current();
    const std::string event = step != nullptr ? str(*step, "event") : std::string{};
    const bool hold = event == "power_cycle";
    using Scripted = Lwm2mServer::Scripted;
    using Answer = Lwm2mServer::Answer;
    const Scripted normal{};
    const Scripted ignore{Answer::Ignore, code::kEmpty};
    if (event == "bs_request_ack") {
        bs_->set_bs_reply(BootstrapServer::Reply::Accept);
    } else if (event == "bs_request_failed") {
        bs_->set_bs_reply(BootstrapServer::Reply::Reject, code::kBadRequest);
    } else {
        bs_->set_bs_reply(hold ? BootstrapServer::Reply::Ignore : BootstrapServer::Reply::Accept);
    }
    server_->set_register_default(event == "reg_failed" ? Scripted{Answer::Reject, code::kForbidden}
                                  : hold                ? ignore
                                                        : normal);
    server_->set_update_default(event == "update_failed" ? Scripted{Answer::Reject, code::kNotFound}
                                : hold                   ? ignore
                                                         : normal);
    server_->set_deregister_default(event == "dereg_failed" ? Scripted{Answer::Reject, code::kNotFound}
                                    : hold                  ? ignore
                                                            : normal);
}

std::optional<std::uint16_t> CasePlayer::server_instance() const {
    const auto& st = client_->persistent();
    if (st.registration) {
        if (const auto inst = st.data.server_instance_for(st.registration->ssid)) {
            return inst;
        }
    }
    if (!st.data.server.empty()) {
        return st.data.server.begin()->first;
    }
    return std::nullopt;
}

void CasePlayer::act(const json& step) {
    const std::string kind = str(step, "kind");
    const std::string event = str(step, "event");
    if (kind == "await") {
        if (find_nudge(event) != nullptr) {
            nudge(step);
        }
        return;
    }
    if (kind != "stimulus") {
        throw std::invalid_argument("suite: step kind '" + kind + "'");
    }
    const StimulusRow* row = find_stimulus(event);
    if (row == nullptr || row->how == How::NotDrivable) {
        decide(Verdict::Inconclusive, "the harness cannot produce the stimulus '" + event +
                                          "' (generate with --exclude-events " + event + ")");
        return;
    }
    perform(step, *row);
}

void CasePlayer::perform(const json& step, const StimulusRow& row) {
    const std::string event = str(step, "event");
    const client::Endpoint device{"127.0.0.1", transport_.local_port()};
    const auto bs_send = [&](client::Request request, std::string expected) {
        exchanges_.push_back({bs_->send(device, std::move(request), 0ms, event), std::move(expected), event});
    };
    const auto server_send = [&](client::Request request, std::string expected) {
        exchanges_.push_back({server_->send_to_client(endpoint_, std::move(request)), std::move(expected), event});
    };
    switch (row.how) {
    case How::Answer:
    case How::Silence:
    case How::NotDrivable:
        return;  // answers were armed when the client entered the state; silence is doing nothing
    case How::PowerCycle:
        power_cycle(step);
        return;
    case How::Command:
        break;
    }
    if (event == "si_write") {
        // A Bootstrap-Write that changes no account: the model's si_write is only the server starting.
        client::Request r =
            Lwm2mServer::write_text("/3/0/13", std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                                  std::chrono::system_clock::now().time_since_epoch())
                                                                  .count()));
        bs_send(std::move(r), "2.04");
    } else if (event == "bs_delete_all") {
        bs_send(BootstrapServer::delete_all().request, "2.02");
    } else if (event == "bs_write_server") {
        const std::string server = uri(server_->endpoint());
        auto first = bs_->send(device, BootstrapServer::write_security(10, server, false, 101).request, 0ms, event);
        exchanges_.push_back({first, "2.04", event});
        // Writing the Security instance alone completes an account only if the Server instance is there; if the
        // client does not report bs_write_server for it, the Server instance follows.
        // The 1.1 registration retry timers (/1/x/17..20) as the configuration has them for its own accounts.
        auto resources = BootstrapServer::server_resources(101, config_.lifetime);
        const auto& retry = config_.retry;
        resources.push_back({17, conformance::TlvValue::of_int(retry.communication_retry_count)});
        resources.push_back({18, conformance::TlvValue::of_int(retry.communication_retry_timer)});
        resources.push_back({19, conformance::TlvValue::of_int(retry.communication_sequence_delay_timer)});
        resources.push_back({20, conformance::TlvValue::of_int(retry.communication_sequence_retry_count)});
        followup_ = BootstrapServer::write_tlv("/1/10", conformance::tlv_resources(resources)).request;
        followup_after_ = first;
        followup_serial_ = serial_;
    } else if (event == "bs_finish") {
        bs_send(BootstrapServer::finish().request, str(step, "to") == "BsFinished" ? "2.04" : "4.06");
    } else if (event == "update_trigger" || event == "reboot" || event == "factory_reset") {
        std::string path = event == "reboot" ? "/3/0/4" : "/3/0/5";
        if (event == "update_trigger") {
            const auto inst = server_instance();
            if (!inst) {
                fail(where() + ": the client holds no Server instance to execute /1/x/8 on");
                return;
            }
            path = "/1/" + std::to_string(*inst) + "/8";
        }
        server_send(Lwm2mServer::execute(path), "2.04");
    } else {
        decide(Verdict::Inconclusive, "no way to produce the command '" + event + "'");
    }
}

void CasePlayer::nudge(const json& step) {
    const std::string event = str(step, "event");
    if (event == "deregister") {
        client_->deregister();
    } else if (event == "register_again") {
        client_->register_again();
    } else if (const auto inst = server_instance(); inst && event == "request_bootstrap") {
        exchanges_.push_back(
            {server_->send_to_client(endpoint_, Lwm2mServer::execute("/1/" + std::to_string(*inst) + "/9")), "2.04",
             event});
    } else if (inst && event == "reg_info_changed") {
        const auto& srv = client_->persistent().data.server.at(*inst);
        const auto lifetime =
            std::to_string(srv.lifetime == config_.lifetime ? config_.lifetime + 60 : config_.lifetime);
        exchanges_.push_back({server_->send_to_client(
                                  endpoint_, Lwm2mServer::write_text("/1/" + std::to_string(*inst) + "/1", lifetime)),
                              "2.04", event});
    }
}

void CasePlayer::power_cycle(const json& step) {
    bool engine = options_.power_cycle == PowerCycle::Engine;
    if (const json* next = step_after_current(); options_.power_cycle == PowerCycle::Planned && next != nullptr) {
        // A new process always starts in Init; a planned restart that keeps the registration needs the engine's.
        engine = str(*next, "event") == "restart" && str(*next, "to") != "Init";
    }
    if (engine && client_) {
        client_->power_cycle();
        return;
    }
    // Off: the process ends without a word (no De-register); its timers and exchanges go with it.
    std::string from = str(step, "from");
    if (client_) {
        from = std::string{client_->state()};
        client_.reset();  // the cancelled exchanges' completions run at the next poll and see the Client gone
    }
    on_observation(Observed{from, "power_cycle", "operator", "Rebooting", recorder_.vars, clock_.now(), true});
    if (decided_) {
        return;
    }
    // On: a new process on the same state directory and socket, unless the tester switches it off and on again
    // first (Rebooting + power_cycle).
    if (const json* next = current();
        next != nullptr && str(*next, "kind") == "stimulus" && str(*next, "event") == "power_cycle") {
        return;
    }
    recorder_.restart_expected = true;
    start_client();
}

// The peers' own records behind the client's report of an answer: the answer really went out.
void CasePlayer::check_wire(const std::string& event) {
    const auto last_with =
        [](const std::vector<conformance::ReceivedRequest>& rs,
           const std::function<bool(const client::Request&)>& pred) -> std::optional<conformance::ReceivedRequest> {
        for (auto it = rs.rbegin(); it != rs.rend(); ++it) {
            if (pred(it->request)) {
                return *it;
            }
        }
        return std::nullopt;
    };
    const auto is_register = [](const client::Request& r) {
        return r.method == code::kPost && r.uri_path == std::vector<std::string>{"rd"};
    };
    const auto is_update = [](const client::Request& r) {
        return r.method == code::kPost && r.uri_path.size() == 2 && r.uri_path[0] == "rd";
    };
    const auto is_deregister = [](const client::Request& r) {
        return r.method == code::kDelete && r.uri_path.size() == 2 && r.uri_path[0] == "rd";
    };
    struct Expect {
        std::string_view event;
        bool bootstrap;
        std::function<bool(const client::Request&)> pred;
        client::Code answer;
        std::string_view what;
    };
    const std::vector<Expect> table = {
        {"reg_created", false, is_register, code::kCreated, "Register"},
        {"reg_failed", false, is_register, code::kForbidden, "Register"},
        {"update_ok", false, is_update, code::kChanged, "Update"},
        {"update_failed", false, is_update, code::kNotFound, "Update"},
        {"dereg_ok", false, is_deregister, code::kDeleted, "De-register"},
        {"dereg_failed", false, is_deregister, code::kNotFound, "De-register"},
        {"bs_request_ack", true,
         [](const client::Request& r) {
             return r.method == code::kPost && r.uri_path == std::vector<std::string>{"bs"};
         },
         code::kChanged, "Bootstrap-Request"},
        {"bs_request_failed", true,
         [](const client::Request& r) {
             return r.method == code::kPost && r.uri_path == std::vector<std::string>{"bs"};
         },
         code::kBadRequest, "Bootstrap-Request"},
    };
    for (const auto& e : table) {
        if (e.event != event) {
            continue;
        }
        const auto got = last_with(e.bootstrap ? bs_->received() : server_->received(), e.pred);
        if (!got) {
            fail(where() + ": the client reported " + event + " but the " +
                 (e.bootstrap ? "bootstrap server" : "LwM2M server") + " received no " + std::string{e.what});
        } else if (got->answer != e.answer) {
            fail(where() + ": the client reported " + event + " but the last " + std::string{e.what} +
                 " was answered " + client::code_to_string(got->answer));
        } else if (event == "reg_created" && !server_->registration(endpoint_)) {
            fail(where() + ": the client reported reg_created but the LwM2M server holds no registration of '" +
                 endpoint_ + "'");
        }
    }
}

void CasePlayer::check_exchanges(bool wait) {
    for (auto it = exchanges_.begin(); it != exchanges_.end();) {
        if (wait) {
            const auto until = std::chrono::steady_clock::now() + 4s;
            while (it->answer.wait_for(0s) != std::future_status::ready && std::chrono::steady_clock::now() < until) {
                pump();
            }
        }
        if (it->answer.wait_for(0s) != std::future_status::ready) {
            ++it;
            continue;
        }
        std::string outcome;
        try {
            outcome = conformance::outcome_string(it->answer.get());
        } catch (const std::exception& e) {
            outcome = e.what();
        }
        if (!it->expected.empty() && outcome != it->expected && !decided_) {
            fail(where() + ": the client answered the tester's " + it->what + " request " + outcome + ", expected " +
                 it->expected);
        }
        it = exchanges_.erase(it);
    }
}

/// Replays a JSON-lines trace on the suite's model under its configuration; the divergence, if any.
std::optional<std::string> CasePlayer::replay_problem(const std::string& trace) const {
    // The suite names its model files relative to the source tree (or absolute).
    const std::filesystem::path named = doc_.at("files").at(0).get<std::string>();
    const auto file = named.is_absolute() ? named : std::filesystem::path{LWM2MC_SOURCE_DIR} / named;
    const auto& m = model_for(file.string());
    const model::Interpreter interp{m};
    std::string assignment;
    for (const auto& [name, value] : suite_.at("configuration").items()) {
        assignment += (assignment.empty() ? "" : ",") + name + "=" + scalar_text(value);
    }
    std::string error;
    const auto fixed = interp.parse_assignment(assignment, error);
    if (!error.empty()) {
        throw std::invalid_argument("suite: configuration: " + error);
    }
    model::Configuration c;
    for (const auto& v : fixed) {
        c.values.push_back(v.value_or(0));
    }
    const auto parsed = model::parse_trace(trace);
    if (const auto* e = std::get_if<std::string>(&parsed)) {
        return "the client's trace does not parse: " + *e;
    }
    const auto r = model::replay(m, c, std::get<std::vector<model::Observation>>(parsed));
    if (r.ok()) {
        return std::nullopt;
    }
    std::string allowed;
    for (const auto& a : r.divergence->enabled) {
        allowed += (allowed.empty() ? "" : ", ") + a;
    }
    return "replaying the client's trace on the model: line " + std::to_string(r.divergence->line) + ": " +
           r.divergence->message + " (the model allows: " + allowed + ")";
}

CaseVerdict CasePlayer::play() {
    const auto started = std::chrono::steady_clock::now();
    verdict_.case_name = case_.value("name", std::string{"?"});
    dir_ = std::filesystem::temp_directory_path() /
           ("lwm2mc_generated_" + std::to_string(::getpid()) + "_" + std::to_string(g_case_counter++));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    config_ = make_config();
    start_peers();

    const auto& steps = case_.at("steps");
    if (!steps.is_array()) {
        throw std::invalid_argument("suite: 'steps' is not an array");
    }
    verdict_.steps_planned = steps.size();
    frame_ = Frame{&steps, 0, false, std::nullopt, {}};
    moved();
    last_t_ = clock_.now();
    switch_on();

    while (!decided_ && !finished_) {
        if (reset_pending_) {
            reset_to_factory();
            continue;
        }
        const json* step = current();
        if (step == nullptr) {
            break;
        }
        if (acted_serial_ != serial_) {
            acted_serial_ = serial_;
            act(*step);
            continue;  // act may have moved the case (a power cycle is observed at once)
        }
        if (followup_ && serial_ == followup_serial_ && followup_after_.wait_for(0s) == std::future_status::ready) {
            exchanges_.push_back({bs_->send({"127.0.0.1", transport_.local_port()}, *followup_, 0ms, "bs_write_server"),
                                  "2.04", "bs_write_server"});
            followup_.reset();
        }
        pump();
        for (const auto& e : wire_queue_) {
            check_wire(e);
        }
        wire_queue_.clear();
        check_exchanges(false);
        if (decided_ || finished_ || current() != step) {
            continue;
        }
        double longest = duration_of(*step);
        if (const auto alts = step->find("alternatives"); alts != step->end() && alts->is_array()) {
            for (const auto& a : *alts) {
                longest = std::max(longest, duration_of(a));
            }
        }
        const Millis allowed{static_cast<std::int64_t>(
            (longest * (1.0 + options_.early_tolerance) + static_cast<double>(options_.quiescence_s)) * 1000.0)};
        if (clock_.now() - since_protocol_ > allowed &&
            std::chrono::steady_clock::now() - since_real_ > options_.min_real_wait) {
            fail(where() + " (" + str(*step, "kind") + " " + str(*step, "from") + " --" + str(*step, "event") + "--> " +
                 str(*step, "to") + ", " + step->value("location", std::string{"?"}) +
                 "): the client stayed quiescent in " + (client_ ? std::string{client_->state()} : "(off)") + " for " +
                 std::to_string((clock_.now() - since_protocol_).count() / 1000) +
                 " s of protocol time; the model allowed " + allowed_text(*step));
        }
    }
    check_exchanges(true);
    for (const auto& e : wire_queue_) {
        check_wire(e);
    }

    if (client_) {
        client_->stop();
    }
    verdict_.trace = trace_text_.str();
    verdict_.case_steps_reached = frame_.in_then ? frame_.origin : frame_.index;
    if (options_.replay && verdict_.verdict != Verdict::Fail) {
        if (const auto problem = replay_problem(verdict_.trace)) {
            decided_ = false;
            fail(*problem);
        }
    }
    verdict_.real_time =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    return verdict_;
}

}  // namespace

bool drivable(std::string_view event) {
    const auto* row = find_stimulus(event);
    return row != nullptr && row->how != How::NotDrivable;
}

const std::vector<NotDrivable>& non_drivable_events() {
    return not_drivable_list();
}

CaseVerdict play_case(const json& doc, std::size_t suite, std::size_t case_index, const DriverOptions& options) {
    if (doc.value("format", std::string{}) != "lwm2mc-suite/1") {
        throw std::invalid_argument("suite: expected \"format\": \"lwm2mc-suite/1\"");
    }
    const auto& suites = doc.at("suites");
    if (suite >= suites.size()) {
        throw std::invalid_argument("suite: no suite " + std::to_string(suite));
    }
    const auto& s = suites.at(suite);
    const auto& cases = s.at("cases");
    if (case_index >= cases.size()) {
        throw std::invalid_argument("suite: no case " + std::to_string(case_index) + " in suite " +
                                    std::to_string(suite));
    }
    const std::string endpoint = "gen-s" + std::to_string(suite) + "-c" + std::to_string(case_index);
    CasePlayer player{doc, s, cases.at(case_index), endpoint, options};
    auto verdict = player.play();
    verdict.suite_name =
        "class " + scalar_text(s.value("class", json(suite))) + ": " + s.value("class_description", std::string{});
    return verdict;
}

void run_case(const char* json_text, std::size_t suite, std::size_t case_index) {
    static std::mutex mutex;
    static std::map<const char*, json> parsed;
    const json* doc = nullptr;
    {
        std::lock_guard lock(mutex);
        auto it = parsed.find(json_text);
        if (it == parsed.end()) {
            it = parsed.emplace(json_text, json::parse(json_text)).first;
        }
        doc = &it->second;
    }
    const auto v = play_case(*doc, suite, case_index);
    std::string log;
    for (const auto& line : v.log) {
        log += "  " + line + "\n";
    }
    if (std::getenv("LWM2MC_GENERATED_LOG") != nullptr) {  // every step of every case, for reading a suite's run
        std::cout << v.suite_name << ", " << v.case_name << ": " << verdict_name(v.verdict) << "\n"
                  << log << "client trace:\n"
                  << v.trace;
    }
    ::testing::Test::RecordProperty("verdict", std::string{verdict_name(v.verdict)});
    ::testing::Test::RecordProperty("steps_played", static_cast<int>(v.steps_played));
    ::testing::Test::RecordProperty("steps_planned", static_cast<int>(v.steps_planned));
    ::testing::Test::RecordProperty("case_steps_reached", static_cast<int>(v.case_steps_reached));
    ::testing::Test::RecordProperty("alternatives", static_cast<int>(v.alternatives));
    ::testing::Test::RecordProperty("resets", static_cast<int>(v.resets));
    switch (v.verdict) {
    case Verdict::Pass:
        break;
    case Verdict::Inconclusive:
        ::testing::Test::RecordProperty("inconclusive", v.reason);
        std::cout << "[ NOTE     ] inconclusive (" << v.suite_name << ", " << v.case_name << "): " << v.reason
                  << "\n[ NOTE     ] case step " << v.case_steps_reached << " of " << v.steps_planned
                  << "; last steps:\n";
        for (std::size_t i = v.log.size() > 3 ? v.log.size() - 3 : 0; i < v.log.size(); ++i) {
            std::cout << "[ NOTE     ]   " << v.log[i] << "\n";
        }
        break;
    case Verdict::Fail:
    case Verdict::Error:
        ADD_FAILURE() << v.suite_name << ", " << v.case_name << ": " << v.reason << "\nsteps played:\n"
                      << log << "client trace:\n"
                      << v.trace;
        break;
    }
}

}  // namespace lwm2mc::generated
