// SPDX-License-Identifier: Apache-2.0
#pragma once

// CoAP messages as plain values (RFC 7252), independent of libcoap, so that the lifecycle engine can be
// driven by a fake transport in unit tests and by libcoap3 (transport_coap) on the wire.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lwm2mc::client {

/// A CoAP code as class.detail packed into one byte (RFC 7252 3: class << 5 | detail).
using Code = std::uint8_t;
constexpr Code coap_code(unsigned cls, unsigned detail) {
    return static_cast<Code>((cls << 5U) | detail);
}

namespace code {
inline constexpr Code kEmpty = coap_code(0, 0);
inline constexpr Code kGet = coap_code(0, 1);
inline constexpr Code kPost = coap_code(0, 2);
inline constexpr Code kPut = coap_code(0, 3);
inline constexpr Code kDelete = coap_code(0, 4);
inline constexpr Code kCreated = coap_code(2, 1);
inline constexpr Code kDeleted = coap_code(2, 2);
inline constexpr Code kChanged = coap_code(2, 4);
inline constexpr Code kContent = coap_code(2, 5);
inline constexpr Code kBadRequest = coap_code(4, 0);
inline constexpr Code kUnauthorized = coap_code(4, 1);
inline constexpr Code kBadOption = coap_code(4, 2);
inline constexpr Code kForbidden = coap_code(4, 3);
inline constexpr Code kNotFound = coap_code(4, 4);
inline constexpr Code kMethodNotAllowed = coap_code(4, 5);
inline constexpr Code kNotAcceptable = coap_code(4, 6);
inline constexpr Code kRequestEntityTooLarge = coap_code(4, 13);
inline constexpr Code kUnsupportedContentFormat = coap_code(4, 15);
inline constexpr Code kInternalServerError = coap_code(5, 0);
inline constexpr Code kNotImplemented = coap_code(5, 1);
inline constexpr Code kServiceUnavailable = coap_code(5, 3);
}  // namespace code

/// "2.05", "4.04", "0.02" ...
std::string code_to_string(Code c);
inline bool is_success(Code c) {
    return (c >> 5U) == 2;
}

/// Content-Format numbers (IANA CoAP registry; LwM2M TS 1.0 7.4).
namespace content_format {
inline constexpr std::uint16_t kTextPlain = 0;
inline constexpr std::uint16_t kLinkFormat = 40;
inline constexpr std::uint16_t kOctetStream = 42;
inline constexpr std::uint16_t kLwm2mTlv = 11542;
inline constexpr std::uint16_t kLwm2mJson = 11543;
/// Pre-standard numbers that some servers (lwm2m-node-lib) still use.
inline constexpr std::uint16_t kLegacyText = 1541;
inline constexpr std::uint16_t kLegacyTlv = 1542;
}  // namespace content_format

/// A UDP peer. `host` is a numeric address ("127.0.0.1", "::1"). `secure`: the peer is reached over DTLS
/// (a coaps:// URI); a request that arrives in a DTLS session comes from a secure Endpoint, so a plain CoAP
/// datagram from the same address and port never passes for the DTLS peer.
struct Endpoint {
    std::string host{};
    std::uint16_t port{0};
    bool secure{false};
    friend bool operator==(const Endpoint&, const Endpoint&) = default;
};
std::string to_string(const Endpoint& e);  ///< "127.0.0.1:5683", "[::1]:5683"; secure: "coaps://127.0.0.1:5684"

/// A request as the application sees it (the transport handles type, message id and token).
struct Request {
    Code method{code::kGet};
    std::vector<std::string> uri_path{};   ///< one entry per Uri-Path option
    std::vector<std::string> uri_query{};  ///< one entry per Uri-Query option ("ep=name")
    std::optional<std::uint16_t> content_format{};
    std::optional<std::uint16_t> accept{};
    std::vector<std::uint8_t> payload{};
    /// Set by the transport on incoming requests: an option the transport could not represent above
    /// (an unrecognised critical option) makes the engine answer 4.02.
    bool has_unknown_critical_option{false};
    /// The CoAP token: on incoming requests as received (0..8 bytes); on outgoing requests empty = the transport
    /// picks a fresh one, else sent as given (an observer cancelling with its registration's token, RFC 7641 3.6).
    std::vector<std::uint8_t> token{};
    /// The Observe option (RFC 7641 2): 0 = register, 1 = deregister; nullopt = absent.
    std::optional<std::uint32_t> observe{};
};

/// A response to a request.
struct Response {
    Code code{code::kContent};
    std::vector<std::string> location_path{};  ///< one entry per Location-Path option, as received
    std::optional<std::uint16_t> content_format{};
    std::vector<std::uint8_t> payload{};
    /// The Observe option (RFC 7641 4.2): the sequence number of a notification or of the response that
    /// registered an observation (24 bits on the wire); nullopt = absent.
    std::optional<std::uint32_t> observe{};
    /// Max-Age option in seconds (RFC 7252 5.10.5); with 5.03 Service Unavailable it says when to retry (5.9.3.4).
    /// nullopt: no option (the receiver assumes 60 s).
    std::optional<std::uint32_t> max_age{};
};

/// A notification (RFC 7641 4.2): a response sent outside a request/response exchange, with the token of the
/// request that registered the observation and, in `response.observe`, the sequence number.
struct Notification {
    std::vector<std::uint8_t> token{};
    bool confirmable{true};  ///< CON (acknowledged or reset by the observer) or NON
    Response response{};
};

/// "/1/0/8" for {"1","0","8"}; "/" for an empty path.
std::string path_to_string(const std::vector<std::string>& segments);

}  // namespace lwm2mc::client
