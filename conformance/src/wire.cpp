// SPDX-License-Identifier: Apache-2.0
// The wire map (docs/conformance.md "The wire map"): one row per state that sends a request on entry and one row
// per stimulus event, each with its spec reference (TS = OMA-TS-LightweightM2M-V1_0, C = the 2017 contribution,
// see ../shared/domain/lwm2m-lifecycle.md).

#include "lwm2mc/conformance/wire.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace lwm2mc::conformance {

namespace code = client::code;
using client::Request;

// clang-format off
const std::vector<StateRow>& state_table() {
    static const std::vector<StateRow> rows = {
        {"BsRequesting",  ClientRequest::BootstrapRequest, "TS 5.2.3.3 step #0: Bootstrap-Request POST /bs?ep="},
        {"RegPending",    ClientRequest::Register,         "TS 5.3.1: Register POST /rd?ep=&lt=&lwm2m=&b="},
        {"UpdatePending", ClientRequest::Update,           "TS 5.3.2: Update POST /{location}"},
        {"DeregPending",  ClientRequest::Deregister,       "TS 5.3.3: De-register DELETE /{location}"},
    };
    return rows;
}

const std::vector<EventRow>& event_table() {
    using R = ClientRequest;
    using C = ServerCommand;
    static const std::vector<EventRow> rows = {
        {"bs_request_ack",            How::Answer,      R::BootstrapRequest, true,  C::Other, "the bootstrap server answers the Bootstrap-Request 2.04", "TS 5.2.3.3 step #0"},
        {"bs_request_failed",         How::Answer,      R::BootstrapRequest, false, C::Other, "the bootstrap server answers the Bootstrap-Request 4.00 (or not at all)", "TS 5.2.3.3; 8.2.2"},
        {"si_write",                  How::Command,     R::Other, true, C::Write,              "the bootstrap server, unasked, Bootstrap-Writes /3/0/13 (Current Time); in a capture any first Bootstrap-Write", "TS 5.2.3.4", C::BootstrapWrite},
        {"bs_delete_all",             How::Command,     R::Other, true, C::BootstrapDeleteAll, "the bootstrap server sends Bootstrap-Delete \"/\"", "TS 5.2.7.5"},
        {"bs_write_server",           How::Command,     R::Other, true, C::BootstrapWrite,     "the bootstrap server Bootstrap-Writes Security /0/x and Server /1/x of a LwM2M server account", "TS 5.2.7.4"},
        {"bs_finish",                 How::Command,     R::Other, true, C::BootstrapFinish,    "the bootstrap server sends Bootstrap-Finish POST /bs: 2.04 for a transition not `by fault`, 4.06 for one `by fault`", "TS 5.2.3.3 step #2, 5.2.6"},
        {"exchange_lifetime_expired", How::Silence,     R::Other, true, C::Other,              "the bootstrap server sends nothing for the transition's duration (EXCHANGE_LIFETIME)", "TS 5.2.6; RFC 7252 4.8.2"},
        {"reg_created",               How::Answer,      R::Register, true,  C::Other, "the LwM2M server answers Register 2.01 with a Location-Path", "TS 5.3.1"},
        {"reg_failed",                How::Answer,      R::Register, false, C::Other, "the LwM2M server answers every Register 4.03 (a 1.1 client retries within its sequence first)", "TS 5.3.1; 1.1 6.2.1.1"},
        {"update_trigger",            How::Command,     R::Other, true, C::UpdateTrigger,      "the LwM2M server executes Registration Update Trigger POST /1/x/8", "TS 5.3.2; object 1 resource 8"},
        {"update_ok",                 How::Answer,      R::Update, true,  C::Other, "the LwM2M server answers Update 2.04", "TS 5.3.2"},
        {"update_failed",             How::Answer,      R::Update, false, C::Other, "the LwM2M server answers Update 4.04 and forgets the registration", "TS 5.3.1, 5.3.2"},
        {"lifetime_expired",          How::NotDrivable, R::Other, true, C::Other, "the server's registration lapses; the client's Update before the lifetime ends cannot be held back, a lapsed registration shows as update_failed", "TS 5.3"},
        {"dereg_ok",                  How::Answer,      R::Deregister, true,  C::Other, "the LwM2M server answers De-register 2.02", "TS 5.3.3"},
        {"dereg_failed",              How::Answer,      R::Deregister, false, C::Other, "the LwM2M server answers De-register 4.04", "TS 5.3.3"},
        {"reboot",                    How::Command,     R::Other, true, C::Reboot,       "the LwM2M server executes Reboot POST /3/0/4", "TS Appendix E.4"},
        {"factory_reset",             How::Command,     R::Other, true, C::FactoryReset, "the LwM2M server executes Factory Reset POST /3/0/5", "TS Appendix E.4"},
        {"power_cycle",               How::PowerCycle,  R::Other, true, C::Other, "the client process is killed (SIGKILL) and started again on the same state directory", "C 3 Reboot para 3"},
    };
    return rows;
}
// clang-format on

std::string_view client_request_name(ClientRequest r) {
    switch (r) {
    case ClientRequest::BootstrapRequest:
        return "Bootstrap-Request";
    case ClientRequest::Register:
        return "Register";
    case ClientRequest::Update:
        return "Update";
    case ClientRequest::Deregister:
        return "De-register";
    case ClientRequest::Other:
        return "other request";
    }
    return "?";
}

std::string_view server_command_name(ServerCommand c) {
    switch (c) {
    case ServerCommand::BootstrapWrite:
        return "Bootstrap-Write of /0 or /1";
    case ServerCommand::Write:
        return "Write";
    case ServerCommand::BootstrapDeleteAll:
        return "Bootstrap-Delete /";
    case ServerCommand::BootstrapFinish:
        return "Bootstrap-Finish";
    case ServerCommand::UpdateTrigger:
        return "Registration Update Trigger";
    case ServerCommand::BootstrapTrigger:
        return "Bootstrap-Request Trigger";
    case ServerCommand::Reboot:
        return "Reboot";
    case ServerCommand::FactoryReset:
        return "Factory Reset";
    case ServerCommand::Other:
        return "other request";
    }
    return "?";
}

namespace {

bool has_query(const Request& r, std::string_view key) {
    return std::any_of(r.uri_query.begin(), r.uri_query.end(), [&](const std::string& q) {
        return q.size() > key.size() && q.compare(0, key.size(), key) == 0 && q[key.size()] == '=';
    });
}

bool path_is(const Request& r, std::initializer_list<std::string_view> segments) {
    return r.uri_path.size() == segments.size() &&
           std::equal(r.uri_path.begin(), r.uri_path.end(), segments.begin(),
                      [](const std::string& a, std::string_view b) { return a == b; });
}

}  // namespace

ClientRequest classify_client_request(const Request& r) {
    // TS 1.0 8.2.2 / 8.2.3: Bootstrap-Request POST /bs?ep=, Register POST /rd?ep=, Update POST /{location},
    // De-register DELETE /{location}. The location is what the server returned (Location-Path), normally /rd/N.
    if (r.method == code::kPost && path_is(r, {"bs"}) && has_query(r, "ep")) {
        return ClientRequest::BootstrapRequest;
    }
    if (r.method == code::kPost && path_is(r, {"rd"}) && has_query(r, "ep")) {
        return ClientRequest::Register;
    }
    const bool location = !r.uri_path.empty() && !path_is(r, {"bs"}) && !(r.uri_path.size() == 1 && has_query(r, "ep"));
    if (r.method == code::kPost && location && r.uri_path.front() == "rd") {
        return ClientRequest::Update;
    }
    if (r.method == code::kDelete && location && r.uri_path.front() == "rd") {
        return ClientRequest::Deregister;
    }
    return ClientRequest::Other;
}

ServerCommand classify_server_command(const Request& r) {
    const auto& p = r.uri_path;
    if (r.method == code::kPost && path_is(r, {"bs"})) {
        return ServerCommand::BootstrapFinish;  // TS 8.2.2 Bootstrap-Finish
    }
    if (r.method == code::kDelete && p.empty()) {
        return ServerCommand::BootstrapDeleteAll;  // TS 5.2.7.5 Bootstrap-Delete "/"
    }
    if (r.method == code::kPut && !p.empty() && (p.front() == "0" || p.front() == "1")) {
        return ServerCommand::BootstrapWrite;  // TS 5.2.7.4: Security and Server objects
    }
    if (r.method == code::kPut && !p.empty()) {
        return ServerCommand::Write;
    }
    if (r.method == code::kPost && p.size() == 3 && p[0] == "1" && p[2] == "8") {
        return ServerCommand::UpdateTrigger;
    }
    if (r.method == code::kPost && p.size() == 3 && p[0] == "1" && p[2] == "9") {
        return ServerCommand::BootstrapTrigger;
    }
    if (r.method == code::kPost && path_is(r, {"3", "0", "4"})) {
        return ServerCommand::Reboot;
    }
    if (r.method == code::kPost && path_is(r, {"3", "0", "5"})) {
        return ServerCommand::FactoryReset;
    }
    return ServerCommand::Other;
}

WireMap::WireMap(const model::Model& model) : model_(&model) {
    entry_.assign(model.state_count(), std::nullopt);
    rows_.assign(model.events.size(), nullptr);
    for (const auto& row : state_table()) {
        if (auto s = model.find_state(row.state)) {
            entry_[s->value] = row.sends;
        }
    }
    for (const auto& row : event_table()) {
        if (auto e = model.find_event(row.event)) {
            rows_[e->value] = &row;
        }
    }
    for (std::size_t i = 0; i < model.events.size(); ++i) {
        const auto& e = model.events[i];
        const bool stimulus = e.actor != model::Actor::Client && e.actor != model::Actor::Choice;
        if (!stimulus) {
            continue;
        }
        if (rows_[i] == nullptr) {
            notes_.push_back(fmt::format("event '{}' has no row in the wire map: a tester cannot produce it", e.name));
        } else if (rows_[i]->how == How::NotDrivable) {
            notes_.push_back(fmt::format("event '{}' is not drivable: {}", e.name, rows_[i]->what));
        }
    }
}

bool WireMap::observable(model::TransitionId t) const {
    const auto& tr = model_->transition(t);
    return (tr.actor == model::Actor::Client || tr.actor == model::Actor::Choice) &&
           entry_[tr.target.value].has_value();
}

bool WireMap::silent(model::TransitionId t) const {
    const auto& tr = model_->transition(t);
    return (tr.actor == model::Actor::Client || tr.actor == model::Actor::Choice) &&
           !entry_[tr.target.value].has_value();
}

std::string describe(const WireExchange& x) {
    std::string query;
    for (std::size_t i = 0; i < x.request.uri_query.size(); ++i) {
        query += (i == 0 ? "?" : "&") + x.request.uri_query[i];
    }
    std::string text =
        fmt::format("{} {} {}{}{}", x.initiator == Initiator::Client ? "client ->" : "server ->",
                    client::code_to_string(x.request.method), client::path_to_string(x.request.uri_path), query,
                    x.request.payload.empty() ? "" : fmt::format(" ({} bytes)", x.request.payload.size()));
    if (x.response) {
        text += fmt::format(" => {}", client::code_to_string(x.response->code));
        if (!x.response->location_path.empty()) {
            text += " " + client::path_to_string(x.response->location_path);
        }
    } else {
        text += fmt::format(" => {}", outcome_name(x.outcome));
    }
    if (x.retransmissions > 0) {
        text += fmt::format(" ({} retransmission{})", x.retransmissions, x.retransmissions == 1 ? "" : "s");
    }
    return text;
}

std::vector<WireEvent> adapt(const WireExchange& x) {
    std::vector<WireEvent> out;
    const std::string text = describe(x);
    const bool answered_ok = x.outcome == Outcome::Answered && x.response && client::is_success(x.response->code);
    if (x.initiator == Initiator::Client) {
        const auto kind = classify_client_request(x.request);
        if (kind == ClientRequest::Other) {
            return out;
        }
        const std::string server = client::to_string(x.server);
        WireEvent sent{WireEvent::Kind::Sent, x.t_us, kind, ServerCommand::Other, true, text};
        sent.server = server;
        if (kind == ClientRequest::Update || kind == ClientRequest::Deregister) {
            sent.location = client::path_to_string(x.request.uri_path);  // TS 5.3.2, 5.3.3: POST/DELETE /{location}
        }
        out.push_back(std::move(sent));
        // A 2.31 Continue or a response still to come is not an answer; the capture reader folds blocks.
        WireEvent answered{WireEvent::Kind::Answered, x.done_us, kind, ServerCommand::Other, answered_ok, text};
        answered.server = server;
        if (kind == ClientRequest::Register && answered_ok && x.response->code == client::code::kCreated) {
            answered.location = client::path_to_string(x.response->location_path);  // TS 5.3.1: 2.01 Location-Path
        }
        out.push_back(std::move(answered));
        return out;
    }
    const auto command = classify_server_command(x.request);
    if (command == ServerCommand::Other) {
        return out;
    }
    out.push_back(WireEvent{WireEvent::Kind::Command, x.t_us, ClientRequest::Other, command, answered_ok, text});
    return out;
}

}  // namespace lwm2mc::conformance
