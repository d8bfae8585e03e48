// SPDX-License-Identifier: Apache-2.0
#pragma once

// The engine's view of CoAP: send confirmable requests and get a response or a failure, and serve
// requests that peers send. Implemented by libcoap3 (transport_coap.hpp) and by a fake in the tests.

#include "lwm2mc/client/message.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace lwm2mc::client {

/// Why a request got no response. Whatever the reason, once the handler has run with it the request is
/// never transmitted again, and a late answer to it is ignored.
enum class SendFailure : std::uint8_t {
    /// No ACK/response after the RFC 7252 retransmissions (MAX_RETRANSMIT), or none within the exchange
    /// lifetime. This includes a peer that answered every transmission with ICMP port unreachable: ICMP is
    /// treated as transient (RFC 7252 4.2 keeps retransmitting; a peer starting late answers a retransmission).
    Timeout,
    Reset,        ///< the peer answered with RST
    Unreachable,  ///< the request could not be sent at all (no numeric address of the right family, socket error)
    Cancelled,    ///< cancelled by the engine (cancel_all) or the transport was closed
    /// No DTLS session to a secure Endpoint: the handshake failed or timed out (wrong or unknown PSK, no DTLS
    /// server there) or there are no credentials for the peer. The engine treats it like an unreachable server.
    Handshake,
};
const char* send_failure_name(SendFailure f);

/// Credentials of a DTLS session with a pre-shared key (LwM2M Security Mode 0: /0/x/3 identity, /0/x/5 key).
struct PskCredentials {
    std::vector<std::uint8_t> identity{};
    std::vector<std::uint8_t> key{};
    friend bool operator==(const PskCredentials&, const PskCredentials&) = default;
};

class Transport {
public:
    /// Called exactly once per `send`: with the response, or with the reason there is none.
    using ResponseHandler = std::function<void(std::optional<Response> response, SendFailure failure)>;
    /// Serves a request that a peer sent; the return value is sent back (piggy-backed ACK for CON).
    using RequestHandler = std::function<Response(const Endpoint& from, const Request& request)>;

    virtual ~Transport() = default;

    /// Installs the handler for incoming requests; without one the transport answers 5.03.
    virtual void set_request_handler(RequestHandler handler) = 0;

    /// Sends `request` to `to` as a Confirmable message with a fresh token and retransmits it per
    /// RFC 7252 4.2. `on_done` runs later from within `poll` (never from within `send`).
    virtual void send(const Endpoint& to, Request request, ResponseHandler on_done) = 0;

    /// Called exactly once per `notify`: nullopt when a Confirmable notification was acknowledged or a
    /// Non-confirmable one was handed to the network; else why not (Reset: the observer answered RST, RFC 7641
    /// 3.6; Timeout: no ACK after the RFC 7252 retransmissions, RFC 7641 4.5).
    using NotifyHandler = std::function<void(std::optional<SendFailure> failure)>;

    /// Sends a notification (RFC 7641 4.2) to `to` with the observer's token, as CON (retransmitted per
    /// RFC 7252 4.2) or NON. `on_done` runs later from within `poll` (never from within `notify`); cancel_all
    /// cancels it like a request.
    virtual void notify(const Endpoint& to, Notification notification, NotifyHandler on_done) = 0;

    /// The credentials for the DTLS session to the secure Endpoint `to`, used from the next `send` to `to`. New
    /// credentials for a peer with a session close that session; the next send opens one with a new handshake
    /// (TS 1.0 5.2.5 via domain doc 1.2: new security material means a new session). The default ignores them
    /// (a transport without DTLS, such as the tests' fake).
    virtual void set_psk(const Endpoint& to, PskCredentials credentials) {
        static_cast<void>(to);
        static_cast<void>(credentials);
    }

    /// Drops every outstanding request; their handlers run with SendFailure::Cancelled from the next `poll`.
    virtual void cancel_all() = 0;

    /// Waits at most `max_wait` (real time) for I/O, then processes what arrived and runs handlers.
    virtual void poll(std::chrono::milliseconds max_wait) = 0;
};

}  // namespace lwm2mc::client
