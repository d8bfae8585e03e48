// SPDX-License-Identifier: Apache-2.0
#pragma once

// The LwM2M client lifecycle engine: bootstrap (smartcard, factory, client- and 1.0-style server-initiated),
// registration (Register, Update, De-register, the 1.1 retry procedure), the Bootstrap and Device Management
// interfaces on Security /0, Server /1 and Device /3, Reboot and Factory Reset. It talks CoAP only through a
// Transport, reads time only from a Clock, and reports each step to an Observer in the vocabulary of the
// shipped model (model/specs/lwm2m-ts10-draft.lwm2m).

#include "lwm2mc/client/clock.hpp"
#include "lwm2mc/client/config.hpp"
#include "lwm2mc/client/message.hpp"
#include "lwm2mc/client/objects.hpp"
#include "lwm2mc/client/observer.hpp"
#include "lwm2mc/client/store.hpp"
#include "lwm2mc/client/transport.hpp"

#include <functional>
#include <memory>
#include <string_view>

namespace lwm2mc::client {

/// step() result when no timer is armed.
inline constexpr Millis kNoDeadline = Millis::max();
/// RFC 7252 4.8.2 EXCHANGE_LIFETIME with default parameters (domain doc 1.11).
inline constexpr Millis kExchangeLifetime{247'000};
/// RFC 7252 MAX_TRANSMIT_WAIT (domain doc 1.11).
inline constexpr Millis kMaxTransmitWait{93'000};

class Client {
public:
    /// All four must outlive the client. The configuration is copied.
    Client(const ClientConfig& config, Transport& transport, const Clock& clock, Observer& observer);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    /// Installs handle_request as the transport's request handler, loads the persisted state (a first start
    /// provisions the bootstrap-server account from the configuration), enters Init and runs the Bootstrap
    /// Sequence up to the first message or timer. Throws StoreError for a damaged state file, ConfigError
    /// when validate(config) reports problems, std::logic_error when called twice.
    void start();

    /// Runs what is due: actions deferred until after a response was sent (Reboot, Factory Reset, the
    /// reaction to Bootstrap-Finish and to triggers) and expired timers. Returns the protocol time of the next
    /// deadline, kNoDeadline if none, or now() if more work is already due.
    Millis step();

    /// Serves a request from a peer; never throws (5.00 for an internal error). Operations that change the
    /// lifecycle take effect on the next step(), after this response went out.
    Response handle_request(const Endpoint& from, const Request& request);

    /// The model state name ("Init", "BsHoldOff", "Registered", ...).
    std::string_view state() const;

    /// Model event `deregister` (client): in Registered, send De-register. Returns false in other states.
    bool deregister();
    /// Model event `register_again` (choice): in Deregistered, Register again. Returns false otherwise.
    bool register_again();
    /// Model event `power_cycle` (operator): drop everything volatile and restart from the persisted state.
    void power_cycle();
    /// Cancels outstanding requests and timers and uninstalls the request handler; step() then does nothing.
    /// The cancelled requests' completions may run at a later transport.poll(), also after this Client is gone:
    /// they do nothing then.
    void stop();

    /// Replaces the spec-open choices (the ClientChoices part of the configuration) for every decision from
    /// now on: the engine reads a choice when it decides, so this steers the next restart, bs_failed_next, ...
    /// Takes no step and changes nothing persisted. For a tester that steers the client to a planned branch.
    void set_choices(const ClientChoices& choices);
    const ClientChoices& choices() const;

    const DataModel& data() const;
    /// The persistent state as it is now (and as last saved when a state_dir is configured).
    const PersistentState& persistent() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

/// The event loop of an executable: alternates transport.poll(clock.real_wait(next deadline - now)) and
/// client.step() until `keep_running` returns false. A real wait is capped at `max_real_wait` so that
/// `keep_running` is polled regularly.
void run(Client& client, Transport& transport, const Clock& clock, const std::function<bool()>& keep_running,
         Millis max_real_wait = Millis{200});

}  // namespace lwm2mc::client
