// SPDX-License-Identifier: Apache-2.0
// parse_coap_request (libcoap's parser) against serialize_coap_request/serialize_coap_response (hand-written
// encoder), and against hand-made and random datagrams.

#include "lwm2mc/client/transport_coap.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace lwm2mc::client {
namespace {

Request full_request() {
    Request r;
    r.method = code::kPost;
    r.uri_path = {"rd"};
    r.uri_query = {"ep=node1", "lt=300", "lwm2m=1.0", "b=U"};
    r.content_format = content_format::kLinkFormat;
    r.accept = content_format::kLwm2mTlv;
    const std::string objects = "</1/0>,</3/0>";
    r.payload.assign(objects.begin(), objects.end());
    return r;
}

TEST(CoapCodec, ParsesWhatTheSerializerWrites) {
    const Request r = full_request();

    auto parsed = parse_coap_request(serialize_coap_request({CoapHeader::Type::Confirmable, 0xBEEF, {9, 8}}, r));

    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->method, r.method);
    EXPECT_EQ(parsed->uri_path, r.uri_path);
    EXPECT_EQ(parsed->uri_query, r.uri_query);
    EXPECT_EQ(parsed->content_format, r.content_format);
    EXPECT_EQ(parsed->accept, r.accept);
    EXPECT_EQ(parsed->payload, r.payload);
    EXPECT_FALSE(parsed->has_unknown_critical_option);
}

TEST(CoapCodec, KeepsEmptyAndLongPathSegments) {
    Request r;
    r.method = code::kDelete;
    r.uri_path = {};  // DELETE / (Bootstrap-Delete of everything)
    Request long_segment;
    long_segment.method = code::kGet;
    long_segment.uri_path = {std::string(200, 'x'), ""};  // 200 bytes: extended length; then an empty option

    auto parsed_root = parse_coap_request(serialize_coap_request({CoapHeader::Type::Confirmable, 1, {}}, r));
    auto parsed_long =
        parse_coap_request(serialize_coap_request({CoapHeader::Type::NonConfirmable, 2, {}}, long_segment));

    ASSERT_TRUE(parsed_root.has_value());
    EXPECT_TRUE(parsed_root->uri_path.empty());
    ASSERT_TRUE(parsed_long.has_value());
    EXPECT_EQ(parsed_long->uri_path, long_segment.uri_path);
}

TEST(CoapCodec, SerializesAPiggybackedResponseByteForByte) {
    const Response r{code::kCreated, {"rd", "5"}, content_format::kTextPlain, {'o', 'k'}};

    const auto bytes = serialize_coap_response({CoapHeader::Type::Acknowledgement, 0x1234, {0xAA}}, r);

    // 0x61: version 1, ACK, token length 1; 0x41 = 2.01; mid; token; Location-Path (8) "rd" = delta 8
    // length 2; Location-Path "5" = delta 0 length 1; Content-Format (12) 0 = delta 4 length 0; payload.
    EXPECT_EQ(bytes, (std::vector<std::uint8_t>{0x61, 0x41, 0x12, 0x34, 0xAA, 0x82, 'r', 'd', 0x01, '5', 0x40, 0xFF,
                                                'o', 'k'}));
}

TEST(CoapCodec, RefusesTokensLongerThanEightBytes) {
    EXPECT_THROW(
        serialize_coap_response({CoapHeader::Type::Acknowledgement, 1, std::vector<std::uint8_t>(9)}, Response{}),
        std::invalid_argument);
}

TEST(CoapCodec, RejectsDatagramsThatAreNotRequests) {
    // clang-format off
    const std::vector<std::vector<std::uint8_t>> not_requests{
        {},
        {0x40, 0x01, 0x00},                                  // 3 bytes
        {0x00, 0x01, 0x00, 0x01},                            // version 0
        {0x40, 0x00, 0x00, 0x01},                            // empty CON (ping)
        {0x60, 0x45, 0x00, 0x01},                            // ACK 2.05: a response
        {0x60, 0x01, 0x00, 0x01},                            // a request code in an ACK
        {0x70, 0x00, 0x00, 0x01},                            // RST
        {0x49, 0x01, 0x00, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9}, // token length 9
        {0x41, 0x01, 0x00, 0x01},                            // token length 1, no token byte
        {0x40, 0x01, 0x00, 0x01, 0xF1, 0x00},                // option delta 15 (reserved)
        {0x40, 0x01, 0x00, 0x01, 0xB5, 'a'},                 // option value cut short
        {0x40, 0x01, 0x00, 0x01, 0xFF},                      // payload marker, no payload
    };
    // clang-format on

    for (std::size_t i = 0; i < not_requests.size(); ++i) {
        EXPECT_FALSE(parse_coap_request(not_requests[i]).has_value()) << "datagram " << i;
    }
}

TEST(CoapCodec, FlagsCriticalOptionsARequestCannotCarry) {
    // GET with option 9 (OSCORE, critical, unsupported), then Uri-Path "3" (delta 2).
    const std::vector<std::uint8_t> oscore{0x40, 0x01, 0x00, 0x01, 0x90, 0x21, '3'};
    // GET with option 65001 (critical, experimental range): delta 14 + 0xFD1C.
    const std::vector<std::uint8_t> experimental{0x40, 0x01, 0x00, 0x01, 0xE0, 0xFD, 0x1C};
    // GET with option 6 (Observe, elective) and Uri-Host (3, critical but understood).
    const std::vector<std::uint8_t> elective{0x40, 0x01, 0x00, 0x01, 0x31, 'h', 0x30};

    auto a = parse_coap_request(oscore);
    auto b = parse_coap_request(experimental);
    auto c = parse_coap_request(elective);

    ASSERT_TRUE(a.has_value());
    EXPECT_TRUE(a->has_unknown_critical_option);
    EXPECT_EQ(a->uri_path, (std::vector<std::string>{"3"}));
    ASSERT_TRUE(b.has_value());
    EXPECT_TRUE(b->has_unknown_critical_option);
    ASSERT_TRUE(c.has_value());
    EXPECT_FALSE(c->has_unknown_critical_option);
}

TEST(CoapCodec, RandomAndMutatedDatagramsNeverCrashTheParser) {
    std::mt19937 rng(20170109);  // fixed seed: reproducible
    const auto valid = serialize_coap_request({CoapHeader::Type::Confirmable, 7, {1, 2, 3}}, full_request());
    std::size_t parsed = 0;

    for (int i = 0; i < 20000; ++i) {
        std::vector<std::uint8_t> d;
        if (i % 2 == 0) {
            d.resize(rng() % 64);
            for (auto& b : d) {
                b = static_cast<std::uint8_t>(rng());
            }
            if (!d.empty()) {
                d[0] = static_cast<std::uint8_t>(0x40U | (d[0] & 0x3FU));  // mostly version 1
            }
        } else {
            d = valid;
            const int flips = 1 + static_cast<int>(rng() % 4);
            for (int k = 0; k < flips; ++k) {
                d[rng() % d.size()] = static_cast<std::uint8_t>(rng());
            }
            d.resize(rng() % (d.size() + 1));
        }
        if (parse_coap_request(d).has_value()) {
            ++parsed;
        }
    }

    // Some inputs must decode and some must not, else the loop exercised only one path.
    EXPECT_GT(parsed, 0U);
    EXPECT_LT(parsed, 20000U);
}

}  // namespace
}  // namespace lwm2mc::client

TEST(CoapCodec, OverLongContentFormatOrAcceptNeverReachesTheHandler) {
    // RFC 7252 5.4.3: a value outside the option's length range is treated like an unrecognised option.
    // libcoap 4.3.1's parser already refuses such a datagram (it is answered RST or dropped), so the engine never
    // sees a Content-Format or Accept truncated to 16 bits. (opt_uint16 would also refuse it.)
    // PUT /3 with Content-Format 0x00002C (3 bytes); GET /3 with Accept 0x000028 (3 bytes); token AA BB.
    const std::vector<std::uint8_t> content_format_3_bytes{0x42, 0x03, 0x12, 0x34, 0xAA, 0xBB,
                                                           0xB1, 0x33, 0x13, 0x00, 0x00, 0x2C};
    const std::vector<std::uint8_t> accept_3_bytes{0x42, 0x01, 0x12, 0x34, 0xAA, 0xBB,
                                                   0xB1, 0x33, 0x63, 0x00, 0x00, 0x28};
    const std::vector<std::uint8_t> accept_2_bytes{0x42, 0x01, 0x12, 0x34, 0xAA, 0xBB, 0xB1, 0x33, 0x62, 0x2D, 0x16};

    const auto cf = lwm2mc::client::parse_coap_request(content_format_3_bytes);
    const auto accept = lwm2mc::client::parse_coap_request(accept_3_bytes);
    const auto good = lwm2mc::client::parse_coap_request(accept_2_bytes);

    EXPECT_FALSE(cf.has_value());
    EXPECT_FALSE(accept.has_value());
    ASSERT_TRUE(good.has_value());
    EXPECT_EQ(good->accept, 11542);
}
