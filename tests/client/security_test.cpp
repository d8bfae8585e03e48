// SPDX-License-Identifier: Apache-2.0
// DTLS-PSK (LwM2M Security Mode 0) in the engine: the Security object's key resources /0/x/3 and /0/x/5
// (TS 1.0 E.1), their persistence and configuration, the consistency rules, and the credentials the engine hands
// to the transport. Over the fake transport; the handshakes themselves are in net/dtls_test.cpp.

#include "lwm2mc/client/codec.hpp"
#include "lwm2mc/client/config.hpp"
#include "lwm2mc/client/store.hpp"

#include <algorithm>
#include <fstream>

#include "harness.hpp"

using namespace lwm2mc::client;
using namespace lwm2mc::client::testing;

namespace {

const std::vector<std::uint8_t> kIdentity{'n', 'o', 'd', 'e', '1'};
const std::vector<std::uint8_t> kKey{0x00, 0xff, 0x10, 0x20, 0x30, 0x40};
const Endpoint kSecureServer{"127.0.0.1", 5684, true};

std::vector<std::uint8_t> psk_security_tlv(const std::string& uri, std::int64_t mode,
                                           const std::vector<std::uint8_t>& identity,
                                           const std::vector<std::uint8_t>& key) {
    return encode_tlv({{TlvType::Resource, 0, tlv_string(uri), {}},
                       {TlvType::Resource, 1, tlv_bool(false), {}},
                       {TlvType::Resource, 2, tlv_int(mode), {}},
                       {TlvType::Resource, 3, identity, {}},
                       {TlvType::Resource, 4, {}, {}},
                       {TlvType::Resource, 5, key, {}},
                       {TlvType::Resource, 10, tlv_int(1), {}}});
}

bool contains(const std::vector<std::uint8_t>& haystack, const std::vector<std::uint8_t>& needle) {
    return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

}  // namespace

TEST(SecurityObject, BootstrapWriteStoresThePskAndTheRegisterGoesToTheSecureEndpointWithIt) {
    Harness h;
    h.start();
    h.step();
    h.transport.answer(code::kChanged);

    const auto written = h.from_bs(make_request(code::kPut, {"0", "1"}, content_format::kLwm2mTlv,
                                                psk_security_tlv("coaps://127.0.0.1:5684", 0, kIdentity, kKey)));
    EXPECT_EQ(h.from_bs(make_request(code::kPut, {"1", "1"}, content_format::kLwm2mTlv, server_tlv(1, 300, "U"))).code,
              code::kChanged);
    const auto finish = h.bs_finish();
    h.step();

    EXPECT_EQ(written.code, code::kChanged);
    EXPECT_EQ(finish.code, code::kChanged);
    const auto& sec = h.client->persistent().data.security.at(1);
    EXPECT_EQ(sec.security_mode, 0);
    EXPECT_EQ(sec.public_key_or_identity, kIdentity);
    EXPECT_EQ(sec.secret_key, kKey);
    ASSERT_EQ(h.transport.sent.size(), 2U);
    EXPECT_EQ(h.transport.sent[1].to, kSecureServer);
    EXPECT_EQ(h.transport.psk.at(to_string(kSecureServer)), (PskCredentials{kIdentity, kKey}));
    h.transport.answer(code::kCreated, {"rd", "5"});
    EXPECT_EQ(h.state(), "Registered");
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(SecurityObject, TheKeyIsNeverReadableNotByTheBootstrapServerNorByTheLwm2mServer) {
    Harness h;
    h.start();
    h.step();
    h.transport.answer(code::kChanged);
    h.from_bs(make_request(code::kPut, {"0", "1"}, content_format::kLwm2mTlv,
                           psk_security_tlv("coaps://127.0.0.1:5684", 0, kIdentity, kKey)));
    h.from_bs(make_request(code::kPut, {"1", "1"}, content_format::kLwm2mTlv, server_tlv(1, 300, "U")));
    auto bs_read = make_request(code::kGet, {"0", "1", "5"});
    bs_read.accept = content_format::kLwm2mTlv;
    auto bs_discover = make_request(code::kGet, {"0"});
    bs_discover.accept = content_format::kLinkFormat;

    const auto read_by_bs = h.from_bs(bs_read);
    const auto discovered = h.from_bs(bs_discover);
    // The data model operations themselves, whatever the engine's access rules: no interface yields the bytes.
    const auto& dm = h.client->persistent().data;
    const Path instance{0, 1, std::nullopt};
    const auto bs_itf = read(dm, instance, content_format::kLwm2mTlv, Interface::Bootstrap, LwM2mVersion::V1_1, 0);
    const auto dm_itf = read(dm, instance, content_format::kLwm2mTlv, Interface::Management, LwM2mVersion::V1_1, 0);
    const auto key_dm = read(dm, Path{0, 1, 5}, std::nullopt, Interface::Management, LwM2mVersion::V1_1, 0);
    const auto id_bs = read(dm, Path{0, 1, 3}, std::nullopt, Interface::Bootstrap, LwM2mVersion::V1_1, 0);

    EXPECT_FALSE(is_success(read_by_bs.code));
    EXPECT_FALSE(contains(read_by_bs.payload, kKey));
    EXPECT_FALSE(contains(discovered.payload, kKey));
    EXPECT_FALSE(contains(bs_itf.payload, kKey));
    EXPECT_FALSE(contains(bs_itf.payload, kIdentity));
    EXPECT_FALSE(contains(dm_itf.payload, kKey));
    EXPECT_FALSE(is_success(key_dm.code));
    EXPECT_FALSE(is_success(id_bs.code));
}

TEST(SecurityObject, FinishIsNotAcceptableForACoapsAccountWithoutAKeyOrWithNoSec) {
    for (const auto& [mode, key] : {std::pair{std::int64_t{0}, std::vector<std::uint8_t>{}},
                                    std::pair{std::int64_t{3}, kKey}, std::pair{std::int64_t{1}, kKey}}) {
        Harness h;
        h.start();
        h.step();
        h.transport.answer(code::kChanged);
        h.from_bs(make_request(code::kPut, {"0", "1"}, content_format::kLwm2mTlv,
                               psk_security_tlv("coaps://127.0.0.1:5684", mode, kIdentity, key)));
        h.from_bs(make_request(code::kPut, {"1", "1"}, content_format::kLwm2mTlv, server_tlv(1, 300, "U")));

        const auto finish = h.bs_finish();

        EXPECT_EQ(finish.code, code::kNotAcceptable) << "mode " << mode << ", key bytes " << key.size();
        EXPECT_EQ(h.state(), "BsPending");
        EXPECT_EQ(h.replay(), std::nullopt);
    }
}

TEST(SecurityObject, SecurityProblemNamesWhatIsMissing) {
    SecurityInstance plain;
    plain.server_uri = "coap://127.0.0.1:5683";
    SecurityInstance psk = plain;
    psk.server_uri = "coaps://127.0.0.1:5684";
    psk.security_mode = 0;
    psk.public_key_or_identity = kIdentity;
    psk.secret_key = kKey;
    SecurityInstance no_key = psk;
    no_key.secret_key.clear();
    SecurityInstance plain_with_psk_mode = plain;
    plain_with_psk_mode.security_mode = 0;

    EXPECT_EQ(security_problem(plain), std::nullopt);
    EXPECT_EQ(security_problem(psk), std::nullopt);
    ASSERT_TRUE(security_problem(no_key).has_value());
    EXPECT_NE(security_problem(no_key)->find("/0/x/5"), std::string::npos);
    EXPECT_TRUE(security_problem(plain_with_psk_mode).has_value());
}

TEST(SecurityObject, TheStateFileKeepsThePskAsHex) {
    PersistentState st;
    SecurityInstance sec;
    sec.server_uri = "coaps://127.0.0.1:5684";
    sec.security_mode = 0;
    sec.ssid = 1;
    sec.public_key_or_identity = kIdentity;
    sec.secret_key = kKey;
    st.data.security.emplace(1, sec);

    const auto encoded = encode_state(st);
    const auto decoded = decode_state(encoded);

    EXPECT_NE(encoded.find("\"00ff10203040\""), std::string::npos) << encoded;  // "psk_key": hex
    EXPECT_EQ(decoded.data.security.at(1), sec);
}

TEST(SecurityObject, AProvisioningFileWithACoapsServerNeedsItsPsk) {
    TempDir dir;
    const auto good = dir.path / "good.json";
    const auto bad = dir.path / "bad.json";
    std::ofstream(good) << R"({"security":[{"id":1,"server_uri":"coaps://127.0.0.1:5684","ssid":1,"security_mode":0,)"
                        << R"("psk_identity":"6e6f646531","psk_key":"00ff10203040"}],"server":[{"id":1,"ssid":1}]})";
    std::ofstream(bad) << R"({"security":[{"id":1,"server_uri":"coaps://127.0.0.1:5684","ssid":1}],)"
                       << R"("server":[{"id":1,"ssid":1}]})";

    const auto dm = load_provisioning(good, RetryDefaults{});

    EXPECT_EQ(dm.security.at(1).public_key_or_identity, kIdentity);
    EXPECT_EQ(dm.security.at(1).secret_key, kKey);
    EXPECT_THROW(load_provisioning(bad, RetryDefaults{}), StoreError);
}

TEST(SecurityObject, ConfigurationTakesHexKeysAndRequiresThemForCoaps) {
    ClientConfig c;
    c.client_initiated = true;
    apply_assignments(c, "bootstrap_server_uri=coaps://127.0.0.1:5784");
    const auto without_key = validate(c);

    apply_assignments(c, "bootstrap_psk_identity=6e6f646531,bootstrap_psk_key=00FF10203040");

    EXPECT_EQ(without_key.size(), 1U);
    EXPECT_TRUE(validate(c).empty());
    EXPECT_EQ(c.bootstrap_psk_identity, kIdentity);
    EXPECT_EQ(c.bootstrap_psk_key, kKey);
    EXPECT_THROW(apply_assignment(c, "server_psk_key=0g"), ConfigError);
    EXPECT_THROW(apply_assignment(c, "server_psk_key=abc"), ConfigError);
}

TEST(SecurityObject, AConfiguredCoapsBootstrapAccountIsPskAndTheRequestCarriesItsKey) {
    Harness h;
    h.config.bootstrap_server_uri = "coaps://127.0.0.1:5784";
    h.config.bootstrap_psk_identity = kIdentity;
    h.config.bootstrap_psk_key = kKey;
    h.start();

    h.step();

    ASSERT_EQ(h.transport.sent.size(), 1U);
    const Endpoint bs{"127.0.0.1", 5784, true};
    EXPECT_EQ(h.transport.sent[0].to, bs);
    EXPECT_EQ(h.transport.psk.at(to_string(bs)), (PskCredentials{kIdentity, kKey}));
    const auto& sec = h.client->persistent().data.security.at(0);
    EXPECT_EQ(sec.security_mode, 0);
    // A failed handshake is a failed Bootstrap-Request like any unreachable server (model: bs_request_failed).
    h.transport.fail(SendFailure::Handshake);
    EXPECT_EQ(h.recorder.events(),
              (std::vector<std::string>{"boot", "hold_off_expired", "bs_request_failed", "bs_failed_next"}));
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(SecurityObject, HexRoundTrip) {
    EXPECT_EQ(to_hex(kKey), "00ff10203040");
    EXPECT_EQ(from_hex("00FF10203040"), kKey);
    EXPECT_EQ(from_hex(""), std::vector<std::uint8_t>{});
    EXPECT_EQ(from_hex("0"), std::nullopt);
    EXPECT_EQ(from_hex("zz"), std::nullopt);
}
