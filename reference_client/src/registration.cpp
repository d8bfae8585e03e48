// SPDX-License-Identifier: Apache-2.0
// The Registration interface (LwM2M TS 1.0 5.3): Register, Update, De-register, and the LwM2M 1.1
// registration-failure procedure (1.1 6.2.1.1, Server object resources 14-20; domain doc 1.6).
#include <algorithm>

#include "internal.hpp"
#include "mutants.hpp"

namespace lwm2mc::client {

namespace {

constexpr std::int64_t kMaxUint32 = 4294967295;

Millis seconds(std::int64_t s) {
    return Millis{s * 1000};
}

// The binding stated in Register and Update (b=): /1/x/7 when the client implements it. Writes and configuration
// refuse any other binding (objects.hpp binding_supported); a state saved by an older build may still hold one, and
// then the client states the binding it really uses, UDP (TS 1.0 5.3.1 Table: b defaults to U; 5.3.1.1).
std::string stated_binding(const ServerInstance& srv, const DeviceInfo& device) {
    return binding_supported(srv.binding, device.supported_binding) ? srv.binding : std::string{"U"};
}

// Communication Retry Timer x 2^(attempt-1) (Server object resource 18: exponential back-off).
std::int64_t backoff_s(std::int64_t timer_s, std::int64_t attempt) {
    const auto exponent = std::clamp<std::int64_t>(attempt - 1, 0, 20);
    return timer_s << exponent;
}

}  // namespace

std::optional<Endpoint> Client::Impl::server_endpoint(std::uint16_t security_id) const {
    const auto it = st_.data.security.find(security_id);
    if (it == st_.data.security.end()) {
        return std::nullopt;
    }
    return parse_server_uri(it->second.server_uri);
}

void Client::Impl::enter_reg_pending() {
    const auto accounts = st_.data.server_accounts();
    if (accounts.empty()) {
        fire("reg_failed", Actor::Fault, State::RegFailed, "no LwM2M server account to register to");
        return;
    }
    // One registration at a time, to the first account in Registration Priority Order (the model's single
    // server account stands for "at least one").
    reg_security_ = accounts.front();
    attempt_ = 1;
    sequence_ = 1;
    if (config_.lwm2m_version == LwM2mVersion::V1_1 && !registered_since_bootstrap_) {
        // Server object resource 14: Initial Registration Delay Timer, only until the first successful
        // registration after a successful bootstrap.
        const auto srv = st_.data.server_instance_for(*st_.data.security.at(*reg_security_).ssid);
        const auto delay = srv ? st_.data.server.at(*srv).retry.initial_registration_delay : 0;
        if (delay > 0) {
            arm(seconds(delay));
            return;
        }
    }
    send_register();
}

void Client::Impl::send_register() {
    if (!reg_security_ || !st_.data.security.contains(*reg_security_)) {
        fire("reg_failed", Actor::Fault, State::RegFailed, "the server account disappeared");
        return;
    }
    const auto& sec = st_.data.security.at(*reg_security_);
    const auto srv_id = st_.data.server_instance_for(*sec.ssid);
    const auto to = server_endpoint(*reg_security_);
    if (!srv_id || !to) {
        fire("reg_failed", Actor::Fault, State::RegFailed, "unusable server account");
        return;
    }
    const auto& srv = st_.data.server.at(*srv_id);
    const auto binding = stated_binding(srv, st_.data.device);
    Registration reg{*sec.ssid, {}, srv.lifetime, binding, registration_links(st_.data, config_.lwm2m_version)};
    // LwM2M TS 1.0 5.3.1 / Transport "Registration Interface": POST /rd?ep=&lt=&lwm2m=&b= with the object list.
    Request req;
    req.method = code::kPost;
    req.uri_path = {"rd"};
    req.uri_query = {"ep=" + config_.endpoint, "lt=" + std::to_string(srv.lifetime),
                     std::string{"lwm2m="} + version_text(config_.lwm2m_version), "b=" + binding};
    req.content_format = content_format::kLinkFormat;
    req.payload.assign(reg.objects.begin(), reg.objects.end());
    send(*to, std::move(req), [this, reg](const std::optional<Response>& r, SendFailure f) mutable {
        if (state_ != State::RegPending) {
            return;
        }
        if (r && r->code == code::kCreated) {
            auto location = split_location(r->location_path);
            if (!location.empty()) {
                reg.location = std::move(location);
#ifdef LWM2MC_MUTANTS
                if (mutant_first_location_.empty()) {
                    mutant_first_location_ = reg.location;  // stale_location_update: cached once, never replaced
                }
#endif
                fire("reg_created", Actor::Response, State::Registered, "2.01 " + path_to_string(reg.location), [&] {
                    registered_at_ = now();
                    st_.registration = reg;
                    st_.reg_info = RegInfo::Valid;
                    st_.after_factory_reset = false;
                });
                return;
            }
        }
        const std::string why =
            r ? code_to_string(r->code) + (r->code == code::kCreated ? " without Location-Path" : "")
              : std::string{send_failure_name(f)};
        if (config_.lwm2m_version == LwM2mVersion::V1_0) {
            ++failures_1_0_;
            fire("reg_failed", Actor::Fault, State::RegFailed, why);
            return;
        }
        // LwM2M 1.1 6.2.1.1: retry within a communication sequence, then further sequences; only when all
        // sequences failed is the registration failed (model event reg_failed).
        const auto srv_id2 = st_.data.server_instance_for(reg.ssid);
        const RetryDefaults retry = srv_id2 ? st_.data.server.at(*srv_id2).retry : config_.retry;
        if (attempt_ < std::max<std::int64_t>(retry.communication_retry_count, 1)) {
            auto wait = backoff_s(retry.communication_retry_timer, attempt_);
            if (mutant(Mutant::IgnoreRetryTimer)) {
                // Defect: retry at once. LwM2M 1.1 6.2.1.1 and object 1 resource 18: wait the Communication Retry
                // Timer x 2^(attempt-1) between the attempts of a sequence.
                wait = 0;
            }
            note("Register attempt " + std::to_string(attempt_) + " of sequence " + std::to_string(sequence_) +
                 " failed (" + why + "); retrying in " + std::to_string(wait) + " s");
            ++attempt_;
            arm(seconds(wait));
            return;
        }
        if (sequence_ < retry.communication_sequence_retry_count &&
            retry.communication_sequence_delay_timer < kMaxUint32) {
            note("Register sequence " + std::to_string(sequence_) + " failed (" + why + "); next sequence in " +
                 std::to_string(retry.communication_sequence_delay_timer) + " s");
            ++sequence_;
            attempt_ = 1;
            arm(seconds(retry.communication_sequence_delay_timer));
            return;
        }
        fire("reg_failed", Actor::Fault, State::RegFailed, why + " (retries exhausted)");
    });
}

void Client::Impl::enter_reg_failed() {
    // Defect no_bootstrap_fallback: the bootstrap-server account is overlooked once server accounts exist, so the
    // client registers again instead. TS 5.2.4 step 4 (and 1.1 object 1 resource 16, default true): registration
    // failed for all servers means Client Initiated Bootstrap (RegFailed + fallback_bootstrap [has_bs_account]).
    const bool has_bs = st_.data.has_bs_account() && !mutant(Mutant::NoBootstrapFallback);
    if (config_.lwm2m_version == LwM2mVersion::V1_0) {
        // LwM2M TS 1.0 5.2.4 step 4: registration failed for all servers: Client Initiated Bootstrap.
        if (has_bs) {
            fire("fallback_bootstrap", Actor::Client, State::BsHoldOff, "registration failed");
            return;
        }
        // No bootstrap server to fall back on; TS 1.0 leaves the retry policy open (domain doc 1.5):
        // back off with the 1.1 timer so that a failing server is not flooded.
        auto wait = std::min(backoff_s(config_.retry.communication_retry_timer, failures_1_0_),
                             config_.retry.communication_sequence_delay_timer);
        if (mutant(Mutant::IgnoreRetryTimer)) {
            wait = 0;  // Defect: Register again at once (see send_register; TS 5.3.1 "several retries advised")
        }
        arm(seconds(wait));
        return;
    }
    RetryDefaults retry = config_.retry;
    if (st_.registration || reg_security_) {
        const auto ssid = reg_security_ && st_.data.security.contains(*reg_security_)
                              ? st_.data.security.at(*reg_security_).ssid
                              : std::nullopt;
        if (ssid) {
            if (const auto srv = st_.data.server_instance_for(*ssid)) {
                retry = st_.data.server.at(*srv).retry;
            }
        }
    }
    if (has_bs && retry.bootstrap_on_registration_failure) {
        // Server object resource 16 (default true): fall back to Client Initiated Bootstrap.
        fire("fallback_bootstrap", Actor::Client, State::BsHoldOff, "Bootstrap on Registration Failure");
        return;
    }
    if (has_bs) {
        // Resource 16 false with a bootstrap-server account: the model's only way out of RegFailed is
        // fallback_bootstrap (retry_register needs !has_bs_account), which resource 16 forbids; stop like Anjay
        // ("abort all communication") and Anjay Lite (ANJ_CONN_STATUS_FAILURE) do (domain doc 1.6 step 4).
        note("registration failed and Bootstrap on Registration Failure is false: the client stops trying");
        return;
    }
    // No bootstrap server to fall back on: start again after the Communication Sequence Delay Timer (resource
    // 19), unless it is MAX_VALUE ("never start another sequence"). Model: RegFailed + retry_register.
    if (retry.communication_sequence_delay_timer >= kMaxUint32) {
        note("registration failed, there is no bootstrap-server account and the Communication Sequence Delay "
             "Timer is MAX_VALUE: the client stops trying");
        return;
    }
    auto wait = retry.communication_sequence_delay_timer;
    if (mutant(Mutant::IgnoreRetryTimer)) {
        wait = 0;  // Defect: a new registration at once, as if the Communication Sequence Delay Timer were 0
    }
    note("registration failed and there is no bootstrap-server account: registering again in " + std::to_string(wait) +
         " s");
    arm(seconds(wait));
}

void Client::Impl::enter_registered() {
    registered_since_bootstrap_ = true;
    failures_1_0_ = 0;
    // Registered is also entered without the server hearing from us (a reboot keeping the registration, a
    // bootstrap that left it valid): the lifetime still counts from the last Register or Update it accepted.
    if (st_.registration && st_.registration->lifetime > 0 &&
        (!registered_at_ || now() >= *registered_at_ + seconds(st_.registration->lifetime))) {
        // LwM2M TS 1.0 5.3: the server has removed the registration; an Update is not enough.
        fire("lifetime_expired", Actor::Fault, State::RegPending,
             "the lifetime passed before Registered was re-entered", [&] {
                 st_.reg_info = RegInfo::None;
                 st_.registration.reset();
             });
        return;
    }
    if (reg_info_differs()) {
        // LwM2M TS 1.0 5.3.2: Lifetime, Binding or the object list changed: Update (or a new Register).
        fire("reg_info_changed", Actor::Choice,
             config_.register_on_reg_info_change ? State::RegPending : State::UpdatePending,
             "registration information changed", [&] { st_.reg_info = RegInfo::Changed; });
        return;
    }
    const auto interval = update_interval();
    if (interval != kNoDeadline && registered_at_) {
        // The Update is due `interval` after the server last accepted the registration; at once if that is past.
        arm(std::max(*registered_at_ + interval - now(), Millis{0}));
    }
}

Millis Client::Impl::update_interval() const {
    if (!st_.registration || st_.registration->lifetime <= 0) {
        return kNoDeadline;  // /1/x/1 = 0: no expiry
    }
    // Update MAX_TRANSMIT_WAIT before the lifetime ends, or at half the lifetime when it is short (Wakaama
    // registration_step, Anjay; domain doc 1.5).
    const Millis lifetime = seconds(st_.registration->lifetime);
    if (lifetime > 2 * kMaxTransmitWait) {
        return lifetime - kMaxTransmitWait;
    }
    // Always before the lifetime ends (a floor of 1 s made a 1 s lifetime expire instead of being updated).
    return lifetime / 2;
}

bool Client::Impl::reg_info_differs() const {
    if (!st_.registration) {
        return false;
    }
    const auto srv = st_.data.server_instance_for(st_.registration->ssid);
    if (!srv) {
        return true;
    }
    const auto& s = st_.data.server.at(*srv);
    return s.lifetime != st_.registration->lifetime ||
           stated_binding(s, st_.data.device) != st_.registration->binding ||
           registration_links(st_.data, config_.lwm2m_version) != st_.registration->objects;
}

void Client::Impl::registration_timer() {
    switch (state_) {
    case State::RegPending:
        send_register();
        break;
    case State::RegFailed:
        fire("retry_register", Actor::Client, State::RegPending, "retry after back-off");
        break;
    case State::Registered:
        if (st_.registration && st_.registration->lifetime > 0 &&
            (!registered_at_ || now() >= *registered_at_ + seconds(st_.registration->lifetime))) {
            // LwM2M TS 1.0 5.3: the registration expired on the server; an Update is not enough.
            fire("lifetime_expired", Actor::Fault, State::RegPending, "lifetime passed without an Update", [&] {
                st_.reg_info = RegInfo::None;
                st_.registration.reset();
            });
        } else {
            fire("update_due", Actor::Client, State::UpdatePending, "lifetime about to expire");
        }
        break;
    default:
        break;
    }
}

void Client::Impl::send_update() {
    const auto fail = [this](const std::string& why) {
        // LwM2M TS 1.0 5.3.1/5.3.2, ETS int-105: an Update rejected (4.04: registration unknown) means Register again.
        fire("update_failed", Actor::Fault, State::RegPending, why, [&] {
            st_.reg_info = RegInfo::None;
            st_.registration.reset();
        });
    };
    if (!st_.registration) {
        fail("no registration to update");
        return;
    }
    const auto srv_id = st_.data.server_instance_for(st_.registration->ssid);
    std::optional<Endpoint> to;
    for (const auto id : st_.data.server_accounts()) {
        if (st_.data.security.at(id).ssid == st_.registration->ssid) {
            to = server_endpoint(id);
        }
    }
    if (!srv_id || !to) {
        fail("the registered server account is gone");
        return;
    }
    const auto& srv = st_.data.server.at(*srv_id);
    Registration next = *st_.registration;
    // LwM2M TS 1.0 5.3.2: the Update carries only the parameters that changed.
    Request req;
    req.method = code::kPost;
    req.uri_path = st_.registration->location;
#ifdef LWM2MC_MUTANTS
    if (mutant(Mutant::StaleLocationUpdate) && !mutant_first_location_.empty()) {
        // Defect: the location of the first registration is cached and used for every Update. TS 5.3.1/5.3.2: the
        // Update goes to the Location-Path of the current registration (the 2.01 of the last Register).
        req.uri_path = mutant_first_location_;
    }
#endif
    if (srv.lifetime != next.lifetime) {
        req.uri_query.push_back("lt=" + std::to_string(srv.lifetime));
        next.lifetime = srv.lifetime;
    }
    if (const auto binding = stated_binding(srv, st_.data.device); binding != next.binding) {
        req.uri_query.push_back("b=" + binding);
        next.binding = binding;
    }
    const auto objects = registration_links(st_.data, config_.lwm2m_version);
    if (objects != next.objects) {
        req.content_format = content_format::kLinkFormat;
        req.payload.assign(objects.begin(), objects.end());
        next.objects = objects;
    }
    send(*to, std::move(req), [this, next, fail](const std::optional<Response>& r, SendFailure f) {
        if (state_ != State::UpdatePending) {
            return;
        }
        if (r && r->code == code::kChanged) {
            fire("update_ok", Actor::Response, State::Registered, "2.04", [&] {
                registered_at_ = now();
                st_.registration = next;
                st_.reg_info = RegInfo::Valid;
            });
        } else if (mutant(Mutant::Update404NoRegister) && r && r->code == code::kNotFound) {
            // Defect: a 4.04 is taken as a transient error; the client stays "registered" and tries the next
            // Update one interval later. TS 5.3.1/5.3.2: 4.04 means the server holds no registration: Register
            // again (UpdatePending + update_failed -> RegPending).
            fire("update_failed", Actor::Fault, State::Registered, "4.04 ignored", [&] {
                registered_at_ = now();
                st_.registration = next;
                st_.reg_info = RegInfo::Valid;
            });
        } else {
            fail(r ? code_to_string(r->code) : std::string{send_failure_name(f)});
        }
    });
}

void Client::Impl::send_deregister() {
    const auto done = [this](bool ok, const std::string& why) {
        fire(ok ? "dereg_ok" : "dereg_failed", ok ? Actor::Response : Actor::Fault, State::Deregistered, why, [&] {
            st_.reg_info = RegInfo::None;
            st_.registration.reset();
        });
    };
    std::optional<Endpoint> to;
    if (st_.registration) {
        for (const auto id : st_.data.server_accounts()) {
            if (st_.data.security.at(id).ssid == st_.registration->ssid) {
                to = server_endpoint(id);
            }
        }
    }
    if (!to) {
        done(false, "no registration to delete");
        return;
    }
    if (mutant(Mutant::NoDeregister)) {
        // Defect: the registration is dropped locally without telling the server. TS 5.3.3: De-register is
        // DELETE /{location} (Registered + deregister -> DeregPending, then dereg_ok or dereg_failed).
        done(true, "De-register not sent");
        return;
    }
    // LwM2M TS 1.0 5.3.3: De-register is DELETE /{location}.
    Request req;
    req.method = code::kDelete;
    req.uri_path = st_.registration->location;
    send(*to, std::move(req), [this, done](const std::optional<Response>& r, SendFailure f) {
        if (state_ != State::DeregPending) {
            return;
        }
        done(r && r->code == code::kDeleted, r ? code_to_string(r->code) : std::string{send_failure_name(f)});
    });
}

}  // namespace lwm2mc::client
