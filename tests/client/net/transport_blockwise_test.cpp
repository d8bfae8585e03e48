// SPDX-License-Identifier: Apache-2.0
// RFC 7959 block-wise transfer through CoapTransport with the peer's choice of block size: raw Block1 requests
// (with and without Size1, SZX 0..6, out of order, too big), raw Block2 requests (early negotiation), and two
// CoapTransports where the sender picks small blocks (CoapTransportOptions::block_size).

#include "lwm2mc/client/blockwise.hpp"
#include "lwm2mc/client/transport_coap.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "udp_socket.hpp"

namespace lwm2mc::client {
namespace {

using namespace std::chrono_literals;
using test_net::UdpSocket;
using Steady = std::chrono::steady_clock;

constexpr std::uint16_t kOptUriPath = 11;
constexpr std::uint16_t kOptContentFormat = 12;
constexpr std::uint16_t kOptBlock2 = 23;
constexpr std::uint16_t kOptBlock1 = 27;
constexpr std::uint16_t kOptSize1 = 60;

CoapTransportOptions fast_options() {
    CoapTransportOptions o;
    o.bind_host = "127.0.0.1";
    o.ack_timeout = 1000ms;
    o.ack_random_factor = 1.0;
    o.max_retransmit = 1;
    o.exchange_timeout = 4000ms;
    return o;
}

using Options = std::vector<std::pair<std::uint16_t, std::vector<std::uint8_t>>>;

/// A Confirmable request datagram with `options` given in ascending order (test support, RFC 7252 3).
std::vector<std::uint8_t> datagram(Code method, std::uint16_t mid, const Options& options,
                                   const std::vector<std::uint8_t>& payload) {
    std::vector<std::uint8_t> out{
        0x42, method, static_cast<std::uint8_t>(mid >> 8U), static_cast<std::uint8_t>(mid & 0xFFU),
        0xB1, 0x0C};  // token B1 0C
    std::uint16_t last = 0;
    for (const auto& [number, value] : options) {
        const auto delta = static_cast<unsigned>(number - last);
        const auto put = [&](unsigned v, unsigned& nibble, std::vector<std::uint8_t>& ext) {
            if (v < 13) {
                nibble = v;
            } else if (v < 269) {
                nibble = 13;
                ext.push_back(static_cast<std::uint8_t>(v - 13));
            } else {
                nibble = 14;
                ext.push_back(static_cast<std::uint8_t>((v - 269) >> 8U));
                ext.push_back(static_cast<std::uint8_t>((v - 269) & 0xFFU));
            }
        };
        unsigned d = 0;
        unsigned l = 0;
        std::vector<std::uint8_t> ext_d;
        std::vector<std::uint8_t> ext_l;
        put(delta, d, ext_d);
        put(static_cast<unsigned>(value.size()), l, ext_l);
        out.push_back(static_cast<std::uint8_t>((d << 4U) | l));
        out.insert(out.end(), ext_d.begin(), ext_d.end());
        out.insert(out.end(), ext_l.begin(), ext_l.end());
        out.insert(out.end(), value.begin(), value.end());
        last = number;
    }
    if (!payload.empty()) {
        out.push_back(0xFF);
        out.insert(out.end(), payload.begin(), payload.end());
    }
    return out;
}

std::vector<std::uint8_t> uint_bytes(std::size_t v) {
    std::vector<std::uint8_t> out;
    for (int shift = 24; shift >= 0; shift -= 8) {
        const auto b = static_cast<std::uint8_t>(v >> static_cast<unsigned>(shift));
        if (!out.empty() || b != 0) {
            out.push_back(b);
        }
    }
    return out;
}

std::vector<std::uint8_t> str(const std::string& s) {
    return {s.begin(), s.end()};
}

/// A reply datagram taken apart (test support).
struct Reply {
    unsigned type{0};
    Code code{0};
    std::uint16_t mid{0};
    std::multimap<std::uint16_t, std::vector<std::uint8_t>> options{};
    std::vector<std::uint8_t> payload{};
    std::optional<BlockValue> block(std::uint16_t number) const {
        auto it = options.find(number);
        return it == options.end() ? std::nullopt : decode_block_value(it->second);
    }
};

std::optional<Reply> parse_reply(const std::vector<std::uint8_t>& d) {
    if (d.size() < 4) {
        return std::nullopt;
    }
    Reply r;
    r.type = (d[0] >> 4U) & 3U;
    r.code = d[1];
    r.mid = static_cast<std::uint16_t>((d[2] << 8U) | d[3]);
    std::size_t i = 4 + (d[0] & 0x0FU);
    unsigned number = 0;
    while (i < d.size() && d[i] != 0xFF) {
        unsigned delta = d[i] >> 4U;
        unsigned len = d[i] & 0x0FU;
        ++i;
        const auto ext = [&](unsigned& v) {
            if (v == 13) {
                v = 13U + d.at(i++);
            } else if (v == 14) {
                v = 269U + (static_cast<unsigned>(d.at(i)) << 8U) + d.at(i + 1);
                i += 2;
            }
        };
        ext(delta);
        ext(len);
        number += delta;
        r.options.emplace(
            static_cast<std::uint16_t>(number),
            std::vector<std::uint8_t>(d.begin() + static_cast<long>(i), d.begin() + static_cast<long>(i + len)));
        i += len;
    }
    if (i < d.size()) {
        r.payload.assign(d.begin() + static_cast<long>(i + 1), d.end());
    }
    return r;
}

/// Sends `bytes` to the transport and polls it until the reply with message id `mid` arrives.
std::optional<Reply> exchange(CoapTransport& t, UdpSocket& raw, const std::vector<std::uint8_t>& bytes,
                              std::uint16_t mid) {
    raw.send_to(t.local_port(), bytes);
    const auto deadline = Steady::now() + 1000ms;
    while (Steady::now() < deadline) {
        t.poll(2ms);
        while (auto d = raw.receive(0ms)) {
            auto r = parse_reply(d->bytes);
            if (r && r->mid == mid) {
                return r;
            }
        }
    }
    return std::nullopt;
}

std::vector<std::uint8_t> pattern(std::size_t n) {
    std::vector<std::uint8_t> v(n);
    for (std::size_t i = 0; i < n; ++i) {
        v[i] = static_cast<std::uint8_t>(i * 31 + 7);
    }
    return v;
}

/// A transport whose handler records every request and answers 2.04.
struct Server {
    CoapTransport transport{fast_options()};
    std::vector<Request> seen{};
    Server() {
        transport.set_request_handler([this](const Endpoint&, const Request& r) {
            seen.push_back(r);
            return Response{code::kChanged, {}, std::nullopt, {}};
        });
    }
};

/// Writes `body` to /0/1 in Block1 blocks of 2^(szx+4) bytes from `raw`; returns every reply in order.
std::vector<Reply> write_blockwise(Server& s, UdpSocket& raw, const std::vector<std::uint8_t>& body, std::uint8_t szx,
                                   bool with_size1, std::uint16_t first_mid) {
    const std::size_t size = std::size_t{16} << szx;
    std::vector<Reply> replies;
    for (std::uint32_t num = 0; num * size < body.size(); ++num) {
        const std::size_t begin = num * size;
        const std::size_t end = std::min(body.size(), begin + size);
        const bool more = end < body.size();
        Options o{{kOptUriPath, str("0")},
                  {kOptUriPath, str("1")},
                  {kOptContentFormat, uint_bytes(11542)},
                  {kOptBlock1, encode_block_value(BlockValue{num, more, szx})}};
        if (with_size1 && num == 0) {
            o.emplace_back(kOptSize1, uint_bytes(body.size()));
        }
        const auto mid = static_cast<std::uint16_t>(first_mid + num);
        const std::vector<std::uint8_t> chunk(body.begin() + static_cast<long>(begin),
                                              body.begin() + static_cast<long>(end));
        auto r = exchange(s.transport, raw, datagram(code::kPut, mid, o, chunk), mid);
        if (!r) {
            ADD_FAILURE() << "no reply to block " << num << " (SZX " << unsigned{szx} << ")";
            break;
        }
        replies.push_back(*r);
    }
    return replies;
}

TEST(CoapTransportBlockwise, ReassemblesBlock1RequestsOfEveryBlockSizeWithAndWithoutSize1) {
    for (std::uint8_t szx = 0; szx <= 6; ++szx) {
        for (const bool with_size1 : {false, true}) {
            SCOPED_TRACE("SZX " + std::to_string(szx) + (with_size1 ? " with Size1" : " without Size1"));
            Server s;
            UdpSocket raw;
            const std::size_t size = std::size_t{16} << szx;
            const auto body = pattern(3 * size - 5);  // two full blocks and a short last one

            // Twice to the same path: libcoap 4.3.1 kept state of the first transfer that broke the second.
            for (int round = 0; round < 2; ++round) {
                const auto replies =
                    write_blockwise(s, raw, body, szx, with_size1, static_cast<std::uint16_t>(0x100 + 16 * round));

                ASSERT_EQ(replies.size(), 3U);
                for (std::uint32_t num = 0; num < 2; ++num) {
                    EXPECT_EQ(code_to_string(replies[num].code), "2.31");
                    EXPECT_EQ(replies[num].block(kOptBlock1), (BlockValue{num, true, szx}));
                    EXPECT_EQ(replies[num].options.count(kOptBlock1), 1U);
                }
                EXPECT_EQ(code_to_string(replies[2].code), "2.04");
                EXPECT_EQ(replies[2].block(kOptBlock1), (BlockValue{2, false, szx}));
                ASSERT_EQ(s.seen.size(), static_cast<std::size_t>(round + 1));  // the handler ran once per body
                EXPECT_EQ(s.seen.back().payload, body);
                EXPECT_EQ(s.seen.back().uri_path, (std::vector<std::string>{"0", "1"}));
                EXPECT_EQ(s.seen.back().content_format, 11542);
            }
        }
    }
}

TEST(CoapTransportBlockwise, AnswersBlocksOutOfOrderWithRequestEntityIncomplete) {
    Server s;
    UdpSocket raw;
    const Options head{{kOptUriPath, str("0")}, {kOptUriPath, str("1")}};
    auto with_block = [&](BlockValue b) {
        Options o = head;
        o.emplace_back(kOptBlock1, encode_block_value(b));
        return o;
    };

    const auto orphan = exchange(s.transport, raw, datagram(code::kPut, 1, with_block({1, true, 0}), pattern(16)), 1);
    const auto first = exchange(s.transport, raw, datagram(code::kPut, 2, with_block({0, true, 0}), pattern(16)), 2);
    const auto gap = exchange(s.transport, raw, datagram(code::kPut, 3, with_block({2, false, 0}), pattern(4)), 3);
    const auto after_gap =
        exchange(s.transport, raw, datagram(code::kPut, 4, with_block({1, false, 0}), pattern(4)), 4);

    ASSERT_TRUE(orphan && first && gap && after_gap);
    EXPECT_EQ(code_to_string(orphan->code), "4.08");  // no block 0 before
    EXPECT_EQ(code_to_string(first->code), "2.31");
    EXPECT_EQ(code_to_string(gap->code), "4.08");        // block 1 missing
    EXPECT_EQ(code_to_string(after_gap->code), "4.08");  // the transfer was abandoned at the gap
    EXPECT_TRUE(s.seen.empty());
}

TEST(CoapTransportBlockwise, AnswersARetransmittedLastBlockAgain) {
    // The 2.04 to the last block is lost; the sender retransmits that block (same message id, RFC 7252 4.2).
    Server s;
    UdpSocket raw;
    const Options first{
        {kOptUriPath, str("1")}, {kOptUriPath, str("1")}, {kOptBlock1, encode_block_value({0, true, 0})}};
    const Options last{
        {kOptUriPath, str("1")}, {kOptUriPath, str("1")}, {kOptBlock1, encode_block_value({1, false, 0})}};
    exchange(s.transport, raw, datagram(code::kPut, 1, first, pattern(16)), 1);
    const auto answer = exchange(s.transport, raw, datagram(code::kPut, 2, last, pattern(3)), 2);

    const auto again = exchange(s.transport, raw, datagram(code::kPut, 2, last, pattern(3)), 2);

    ASSERT_TRUE(answer && again);
    EXPECT_EQ(code_to_string(answer->code), "2.04");
    EXPECT_EQ(code_to_string(again->code), "2.04");
    EXPECT_EQ(again->block(kOptBlock1), (BlockValue{1, false, 0}));
    ASSERT_FALSE(s.seen.empty());
    EXPECT_EQ(s.seen.back().payload.size(), 19U);
    EXPECT_EQ(s.seen.size(), 2U);  // libcoap 4.3.1 keeps no response cache: a duplicate is served again
}

TEST(CoapTransportBlockwise, AnswersOversizedBodiesWithRequestEntityTooLargeAndSize1) {
    CoapTransportOptions o = fast_options();
    o.max_request_body = 40;
    CoapTransport t(o);
    int calls = 0;
    t.set_request_handler([&](const Endpoint&, const Request&) {
        ++calls;
        return Response{code::kChanged, {}, std::nullopt, {}};
    });
    UdpSocket raw;
    auto block = [](std::uint32_t num, bool more, std::optional<std::size_t> size1 = std::nullopt) {
        Options opts{
            {kOptUriPath, str("1")}, {kOptUriPath, str("1")}, {kOptBlock1, encode_block_value({num, more, 0})}};
        if (size1) {
            opts.emplace_back(kOptSize1, uint_bytes(*size1));
        }
        return opts;
    };

    const auto announced = exchange(t, raw, datagram(code::kPut, 1, block(0, true, 100), pattern(16)), 1);
    const auto b0 = exchange(t, raw, datagram(code::kPut, 2, block(0, true), pattern(16)), 2);
    const auto b1 = exchange(t, raw, datagram(code::kPut, 3, block(1, true), pattern(16)), 3);
    const auto b2 = exchange(t, raw, datagram(code::kPut, 4, block(2, true), pattern(16)), 4);  // 48 > 40

    ASSERT_TRUE(announced && b0 && b1 && b2);
    EXPECT_EQ(code_to_string(announced->code), "4.13");
    ASSERT_EQ(announced->options.count(kOptSize1), 1U);
    EXPECT_EQ(announced->options.find(kOptSize1)->second, uint_bytes(40));
    EXPECT_EQ(code_to_string(b0->code), "2.31");
    EXPECT_EQ(code_to_string(b1->code), "2.31");
    EXPECT_EQ(code_to_string(b2->code), "4.13");
    EXPECT_EQ(b2->options.find(kOptSize1)->second, uint_bytes(40));
    EXPECT_EQ(calls, 0);
}

TEST(CoapTransportBlockwise, ServesBlock2InTheBlockSizeThePeerAsksFor) {
    const auto body = pattern(300);
    for (std::uint8_t szx = 0; szx <= 6; ++szx) {
        SCOPED_TRACE("SZX " + std::to_string(szx));
        CoapTransport t(fast_options());
        int calls = 0;
        t.set_request_handler([&](const Endpoint&, const Request&) {
            ++calls;
            return Response{code::kContent, {}, content_format::kLwm2mTlv, body};
        });
        UdpSocket raw;
        std::vector<std::uint8_t> got;
        std::optional<Reply> last;

        for (std::uint32_t num = 0; num < 64; ++num) {
            const Options o{
                {kOptUriPath, str("3")}, {kOptUriPath, str("0")}, {kOptBlock2, encode_block_value({num, false, szx})}};
            const auto mid = static_cast<std::uint16_t>(0x200 + num);
            last = exchange(t, raw, datagram(code::kGet, mid, o, {}), mid);
            ASSERT_TRUE(last.has_value());
            ASSERT_EQ(code_to_string(last->code), "2.05");
            const auto b = last->block(kOptBlock2);
            ASSERT_TRUE(b.has_value());
            EXPECT_EQ(b->num, num);
            EXPECT_EQ(b->szx, szx);
            got.insert(got.end(), last->payload.begin(), last->payload.end());
            if (!b->more) {
                break;
            }
            EXPECT_EQ(last->payload.size(), std::size_t{16} << szx);
        }

        EXPECT_EQ(got, body);
        EXPECT_EQ(calls, 1);  // the further blocks came from libcoap's copy of the body
    }
}

TEST(CoapTransportBlockwise, SenderWithSmallBlocksWritesAndReadsWholeBodies) {
    CoapTransportOptions small = fast_options();
    small.block_size = 16;
    CoapTransport client(small);
    CoapTransport server(fast_options());
    const auto written = pattern(100);
    const auto read_back = pattern(333);
    std::vector<Request> seen;
    server.set_request_handler([&](const Endpoint&, const Request& r) {
        seen.push_back(r);
        if (r.method == code::kGet) {
            return Response{code::kContent, {}, content_format::kOctetStream, read_back};
        }
        return Response{code::kChanged, {}, std::nullopt, {}};
    });
    std::optional<Response> put_answer;
    std::optional<Response> get_answer;
    Request put;
    put.method = code::kPut;
    put.uri_path = {"1", "1"};
    put.content_format = content_format::kLwm2mTlv;
    put.payload = written;
    Request get;
    get.method = code::kGet;
    get.uri_path = {"3", "0"};

    client.send(server.local_endpoint(), put, [&](std::optional<Response> r, SendFailure) { put_answer = r; });
    client.send(server.local_endpoint(), get, [&](std::optional<Response> r, SendFailure) { get_answer = r; });
    const auto deadline = Steady::now() + 3000ms;
    while ((!put_answer || !get_answer) && Steady::now() < deadline) {
        client.poll(1ms);
        server.poll(1ms);
    }

    ASSERT_TRUE(put_answer.has_value());
    EXPECT_EQ(code_to_string(put_answer->code), "2.04");
    ASSERT_TRUE(get_answer.has_value());
    EXPECT_EQ(code_to_string(get_answer->code), "2.05");
    EXPECT_EQ(get_answer->payload, read_back);
    ASSERT_EQ(seen.size(), 2U);  // once per body; the blocks of the two transfers interleave on the wire
    const auto put_seen =
        std::find_if(seen.begin(), seen.end(), [](const Request& r) { return r.method == code::kPut; });
    ASSERT_NE(put_seen, seen.end());
    EXPECT_EQ(put_seen->payload, written);
}

TEST(CoapTransportBlockwise, RefusesABlockSizeThatIsNotAPowerOfTwoFrom16To1024) {
    for (const std::size_t size : {0UL, 8UL, 24UL, 2048UL}) {
        CoapTransportOptions o = fast_options();
        o.block_size = size;

        EXPECT_THROW(CoapTransport{o}, std::invalid_argument) << size;
    }
}

}  // namespace
}  // namespace lwm2mc::client
