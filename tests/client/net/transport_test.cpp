// SPDX-License-Identifier: Apache-2.0
// CoapTransport against another CoapTransport and against raw UDP sockets on 127.0.0.1.

#include "lwm2mc/client/transport_coap.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "pump.hpp"
#include "udp_socket.hpp"

namespace lwm2mc::client {
namespace {

using namespace std::chrono_literals;
using test_net::UdpSocket;
using Steady = std::chrono::steady_clock;

CoapTransportOptions fast_options() {
    CoapTransportOptions o;
    o.bind_host = "127.0.0.1";
    o.ack_timeout = 1000ms;  // libcoap 4.3.1's minimum
    o.ack_random_factor = 1.0;
    o.max_retransmit = 1;
    o.exchange_timeout = 4000ms;
    return o;
}

using test_net::pump;

struct Outcome {
    bool done{false};
    std::optional<Response> response{};
    SendFailure failure{SendFailure::Cancelled};
    Steady::time_point at{};
};

Transport::ResponseHandler record(Outcome& out) {
    return [&out](std::optional<Response> r, SendFailure f) {
        out.done = true;
        out.response = std::move(r);
        out.failure = f;
        out.at = Steady::now();
    };
}

std::vector<std::uint8_t> bytes(const std::string& s) {
    return {s.begin(), s.end()};
}

Request register_request() {
    Request r;
    r.method = code::kPost;
    r.uri_path = {"rd"};
    r.uri_query = {"ep=node1", "lt=300", "lwm2m=1.0", "b=U"};
    r.content_format = content_format::kLinkFormat;
    r.payload = bytes("</1/0>,</3/0>");
    return r;
}

TEST(CoapTransport, BindsAnEphemeralPortAndReportsIt) {
    CoapTransport a(fast_options());
    CoapTransport b(fast_options());

    EXPECT_NE(a.local_port(), 0);
    EXPECT_NE(a.local_port(), b.local_port());
    EXPECT_EQ(a.local_endpoint(), (Endpoint{"127.0.0.1", a.local_port()}));
}

TEST(CoapTransport, EphemeralPortsAreNeverSharedWithAnotherTransport) {
    // libcoap binds with SO_REUSEADDR, and Linux lets a port-0 bind of such a socket land on a port another
    // SO_REUSEADDR socket already holds: a client then sent its Register to itself (seen in CI). With a few
    // hundred transports alive, several would collide (about n^2 / 2 / 28000 pairs) if nothing prevented it.
    std::vector<std::unique_ptr<CoapTransport>> alive;
    std::set<std::uint16_t> ports;
    for (int i = 0; i < 400; ++i) {
        alive.push_back(std::make_unique<CoapTransport>(fast_options()));
        const auto port = alive.back()->local_port();
        ASSERT_TRUE(ports.insert(port).second) << "port " << port << " bound twice (transport " << i << ")";
    }
}

TEST(CoapTransport, RefusesTransmissionParametersLibcoapWouldIgnore) {
    CoapTransportOptions short_ack = fast_options();
    short_ack.ack_timeout = 500ms;
    CoapTransportOptions no_retransmit = fast_options();
    no_retransmit.max_retransmit = 0;
    CoapTransportOptions short_exchange = fast_options();
    short_exchange.exchange_timeout = 2999ms;  // retransmissions end at 1 + 2 s

    EXPECT_THROW(CoapTransport{short_ack}, std::invalid_argument);
    EXPECT_THROW(CoapTransport{no_retransmit}, std::invalid_argument);
    EXPECT_THROW(CoapTransport{short_exchange}, std::invalid_argument);
}

TEST(CoapTransport, RefusesANonNumericBindAddress) {
    CoapTransportOptions o = fast_options();
    o.bind_host = "localhost";

    EXPECT_THROW(CoapTransport{o}, std::runtime_error);
}

TEST(CoapTransport, RoundTripCarriesOptionsPayloadAndSenderEndpoint) {
    CoapTransport client(fast_options());
    CoapTransport server(fast_options());
    std::optional<Endpoint> seen_from;
    std::optional<Request> seen;
    server.set_request_handler([&](const Endpoint& from, const Request& r) {
        seen_from = from;
        seen = r;
        return Response{code::kCreated, {"rd", "5"}, content_format::kTextPlain, bytes("ok")};
    });
    Outcome out;

    client.send(server.local_endpoint(), register_request(), record(out));
    ASSERT_TRUE(pump({&client, &server}, [&] { return out.done; }));

    ASSERT_TRUE(out.response.has_value()) << send_failure_name(out.failure);
    EXPECT_EQ(code_to_string(out.response->code), "2.01");
    EXPECT_EQ(out.response->location_path, (std::vector<std::string>{"rd", "5"}));
    EXPECT_EQ(out.response->content_format, content_format::kTextPlain);
    EXPECT_EQ(out.response->payload, bytes("ok"));
    ASSERT_TRUE(seen.has_value());
    EXPECT_EQ(seen->method, code::kPost);
    EXPECT_EQ(seen->uri_path, (std::vector<std::string>{"rd"}));
    EXPECT_EQ(seen->uri_query, register_request().uri_query);
    EXPECT_EQ(seen->content_format, content_format::kLinkFormat);
    EXPECT_FALSE(seen->accept.has_value());
    EXPECT_EQ(seen->payload, bytes("</1/0>,</3/0>"));
    EXPECT_FALSE(seen->has_unknown_critical_option);
    // The request left from the bound port: a server's requests to that address reach this transport.
    EXPECT_EQ(seen_from, client.local_endpoint());
}

TEST(CoapTransport, KeepsASingleLocationPathOptionWithASlashAsOneSegment) {
    CoapTransport client(fast_options());
    CoapTransport server(fast_options());
    server.set_request_handler([](const Endpoint&, const Request&) {
        return Response{code::kCreated, {"rd/7"}, std::nullopt, {}};  // lwm2m-node-lib's form
    });
    Outcome out;

    client.send(server.local_endpoint(), register_request(), record(out));
    ASSERT_TRUE(pump({&client, &server}, [&] { return out.done; }));

    ASSERT_TRUE(out.response.has_value());
    EXPECT_EQ(out.response->location_path, (std::vector<std::string>{"rd/7"}));
}

TEST(CoapTransport, ServesRequestsThatThePeerSendsBackToItsAddress) {
    CoapTransport client(fast_options());
    CoapTransport server(fast_options());
    std::optional<Endpoint> registered_from;
    server.set_request_handler([&](const Endpoint& from, const Request&) {
        registered_from = from;
        return Response{code::kCreated, {"rd", "0"}, std::nullopt, {}};
    });
    std::vector<std::pair<Endpoint, Request>> client_saw;
    client.set_request_handler([&](const Endpoint& from, const Request& r) {
        client_saw.emplace_back(from, r);
        return Response{code::kContent, {}, content_format::kTextPlain, bytes("u-blox")};
    });
    Outcome reg;
    Outcome read;
    client.send(server.local_endpoint(), register_request(), record(reg));
    ASSERT_TRUE(pump({&client, &server}, [&] { return reg.done; }));
    ASSERT_TRUE(registered_from.has_value());
    Request read_request;
    read_request.method = code::kGet;
    read_request.uri_path = {"3", "0", "0"};
    read_request.accept = content_format::kTextPlain;

    server.send(*registered_from, read_request, record(read));
    ASSERT_TRUE(pump({&client, &server}, [&] { return read.done; }));

    ASSERT_TRUE(read.response.has_value()) << send_failure_name(read.failure);
    EXPECT_EQ(code_to_string(read.response->code), "2.05");
    EXPECT_EQ(read.response->payload, bytes("u-blox"));
    ASSERT_EQ(client_saw.size(), 1U);
    EXPECT_EQ(client_saw[0].first, server.local_endpoint());
    EXPECT_EQ(client_saw[0].second.uri_path, (std::vector<std::string>{"3", "0", "0"}));
    EXPECT_EQ(client_saw[0].second.accept, content_format::kTextPlain);
}

TEST(CoapTransport, RequestToAClosedPortIsRetransmittedUntilItTimesOut) {
    CoapTransport client(fast_options());
    const std::uint16_t port = test_net::closed_udp_port();
    Outcome out;
    const auto start = Steady::now();

    client.send(Endpoint{"127.0.0.1", port}, register_request(), record(out));
    ASSERT_TRUE(pump(
        {&client}, [&] { return out.done; }, 5000ms));

    // Linux answers each transmission with ICMP port unreachable at once on loopback. That is transient (RFC
    // 7252 4.2): the request keeps its retransmissions and fails only when they are spent (1 + 2 s).
    EXPECT_FALSE(out.response.has_value());
    EXPECT_EQ(out.failure, SendFailure::Timeout) << send_failure_name(out.failure);
    EXPECT_GE(out.at - start, 2900ms);
    EXPECT_LT(out.at - start, 4000ms);
}

TEST(CoapTransport, APeerThatStartsListeningLateAnswersARetransmission) {
    // Issue 13: a server that comes up after the client's first transmission (ICMP port unreachable) answers a
    // retransmission, and that answer completes the request (before, the request had failed at the ICMP while
    // libcoap retransmitted it anyway, and the server's 2.01 reached nobody).
    CoapTransportOptions o = fast_options();
    o.max_retransmit = 2;  // transmissions at 0, 1 and 3 s; gives up at 7 s
    o.exchange_timeout = 7000ms;
    CoapTransport client(o);
    const std::uint16_t port = test_net::closed_udp_port();
    Outcome out;
    const auto start = Steady::now();
    client.send(Endpoint{"127.0.0.1", port}, register_request(), record(out));
    pump(
        {&client}, [] { return false; }, 1500ms);  // the transmissions at 0 and 1 s meet a closed port
    ASSERT_FALSE(out.done) << send_failure_name(out.failure);
    CoapTransportOptions server_options = fast_options();
    server_options.bind_port = port;
    CoapTransport server(server_options);
    int registers = 0;
    server.set_request_handler([&](const Endpoint&, const Request&) {
        ++registers;
        return Response{code::kCreated, {"rd", "0"}, std::nullopt, {}};
    });

    ASSERT_TRUE(pump(
        {&client, &server}, [&] { return out.done; }, 4000ms));

    ASSERT_TRUE(out.response.has_value()) << send_failure_name(out.failure);
    EXPECT_EQ(code_to_string(out.response->code), "2.01");
    EXPECT_EQ(registers, 1);
    EXPECT_GE(out.at - start, 2900ms);  // answered at the retransmission 3 s after the first transmission
    EXPECT_LT(out.at - start, 3500ms);
    EXPECT_EQ(client.ignored_responses(), 0U);
}

TEST(CoapTransport, ARequestPastItsDeadlineIsNeverTransmittedAgain) {
    // Two requests to a silent peer: the second waits in libcoap's NSTART queue until the first times out at
    // 3 s, is transmitted then, and reaches its own 3 s deadline at once. After its handler ran with the
    // failure, nothing more may leave for it.
    CoapTransportOptions o = fast_options();
    o.exchange_timeout = 3000ms;
    CoapTransport client(o);
    UdpSocket silent;
    Outcome first;
    Outcome second;
    std::vector<std::pair<Steady::time_point, std::vector<std::uint8_t>>> arrivals;
    auto drain = [&] {
        while (auto d = silent.receive(0ms)) {
            arrivals.emplace_back(Steady::now(), d->bytes);
        }
    };
    client.send(Endpoint{"127.0.0.1", silent.port()}, register_request(), record(first));
    client.send(Endpoint{"127.0.0.1", silent.port()}, register_request(), record(second));

    ASSERT_TRUE(pump(
        {&client},
        [&] {
            drain();
            return first.done && second.done;
        },
        6000ms));
    pump(
        {&client},
        [&] {
            drain();
            return false;
        },
        2500ms);  // past the retransmission time of the second request

    EXPECT_EQ(first.failure, SendFailure::Timeout);
    EXPECT_EQ(second.failure, SendFailure::Timeout);
    const auto last_done = std::max(first.at, second.at);
    for (const auto& [at, bytes] : arrivals) {
        EXPECT_LE(at, last_done + 100ms) << "a datagram " << (at - last_done).count() / 1000000
                                         << " ms after both requests were given up";
    }
    EXPECT_EQ(client.outstanding(), 0U);
}

TEST(CoapTransport, IgnoresALateAnswerToACancelledRequest) {
    CoapTransport client(fast_options());
    UdpSocket peer;
    Outcome cancelled;
    client.send(Endpoint{"127.0.0.1", peer.port()}, register_request(), record(cancelled));
    client.poll(0ms);
    auto request = peer.receive(1000ms);
    ASSERT_TRUE(request.has_value());
    client.cancel_all();
    client.poll(0ms);
    ASSERT_TRUE(cancelled.done);

    // A piggy-backed 2.01 to the cancelled request: ACK, its message id and token.
    const std::size_t tkl = request->bytes[0] & 0x0FU;
    std::vector<std::uint8_t> ack{static_cast<std::uint8_t>(0x60U | tkl), code::kCreated, request->bytes[2],
                                  request->bytes[3]};
    ack.insert(ack.end(), request->bytes.begin() + 4, request->bytes.begin() + 4 + static_cast<long>(tkl));
    peer.send_to(request->from_port, ack);
    pump(
        {&client}, [&] { return client.ignored_responses() > 0; }, 1000ms);

    EXPECT_EQ(cancelled.failure, SendFailure::Cancelled);
    EXPECT_EQ(client.ignored_responses(), 1U);
}

TEST(CoapTransport, RetransmitsMaxRetransmitTimesThenTimesOut) {
    CoapTransport client(fast_options());
    UdpSocket silent;
    Outcome out;
    const auto start = Steady::now();

    client.send(Endpoint{"127.0.0.1", silent.port()}, register_request(), record(out));
    ASSERT_TRUE(pump(
        {&client}, [&] { return out.done; }, 5000ms));
    std::vector<std::vector<std::uint8_t>> copies;
    while (auto d = silent.receive(0ms)) {
        copies.push_back(d->bytes);
    }

    EXPECT_FALSE(out.response.has_value());
    EXPECT_EQ(out.failure, SendFailure::Timeout);
    ASSERT_EQ(copies.size(), 2U);        // first transmission + MAX_RETRANSMIT (1)
    EXPECT_EQ(copies[0], copies[1]);     // same message id and token
    EXPECT_EQ(copies[0][0] >> 4U, 0x4);  // version 1, Confirmable
    // ACK_TIMEOUT 1 s, random factor 1.0: retransmission at 1 s, give up at 1 + 2 = 3 s.
    EXPECT_GE(out.at - start, 2900ms);
    EXPECT_LT(out.at - start, 4000ms);
}

TEST(CoapTransport, MapsResetToReset) {
    CoapTransport client(fast_options());
    UdpSocket peer;
    Outcome out;
    client.send(Endpoint{"127.0.0.1", peer.port()}, register_request(), record(out));
    client.poll(0ms);
    auto request = peer.receive(1000ms);
    ASSERT_TRUE(request.has_value());

    // RST: version 1, type 3, no token, code 0.00, the request's message id.
    peer.send_to(request->from_port, {0x70, 0x00, request->bytes[2], request->bytes[3]});
    ASSERT_TRUE(pump(
        {&client}, [&] { return out.done; }, 1000ms));

    EXPECT_FALSE(out.response.has_value());
    EXPECT_EQ(out.failure, SendFailure::Reset);
}

TEST(CoapTransport, EmptyAckWithoutResponseTimesOutAfterExchangeTimeout) {
    CoapTransportOptions o = fast_options();
    o.exchange_timeout = 3000ms;  // the shortest allowed with a 1 s ACK timeout and one retransmission
    CoapTransport client(o);
    CoapTransport server(fast_options());
    server.set_request_handler([](const Endpoint&, const Request&) { return Response{code::kEmpty, {}, {}, {}}; });
    Outcome out;
    const auto start = Steady::now();

    client.send(server.local_endpoint(), register_request(), record(out));
    ASSERT_TRUE(pump(
        {&client, &server}, [&] { return out.done; }, 4000ms));

    EXPECT_FALSE(out.response.has_value());
    EXPECT_EQ(out.failure, SendFailure::Timeout);
    EXPECT_GE(out.at - start, 3000ms);
    EXPECT_LT(out.at - start, 4000ms);
}

TEST(CoapTransport, CancelAllCompletesOutstandingRequestsFromTheNextPoll) {
    CoapTransport client(fast_options());
    UdpSocket silent;
    Outcome a;
    Outcome b;
    client.send(Endpoint{"127.0.0.1", silent.port()}, register_request(), record(a));
    client.send(Endpoint{"127.0.0.1", silent.port()}, register_request(), record(b));
    client.poll(0ms);

    client.cancel_all();
    const bool ran_inside_cancel = a.done || b.done;
    client.poll(0ms);

    EXPECT_FALSE(ran_inside_cancel);
    EXPECT_TRUE(a.done);
    EXPECT_TRUE(b.done);
    EXPECT_EQ(a.failure, SendFailure::Cancelled);
    EXPECT_EQ(b.failure, SendFailure::Cancelled);
    EXPECT_EQ(client.outstanding(), 0U);
}

TEST(CoapTransport, NeverRunsTheResponseHandlerInsideSend) {
    CoapTransport client(fast_options());
    Outcome out;

    client.send(Endpoint{"not-an-address", 5683}, register_request(), record(out));
    const bool ran_inside_send = out.done;
    client.poll(0ms);

    EXPECT_FALSE(ran_inside_send);
    EXPECT_TRUE(out.done);
    EXPECT_EQ(out.failure, SendFailure::Unreachable);
}

TEST(CoapTransport, AnswersServiceUnavailableWithoutARequestHandler) {
    CoapTransport server(fast_options());
    UdpSocket raw;
    Request r;
    r.method = code::kGet;
    r.uri_path = {"3", "0"};

    raw.send_to(server.local_port(), serialize_coap_request({CoapHeader::Type::Confirmable, 0x1234, {0xAB}}, r));
    std::optional<test_net::Datagram> reply;
    pump(
        {&server}, [&] { return (reply = raw.receive(0ms)).has_value(); }, 1000ms);

    ASSERT_TRUE(reply.has_value());
    ASSERT_GE(reply->bytes.size(), 5U);
    EXPECT_EQ(reply->bytes[0], 0x61);  // version 1, ACK, token length 1
    EXPECT_EQ(code_to_string(reply->bytes[1]), "5.03");
    EXPECT_EQ(reply->bytes[2], 0x12);
    EXPECT_EQ(reply->bytes[3], 0x34);
    EXPECT_EQ(reply->bytes[4], 0xAB);
}

TEST(CoapTransport, HandsRawRequestsToTheHandlerWithTheSendersEndpoint) {
    CoapTransport server(fast_options());
    std::optional<Endpoint> from;
    std::optional<Request> seen;
    server.set_request_handler([&](const Endpoint& f, const Request& r) {
        from = f;
        seen = r;
        return Response{code::kChanged, {}, std::nullopt, {}};
    });
    UdpSocket raw;
    Request r;
    r.method = code::kPut;
    r.uri_path = {"0", "1"};
    r.uri_query = {"x=1"};
    r.content_format = content_format::kLwm2mTlv;
    r.accept = content_format::kLwm2mTlv;
    r.payload = {0xC1, 0x0A, 0x65};

    raw.send_to(server.local_port(), serialize_coap_request({CoapHeader::Type::Confirmable, 7, {1, 2, 3, 4}}, r));
    std::optional<test_net::Datagram> reply;
    pump(
        {&server}, [&] { return (reply = raw.receive(0ms)).has_value(); }, 1000ms);

    ASSERT_TRUE(seen.has_value());
    EXPECT_EQ(from, (Endpoint{"127.0.0.1", raw.port()}));
    EXPECT_EQ(seen->method, code::kPut);
    EXPECT_EQ(seen->uri_path, r.uri_path);
    EXPECT_EQ(seen->uri_query, r.uri_query);
    EXPECT_EQ(seen->content_format, content_format::kLwm2mTlv);
    EXPECT_EQ(seen->accept, content_format::kLwm2mTlv);
    EXPECT_EQ(seen->payload, r.payload);
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->bytes, serialize_coap_response({CoapHeader::Type::Acknowledgement, 7, {1, 2, 3, 4}},
                                                    Response{code::kChanged, {}, std::nullopt, {}}));
}

TEST(CoapTransport, SetsTheFlagForCriticalOptionsARequestCannotCarry) {
    CoapTransport server(fast_options());
    std::vector<Request> seen;
    server.set_request_handler([&](const Endpoint&, const Request& r) {
        seen.push_back(r);
        return Response{code::kChanged, {}, std::nullopt, {}};
    });
    UdpSocket raw;
    // POST /1, If-Match (option 1, critical, known to libcoap, not representable in Request): 0x41 header,
    // then option delta 1 length 1 (0x11 0xEE), then Uri-Path delta 10 length 1 (0xA1 '1').
    const std::vector<std::uint8_t> with_if_match{0x40, 0x02, 0x00, 0x01, 0x11, 0xEE, 0xA1, '1'};
    const std::vector<std::uint8_t> plain{0x40, 0x02, 0x00, 0x02, 0xB1, '1'};

    raw.send_to(server.local_port(), with_if_match);
    raw.send_to(server.local_port(), plain);
    pump(
        {&server}, [&] { return seen.size() == 2; }, 1000ms);

    ASSERT_EQ(seen.size(), 2U);
    EXPECT_TRUE(seen[0].has_unknown_critical_option);
    EXPECT_EQ(seen[0].uri_path, (std::vector<std::string>{"1"}));
    EXPECT_FALSE(seen[1].has_unknown_critical_option);
}

TEST(CoapTransport, UnknownCriticalOptionIsAnsweredBadOptionByLibcoap) {
    CoapTransport server(fast_options());
    int handler_calls = 0;
    server.set_request_handler([&](const Endpoint&, const Request&) {
        ++handler_calls;
        return Response{code::kChanged, {}, std::nullopt, {}};
    });
    UdpSocket raw;
    // GET, option 65001 (odd: critical; experimental range) with an empty value: delta 14 extended by
    // 65001 - 269 = 0xFD1C.
    const std::vector<std::uint8_t> datagram{0x40, 0x01, 0x00, 0x09, 0xE0, 0xFD, 0x1C};

    raw.send_to(server.local_port(), datagram);
    std::optional<test_net::Datagram> reply;
    pump(
        {&server}, [&] { return (reply = raw.receive(0ms)).has_value(); }, 1000ms);

    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->bytes[0] & 0x30U, 0x20U);  // ACK
    EXPECT_EQ(code_to_string(reply->bytes[1]), "4.02");
    EXPECT_EQ(handler_calls, 0);
}

TEST(CoapTransport, SurvivesMalformedDatagramsAndKeepsServing) {
    CoapTransport server(fast_options());
    int handler_calls = 0;
    server.set_request_handler([&](const Endpoint&, const Request&) {
        ++handler_calls;
        return Response{code::kContent, {}, std::nullopt, {}};
    });
    UdpSocket raw;
    // clang-format off
    const std::vector<std::vector<std::uint8_t>> malformed{
        {},                                         // empty datagram
        {0x40},                                     // truncated header
        {0x00, 0x01, 0x00, 0x01},                   // version 0
        {0x49, 0x01, 0x00, 0x02, 1, 2, 3, 4, 5, 6, 7, 8, 9},  // token length 9 (reserved)
        {0x40, 0x01, 0x00, 0x03, 0xF0},             // option delta nibble 15 without payload marker
        {0x40, 0x01, 0x00, 0x04, 0xBD},             // Uri-Path with extended length byte missing
        {0x40, 0x01, 0x00, 0x05, 0xB5, 'a'},        // option value shorter than its length
        {0x40, 0x01, 0x00, 0x06, 0xFF},             // payload marker without payload
        {0x60, 0x45, 0x00, 0x07},                   // unsolicited ACK 2.05
        {0x40, 0xE0, 0x00, 0x08},                   // code 7.00 (reserved class)
        {0x50, 0x00, 0x00, 0x09},                   // NON empty message
    };
    // clang-format on
    std::vector<std::vector<std::uint8_t>> replies;

    for (const auto& d : malformed) {
        raw.send_to(server.local_port(), d);
        server.poll(20ms);
        while (auto r = raw.receive(20ms)) {
            replies.push_back(r->bytes);
        }
    }
    raw.send_to(server.local_port(), {0x40, 0x01, 0x00, 0x10, 0xB1, '3'});  // a good GET /3, message id 0x0010
    std::optional<test_net::Datagram> good;
    const auto answers_good = [&] {
        auto d = raw.receive(0ms);
        if (d && d->bytes.size() >= 4 && d->bytes[2] == 0x00 && d->bytes[3] == 0x10) {
            good = d;
        } else if (d) {
            replies.push_back(d->bytes);  // a late answer to a malformed datagram
        }
        return good.has_value();
    };
    pump({&server}, answers_good, 1000ms);

    EXPECT_EQ(handler_calls, 1);  // only the good request reached the handler
    ASSERT_TRUE(good.has_value());
    EXPECT_EQ(code_to_string(good->bytes[1]), "2.05");
    for (const auto& r : replies) {
        ASSERT_GE(r.size(), 4U);
        const unsigned type = (r[0] >> 4U) & 0x3U;
        const bool reset = type == 3;
        const bool client_error = (r[1] >> 5U) == 4;
        EXPECT_TRUE(reset || client_error) << "unexpected reply type " << type << " code " << code_to_string(r[1]);
    }
}

TEST(CoapTransport, MovesLargePayloadsBlockwiseInBothDirections) {
    CoapTransport client(fast_options());
    CoapTransport server(fast_options());
    std::vector<std::uint8_t> big_request(3000);
    std::vector<std::uint8_t> big_response(5000);
    for (std::size_t i = 0; i < big_request.size(); ++i) {
        big_request[i] = static_cast<std::uint8_t>(i * 7);
    }
    for (std::size_t i = 0; i < big_response.size(); ++i) {
        big_response[i] = static_cast<std::uint8_t>(i * 13);
    }
    std::optional<Request> seen;
    server.set_request_handler([&](const Endpoint&, const Request& r) {
        seen = r;
        return Response{code::kContent, {}, content_format::kOctetStream, big_response};
    });
    Request r;
    r.method = code::kPut;
    r.uri_path = {"5", "0", "0"};
    r.content_format = content_format::kOctetStream;
    r.payload = big_request;
    Outcome out;

    client.send(server.local_endpoint(), r, record(out));
    ASSERT_TRUE(pump({&client, &server}, [&] { return out.done; }));

    ASSERT_TRUE(seen.has_value());
    EXPECT_EQ(seen->payload, big_request);
    ASSERT_TRUE(out.response.has_value()) << send_failure_name(out.failure);
    EXPECT_EQ(code_to_string(out.response->code), "2.05");
    EXPECT_EQ(out.response->payload, big_response);
    EXPECT_EQ(out.response->content_format, content_format::kOctetStream);
}

TEST(CoapTransport, SendsIssuedFromARequestHandlerGoOutAfterDispatch) {
    CoapTransport a(fast_options());
    CoapTransport b(fast_options());
    Outcome from_handler;
    bool b_answered_ping = false;
    a.set_request_handler([&](const Endpoint& from, const Request&) {
        Request follow_up;
        follow_up.method = code::kPost;
        follow_up.uri_path = {"bs"};
        a.send(from, follow_up, record(from_handler));  // e.g. Register right after Bootstrap-Finish
        return Response{code::kChanged, {}, std::nullopt, {}};
    });
    b.set_request_handler([&](const Endpoint&, const Request&) {
        b_answered_ping = true;
        return Response{code::kChanged, {}, std::nullopt, {}};
    });
    Outcome first;
    Request finish;
    finish.method = code::kPost;
    finish.uri_path = {"bs"};

    b.send(a.local_endpoint(), finish, record(first));
    ASSERT_TRUE(pump({&a, &b}, [&] { return first.done && from_handler.done; }));

    ASSERT_TRUE(first.response.has_value());
    ASSERT_TRUE(from_handler.response.has_value()) << send_failure_name(from_handler.failure);
    EXPECT_TRUE(b_answered_ping);
    EXPECT_EQ(code_to_string(from_handler.response->code), "2.04");
}

}  // namespace
}  // namespace lwm2mc::client

namespace lwm2mc::client {
namespace {

TEST(CoapTransport, ReachesAPeerThatStartsListeningAfterAnEarlierFailure) {
    CoapTransport client(fast_options());
    const std::uint16_t port = test_net::closed_udp_port();
    Outcome first;
    client.send(Endpoint{"127.0.0.1", port}, register_request(), record(first));
    ASSERT_TRUE(pump(
        {&client}, [&] { return first.done; }, 5000ms));
    ASSERT_FALSE(first.response.has_value());
    CoapTransportOptions server_options = fast_options();
    server_options.bind_port = port;
    CoapTransport server(server_options);
    server.set_request_handler([](const Endpoint&, const Request&) {
        return Response{code::kCreated, {"rd", "0"}, std::nullopt, {}};
    });
    Outcome second;

    client.send(Endpoint{"127.0.0.1", port}, register_request(), record(second));
    ASSERT_TRUE(pump(
        {&client, &server}, [&] { return second.done; }, 5000ms));

    ASSERT_TRUE(second.response.has_value()) << send_failure_name(second.failure);
    EXPECT_EQ(code_to_string(second.response->code), "2.01");
}

TEST(CoapTransport, CancelledRequestsAreNotRetransmittedAndTheNextRequestWorks) {
    CoapTransport client(fast_options());
    UdpSocket peer;
    Outcome cancelled;
    client.send(Endpoint{"127.0.0.1", peer.port()}, register_request(), record(cancelled));
    client.poll(0ms);
    auto original = peer.receive(1000ms);
    ASSERT_TRUE(original.has_value());
    client.cancel_all();
    Outcome next;
    Request get;
    get.method = code::kGet;
    get.uri_path = {"x"};

    client.send(Endpoint{"127.0.0.1", peer.port()}, get, record(next));
    client.poll(0ms);
    auto second = peer.receive(1000ms);
    ASSERT_TRUE(second.has_value());
    // Piggy-backed 2.05 to the second request: ACK, its message id and token (token length from byte 0).
    const std::size_t tkl = second->bytes[0] & 0x0FU;
    std::vector<std::uint8_t> ack{static_cast<std::uint8_t>(0x60U | tkl), code::kContent, second->bytes[2],
                                  second->bytes[3]};
    ack.insert(ack.end(), second->bytes.begin() + 4, second->bytes.begin() + 4 + static_cast<long>(tkl));
    peer.send_to(second->from_port, ack);
    pump(
        {&client}, [&] { return next.done; }, 1000ms);
    pump(
        {&client}, [] { return false; }, 2500ms);  // past the first retransmission time of both requests
    std::vector<std::vector<std::uint8_t>> later;
    while (auto d = peer.receive(0ms)) {
        later.push_back(d->bytes);
    }

    EXPECT_EQ(cancelled.failure, SendFailure::Cancelled);
    EXPECT_NE(original->bytes, second->bytes);
    ASSERT_TRUE(next.response.has_value()) << send_failure_name(next.failure);
    EXPECT_EQ(code_to_string(next.response->code), "2.05");
    EXPECT_TRUE(later.empty()) << later.size() << " datagrams after cancel_all and the answered request";
}

}  // namespace
}  // namespace lwm2mc::client
