// SPDX-License-Identifier: Apache-2.0
#pragma once

// What the wire adapter reads: CoAP exchanges between the client under test and its servers, after the message
// layer (RFC 7252 4: retransmissions and duplicates folded by sender + message id, responses matched to requests
// by token, block-wise transfers of RFC 7959 reassembled). The live tester builds them from its own servers; the
// capture reader (capture.hpp) rebuilds them from datagrams. Both hand the same records to the adapter (wire.hpp).

#include "lwm2mc/client/message.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace lwm2mc::conformance {

/// Who sent the request of an exchange.
enum class Initiator : std::uint8_t {
    Client,  ///< the client under test (Bootstrap-Request, Register, Update, De-register)
    Server,  ///< a server (Bootstrap-Write/Delete/Discover/Finish, Read, Write, Execute)
};

/// How an exchange ended.
enum class Outcome : std::uint8_t {
    Answered,     ///< a response (piggy-backed or separate) arrived
    Timeout,      ///< no response within the exchange lifetime (or the end of the capture came first)
    Reset,        ///< the request was answered with RST
    Unreachable,  ///< an ICMP port-unreachable came back for the request
};

std::string_view outcome_name(Outcome o);  ///< "answered", "timeout", "reset", "unreachable"

/// One request and what became of it.
struct WireExchange {
    std::int64_t t_us{0};     ///< first transmission of the request (capture or tester time, microseconds)
    std::int64_t done_us{0};  ///< when the response, RST or ICMP error came (or the timeout was declared)
    Initiator initiator{Initiator::Client};
    client::Endpoint client{};                   ///< the address of the client under test in this exchange
    client::Endpoint server{};                   ///< the address of the server in this exchange
    client::Request request{};                   ///< reassembled (all Block1 blocks)
    std::optional<client::Response> response{};  ///< reassembled (all Block2 blocks); set iff outcome Answered
    Outcome outcome{Outcome::Answered};
    unsigned retransmissions{0};         ///< copies of the request after the first (same sender and message id)
    std::vector<std::size_t> packets{};  ///< capture packet numbers (1-based) of its datagrams; empty when live
};

/// One UDP datagram as captured or as the tester sent/received it.
struct Datagram {
    std::size_t packet{0};  ///< 1-based packet number in the capture (0 when live)
    std::int64_t t_us{0};
    client::Endpoint from{};
    client::Endpoint to{};
    std::vector<std::uint8_t> payload{};
};

/// An ICMP / ICMPv6 destination-unreachable (port unreachable) quoting a UDP datagram `from` -> `to`.
struct IcmpUnreachable {
    std::size_t packet{0};
    std::int64_t t_us{0};
    client::Endpoint from{};  ///< the quoted datagram's source (who sent the datagram that bounced)
    client::Endpoint to{};    ///< the quoted datagram's destination (the closed port)
};

}  // namespace lwm2mc::conformance
