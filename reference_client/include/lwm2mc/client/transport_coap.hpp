// SPDX-License-Identifier: Apache-2.0
#pragma once

// Transport over CoAP/UDP with libcoap3, NoSec and DTLS with a pre-shared key (LwM2M Security Modes 3 and 0;
// libcoap built with GnuTLS). libcoap stays behind a pimpl: this header includes no coap3 header, so users of
// lwm2mc::reference_client need not see libcoap.
//
// One UDP port serves everything: a libcoap endpoint bound to it receives requests from any peer, and every
// peer the client sends to gets one libcoap client session (a UDP socket connected to that peer, bound to the
// same local port with SO_REUSEADDR). Requests a server sends back to the client's address therefore arrive
// on that session and are served by the same request handler.
//
// DTLS: a send to a secure Endpoint (coaps://) opens a DTLS client session, from a fresh local port of its own
// (a new session is a new association for the server), with the credentials given by set_psk; requests the server sends
// back arrive in that session and reach the handler from a secure Endpoint. A transport with a non-empty dtls_psk_table
// (the test peers) also listens for DTLS on a second port (local_dtls_port) and answers in, and sends over, the
// sessions clients opened there; a client whose identity is not in the table or whose key differs fails the handshake
// and never reaches the handler.

#include "lwm2mc/client/transport.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace lwm2mc::client {

/// RFC 7252 4.8 transmission parameters and the local address. The defaults are the RFC's; tests scale
/// `ack_timeout` and `max_retransmit` down to fail fast.
struct CoapTransportOptions {
    /// Numeric local address to bind ("0.0.0.0", "127.0.0.1", "::"); peers are reached from this address.
    std::string bind_host{"0.0.0.0"};
    /// Local UDP port; 0 lets the kernel choose (read it back with CoapTransport::local_port()).
    std::uint16_t bind_port{0};
    /// ACK_TIMEOUT, millisecond precision. libcoap 4.3.1 accepts only values of at least 1 s, so the
    /// constructor throws std::invalid_argument below that: the fastest Timeout is 1 s + 2 s (max_retransmit 1).
    std::chrono::milliseconds ack_timeout{2000};
    /// ACK_RANDOM_FACTOR (>= 1.0). 1.0 makes retransmission times deterministic.
    double ack_random_factor{1.5};
    /// MAX_RETRANSMIT (>= 1, as libcoap requires): retransmissions after the first transmission before
    /// SendFailure::Timeout.
    unsigned max_retransmit{4};
    /// How long a request may stay without a response once the peer has acknowledged it with an empty ACK
    /// (a separate response that never comes); then it fails with SendFailure::Timeout. RFC 7252
    /// EXCHANGE_LIFETIME (247 s) by default. Counted from the send; libcoap itself never gives up on it. Must
    /// be at least the retransmission span ack_timeout * ack_random_factor * (2^(max_retransmit+1) - 1)
    /// (93 s with the defaults), else the constructor throws std::invalid_argument.
    std::chrono::milliseconds exchange_timeout{247000};
    /// RFC 7959 block size (16, 32, .., 1024 bytes) of this transport's own requests. 1024 leaves the choice to
    /// libcoap (one datagram up to about 1 KiB, else Block1 with 1024-byte blocks). A smaller size sends every
    /// request payload longer than it in Block1 blocks of that size, and asks for responses to GET and FETCH
    /// in Block2 blocks of that size (RFC 7959 2.4 early negotiation: Block2 NUM 0 in the request). The
    /// constructor throws std::invalid_argument for other values. Test peers use it to act as servers that
    /// choose small blocks.
    std::size_t block_size{1024};
    /// Largest request body accepted in Block1 blocks; a larger one is answered 4.13 with Size1 (RFC 7959
    /// 2.9.3). Also bounds Size1 announced in a first block.
    std::size_t max_request_body{65536};
    /// libcoap's process-wide log level (0 emergency .. 7 debug; libcoap logs a received RST as an alert,
    /// so the default is 0); the environment variable LWM2MC_COAP_LOG overrides it.
    int log_level{0};
    /// Server side DTLS-PSK (LwM2M Security Mode 0), for the test peers: when not empty, the transport also
    /// binds a DTLS endpoint on bind_host:dtls_bind_port and accepts exactly these PSK identities, each with its
    /// key (the first entry of an identity counts). Empty (the client's case): no DTLS endpoint; outgoing DTLS
    /// sessions take their keys from set_psk.
    std::vector<PskCredentials> dtls_psk_table{};
    /// Local DTLS port when dtls_psk_table is not empty; 0 lets the kernel choose (read back local_dtls_port()).
    std::uint16_t dtls_bind_port{0};
};

/// Transport over libcoap3 UDP. Single-threaded: construct, call and destroy it from one thread (different
/// instances may live in different threads).
///
/// Block-wise transfer (RFC 7959), delivered to the handlers as one body in both directions:
/// * requests sent: libcoap sends a payload that does not fit one datagram (or is longer than block_size) in
///   Block1 blocks; responses that come back in Block2 blocks are reassembled by this transport (libcoap asks
///   for the further blocks);
/// * requests received in Block1 blocks of any size (16..1024 bytes, SZX 0..6), with or without Size1: this
///   transport reassembles them (Block1Reassembler), answers 2.31 Continue with the Block1 echo to every block
///   but the last, and hands the whole body to the RequestHandler at the last block. A block out of order or
///   without a transfer to continue is answered 4.08 Request Entity Incomplete, a body beyond
///   max_request_body 4.13 with Size1. A retransmission of the last block (its response was lost) reaches the
///   handler again with the whole body, as any duplicate request does (libcoap 4.3.1 keeps no response cache).
///   (libcoap 4.3.1 reassembles only when the first block carries Size1: without
///   it, its single-body mode hands the bare first block to the handler, which the engine's decoders answer
///   4.00, and a second such transfer to the same path within MAX_TRANSMIT_WAIT dereferences a null body.
///   The context therefore runs libcoap's block mode without COAP_BLOCK_SINGLE_BODY.)
/// * responses sent: a response longer than one datagram, or any response with a payload to a request that
///   carries Block2 (early negotiation of a smaller size, RFC 7959 2.4), goes out in Block2 blocks of the
///   requested size; libcoap serves the further blocks from a copy of the body, or this transport regenerates
///   the body when that copy has expired. libcoap keys those copies by method and query but not by path, so
///   two block-wise reads of different paths interleaved by one peer are not supported.
///
/// Retransmission and failure (RFC 7252 4.2, 5.2.3): a request is retransmitted until it is answered, libcoap
/// gives up after MAX_RETRANSMIT, or exchange_timeout passes. ICMP port unreachable does NOT end a request:
/// libcoap keeps retransmitting it, so a peer that starts listening late (a server restarted, a client booted
/// before its server) answers a retransmission and the request completes normally. Once a request's handler has
/// run with a failure, libcoap no longer transmits it (a timed-out request's client session is released when no
/// other request uses it; cancel_all releases them all). One gap remains: a request that timed out while it
/// still waited in libcoap's NSTART queue behind another request to the same peer can go out once when that
/// other request completes, before the session is released (libcoap 4.3.1 cannot drop a single message). A
/// response that arrives for a request that is no longer outstanding is ignored, counted (ignored_responses)
/// and logged at libcoap's info level.
///
/// Malformed datagrams never reach the handlers: libcoap drops datagrams shorter than a CoAP header, answers
/// other datagrams that do not parse (bad version, token length, option encoding, payload marker without
/// payload) with RST, and answers a Confirmable request that carries a critical option it does not know with
/// 4.02 Bad Option. Requests with critical options libcoap knows but Request cannot represent (If-Match, If-None-Match,
/// Proxy-Uri, Proxy-Scheme, OSCORE) reach the handler with Request::has_unknown_critical_option set.
///
/// A RequestHandler that returns a Response with code 0.00 (code::kEmpty) makes the transport send only an
/// empty ACK and never a response (libcoap cannot leave a Confirmable request unacknowledged from a handler);
/// the test peers use that to model a server that swallows a request.
class CoapTransport final : public Transport {
public:
    /// Binds the local port (and the DTLS port). Throws std::runtime_error when the address is not numeric or
    /// cannot be bound or libcoap has no DTLS for a dtls_psk_table, and std::invalid_argument for transmission
    /// parameters libcoap would ignore.
    explicit CoapTransport(CoapTransportOptions options = {});
    /// Outstanding requests are dropped without running their handlers.
    ~CoapTransport() override;
    CoapTransport(const CoapTransport&) = delete;
    CoapTransport& operator=(const CoapTransport&) = delete;

    /// The bound UDP port (the kernel's choice when bind_port was 0).
    std::uint16_t local_port() const;
    /// bind_host and the bound port; with bind_host "0.0.0.0" peers on this host reach it at 127.0.0.1.
    Endpoint local_endpoint() const;
    /// The bound DTLS port; 0 without dtls_psk_table.
    std::uint16_t local_dtls_port() const;

    void set_request_handler(RequestHandler handler) override;
    /// A `to` whose host is not a numeric address of bind_host's family (IPv4 or IPv6) fails with
    /// SendFailure::Unreachable (from the next poll). Requests to one peer go out one at a time (NSTART 1).
    /// A peer that answers with ICMP port unreachable gets the retransmissions all the same (see above).
    /// A secure `to` goes over the DTLS session with that peer: an existing one (also one the peer opened to our
    /// DTLS endpoint), else a new client session with the credentials from set_psk. No credentials, a failed
    /// handshake, or a handshake still unfinished at exchange_timeout fail with SendFailure::Handshake.
    void send(const Endpoint& to, Request request, ResponseHandler on_done) override;
    void set_psk(const Endpoint& to, PskCredentials credentials) override;
    /// A CON notification is reported acknowledged when libcoap holds no unacknowledged message any more, or at
    /// the latest after exchange_timeout without RST or give-up (libcoap 4.3.1 takes ACKs of responses silently);
    /// a NON one when it was handed to the socket. libcoap 4.3.1 drops an RST to a NON notification without
    /// telling the application, so only CON notifications can end with SendFailure::Reset.
    void notify(const Endpoint& to, Notification notification, NotifyHandler on_done) override;
    void cancel_all() override;

    /// For observers (test servers): serves a response whose token matches no outstanding request, i.e. a
    /// notification (RFC 7641 3.2); returning false answers it with RST (RFC 7641 3.6), true with ACK (for CON).
    /// Without a handler such responses are acknowledged and dropped.
    using NotificationHandler =
        std::function<bool(const Endpoint& from, const std::vector<std::uint8_t>& token, const Response& response)>;
    void set_notification_handler(NotificationHandler handler);
    /// Sends what `send` queued, waits up to `max_wait` for datagrams or retransmission deadlines, serves
    /// incoming requests and runs the response handlers of completed requests.
    void poll(std::chrono::milliseconds max_wait) override;

    /// Requests sent and not yet completed (their handlers have not run).
    std::size_t outstanding() const;
    /// Responses received for requests that were no longer outstanding (cancelled or timed out), ignored.
    std::size_t ignored_responses() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Decodes one UDP datagram as a CoAP request with libcoap's parser (coap_pdu_parse), without any socket.
/// Returns nullopt for anything that is not a well-formed request (a response, an empty message, a
/// truncated header, a token longer than 8 bytes, a bad option encoding). Unknown critical options (odd
/// numbers other than Uri-Host, Uri-Port, Uri-Path, Uri-Query, Accept, Block2, Block1) set
/// has_unknown_critical_option; the datagram still decodes. Never throws for any input but std::bad_alloc.
std::optional<Request> parse_coap_request(std::span<const std::uint8_t> udp_payload);

/// Message layer fields of a datagram that is not visible in Request/Response.
struct CoapHeader {
    enum class Type : std::uint8_t { Confirmable = 0, NonConfirmable = 1, Acknowledgement = 2, Reset = 3 };
    Type type{Type::Acknowledgement};
    std::uint16_t message_id{0};
    std::vector<std::uint8_t> token{};  ///< 0..8 bytes
};

/// Encodes `response` as one CoAP datagram (for a piggy-backed answer: type Acknowledgement with the
/// request's message id and token). Options are written in RFC 7252 order (Location-Path, Content-Format).
/// Throws std::invalid_argument when the token is longer than 8 bytes or a Location-Path segment is longer
/// than 255 bytes. No block-wise transfer: the whole payload goes into the one datagram.
std::vector<std::uint8_t> serialize_coap_response(const CoapHeader& header, const Response& response);

/// Encodes `request` as one CoAP datagram (options Uri-Path, Content-Format, Uri-Query, Accept), with the
/// same limits as serialize_coap_response; used by the tests' raw peers and by the fuzz target's round trip.
std::vector<std::uint8_t> serialize_coap_request(const CoapHeader& header, const Request& request);

}  // namespace lwm2mc::client
