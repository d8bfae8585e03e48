// SPDX-License-Identifier: Apache-2.0
// read_pcap / write_pcap: libpcap files <-> UDP datagrams and ICMP port-unreachables. Every header is parsed by
// hand from the captured bytes with bounds checks: a capture is untrusted input.

#include "lwm2mc/conformance/capture.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cstdio>
#include <cstring>
#include <memory>
#include <pcap/pcap.h>
#include <string_view>
#include <utility>

namespace lwm2mc::conformance {

namespace {

using Bytes = std::span<const std::uint8_t>;

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherArp = 0x0806;
constexpr std::uint16_t kEtherIpv6 = 0x86DD;
constexpr std::uint8_t kProtoIcmp = 1;
constexpr std::uint8_t kProtoTcp = 6;
constexpr std::uint8_t kProtoUdp = 17;
constexpr std::uint8_t kProtoIcmpv6 = 58;

std::uint16_t be16(Bytes b, std::size_t at) {
    return static_cast<std::uint16_t>((b[at] << 8U) | b[at + 1]);
}
std::uint32_t be32(Bytes b, std::size_t at) {
    return (std::uint32_t{b[at]} << 24U) | (std::uint32_t{b[at + 1]} << 16U) | (std::uint32_t{b[at + 2]} << 8U) |
           b[at + 3];
}

std::string hex16(unsigned v) {
    std::array<char, 8> buf{};
    std::snprintf(buf.data(), buf.size(), "0x%04x", v & 0xFFFFU);
    return buf.data();
}

std::string address(int family, Bytes raw) {
    std::array<char, INET6_ADDRSTRLEN> buf{};
    if (inet_ntop(family, raw.data(), buf.data(), static_cast<socklen_t>(buf.size())) == nullptr) {
        return "?";
    }
    return buf.data();
}

/// What one packet turned out to be.
struct Parsed {
    std::optional<Datagram> datagram{};
    std::optional<IcmpUnreachable> unreachable{};
    std::string reason{};  ///< why neither, when neither
};

Parsed skip(std::string reason) {
    Parsed p;
    p.reason = std::move(reason);
    return p;
}

/// The 8-byte UDP header at `udp` (IP payload of `avail` bytes) between the two hosts.
Parsed parse_udp(Bytes udp, const std::string& src, const std::string& dst) {
    if (udp.size() < 8) {
        return skip("truncated UDP header (" + std::to_string(udp.size()) + " of 8 bytes)");
    }
    const std::size_t length = be16(udp, 4);
    if (length < 8) {
        return skip("bad UDP length " + std::to_string(length));
    }
    if (length > udp.size()) {
        return skip("truncated UDP datagram (" + std::to_string(udp.size()) + " of " + std::to_string(length) +
                    " bytes captured)");
    }
    Parsed p;
    Datagram d;
    d.from = client::Endpoint{src, be16(udp, 0)};
    d.to = client::Endpoint{dst, be16(udp, 2)};
    d.payload.assign(udp.begin() + 8, udp.begin() + static_cast<std::ptrdiff_t>(length));
    p.datagram = std::move(d);
    return p;
}

/// The UDP header quoted in an ICMP error, after the quoted IP header.
Parsed quoted_udp(Bytes udp, const std::string& src, const std::string& dst) {
    if (udp.size() < 8) {
        return skip("ICMP port unreachable quoting a truncated UDP header");
    }
    Parsed p;
    p.unreachable = IcmpUnreachable{0, 0, client::Endpoint{src, be16(udp, 0)}, client::Endpoint{dst, be16(udp, 2)}};
    return p;
}

Parsed parse_ipv4(Bytes ip, bool quoted);
Parsed parse_ipv6(Bytes ip, bool quoted);

Parsed parse_icmpv4(Bytes icmp) {
    if (icmp.size() < 8) {
        return skip("truncated ICMP header");
    }
    if (icmp[0] != 3 || icmp[1] != 3) {
        return skip("ICMP type " + std::to_string(icmp[0]) + " code " + std::to_string(icmp[1]));
    }
    return parse_ipv4(icmp.subspan(8), true);
}

Parsed parse_icmpv6(Bytes icmp) {
    if (icmp.size() < 8) {
        return skip("truncated ICMPv6 header");
    }
    if (icmp[0] != 1 || icmp[1] != 4) {
        return skip("ICMPv6 type " + std::to_string(icmp[0]) + " code " + std::to_string(icmp[1]));
    }
    return parse_ipv6(icmp.subspan(8), true);
}

/// IPv4 (RFC 791). `quoted`: the header inside an ICMP error, whose datagram is cut after 8 bytes of UDP.
Parsed parse_ipv4(Bytes ip, bool quoted) {
    const std::string what = quoted ? "quoted IPv4 header" : "IPv4 header";
    if (ip.size() < 20) {
        return skip("truncated " + what + " (" + std::to_string(ip.size()) + " of 20 bytes)");
    }
    if ((ip[0] >> 4U) != 4) {
        return skip(what + " with version " + std::to_string(ip[0] >> 4U));
    }
    const std::size_t ihl = std::size_t{ip[0] & 0x0FU} * 4;
    if (ihl < 20) {
        return skip(what + " with header length " + std::to_string(ihl));
    }
    if (ihl > ip.size()) {
        return skip("truncated " + what + " (" + std::to_string(ip.size()) + " of " + std::to_string(ihl) +
                    " bytes with options)");
    }
    const std::size_t total = be16(ip, 2);
    if (total < ihl) {
        return skip(what + " with total length " + std::to_string(total) + " < header length " + std::to_string(ihl));
    }
    Bytes body = ip.subspan(ihl);
    if (!quoted) {
        if (total > ip.size()) {
            return skip("truncated IPv4 packet (" + std::to_string(ip.size()) + " of " + std::to_string(total) +
                        " bytes captured)");
        }
        body = ip.subspan(ihl, total - ihl);  // drops Ethernet padding
        const unsigned flags_offset = be16(ip, 6);
        if ((flags_offset & 0x2000U) != 0 || (flags_offset & 0x1FFFU) != 0) {
            return skip("IPv4 fragment (reassembly is not supported)");
        }
    }
    const std::string src = address(AF_INET, ip.subspan(12, 4));
    const std::string dst = address(AF_INET, ip.subspan(16, 4));
    const std::uint8_t proto = ip[9];
    if (quoted) {
        if (proto != kProtoUdp) {
            return skip("ICMP port unreachable quoting IP protocol " + std::to_string(proto));
        }
        return quoted_udp(body, src, dst);
    }
    switch (proto) {
    case kProtoUdp:
        return parse_udp(body, src, dst);
    case kProtoIcmp:
        return parse_icmpv4(body);
    case kProtoTcp:
        return skip("TCP");
    default:
        return skip("IP protocol " + std::to_string(proto));
    }
}

/// IPv6 (RFC 8200) with its extension headers.
Parsed parse_ipv6(Bytes ip, bool quoted) {
    const std::string what = quoted ? "quoted IPv6 header" : "IPv6 header";
    if (ip.size() < 40) {
        return skip("truncated " + what + " (" + std::to_string(ip.size()) + " of 40 bytes)");
    }
    if ((ip[0] >> 4U) != 6) {
        return skip(what + " with version " + std::to_string(ip[0] >> 4U));
    }
    const std::size_t payload_length = be16(ip, 4);
    Bytes body = ip.subspan(40);
    if (!quoted) {
        if (payload_length == 0) {
            return skip("IPv6 jumbogram or empty payload");
        }
        if (payload_length > body.size()) {
            return skip("truncated IPv6 packet (" + std::to_string(body.size()) + " of " +
                        std::to_string(payload_length) + " payload bytes captured)");
        }
        body = body.first(payload_length);
    }
    const std::string src = address(AF_INET6, ip.subspan(8, 16));
    const std::string dst = address(AF_INET6, ip.subspan(24, 16));
    std::uint8_t next = ip[6];
    for (;;) {
        switch (next) {
        case 0:     // hop-by-hop options
        case 43:    // routing
        case 60: {  // destination options
            if (body.size() < 8) {
                return skip("truncated IPv6 extension header " + std::to_string(next));
            }
            const std::size_t len = (std::size_t{body[1]} + 1) * 8;
            if (len > body.size()) {
                return skip("truncated IPv6 extension header " + std::to_string(next));
            }
            next = body[0];
            body = body.subspan(len);
            continue;
        }
        case 44:
            return skip("IPv6 fragment (reassembly is not supported)");
        case kProtoUdp:
            return quoted ? quoted_udp(body, src, dst) : parse_udp(body, src, dst);
        default:
            break;
        }
        break;
    }
    if (quoted) {
        return skip("ICMPv6 port unreachable quoting next header " + std::to_string(next));
    }
    switch (next) {
    case kProtoIcmpv6:
        return parse_icmpv6(body);
    case kProtoTcp:
        return skip("TCP");
    case 59:
        return skip("IPv6 with no next header");
    default:
        return skip("IPv6 next header " + std::to_string(next));
    }
}

Parsed parse_ethertype(std::uint16_t type, Bytes rest) {
    switch (type) {
    case kEtherIpv4:
        return parse_ipv4(rest, false);
    case kEtherIpv6:
        return parse_ipv6(rest, false);
    case kEtherArp:
        return skip("ARP");
    default:
        return skip("ethertype " + hex16(type));
    }
}

Parsed parse_ip_by_version(Bytes ip) {
    if (ip.empty()) {
        return skip("empty packet");
    }
    switch (ip[0] >> 4U) {
    case 4:
        return parse_ipv4(ip, false);
    case 6:
        return parse_ipv6(ip, false);
    default:
        return skip("raw packet with IP version " + std::to_string(ip[0] >> 4U));
    }
}

Parsed parse_ethernet(Bytes frame) {
    if (frame.size() < 14) {
        return skip("truncated Ethernet header (" + std::to_string(frame.size()) + " of 14 bytes)");
    }
    std::size_t at = 12;
    std::uint16_t type = be16(frame, at);
    // 802.1Q (0x8100), 802.1ad (0x88a8) and the old QinQ 0x9100: a 4-byte tag before the real ethertype.
    while (type == 0x8100 || type == 0x88A8 || type == 0x9100) {
        at += 4;
        if (at + 2 > frame.size()) {
            return skip("truncated VLAN tag");
        }
        type = be16(frame, at);
    }
    if (type < 0x0600) {
        return skip("IEEE 802.3 frame with length " + std::to_string(type));
    }
    return parse_ethertype(type, frame.subspan(at + 2));
}

/// DLT_NULL and DLT_LOOP: a 4-byte address family, in the capturing host's byte order for DLT_NULL and in
/// network order for DLT_LOOP; both orders are accepted since the capturing host is unknown.
Parsed parse_loopback(Bytes frame) {
    if (frame.size() < 4) {
        return skip("truncated loopback header");
    }
    const std::uint32_t big = be32(frame, 0);
    const std::uint32_t little = (std::uint32_t{frame[3]} << 24U) | (std::uint32_t{frame[2]} << 16U) |
                                 (std::uint32_t{frame[1]} << 8U) | frame[0];
    const auto is = [&](std::uint32_t family) { return big == family || little == family; };
    if (is(2)) {
        return parse_ipv4(frame.subspan(4), false);
    }
    // AF_INET6 is 10 on Linux, 23 on Windows, 24 on NetBSD/OpenBSD, 28 on FreeBSD, 30 on macOS.
    if (is(10) || is(23) || is(24) || is(28) || is(30)) {
        return parse_ipv6(frame.subspan(4), false);
    }
    return skip("loopback address family " + std::to_string(std::min(big, little)));
}

Parsed parse_packet(int link, Bytes frame) {
    switch (link) {
    case DLT_EN10MB:
        return parse_ethernet(frame);
    case DLT_LINUX_SLL:
        // packet type (2), ARPHRD (2), address length (2), address (8), protocol (2)
        if (frame.size() < 16) {
            return skip("truncated Linux cooked header (" + std::to_string(frame.size()) + " of 16 bytes)");
        }
        return parse_ethertype(be16(frame, 14), frame.subspan(16));
    case DLT_LINUX_SLL2:
        // protocol (2), reserved (2), interface index (4), ARPHRD (2), packet type (1), address length (1), address (8)
        if (frame.size() < 20) {
            return skip("truncated Linux cooked v2 header (" + std::to_string(frame.size()) + " of 20 bytes)");
        }
        return parse_ethertype(be16(frame, 0), frame.subspan(20));
    case DLT_NULL:
    case DLT_LOOP:
        return parse_loopback(frame);
    case DLT_RAW:
        return parse_ip_by_version(frame);
    case DLT_IPV4:
        return parse_ipv4(frame, false);
    case DLT_IPV6:
        return parse_ipv6(frame, false);
    default:
        return skip("link type " + std::to_string(link));
    }
}

bool supported_link(int link) {
    switch (link) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_NULL:
    case DLT_LOOP:
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
        return true;
    default:
        return false;
    }
}

struct PcapCloser {
    void operator()(pcap_t* p) const { pcap_close(p); }
};
struct DumperCloser {
    void operator()(pcap_dumper_t* d) const { pcap_dump_close(d); }
};

// ---- writing -------------------------------------------------------------------------------------------------

/// An IP address parsed from an Endpoint's host: 4 or 16 bytes.
struct RawAddress {
    bool v6{false};
    std::array<std::uint8_t, 16> bytes{};
    [[nodiscard]] Bytes span() const { return Bytes{bytes.data(), v6 ? 16U : 4U}; }
};

std::optional<RawAddress> parse_address(const std::string& host) {
    RawAddress a;
    std::string h = host;
    if (h.size() >= 2 && h.front() == '[' && h.back() == ']') {
        h = h.substr(1, h.size() - 2);
    }
    if (inet_pton(AF_INET, h.c_str(), a.bytes.data()) == 1) {
        return a;
    }
    if (inet_pton(AF_INET6, h.c_str(), a.bytes.data()) == 1) {
        a.v6 = true;
        return a;
    }
    return std::nullopt;
}

void put16(std::vector<std::uint8_t>& out, std::size_t at, std::size_t v) {
    out[at] = static_cast<std::uint8_t>((v >> 8U) & 0xFFU);
    out[at + 1] = static_cast<std::uint8_t>(v & 0xFFU);
}

/// The Internet checksum (RFC 1071) over a pseudo-header sum plus `data`.
std::uint16_t checksum(std::uint32_t sum, Bytes data) {
    for (std::size_t i = 0; i + 1 < data.size(); i += 2) {
        sum += be16(data, i);
    }
    if (data.size() % 2 == 1) {
        sum += std::uint32_t{data.back()} << 8U;
    }
    while ((sum >> 16U) != 0) {
        sum = (sum & 0xFFFFU) + (sum >> 16U);
    }
    return static_cast<std::uint16_t>(~sum & 0xFFFFU);
}

std::uint32_t pseudo_sum(const RawAddress& src, const RawAddress& dst, std::uint8_t proto, std::size_t length) {
    std::uint32_t sum = 0;
    for (const Bytes a : {src.span(), dst.span()}) {
        for (std::size_t i = 0; i < a.size(); i += 2) {
            sum += be16(a, i);
        }
    }
    sum += proto;
    sum += static_cast<std::uint32_t>(length & 0xFFFFU);
    sum += static_cast<std::uint32_t>(length >> 16U);
    return sum;
}

/// An IP header (no options) for `payload_length` bytes of `proto`.
std::vector<std::uint8_t> ip_header(const RawAddress& src, const RawAddress& dst, std::uint8_t proto,
                                    std::size_t payload_length, std::uint16_t id) {
    if (src.v6) {
        std::vector<std::uint8_t> h(40, 0);
        h[0] = 0x60;
        put16(h, 4, payload_length);
        h[6] = proto;
        h[7] = 64;
        std::copy_n(src.bytes.begin(), 16, h.begin() + 8);
        std::copy_n(dst.bytes.begin(), 16, h.begin() + 24);
        return h;
    }
    std::vector<std::uint8_t> h(20, 0);
    h[0] = 0x45;
    put16(h, 2, 20 + payload_length);
    put16(h, 4, id);
    h[8] = 64;
    h[9] = proto;
    std::copy_n(src.bytes.begin(), 4, h.begin() + 12);
    std::copy_n(dst.bytes.begin(), 4, h.begin() + 16);
    put16(h, 10, checksum(0, h));
    return h;
}

std::vector<std::uint8_t> udp_segment(const RawAddress& src, const RawAddress& dst, std::uint16_t sport,
                                      std::uint16_t dport, Bytes payload) {
    // Sized once, filled by index: GCC 12 at -O2 warns falsely (-Wstringop-overread/-overflow) on growing it.
    std::vector<std::uint8_t> u(payload.size() + 8, 0);
    put16(u, 0, sport);
    put16(u, 2, dport);
    put16(u, 4, 8 + payload.size());
    std::size_t at = 8;
    for (const auto b : payload) {
        u.at(at++) = b;
    }
    std::uint16_t sum = checksum(pseudo_sum(src, dst, kProtoUdp, u.size()), u);
    if (sum == 0) {
        sum = 0xFFFF;  // RFC 768: a computed zero is sent as all ones
    }
    put16(u, 6, sum);
    return u;
}

std::vector<std::uint8_t> frame(PcapLink link, bool v6, std::vector<std::uint8_t> ip) {
    if (link == PcapLink::Raw) {
        return ip;
    }
    std::vector<std::uint8_t> f = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0, 0};
    put16(f, 12, v6 ? kEtherIpv6 : kEtherIpv4);
    f.insert(f.end(), ip.begin(), ip.end());
    return f;
}

std::string endpoint_error(const client::Endpoint& e) {
    return "'" + e.host + "' is not a numeric IPv4 or IPv6 address";
}

}  // namespace

PcapContents read_pcap(const std::filesystem::path& path) {
    PcapContents out;
    std::array<char, PCAP_ERRBUF_SIZE> err{};
    const std::unique_ptr<pcap_t, PcapCloser> pcap{
        pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, err.data())};
    if (!pcap) {
        out.error = "cannot read capture '" + path.string() + "': " + err.data();
        return out;
    }
    out.link_type = pcap_datalink(pcap.get());
    if (!supported_link(out.link_type)) {
        const char* name = pcap_datalink_val_to_name(out.link_type);
        out.error = "capture '" + path.string() + "' has link type " + std::to_string(out.link_type) + " (" +
                    (name != nullptr ? name : "unknown") +
                    "); supported: EN10MB, LINUX_SLL, LINUX_SLL2, NULL, LOOP, RAW, IPV4, IPV6";
        return out;
    }
    for (;;) {
        pcap_pkthdr* header = nullptr;
        const std::uint8_t* data = nullptr;
        const int rc = pcap_next_ex(pcap.get(), &header, &data);
        if (rc == PCAP_ERROR_BREAK) {
            break;
        }
        if (rc != 1) {
            out.error = "capture '" + path.string() + "' is damaged after packet " + std::to_string(out.packets) +
                        ": " + pcap_geterr(pcap.get());
            break;
        }
        ++out.packets;
        const std::int64_t t_us =
            static_cast<std::int64_t>(header->ts.tv_sec) * 1'000'000 + static_cast<std::int64_t>(header->ts.tv_usec);
        Parsed p = parse_packet(out.link_type, Bytes{data, header->caplen});
        if (p.datagram) {
            p.datagram->packet = out.packets;
            p.datagram->t_us = t_us;
            out.datagrams.push_back(std::move(*p.datagram));
        } else if (p.unreachable) {
            p.unreachable->packet = out.packets;
            p.unreachable->t_us = t_us;
            out.unreachables.push_back(std::move(*p.unreachable));
        } else {
            if (header->caplen < header->len) {
                p.reason +=
                    " (" + std::to_string(header->caplen) + " of " + std::to_string(header->len) + " bytes captured)";
            }
            out.skipped.push_back(SkippedPacket{out.packets, t_us, std::move(p.reason)});
        }
    }
    return out;
}

std::optional<std::string> write_pcap(const std::filesystem::path& path, std::span<const Datagram> datagrams,
                                      std::span<const IcmpUnreachable> unreachables, PcapLink link) {
    struct Record {
        std::int64_t t_us;
        std::vector<std::uint8_t> bytes;
    };
    std::vector<Record> records;
    records.reserve(datagrams.size() + unreachables.size());
    std::uint16_t id = 1;
    for (const Datagram& d : datagrams) {
        const auto src = parse_address(d.from.host);
        const auto dst = parse_address(d.to.host);
        if (!src || !dst) {
            return "cannot write datagram " + to_string(d.from) + " -> " + to_string(d.to) + ": " +
                   endpoint_error(!src ? d.from : d.to);
        }
        if (src->v6 != dst->v6) {
            return "cannot write datagram " + to_string(d.from) + " -> " + to_string(d.to) + ": mixed IPv4 and IPv6";
        }
        if (d.payload.size() > 65'507) {
            return "cannot write datagram " + to_string(d.from) + " -> " + to_string(d.to) + ": payload of " +
                   std::to_string(d.payload.size()) + " bytes is too large for UDP";
        }
        auto udp = udp_segment(*src, *dst, d.from.port, d.to.port, d.payload);
        auto ip = ip_header(*src, *dst, kProtoUdp, udp.size(), id++);
        ip.insert(ip.end(), udp.begin(), udp.end());
        records.push_back(Record{d.t_us, frame(link, src->v6, std::move(ip))});
    }
    for (const IcmpUnreachable& u : unreachables) {
        // The error goes from the closed port's host back to the sender and quotes the sender's datagram:
        // its IP header and the 8-byte UDP header (RFC 792; RFC 4443 3.1).
        const auto src = parse_address(u.from.host);
        const auto dst = parse_address(u.to.host);
        if (!src || !dst) {
            return "cannot write ICMP unreachable for " + to_string(u.from) + " -> " + to_string(u.to) + ": " +
                   endpoint_error(!src ? u.from : u.to);
        }
        if (src->v6 != dst->v6) {
            return "cannot write ICMP unreachable for " + to_string(u.from) + " -> " + to_string(u.to) +
                   ": mixed IPv4 and IPv6";
        }
        const auto udp = udp_segment(*src, *dst, u.from.port, u.to.port, {});
        auto quoted = ip_header(*src, *dst, kProtoUdp, udp.size(), id++);
        quoted.insert(quoted.end(), udp.begin(), udp.end());
        std::vector<std::uint8_t> icmp(8, 0);
        icmp[0] = src->v6 ? 1 : 3;
        icmp[1] = src->v6 ? 4 : 3;
        icmp.insert(icmp.end(), quoted.begin(), quoted.end());
        const std::uint8_t proto = src->v6 ? kProtoIcmpv6 : kProtoIcmp;
        // ICMPv6 checksums cover a pseudo-header (RFC 4443 2.3); ICMPv4 ones do not.
        put16(icmp, 2, checksum(src->v6 ? pseudo_sum(*dst, *src, proto, icmp.size()) : 0, icmp));
        auto ip = ip_header(*dst, *src, proto, icmp.size(), id++);
        ip.insert(ip.end(), icmp.begin(), icmp.end());
        records.push_back(Record{u.t_us, frame(link, src->v6, std::move(ip))});
    }
    std::stable_sort(records.begin(), records.end(), [](const Record& a, const Record& b) { return a.t_us < b.t_us; });

    const std::unique_ptr<pcap_t, PcapCloser> dead{
        pcap_open_dead(link == PcapLink::Ethernet ? DLT_EN10MB : DLT_RAW, 262'144)};
    if (!dead) {
        return std::string{"cannot write capture: pcap_open_dead failed"};
    }
    std::unique_ptr<pcap_dumper_t, DumperCloser> dumper{pcap_dump_open(dead.get(), path.c_str())};
    if (!dumper) {
        return "cannot write capture '" + path.string() + "': " + pcap_geterr(dead.get());
    }
    for (const Record& r : records) {
        pcap_pkthdr h{};
        std::int64_t sec = r.t_us / 1'000'000;
        std::int64_t usec = r.t_us % 1'000'000;
        if (usec < 0) {
            usec += 1'000'000;
            --sec;
        }
        h.ts.tv_sec = static_cast<decltype(h.ts.tv_sec)>(sec);
        h.ts.tv_usec = static_cast<decltype(h.ts.tv_usec)>(usec);
        h.caplen = static_cast<bpf_u_int32>(r.bytes.size());
        h.len = h.caplen;
        pcap_dump(reinterpret_cast<u_char*>(dumper.get()), &h, r.bytes.data());
    }
    if (pcap_dump_flush(dumper.get()) != 0) {
        return "cannot write capture '" + path.string() + "': write failed";
    }
    dumper.reset();
    return std::nullopt;
}

}  // namespace lwm2mc::conformance
