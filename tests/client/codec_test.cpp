// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/client/codec.hpp"
#include "lwm2mc/client/message.hpp"
#include "lwm2mc/client/objects.hpp"
#include "lwm2mc/client/tlv.hpp"

#include <gtest/gtest.h>

using namespace lwm2mc::client;

TEST(Codec, LegacyContentFormatsAreAliases) {
    EXPECT_EQ(format_of(content_format::kLegacyText), Format::Text);
    EXPECT_EQ(format_of(content_format::kLegacyTlv), Format::Tlv);
    EXPECT_EQ(format_of(content_format::kLwm2mTlv), Format::Tlv);
    EXPECT_EQ(format_of(content_format::kTextPlain), Format::Text);
    EXPECT_EQ(format_of(content_format::kLinkFormat), Format::LinkFormat);
    EXPECT_EQ(format_of(content_format::kLwm2mJson), std::nullopt);
}

TEST(Codec, PlainTextIntegersAreStrict) {
    EXPECT_EQ(text_to_int("300"), 300);
    EXPECT_EQ(text_to_int("-7"), -7);
    for (const char* bad : {"", "-", "+1", " 1", "1 ", "1.0", "0x10", "99999999999999999999"}) {
        EXPECT_EQ(text_to_int(bad), std::nullopt) << bad;
    }
}

TEST(Codec, PlainTextBooleansAreZeroOrOne) {
    EXPECT_EQ(text_to_bool("1"), true);
    EXPECT_EQ(text_to_bool("0"), false);
    EXPECT_EQ(text_to_bool("true"), std::nullopt);
    EXPECT_EQ(text_to_bool("01"), std::nullopt);
}

TEST(Codec, LinkFormatRoundTrips) {
    const std::vector<Link> links{{"/", {{"lwm2m", "\"1.0\""}}}, {"/0/1", {{"ssid", "101"}}}, {"/3/0", {}}};

    const auto text = format_links(links);
    const auto parsed = parse_links(text);

    EXPECT_EQ(text, R"(</>;lwm2m="1.0",</0/1>;ssid=101,</3/0>)");
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, links);
}

TEST(Codec, LinkFormatRejectsMalformedDocuments) {
    for (const char* bad : {"</1/0", "1/0>", "<>", "</1>;", "</1>;a=", "</1>x", R"(</1>;a="x)", "</1>,"}) {
        EXPECT_EQ(parse_links(bad), std::nullopt) << bad;
    }
    EXPECT_EQ(parse_links(" </1/0> , </3/0>")->size(), 2U);
}

TEST(Codec, ServerUrisBecomeEndpoints) {
    EXPECT_EQ(parse_server_uri("coap://127.0.0.1:5683"), (Endpoint{"127.0.0.1", 5683}));
    EXPECT_EQ(parse_server_uri("coap://[::1]:5690"), (Endpoint{"::1", 5690}));
    EXPECT_EQ(parse_server_uri("coap://localhost"), (Endpoint{"127.0.0.1", 5683}));
    EXPECT_EQ(parse_server_uri("coaps://10.1.1.1"), (Endpoint{"10.1.1.1", 5684, true}));
    EXPECT_EQ(parse_server_uri("http://x"), std::nullopt);
    EXPECT_EQ(parse_server_uri("coap://leshan.example.org:5683"), std::nullopt) << "no name resolution";
    EXPECT_EQ(parse_server_uri("coap://h:0"), std::nullopt);
    EXPECT_EQ(parse_server_uri("coap://:5683"), std::nullopt);
}

namespace {

DataModel provisioned() {
    DataModel dm;
    SecurityInstance bs;
    bs.server_uri = "coap://127.0.0.1:5685";
    bs.bootstrap_server = true;
    dm.security.emplace(0, bs);
    SecurityInstance srv_sec;
    srv_sec.server_uri = "coap://127.0.0.1:5683";
    srv_sec.ssid = 101;
    dm.security.emplace(1, srv_sec);
    ServerInstance srv;
    srv.ssid = 101;
    dm.server.emplace(0, srv);
    return dm;
}

Request put(std::vector<std::string> path, std::uint16_t cf, std::vector<std::uint8_t> payload) {
    Request r;
    r.method = code::kPut;
    r.uri_path = std::move(path);
    r.content_format = cf;
    r.payload = std::move(payload);
    return r;
}

}  // namespace

TEST(Objects, ServerAccountsPairSecurityAndServerByShortServerId) {
    DataModel dm = provisioned();

    const auto accounts = dm.server_accounts();
    dm.server.at(0).ssid = 102;

    EXPECT_EQ(accounts, std::vector<std::uint16_t>{1});
    EXPECT_EQ(dm.bootstrap_account(), 0);
    EXPECT_FALSE(dm.has_server_account());
}

TEST(Objects, BootstrapDeleteRootKeepsBootstrapAccountAndDevice) {
    DataModel dm = provisioned();

    const auto r = bootstrap_delete(dm, Path{});

    EXPECT_EQ(r.code, code::kDeleted);
    EXPECT_EQ(dm.security.size(), 1U);
    EXPECT_TRUE(dm.security.at(0).bootstrap_server);
    EXPECT_TRUE(dm.server.empty());
    EXPECT_EQ(read(dm, Path{3, 0, 0}, std::nullopt, Interface::Management, LwM2mVersion::V1_1, 0).code, code::kContent);
}

TEST(Objects, BootstrapDeleteOfTheSecurityObjectKeepsTheBootstrapAccount) {
    DataModel dm = provisioned();

    const auto all = bootstrap_delete(dm, Path{0, std::nullopt, std::nullopt});
    const auto bs = bootstrap_delete(dm, Path{0, 0, std::nullopt});
    const auto device = bootstrap_delete(dm, Path{3, 0, std::nullopt});

    EXPECT_EQ(all.code, code::kDeleted);
    EXPECT_EQ(dm.security.size(), 1U);
    EXPECT_EQ(bs.code, code::kBadRequest);
    EXPECT_EQ(device.code, code::kBadRequest);
    EXPECT_EQ(dm.server.size(), 1U);
}

TEST(Objects, BootstrapWriteCreatesInstancesAndIgnoresUnsupportedResources) {
    DataModel dm;
    const auto payload = encode_tlv({{TlvType::ObjectInstance,
                                      4,
                                      {},
                                      {{TlvType::Resource, 0, tlv_int(7), {}},
                                       {TlvType::Resource, 1, tlv_int(120), {}},
                                       {TlvType::Resource, 999, tlv_string("ignored"), {}}}}});

    const auto r = write(dm, Path{1, std::nullopt, std::nullopt}, put({"1"}, content_format::kLegacyTlv, payload),
                         Interface::Bootstrap, LwM2mVersion::V1_1, 0);

    EXPECT_EQ(r.code, code::kChanged);
    ASSERT_TRUE(dm.server.contains(4));
    EXPECT_EQ(dm.server.at(4).ssid, 7);
    EXPECT_EQ(dm.server.at(4).lifetime, 120);
    EXPECT_EQ(dm.server.at(4).retry, RetryDefaults{});
}

TEST(Objects, FailedWriteLeavesTheDataModelUnchanged) {
    DataModel dm = provisioned();
    const DataModel before = dm;
    const auto payload = encode_tlv({{TlvType::Resource, 1, tlv_int(60), {}}, {TlvType::Resource, 6, {0x05}, {}}});

    const auto r = write(dm, Path{1, 0, std::nullopt}, put({"1", "0"}, content_format::kLwm2mTlv, payload),
                         Interface::Management, LwM2mVersion::V1_1, 0);

    EXPECT_EQ(r.code, code::kBadRequest);
    EXPECT_EQ(dm, before);
}

TEST(Objects, RetryResourcesHaveTheSpecDefaults) {
    const DataModel dm = provisioned();
    const auto read_int = [&](std::uint16_t res) {
        const auto r = read(dm, Path{1, 0, res}, std::nullopt, Interface::Management, LwM2mVersion::V1_1, 0);
        return std::string(r.payload.begin(), r.payload.end());
    };

    EXPECT_EQ(read_int(14), "0");
    EXPECT_EQ(read_int(15), "0");
    EXPECT_EQ(read_int(16), "1");
    EXPECT_EQ(read_int(17), "5");
    EXPECT_EQ(read_int(18), "60");
    EXPECT_EQ(read_int(19), "86400");
    EXPECT_EQ(read_int(20), "1");
    EXPECT_EQ(read(dm, Path{1, 0, 17}, std::nullopt, Interface::Management, LwM2mVersion::V1_0, 0).code,
              code::kNotFound)
        << "1.1 resources do not exist in 1.0 mode";
}

TEST(Objects, TextReadOfSeveralResourcesIsNotAcceptable) {
    const DataModel dm = provisioned();

    const auto r =
        read(dm, Path{3, 0, std::nullopt}, content_format::kTextPlain, Interface::Management, LwM2mVersion::V1_1, 0);

    EXPECT_EQ(r.code, code::kNotAcceptable);
}

TEST(Objects, BootstrapDiscoverMarksServerAccountsWithSsid) {
    const DataModel dm = provisioned();

    const auto r = discover(dm, Path{}, Interface::Bootstrap, LwM2mVersion::V1_0);

    EXPECT_EQ(std::string(r.payload.begin(), r.payload.end()),
              "</>;lwm2m=1.0,</0/0>,</0/1>;ssid=101,</1/0>;ssid=101,</3/0>");
}

TEST(Objects, RegistrationPayloadListsEverythingButSecurity) {
    const DataModel dm = provisioned();

    EXPECT_EQ(registration_links(dm, LwM2mVersion::V1_0), "</1/0>,</3/0>");
}

TEST(Objects, LwM2m11RegistrationPayloadNamesTheRootAndTheServerObjectVersion) {
    const DataModel dm = provisioned();
    const DataModel empty;

    EXPECT_EQ(registration_links(dm, LwM2mVersion::V1_1), R"(</>;rt="oma.lwm2m";ct=11542,</1>;ver=1.1,</1/0>,</3/0>)");
    EXPECT_EQ(registration_links(empty, LwM2mVersion::V1_1), R"(</>;rt="oma.lwm2m";ct=11542,</1>;ver=1.1,</3/0>)");
    EXPECT_EQ(registration_links(empty, LwM2mVersion::V1_0), "</1>,</3/0>");
}
