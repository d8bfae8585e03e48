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
// check_block1_blocks reads the same input as a sequence of Block1 blocks for the transport's reassembly
// (Block1Reassembler, which the datagram path above does not reach: it lives in CoapTransport's socket path).

#include "lwm2mc/client/blockwise.hpp"
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

/// The properties above for one request `datagram` from `from` to the client `c`; empty when they hold.
inline std::string check_one(FuzzClient& c, const client::Endpoint& from, std::span<const std::uint8_t> datagram) {
    auto request = client::parse_coap_request(datagram);
    if (!request) {
        return {};
    }
    // RFC 7641 4.1: a GET with Observe=1 removes the observation with that token and is then processed as
    // usual; a GET with Observe=0 replaces the entry with that token, and its error answer ends the observation
    // for the observer (3.2). So the error answer to either may still have removed an observation (nothing else).
    const auto without_observations = [](client::PersistentState p) {
        p.observations.clear();
        return client::encode_state(p);
    };
    const std::string state_before{c.engine->state()};
    const client::PersistentState persisted_before = c.engine->persistent();
    const std::string stored_before = client::encode_state(persisted_before);

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
        const auto& after = c.engine->persistent();
        const bool deregister = request->observe.has_value() &&
                                after.observations.size() < persisted_before.observations.size() &&
                                without_observations(after) == without_observations(persisted_before);
        if (client::encode_state(after) != stored_before && !deregister) {
            return "error answer " + client::code_to_string(response.code) + " but the persistent state changed";
        }
    }
    if (response.observe && !request->observe) {
        return "an Observe option in the answer to a request without one";
    }
    try {
        for (int i = 0; i < 3; ++i) {
            c.clock.advance(client::Millis{1000});
            c.engine->step();
        }
        // Observers answer every notification (ACK); the next ones may then go out (RFC 7641 4.5).
        c.transport.complete_notifications();
        c.engine->step();
    } catch (const std::exception& e) {
        return std::string{"step() threw after the request: "} + e.what();
    }
    for (const auto& n : c.transport.notified) {
        if (!n.notification.response.observe) {
            return "a notification without an Observe option";
        }
    }
    return {};
}

/// Returns an empty string when every property holds, else what failed. With bit 7 of byte 0 set, the input
/// from byte 2 on is a sequence of datagrams, each preceded by its length (1 byte), all sent by the same peer
/// one after another (Write-Attributes, Observe, Write, cancel: the Information Reporting interface needs more
/// than one message to reach its states); otherwise it is one datagram.
inline std::string check_message(std::span<const std::uint8_t> input) {
    if (input.size() < 2) {
        return {};
    }
    FuzzClient c{static_cast<std::uint8_t>(input[0] & 0x7FU)};
    const client::Endpoint from = input[1] % 3 == 0 ? kServer : input[1] % 3 == 1 ? kBootstrapServer : kStranger;
    if ((input[0] & 0x80U) == 0) {
        return check_one(c, from, input.subspan(2));
    }
    std::size_t i = 2;
    while (i < input.size()) {
        const std::size_t length = std::min<std::size_t>(input[i], input.size() - (i + 1));
        if (auto failure = check_one(c, from, input.subspan(i + 1, length)); !failure.empty()) {
            return failure;
        }
        i += 1 + length;
    }
    return {};
}

/// The input from byte 2 on as Block1 blocks, each `key flags b0 b1 b2 size1 length payload...` (key: one of
/// three transfers; flags bit 0: Size1 present, bit 1: Content-Format 0 instead of 11542, bit 2: 2 s pass
/// before the block; b0..b2 the Block1 option value; length capped by what is left). Checks: no exception; at
/// most max_transfers transfers; every verdict's echo is the block; 4.00 exactly for SZX 7 or a payload that
/// does not fit the block size; a completed body is within max_body, ends with the last block's payload and
/// is exactly as long as the last block's offset plus its payload.
inline std::string check_block1_blocks(std::span<const std::uint8_t> input) {
    using client::Block1Reassembler;
    using Verdict = Block1Reassembler::Verdict;
    Block1Reassembler r{{256, 2, std::chrono::milliseconds{1000}}};
    auto now = std::chrono::steady_clock::time_point{};
    std::size_t i = 2;
    while (i + 7 <= input.size()) {
        const std::string key(1, static_cast<char>('a' + input[i] % 3));
        const std::uint8_t flags = input[i + 1];
        const auto block = client::decode_block_value(input.subspan(i + 2, 3));
        const std::optional<std::size_t> size1 =
            (flags & 1U) != 0 ? std::optional<std::size_t>{std::size_t{input[i + 5]} * 4} : std::nullopt;
        const std::size_t length = std::min<std::size_t>(input[i + 6], input.size() - (i + 7));
        const auto payload = input.subspan(i + 7, length);
        i += 7 + length;
        now += (flags & 4U) != 0 ? std::chrono::milliseconds{2000} : std::chrono::milliseconds{10};
        Block1Reassembler::Result res;
        try {
            res = r.add(key, *block, payload, size1, (flags & 2U) != 0 ? 0 : 11542, now);
        } catch (const std::exception& e) {
            return std::string{"Block1Reassembler::add threw: "} + e.what();
        }
        if (r.transfers() > r.limits().max_transfers) {
            return "more than max_transfers transfers";
        }
        if (res.echo != *block) {
            return "the echo is not the block";
        }
        const bool malformed =
            block->szx > 6 || payload.size() > block->size() || (block->more && payload.size() != block->size());
        if ((res.verdict == Verdict::BadRequest) != malformed) {
            return "4.00 for a well-formed block, or a malformed block accepted";
        }
        if (res.verdict == Verdict::Complete) {
            const std::uint64_t offset = std::uint64_t{block->num} * block->size();
            if (res.body.size() > r.limits().max_body || res.body.size() != offset + payload.size() ||
                !std::equal(payload.begin(), payload.end(), res.body.end() - static_cast<long>(payload.size()))) {
                return "a completed body that does not end with its last block";
            }
        } else if (!res.body.empty()) {
            return "a body without Complete";
        }
    }
    return {};
}

}  // namespace lwm2mc::fuzz
