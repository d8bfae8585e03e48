// SPDX-License-Identifier: Apache-2.0
// The Bootstrap Sequence (LwM2M TS 1.0 5.2.4) and the Bootstrap interface (5.2.7): smartcard, factory,
// Client Initiated (5.2.3.3) and 1.0-style Server Initiated (5.2.3.4) bootstrap; the 1.1 Bootstrap-Request
// Trigger /1/x/9 is in management.cpp.
#include <algorithm>

#include "internal.hpp"
#include "mutants.hpp"

namespace lwm2mc::client {

namespace {

// Merges a provisioning source into the data model: its Security/Server instances replace ours, except that
// the Bootstrap-Server Account is kept when the source brings none (TS 1.0 5.2.1: at most one BS account).
void provision(DataModel& dm, const DataModel& source) {
    std::optional<SecurityInstance> bs;
    if (const auto id = dm.bootstrap_account()) {
        bs = dm.security.at(*id);
    }
    dm.security = source.security;
    dm.server = source.server;
    if (bs && !dm.has_bs_account()) {
        std::uint16_t id = 0;
        while (dm.security.contains(id)) {
            ++id;
        }
        dm.security.emplace(id, *bs);
    }
}

constexpr Millis kProvisioningRetry{10'000};

}  // namespace

bool Client::Impl::restore_bs_account() {
    if (!st_.bs_backup) {
        return false;
    }
    // Restored by instance id, so also when the bootstrap server demoted it (/0/x/1 = false) or deleted it;
    // a BS account the failed sequence wrote elsewhere goes (TS 1.0 5.2.1: at most one).
    const auto [backup_id, backup] = *st_.bs_backup;
    std::erase_if(st_.data.security,
                  [id = backup_id](const auto& kv) { return kv.first != id && kv.second.bootstrap_server; });
    st_.data.security[backup_id] = backup;
    st_.bs_backup.reset();
    return true;
}

std::optional<Endpoint> Client::Impl::bootstrap_endpoint() const {
    if (const auto id = st_.data.bootstrap_account()) {
        return parse_server_uri(st_.data.security.at(*id).server_uri);
    }
    return std::nullopt;
}

void Client::Impl::enter_init() {
    // LwM2M TS 1.0 5.2.4: smartcard first, then factory, then register to the servers held, then the bootstrap
    // server. The guards are the model's rows for Init + boot.
    const bool has_server = st_.data.has_server_account();
    if (config_.smartcard) {
        fire("boot", Actor::Client, State::BsSmartcard, "smartcard fitted");
    } else if (config_.factory && !has_server) {
        fire("boot", Actor::Client, State::BsFactory, "factory bootstrap");
    } else if (has_server && st_.registration && mutant(Mutant::UpdateAfterReboot)) {
        // Defect: a restarted client (a new process, or Reboot going through Init) resumes its persisted
        // registration with an Update. TS 5.2.4 step 3, 5.3.1: Register (Init + boot [has_server_account] ->
        // RegPending).
        fire("boot", Actor::Client, State::UpdatePending, "persisted registration: Update");
    } else if (has_server) {
        fire("boot", Actor::Client, State::RegPending, "server account held");
    } else if (st_.data.has_bs_account()) {
        fire("boot", Actor::Client, State::BsHoldOff, "no server account: bootstrap server");
    } else {
        note("no server account, no bootstrap-server account, no smartcard and no factory configuration: the "
             "client cannot bootstrap");
    }
}

void Client::Impl::enter_smartcard() {
    // LwM2M TS 1.0 5.2.4 step 1: a fitted card is read on every start (it may have been replaced, C §3 Reboot ¶3).
    try {
        const auto card = load_provisioning(config_.smartcard_file, config_.retry);
        DataModel next = st_.data;
        provision(next, card);
        if (!next.has_server_account()) {
            note("smartcard " + config_.smartcard_file.string() +
                 " holds no LwM2M server account; reading it again in 10 s");
            arm(kProvisioningRetry);
            return;
        }
        fire("smartcard_read", Actor::Client, State::RegPending, config_.smartcard_file.string(),
             [&] { st_.data = std::move(next); });
    } catch (const StoreError& e) {
        note(std::string{"cannot read the smartcard: "} + e.what() + "; reading it again in 10 s");
        arm(kProvisioningRetry);
    }
}

void Client::Impl::enter_factory() {
    // LwM2M TS 1.0 5.2.4 step 2: the pre-loaded configuration (a file, or server_uris from the configuration).
    DataModel factory;
    try {
        if (!config_.factory_config_file.empty()) {
            factory = load_provisioning(config_.factory_config_file, config_.retry);
        } else {
            for (std::size_t i = 0; i < config_.server_uris.size(); ++i) {
                const auto id = static_cast<std::uint16_t>(i + 1);
                SecurityInstance sec;
                sec.server_uri = config_.server_uris[i];
                if (const auto to = parse_server_uri(sec.server_uri); to && to->secure) {
                    sec.security_mode = 0;  // Pre-Shared Key (TS 1.0 E.1 /0/x/2)
                    sec.public_key_or_identity = config_.server_psk_identity;
                    sec.secret_key = config_.server_psk_key;
                }
                sec.ssid = static_cast<std::int64_t>(i + 1);
                factory.security.emplace(id, sec);
                ServerInstance srv;
                srv.ssid = static_cast<std::int64_t>(i + 1);
                srv.lifetime = config_.lifetime;
                srv.binding = config_.binding;
                srv.retry = config_.retry;
                factory.server.emplace(id, srv);
            }
        }
    } catch (const StoreError& e) {
        note(std::string{"cannot read the factory configuration: "} + e.what() + "; reading it again in 10 s");
        arm(kProvisioningRetry);
        return;
    }
    DataModel next = st_.data;
    provision(next, factory);
    if (!next.has_server_account()) {
        note("the factory configuration holds no LwM2M server account; reading it again in 10 s");
        arm(kProvisioningRetry);
        return;
    }
    fire("factory_loaded", Actor::Client, State::RegPending, "factory configuration",
         [&] { st_.data = std::move(next); });
}

void Client::Impl::enter_bs_hold_off() {
    if (!config_.client_initiated) {
        // Only server-initiated bootstrap: nothing to do but wait for the bootstrap server to start writing
        // (model row BsHoldOff + si_write). Without that initiative the client waits forever: the finding
        // of OMA-DM-LightweightM2M-2017-0009 that the model checker reports as no-recovery from BsFailed.
        note("waiting for a server-initiated bootstrap (client-initiated bootstrap not supported)");
        return;
    }
    std::int64_t hold_off_s = 0;
    if (const auto id = st_.data.bootstrap_account()) {
        hold_off_s = st_.data.security.at(*id).client_hold_off_time;  // /0/x/11 (domain doc 1.3)
    }
    if (mutant(Mutant::IgnoreHoldOff)) {
        // Defect: /0/x/11 is read but never applied. TS 5.2.4 step 4 and object 0 resource 11 require waiting
        // ClientHoldOffTime before initiating the Client Initiated Bootstrap.
        hold_off_s = 0;
    }
    Millis delay{hold_off_s * 1000};
    if (bs_failures_ > 0) {
        // LwM2M TS 1.0 does not say when to retry a failed bootstrap (domain doc 1.4). Back off like the 1.1
        // registration retries (Communication Retry Timer x 2^(n-1), capped at the Sequence Delay Timer), as
        // Anjay Lite does for bootstrap, so that a bootstrap server answering 4.00 at once is not flooded.
        const auto exponent = std::min<unsigned>(bs_failures_ - 1, 20);
        const auto backoff_s = std::min<std::int64_t>(config_.retry.communication_retry_timer << exponent,
                                                      config_.retry.communication_sequence_delay_timer);
        delay = std::max(delay, Millis{backoff_s * 1000});
        if (mutant(Mutant::BootstrapRetryWithoutHoldOff)) {
            // Defect: the hold-off is applied at the first start only; a failed bootstrap is retried at once.
            // The model's BsFailed + bs_failed_next -> BsHoldOff waits ClientHoldOffTime again (TS 5.2.6, /0/x/11).
            delay = Millis{0};
        }
    }
    arm(delay);
}

void Client::Impl::bootstrap_timer() {
    if (state_ == State::BsHoldOff) {
        fire("hold_off_expired", Actor::Client, State::BsRequesting, "ClientHoldOffTime elapsed");
    } else if (state_ == State::BsPending) {
        if (mutant(Mutant::NoBootstrapTimeout)) {
            // Defect: the client waits for Bootstrap-Finish forever. TS 5.2.6: no Finish within EXCHANGE_LIFETIME
            // after the last command means the bootstrap failed (BsPending + exchange_lifetime_expired).
            return;
        }
        // LwM2M TS 1.0 5.2.6: no Bootstrap-Finish within EXCHANGE_LIFETIME after the last command: failed.
        fire("exchange_lifetime_expired", Actor::Fault, State::BsFailed, "no Bootstrap-Finish within 247 s");
    }
}

void Client::Impl::send_bootstrap_request() {
    const auto to = bootstrap_endpoint();
    if (const auto id = st_.data.bootstrap_account()) {
        st_.bs_backup = BsAccountBackup{*id, st_.data.security.at(*id)};
        persist();
    }
    if (!to) {
        fire("bs_request_failed", Actor::Fault, State::BsFailed, "the bootstrap-server URI is not usable");
        return;
    }
    // LwM2M TS 1.0 5.2.3.3 step #0: POST /bs?ep={Endpoint Client Name}; 1.1 clients add pct (domain doc 1.2).
    Request req;
    req.method = code::kPost;
    req.uri_path = {"bs"};
    req.uri_query = {"ep=" + config_.endpoint};
    if (config_.lwm2m_version == LwM2mVersion::V1_1) {
        req.uri_query.push_back("pct=" + std::to_string(content_format::kLwm2mTlv));
    }
    bs_peer_ = *to;
    send(*to, std::move(req), [this](const std::optional<Response>& r, SendFailure f) {
        if (state_ != State::BsRequesting) {
            return;  // a bootstrap command already implied the acknowledgement
        }
        if (r && r->code == code::kChanged) {
            fire("bs_request_ack", Actor::Response, State::BsPending, "2.04");
        } else {
            fire("bs_request_failed", Actor::Fault, State::BsFailed,
                 r ? code_to_string(r->code) : std::string{send_failure_name(f)});
        }
    });
}

void Client::Impl::enter_bs_failed() {
    ++bs_failures_;
    bs_peer_.reset();
    // LwM2M TS 1.0 5.2.3.3 / 5.2.6: after an unsuccessful bootstrap the BS account keeps its previous values; the
    // rest is not rolled back (domain doc 1.2, OMA issue #523).
    if (restore_bs_account()) {
        report_variables();
        persist();
    }
    // What comes next is not specified in 1.0 (model event bs_failed_next, actor choice).
    const bool has_server = st_.data.has_server_account();
    if (config_.register_after_bootstrap_failure && has_server) {
        fire("bs_failed_next", Actor::Choice, State::RegPending, "register with the server accounts held");
    } else if (st_.data.has_bs_account()) {
        fire("bs_failed_next", Actor::Choice, State::BsHoldOff, "retry the bootstrap");
    } else if (has_server) {
        fire("bs_failed_next", Actor::Choice, State::RegPending, "register with the server accounts held");
    }
}

void Client::Impl::enter_bs_finished() {
    bs_failures_ = 0;
    bs_peer_.reset();
    st_.bs_backup.reset();  // persisted by bs_done
    registered_since_bootstrap_ = false;
    // The contribution's RegInfo guards after Bootstrap-Finish (C §3 ¶1, ¶2).
    switch (st_.reg_info) {
    case RegInfo::None:
        fire("bs_done", Actor::Client, State::RegPending, "clean slate: register");
        break;
    case RegInfo::Valid:
        fire("bs_done", Actor::Client, State::Registered, "registration still valid");
        break;
    case RegInfo::Changed: {
        // An Update only reaches the server we are registered with; if that account is gone, Register.
        bool same_server = false;
        if (st_.registration) {
            for (const auto id : st_.data.server_accounts()) {
                same_server = same_server || st_.data.security.at(id).ssid == st_.registration->ssid;
            }
        }
        if (config_.register_on_reg_info_change || !same_server) {
            fire("bs_done", Actor::Choice, State::RegPending, "registration information changed: Register");
        } else {
            fire("bs_done", Actor::Choice, State::UpdatePending, "registration information changed: Update");
        }
        break;
    }
    }
}

std::optional<std::string> Client::Impl::consistency_problem() const {
    // LwM2M TS 1.0 5.2.2: at least one LwM2M Server Account after bootstrap; 5.2.1: at most one BS account.
    // Defect finish_without_server_account: the check is left out, so a Finish without a server account is
    // answered 2.04 instead of 4.06 (TS 5.2.3.3 step #2, 5.2.6).
    if (!st_.data.has_server_account() && !mutant(Mutant::FinishWithoutServerAccount)) {
        return "no LwM2M server account (a Security and a Server instance with the same Short Server ID)";
    }
    const auto bs_count = std::count_if(st_.data.security.begin(), st_.data.security.end(),
                                        [](const auto& kv) { return kv.second.bootstrap_server; });
    if (bs_count > 1) {
        return "more than one bootstrap-server account";
    }
    // The accounts must be usable as written: a coaps:// server needs Security Mode 0 with a PSK identity and key,
    // a coap:// server Mode 3 (TS 1.0 E.1 /0/x/2; this client implements no other mode).
    for (const auto& [id, sec] : st_.data.security) {
        if (const auto problem = security_problem(sec)) {
            return "Security instance /0/" + std::to_string(id) + ": " + *problem;
        }
    }
    return std::nullopt;
}

Response Client::Impl::handle_bootstrap_request(const Request& request) {
    const auto reply = [](Code c) { return Response{c, {}, std::nullopt, {}}; };
    const bool is_finish = request.method == code::kPost && request.uri_path == std::vector<std::string>{"bs"};
    const auto path = Path::parse(request.uri_path);
    const bool is_discover = request.method == code::kGet && request.accept == content_format::kLinkFormat;
    const bool is_bootstrap_op =
        is_finish ||
        (path && (request.method == code::kPut || request.method == code::kDelete || request.method == code::kGet));
    if (!is_bootstrap_op) {
        // The Bootstrap interface has Write, Delete, Discover, Read (1.1) and Finish only.
        return reply(path || is_finish ? code::kMethodNotAllowed : code::kNotFound);
    }

    // The bootstrap window (domain doc 1.1, 1.9): the exchange that follows a Bootstrap-Request, or a
    // 1.0-style server-initiated bootstrap while waiting ClientHoldOffTime or while registered.
    const bool server_initiative = (state_ == State::BsHoldOff || state_ == State::Registered) &&
                                   config_.server_initiated && st_.data.has_bs_account() && !is_finish;
    if (state_ != State::BsPending && state_ != State::BsRequesting && !server_initiative) {
        // A known bootstrap server outside a bootstrap window: identified, but not allowed now (4.03).
        note(std::string{"bootstrap command outside a bootstrap window in state "} + state_name(state_));
        return reply(code::kForbidden);
    }

    // The outcome is computed on a copy first: a command answered with an error changes nothing, not even the
    // state (it neither starts a server-initiated bootstrap nor stands for the Bootstrap-Request's 2.04).
    const auto version = config_.lwm2m_version;
    DataModel next = st_.data;
    Response response = reply(code::kChanged);
    std::optional<std::string> problem;
    if (is_finish) {
        problem = consistency_problem();
    } else if (request.method == code::kGet) {
        if (is_discover) {
            response = discover(st_.data, *path, Interface::Bootstrap, version);
        } else if (version == LwM2mVersion::V1_0 || !path->object || *path->object != 1) {
            // Bootstrap-Read is 1.1 and only for the Server object (domain doc 1.2).
            response = reply(version == LwM2mVersion::V1_0 ? code::kMethodNotAllowed : code::kBadRequest);
        } else {
            response = read(st_.data, *path, request.accept, Interface::Bootstrap, version, now_s());
        }
    } else if (request.method == code::kDelete) {
        response = bootstrap_delete(next, *path);
    } else {
        response = write(next, *path, request, Interface::Bootstrap, version, now_s());  // Bootstrap-Write (PUT)
    }
    if (!is_success(response.code) || (problem && state_ != State::BsPending)) {
        return problem ? reply(code::kNotAcceptable) : response;
    }

    if (state_ == State::BsRequesting) {
        // The 2.04 to our Bootstrap-Request was lost or is still on its way; the command implies it
        // (Wakaama: a command in BS_INITIATED moves to BS_PENDING).
        fire("bs_request_ack", Actor::Response, State::BsPending, "implied by a bootstrap command");
    } else if (server_initiative && request.method == code::kGet) {
        // A Bootstrap-Discover or -Read is answered but does not start a server-initiated bootstrap: the model's
        // si_write is the bootstrap server starting to write, and a Discover without a Finish must not make a
        // registered client give up its registration 247 s later.
        return response;
    } else if (server_initiative) {
        if (const auto id = st_.data.bootstrap_account()) {
            st_.bs_backup = BsAccountBackup{*id, st_.data.security.at(*id)};
        }
        bs_peer_ = bootstrap_endpoint();
        fire("si_write", Actor::BsInitiative, State::BsPending, describe(request));
    }
    arm(kExchangeLifetime);  // re-armed by every command (LwM2M TS 1.0 5.2.6: "after the last command")

    if (is_finish) {
        if (problem) {
            // LwM2M TS 1.0 5.2.3.3 step #2: an inconsistent configuration is answered 4.06; the bootstrap
            // server may fix it and finish again.
            note("Bootstrap-Finish rejected: " + *problem);
            if (!st_.data.has_server_account()) {
                fire("bs_finish", Actor::Fault, State::BsPending, "4.06: " + *problem);
                arm(kExchangeLifetime);
            }
            return reply(code::kNotAcceptable);
        }
        fire("bs_finish", Actor::Response, State::BsFinished, "2.04");
        return reply(code::kChanged);
    }
    if (request.method == code::kGet) {
        return response;
    }
    const bool had_server = st_.data.has_server_account();
    if (request.method == code::kDelete) {
        if (path->is_root() || (had_server && !next.has_server_account())) {
            // "Delete /" (or deleting the last server account, which the model abstracts the same way):
            // a clean slate; the client will register anew (model bs_delete_all).
            fire("bs_delete_all", Actor::Response, State::BsPending, describe(request), [&] {
                st_.data = std::move(next);
                st_.reg_info = RegInfo::None;
                st_.registration.reset();
            });
            arm(kExchangeLifetime);
        } else {
            st_.data = std::move(next);
            report_variables();
            persist();
        }
        return response;
    }
    const bool touches_accounts = path->object && (*path->object == 0 || *path->object == 1);
    if (had_server && !next.has_server_account()) {
        // A Write that breaks the last Security/Server pairing (a changed SSID, /0/x/1 = true) removes the last
        // server account: the model abstracts it as the Delete above does (bs_delete_all), so replay stays in step.
        fire("bs_delete_all", Actor::Response, State::BsPending, describe(request) + ": no server account left", [&] {
            st_.data = std::move(next);
            st_.reg_info = RegInfo::None;
            st_.registration.reset();
        });
        arm(kExchangeLifetime);
    } else if (touches_accounts && next.has_server_account()) {
        fire("bs_write_server", Actor::Response, State::BsPending, describe(request), [&] {
            st_.data = std::move(next);
            if (st_.reg_info != RegInfo::None) {
                st_.reg_info = RegInfo::Changed;  // the account of a registered client changed (C §3 ¶1)
            }
        });
        arm(kExchangeLifetime);
        if (mutant(Mutant::RegisterBeforeFinish)) {
            // Defect: a usable server account is taken as the end of the bootstrap, and the client registers
            // without waiting for Bootstrap-Finish. TS 5.2.3.3: the bootstrap ends with Finish (step #2), and
            // only then does the client act on the new configuration (BsFinished + bs_done).
            defer([this] {
                if (state_ == State::BsPending && st_.data.has_server_account()) {
                    fire("bs_finish", Actor::Response, State::BsFinished, "server account written");
                }
            });
        }
    } else {
        st_.data = std::move(next);
        report_variables();
        persist();
    }
    return response;
}

}  // namespace lwm2mc::client
