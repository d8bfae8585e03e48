// SPDX-License-Identifier: Apache-2.0
// CoapTransport with DTLS and a pre-shared key (LwM2M Security Mode 0) on 127.0.0.1: real libcoap (GnuTLS)
// handshakes between a client transport (set_psk) and a server transport with a dtls_psk_table.

#include "lwm2mc/client/transport_coap.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <initializer_list>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "pump.hpp"
#include "udp_socket.hpp"

namespace lwm2mc::client {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

std::vector<std::uint8_t> bytes(const std::string& s) {
    return {s.begin(), s.end()};
}

const std::vector<std::uint8_t> kIdentity = bytes("dtls-node");
const std::vector<std::uint8_t> kKey = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x00, 0x11, 0x22, 0x33};

CoapTransportOptions fast_options() {
    CoapTransportOptions o;
    o.bind_host = "127.0.0.1";
    o.ack_timeout = 1000ms;  // libcoap 4.3.1's minimum
    o.ack_random_factor = 1.0;
    o.max_retransmit = 1;
    o.exchange_timeout = 4000ms;
    return o;
}

CoapTransportOptions dtls_server_options() {
    CoapTransportOptions o = fast_options();
    o.dtls_psk_table = {{kIdentity, kKey}};
    return o;
}

Endpoint dtls_endpoint(const CoapTransport& server) {
    return Endpoint{"127.0.0.1", server.local_dtls_port(), true};
}

using test_net::pump;

struct Outcome {
    bool done{false};
    std::optional<Response> response{};
    SendFailure failure{SendFailure::Cancelled};
};

Transport::ResponseHandler record(Outcome& out) {
    return [&out](std::optional<Response> r, SendFailure f) {
        out.done = true;
        out.response = std::move(r);
        out.failure = f;
    };
}

Request register_request() {
    Request r;
    r.method = code::kPost;
    r.uri_path = {"rd"};
    r.uri_query = {"ep=dtls-node", "lt=300", "lwm2m=1.1", "b=U"};
    r.content_format = content_format::kLinkFormat;
    r.payload = bytes("</1/0>,</3/0>");
    return r;
}

/// A server transport that records who sent what.
struct Server {
    CoapTransport transport{dtls_server_options()};
    std::vector<std::pair<Endpoint, Request>> seen{};
    Server() {
        transport.set_request_handler([this](const Endpoint& from, const Request& r) {
            seen.emplace_back(from, r);
            return Response{code::kCreated, {"rd", "7"}, std::nullopt, {}};
        });
    }
};

TEST(CoapTransportDtls, AKnownIdentityWithItsKeyCompletesTheHandshakeAndTheExchange) {
    Server server;
    CoapTransport client(fast_options());
    client.set_psk(dtls_endpoint(server.transport), PskCredentials{kIdentity, kKey});
    Outcome out;

    client.send(dtls_endpoint(server.transport), register_request(), record(out));
    ASSERT_TRUE(pump({&client, &server.transport}, [&] { return out.done; }));

    ASSERT_TRUE(out.response.has_value()) << send_failure_name(out.failure);
    EXPECT_EQ(code_to_string(out.response->code), "2.01");
    ASSERT_EQ(server.seen.size(), 1U);
    // The request arrived in the DTLS session: it comes from a secure endpoint (the session's own local port).
    EXPECT_TRUE(server.seen[0].first.secure);
    EXPECT_EQ(server.seen[0].first.host, "127.0.0.1");
    EXPECT_EQ(server.seen[0].second.uri_query, register_request().uri_query);
}

TEST(CoapTransportDtls, TheServerSendsToTheClientInTheSessionTheClientOpened) {
    // What a bootstrap server does after the Bootstrap-Request: its Writes go back over the client's session.
    Server server;
    CoapTransport client(fast_options());
    std::optional<Endpoint> client_saw_from;
    client.set_request_handler([&](const Endpoint& from, const Request&) {
        client_saw_from = from;
        return Response{code::kChanged, {}, std::nullopt, {}};
    });
    client.set_psk(dtls_endpoint(server.transport), PskCredentials{kIdentity, kKey});
    Outcome first;
    client.send(dtls_endpoint(server.transport), register_request(), record(first));
    ASSERT_TRUE(pump({&client, &server.transport}, [&] { return first.done; }));
    ASSERT_EQ(server.seen.size(), 1U);
    Request put;
    put.method = code::kPut;
    put.uri_path = {"0", "1"};
    Outcome write;

    server.transport.send(server.seen[0].first, put, record(write));
    ASSERT_TRUE(pump({&client, &server.transport}, [&] { return write.done; }));

    ASSERT_TRUE(write.response.has_value()) << send_failure_name(write.failure);
    EXPECT_EQ(code_to_string(write.response->code), "2.04");
    EXPECT_EQ(client_saw_from, dtls_endpoint(server.transport));
}

TEST(CoapTransportDtls, AWrongKeyFailsTheHandshakeAndNoRequestReachesTheServer) {
    Server server;
    CoapTransport client(fast_options());
    auto wrong = kKey;
    wrong.back() ^= 0x01U;
    client.set_psk(dtls_endpoint(server.transport), PskCredentials{kIdentity, wrong});
    Outcome out;

    client.send(dtls_endpoint(server.transport), register_request(), record(out));
    ASSERT_TRUE(pump(
        {&client, &server.transport}, [&] { return out.done; }, 15s));

    EXPECT_FALSE(out.response.has_value());
    EXPECT_EQ(out.failure, SendFailure::Handshake) << send_failure_name(out.failure);
    EXPECT_TRUE(server.seen.empty());
    EXPECT_EQ(client.outstanding(), 0U);
}

TEST(CoapTransportDtls, AWrongKeyFailsWithinLibcoapsHandshakeTimeoutNotOnlyAtTheExchangeDeadline) {
    // The server drops the client's Finished (it does not decrypt) without an alert; GnuTLS on the client side
    // gives up after its retransmissions and libcoap reports the failed session (COAP_EVENT_DTLS_ERROR/CLOSED).
    Server server;
    CoapTransportOptions slow = fast_options();
    slow.exchange_timeout = 60000ms;
    CoapTransport client(slow);
    auto wrong = kKey;
    wrong[3] ^= 0x10U;
    client.set_psk(dtls_endpoint(server.transport), PskCredentials{kIdentity, wrong});
    Outcome out;
    const auto sent_at = Steady::now();

    client.send(dtls_endpoint(server.transport), register_request(), record(out));
    ASSERT_TRUE(pump(
        {&client, &server.transport}, [&] { return out.done; }, 30s));

    EXPECT_EQ(out.failure, SendFailure::Handshake) << send_failure_name(out.failure);
    EXPECT_LT(Steady::now() - sent_at, 30s);
    EXPECT_TRUE(server.seen.empty());
    std::cout << "wrong key: handshake failure after "
              << std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - sent_at).count() << " ms\n";
}

TEST(CoapTransportDtls, AnUnknownIdentityFailsTheHandshake) {
    Server server;
    CoapTransport client(fast_options());
    client.set_psk(dtls_endpoint(server.transport), PskCredentials{bytes("stranger"), kKey});
    Outcome out;

    client.send(dtls_endpoint(server.transport), register_request(), record(out));
    ASSERT_TRUE(pump(
        {&client, &server.transport}, [&] { return out.done; }, 15s));

    EXPECT_EQ(out.failure, SendFailure::Handshake) << send_failure_name(out.failure);
    EXPECT_TRUE(server.seen.empty());
}

TEST(CoapTransportDtls, NothingLeavesTheClientInCleartextWhileTheHandshakeIsPending) {
    // A peer that never answers the ClientHello: every datagram the client sends it is a DTLS handshake record
    // (RFC 6347 4.1: content type 22, version 0xfeff or 0xfefd), and the Register's bytes appear in none.
    test_net::UdpSocket sink;
    CoapTransport client(fast_options());
    const Endpoint to{"127.0.0.1", sink.port(), true};
    client.set_psk(to, PskCredentials{kIdentity, kKey});
    Outcome out;
    std::vector<std::vector<std::uint8_t>> datagrams;

    client.send(to, register_request(), record(out));
    const auto until = Steady::now() + 2500ms;
    while (Steady::now() < until) {
        client.poll(5ms);
        while (auto d = sink.receive(0ms)) {
            datagrams.push_back(std::move(d->bytes));
        }
    }

    ASSERT_FALSE(datagrams.empty());
    const std::string marker = "ep=dtls-node";
    for (const auto& d : datagrams) {
        ASSERT_GE(d.size(), 13U);
        EXPECT_EQ(d[0], 22U);    // handshake
        EXPECT_EQ(d[1], 0xfeU);  // DTLS 1.x
        EXPECT_EQ(std::search(d.begin(), d.end(), marker.begin(), marker.end()), d.end());
    }
}

TEST(CoapTransportDtls, PlainCoapToTheDtlsPortIsNeverServed) {
    Server server;
    CoapTransport client(fast_options());
    Outcome out;

    client.send(Endpoint{"127.0.0.1", server.transport.local_dtls_port()}, register_request(), record(out));
    ASSERT_TRUE(pump(
        {&client, &server.transport}, [&] { return out.done; }, 6s));

    EXPECT_FALSE(out.response.has_value());
    EXPECT_TRUE(server.seen.empty());
}

TEST(CoapTransportDtls, ASecureSendWithoutCredentialsFailsWithoutTouchingTheNetwork) {
    Server server;
    CoapTransport client(fast_options());
    Outcome out;

    client.send(dtls_endpoint(server.transport), register_request(), record(out));
    client.poll(0ms);

    EXPECT_TRUE(out.done);
    EXPECT_EQ(out.failure, SendFailure::Handshake);
    EXPECT_TRUE(server.seen.empty());
}

TEST(CoapTransportDtls, NewCredentialsForAPeerOpenANewSession) {
    // TS 1.0 5.2.5: new security material, new session. A wrong key first, then the right one, to the same peer.
    Server server;
    CoapTransport client(fast_options());
    auto wrong = kKey;
    wrong.front() ^= 0x80U;
    client.set_psk(dtls_endpoint(server.transport), PskCredentials{kIdentity, wrong});
    Outcome failed;
    client.send(dtls_endpoint(server.transport), register_request(), record(failed));
    ASSERT_TRUE(pump(
        {&client, &server.transport}, [&] { return failed.done; }, 15s));
    ASSERT_EQ(failed.failure, SendFailure::Handshake);
    Outcome out;

    client.set_psk(dtls_endpoint(server.transport), PskCredentials{kIdentity, kKey});
    client.send(dtls_endpoint(server.transport), register_request(), record(out));
    ASSERT_TRUE(pump({&client, &server.transport}, [&] { return out.done; }));

    ASSERT_TRUE(out.response.has_value()) << send_failure_name(out.failure);
    EXPECT_EQ(server.seen.size(), 1U);
}

}  // namespace
}  // namespace lwm2mc::client
