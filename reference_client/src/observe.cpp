// SPDX-License-Identifier: Apache-2.0
// The Information Reporting interface (LwM2M TS 1.0 5.5: Observe, Notify, Cancel Observation over RFC 7641) and
// Write-Attributes (TS 1.0 5.4.4) with the <NOTIFICATION> attributes of TS 1.0 5.1.2 (pmin, pmax, gt, lt, st).
//
// Observations belong to the registration: the server expects the client to remember them until it sends a
// new Register (TS 1.0 5.5.1; domain doc 1.8), so a Register, a De-register, a bootstrap and a factory reset drop
// them, and a reboot keeps them only when it keeps the registration (the model's restart choice).
//
// Scheduling is clock-driven like the rest of the engine: every observation has a next_check time; step() returns
// the earliest. A value is looked at when pmin has passed since the last notification, at pmax, once a second for
// values that move with the clock (/3/0/13 Current Time), and at once after a server Write.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <iterator>

#include "internal.hpp"

namespace lwm2mc::client {

Attributes inherit(const Attributes& base, const Attributes& over) {
    Attributes out = base;
    if (over.pmin) {
        out.pmin = over.pmin;
    }
    if (over.pmax) {
        out.pmax = over.pmax;
    }
    if (over.gt) {
        out.gt = over.gt;
    }
    if (over.lt) {
        out.lt = over.lt;
    }
    if (over.st) {
        out.st = over.st;
    }
    return out;
}

namespace {

std::optional<double> parse_number(std::string_view text) {
    if (text.empty()) {
        return std::nullopt;
    }
    double v = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || ptr != text.data() + text.size() || !std::isfinite(v)) {
        return std::nullopt;
    }
    return v;
}

std::string number_text(double v) {
    if (v == std::floor(v) && std::fabs(v) < 1e15) {
        return std::to_string(static_cast<std::int64_t>(v));
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

}  // namespace

std::variant<std::vector<AttributeChange>, std::string> parse_attribute_query(const std::vector<std::string>& query) {
    std::vector<AttributeChange> out;
    for (const auto& q : query) {
        const auto eq = q.find('=');
        AttributeChange c;
        c.name = q.substr(0, eq);
        if (c.name != "pmin" && c.name != "pmax" && c.name != "gt" && c.name != "lt" && c.name != "st") {
            // TS 1.0 5.1.2 defines only these five <NOTIFICATION> attributes (1.1's epmin/epmax, edge, con are
            // not supported): an unknown one is a Bad Request.
            return "unknown attribute '" + c.name + "'";
        }
        if (eq != std::string::npos) {
            const auto v = parse_number(std::string_view{q}.substr(eq + 1));
            if (!v) {
                return "attribute '" + c.name + "' has no numeric value";
            }
            const bool period = c.name == "pmin" || c.name == "pmax";
            // TS 1.0 5.1.2: pmin and pmax are Integer seconds, st is a non-negative step.
            if (period && (*v < 0 || *v != std::floor(*v) || *v > 4294967295.0)) {
                return "attribute '" + c.name + "' must be a non-negative integer";
            }
            if (c.name == "st" && *v < 0) {
                return "attribute 'st' must not be negative";
            }
            c.value = v;
        }
        out.push_back(std::move(c));
    }
    return out;
}

std::optional<std::string> apply_attribute_changes(Attributes& attributes,
                                                   const std::vector<AttributeChange>& changes) {
    Attributes next = attributes;
    for (const auto& c : changes) {
        if (c.name == "pmin") {
            next.pmin = c.value ? std::optional<std::int64_t>{static_cast<std::int64_t>(*c.value)} : std::nullopt;
        } else if (c.name == "pmax") {
            next.pmax = c.value ? std::optional<std::int64_t>{static_cast<std::int64_t>(*c.value)} : std::nullopt;
        } else if (c.name == "gt") {
            next.gt = c.value;
        } else if (c.name == "lt") {
            next.lt = c.value;
        } else if (c.name == "st") {
            next.st = c.value;
        }
    }
    // TS 1.0 5.1.2: "lt" must be smaller than "gt"; LwM2M 1.1 5.1.2 adds lt + 2 * st < gt when all three are set.
    if (next.lt && next.gt && !(*next.lt < *next.gt)) {
        return std::string{"'lt' must be less than 'gt'"};
    }
    if (next.lt && next.gt && next.st && !(*next.lt + 2 * *next.st < *next.gt)) {
        return std::string{"'lt' + 2 * 'st' must be less than 'gt'"};
    }
    attributes = next;
    return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> attribute_params(const Attributes& a) {
    std::vector<std::pair<std::string, std::string>> out;
    if (a.pmin) {
        out.emplace_back("pmin", std::to_string(*a.pmin));
    }
    if (a.pmax) {
        out.emplace_back("pmax", std::to_string(*a.pmax));
    }
    if (a.gt) {
        out.emplace_back("gt", number_text(*a.gt));
    }
    if (a.lt) {
        out.emplace_back("lt", number_text(*a.lt));
    }
    if (a.st) {
        out.emplace_back("st", number_text(*a.st));
    }
    return out;
}

std::string token_hex(const std::vector<std::uint8_t>& token) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (const auto b : token) {
        out += digits[b >> 4U];
        out += digits[b & 0xFU];
    }
    return out;
}

std::optional<std::vector<std::uint8_t>> token_from_hex(const std::string& hex) {
    if (hex.size() % 2 != 0) {
        return std::nullopt;
    }
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        unsigned v = 0;
        const auto [ptr, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, v, 16);
        if (ec != std::errc{} || ptr != hex.data() + i + 2) {
            return std::nullopt;
        }
        out.push_back(static_cast<std::uint8_t>(v));
    }
    return out;
}

// ---------------------------------------------------------------------------------------------------------------

namespace {

/// Observe sequence numbers are 24 bits on the wire (RFC 7641 4.4).
constexpr std::uint32_t kSeqMask = 0xFFFFFFU;
/// The state file holds an Observe value this far ahead of the last one sent, so that a notification does not
/// cost a write of the state file; after a reboot numbering goes on from there (RFC 7641 4.4: strictly newer).
constexpr std::uint32_t kSeqReserve = 64;
constexpr Millis kSecond{1000};

bool moves_with_time(const Path& p) {
    // /3/0/13 Current Time (and /3, /3/0, which contain it) change every second.
    return p.object == 3 && (!p.instance || *p.instance == 0) && (!p.resource || *p.resource == 13);
}

Millis seconds(std::int64_t s) {
    return Millis{s * 1000};
}

}  // namespace

std::int64_t Client::Impl::current_ssid() const {
    return st_.registration ? st_.registration->ssid : 0;
}

Attributes Client::Impl::effective_attributes(std::int64_t ssid, const Path& path) const {
    // TS 1.0 5.1.2: attributes attached to the object apply to its instances and resources unless the instance
    // or resource has its own value.
    Attributes out;
    const auto level = [&](const Path& p) {
        const auto text = to_string(p);
        for (const auto& r : st_.attributes) {
            if (r.ssid == ssid && r.path == text) {
                out = inherit(out, r.attributes);
            }
        }
    };
    if (path.object) {
        level(Path{path.object, std::nullopt, std::nullopt});
    }
    if (path.instance) {
        level(Path{path.object, path.instance, std::nullopt});
    }
    if (path.resource) {
        level(path);
    }
    return out;
}

Response Client::Impl::write_attributes(const Path& path, const Request& request) {
    const auto reply = [](Code c) { return Response{c, {}, std::nullopt, {}}; };
    if (path.is_root()) {
        return reply(code::kMethodNotAllowed);
    }
    // The target must exist (TS 1.0 5.4.4: 4.04 Not Found); Discover answers exactly that for the DM interface.
    if (!is_success(discover(st_.data, path, Interface::Management, config_.lwm2m_version).code)) {
        return reply(code::kNotFound);
    }
    const auto parsed = parse_attribute_query(request.uri_query);
    if (const auto* problem = std::get_if<std::string>(&parsed)) {
        note("Write-Attributes refused: " + *problem);
        return reply(code::kBadRequest);
    }
    const auto& changes = std::get<std::vector<AttributeChange>>(parsed);
    const bool numeric_attr = std::any_of(changes.begin(), changes.end(), [](const AttributeChange& c) {
        return c.value && (c.name == "gt" || c.name == "lt" || c.name == "st");
    });
    if (numeric_attr) {
        // TS 1.0 5.1.2: gt, lt and st are Resource attributes for numeric values.
        const auto value = path.resource ? read(st_.data, path, content_format::kTextPlain, Interface::Management,
                                                config_.lwm2m_version, now_s())
                                         : Response{code::kBadRequest, {}, std::nullopt, {}};
        const std::string_view text{reinterpret_cast<const char*>(value.payload.data()), value.payload.size()};
        if (!is_success(value.code) || !parse_number(text)) {
            note("Write-Attributes refused: gt, lt and st apply to numeric resources only");
            return reply(code::kBadRequest);
        }
    }
    const auto ssid = current_ssid();
    const auto key = to_string(path);
    auto it = std::find_if(st_.attributes.begin(), st_.attributes.end(),
                           [&](const AttributeRecord& r) { return r.ssid == ssid && r.path == key; });
    Attributes attrs = it != st_.attributes.end() ? it->attributes : Attributes{};
    if (const auto problem = apply_attribute_changes(attrs, changes)) {
        note("Write-Attributes refused: " + *problem);
        return reply(code::kBadRequest);
    }
    if (it != st_.attributes.end()) {
        if (attrs.empty()) {
            st_.attributes.erase(it);
        } else {
            it->attributes = attrs;
        }
    } else if (!attrs.empty()) {
        st_.attributes.push_back(AttributeRecord{ssid, key, attrs});
    }
    persist();
    observations_touch();  // new periods apply from now on
    return reply(code::kChanged);
}

Response Client::Impl::observe_request(const Endpoint& from, const Path& path, const Request& request,
                                       Response read_response) {
    (void)from;  // the caller checked that `from` is the registered server
    const auto ssid = current_ssid();
    auto it = std::find_if(observations_.begin(), observations_.end(), [&](const LiveObservation& o) {
        return o.record.ssid == ssid && o.record.token == request.token;
    });
    const auto key = to_string(path);
    if (*request.observe == 1) {
        // RFC 7641 3.6: deregister, then serve the GET as usual (TS 1.0 5.5.3 Cancel Observation).
        if (it != observations_.end()) {
            note("observation " + token_hex(it->record.token) + " on " + it->record.path + " cancelled by the server");
            erase_observation(static_cast<std::size_t>(it - observations_.begin()));
        }
        return read_response;
    }
    if (*request.observe != 0) {
        return read_response;  // RFC 7641 2: other values are reserved; a plain GET
    }
    if (!is_success(read_response.code)) {
        // RFC 7641 4.1: a non-2.xx response does not register (and ends an observation with this token).
        if (it != observations_.end()) {
            erase_observation(static_cast<std::size_t>(it - observations_.begin()));
        }
        return read_response;
    }
    const bool replace = it != observations_.end();
    if (!replace) {
        observations_.emplace_back();
        st_.observations.emplace_back();
        it = std::prev(observations_.end());
    }
    // RFC 7641 4.1: the same token again replaces the observation (new path, new Accept), the numbering goes on.
    auto& o = *it;
    o.record.ssid = ssid;
    o.record.token = request.token;
    o.record.path = key;
    o.record.accept = request.accept;
    o.record.last_payload = read_response.payload;
    o.record.last_format = read_response.content_format;
    o.seq = (o.seq + 1) & kSeqMask;
    o.record.observe_seq = (o.seq + kSeqReserve) & kSeqMask;
    o.last_sent = now();
    o.next_check = now();
    o.in_flight = false;
    read_response.observe = o.seq;
    note(std::string{replace ? "observation replaced: " : "observation registered: "} + key + " token " +
         token_hex(o.record.token) + " (" + std::to_string(observations_.size()) + " in all)");
    save_observation_record(static_cast<std::size_t>(it - observations_.begin()));
    return read_response;
}

// st_.observations holds the records of observations_ in the same order (so that a change costs one record, not
// a rebuild: a client may hold thousands).
void Client::Impl::save_observation_record(std::size_t index) {
    st_.observations.at(index) = observations_.at(index).record;
    persist();
}

void Client::Impl::erase_observation(std::size_t index) {
    observations_.erase(observations_.begin() + static_cast<std::ptrdiff_t>(index));
    st_.observations.erase(st_.observations.begin() + static_cast<std::ptrdiff_t>(index));
    persist();
}

void Client::Impl::observations_touch() {
    for (auto& o : observations_) {
        o.next_check = std::min(o.next_check, now());
    }
}

std::size_t Client::Impl::drop_observations(const std::string& why) {
    const auto n = std::max(observations_.size(), st_.observations.size());
    ++observe_generation_;
    observations_.clear();
    st_.observations.clear();
    st_.attributes.clear();
    if (n > 0) {
        note("observations forgotten: " + std::to_string(n) + " (" + why + ")");
    }
    return n;
}

std::size_t Client::Impl::restore_observations() {
    ++observe_generation_;
    observations_.clear();
    for (const auto& r : st_.observations) {
        LiveObservation o;
        o.record = r;
        // Go on after every number the previous run may have used (the state file holds one ahead of them).
        o.seq = (r.observe_seq + kSeqMask) & kSeqMask;
        o.last_sent = now();
        o.next_check = now();
        observations_.push_back(std::move(o));
    }
    return observations_.size();
}

void Client::Impl::observations_on_transition(State to) {
    // TS 1.0 5.5.1: observations live as long as the registration they were made under. Registered and
    // UpdatePending keep it; Rebooting decides in enter_rebooting (the restart choice).
    switch (to) {
    case State::Registered:
    case State::UpdatePending:
    case State::Rebooting:
        return;
    case State::RegPending:
        drop_observations("a new Register voids them");
        return;
    case State::DeregPending:
        drop_observations("De-register");
        return;
    case State::FactoryResetting:
        drop_observations("factory reset");
        return;
    default:
        drop_observations(std::string{"left the registration for "} + state_name(to));
        return;
    }
}

Millis Client::Impl::observations_step() {
    if (observations_.empty() || (state_ != State::Registered && state_ != State::UpdatePending)) {
        return kNoDeadline;
    }
    const auto t = now();
    const auto version = config_.lwm2m_version;
    Millis next = kNoDeadline;
    for (std::size_t i = 0; i < observations_.size(); ++i) {
        auto& o = observations_[i];
        if (o.in_flight) {
            continue;  // the ACK (or its failure) reschedules
        }
        const auto path = Path::parse([&] {
            std::vector<std::string> segs;
            std::size_t start = 1;
            while (start < o.record.path.size()) {
                const auto slash = o.record.path.find('/', start);
                segs.push_back(o.record.path.substr(start, slash - start));
                start = slash == std::string::npos ? o.record.path.size() : slash + 1;
            }
            return segs;
        }());
        if (!path) {
            continue;
        }
        const auto attrs = effective_attributes(o.record.ssid, *path);
        // TS 1.0 5.1.2: pmin defaults to 0; without pmax no periodic notification (Server object resources 2 and
        // 3, the server's default periods, are not implemented).
        const Millis pmin = seconds(attrs.pmin.value_or(0));
        const std::optional<Millis> pmax = attrs.pmax && *attrs.pmax > 0 && seconds(*attrs.pmax) >= pmin
                                               ? std::optional{seconds(*attrs.pmax)}
                                               : std::nullopt;
        if (t >= o.next_check) {
            auto value = read(st_.data, *path, o.record.accept, Interface::Management, version, now_s());
            bool due = pmax && t >= o.last_sent + *pmax;
            const bool changed = value.payload != o.record.last_payload || value.code != code::kContent;
            if (!due && changed && t >= o.last_sent + pmin) {
                due = true;
                if (path->resource && (attrs.gt || attrs.lt || attrs.st)) {
                    // TS 1.0 5.1.2: with gt/lt a change notifies when the value crosses the threshold, with st when
                    // it moved by at least st since the last notification.
                    const auto now_text =
                        read(st_.data, *path, content_format::kTextPlain, Interface::Management, version, now_s());
                    const auto as_number = [](const std::vector<std::uint8_t>& b) {
                        return parse_number(std::string_view{reinterpret_cast<const char*>(b.data()), b.size()});
                    };
                    const auto v = as_number(now_text.payload);
                    const auto last = o.record.last_format == content_format::kTextPlain
                                          ? as_number(o.record.last_payload)
                                          : std::optional<double>{};
                    if (v && last) {
                        due = (attrs.gt && ((*last > *attrs.gt) != (*v > *attrs.gt))) ||
                              (attrs.lt && ((*last < *attrs.lt) != (*v < *attrs.lt))) ||
                              (attrs.st && std::fabs(*v - *last) >= *attrs.st);
                    }
                }
            }
            if (due) {
                if (!send_notification(i, std::move(value))) {
                    --i;  // erased: the next one moved to index i
                    continue;
                }
                if (o.in_flight) {
                    continue;
                }
            } else if (changed && t < o.last_sent + pmin) {
                o.next_check = o.last_sent + pmin;  // TS 1.0 5.1.2: not more often than pmin
            } else {
                Millis check = kNoDeadline;
                if (pmax) {
                    check = o.last_sent + *pmax;
                }
                if (moves_with_time(*path)) {
                    // The next full second of /3/0/13, or pmin if that is later.
                    const auto wall_ms = wall_anchor_ms_ + (t - clock_anchor_).count();
                    const Millis tick = t + Millis{1000 - ((wall_ms % 1000) + 1000) % 1000};
                    check = std::min(check, std::max(tick, o.last_sent + pmin));
                }
                o.next_check = check;
            }
        }
        next = std::min(next, o.next_check);
    }
    return next;
}

bool Client::Impl::send_notification(std::size_t index, Response value) {
    auto& o = observations_[index];
    std::optional<Endpoint> to;
    for (const auto id : st_.data.server_accounts()) {
        if (st_.data.security.at(id).ssid == o.record.ssid) {
            to = server_endpoint(id);
        }
    }
    if (!to) {
        note("observation " + token_hex(o.record.token) + " dropped: its server account is gone");
        erase_observation(index);
        return false;
    }
    o.seq = (o.seq + 1) & kSeqMask;
    ++o.sent;
    const auto con_every = config_.notification_con_every;
    const bool confirmable = con_every != 0 && (o.sent % con_every) == 0;
    o.record.last_payload = value.payload;
    o.record.last_format = value.content_format;
    o.last_sent = now();
    o.next_check = now();
    value.observe = o.seq;
    const bool reserve =
        ((o.record.observe_seq - o.seq) & kSeqMask) == 0 || ((o.record.observe_seq - o.seq) & kSeqMask) > kSeqReserve;
    if (reserve) {
        // The reserved numbers are used up: persist a new reservation (and the value notified).
        o.record.observe_seq = (o.seq + kSeqReserve) & kSeqMask;
        save_observation_record(index);
    }
    obs_->on_message(now(), "out",
                     "notify " + o.record.path + " observe=" + std::to_string(o.seq) + " " +
                         code_to_string(value.code) + (confirmable ? " CON" : " NON") + " to " + to_string(*to));
    if (confirmable) {
        o.in_flight = true;
    }
    const bool final_notification = !is_success(value.code);
    Notification n{o.record.token, confirmable, std::move(value)};
    const auto token = o.record.token;
    const auto ssid = o.record.ssid;
    transport_->notify(*to, std::move(n),
                       [this, alive = std::weak_ptr<const bool>{alive_}, gen = observe_generation_, token, ssid,
                        confirmable](std::optional<SendFailure> failure) {
                           if (alive.expired() || gen != observe_generation_ || stopped_) {
                               return;  // the observations this was sent for are gone
                           }
                           auto it = std::find_if(observations_.begin(), observations_.end(), [&](const auto& x) {
                               return x.record.ssid == ssid && x.record.token == token;
                           });
                           if (it == observations_.end()) {
                               return;
                           }
                           if (confirmable) {
                               obs_->on_message(now(), "in",
                                                failure ? std::string{"notification "} + send_failure_name(*failure)
                                                        : std::string{"notification ACK"});
                           }
                           it->in_flight = false;
                           it->next_check = std::min(it->next_check, now());
                           if (failure && (*failure == SendFailure::Reset || *failure == SendFailure::Timeout)) {
                               // RFC 7641 3.6 (RST) and 4.5 (a Confirmable notification not acknowledged): the
                               // observer is gone.
                               note("observation " + token_hex(token) + " on " + it->record.path +
                                    " cancelled: " + send_failure_name(*failure));
                               erase_observation(static_cast<std::size_t>(it - observations_.begin()));
                           }
                       });
    if (final_notification) {
        // RFC 7641 3.2/4.2: a notification with an error code (the value went away) ends the observation.
        note("observation " + token_hex(token) + " ended: the value can no longer be read");
        erase_observation(index);
        return false;
    }
    return true;
}

}  // namespace lwm2mc::client
