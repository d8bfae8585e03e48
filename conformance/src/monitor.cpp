// SPDX-License-Identifier: Apache-2.0
// The online monitor (monitor.hpp): a set of hypotheses about where the client stands, advanced by what the wire
// shows and by time.

#include "lwm2mc/conformance/monitor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <set>

namespace lwm2mc::conformance {

namespace {

using model::Actor;
using model::TransitionId;

bool is_client(Actor a) {
    return a == Actor::Client || a == Actor::Choice;
}

std::string seconds(std::int64_t ms) {
    return fmt::format("{:.3f} s", static_cast<double>(ms) / 1000.0);
}

}  // namespace

Monitor::Monitor(const model::Model& model, const WireMap& map, model::Configuration config, MonitorOptions options)
    : model_(model), map_(map), interp_(model), config_(std::move(config)), options_(options) {}

void Monitor::start(std::int64_t t_ms) {
    hyps_.clear();
    locations_.clear();
    Hyp h;
    h.ps = interp_.initial_state(config_);
    h.owes = map_.entry_request(h.ps.state).has_value();
    h.since = t_ms;
    hyps_.push_back(std::move(h));
}

std::int64_t Monitor::duration_ms(TransitionId t, const model::ProductState& ps) const {
    const auto d = interp_.duration(t, ps, config_);
    return d <= 0 ? 0 : d * 1000;
}

std::int64_t Monitor::early_allowance(std::int64_t d_ms) const {
    return static_cast<std::int64_t>(static_cast<double>(d_ms) * options_.early_fraction) + options_.early_ms;
}

void Monitor::add(std::vector<Hyp>& into, Hyp h) const {
    for (auto& existing : into) {
        if (existing.owes == h.owes && existing.may_resend == h.may_resend && existing.ps == h.ps) {
            existing.since = std::min(existing.since, h.since);  // the earliest entry: the lenient bound
            return;
        }
    }
    into.push_back(std::move(h));
}

Monitor::Hyp Monitor::take(const Hyp& h, TransitionId tid, std::int64_t since, bool owes) const {
    Hyp n;
    n.ps = interp_.step(h.ps, tid, config_);
    n.owes = owes;
    n.since = since;
    n.path = std::make_shared<const PathNode>(PathNode{tid, h.path});
    return n;
}

std::vector<Monitor::Hyp> Monitor::closure(const std::vector<Hyp>& from, std::int64_t t) const {
    std::vector<Hyp> out;
    std::vector<Hyp> work = from;
    std::size_t guard = 0;
    while (!work.empty() && ++guard < 100'000) {
        Hyp h = std::move(work.back());
        work.pop_back();
        bool expired = false;
        if (!h.owes) {
            for (const auto tid : interp_.enabled_transitions(h.ps, config_)) {
                const auto& tr = model_.transition(tid);
                const auto* row = map_.row(tr.event);
                const bool silent_client = map_.silent(tid);
                const bool silence = !is_client(tr.actor) && row != nullptr && row->how == How::Silence;
                if (!silent_client && !silence) {
                    continue;
                }
                const auto d = duration_ms(tid, h.ps);
                if (t + early_allowance(d) < h.since + d) {
                    continue;  // not yet possible
                }
                if (silence && t > h.since + d + options_.quiescence_ms) {
                    expired = true;  // the time-out must have fired: this hypothesis cannot still hold
                }
                Hyp next = take(h, tid, h.since + d, map_.entry_request(tr.target).has_value());
                bool seen = std::any_of(out.begin(), out.end(), [&](const Hyp& o) {
                    return o.ps == next.ps && o.owes == next.owes && o.may_resend == next.may_resend;
                });
                seen = seen || std::any_of(work.begin(), work.end(), [&](const Hyp& o) {
                           return o.ps == next.ps && o.owes == next.owes && o.may_resend == next.may_resend;
                       });
                if (!seen) {
                    work.push_back(std::move(next));
                }
            }
        }
        if (!expired) {
            add(out, std::move(h));
        }
    }
    return out;
}

std::optional<std::int64_t> Monitor::hyp_deadline(const Hyp& h) const {
    if (h.owes) {
        return h.since + options_.quiescence_ms;
    }
    if (h.may_resend) {
        return h.since + options_.quiescence_ms;  // answered with a failure: it resends or moves on
    }
    bool waits = false;
    std::optional<std::int64_t> urgent;
    std::optional<std::int64_t> own;
    for (const auto tid : interp_.enabled_transitions(h.ps, config_)) {
        const auto& tr = model_.transition(tid);
        const auto d = duration_ms(tid, h.ps);
        if (is_client(tr.actor)) {
            const auto at = h.since + d + options_.quiescence_ms;
            own = own ? std::min(*own, at) : at;
            if (d > 0) {
                urgent = urgent ? std::min(*urgent, at) : at;
            }
            continue;
        }
        const auto* row = map_.row(tr.event);
        if (row == nullptr) {
            continue;
        }
        if (row->how == How::Answer && !h.may_resend && map_.entry_request(h.ps.state) == row->answers) {
            waits = true;  // its request is out: it waits for the answer
        } else if (row->how == How::Command) {
            waits = true;  // it waits for a server's initiative
        }
    }
    if (waits) {
        return urgent;
    }
    return own;  // nothing to wait for: its own steps are due (none: it may stay for ever)
}

Check Monitor::reject(std::string observed, std::string reason, const std::vector<Hyp>& at) const {
    Check c;
    c.ok = false;
    c.observed = std::move(observed);
    c.reason = std::move(reason);
    std::set<std::uint32_t> listed;
    for (const auto& h : at) {
        c.allowed.push_back(describe(h));
        for (const auto tid : interp_.enabled_transitions(h.ps, config_)) {
            const auto& tr = model_.transition(tid);
            if (listed.insert(tid.value).second) {
                c.source.push_back(fmt::format("{}: {}", tr.range.to_string(), tr.name));
            }
        }
    }
    return c;
}

Check Monitor::observe(const WireEvent& ev, std::int64_t t) {
    if (ev.kind == WireEvent::Kind::Sent && !ev.location.empty()) {
        const auto known = locations_.find(ev.server);
        if (known != locations_.end() && known->second != ev.location) {
            return reject(
                fmt::format("the client sent {} to {} at {}", client_request_name(ev.request), ev.location, seconds(t)),
                fmt::format("the server's registration of the client is {} (its latest Register was "
                            "answered 2.01 with that Location-Path); its {} must address that "
                            "registration (TS §5.3.2, §5.3.3: POST/DELETE /{{location}})",
                            known->second, client_request_name(ev.request)),
                closure(hyps_, t));
        }
    }
    if (ev.kind == WireEvent::Kind::Answered && !ev.location.empty()) {
        locations_[ev.server] = ev.location;
    }
    const auto hyps = closure(hyps_, t);
    std::vector<Hyp> next;
    std::vector<std::string> notes;
    std::string observed;
    switch (ev.kind) {
    case WireEvent::Kind::Sent: {
        observed = fmt::format("the client sent {} at {}", client_request_name(ev.request), seconds(t));
        for (const auto& h : hyps) {
            const auto entry = map_.entry_request(h.ps.state);
            if (h.owes) {
                if (entry == ev.request && t > h.since + options_.quiescence_ms) {
                    notes.push_back(fmt::format("the client owed its {} since entering {} and sent it only after {}; "
                                                "the bound is {} (the quiescence slack)",
                                                client_request_name(*entry), model_.state(h.ps.state).name,
                                                seconds(t - h.since), seconds(options_.quiescence_ms)));
                } else if (entry == ev.request) {
                    Hyp n = h;
                    n.owes = false;
                    add(next, std::move(n));
                }
                continue;
            }
            if (h.may_resend && entry == ev.request) {
                Hyp n = h;
                n.may_resend = false;
                add(next, std::move(n));
            }
            for (const auto tid : interp_.enabled_transitions(h.ps, config_)) {
                const auto& tr = model_.transition(tid);
                if (!map_.observable(tid) || map_.entry_request(tr.target) != ev.request) {
                    continue;
                }
                const auto d = duration_ms(tid, h.ps);
                if (t + early_allowance(d) < h.since + d) {
                    notes.push_back(fmt::format("{} ({}) may come {} after entering {}; the client acted after {}",
                                                tr.name, tr.range.to_string(), seconds(d),
                                                model_.state(h.ps.state).name, seconds(t - h.since)));
                    continue;
                }
                add(next, take(h, tid, t, false));  // its request is the one just seen
            }
        }
        break;
    }
    case WireEvent::Kind::Answered: {
        observed = fmt::format("the server answered the client's {} {} at {}", client_request_name(ev.request),
                               ev.success ? "with success" : "with a failure (4.xx, 5.xx, RST or none)", seconds(t));
        for (const auto& h : hyps) {
            if (h.owes || map_.entry_request(h.ps.state) != ev.request) {
                continue;
            }
            for (const auto tid : interp_.enabled_transitions(h.ps, config_)) {
                const auto& tr = model_.transition(tid);
                const auto* row = map_.row(tr.event);
                if (is_client(tr.actor) || row == nullptr || row->how != How::Answer || row->answers != ev.request ||
                    row->success != ev.success) {
                    continue;
                }
                add(next, take(h, tid, t, map_.entry_request(tr.target).has_value()));
            }
            if (!ev.success && ev.may_resend) {
                Hyp n = h;  // not the end of its retry sequence yet: it may send again
                n.may_resend = true;
                n.since = t;
                add(next, std::move(n));
            }
        }
        break;
    }
    case WireEvent::Kind::Command: {
        observed = fmt::format("a server sent {} at {}; the client answered {}", server_command_name(ev.command),
                               seconds(t), ev.success ? "with success" : "with an error (or not at all)");
        for (const auto& h : hyps) {
            std::vector<TransitionId> accept;
            std::vector<TransitionId> refuse;
            for (const auto tid : interp_.enabled_transitions(h.ps, config_)) {
                const auto& tr = model_.transition(tid);
                const auto* row = map_.row(tr.event);
                if (is_client(tr.actor) || row == nullptr || row->how != How::Command ||
                    (row->command != ev.command && row->also != ev.command)) {
                    continue;
                }
                (tr.actor == Actor::Fault ? refuse : accept).push_back(tid);
            }
            const auto& chosen = ev.success ? accept : refuse;
            const auto& other = ev.success ? refuse : accept;
            if (chosen.empty() && !other.empty()) {
                notes.push_back(
                    fmt::format("in {} the model {} {} ({})", model_.state(h.ps.state).name,
                                ev.success ? "requires the client to refuse" : "requires the client to accept",
                                server_command_name(ev.command), model_.transition(other.front()).range.to_string()));
                continue;
            }
            if (chosen.empty() || ev.command == ServerCommand::Write) {
                add(next, h);  // no lifecycle effect in the model (a Write may also be an ordinary Write)
            }
            for (const auto tid : chosen) {
                const auto& tr = model_.transition(tid);
                add(next, take(h, tid, t, map_.entry_request(tr.target).has_value()));
            }
        }
        break;
    }
    }
    if (next.empty()) {
        std::string reason = notes.empty()
                                 ? fmt::format("{}, which the model does not allow where the client may be", observed)
                                 : notes.front();
        auto c = reject(observed, reason, hyps);
        hyps_ = hyps;
        return c;
    }
    hyps_ = std::move(next);
    Check ok;
    ok.observed = observed;
    return ok;
}

Check Monitor::power_cycle(std::int64_t t) {
    const auto hyps = closure(hyps_, t);
    std::vector<Hyp> next;
    for (const auto& h : hyps) {
        for (const auto tid : interp_.enabled_transitions(h.ps, config_)) {
            const auto& tr = model_.transition(tid);
            const auto* row = map_.row(tr.event);
            if (row == nullptr || row->how != How::PowerCycle) {
                continue;
            }
            add(next, take(h, tid, t, map_.entry_request(tr.target).has_value()));
        }
    }
    if (next.empty()) {
        return reject(fmt::format("the client was power cycled at {}", seconds(t)),
                      "the model has no power-cycle transition where the client may be", hyps);
    }
    hyps_ = std::move(next);
    return Check{};
}

Check Monitor::silence(std::int64_t t) {
    auto hyps = closure(hyps_, t);
    // The hypotheses are kept as they are: a late step is judged when it comes (a loaded machine can delay a
    // client past a bound; dropping the hypothesis then would make the monitor stricter than the model).
    for (const auto& h : hyps) {
        const auto d = hyp_deadline(h);
        if (!d || *d >= t) {
            hyps_ = std::move(hyps);
            return Check{};
        }
    }
    std::string reason = "the client stayed silent past the model's bound";
    if (!hyps.empty()) {
        const auto& h = hyps.front();
        reason = fmt::format(
            "the client stayed silent for {} in {}{}; the model's bound there is {} (its steps' "
            "`after` plus the quiescence slack)",
            seconds(t - h.since), model_.state(h.ps.state).name,
            h.owes ? fmt::format(" without sending its {}", client_request_name(*map_.entry_request(h.ps.state))) : "",
            seconds(hyp_deadline(h).value_or(t) - h.since));
    }
    auto c = reject(fmt::format("no lifecycle request from the client up to {}", seconds(t)), reason, hyps);
    hyps_ = std::move(hyps);
    return c;
}

std::int64_t Monitor::deadline(std::int64_t now) {
    hyps_ = closure(hyps_, now);
    std::int64_t latest = std::numeric_limits<std::int64_t>::min();
    for (const auto& h : hyps_) {
        const auto d = hyp_deadline(h);
        if (!d) {
            return std::numeric_limits<std::int64_t>::max();
        }
        latest = std::max(latest, *d);
    }
    return latest;
}

bool Monitor::owes_request(std::int64_t t) {
    hyps_ = closure(hyps_, t);
    return !hyps_.empty() && std::all_of(hyps_.begin(), hyps_.end(), [](const Hyp& h) { return h.owes; });
}

std::optional<std::int64_t> Monitor::owed_in(model::StateId s, std::int64_t t) {
    hyps_ = closure(hyps_, t);
    std::optional<std::int64_t> latest;
    for (const auto& h : hyps_) {
        if (h.ps.state == s && h.owes) {
            const auto d = hyp_deadline(h).value_or(std::numeric_limits<std::int64_t>::max());
            latest = std::max(latest.value_or(d), d);
        }
    }
    return latest;
}

bool Monitor::may_be_in(model::StateId s, std::int64_t t) {
    hyps_ = closure(hyps_, t);
    return std::any_of(hyps_.begin(), hyps_.end(), [&](const Hyp& h) { return h.ps.state == s; });
}

std::vector<TransitionId> Monitor::path() const {
    std::vector<TransitionId> out;
    for (auto node = hyps_.empty() ? nullptr : hyps_.front().path; node != nullptr; node = node->prev) {
        out.push_back(node->transition);
    }
    std::reverse(out.begin(), out.end());
    return out;
}

std::string Monitor::describe(const Hyp& h) const {
    const auto& name = model_.state(h.ps.state).name;
    std::string text = fmt::format("{} [{}]", name, interp_.format_vars(h.ps.vars));
    if (h.owes) {
        text += fmt::format(": owes its {}", client_request_name(*map_.entry_request(h.ps.state)));
        return text;
    }
    std::vector<std::string> sends;
    std::vector<std::string> waits;
    for (const auto tid : interp_.enabled_transitions(h.ps, config_)) {
        const auto& tr = model_.transition(tid);
        const auto d = duration_ms(tid, h.ps);
        const std::string after = d > 0 ? fmt::format(" not before {}", seconds(d)) : "";
        if (map_.observable(tid)) {
            sends.push_back(fmt::format("{} by {}{}", client_request_name(*map_.entry_request(tr.target)),
                                        model_.events[tr.event.value].name, after));
        } else if (map_.silent(tid)) {
            sends.push_back(fmt::format("(silently) {} -> {}{}", model_.events[tr.event.value].name,
                                        model_.state(tr.target).name, after));
        } else {
            waits.push_back(model_.events[tr.event.value].name);
        }
    }
    std::sort(waits.begin(), waits.end());
    waits.erase(std::unique(waits.begin(), waits.end()), waits.end());
    if (!sends.empty()) {
        text += "; the client may: " + fmt::format("{}", fmt::join(sends, ", "));
    }
    if (!waits.empty()) {
        text += "; stimuli: " + fmt::format("{}", fmt::join(waits, ", "));
    }
    return text;
}

std::vector<std::string> Monitor::describe() const {
    std::vector<std::string> out;
    for (const auto& h : hyps_) {
        out.push_back(describe(h));
    }
    return out;
}

}  // namespace lwm2mc::conformance
