// SPDX-License-Identifier: Apache-2.0
#pragma once

// A client over the fake transport and a manual clock, with helpers for the bootstrap and LwM2M servers.

#include "lwm2mc/client/client.hpp"
#include "lwm2mc/client/tlv.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

#include "fake_transport.hpp"
#include "model_replay.hpp"

namespace lwm2mc::client::testing {

inline const Endpoint kBootstrapServer{"127.0.0.1", 5685};
inline const Endpoint kServer{"127.0.0.1", 5683};
inline const Endpoint kStranger{"10.0.0.9", 5683};

inline std::vector<std::uint8_t> security_tlv(const std::string& uri, bool bootstrap, std::int64_t ssid) {
    std::vector<TlvRecord> r{{TlvType::Resource, 0, tlv_string(uri), {}},
                             {TlvType::Resource, 1, tlv_bool(bootstrap), {}},
                             {TlvType::Resource, 2, tlv_int(3), {}}};
    if (!bootstrap) {
        r.push_back({TlvType::Resource, 10, tlv_int(ssid), {}});
    }
    return encode_tlv(r);
}

inline std::vector<std::uint8_t> server_tlv(std::int64_t ssid, std::int64_t lifetime, const std::string& binding) {
    return encode_tlv({{TlvType::Resource, 0, tlv_int(ssid), {}},
                       {TlvType::Resource, 1, tlv_int(lifetime), {}},
                       {TlvType::Resource, 7, tlv_string(binding), {}}});
}

inline Request make_request(Code method, std::vector<std::string> path, std::optional<std::uint16_t> cf = std::nullopt,
                            std::vector<std::uint8_t> payload = {}) {
    Request r;
    r.method = method;
    r.uri_path = std::move(path);
    r.content_format = cf;
    r.payload = std::move(payload);
    return r;
}

inline std::vector<std::uint8_t> text(const std::string& s) {
    return {s.begin(), s.end()};
}
inline std::string text_of(const std::vector<std::uint8_t>& b) {
    return {b.begin(), b.end()};
}

struct Harness {
    Harness() {
        config.endpoint = "node1";
        config.bootstrap_server_uri = "coap://127.0.0.1:5685";
        config.client_initiated = true;
        config.server_initiated = false;
        config.factory = false;
        config.smartcard = false;
        config.hold_off = 0;
    }

    void start() {
        client.emplace(config, transport, clock, recorder);
        client->start();
    }
    /// Moves protocol time and runs what is due.
    void advance(Millis d) {
        clock.advance(d);
        client->step();
    }
    void step() { client->step(); }
    std::string state() const { return std::string{client->state()}; }

    Response from_bs(Request r) { return transport.inject(kBootstrapServer, r); }
    Response from_server(Request r) { return transport.inject(kServer, r); }

    /// Writes one LwM2M server account (Security /0/1 + Server /1/1, SSID 1) from the bootstrap server.
    void bs_write_account(std::int64_t lifetime = 300, const std::string& uri = "coap://127.0.0.1:5683") {
        EXPECT_EQ(
            from_bs(make_request(code::kPut, {"0", "1"}, content_format::kLwm2mTlv, security_tlv(uri, false, 1))).code,
            code::kChanged);
        EXPECT_EQ(
            from_bs(make_request(code::kPut, {"1", "1"}, content_format::kLwm2mTlv, server_tlv(1, lifetime, "U"))).code,
            code::kChanged);
    }
    Response bs_finish() { return from_bs(make_request(code::kPost, {"bs"})); }

    /// From a fresh CI client: Bootstrap-Request, Delete /, account, Finish, Register answered 2.01 /rd/5.
    void bootstrap_and_register(std::int64_t lifetime = 300) {
        start();
        step();
        transport.answer(code::kChanged);
        EXPECT_EQ(from_bs(make_request(code::kDelete, {})).code, code::kDeleted);
        bs_write_account(lifetime);
        EXPECT_EQ(bs_finish().code, code::kChanged);
        step();
        transport.answer(code::kCreated, {"rd", "5"});
        EXPECT_EQ(state(), "Registered");
    }

    /// The recorded trace replayed on the shipped model; nullopt = conforms.
    std::optional<std::string> replay() const {
        return replay_on_model(config, recorder.start_state, recorder.start_vars, recorder.steps);
    }

    ClientConfig config{};
    FakeTransport transport{};
    ManualClock clock{};
    Recorder recorder{};
    std::optional<Client> client{};
};

/// A fresh directory under the system temp dir, removed at the end of the test.
struct TempDir {
    TempDir() {
        static int counter = 0;
        path = std::filesystem::temp_directory_path() /
               ("lwm2mc-client-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::filesystem::path path;
};

}  // namespace lwm2mc::client::testing
