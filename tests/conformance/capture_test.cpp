// SPDX-License-Identifier: Apache-2.0
// The capture reader: pcap link layers, IP, CoAP decoding, the message layer and write_pcap. Captures are built
// here byte by byte (an encoder independent of the reader) or with write_pcap.

#include "lwm2mc/conformance/capture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <unistd.h>
#include <utility>
#include <vector>

namespace lwm2mc::conformance {
namespace {

namespace code = client::code;
using Bytes = std::vector<std::uint8_t>;
constexpr client::Code kContinue = client::coap_code(2, 31);

// ---- a CoAP encoder for the tests (RFC 7252 3) ------------------------------------------------------------------

struct Coap {
    unsigned type{0};  // 0 CON, 1 NON, 2 ACK, 3 RST
    client::Code code{code::kEmpty};
    std::uint16_t mid{0};
    Bytes token{};
    std::vector<std::pair<unsigned, Bytes>> options{};
    Bytes payload{};

    static Bytes uint_value(std::uint32_t v) {
        Bytes b;
        for (int shift = 24; shift >= 0; shift -= 8) {
            if (!b.empty() || ((v >> shift) & 0xFFU) != 0) {
                b.push_back(static_cast<std::uint8_t>((v >> shift) & 0xFFU));
            }
        }
        return b;
    }
    Coap& opt(unsigned number, Bytes value) {
        options.emplace_back(number, std::move(value));
        return *this;
    }
    Coap& opt(unsigned number, std::string_view value) { return opt(number, Bytes(value.begin(), value.end())); }
    Coap& path(std::string_view p) {
        while (!p.empty()) {
            p.remove_prefix(1);
            const auto slash = p.find('/');
            opt(11, p.substr(0, slash));
            p = slash == std::string_view::npos ? std::string_view{} : p.substr(slash);
        }
        return *this;
    }
    Coap& query(std::string_view q) { return opt(15, q); }
    Coap& location(std::string_view seg) { return opt(8, seg); }
    Coap& format(std::uint16_t cf) { return opt(12, uint_value(cf)); }
    Coap& block1(std::uint32_t num, bool more, unsigned szx) {
        return opt(27, uint_value(num << 4U | (more ? 8U : 0U) | szx));
    }
    Coap& block2(std::uint32_t num, bool more, unsigned szx) {
        return opt(23, uint_value(num << 4U | (more ? 8U : 0U) | szx));
    }
    Coap& body(std::string_view s) {
        payload.assign(s.begin(), s.end());
        return *this;
    }
    Coap& body(Bytes b) {
        payload = std::move(b);
        return *this;
    }

    [[nodiscard]] Bytes bytes() const {
        Bytes out{static_cast<std::uint8_t>(0x40U | (type << 4U) | token.size()), code,
                  static_cast<std::uint8_t>(mid >> 8U), static_cast<std::uint8_t>(mid & 0xFFU)};
        out.insert(out.end(), token.begin(), token.end());
        auto sorted = options;
        std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        unsigned last = 0;
        const auto nibble = [](std::size_t v, Bytes& ext) -> unsigned {
            if (v < 13) {
                return static_cast<unsigned>(v);
            }
            if (v < 269) {
                ext.push_back(static_cast<std::uint8_t>(v - 13));
                return 13;
            }
            ext.push_back(static_cast<std::uint8_t>((v - 269) >> 8U));
            ext.push_back(static_cast<std::uint8_t>((v - 269) & 0xFFU));
            return 14;
        };
        for (const auto& [number, value] : sorted) {
            Bytes ext;
            const unsigned d = nibble(number - last, ext);
            const unsigned l = nibble(value.size(), ext);
            out.push_back(static_cast<std::uint8_t>(d << 4U | l));
            out.insert(out.end(), ext.begin(), ext.end());
            out.insert(out.end(), value.begin(), value.end());
            last = number;
        }
        if (!payload.empty()) {
            out.push_back(0xFF);
            out.insert(out.end(), payload.begin(), payload.end());
        }
        return out;
    }
};

Coap con(client::Code c, std::uint16_t mid, Bytes token) {
    return Coap{0, c, mid, std::move(token)};
}
Coap non(client::Code c, std::uint16_t mid, Bytes token) {
    return Coap{1, c, mid, std::move(token)};
}
Coap ack(client::Code c, std::uint16_t mid, Bytes token) {
    return Coap{2, c, mid, std::move(token)};
}
Coap empty_ack(std::uint16_t mid) {
    return Coap{2, code::kEmpty, mid};
}
Coap rst(std::uint16_t mid) {
    return Coap{3, code::kEmpty, mid};
}

// ---- endpoints and datagrams -------------------------------------------------------------------------------------

const client::Endpoint kClient{"192.0.2.10", 56830};
const client::Endpoint kBootstrap{"192.0.2.1", 5784};
const client::Endpoint kServer{"192.0.2.2", 5683};
const client::Endpoint kClient6{"2001:db8::10", 56830};
const client::Endpoint kServer6{"2001:db8::2", 5683};

constexpr std::int64_t kT0 = 1'700'000'000'000'000;  // capture times are microseconds since the epoch
std::int64_t at(double seconds) {
    return kT0 + static_cast<std::int64_t>(seconds * 1e6);
}

/// Builds a list of datagrams numbered 1, 2, ...
struct Traffic {
    std::vector<Datagram> datagrams{};
    std::vector<IcmpUnreachable> unreachables{};
    std::size_t next{1};
    Traffic& send(double t, const client::Endpoint& from, const client::Endpoint& to, const Coap& m) {
        datagrams.push_back(Datagram{next++, at(t), from, to, m.bytes()});
        return *this;
    }
    Traffic& send_raw(double t, const client::Endpoint& from, const client::Endpoint& to, Bytes payload) {
        datagrams.push_back(Datagram{next++, at(t), from, to, std::move(payload)});
        return *this;
    }
    Traffic& unreachable(double t, const client::Endpoint& from, const client::Endpoint& to) {
        unreachables.push_back(IcmpUnreachable{next++, at(t), from, to});
        return *this;
    }
    [[nodiscard]] CaptureResult exchanges(const CaptureOptions& options = {}) const {
        return exchanges_from(datagrams, unreachables, options);
    }
};

Bytes tok(std::uint8_t b) {
    return Bytes{b, 0xA0, 0x0B};
}

std::string text(const Bytes& b) {
    return {b.begin(), b.end()};
}

Coap register_request(std::uint16_t mid, std::string_view ep) {
    return con(code::kPost, mid, tok(1))
        .path("/rd")
        .query(std::string{"ep="} + std::string{ep})
        .query("lt=300")
        .query("lwm2m=1.1")
        .format(40)
        .body("</1/0>,</3/0>,</5/0>");
}
Coap created(std::uint16_t mid, const Bytes& token) {
    return ack(code::kCreated, mid, token).location("rd").location("5");
}

bool has_reason(const CaptureResult& r, std::size_t packet, std::string_view part) {
    return std::any_of(r.skipped.begin(), r.skipped.end(), [&](const SkippedPacket& s) {
        return s.packet == packet && s.reason.find(part) != std::string::npos;
    });
}
bool has_note(const CaptureResult& r, std::string_view part) {
    return std::any_of(r.notes.begin(), r.notes.end(),
                       [&](const std::string& n) { return n.find(part) != std::string::npos; });
}

// ---- pcap files by hand ------------------------------------------------------------------------------------------

class TempDir {
public:
    TempDir() {
        static int counter = 0;
        dir_ = std::filesystem::temp_directory_path() /
               ("lwm2mc-capture-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::create_directories(dir_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] std::filesystem::path file(const std::string& name) const { return dir_ / name; }

private:
    std::filesystem::path dir_;
};

void put32(Bytes& out, std::uint32_t v) {  // the file's byte order: little-endian
    for (int i = 0; i < 4; ++i) {
        out.push_back(static_cast<std::uint8_t>((v >> (8 * i)) & 0xFFU));
    }
}
void put16le(Bytes& out, std::uint16_t v) {
    out.push_back(static_cast<std::uint8_t>(v & 0xFFU));
    out.push_back(static_cast<std::uint8_t>(v >> 8U));
}
void put16be(Bytes& out, std::size_t v) {
    out.push_back(static_cast<std::uint8_t>((v >> 8U) & 0xFFU));
    out.push_back(static_cast<std::uint8_t>(v & 0xFFU));
}

struct Record {
    std::int64_t t_us{0};
    Bytes frame{};
    std::size_t orig_len{0};  // 0: the frame's size
};

std::filesystem::path write_file(const TempDir& dir, const std::string& name, std::uint32_t linktype,
                                 const std::vector<Record>& records, bool nanoseconds = false) {
    Bytes out;
    put32(out, nanoseconds ? 0xA1B23C4DU : 0xA1B2C3D4U);
    put16le(out, 2);
    put16le(out, 4);
    put32(out, 0);
    put32(out, 0);
    put32(out, 262144);
    put32(out, linktype);
    for (const Record& r : records) {
        put32(out, static_cast<std::uint32_t>(r.t_us / 1'000'000));
        const auto frac = static_cast<std::uint32_t>(r.t_us % 1'000'000);
        put32(out, nanoseconds ? frac * 1000U : frac);
        put32(out, static_cast<std::uint32_t>(r.frame.size()));
        put32(out, static_cast<std::uint32_t>(r.orig_len != 0 ? r.orig_len : r.frame.size()));
        out.insert(out.end(), r.frame.begin(), r.frame.end());
    }
    const auto path = dir.file(name);
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
    return path;
}

Bytes udp(std::uint16_t sport, std::uint16_t dport, const Bytes& payload) {
    Bytes u;
    put16be(u, sport);
    put16be(u, dport);
    put16be(u, 8 + payload.size());
    put16be(u, 0);
    u.insert(u.end(), payload.begin(), payload.end());
    return u;
}

/// IPv4 with `option_words` 4-byte words of options (NOPs) and a flags/fragment-offset field.
Bytes ipv4(std::uint8_t proto, const Bytes& body, std::size_t option_words = 0, std::uint16_t frag = 0,
           std::array<std::uint8_t, 4> src = {192, 0, 2, 10}, std::array<std::uint8_t, 4> dst = {192, 0, 2, 2}) {
    Bytes h{static_cast<std::uint8_t>(0x40U | (5U + option_words)), 0};
    put16be(h, 20 + option_words * 4 + body.size());
    put16be(h, 1);
    put16be(h, frag);
    h.push_back(64);
    h.push_back(proto);
    put16be(h, 0);
    h.insert(h.end(), src.begin(), src.end());
    h.insert(h.end(), dst.begin(), dst.end());
    h.insert(h.end(), option_words * 4, 1);
    h.insert(h.end(), body.begin(), body.end());
    return h;
}

/// IPv6 2001:db8::10 -> 2001:db8::2 with extension headers given as (type, 8-byte-multiple body).
Bytes ipv6(std::uint8_t proto, const Bytes& body, const std::vector<std::uint8_t>& extensions = {}) {
    Bytes chain;
    for (std::size_t i = 0; i < extensions.size(); ++i) {
        const std::uint8_t next = i + 1 < extensions.size() ? extensions[i + 1] : proto;
        chain.push_back(next);
        chain.push_back(0);  // 8 bytes
        chain.insert(chain.end(), 6, 0);
        if (extensions[i] == 44) {
            chain[chain.size() - 5] = 1;  // more fragments
        }
    }
    Bytes h{0x60, 0, 0, 0};
    put16be(h, chain.size() + body.size());
    h.push_back(extensions.empty() ? proto : extensions[0]);
    h.push_back(64);
    const Bytes src{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
    const Bytes dst{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02};
    h.insert(h.end(), src.begin(), src.end());
    h.insert(h.end(), dst.begin(), dst.end());
    h.insert(h.end(), chain.begin(), chain.end());
    h.insert(h.end(), body.begin(), body.end());
    return h;
}

Bytes ethernet(std::uint16_t type, const Bytes& body, const std::vector<std::uint16_t>& tags = {}) {
    Bytes f{0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2};
    for (const std::uint16_t tpid : tags) {
        put16be(f, tpid);
        put16be(f, 42);  // VLAN 42
    }
    put16be(f, type);
    f.insert(f.end(), body.begin(), body.end());
    return f;
}

Bytes prefixed(Bytes header, const Bytes& body) {
    header.insert(header.end(), body.begin(), body.end());
    return header;
}

Bytes register_bytes() {
    return register_request(0x1234, "x").bytes();
}

// ---- link layers -------------------------------------------------------------------------------------------------

struct LinkCase {
    std::string name;
    std::uint32_t linktype;
    Bytes frame;
    bool v6;
};

std::vector<LinkCase> link_cases() {
    const Bytes u = udp(56830, 5683, register_bytes());
    const Bytes v4 = ipv4(17, u);
    const Bytes v6 = ipv6(17, u);
    Bytes sll{0, 4, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0};
    Bytes sll2{0, 0, 0, 1, 0, 1, 4, 6, 2, 0, 0, 0, 0, 1, 0, 0};
    return {
        {"ethernet ipv4", 1, ethernet(0x0800, v4), false},
        {"ethernet ipv6", 1, ethernet(0x86DD, v6), true},
        {"ethernet 802.1Q", 1, ethernet(0x0800, v4, {0x8100}), false},
        {"ethernet QinQ", 1, ethernet(0x86DD, v6, {0x88A8, 0x8100}), true},
        {"linux cooked", 113, prefixed(prefixed(sll, {0x08, 0x00}), v4), false},
        {"linux cooked ipv6", 113, prefixed(prefixed(sll, {0x86, 0xDD}), v6), true},
        {"linux cooked v2", 276, prefixed(prefixed({0x08, 0x00, 0, 0}, sll2), v4), false},
        {"null host order", 0, prefixed({2, 0, 0, 0}, v4), false},
        {"null macOS ipv6", 0, prefixed({30, 0, 0, 0}, v6), true},
        {"null big-endian", 0, prefixed({0, 0, 0, 2}, v4), false},
        {"loop", 108, prefixed({0, 0, 0, 2}, v4), false},
        {"loop ipv6 linux", 108, prefixed({0, 0, 0, 10}, v6), true},
        {"raw ipv4", 101, v4, false},
        {"raw ipv6", 101, v6, true},
        {"ipv4", 228, v4, false},
        {"ipv6", 229, v6, true},
    };
}

TEST(CaptureReader, ReadsARegisterOverEveryLinkType) {
    TempDir dir;
    for (const LinkCase& c : link_cases()) {
        SCOPED_TRACE(c.name);
        const auto path = write_file(dir, "link.pcap", c.linktype, {{at(1.5), c.frame}});

        const PcapContents pcap = read_pcap(path);

        ASSERT_FALSE(pcap.error) << *pcap.error;
        EXPECT_EQ(pcap.packets, 1U);
        ASSERT_EQ(pcap.datagrams.size(), 1U);
        const Datagram& d = pcap.datagrams[0];
        EXPECT_EQ(d.packet, 1U);
        EXPECT_EQ(d.t_us, at(1.5));
        EXPECT_EQ(d.from, (c.v6 ? kClient6 : kClient));
        EXPECT_EQ(d.to, (c.v6 ? kServer6 : kServer));
        EXPECT_EQ(d.payload, register_bytes());
        EXPECT_TRUE(pcap.skipped.empty());
    }
}

TEST(CaptureReader, ReadsNanosecondTimestamps) {
    TempDir dir;
    const auto path = write_file(dir, "ns.pcap", 101, {{at(2.25), ipv4(17, udp(1, 2, register_bytes()))}}, true);

    const PcapContents pcap = read_pcap(path);

    ASSERT_EQ(pcap.datagrams.size(), 1U);
    EXPECT_EQ(pcap.datagrams[0].t_us, at(2.25));
}

TEST(CaptureReader, HandlesIpOptionsPaddingAndExtensionHeaders) {
    TempDir dir;
    Bytes padded = ethernet(0x0800, ipv4(17, udp(56830, 5683, {0x40, 0x01, 0, 1}), 2));
    padded.insert(padded.end(), 20, 0xEE);  // Ethernet trailer padding after the IP packet
    const auto path = write_file(
        dir, "ext.pcap", 1,
        {{at(1), padded}, {at(2), ethernet(0x86DD, ipv6(17, udp(56830, 5683, {0x40, 0x01, 0, 2}), {0, 60}))}});

    const PcapContents pcap = read_pcap(path);

    ASSERT_EQ(pcap.datagrams.size(), 2U);
    EXPECT_EQ(pcap.datagrams[0].payload, (Bytes{0x40, 0x01, 0, 1}));
    EXPECT_EQ(pcap.datagrams[1].payload, (Bytes{0x40, 0x01, 0, 2}));
    EXPECT_EQ(pcap.datagrams[1].from, kClient6);
}

TEST(CaptureReader, SkipsWhatIsNotUdpWithAReason) {
    TempDir dir;
    const Bytes u = udp(56830, 5683, register_bytes());
    const std::vector<Record> records{
        {at(1), ethernet(0x0800, ipv4(6, Bytes(20, 0)))},                      // 1 TCP
        {at(2), ethernet(0x0806, Bytes(28, 0))},                               // 2 ARP
        {at(3), ethernet(0x0800, ipv4(17, u, 0, 0x2000))},                     // 3 IPv4 first fragment
        {at(4), ethernet(0x0800, ipv4(17, u, 0, 0x0010))},                     // 4 IPv4 later fragment
        {at(5), ethernet(0x86DD, ipv6(17, u, {44}))},                          // 5 IPv6 fragment
        {at(6), ethernet(0x0800, ipv4(1, Bytes{8, 0, 0, 0, 0, 1, 0, 1}))},     // 6 ICMP echo
        {at(7), ethernet(0x86DD, ipv6(58, Bytes{135, 0, 0, 0, 0, 0, 0, 0}))},  // 7 neighbour solicitation
        {at(8), ethernet(0x88CC, Bytes(40, 0))},                               // 8 LLDP
        {at(9), ethernet(0x0800, ipv4(17, u)), 2000},                          // 9 snapped short of its length
    };
    const auto path_records = [&] {
        auto r = records;
        r[8].frame.resize(40);
        return r;
    }();
    const auto path = write_file(dir, "skip.pcap", 1, path_records);

    const PcapContents pcap = read_pcap(path);

    ASSERT_FALSE(pcap.error);
    EXPECT_TRUE(pcap.datagrams.empty());
    ASSERT_EQ(pcap.skipped.size(), 9U);
    const std::vector<std::string> expected{"TCP",
                                            "ARP",
                                            "IPv4 fragment",
                                            "IPv4 fragment",
                                            "IPv6 fragment",
                                            "ICMP type 8 code 0",
                                            "ICMPv6 type 135",
                                            "ethertype 0x88cc",
                                            "truncated IPv4 packet"};
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(pcap.skipped[i].packet, i + 1);
        EXPECT_NE(pcap.skipped[i].reason.find(expected[i]), std::string::npos) << pcap.skipped[i].reason;
    }
    EXPECT_NE(pcap.skipped[8].reason.find("40 of 2000 bytes captured"), std::string::npos) << pcap.skipped[8].reason;
}

TEST(CaptureReader, ReportsFilesItCannotRead) {
    TempDir dir;
    const auto usb = write_file(dir, "usb.pcap", 189, {{at(1), Bytes(10, 0)}});
    std::ofstream(dir.file("text.pcap")) << "not a capture";

    const PcapContents missing = read_pcap(dir.file("missing.pcap"));
    const PcapContents garbage = read_pcap(dir.file("text.pcap"));
    const PcapContents unsupported = read_pcap(usb);
    const CaptureResult capture = read_capture(dir.file("missing.pcap"));

    ASSERT_TRUE(missing.error);
    EXPECT_NE(missing.error->find("missing.pcap"), std::string::npos);
    EXPECT_TRUE(garbage.error);
    ASSERT_TRUE(unsupported.error);
    EXPECT_NE(unsupported.error->find("link type 189"), std::string::npos) << *unsupported.error;
    EXPECT_TRUE(capture.error);
    EXPECT_TRUE(capture.exchanges.empty());
}

TEST(CaptureReader, ReadsIcmpPortUnreachableQuotingUdp) {
    TempDir dir;
    const Bytes quoted = ipv4(17, udp(56830, 5683, register_bytes()));
    Bytes icmp{3, 3, 0, 0, 0, 0, 0, 0};
    icmp.insert(icmp.end(), quoted.begin(), quoted.begin() + 28);  // IP header + 8 bytes of UDP (RFC 792)
    Bytes icmp_short{3, 3, 0, 0, 0, 0, 0, 0};
    icmp_short.insert(icmp_short.end(), quoted.begin(), quoted.begin() + 24);
    const auto path =
        write_file(dir, "icmp.pcap", 101,
                   {{at(1), ipv4(1, icmp, 0, 0, {192, 0, 2, 2}, {192, 0, 2, 10})}, {at(2), ipv4(1, icmp_short)}});

    const PcapContents pcap = read_pcap(path);

    ASSERT_EQ(pcap.unreachables.size(), 1U);
    EXPECT_EQ(pcap.unreachables[0].from, kClient);
    EXPECT_EQ(pcap.unreachables[0].to, kServer);
    EXPECT_EQ(pcap.unreachables[0].packet, 1U);
    ASSERT_EQ(pcap.skipped.size(), 1U);
    EXPECT_NE(pcap.skipped[0].reason.find("truncated UDP header"), std::string::npos) << pcap.skipped[0].reason;
}

// ---- robustness --------------------------------------------------------------------------------------------------

TEST(CaptureReader, EveryTruncationOfAValidPacketIsSkippedWithAReason) {
    TempDir dir;
    for (const LinkCase& c : link_cases()) {
        SCOPED_TRACE(c.name);
        std::vector<Record> records;
        for (std::size_t len = 0; len < c.frame.size(); ++len) {
            records.push_back(Record{at(static_cast<double>(len)),
                                     Bytes(c.frame.begin(), c.frame.begin() + static_cast<std::ptrdiff_t>(len)),
                                     c.frame.size()});
        }
        const auto path = write_file(dir, "cut.pcap", c.linktype, records);

        const PcapContents pcap = read_pcap(path);

        ASSERT_FALSE(pcap.error);
        EXPECT_EQ(pcap.packets, records.size());
        EXPECT_TRUE(pcap.datagrams.empty());
        ASSERT_EQ(pcap.skipped.size(), records.size());
        for (const SkippedPacket& s : pcap.skipped) {
            EXPECT_FALSE(s.reason.empty());
        }
    }
}

TEST(CaptureReader, RandomBytesNeverCrashTheReader) {
    TempDir dir;
    std::mt19937 rng(7);
    for (const std::uint32_t linktype : {1U, 113U, 276U, 0U, 108U, 101U, 228U, 229U}) {
        std::vector<Record> records;
        for (int i = 0; i < 300; ++i) {
            Bytes frame(rng() % 120);
            for (auto& b : frame) {
                b = static_cast<std::uint8_t>(rng());
            }
            // Half of them start like a real header so the parser gets deeper.
            if (i % 2 == 0 && frame.size() > 20) {
                frame[0] = linktype == 1 ? frame[0] : static_cast<std::uint8_t>(0x45);
                if (linktype == 1) {
                    frame[12] = 0x08;
                    frame[13] = 0x00;
                    frame[14] = 0x45;
                }
            }
            records.push_back(Record{at(i), std::move(frame)});
        }
        const auto path = write_file(dir, "random.pcap", linktype, records);

        const CaptureResult r = read_capture(path);

        ASSERT_FALSE(r.error);
        EXPECT_EQ(r.packets, records.size());
        for (const SkippedPacket& s : r.skipped) {
            EXPECT_FALSE(s.reason.empty());
        }
    }
}

TEST(CaptureMessages, RandomAndTruncatedCoapNeverCrashTheMessageLayer) {
    Traffic t;
    t.send(0, kClient, kServer, register_request(1, "x"));
    std::mt19937 rng(11);
    const Bytes valid = con(code::kPut, 9, tok(9)).path("/0/1").format(11542).block1(0, true, 0).body("abc").bytes();
    for (std::size_t len = 0; len <= valid.size(); ++len) {
        t.send_raw(1, kServer, kClient, Bytes(valid.begin(), valid.begin() + static_cast<std::ptrdiff_t>(len)));
    }
    for (int i = 0; i < 2000; ++i) {
        Bytes b(rng() % 40);
        for (auto& x : b) {
            x = static_cast<std::uint8_t>(rng());
        }
        if (!b.empty()) {
            b[0] = static_cast<std::uint8_t>(0x40U | (b[0] & 0x3FU));
        }
        t.send_raw(2 + i * 0.01, i % 2 == 0 ? kServer : kClient, i % 2 == 0 ? kClient : kServer, std::move(b));
    }

    const CaptureResult r = t.exchanges();

    EXPECT_EQ(r.endpoint_name, "x");
    std::size_t accounted = r.skipped.size();
    for (const WireExchange& e : r.exchanges) {
        accounted += e.packets.size();
    }
    EXPECT_EQ(accounted, t.datagrams.size());
}

TEST(CaptureMessages, SaysWhyADatagramIsNotCoap) {
    const std::vector<std::pair<Bytes, std::string>> cases{
        {{0x40, 0x01}, "shorter than the 4-byte header"},
        {{0x80, 0x01, 0, 1}, "version 2"},
        {{0x49, 0x01, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9}, "token length 9"},
        {{0x42, 0x01, 0, 1, 7}, "token length 2 but 1 bytes follow"},
        {{0x40, 0x01, 0, 1, 0xFF}, "payload marker without a payload"},
        {{0x40, 0x01, 0, 1, 0xF1, 0}, "option delta 15"},
        {{0x40, 0x01, 0, 1, 0xBF, 0}, "option length 15"},
        {{0x40, 0x01, 0, 1, 0xB5, 'r', 'd'}, "option 11 of length 5"},
        {{0x40, 0x01, 0, 1, 0xD0}, "option delta extension cut short"},
        {{0x40, 0x00, 0, 1, 0xB0}, "empty message"},
        {{0x40, 0x21, 0, 1}, "code 1.01 is in a reserved class"},
    };
    Traffic t;
    t.send(0, kClient, kServer, register_request(1, "x"));
    for (const auto& [bytes, reason] : cases) {
        t.send_raw(1, kClient, kServer, bytes);
    }

    const CaptureResult r = t.exchanges();

    EXPECT_EQ(r.coap_messages, 1U);
    for (std::size_t i = 0; i < cases.size(); ++i) {
        EXPECT_TRUE(has_reason(r, i + 2, "not CoAP: " + cases[i].second)) << cases[i].second;
    }
}

// ---- the message layer -------------------------------------------------------------------------------------------

TEST(CaptureMessages, FoldsRetransmissionsIntoOneExchange) {
    Traffic t;
    t.send(0, kClient, kServer, register_request(0x10, "x"))
        .send(2, kClient, kServer, register_request(0x10, "x"))
        .send(6, kClient, kServer, register_request(0x10, "x"))
        .send(6.1, kServer, kClient, created(0x10, tok(1)))
        .send(14, kClient, kServer, register_request(0x10, "x"))  // the ACK was lost: the server answers again
        .send(14.1, kServer, kClient, created(0x10, tok(1)));

    const CaptureResult r = t.exchanges();

    ASSERT_EQ(r.exchanges.size(), 1U);
    const WireExchange& e = r.exchanges[0];
    EXPECT_EQ(e.retransmissions, 3U);
    EXPECT_EQ(e.outcome, Outcome::Answered);
    EXPECT_EQ(e.t_us, at(0));
    EXPECT_EQ(e.done_us, at(6.1));
    EXPECT_EQ(e.packets, (std::vector<std::size_t>{1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(e.initiator, Initiator::Client);
    EXPECT_EQ(e.client, kClient);
    EXPECT_EQ(e.server, kServer);
    EXPECT_EQ(e.request.method, code::kPost);
    EXPECT_EQ(e.request.uri_path, (std::vector<std::string>{"rd"}));
    EXPECT_EQ(e.request.uri_query, (std::vector<std::string>{"ep=x", "lt=300", "lwm2m=1.1"}));
    EXPECT_EQ(e.request.content_format, std::optional<std::uint16_t>{40});
    EXPECT_EQ(text(e.request.payload), "</1/0>,</3/0>,</5/0>");
    ASSERT_TRUE(e.response);
    EXPECT_EQ(e.response->code, code::kCreated);
    EXPECT_EQ(e.response->location_path, (std::vector<std::string>{"rd", "5"}));
    EXPECT_TRUE(r.skipped.empty());
}

TEST(CaptureMessages, TheSameMessageIdAfterTheExchangeLifetimeIsANewRequest) {
    Traffic t;
    t.send(0, kClient, kServer, register_request(0x10, "x"))
        .send(0.1, kServer, kClient, created(0x10, tok(1)))
        .send(300, kClient, kServer, register_request(0x10, "x"))
        .send(300.1, kServer, kClient, created(0x10, tok(1)));

    const CaptureResult r = t.exchanges();

    ASSERT_EQ(r.exchanges.size(), 2U);
    EXPECT_EQ(r.exchanges[0].retransmissions, 0U);
    EXPECT_EQ(r.exchanges[1].packets, (std::vector<std::size_t>{3, 4}));
}

TEST(CaptureMessages, MatchesPiggyBackedAndSeparateResponses) {
    Traffic t;
    t.send(0, kClient, kBootstrap, con(code::kPost, 1, tok(1)).path("/bs").query("ep=x"))
        .send(0.1, kBootstrap, kClient, ack(code::kChanged, 1, tok(1)))
        .send(1, kClient, kServer, register_request(2, "x"))
        .send(1.1, kServer, kClient, empty_ack(2))
        .send(1.5, kServer, kClient, con(code::kCreated, 0x700, tok(1)).location("rd").location("5"))
        .send(1.6, kClient, kServer, con(code::kCreated, 0x700, tok(1)).location("rd").location("5"))
        .send(1.6, kClient, kServer, empty_ack(0x700));
    t.datagrams[5].from = kServer;  // a retransmission of the separate response
    t.datagrams[5].to = kClient;

    const CaptureResult r = t.exchanges();

    ASSERT_EQ(r.exchanges.size(), 2U);
    EXPECT_EQ(r.exchanges[0].outcome, Outcome::Answered);
    EXPECT_EQ(r.exchanges[0].response->code, code::kChanged);
    EXPECT_EQ(r.exchanges[0].packets, (std::vector<std::size_t>{1, 2}));
    const WireExchange& reg = r.exchanges[1];
    EXPECT_EQ(reg.outcome, Outcome::Answered);
    ASSERT_TRUE(reg.response);
    EXPECT_EQ(reg.response->code, code::kCreated);
    EXPECT_EQ(reg.response->location_path, (std::vector<std::string>{"rd", "5"}));
    EXPECT_EQ(reg.done_us, at(1.5));
    EXPECT_EQ(reg.packets, (std::vector<std::size_t>{3, 4, 5, 6, 7}));
    EXPECT_EQ(reg.retransmissions, 0U);
    EXPECT_TRUE(r.skipped.empty());
}

TEST(CaptureMessages, AServerRequestAnsweredWithResetOrNothing) {
    Traffic t;
    t.send(0, kClient, kServer, register_request(1, "x"))
        .send(0.1, kServer, kClient, created(1, tok(1)))
        .send(5, kServer, kClient, con(code::kPost, 0x200, tok(2)).path("/3/0/4"))  // Reboot
        .send(5.1, kClient, kServer, rst(0x200))
        .send(10, kServer, kClient, non(code::kPost, 0x201, tok(3)).path("/1/0/8"))  // Registration Update Trigger
        .send(20, kClient, kServer, con(code::kPost, 3, tok(4)).path("/rd/5"))
        .send(20, kClient, kServer, rst(0x999))
        .send(20, kClient, kServer, con(code::kEmpty, 4, {}))
        .send(20.1, kServer, kClient, rst(4));

    const CaptureResult r = t.exchanges();

    ASSERT_EQ(r.exchanges.size(), 4U);
    const WireExchange& reboot = r.exchanges[1];
    EXPECT_EQ(reboot.initiator, Initiator::Server);
    EXPECT_EQ(reboot.client, kClient);
    EXPECT_EQ(reboot.server, kServer);
    EXPECT_EQ(reboot.outcome, Outcome::Reset);
    EXPECT_FALSE(reboot.response);
    EXPECT_EQ(reboot.done_us, at(5.1));
    EXPECT_EQ(reboot.packets, (std::vector<std::size_t>{3, 4}));
    const WireExchange& trigger = r.exchanges[2];
    EXPECT_EQ(trigger.outcome, Outcome::Timeout);
    EXPECT_EQ(trigger.request.uri_path, (std::vector<std::string>{"1", "0", "8"}));
    EXPECT_EQ(trigger.done_us, at(20.1));  // the capture ended first
    const WireExchange& update = r.exchanges[3];
    EXPECT_EQ(update.outcome, Outcome::Timeout);
    EXPECT_EQ(update.done_us, at(20.1));
    EXPECT_TRUE(has_note(r, "the capture ended"));
    EXPECT_TRUE(has_reason(r, 7, "RST matching no message"));
    EXPECT_TRUE(has_reason(r, 8, "CoAP ping"));
    EXPECT_TRUE(has_reason(r, 9, "RST answering the CoAP ping of packet 8"));
}

TEST(CaptureMessages, ATimeoutIsDeclaredAtTheExchangeLifetime) {
    Traffic t;
    t.send(0, kClient, kServer, register_request(1, "x"))
        .send(300, kClient, kServer, register_request(2, "x"))
        .send(300.2, kServer, kClient, created(2, tok(1)))
        .send(301, kServer, kClient, created(1, tok(1)));  // far too late for the first one
    CaptureOptions shortened;
    shortened.exchange_lifetime_us = 10'000'000;

    const CaptureResult r = t.exchanges();
    const CaptureResult fast = t.exchanges(shortened);

    ASSERT_EQ(r.exchanges.size(), 2U);
    EXPECT_EQ(r.exchanges[0].outcome, Outcome::Timeout);
    EXPECT_EQ(r.exchanges[0].done_us, at(247));
    EXPECT_FALSE(r.exchanges[0].response);
    EXPECT_EQ(r.exchanges[1].outcome, Outcome::Answered);
    EXPECT_TRUE(has_reason(r, 4, "after the exchange lifetime"));
    EXPECT_FALSE(has_note(r, "the capture ended"));
    ASSERT_EQ(fast.exchanges.size(), 2U);
    EXPECT_EQ(fast.exchanges[0].done_us, at(10));
}

TEST(CaptureMessages, IcmpPortUnreachableEndsTheExchange) {
    Traffic t;
    t.send(0, kClient, kServer, register_request(1, "x"))
        .send(0.1, kServer, kClient, created(1, tok(1)))
        .send(30, kClient, kServer, con(code::kPost, 2, tok(2)).path("/rd/5"))
        .unreachable(30.001, kClient, kServer)
        .send(32, kClient, kServer, con(code::kPost, 2, tok(2)).path("/rd/5"))
        .unreachable(32.001, kClient, kServer)
        .unreachable(40, kServer, kBootstrap);

    const CaptureResult r = t.exchanges();

    ASSERT_EQ(r.exchanges.size(), 2U);
    const WireExchange& update = r.exchanges[1];
    EXPECT_EQ(update.outcome, Outcome::Unreachable);
    EXPECT_EQ(update.done_us, at(32.001));  // the retransmission reopened it; the second ICMP error ends it
    EXPECT_EQ(update.retransmissions, 1U);
    EXPECT_EQ(update.packets, (std::vector<std::size_t>{3, 4, 5, 6}));
    EXPECT_TRUE(has_note(r, "after ICMP port unreachable: the exchange is open again"));
    EXPECT_TRUE(has_reason(r, 7, "not the client under test"));
}

TEST(CaptureMessages, AServerThatStartsLateAnswersTheRetransmissionAfterIcmp) {
    // A client that keeps retransmitting after ICMP port unreachable (RFC 7252 4.2; libcoap does): the server
    // comes up and answers the retransmission, and the exchange is answered, not unreachable.
    Traffic t;
    t.send(0, kClient, kServer, register_request(1, "x"))
        .unreachable(0.001, kClient, kServer)
        .send(2, kClient, kServer, register_request(1, "x"))
        .unreachable(2.001, kClient, kServer)
        .send(6, kClient, kServer, register_request(1, "x"))
        .send(6.1, kServer, kClient, created(1, tok(1)));

    const CaptureResult r = t.exchanges();

    ASSERT_EQ(r.exchanges.size(), 1U);
    const WireExchange& reg = r.exchanges[0];
    EXPECT_EQ(reg.outcome, Outcome::Answered);
    ASSERT_TRUE(reg.response);
    EXPECT_EQ(reg.response->code, code::kCreated);
    EXPECT_EQ(reg.retransmissions, 2U);
    EXPECT_EQ(reg.done_us, at(6.1));
}

TEST(CaptureMessages, ReassemblesBlock1Requests) {
    const std::string links = "</1/0>,</1/1>,</3/0>,</5/0>,</6/0>";  // 36 bytes: 16 + 16 + 4
    const auto block = [&](std::uint16_t mid, std::uint8_t token, std::uint32_t num) {
        const bool more = (num + 1) * 16 < links.size();
        return con(code::kPost, mid, tok(token))
            .path("/rd")
            .query("ep=x")
            .query("lt=300")
            .format(40)
            .block1(num, more, 0)
            .body(links.substr(num * 16, 16));
    };
    Traffic t;
    t.send(0, kClient, kServer, block(1, 1, 0))
        .send(0.1, kServer, kClient, ack(kContinue, 1, tok(1)).block1(0, true, 0))
        .send(0.2, kClient, kServer, block(2, 2, 1))
        .send(2.2, kClient, kServer, block(2, 2, 1))
        .send(2.3, kServer, kClient, ack(kContinue, 2, tok(2)).block1(1, true, 0))
        .send(2.4, kClient, kServer, block(3, 3, 2))
        .send(2.5, kServer, kClient, created(3, tok(3)).block1(2, false, 0));

    const CaptureResult r = t.exchanges();

    ASSERT_EQ(r.exchanges.size(), 1U);
    const WireExchange& e = r.exchanges[0];
    EXPECT_EQ(text(e.request.payload), links);
    EXPECT_EQ(e.outcome, Outcome::Answered);
    ASSERT_TRUE(e.response);
    EXPECT_EQ(e.response->code, code::kCreated);
    EXPECT_EQ(e.response->location_path, (std::vector<std::string>{"rd", "5"}));
    EXPECT_EQ(e.retransmissions, 1U);
    EXPECT_EQ(e.t_us, at(0));
    EXPECT_EQ(e.done_us, at(2.5));
    EXPECT_EQ(e.packets.size(), 7U);
    EXPECT_TRUE(r.notes.empty());
}

TEST(CaptureMessages, ABlock1TransferCutShortKeepsWhatItHas) {
    Traffic t;
    t.send(0, kClient, kServer, register_request(1, "x"))
        .send(0.1, kServer, kClient, created(1, tok(1)))
        .send(1, kServer, kClient,
              con(code::kPut, 7, tok(7)).path("/0/1").format(11542).block1(0, true, 0).body(std::string(16, 'a')))
        .send(1.1, kClient, kServer, ack(kContinue, 7, tok(7)).block1(0, true, 0))
        .send(2, kServer, kClient, con(code::kPut, 9, tok(9)).path("/0/2").block1(3, false, 0).body("zz"));

    const CaptureResult r = t.exchanges();

    ASSERT_EQ(r.exchanges.size(), 3U);
    EXPECT_EQ(r.exchanges[1].outcome, Outcome::Answered);
    EXPECT_EQ(r.exchanges[1].response->code, kContinue);
    EXPECT_TRUE(has_note(r, "ended before its last block"));
    EXPECT_TRUE(has_note(r, "without the blocks before it"));
    EXPECT_EQ(r.exchanges[2].outcome, Outcome::Timeout);
}

TEST(CaptureMessages, ReassemblesBlock2Responses) {
    const std::string object = "0123456789abcdef0123456789ABCDEF012";  // 35 bytes: 3 blocks of 16
    const auto content = [&](std::uint16_t mid, std::uint8_t token, std::uint32_t num) {
        return ack(code::kContent, mid, tok(token))
            .format(11542)
            .block2(num, (num + 1) * 16 < object.size(), 0)
            .body(object.substr(num * 16, 16));
    };
    Traffic t;
    t.send(0, kClient, kServer, register_request(1, "x"))
        .send(0.1, kServer, kClient, created(1, tok(1)))
        .send(1, kServer, kClient, con(code::kGet, 0x50, tok(5)).path("/3/0"))
        .send(1.1, kClient, kServer, content(0x50, 5, 0))
        .send(1.2, kServer, kClient, con(code::kGet, 0x51, tok(6)).path("/3/0").block2(1, false, 0))
        .send(1.3, kClient, kServer, content(0x51, 6, 1))
        .send(1.4, kServer, kClient, con(code::kGet, 0x52, tok(7)).path("/3/0").block2(2, false, 0))
        .send(1.5, kClient, kServer, content(0x52, 7, 2));

    const CaptureResult r = t.exchanges();

    ASSERT_EQ(r.exchanges.size(), 2U);
    const WireExchange& read = r.exchanges[1];
    EXPECT_EQ(read.initiator, Initiator::Server);
    EXPECT_EQ(read.outcome, Outcome::Answered);
    ASSERT_TRUE(read.response);
    EXPECT_EQ(text(read.response->payload), object);
    EXPECT_EQ(read.response->content_format, std::optional<std::uint16_t>{11542});
    EXPECT_EQ(read.done_us, at(1.5));
    EXPECT_EQ(read.packets, (std::vector<std::size_t>{3, 4, 5, 6, 7, 8}));
    EXPECT_TRUE(r.notes.empty());
}

TEST(CaptureMessages, ABlock2TransferStoppedKeepsTheBlocksBeforeIt) {
    Traffic t;
    t.send(0, kClient, kServer, register_request(1, "x"))
        .send(0.1, kServer, kClient, created(1, tok(1)))
        .send(1, kServer, kClient, con(code::kGet, 0x50, tok(5)).path("/3/0"))
        .send(1.1, kClient, kServer, ack(code::kContent, 0x50, tok(5)).block2(0, true, 0).body(std::string(16, 'a')))
        .send(1.2, kServer, kClient, con(code::kGet, 0x51, tok(6)).path("/3/0").block2(1, false, 0))
        .send(1.3, kClient, kServer, ack(code::kInternalServerError, 0x51, tok(6)));

    const CaptureResult r = t.exchanges();

    ASSERT_EQ(r.exchanges.size(), 2U);
    EXPECT_EQ(r.exchanges[1].response->payload.size(), 16U);
    EXPECT_EQ(r.exchanges[1].done_us, at(1.1));
    EXPECT_TRUE(has_note(r, "stopped with 5.00"));
}

TEST(CaptureMessages, AClientBackFromARebootOnANewPortIsStillTheClient) {
    const client::Endpoint rebooted{kClient.host, 40001};
    Traffic t;
    t.send(0, kClient, kServer, register_request(1, "x"))
        .send(0.1, kServer, kClient, created(1, tok(1)))
        .send(50, rebooted, kServer, register_request(1, "x"))
        .send(50.1, kServer, rebooted, created(1, tok(1)))
        .send(60, kServer, rebooted, con(code::kPost, 3, tok(3)).path("/1/0/8"))
        .send(60.1, rebooted, kServer, ack(code::kChanged, 3, tok(3)));

    const CaptureResult r = t.exchanges();

    EXPECT_EQ(r.client_addresses, (std::vector<client::Endpoint>{kClient, rebooted}));
    ASSERT_EQ(r.exchanges.size(), 3U);
    EXPECT_EQ(r.exchanges[1].client, rebooted);
    EXPECT_EQ(r.exchanges[1].retransmissions, 0U);  // same message id, but from another endpoint
    EXPECT_EQ(r.exchanges[2].client, rebooted);
    EXPECT_EQ(r.exchanges[2].initiator, Initiator::Server);
    EXPECT_EQ(r.exchanges[2].outcome, Outcome::Answered);
}

TEST(CaptureMessages, ChoosesOneOfTwoEndpointNames) {
    const client::Endpoint other{"192.0.2.20", 56830};
    Traffic t;
    t.send(0, kClient, kServer, register_request(1, "x"))
        .send(0.1, kServer, kClient, created(1, tok(1)))
        .send(1, other, kServer, register_request(1, "y"))
        .send(1.1, kServer, other, created(1, tok(1)));
    CaptureOptions y;
    y.endpoint_name = "y";
    CaptureOptions absent;
    absent.endpoint_name = "z";

    const CaptureResult first = t.exchanges();
    const CaptureResult chosen = t.exchanges(y);
    const CaptureResult none = t.exchanges(absent);

    EXPECT_EQ(first.endpoint_name, "x");
    EXPECT_EQ(first.client_addresses, (std::vector<client::Endpoint>{kClient}));
    ASSERT_EQ(first.exchanges.size(), 1U);
    EXPECT_TRUE(has_note(first, "endpoint 'y'"));
    EXPECT_TRUE(has_reason(first, 3, "not the client under test"));
    EXPECT_TRUE(has_reason(first, 4, "not the client under test"));
    EXPECT_EQ(chosen.endpoint_name, "y");
    ASSERT_EQ(chosen.exchanges.size(), 1U);
    EXPECT_EQ(chosen.exchanges[0].client, other);
    EXPECT_TRUE(has_note(chosen, "endpoint 'x'"));
    EXPECT_FALSE(none.endpoint_name);
    EXPECT_TRUE(none.exchanges.empty());
    EXPECT_TRUE(has_note(none, "'z'"));
    EXPECT_EQ(none.skipped.size(), 4U);
}

TEST(CaptureMessages, EmptyAcksAndResponsesMatchingNothingAreSkipped) {
    Traffic t;
    t.send(0, kClient, kServer, register_request(1, "x"))
        .send(0.1, kServer, kClient, created(1, tok(1)))
        .send(1, kServer, kClient, empty_ack(77))
        .send(2, kServer, kClient, ack(code::kChanged, 78, tok(9)))
        .send(3, kServer, kClient, con(code::kContent, 79, tok(9)))
        .send(4, kClient, kServer, non(code::kEmpty, 80, {}));

    const CaptureResult r = t.exchanges();

    EXPECT_EQ(r.exchanges.size(), 1U);
    EXPECT_TRUE(has_reason(r, 3, "empty ACK matching no message"));
    EXPECT_TRUE(has_reason(r, 4, "piggy-backed response 2.04 matching no request"));
    EXPECT_TRUE(has_reason(r, 5, "separate response 2.05 matching no open request"));
    EXPECT_TRUE(has_reason(r, 6, "empty NON"));
}

TEST(CaptureMessages, OutcomeNames) {
    EXPECT_EQ(outcome_name(Outcome::Answered), "answered");
    EXPECT_EQ(outcome_name(Outcome::Timeout), "timeout");
    EXPECT_EQ(outcome_name(Outcome::Reset), "reset");
    EXPECT_EQ(outcome_name(Outcome::Unreachable), "unreachable");
}

// ---- write_pcap -> read_capture ----------------------------------------------------------------------------------

/// Bootstrap, Register, Update, a Registration Update Trigger and De-register, as a client and its servers
/// exchange them.
Traffic lwm2m_session(const client::Endpoint& c, const client::Endpoint& bs, const client::Endpoint& s) {
    const Bytes tlv{0xC8, 0x00, 0x14, 'c', 'o', 'a', 'p', ':', '/', '/', '1',  '2',  '7', '.',
                    '0',  '.',  '0',  '.', '1', ':', '5', '6', '8', '3', 0xC1, 0x01, 0x00};
    Traffic t;
    t.send(0, c, bs, con(code::kPost, 1, tok(1)).path("/bs").query("ep=x"))
        .send(0.01, bs, c, ack(code::kChanged, 1, tok(1)))
        .send(0.02, bs, c, con(code::kPut, 100, tok(2)).path("/0/1").format(11542).body(tlv))
        .send(0.03, c, bs, ack(code::kChanged, 100, tok(2)))
        .send(0.04, bs, c, con(code::kPost, 101, tok(3)).path("/bs"))
        .send(0.05, c, bs, ack(code::kChanged, 101, tok(3)))
        .send(1, c, s, register_request(2, "x"))
        .send(1.01, s, c, created(2, tok(1)))
        .send(2, s, c, con(code::kPost, 200, tok(4)).path("/1/0/8"))
        .send(2.01, c, s, ack(code::kChanged, 200, tok(4)))
        .send(2.02, c, s, con(code::kPost, 3, tok(5)).path("/rd/5"))
        .send(2.03, s, c, ack(code::kChanged, 3, tok(5)))
        .send(3, c, s, con(code::kDelete, 4, tok(6)).path("/rd/5"))
        .send(3.01, s, c, ack(code::kDeleted, 4, tok(6)))
        .send(4, c, s, con(code::kPost, 5, tok(7)).path("/rd").query("ep=x"))
        .unreachable(4.001, c, s);
    return t;
}

void expect_same(const CaptureResult& a, const CaptureResult& b) {
    ASSERT_EQ(a.exchanges.size(), b.exchanges.size());
    for (std::size_t i = 0; i < a.exchanges.size(); ++i) {
        SCOPED_TRACE(i);
        const WireExchange& x = a.exchanges[i];
        const WireExchange& y = b.exchanges[i];
        EXPECT_EQ(x.t_us, y.t_us);
        EXPECT_EQ(x.done_us, y.done_us);
        EXPECT_EQ(x.initiator, y.initiator);
        EXPECT_EQ(x.client, y.client);
        EXPECT_EQ(x.server, y.server);
        EXPECT_EQ(x.request.method, y.request.method);
        EXPECT_EQ(x.request.uri_path, y.request.uri_path);
        EXPECT_EQ(x.request.uri_query, y.request.uri_query);
        EXPECT_EQ(x.request.payload, y.request.payload);
        EXPECT_EQ(x.outcome, y.outcome);
        EXPECT_EQ(x.response.has_value(), y.response.has_value());
        if (x.response && y.response) {
            EXPECT_EQ(x.response->code, y.response->code);
            EXPECT_EQ(x.response->location_path, y.response->location_path);
        }
        EXPECT_EQ(x.packets, y.packets);
    }
    EXPECT_EQ(a.client_addresses, b.client_addresses);
    EXPECT_EQ(a.endpoint_name, b.endpoint_name);
}

TEST(CaptureWriter, RoundTripsThroughReadCapture) {
    TempDir dir;
    const client::Endpoint bs6{"2001:db8::1", 5784};
    struct Case {
        std::string name;
        Traffic traffic;
        PcapLink link;
    };
    const std::vector<Case> cases{
        {"ipv4 ethernet", lwm2m_session(kClient, kBootstrap, kServer), PcapLink::Ethernet},
        {"ipv4 raw", lwm2m_session(kClient, kBootstrap, kServer), PcapLink::Raw},
        {"ipv6 ethernet", lwm2m_session(kClient6, bs6, kServer6), PcapLink::Ethernet},
        {"ipv6 raw", lwm2m_session(kClient6, bs6, kServer6), PcapLink::Raw},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        const auto path = dir.file("session.pcap");
        const CaptureResult direct = c.traffic.exchanges();

        const auto error = write_pcap(path, c.traffic.datagrams, c.traffic.unreachables, c.link);
        const CaptureResult read = read_capture(path);

        ASSERT_FALSE(error) << *error;
        ASSERT_FALSE(read.error) << *read.error;
        EXPECT_EQ(read.packets, 16U);
        EXPECT_EQ(read.coap_messages, 15U);
        EXPECT_TRUE(read.skipped.empty());
        ASSERT_EQ(read.exchanges.size(), 8U);
        expect_same(direct, read);
        EXPECT_EQ(read.exchanges[1].initiator, Initiator::Server);
        EXPECT_EQ(read.exchanges[1].request.content_format, std::optional<std::uint16_t>{11542});
        EXPECT_EQ(read.exchanges[7].outcome, Outcome::Unreachable);
    }
}

TEST(CaptureWriter, RefusesAddressesItCannotWrite) {
    TempDir dir;
    const std::vector<Datagram> by_name{Datagram{1, at(0), {"localhost", 1}, kServer, {}}};
    const std::vector<Datagram> mixed{Datagram{1, at(0), kClient, kServer6, {}}};
    const std::vector<Datagram> fine{Datagram{1, at(0), kClient, kServer, {1, 2, 3}}};

    const auto e1 = write_pcap(dir.file("a.pcap"), by_name);
    const auto e2 = write_pcap(dir.file("b.pcap"), mixed);
    const auto e3 = write_pcap(dir.file("no/such/dir/c.pcap"), fine);

    ASSERT_TRUE(e1);
    EXPECT_NE(e1->find("'localhost'"), std::string::npos) << *e1;
    ASSERT_TRUE(e2);
    EXPECT_NE(e2->find("mixed IPv4 and IPv6"), std::string::npos) << *e2;
    EXPECT_TRUE(e3);
}

}  // namespace
}  // namespace lwm2mc::conformance
