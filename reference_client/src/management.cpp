// SPDX-License-Identifier: Apache-2.0
// The Device Management interface (LwM2M TS 1.0 5.4) towards the registered server, and the lifecycle
// executables: Registration Update Trigger /1/x/8, Bootstrap-Request Trigger /1/x/9 (1.1), Reboot /3/0/4 and
// Factory Reset /3/0/5 (OMA registry objects 1 and 3; domain doc 1.7).
#include <algorithm>
#include <chrono>

#include "internal.hpp"
#include "mutants.hpp"

namespace lwm2mc::client {

std::int64_t Client::Impl::now_s() const {
    // System time read once at construction and advanced by the Clock: /3/0/13 Current Time moves with protocol
    // time, so that notifications of it follow a ManualClock in tests (TS 1.0 5.5.2).
    return (wall_anchor_ms_ + (now() - clock_anchor_).count()) / 1000;
}

bool Client::Impl::holds_registration(const Endpoint& from) const {
    // The server at `from` accepted a Register of ours that the client has not given up (reg_info Valid or
    // Changed; a Delete /, an expired lifetime or a rejected Update reset it to None).
    if (!st_.registration || st_.reg_info == RegInfo::None) {
        return false;
    }
    for (const auto id : st_.data.server_accounts()) {
        if (st_.data.security.at(id).ssid == st_.registration->ssid && server_endpoint(id) == from) {
            return true;
        }
    }
    return false;
}

Response Client::Impl::handle_management_request(const Endpoint& from, const Request& request) {
    const auto reply = [](Code c) { return Response{c, {}, std::nullopt, {}}; };
    const auto path = Path::parse(request.uri_path);
    // Bootstrap-interface operations and the Security object are for the bootstrap server only: a LwM2M
    // server lacks the access right (TS 1.0 5.2 and E.1; 4.01 "access right permission denied").
    const bool bootstrap_only = (request.method == code::kPost && request.uri_path == std::vector<std::string>{"bs"}) ||
                                (path && path->is_root() && request.method == code::kDelete) ||
                                (path && path->object == 0);
    if (bootstrap_only) {
        note("bootstrap operation from a LwM2M server refused: " + describe(request));
        return reply(code::kUnauthorized);
    }
    // Only the server we are registered with may manage us (Wakaama dm_handleRequest ignores the others).
    bool registered_here = false;
    if ((state_ == State::Registered || state_ == State::UpdatePending) && st_.registration) {
        for (const auto id : st_.data.server_accounts()) {
            registered_here = registered_here ||
                              (st_.data.security.at(id).ssid == st_.registration->ssid && server_endpoint(id) == from);
        }
    }
    if (!registered_here && holds_registration(from)) {
        // The server still holds a registration of ours, but the client is in another lifecycle step: mostly a
        // bootstrap (a 1.1 Bootstrap-Request Trigger, a 1.0 server-initiated bootstrap; BsHoldOff..BsFinished),
        // also a Register replacing the registration, a De-register or a restart under way. TS 1.0 5.2: "During the
        // Bootstrap Phase, the Client MAY ignore requests ... not related to the Bootstrap sequence"; 5.4/5.5: the
        // client MUST ignore the LwM2M Server's operations during a Server Initiated Bootstrap. So the request is
        // not performed; but 4.03 would tell a server with a valid registration that it lacks the access right. It
        // is temporary: 5.03 Service Unavailable with Max-Age, the seconds after which to retry (RFC 7252 5.9.3.4).
        // The step ends by its timer at the latest (a bootstrap: EXCHANGE_LIFETIME after the last command, TS 1.0
        // 5.2.6), so Max-Age is the time left on it, 1 s to EXCHANGE_LIFETIME. No model event: the state is unchanged.
        auto busy = reply(code::kServiceUnavailable);
        const Millis left = deadline_ ? *deadline_ - now() : kExchangeLifetime;
        busy.max_age = static_cast<std::uint32_t>(
            std::clamp<Millis::rep>((left.count() + 999) / 1000, 1, kExchangeLifetime.count() / 1000));
        note(std::string{"management request from the registered server while in state "} + state_name(state_) +
             ": 5.03, retry in " + std::to_string(*busy.max_age) + " s");
        return busy;
    }
    if (!registered_here) {
        // The server is known (it has an account) but holds no registration of ours: refused, and
        // re-authenticating would not help (4.03 Forbidden). TS 1.0 5.4: the client MUST ignore the server's
        // operations until it received its Registration acknowledgement.
        note(std::string{"management request while not registered with that server (state "} + state_name(state_) +
             ")");
        return reply(code::kForbidden);
    }
    if (!path) {
        return reply(code::kNotFound);
    }
    const auto version = config_.lwm2m_version;
    if (request.method == code::kGet) {
        if (request.accept == content_format::kLinkFormat) {
            // TS 1.0 5.4.2: the attributes this server attached to the listed paths come with them.
            return discover(st_.data, *path, Interface::Management, version, [this](const std::string& target) {
                for (const auto& r : st_.attributes) {
                    if (r.ssid == current_ssid() && r.path == target) {
                        return attribute_params(r.attributes);
                    }
                }
                return std::vector<std::pair<std::string, std::string>>{};
            });
        }
        auto response = read(st_.data, *path, request.accept, Interface::Management, version, now_s());
        if (request.observe) {
            return observe_request(from, *path, request, std::move(response));  // TS 1.0 5.5.1 Observe
        }
        return response;
    }
    if (request.method == code::kPut && !request.content_format && request.payload.empty() &&
        !request.uri_query.empty()) {
        return write_attributes(*path, request);  // TS 1.0 5.4.4: PUT with Uri-Query and no payload
    }
    if (request.method == code::kPost && path->resource) {
        return execute(*path);
    }
    if (request.method == code::kPut || (request.method == code::kPost && path->instance)) {
        DataModel next = st_.data;
        auto response = write(next, *path, request, Interface::Management, version, now_s());
        if (!is_success(response.code)) {
            return response;  // the data model is unchanged on error
        }
        st_.data = std::move(next);
        report_variables();
        persist();
        observations_touch();  // TS 1.0 5.5.2: a written observed value is notified
        // Lifetime or Binding written: Update (TS 1.0 5.3.2), after this response went out.
        defer([this] {
            if (state_ == State::Registered && reg_info_differs()) {
                fire("reg_info_changed", Actor::Choice,
                     config_.register_on_reg_info_change ? State::RegPending : State::UpdatePending,
                     "Lifetime or Binding written", [&] { st_.reg_info = RegInfo::Changed; });
            }
        });
        return response;
    }
    // Create (POST /o) and Delete are not supported on /1 and /3 by a LwM2M server.
    return reply(code::kMethodNotAllowed);
}

Response Client::Impl::execute(const Path& path) {
    const auto reply = [](Code c) { return Response{c, {}, std::nullopt, {}}; };
    const auto version = config_.lwm2m_version;
    if (!is_executable(st_.data, path, version)) {
        // An absent resource (e.g. /3/0/5 on a device without Factory Reset, /1/x/9 in 1.0) is 4.04 Not Found;
        // an existing resource that is not executable is 4.05 Method Not Allowed (TS 1.0 5.4.5).
        const auto r = read(st_.data, path, std::nullopt, Interface::Bootstrap, version, now_s());
        return reply(r.code == code::kNotFound ? code::kNotFound : code::kMethodNotAllowed);
    }
    const auto object = *path.object;
    const auto res = *path.resource;
    // The lifecycle executables are model transitions from Registered; while an Update is in flight the
    // server is asked to try again (5.03) rather than interleaving two lifecycle steps.
    const auto busy = [&] { return state_ != State::Registered; };
    if (object == 1 && res == 8) {
        // Registration Update Trigger: an Update now (TS 1.0 5.3.2; an Update already in flight covers it).
        if (mutant(Mutant::IgnoreUpdateTrigger)) {
            // Defect: the Execute is acknowledged but nothing is scheduled. TS 5.3.2, object 1 resource 8: the
            // client sends an Update (Registered + update_trigger -> UpdatePending).
            return reply(code::kChanged);
        }
        defer([this] {
            if (state_ == State::Registered) {
                fire("update_trigger", Actor::ServerInitiative, State::UpdatePending, "Execute /1/x/8");
            }
        });
        return reply(code::kChanged);
    }
    if (object == 1 && res == 4) {
        // Server object resource 4 Disable: answer, De-register, stay away for the Disable Timeout /1/x/5, then
        // Register again (domain doc 1.6). In the model: deregister, dereg_ok/dereg_failed, register_again.
        if (busy()) {
            return reply(code::kServiceUnavailable);
        }
        const auto inst = *path.instance;
        defer([this, inst] {
            if (state_ == State::Registered && st_.data.server.contains(inst)) {
                disabled_for_ = Millis{st_.data.server.at(inst).disable_timeout * 1000};
                fire("deregister", Actor::Client, State::DeregPending, "Execute /1/x/4 Disable");
            }
        });
        return reply(code::kChanged);
    }
    if (object == 1 && res == 9) {
        // 1.1 Bootstrap-Request Trigger: the client MUST start a Client Initiated Bootstrap with its BS account
        // (domain doc 1.6, 1.9). A client that cannot (no CI support or no BS account) refuses the method.
        if (!config_.client_initiated || !st_.data.has_bs_account()) {
            return reply(code::kMethodNotAllowed);
        }
        if (busy()) {
            return reply(code::kServiceUnavailable);
        }
        defer([this] {
            if (state_ == State::Registered) {
                fire("request_bootstrap", Actor::Client, State::BsHoldOff, "Execute /1/x/9");
            }
        });
        return reply(code::kChanged);
    }
    if (object == 3 && (res == 4 || res == 5)) {
        if (busy()) {
            return reply(code::kServiceUnavailable);
        }
        // Answer 2.04 first, act on the next step (OMA issue #280: respond before rebooting).
        const bool reboot = res == 4;
        if (reboot && mutant(Mutant::RebootIgnored)) {
            // Defect: the Execute is acknowledged but the device never restarts. Object 3 resource 4 (mandatory)
            // reboots the device (Registered + reboot -> Rebooting, then the restart choice).
            return reply(code::kChanged);
        }
        defer([this, reboot] {
            if (state_ != State::Registered) {
                return;
            }
            if (reboot) {
                fire("reboot", Actor::Operator, State::Rebooting, "Execute /3/0/4");
            } else {
                fire("factory_reset", Actor::Operator, State::FactoryResetting, "Execute /3/0/5");
            }
        });
        return reply(code::kChanged);
    }
    return reply(code::kMethodNotAllowed);
}

void Client::Impl::enter_rebooting() {
    // `reset volatile`: outstanding exchanges, timers and bookkeeping go; the persisted state is read back as
    // a restarted device would read its flash.
    transport_->cancel_all();
    ++generation_;
    deferred_.clear();
    bs_peer_.reset();
    disabled_for_.reset();
    bs_failures_ = 0;
    failures_1_0_ = 0;
    // The live observations are volatile; st_.observations (as persisted) decides at the restart below.
    ++observe_generation_;
    observations_.clear();
    if (store_) {
        try {
            load_state();
        } catch (const StoreError& e) {
            note(std::string{"cannot read the persisted state after reboot, keeping the state in memory: "} + e.what());
        }
    }
    // A bootstrap sequence cut short by the restart has failed: the BS account gets its previous values back
    // (TS 1.0 5.2.6), as in BsFailed.
    if (restore_bs_account()) {
        note("bootstrap interrupted by the restart: bootstrap-server account restored");
        report_variables();
        persist();
    }
    // The model's restart choice (TS 1.0 5.5.1; C §3 Reboot).
    const bool has_server = st_.data.has_server_account();
    if (config_.bootstrap_after_reboot) {
        fire("restart", Actor::Choice, State::Init, "run the Bootstrap Sequence");
    } else if (config_.keep_observations && has_server && st_.reg_info == RegInfo::Valid) {
        // TS 1.0 5.5.1: the client SHOULD keep its observations over a reboot; they continue with their tokens.
        const auto kept = st_.observations.size();
        fire("restart", Actor::Choice, State::Registered,
             "keep the registration and observations (" + std::to_string(kept) + " observations)",
             [&] { note("observations kept: " + std::to_string(restore_observations())); });
    } else if (has_server && st_.registration && mutant(Mutant::UpdateAfterReboot)) {
        // Defect: the persisted registration is trusted after a restart that dropped the observations, and the
        // client updates it. TS 5.3.1, 5.5.1: a client that lost its state MUST Register again
        // (Rebooting + restart [has_server_account] / reg_info := RegInfoNone -> RegPending).
        fire("restart", Actor::Choice, State::UpdatePending, "keep the registration: Update");
    } else if (has_server) {
        // The new Register voids the observations (observations_on_transition notes how many were forgotten).
        fire("restart", Actor::Choice, State::RegPending,
             "forget observations: Register (" + std::to_string(st_.observations.size()) + " observations)", [&] {
                 st_.reg_info = RegInfo::None;
                 st_.registration.reset();
             });
    } else {
        fire("restart", Actor::Choice, State::Init, "run the Bootstrap Sequence");
    }
}

void Client::Impl::enter_factory_resetting() {
    // Object 3 resource 5: "a De-register MAY be sent to the server(s) before resetting". The model leaves it
    // out because it does not change the client's state; the trace shows it as messages.
    std::optional<Endpoint> to;
    if (config_.deregister_before_factory_reset && st_.registration) {
        for (const auto id : st_.data.server_accounts()) {
            if (st_.data.security.at(id).ssid == st_.registration->ssid) {
                to = server_endpoint(id);
            }
        }
    }
    if (!to) {
        factory_reset_done();
        return;
    }
    Request req;
    req.method = code::kDelete;
    req.uri_path = st_.registration->location;
    send(*to, std::move(req), [this](const std::optional<Response>&, SendFailure) {
        if (state_ == State::FactoryResetting) {
            factory_reset_done();
        }
    });
}

void Client::Impl::factory_reset_done() {
    transport_->cancel_all();
    ++generation_;
    deferred_.clear();
    st_.bs_backup.reset();
    bs_peer_.reset();
    disabled_for_.reset();
    bs_failures_ = 0;
    failures_1_0_ = 0;
    registered_since_bootstrap_ = false;
    // Defect no_bootstrap_after_factory_reset: the configured choice is not read, and the accounts survive the
    // reset. Object 3 resource 5: the device goes through the initial deployment sequence
    // (FactoryResetting + factory_reset_done / reset all -> Init).
    const bool bootstrap = config_.bootstrap_after_factory_reset && !mutant(Mutant::NoBootstrapAfterFactoryReset);
    if (bootstrap || !st_.data.has_server_account()) {
        // Object 3 resource 5: the device goes through the initial deployment sequence (provisioning and the
        // Bootstrap Sequence): `reset all, after_factory_reset := true -> Init`.
        fire("factory_reset_done", Actor::Choice, State::Init, "wiped to the factory configuration", [&] {
            st_ = fresh_state();
            st_.after_factory_reset = true;
        });
    } else {
        // A client that lost its state (observations) registers again (TS 1.0 5.3.1, 5.5.1).
        fire("factory_reset_done", Actor::Choice, State::RegPending, "keep the accounts, Register again", [&] {
            st_.reg_info = RegInfo::None;
            st_.registration.reset();
            st_.after_factory_reset = true;
        });
    }
}

}  // namespace lwm2mc::client
