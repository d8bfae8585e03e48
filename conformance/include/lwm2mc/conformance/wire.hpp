// SPDX-License-Identifier: Apache-2.0
#pragma once

// The wire adapter: what CoAP exchanges between a client and its servers mean in the model's vocabulary. One
// table (wire.cpp, documented in docs/conformance.md) says, with the spec reference of every row,
//   - which request a client sends on entering a state (Register on entering RegPending, ...): those entries are
//     the client's observable steps; every other client step is silent on the wire;
//   - how each stimulus event shows: an answer to the request of its source state (reg_created = Register
//     answered 2.01), a command a server sends (bs_finish = POST /bs), silence (exchange_lifetime_expired), a
//     power cycle, or nothing a tester can produce.
// The same adapter serves the live tester (exchanges built by its servers) and the capture checker (exchanges
// rebuilt from datagrams by capture.hpp).

#include "lwm2mc/client/message.hpp"
#include "lwm2mc/conformance/exchange.hpp"
#include "lwm2mc/model/model.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace lwm2mc::conformance {

/// What a client request is (TS 1.0 8.2.2 bootstrap and 8.2.3 registration interfaces).
enum class ClientRequest : std::uint8_t {
    BootstrapRequest,  ///< POST /bs?ep=
    Register,          ///< POST /rd?ep=
    Update,            ///< POST /rd/{location}
    Deregister,        ///< DELETE /rd/{location}
    Other,             ///< anything else a client sends (Send, Notify, ...): not a lifecycle step
};
std::string_view client_request_name(ClientRequest r);  ///< "Bootstrap-Request", "Register", ...
ClientRequest classify_client_request(const client::Request& r);

/// What a request from a server to the client is (TS 1.0 8.2.2, 8.2.4, Appendix E).
enum class ServerCommand : std::uint8_t {
    BootstrapWrite,      ///< PUT /0..., /1...: Security and Server objects (a server account)
    Write,               ///< PUT elsewhere (/3/0/13 ...): a Bootstrap-Write or an ordinary Write
    BootstrapDeleteAll,  ///< DELETE / (or DELETE /0, /1 with nothing left: not distinguished)
    BootstrapFinish,     ///< POST /bs
    UpdateTrigger,       ///< POST /1/x/8
    BootstrapTrigger,    ///< POST /1/x/9 (1.1)
    Reboot,              ///< POST /3/0/4
    FactoryReset,        ///< POST /3/0/5
    Other,               ///< Read, Discover, other Writes and Executes: no lifecycle step
};
std::string_view server_command_name(ServerCommand c);
ServerCommand classify_server_command(const client::Request& r);

/// How the tester produces a stimulus event.
enum class How : std::uint8_t {
    Answer,       ///< the answer to the request the client sent on entering the transition's source state
    Command,      ///< a request a server sends to the client
    Silence,      ///< the servers say nothing for the transition's duration
    PowerCycle,   ///< the client process is killed and started again on the same state directory
    NotDrivable,  ///< nothing a tester can do makes it happen
};

/// One row of the state table: entering `state` makes the client send `sends`.
struct StateRow {
    std::string_view state;
    ClientRequest sends;
    std::string_view ref;
};

/// One row of the event table.
struct EventRow {
    std::string_view event;
    How how;
    ClientRequest answers{ClientRequest::Other};  ///< How::Answer: the request answered
    bool success{true};                           ///< How::Answer: a 2.xx answer (else 4.xx, RST or none)
    ServerCommand command{ServerCommand::Other};  ///< How::Command
    std::string_view what;                        ///< what the tester does, in words
    std::string_view ref;
    ServerCommand also{ServerCommand::Other};  ///< How::Command: another command that is this event too
};

const std::vector<StateRow>& state_table();
const std::vector<EventRow>& event_table();

/// The tables bound to one model. Rows naming states or events the model does not have are ignored; model
/// states without a row send nothing on entry; stimulus events without a row are NotDrivable (listed in notes).
class WireMap {
public:
    explicit WireMap(const model::Model& model);

    const model::Model& model() const { return *model_; }
    /// The request the client sends on entering `s`, if any.
    std::optional<ClientRequest> entry_request(model::StateId s) const { return entry_[s.value]; }
    /// The row of event `e` (nullptr: an observation, or a stimulus without a row).
    const EventRow* row(model::EventId e) const { return rows_[e.value]; }
    /// A client or choice step that sends a request on the wire (its target has an entry request).
    bool observable(model::TransitionId t) const;
    /// A client or choice step nobody sees.
    bool silent(model::TransitionId t) const;
    /// Stimulus events of the model a tester cannot produce, with the reason.
    const std::vector<std::string>& notes() const { return notes_; }

private:
    const model::Model* model_;
    std::vector<std::optional<ClientRequest>> entry_{};
    std::vector<const EventRow*> rows_{};
    std::vector<std::string> notes_{};
};

/// What one exchange says about the client, in the order it happened.
struct WireEvent {
    enum class Kind : std::uint8_t {
        Sent,      ///< the client sent `request` (a lifecycle request: Bootstrap-Request, Register, ...)
        Answered,  ///< a server answered the client's `request`: success or not
        Command,   ///< a server sent `command`; the client accepted it (2.xx) or not
    };
    Kind kind{Kind::Sent};
    std::int64_t t_us{0};
    ClientRequest request{ClientRequest::Other};
    ServerCommand command{ServerCommand::Other};
    bool success{true};  ///< Answered: the server's answer was 2.xx; Command: the client's answer was 2.xx
    std::string text{};  ///< "Register POST /rd?ep=node&lt=300 -> 2.01 rd/5 (1 retransmission)"
    /// Answered with a failure: the client may still send the request again within its retry sequence (a capture
    /// cannot tell; the live tester knows when it has failed a whole sequence).
    bool may_resend{true};
    /// The registration addressed or created, keyed by server: Sent Update/De-register: the Uri-Path written
    /// "/rd/5"; Answered Register with 2.01: its Location-Path. Empty otherwise.
    std::string location{};
    std::string server{};  ///< the server's address ("127.0.0.1:5683") of the exchange
};

/// The lifecycle events of one exchange (none for a Read, a Discover, ...): Sent then Answered for a client
/// request (Answered at done_us), Command for a server request (at t_us, judged by the client's answer).
std::vector<WireEvent> adapt(const WireExchange& exchange);

/// One line describing an exchange, for logs and failure reports.
std::string describe(const WireExchange& exchange);

}  // namespace lwm2mc::conformance
