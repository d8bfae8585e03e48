// SPDX-License-Identifier: Apache-2.0
#pragma once

// The capture reader: a pcap file -> UDP datagrams and ICMP port-unreachables (read_pcap) -> CoAP exchanges of
// one client under test (exchanges_from), the same records the live tester hands to the wire adapter. Bad input
// is data: every packet that is not used is listed with the reason, and nothing here throws for a bad capture.
// write_pcap records datagrams (the live tester's --record; tests build captures with it).

#include "lwm2mc/client/message.hpp"
#include "lwm2mc/conformance/exchange.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace lwm2mc::conformance {

/// A packet of the capture that no exchange uses, and why ("TCP", "IPv4 fragment", "not CoAP: ...").
struct SkippedPacket {
    std::size_t packet{0};  ///< 1-based packet number in the capture
    std::int64_t t_us{0};
    std::string reason{};
};

/// What read_pcap found: UDP datagrams and ICMP port-unreachables in capture order, the rest skipped.
struct PcapContents {
    std::vector<Datagram> datagrams{};
    std::vector<IcmpUnreachable> unreachables{};
    std::vector<SkippedPacket> skipped{};
    std::size_t packets{0};              ///< packets in the file
    int link_type{-1};                   ///< the file's DLT_* value
    std::optional<std::string> error{};  ///< the file could not be read (then the rest is what was read before)
};

/// Reads a pcap (or pcapng) file with libpcap. Link types: Ethernet (802.1Q/802.1ad tags), Linux cooked v1/v2,
/// BSD loopback (DLT_NULL, DLT_LOOP), raw IP (DLT_RAW, DLT_IPV4, DLT_IPV6). Timestamps in microseconds since the
/// epoch. A file that cannot be opened or has another link type -> `error`; never throws for file contents.
PcapContents read_pcap(const std::filesystem::path& path);

/// How exchanges_from reads the message layer.
struct CaptureOptions {
    /// The client under test: the endpoint name of its Bootstrap-Request or Register (`ep=NAME`). Without it
    /// the first one in the capture is taken.
    std::optional<std::string> endpoint_name{};
    /// RFC 7252 4.8.2 EXCHANGE_LIFETIME in capture microseconds: a copy of a request within it is a
    /// retransmission, a request without a response by then is a timeout. Scale it for clients run with
    /// shortened timers.
    std::int64_t exchange_lifetime_us{247'000'000};
    /// When the capture ended (microseconds, as t_us); unset: the last datagram or ICMP record given. Requests
    /// still unanswered then are timeouts declared at this time, with a note.
    std::optional<std::int64_t> capture_end_us{};
};

/// The client under test's exchanges rebuilt from a capture.
struct CaptureResult {
    std::vector<WireExchange> exchanges{};             ///< ordered by first transmission
    std::vector<SkippedPacket> skipped{};              ///< ordered by packet number
    std::size_t packets{0};                            ///< packets in the capture (or datagrams + ICMP records given)
    std::size_t coap_messages{0};                      ///< datagrams that decoded as CoAP (of any endpoint)
    std::optional<std::string> endpoint_name{};        ///< the client under test; unset if no Register/Bootstrap seen
    std::vector<client::Endpoint> client_addresses{};  ///< every address it used (a reboot can change the port)
    std::vector<std::string> notes{};    ///< other endpoint names, ended transfers, the capture's end, ...
    std::optional<std::string> error{};  ///< read_capture only: the file could not be read
};

/// The message layer (RFC 7252 4, RFC 7959): decodes each datagram as CoAP, finds the client under test, folds
/// retransmissions by (sender, receiver, message id), matches responses by message id (piggy-backed, empty ACK
/// and RST) and token (separate responses), reassembles Block1/Block2 transfers, and ends each exchange as
/// answered, reset, unreachable (ICMP) or timed out. The inputs need not be sorted.
CaptureResult exchanges_from(std::span<const Datagram> datagrams, std::span<const IcmpUnreachable> unreachables,
                             const CaptureOptions& options = {});

/// read_pcap + exchanges_from; the pcap reader's skipped packets are merged into the result.
CaptureResult read_capture(const std::filesystem::path& path, const CaptureOptions& options = {});

/// The link layer write_pcap puts under the synthesized IP headers.
enum class PcapLink : std::uint8_t {
    Ethernet,  ///< DLT_EN10MB with made-up MAC addresses
    Raw,       ///< DLT_RAW: the IP header first
};

/// Writes the datagrams (IPv4 or IPv6 by their hosts, which must be numeric and of one family per datagram) and
/// the ICMP / ICMPv6 port-unreachables as a pcap file, all in order of t_us (ties: datagrams first, then input
/// order). Checksums are computed. Returns an error message on failure (bad address, I/O), nullopt on success.
std::optional<std::string> write_pcap(const std::filesystem::path& path, std::span<const Datagram> datagrams,
                                      std::span<const IcmpUnreachable> unreachables = {},
                                      PcapLink link = PcapLink::Ethernet);

}  // namespace lwm2mc::conformance
