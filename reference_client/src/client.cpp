// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <exception>
#include <stdexcept>

#include "internal.hpp"

namespace lwm2mc::client {

const char* state_name(State s) {
    switch (s) {
    case State::Init:
        return "Init";
    case State::BsSmartcard:
        return "BsSmartcard";
    case State::BsFactory:
        return "BsFactory";
    case State::BsHoldOff:
        return "BsHoldOff";
    case State::BsRequesting:
        return "BsRequesting";
    case State::BsPending:
        return "BsPending";
    case State::BsFinished:
        return "BsFinished";
    case State::BsFailed:
        return "BsFailed";
    case State::RegPending:
        return "RegPending";
    case State::RegFailed:
        return "RegFailed";
    case State::Registered:
        return "Registered";
    case State::UpdatePending:
        return "UpdatePending";
    case State::DeregPending:
        return "DeregPending";
    case State::Deregistered:
        return "Deregistered";
    case State::Rebooting:
        return "Rebooting";
    case State::FactoryResetting:
        return "FactoryResetting";
    }
    return "Init";
}

std::string describe(const Request& r) {
    std::string out = r.method == code::kGet      ? "GET"
                      : r.method == code::kPost   ? "POST"
                      : r.method == code::kPut    ? "PUT"
                      : r.method == code::kDelete ? "DELETE"
                                                  : code_to_string(r.method);
    out += ' ' + path_to_string(r.uri_path);
    for (std::size_t i = 0; i < r.uri_query.size(); ++i) {
        out += (i == 0 ? '?' : '&') + r.uri_query[i];
    }
    if (r.content_format) {
        out += " cf=" + std::to_string(*r.content_format);
    }
    if (r.accept) {
        out += " accept=" + std::to_string(*r.accept);
    }
    if (!r.payload.empty()) {
        out += " (" + std::to_string(r.payload.size()) + " bytes)";
    }
    return out;
}

std::vector<std::string> split_location(const std::vector<std::string>& options) {
    // RFC 7252 5.10.7: one Location-Path option per segment; lwm2m-node-lib sends a single option "rd/5".
    std::vector<std::string> out;
    for (const auto& opt : options) {
        std::size_t start = 0;
        while (start <= opt.size()) {
            const auto slash = opt.find('/', start);
            const auto seg = opt.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
            if (!seg.empty()) {
                out.push_back(seg);
            }
            if (slash == std::string::npos) {
                break;
            }
            start = slash + 1;
        }
    }
    return out;
}

Client::Impl::Impl(const ClientConfig& config, Transport& transport, const Clock& clock, Observer& observer)
    : config_{config}, transport_{&transport}, clock_{&clock}, obs_{&observer} {
    wall_anchor_ms_ =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    clock_anchor_ = clock.now();
}

void Client::Impl::note(const std::string& text) {
    obs_->on_note(now(), text);
}

void Client::Impl::report_variables() {
    const auto t = now();
    const auto report_bool = [&](const char* name, std::optional<bool>& seen, bool value) {
        if (seen != value) {
            seen = value;
            obs_->on_variable(t, name, value ? "true" : "false");
        }
    };
    report_bool("has_bs_account", seen_has_bs_, st_.data.has_bs_account());
    report_bool("has_server_account", seen_has_server_, st_.data.has_server_account());
    if (seen_reg_info_ != st_.reg_info) {
        seen_reg_info_ = st_.reg_info;
        obs_->on_variable(t, "reg_info", reg_info_name(st_.reg_info));
    }
    report_bool("after_factory_reset", seen_after_factory_reset_, st_.after_factory_reset);
}

void Client::Impl::persist() {
    if (!store_ || (saved_ && *saved_ == st_)) {
        return;
    }
    persist_failed_ = false;
    try {
        store_->save(st_);
        saved_ = st_;
    } catch (const StoreError& e) {
        persist_failed_ = true;
        // The engine keeps running on its in-memory state; the next change tries again.
        note(std::string{"cannot persist the state: "} + e.what());
    }
}

void Client::Impl::fire(std::string_view event, Actor actor, State to, std::string details,
                        const std::function<void()>& effect) {
    const auto from = state_;
    obs_->on_event(now(), event, actor_name(actor), details);
    if (effect) {
        effect();
    }
    observations_on_transition(to);
    report_variables();
    state_ = to;
    deadline_.reset();  // each state arms its own timer on entry
    obs_->on_state_change(now(), state_name(from), state_name(to), event);
    persist();
    if (from == to) {
        return;  // a self-loop keeps the state's timer semantics; the caller re-arms if needed
    }
    if (in_request_) {
        // Entry actions send messages: they wait until the response to the current request is out
        // (Zephyr PR #61370: a Bootstrap-Finish ACK lost behind a Register).
        defer([this, to] {
            if (state_ == to) {
                enter(to);
            }
        });
    } else {
        enter(to);
    }
}

void Client::Impl::defer(std::function<void()> action) {
    deferred_.emplace_back(generation_, std::move(action));
}

void Client::Impl::enter(State s) {
    switch (s) {
    case State::Init:
        enter_init();
        break;
    case State::BsSmartcard:
        enter_smartcard();
        break;
    case State::BsFactory:
        enter_factory();
        break;
    case State::BsHoldOff:
        enter_bs_hold_off();
        break;
    case State::BsRequesting:
        send_bootstrap_request();
        break;
    case State::BsPending:
        if (!deadline_) {
            arm(kExchangeLifetime);  // LwM2M TS 1.0 5.2.6: Bootstrap-Finish within EXCHANGE_LIFETIME
        }
        break;
    case State::BsFinished:
        enter_bs_finished();
        break;
    case State::BsFailed:
        enter_bs_failed();
        break;
    case State::RegPending:
        enter_reg_pending();
        break;
    case State::RegFailed:
        enter_reg_failed();
        break;
    case State::Registered:
        enter_registered();
        break;
    case State::UpdatePending:
        send_update();
        break;
    case State::DeregPending:
        send_deregister();
        break;
    case State::Deregistered:
        if (disabled_for_) {
            arm(*disabled_for_);  // Server object resource 4: unavailable for the Disable Timeout, then Register
        }
        break;
    case State::Rebooting:
        enter_rebooting();
        break;
    case State::FactoryResetting:
        enter_factory_resetting();
        break;
    }
}

void Client::Impl::send(const Endpoint& to, Request request,
                        std::function<void(const std::optional<Response>&, SendFailure)> on_done) {
    obs_->on_message(now(), "out", describe(request) + " to " + to_string(to));
    if (to.secure) {
        // Security Mode 0 (TS 1.0 E.1 /0/x/2, /0/x/3, /0/x/5): the DTLS session to a coaps:// server uses the PSK
        // of the Security instance with that URI. An instance that cannot be used (security_problem) hands the
        // transport no key, so the send fails with SendFailure::Handshake like a failed handshake.
        PskCredentials creds;
        for (const auto& [id, sec] : st_.data.security) {
            if (parse_server_uri(sec.server_uri) == to && !security_problem(sec)) {
                creds = PskCredentials{sec.public_key_or_identity, sec.secret_key};
                break;
            }
        }
        transport_->set_psk(to, std::move(creds));
    }
    const auto gen = generation_;
    transport_->send(to, std::move(request),
                     [this, alive = std::weak_ptr<const bool>{alive_}, gen,
                      done = std::move(on_done)](std::optional<Response> response, SendFailure failure) {
                         if (alive.expired()) {
                             return;  // the Client is gone: `this` dangles (a cancellation run after ~Client)
                         }
                         if (gen != generation_ || stopped_) {
                             return;  // an answer to a request from before a reboot or stop
                         }
                         obs_->on_message(now(), "in",
                                          response ? code_to_string(response->code)
                                                   : std::string{"no response: "} + send_failure_name(failure));
                         try {
                             done(response, failure);
                         } catch (const std::exception& e) {
                             note(std::string{"internal error handling a response: "} + e.what());
                         }
                     });
}

void Client::Impl::on_timer() {
    switch (state_) {
    case State::BsSmartcard:
        enter_smartcard();
        break;
    case State::BsFactory:
        enter_factory();
        break;
    case State::BsHoldOff:
    case State::BsPending:
        bootstrap_timer();
        break;
    case State::RegPending:
    case State::RegFailed:
    case State::Registered:
        registration_timer();
        break;
    case State::Deregistered:
        if (disabled_for_) {
            disabled_for_.reset();
            fire("register_again", Actor::Choice, State::RegPending, "Disable Timeout elapsed");
        }
        break;
    default:
        break;
    }
}

PersistentState Client::Impl::fresh_state() const {
    // What the device holds before its first start and after a factory reset: the pre-provisioned
    // bootstrap-server account that CI and SI need (TS 1.0 5.2.1; the model's has_bs_account initial value
    // client_initiated || server_initiated) and the Device object.
    PersistentState st;
    st.data.device = config_.device;
    st.data.device.supports_factory_reset = config_.supports_factory_reset;
    if ((config_.client_initiated || config_.server_initiated) && !config_.bootstrap_server_uri.empty()) {
        SecurityInstance bs;
        bs.server_uri = config_.bootstrap_server_uri;
        bs.bootstrap_server = true;
        bs.client_hold_off_time = config_.hold_off;
        if (const auto to = parse_server_uri(bs.server_uri); to && to->secure) {
            bs.security_mode = 0;  // Pre-Shared Key (TS 1.0 E.1 /0/x/2)
            bs.public_key_or_identity = config_.bootstrap_psk_identity;
            bs.secret_key = config_.bootstrap_psk_key;
        }
        st.data.security.emplace(0, bs);
    }
    return st;
}

void Client::Impl::load_state() {
    std::optional<PersistentState> loaded;
    if (store_) {
        loaded = store_->load();  // throws StoreError for a damaged file: never loaded silently
    }
    if (loaded) {
        st_ = std::move(*loaded);
        saved_ = st_;
        // The Device object's fixed information comes from the configuration (it is the firmware's).
        const auto offset = st_.data.device.time_offset_s;
        st_.data.device = config_.device;
        st_.data.device.time_offset_s = offset;
        st_.data.device.supports_factory_reset = config_.supports_factory_reset;
    } else {
        st_ = fresh_state();
        saved_.reset();
    }
}

Client::Client(const ClientConfig& config, Transport& transport, const Clock& clock, Observer& observer)
    : impl_{std::make_unique<Impl>(config, transport, clock, observer)} {}

Client::~Client() {
    if (impl_ && impl_->started_ && !impl_->stopped_) {
        impl_->transport_->set_request_handler(nullptr);
    }
}

void Client::start() {
    auto& d = *impl_;
    if (d.started_) {
        throw std::logic_error("Client::start called twice");
    }
    if (const auto problems = validate(d.config_); !problems.empty()) {
        std::string msg = "error: invalid configuration: " + problems.front();
        for (std::size_t i = 1; i < problems.size(); ++i) {
            msg += "; " + problems[i];
        }
        throw ConfigError(msg);
    }
    if (!d.config_.state_dir.empty()) {
        d.store_.emplace(d.config_.state_dir);
    }
    d.load_state();
    // A new process Registers before it is Registered again (the model's Init), which voids the observations
    // the previous run persisted (TS 1.0 5.5.1): they are not restored.
    if (!d.st_.observations.empty() || !d.st_.attributes.empty()) {
        d.drop_observations("a new process registers again");
    }
    // The process stopped in the middle of a bootstrap sequence: it failed, the BS account gets its previous
    // values back (TS 1.0 5.2.6).
    if (d.restore_bs_account()) {
        d.note("bootstrap interrupted by the restart: bootstrap-server account restored");
    }
    d.transport_->set_request_handler(
        [this](const Endpoint& from, const Request& request) { return handle_request(from, request); });
    d.started_ = true;
    d.state_ = State::Init;
    d.report_variables();
    d.obs_->on_start(d.now(), state_name(State::Init));
    d.persist();
    d.enter(State::Init);
}

Millis Client::step() {
    auto& d = *impl_;
    if (!d.started_ || d.stopped_) {
        return kNoDeadline;
    }
    // Deferred actions first (they were queued while answering a request), bounded so that a bug cannot spin.
    for (int i = 0; i < 64 && !d.deferred_.empty(); ++i) {
        auto [gen, action] = std::move(d.deferred_.front());
        d.deferred_.pop_front();
        if (gen == d.generation_) {
            action();
        }
    }
    for (int i = 0; i < 64 && d.deadline_ && *d.deadline_ <= d.now() && !d.stopped_; ++i) {
        d.deadline_.reset();
        d.on_timer();
    }
    if (!d.deferred_.empty()) {
        return d.now();
    }
    const Millis observe_next = d.stopped_ ? kNoDeadline : d.observations_step();  // TS 1.0 5.5.2 Notify
    return std::min(d.deadline_.value_or(kNoDeadline), observe_next);
}

Response Client::handle_request(const Endpoint& from, const Request& request) {
    auto& d = *impl_;
    d.obs_->on_message(d.now(), "in", describe(request) + " from " + to_string(from));
    Response response{code::kInternalServerError, {}, std::nullopt, {}};
    // What the request finds: restored when the change it makes cannot be persisted.
    const PersistentState before = d.st_;
    d.persist_failed_ = false;
    d.in_request_ = true;
    try {
        if (!d.started_ || d.stopped_) {
            response.code = code::kServiceUnavailable;
        } else if (request.has_unknown_critical_option) {
            // RFC 7252 5.4.1: an unrecognised critical option in a request is answered 4.02 Bad Option.
            response.code = code::kBadOption;
        } else if (const auto bs = d.bootstrap_endpoint(); (bs && *bs == from) || (d.bs_peer_ && *d.bs_peer_ == from)) {
            response = d.handle_bootstrap_request(request);
        } else {
            bool known_server = false;
            for (const auto id : d.st_.data.server_accounts()) {
                known_server = known_server || d.server_endpoint(id) == from;
            }
            if (known_server) {
                response = d.handle_management_request(from, request);
            } else {
                // No Security instance names this peer, so it is not authenticated as any of our servers:
                // 4.01 Unauthorized (RFC 7252 5.9.2.2; LwM2M TS 1.0 uses 4.01 for "access right permission
                // denied"). 4.03 is kept for a known server that is not allowed to do what it asks.
                response.code = code::kUnauthorized;
                d.note("request from unknown peer " + to_string(from) + " refused");
            }
        }
    } catch (const std::exception& e) {
        response = Response{code::kInternalServerError, {}, std::nullopt, {}};
        d.note(std::string{"internal error: "} + e.what());
    }
    if (d.persist_failed_ && d.st_ != before && is_success(response.code)) {
        // A change that would be lost at the next power cycle is not acknowledged: 5.00, and the in-memory
        // state goes back to what the request found (the server may retry).
        d.st_ = before;
        d.restore_observations();  // the live observations follow the rolled-back records
        d.report_variables();
        d.note("the change could not be persisted: rolled back, answered 5.00");
        response = Response{code::kInternalServerError, {}, std::nullopt, {}};
    }
    d.in_request_ = false;
    d.obs_->on_message(d.now(), "out", code_to_string(response.code));
    return response;
}

std::string_view Client::state() const {
    return state_name(impl_->state_);
}

bool Client::deregister() {
    auto& d = *impl_;
    if (d.state_ != State::Registered) {
        return false;
    }
    d.fire("deregister", Actor::Client, State::DeregPending);
    return true;
}

bool Client::register_again() {
    auto& d = *impl_;
    if (d.state_ != State::Deregistered) {
        return false;
    }
    d.disabled_for_.reset();
    d.fire("register_again", Actor::Choice, State::RegPending);
    return true;
}

void Client::power_cycle() {
    auto& d = *impl_;
    if (!d.started_ || d.stopped_) {
        return;
    }
    // `* + power_cycle / reset volatile -> Rebooting`: nothing volatile survives, the store does.
    d.transport_->cancel_all();
    ++d.generation_;
    d.deferred_.clear();
    d.fire("power_cycle", Actor::Operator, State::Rebooting, "power cycle");
}

void Client::stop() {
    auto& d = *impl_;
    if (d.stopped_) {
        return;
    }
    d.stopped_ = true;
    ++d.generation_;
    d.deferred_.clear();
    d.deadline_.reset();
    d.transport_->cancel_all();
    if (d.started_) {
        d.transport_->set_request_handler(nullptr);
    }
}

void Client::set_choices(const ClientChoices& choices) {
    static_cast<ClientChoices&>(impl_->config_) = choices;
}

const ClientChoices& Client::choices() const {
    return impl_->config_;
}

const DataModel& Client::data() const {
    return impl_->st_.data;
}
const PersistentState& Client::persistent() const {
    return impl_->st_;
}

void run(Client& client, Transport& transport, const Clock& clock, const std::function<bool()>& keep_running,
         Millis max_real_wait) {
    while (keep_running()) {
        const Millis next = client.step();
        Millis wait = max_real_wait;
        if (next != kNoDeadline) {
            wait = std::clamp(clock.real_wait(next - clock.now()), Millis{0}, max_real_wait);
        }
        transport.poll(wait);
    }
}

}  // namespace lwm2mc::client
