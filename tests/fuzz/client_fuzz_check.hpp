// SPDX-License-Identifier: Apache-2.0
#pragma once

// What the CoAP message fuzz target checks for one input, shared with the corpus replay test.
// Input layout: byte 0 picks the client's situation (registered; in a client-initiated bootstrap; waiting
// ClientHoldOffTime with server-initiated bootstrap), byte 1 the sender (its LwM2M server, its bootstrap
// server, an unknown peer), the rest is one UDP datagram. A datagram that libcoap parses as a request is
// served by Client::handle_request; then:
//   - the answer is a response code (2.xx, 4.xx or 5.xx) and serialises as a CoAP datagram;
//   - an error answer (4.xx, 5.xx) leaves the lifecycle state and the persistent state unchanged;
//   - the engine keeps stepping without throwing.

#include "lwm2mc/client/client.hpp"
#include "lwm2mc/client/store.hpp"
#include "lwm2mc/client/transport_coap.hpp"

#include <cstdint>
#include <span>
#include <string>

#include "fake_transport.hpp"

namespace lwm2mc::fuzz {

inline const client::Endpoint kServer{"127.0.0.1", 5683};
inline const client::Endpoint kBootstrapServer{"127.0.0.1", 5783};
inline const client::Endpoint kStranger{"127.0.0.1", 40000};

/// The client in one of three situations, over a fake transport and a manual clock.
struct FuzzClient {
    client::testing::FakeTransport transport{};
    client::ManualClock clock{};
    client::Observer observer{};
    std::unique_ptr<client::Client> engine{};

    explicit FuzzClient(std::uint8_t situation) {
        client::ClientConfig c;
        c.endpoint = "fuzz";
        c.factory = false;
        c.client_initiated = false;
        c.server_initiated = false;
        c.bootstrap_server_uri = "coap://127.0.0.1:5783";
        switch (situation % 3) {
        case 0:  // registered after a factory bootstrap
            c.factory = true;
            c.server_uris = {"coap://127.0.0.1:5683"};
            break;
        case 1:  // in a client-initiated bootstrap: Bootstrap-Request acknowledged, Finish awaited
            c.client_initiated = true;
            break;
        default:  // waiting ClientHoldOffTime: a server-initiated bootstrap is accepted
            c.server_initiated = true;
            c.hold_off = 3600;
            break;
        }
        engine = std::make_unique<client::Client>(c, transport, clock, observer);
        engine->start();
        engine->step();
        if (transport.pending_count() > 0) {
            const bool is_register = transport.pending().request.uri_path == std::vector<std::string>{"rd"};
            if (is_register) {
                transport.answer(client::code::kCreated, {"rd", "1"});
            } else {
                transport.answer(client::code::kChanged);
            }
        }
        engine->step();
    }
};

/// Returns an empty string when every property holds, else what failed.
inline std::string check_message(std::span<const std::uint8_t> input) {
    if (input.size() < 2) {
        return {};
    }
    auto request = client::parse_coap_request(input.subspan(2));
    if (!request) {
        return {};
    }
    FuzzClient c{input[0]};
    const client::Endpoint from = input[1] % 3 == 0 ? kServer : input[1] % 3 == 1 ? kBootstrapServer : kStranger;
    const std::string state_before{c.engine->state()};
    const std::string stored_before = client::encode_state(c.engine->persistent());

    const client::Response response = c.engine->handle_request(from, *request);

    const unsigned cls = response.code >> 5U;
    if (cls != 2 && cls != 4 && cls != 5) {
        return "answer " + client::code_to_string(response.code) + " is not a response code";
    }
    try {
        client::CoapHeader header;
        header.token = {1, 2, 3, 4};
        (void)client::serialize_coap_response(header, response);
    } catch (const std::exception& e) {
        return std::string{"the answer does not serialise: "} + e.what();
    }
    if (cls != 2) {
        if (c.engine->state() != state_before) {
            return "error answer " + client::code_to_string(response.code) + " but the state changed from " +
                   state_before + " to " + std::string{c.engine->state()};
        }
        if (client::encode_state(c.engine->persistent()) != stored_before) {
            return "error answer " + client::code_to_string(response.code) + " but the persistent state changed";
        }
    }
    try {
        for (int i = 0; i < 3; ++i) {
            c.clock.advance(client::Millis{1000});
            c.engine->step();
        }
    } catch (const std::exception& e) {
        return std::string{"step() threw after the request: "} + e.what();
    }
    return {};
}

}  // namespace lwm2mc::fuzz
