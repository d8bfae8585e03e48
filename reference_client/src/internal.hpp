// SPDX-License-Identifier: Apache-2.0
#pragma once

// Private state of the engine, shared by client.cpp, bootstrap.cpp, registration.cpp and management.cpp
// (Wakaama's core/ split). Never installed, never included from another module.

#include "lwm2mc/client/client.hpp"
#include "lwm2mc/model/elements.hpp"

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

namespace lwm2mc::client {

/// The shipped model's states, in its declaration order.
enum class State : std::uint8_t {
    Init,
    BsSmartcard,
    BsFactory,
    BsHoldOff,
    BsRequesting,
    BsPending,
    BsFinished,
    BsFailed,
    RegPending,
    RegFailed,
    Registered,
    UpdatePending,
    DeregPending,
    Deregistered,
    Rebooting,
    FactoryResetting,
};
const char* state_name(State s);

/// An observation while the engine runs (observe.cpp): the persisted record plus what only this process knows.
struct LiveObservation {
    ObservationRecord record{};
    std::uint32_t seq{0};   ///< the Observe value last sent
    Millis last_sent{0};    ///< protocol time of the last notification (or of the registering response)
    Millis next_check{0};   ///< when step() looks at the value again
    bool in_flight{false};  ///< a Confirmable notification awaits its ACK (RFC 7641 4.5.2: one at a time)
    std::uint64_t sent{0};  ///< notifications sent in this process
};

/// The shipped model's actors.
/// The model's actors (model_types, std-only): the trace's actor names are the model's by construction.
using Actor = model::Actor;
using model::actor_name;

struct Client::Impl {
    Impl(const ClientConfig& config, Transport& transport, const Clock& clock, Observer& observer);

    ClientConfig config_;
    Transport* transport_;
    const Clock* clock_;
    Observer* obs_;
    std::optional<StateStore> store_{};

    PersistentState st_{};
    std::optional<PersistentState> saved_{};
    State state_{State::Init};
    bool started_{false};
    bool stopped_{false};
    std::uint64_t generation_{0};  ///< bumped on reboot/stop: responses to older requests are ignored
    bool in_request_{false};       ///< inside handle_request: entry actions wait for the next step
    bool persist_failed_{false};   ///< the last persist() could not save the state
    std::deque<std::pair<std::uint64_t, std::function<void()>>> deferred_{};
    std::optional<Millis> deadline_{};  ///< the one timer of the current state
    /// Expires with this Impl: a completion the transport runs after the Client is gone (cancel_all, then the
    /// Client destroyed before the next poll) sees it expired and does nothing.
    std::shared_ptr<const bool> alive_{std::make_shared<const bool>(true)};

    // Values of the model variables last reported to the observer.
    std::optional<bool> seen_has_bs_{};
    std::optional<bool> seen_has_server_{};
    std::optional<RegInfo> seen_reg_info_{};
    std::optional<bool> seen_after_factory_reset_{};

    // Bootstrap bookkeeping.
    /// The bootstrap server of the running exchange: it stays the peer even if it rewrites its own account URI.
    std::optional<Endpoint> bs_peer_{};
    unsigned bs_failures_{0};  ///< consecutive failed bootstraps (back-off)
    bool registered_since_bootstrap_{false};

    // Registration bookkeeping (LwM2M 1.1 6.2.1.1, domain doc 1.6).
    std::optional<std::uint16_t> reg_security_{};  ///< the Security instance being registered to
    std::int64_t attempt_{0};
    std::int64_t sequence_{0};
    unsigned failures_1_0_{0};  ///< consecutive Register failures in 1.0 mode (back-off)
    /// When the server last accepted the registration (2.01 to Register, 2.04 to Update): the lifetime and the
    /// next Update count from here, not from the last entry to Registered. nullopt: not known in this process.
    std::optional<Millis> registered_at_{};
    std::optional<Millis> disabled_for_{};  ///< /1/x/4 executed: register again after this Disable Timeout

    // ---- client.cpp: the step machinery ----
    Millis now() const { return clock_->now(); }
    /// One model step: on_event, `effect`, changed variables, on_state_change, persist, entry action of `to`.
    void fire(std::string_view event, Actor actor, State to, std::string details = {},
              const std::function<void()>& effect = {});
    void report_variables();
    void persist();
    void enter(State s);
    void defer(std::function<void()> action);
    void note(const std::string& text);
    void send(const Endpoint& to, Request request,
              std::function<void(const std::optional<Response>&, SendFailure)> on_done);
    void arm(Millis delay) { deadline_ = now() + delay; }
    void on_timer();
    PersistentState fresh_state() const;
    void load_state();

    // ---- bootstrap.cpp ----
    void enter_init();
    void enter_smartcard();
    void enter_factory();
    void enter_bs_hold_off();
    void send_bootstrap_request();
    void enter_bs_failed();
    void enter_bs_finished();
    std::optional<Endpoint> bootstrap_endpoint() const;
    /// Puts back the BS account saved when the sequence started (TS 1.0 5.2.6); false if none was saved.
    bool restore_bs_account();
    Response handle_bootstrap_request(const Request& request);
    std::optional<std::string> consistency_problem() const;
    void bootstrap_timer();

    // ---- registration.cpp ----
    void enter_reg_pending();
    void send_register();
    void enter_reg_failed();
    void enter_registered();
    void send_update();
    void send_deregister();
    void registration_timer();
    std::optional<Endpoint> server_endpoint(std::uint16_t security_id) const;
    bool reg_info_differs() const;
    Millis update_interval() const;

    // Information Reporting (observe.cpp).
    std::vector<LiveObservation> observations_{};
    std::uint64_t observe_generation_{0};  ///< bumped when the observations are dropped: old completions ignored
    std::int64_t wall_anchor_ms_{0};       ///< system time at construction; /3/0/13 advances with the Clock from it
    Millis clock_anchor_{0};

    // ---- observe.cpp ----
    /// Serves GET with an Observe option (RFC 7641 3, TS 1.0 5.5.1/5.5.3) given the Read's response.
    Response observe_request(const Endpoint& from, const Path& path, const Request& request, Response read_response);
    /// Write-Attributes (TS 1.0 5.4.4): PUT with Uri-Query and no payload.
    Response write_attributes(const Path& path, const Request& request);
    /// Sends the notifications that are due; returns the protocol time of the next check (kNoDeadline: none).
    Millis observations_step();
    /// A server wrote the data model: look at every observed value at the next step.
    void observations_touch();
    /// Forgets every observation and attribute (a new Register, De-register, bootstrap, factory reset) with a
    /// trace note naming `why`; returns how many observations there were.
    std::size_t drop_observations(const std::string& why);
    /// After a reboot that keeps the registration: rebuilds the live observations from st_.observations.
    std::size_t restore_observations();
    /// Called by fire() before a step ends in `to`: leaving the registered states drops the observations.
    void observations_on_transition(State to);
    std::int64_t current_ssid() const;
    Attributes effective_attributes(std::int64_t ssid, const Path& path) const;
    /// False when the observation had to be dropped instead (its server account is gone).
    bool send_notification(std::size_t index, Response value);
    void save_observation_record(std::size_t index);
    void erase_observation(std::size_t index);

    // ---- management.cpp ----
    Response handle_management_request(const Endpoint& from, const Request& request);
    /// Whether the LwM2M server at `from` holds a registration of ours (answered 5.03, not 4.03, while busy).
    bool holds_registration(const Endpoint& from) const;
    Response execute(const Path& path);
    void enter_rebooting();
    void enter_factory_resetting();
    void factory_reset_done();
    std::int64_t now_s() const;

#ifdef LWM2MC_MUTANTS
    /// Mutant stale_location_update (mutants.hpp): the Location-Path of the first registration of this process.
    std::vector<std::string> mutant_first_location_{};
#endif
};

/// "POST /rd?ep=x&lt=300" for traces.
std::string describe(const Request& r);
/// Location-Path as sent by the server: several options, or one option holding "rd/5" (lwm2m-node-lib).
std::vector<std::string> split_location(const std::vector<std::string>& options);

}  // namespace lwm2mc::client
