// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/client/tlv.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

using namespace lwm2mc::client;

namespace {

std::vector<std::uint8_t> bytes_of(std::initializer_list<int> list) {
    std::vector<std::uint8_t> out;
    for (const int b : list) {
        out.push_back(static_cast<std::uint8_t>(b));
    }
    return out;
}

std::vector<std::uint8_t> with_text(std::vector<std::uint8_t> head, const std::string& text) {
    head.insert(head.end(), text.begin(), text.end());
    return head;
}

}  // namespace

// The Device object example of LwM2M TS 1.0 6.4.3.1 (single object instance, Read /3/0 response).
TEST(Tlv, EncodesTheDeviceExampleOfTheSpec) {
    const std::vector<TlvRecord> records{
        {TlvType::Resource, 0, tlv_string("Open Mobile Alliance"), {}},
        {TlvType::Resource, 1, tlv_string("Lightweight M2M Client"), {}},
        {TlvType::Resource, 2, tlv_string("345000123"), {}},
        {TlvType::Resource, 3, tlv_string("1.0"), {}},
        {TlvType::MultipleResource,
         6,
         {},
         {{TlvType::ResourceInstance, 0, tlv_int(1), {}}, {TlvType::ResourceInstance, 1, tlv_int(5), {}}}},
    };
    std::vector<std::uint8_t> expected = with_text(bytes_of({0xC8, 0x00, 0x14}), "Open Mobile Alliance");
    auto append = [&](const std::vector<std::uint8_t>& more) {
        expected.insert(expected.end(), more.begin(), more.end());
    };
    append(with_text(bytes_of({0xC8, 0x01, 0x16}), "Lightweight M2M Client"));
    append(with_text(bytes_of({0xC8, 0x02, 0x09}), "345000123"));
    append(with_text(bytes_of({0xC3, 0x03}), "1.0"));
    append(bytes_of({0x86, 0x06, 0x41, 0x00, 0x01, 0x41, 0x01, 0x05}));

    const auto encoded = encode_tlv(records);

    EXPECT_EQ(encoded, expected);
}

TEST(Tlv, RoundTripsNestedInstancesLongIdsAndLongValues) {
    const std::vector<TlvRecord> records{
        {TlvType::ObjectInstance,
         0,
         {},
         {{TlvType::Resource, 0, tlv_string("coap://127.0.0.1:5683"), {}},
          {TlvType::Resource, 300, std::vector<std::uint8_t>(300, 0xAB), {}},
          {TlvType::MultipleResource, 7, {}, {{TlvType::ResourceInstance, 1000, tlv_bool(true), {}}}}}},
        {TlvType::ObjectInstance, 65535, {}, {}},
        {TlvType::Resource, 9, std::vector<std::uint8_t>(70000, 0x01), {}},
    };

    const auto decoded = decode_tlv(encode_tlv(records));

    ASSERT_TRUE(std::holds_alternative<std::vector<TlvRecord>>(decoded));
    EXPECT_EQ(std::get<std::vector<TlvRecord>>(decoded), records);
}

TEST(Tlv, UsesLengthFieldsOfTheRightSize) {
    const auto short_value = encode_tlv({{TlvType::Resource, 1, std::vector<std::uint8_t>(7, 0), {}}});
    const auto byte_length = encode_tlv({{TlvType::Resource, 1, std::vector<std::uint8_t>(8, 0), {}}});
    const auto word_length = encode_tlv({{TlvType::Resource, 256, std::vector<std::uint8_t>(256, 0), {}}});

    EXPECT_EQ(short_value[0], 0xC7);
    EXPECT_EQ(byte_length[0], 0xC8);
    EXPECT_EQ(byte_length[2], 8);
    EXPECT_EQ(word_length[0], 0xF0);  // 16-bit id, 16-bit length
    EXPECT_EQ(word_length[1], 0x01);
    EXPECT_EQ(word_length[2], 0x00);
    EXPECT_EQ(word_length[3], 0x01);
    EXPECT_EQ(word_length[4], 0x00);
}

TEST(Tlv, RejectsMalformedInput) {
    struct Case {
        const char* name;
        std::vector<std::uint8_t> bytes;
        std::size_t offset;
    };
    const std::vector<Case> cases{
        {"length beyond buffer", bytes_of({0xC3, 0x01, 'a'}), 0},
        {"truncated 16-bit id", bytes_of({0xE1}), 0},
        {"truncated length field", bytes_of({0xD0, 0x01, 0x00}), 0},
        {"resource instance at top level", bytes_of({0x41, 0x00, 0x01}), 0},
        {"object instance inside object instance", bytes_of({0x03, 0x00, 0x00, 0x00, 0x00}), 2},
        {"resource inside multiple resource", bytes_of({0x83, 0x06, 0xC1, 0x00, 0x01}), 2},
        {"child overruns parent", bytes_of({0x03, 0x00, 0xC3, 0x00, 0x01, 0xC1, 0x01, 0x01}), 2},
        {"second record truncated", bytes_of({0xC1, 0x00, 0x01, 0xC2, 0x01, 0x01}), 3},
    };

    for (const auto& c : cases) {
        const auto decoded = decode_tlv(c.bytes);

        ASSERT_TRUE(std::holds_alternative<TlvError>(decoded)) << c.name;
        EXPECT_EQ(std::get<TlvError>(decoded).offset, c.offset) << c.name;
        EXPECT_FALSE(std::get<TlvError>(decoded).message.empty()) << c.name;
    }
}

TEST(Tlv, DecodesEmptyBufferAsNoRecords) {
    const auto decoded = decode_tlv({});

    ASSERT_TRUE(std::holds_alternative<std::vector<TlvRecord>>(decoded));
    EXPECT_TRUE(std::get<std::vector<TlvRecord>>(decoded).empty());
}

TEST(Tlv, IntegersUseShortestTwosComplementWidth) {
    EXPECT_EQ(tlv_int(0), bytes_of({0x00}));
    EXPECT_EQ(tlv_int(-1), bytes_of({0xFF}));
    EXPECT_EQ(tlv_int(127), bytes_of({0x7F}));
    EXPECT_EQ(tlv_int(128), bytes_of({0x00, 0x80}));
    EXPECT_EQ(tlv_int(-129), bytes_of({0xFF, 0x7F}));
    EXPECT_EQ(tlv_int(86400), bytes_of({0x00, 0x01, 0x51, 0x80}));
    EXPECT_EQ(tlv_int(4294967295), bytes_of({0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF}));
    for (const std::int64_t v : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{300}, std::int64_t{-70000},
                                 std::int64_t{4294967295}, INT64_MIN, INT64_MAX}) {
        EXPECT_EQ(tlv_to_int(tlv_int(v)), v);
    }
}

TEST(Tlv, IntegerAndBooleanDecodersRejectBadLengths) {
    EXPECT_EQ(tlv_to_int(bytes_of({0x01, 0x02, 0x03})), std::nullopt);
    EXPECT_EQ(tlv_to_int({}), std::nullopt);
    EXPECT_EQ(tlv_to_int(bytes_of({0xFF, 0xFE})), -2);
    EXPECT_EQ(tlv_to_bool(bytes_of({0x01})), true);
    EXPECT_EQ(tlv_to_bool(bytes_of({0x00})), false);
    EXPECT_EQ(tlv_to_bool(bytes_of({0x02})), std::nullopt);
    EXPECT_EQ(tlv_to_bool(bytes_of({0x00, 0x01})), std::nullopt);
}

TEST(Tlv, NeverReadsOutOfBoundsOnAnyPrefix) {
    const auto full =
        encode_tlv({{TlvType::ObjectInstance,
                     1,
                     {},
                     {{TlvType::Resource, 0, tlv_string("coap://[::1]:5683"), {}},
                      {TlvType::MultipleResource, 6, {}, {{TlvType::ResourceInstance, 0, tlv_int(1), {}}}}}}});

    for (std::size_t n = 1; n < full.size(); ++n) {
        const std::vector<std::uint8_t> prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));

        const auto decoded = decode_tlv(prefix);

        EXPECT_TRUE(std::holds_alternative<TlvError>(decoded)) << n;
    }
}
