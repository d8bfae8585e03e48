// SPDX-License-Identifier: Apache-2.0
// The scriptable peers against a CoapTransport that plays the device, and the peers' TLV writer against
// byte strings worked out by hand from LwM2M TS 1.0 6.4.3.

#include "lwm2mc/client/transport_coap.hpp"
#include "lwm2mc/conformance/bootstrap_server.hpp"
#include "lwm2mc/conformance/lwm2m_server.hpp"
#include "lwm2mc/conformance/tlv_writer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace lwm2mc::conformance {
namespace {

using namespace std::chrono_literals;
using client::Code;
using client::code_to_string;
using client::Endpoint;
using client::Request;
using client::Response;
using client::SendFailure;
namespace code = client::code;
namespace content_format = client::content_format;

client::CoapTransportOptions device_options() {
    client::CoapTransportOptions o;
    o.bind_host = "127.0.0.1";
    o.ack_timeout = 1000ms;
    o.ack_random_factor = 1.0;
    o.max_retransmit = 1;
    o.exchange_timeout = 3000ms;  // the shortest libcoap's retransmissions allow
    return o;
}

/// The device side of the tests: a transport whose request handler records and answers with `answer`.
struct Device {
    client::CoapTransport transport;
    std::vector<std::pair<Endpoint, Request>> requests{};
    std::function<Response(const Request&)> answer = [](const Request& r) {
        switch (r.method) {
        case code::kGet:
            return Response{code::kContent, {}, content_format::kLinkFormat, {'<', '/', '>'}};
        case code::kDelete:
            return Response{code::kDeleted, {}, std::nullopt, {}};
        default:
            return Response{code::kChanged, {}, std::nullopt, {}};
        }
    };

    explicit Device(const client::CoapTransportOptions& options = device_options()) : transport(options) {
        transport.set_request_handler([this](const Endpoint& from, const Request& r) {
            requests.emplace_back(from, r);
            return answer(r);
        });
    }

    struct Result {
        bool done{false};
        std::optional<Response> response{};
        SendFailure failure{SendFailure::Cancelled};
    };

    /// Sends and polls this device (the peer runs in its own thread or is stepped by `step`).
    Result exchange(const Endpoint& to, Request r, const std::function<void()>& step = {},
                    std::chrono::milliseconds timeout = 5s) {
        Result out;
        transport.send(to, std::move(r), [&out](std::optional<Response> resp, SendFailure f) {
            out.done = true;
            out.response = std::move(resp);
            out.failure = f;
        });
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!out.done && std::chrono::steady_clock::now() < deadline) {
            transport.poll(2ms);
            if (step) {
                step();
            }
        }
        return out;
    }

    /// Polls until `done` holds.
    bool poll_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 5s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!done()) {
            if (std::chrono::steady_clock::now() > deadline) {
                return false;
            }
            transport.poll(2ms);
        }
        return true;
    }
};

Request bootstrap_request(const std::string& ep) {
    Request r = make_request(code::kPost, "/bs");
    r.uri_query = {"ep=" + ep};
    return r;
}

std::vector<std::string> outcomes(const std::vector<Exchange>& exchanges) {
    std::vector<std::string> out;
    for (const auto& e : exchanges) {
        out.push_back(e.label + " " + outcome_string(e));
    }
    return out;
}

// ---- TLV writer ----

TEST(TlvWriter, EncodesResourcesWithTheShortestLengthFields) {
    // clang-format off
    const std::vector<TlvResource> resources{
        {0, TlvValue::of_int(101)},              // C1 00 65
        {1, TlvValue::of_int(300)},              // C2 01 01 2C
        {6, TlvValue::of_bool(false)},           // C1 06 00
        {7, TlvValue::of_string("U")},           // C1 07 55
        {0, TlvValue::of_string("coap://h:1")},  // C8 00 0A + 10 bytes (length >= 8: 8-bit length field)
        {300, TlvValue::of_int(-1)},             // E1 01 2C FF (16-bit identifier)
        {3, TlvValue::of_opaque({})},            // C0 03
    };
    const std::vector<std::uint8_t> expected{
        0xC1, 0x00, 0x65,
        0xC2, 0x01, 0x01, 0x2C,
        0xC1, 0x06, 0x00,
        0xC1, 0x07, 'U',
        0xC8, 0x00, 0x0A, 'c', 'o', 'a', 'p', ':', '/', '/', 'h', ':', '1',
        0xE1, 0x01, 0x2C, 0xFF,
        0xC0, 0x03,
    };
    // clang-format on

    EXPECT_EQ(tlv_resources(resources), expected);
}

TEST(TlvWriter, WrapsResourcesInAnObjectInstance) {
    const std::vector<TlvResource> resources{{0, TlvValue::of_int(1)}};

    EXPECT_EQ(tlv_instance(2, resources), (std::vector<std::uint8_t>{0x03, 0x02, 0xC1, 0x00, 0x01}));
}

TEST(TlvWriter, RendersTextPlainValues) {
    EXPECT_EQ(text_value(TlvValue::of_int(-42)), "-42");
    EXPECT_EQ(text_value(TlvValue::of_bool(true)), "1");
    EXPECT_EQ(text_value(TlvValue::of_string("U")), "U");
    EXPECT_THROW(text_value(TlvValue::of_opaque({1})), std::invalid_argument);
}

// ---- BootstrapServer ----

TEST(BootstrapServerPeer, AnswersTheBootstrapRequestThenRunsItsScript) {
    BootstrapServer bs;
    const std::string server_uri = "coap://127.0.0.1:5683";
    bs.set_script({BootstrapServer::delete_all(), BootstrapServer::write_security(1, server_uri, false, 101),
                   BootstrapServer::write_server(1, 101, 300), BootstrapServer::discover("/"),
                   BootstrapServer::finish()});
    Device device;

    auto result = device.exchange(bs.endpoint(), bootstrap_request("node1"), [&] { bs.step(0ms); });
    ASSERT_TRUE(result.response.has_value());
    EXPECT_EQ(code_to_string(result.response->code), "2.04");
    ASSERT_TRUE(device.poll_until([&] {
        bs.step(0ms);
        return bs.script_finished();
    }));

    EXPECT_EQ(outcomes(bs.script_results()),
              (std::vector<std::string>{"delete / 2.02", "write /0/1 2.04", "write /1/1 2.04", "discover / 2.05",
                                        "finish 2.04"}));
    ASSERT_EQ(device.requests.size(), 5U);
    for (const auto& [from, r] : device.requests) {
        EXPECT_EQ(from, bs.endpoint());
    }
    EXPECT_EQ(device.requests[0].second.method, code::kDelete);
    EXPECT_TRUE(device.requests[0].second.uri_path.empty());
    const Request& security = device.requests[1].second;
    EXPECT_EQ(security.method, code::kPut);
    EXPECT_EQ(security.uri_path, (std::vector<std::string>{"0", "1"}));
    EXPECT_EQ(security.content_format, content_format::kLwm2mTlv);
    EXPECT_EQ(security.payload, tlv_resources(BootstrapServer::security_resources(server_uri, false, 101)));
    const Request& server = device.requests[2].second;
    // Server /1/1: SSID 101, lifetime 300, notification storing false, binding "U".
    EXPECT_EQ(server.payload,
              (std::vector<std::uint8_t>{0xC1, 0x00, 0x65, 0xC2, 0x01, 0x01, 0x2C, 0xC1, 0x06, 0x00, 0xC1, 0x07, 'U'}));
    EXPECT_EQ(device.requests[3].second.accept, content_format::kLinkFormat);
    EXPECT_EQ(device.requests[4].second.method, code::kPost);
    EXPECT_EQ(device.requests[4].second.uri_path, (std::vector<std::string>{"bs"}));
    ASSERT_EQ(bs.bootstrap_requests().size(), 1U);
    EXPECT_EQ(bs.bootstrap_requests()[0].from, device.transport.local_endpoint());
}

TEST(BootstrapServerPeer, RecordsAFinishTheDeviceRejects) {
    BootstrapServer bs;
    bs.set_script({BootstrapServer::write_server(0, 1, 60), BootstrapServer::finish()});
    bs.start();
    Device device;
    device.answer = [](const Request& r) {
        const bool is_finish = r.method == code::kPost && r.uri_path == std::vector<std::string>{"bs"};
        return Response{is_finish ? code::kNotAcceptable : code::kChanged, {}, std::nullopt, {}};
    };

    device.exchange(bs.endpoint(), bootstrap_request("node1"));
    ASSERT_TRUE(device.poll_until([&] { return bs.script_finished(); }));

    EXPECT_EQ(outcomes(bs.script_results()), (std::vector<std::string>{"write /1/0 2.04", "finish 4.06"}));
}

TEST(BootstrapServerPeer, RejectsTheBootstrapRequestWhenScriptedAndSendsNothing) {
    BootstrapServer bs;
    bs.set_bs_reply(BootstrapServer::Reply::Reject, code::kForbidden);
    bs.set_script({BootstrapServer::finish()});
    bs.start();
    Device device;

    auto result = device.exchange(bs.endpoint(), bootstrap_request("node1"));
    device.poll_until([] { return false; }, 300ms);

    ASSERT_TRUE(result.response.has_value());
    EXPECT_EQ(code_to_string(result.response->code), "4.03");
    EXPECT_TRUE(device.requests.empty());
    EXPECT_TRUE(bs.script_results().empty());
}

TEST(BootstrapServerPeer, RequiresTheEndpointName) {
    BootstrapServer bs;
    bs.start();
    Device device;

    auto result = device.exchange(bs.endpoint(), make_request(code::kPost, "/bs"));

    ASSERT_TRUE(result.response.has_value());
    EXPECT_EQ(code_to_string(result.response->code), "4.00");
}

TEST(BootstrapServerPeer, AnIgnoredBootstrapRequestTimesOutAtTheDevice) {
    BootstrapServer bs;
    bs.set_bs_reply(BootstrapServer::Reply::Ignore);
    bs.start();
    Device device;

    auto result = device.exchange(bs.endpoint(), bootstrap_request("node1"));

    EXPECT_TRUE(result.done);
    EXPECT_FALSE(result.response.has_value());
    EXPECT_EQ(result.failure, SendFailure::Timeout);
    EXPECT_EQ(bs.bootstrap_requests().size(), 1U);
}

TEST(BootstrapServerPeer, DelaysItsAnswerToTheBootstrapRequest) {
    BootstrapServer bs;
    bs.set_bs_reply(BootstrapServer::Reply::Accept, code::kForbidden, 300ms);
    bs.start();
    Device device;
    const auto start = std::chrono::steady_clock::now();

    auto result = device.exchange(bs.endpoint(), bootstrap_request("node1"));

    ASSERT_TRUE(result.response.has_value());
    EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
}

TEST(BootstrapServerPeer, ServerInitiatedBootstrapNeedsNoRequestAndCanTriggerOne) {
    BootstrapServer bs;
    bs.set_script({BootstrapServer::write_security(0, "coap://127.0.0.1:5683", false, 1),
                   BootstrapServer::execute("/1/0/9"), BootstrapServer::finish(200ms)});
    bs.start();
    Device device;

    bs.start_server_initiated(device.transport.local_endpoint());
    ASSERT_TRUE(device.poll_until([&] { return bs.script_finished(); }));

    const auto results = bs.script_results();
    EXPECT_EQ(outcomes(results), (std::vector<std::string>{"write /0/0 2.04", "execute /1/0/9 2.04", "finish 2.04"}));
    EXPECT_TRUE(bs.bootstrap_requests().empty());
    ASSERT_EQ(results.size(), 3U);
    EXPECT_GE(results[2].sent_at - results[1].done_at, 200ms);  // the late Finish
    ASSERT_EQ(device.requests.size(), 3U);
    EXPECT_EQ(device.requests[1].second.uri_path, (std::vector<std::string>{"1", "0", "9"}));
}

TEST(BootstrapServerPeer, BootstrapRequestTriggerLeadsToABootstrapRequestOnTheSameAddresses) {
    BootstrapServer bs;
    bs.set_script({BootstrapServer::execute("/1/0/9")});
    bs.start();
    Device device;
    bool triggered = false;
    std::optional<Response> bs_answer;
    device.answer = [&](const Request& r) {
        if (!triggered && r.uri_path == std::vector<std::string>{"1", "0", "9"}) {
            triggered = true;  // LwM2M 1.1 Bootstrap-Request Trigger: the device asks the same server
            device.transport.send(bs.endpoint(), bootstrap_request("node1"),
                                  [&](std::optional<Response> resp, SendFailure) { bs_answer = std::move(resp); });
        }
        return Response{code::kChanged, {}, std::nullopt, {}};
    };

    // The trigger arrives on the endpoint's server session; the device's request then opens a client session
    // to the same peer on the same local port.
    bs.start_server_initiated(device.transport.local_endpoint());
    ASSERT_TRUE(device.poll_until([&] { return bs_answer.has_value() && bs.script_finished(); }));

    EXPECT_EQ(code_to_string(bs_answer->code), "2.04");
    ASSERT_EQ(bs.bootstrap_requests().size(), 1U);
    EXPECT_EQ(bs.bootstrap_requests()[0].from, device.transport.local_endpoint());
    EXPECT_EQ(device.requests.size(), 2U);  // the trigger, then the script again after the Bootstrap-Request
}

TEST(BootstrapServerPeer, WritesTextPlainPerResource) {
    BootstrapServer bs;
    bs.set_script(BootstrapServer::text_writes(1, 0, BootstrapServer::server_resources(7, 120)));
    bs.start();
    Device device;

    bs.start_server_initiated(device.transport.local_endpoint());
    ASSERT_TRUE(device.poll_until([&] { return bs.script_finished(); }));

    ASSERT_EQ(device.requests.size(), 4U);
    EXPECT_EQ(device.requests[1].second.uri_path, (std::vector<std::string>{"1", "0", "1"}));
    EXPECT_EQ(device.requests[1].second.content_format, content_format::kTextPlain);
    EXPECT_EQ(payload_text(device.requests[1].second.payload), "120");
    EXPECT_EQ(payload_text(device.requests[2].second.payload), "0");  // notification storing false
}

TEST(BootstrapServerPeer, RecordsAStepTheDeviceNeverAnswers) {
    BootstrapServer bs;  // exchange_timeout 3 s
    bs.set_script({BootstrapServer::finish()});
    bs.start();
    Device device;
    device.answer = [](const Request&) { return Response{code::kEmpty, {}, std::nullopt, {}}; };

    bs.start_server_initiated(device.transport.local_endpoint());
    ASSERT_TRUE(device.poll_until([&] { return bs.script_finished(); }));

    EXPECT_EQ(outcomes(bs.script_results()), (std::vector<std::string>{"finish timeout"}));
}

// ---- Lwm2mServer ----

Request register_request(const std::string& ep) {
    Request r = make_request(code::kPost, "/rd");
    r.uri_query = {"ep=" + ep, "lt=300", "lwm2m=1.0", "b=U"};
    r.content_format = content_format::kLinkFormat;
    const std::string objects = "</1/0>,</3/0>";
    r.payload.assign(objects.begin(), objects.end());
    return r;
}

TEST(Lwm2mServerPeer, RegistersUpdatesAndDeregistersWithTwoLocationOptions) {
    Lwm2mServer server;
    server.start();
    Device device;

    auto reg = device.exchange(server.endpoint(), register_request("node1"));
    ASSERT_TRUE(reg.response.has_value());
    ASSERT_EQ(code_to_string(reg.response->code), "2.01");
    ASSERT_EQ(reg.response->location_path, (std::vector<std::string>{"rd", "0"}));
    Request update = make_request(code::kPost, "/rd/0");
    update.uri_query = {"lt=120"};
    auto upd = device.exchange(server.endpoint(), update);
    auto registration = server.registration("node1");
    auto dereg = device.exchange(server.endpoint(), make_request(code::kDelete, "/rd/0"));

    ASSERT_TRUE(upd.response.has_value());
    EXPECT_EQ(code_to_string(upd.response->code), "2.04");
    ASSERT_TRUE(registration.has_value());
    EXPECT_EQ(registration->client, device.transport.local_endpoint());
    EXPECT_EQ(registration->params.at("lt"), "120");
    EXPECT_EQ(registration->params.at("lwm2m"), "1.0");
    EXPECT_EQ(registration->objects, "</1/0>,</3/0>");
    EXPECT_EQ(registration->updates, 1U);
    ASSERT_TRUE(dereg.response.has_value());
    EXPECT_EQ(code_to_string(dereg.response->code), "2.02");
    EXPECT_FALSE(server.registration("node1").has_value());
    EXPECT_EQ(server.registration_requests().size(), 3U);
}

TEST(Lwm2mServerPeer, SingleOptionLocationNeedsSplittingOnSlash) {
    Lwm2mServer server;
    server.set_location_style(Lwm2mServer::LocationStyle::SingleOption);
    server.start();
    Device device;

    auto reg = device.exchange(server.endpoint(), register_request("node1"));
    ASSERT_TRUE(reg.response.has_value());
    ASSERT_EQ(reg.response->location_path, (std::vector<std::string>{"rd/0"}));
    Request literal;  // a strict client copies the option into one Uri-Path segment "rd/0"
    literal.method = code::kPost;
    literal.uri_path = reg.response->location_path;
    auto wrong = device.exchange(server.endpoint(), literal);
    auto right = device.exchange(server.endpoint(), make_request(code::kPost, "/" + reg.response->location_path[0]));

    ASSERT_TRUE(wrong.response.has_value());
    EXPECT_EQ(code_to_string(wrong.response->code), "4.04");
    ASSERT_TRUE(right.response.has_value());
    EXPECT_EQ(code_to_string(right.response->code), "2.04");
}

TEST(Lwm2mServerPeer, AnswersScriptedRegistersThenRegistersNormally) {
    Lwm2mServer server;
    server.script_registers(
        {{Lwm2mServer::Answer::Reject, code::kForbidden}, {Lwm2mServer::Answer::Reject, client::coap_code(4, 12)}});
    server.start();
    Device device;

    auto first = device.exchange(server.endpoint(), register_request("node1"));
    auto second = device.exchange(server.endpoint(), register_request("node1"));
    auto third = device.exchange(server.endpoint(), register_request("node1"));

    ASSERT_TRUE(first.response && second.response && third.response);
    EXPECT_EQ(code_to_string(first.response->code), "4.03");
    EXPECT_EQ(code_to_string(second.response->code), "4.12");
    EXPECT_EQ(code_to_string(third.response->code), "2.01");
    EXPECT_TRUE(server.registration("node1").has_value());
}

TEST(Lwm2mServerPeer, RejectsTheFirstRegistersWhenAsked) {
    Lwm2mServer server;
    server.reject_first_registers(2, code::kBadRequest);
    server.start();
    Device device;

    std::vector<std::string> codes;
    for (int i = 0; i < 3; ++i) {
        auto r = device.exchange(server.endpoint(), register_request("node1"));
        codes.push_back(r.response ? code_to_string(r.response->code) : "none");
    }

    EXPECT_EQ(codes, (std::vector<std::string>{"4.00", "4.00", "2.01"}));
}

TEST(Lwm2mServerPeer, AnIgnoredRegisterTimesOutAtTheDevice) {
    Lwm2mServer server;
    server.script_registers({{Lwm2mServer::Answer::Ignore, code::kEmpty}});
    server.start();
    Device device;

    auto first = device.exchange(server.endpoint(), register_request("node1"));

    EXPECT_TRUE(first.done);
    EXPECT_FALSE(first.response.has_value());
    EXPECT_EQ(first.failure, SendFailure::Timeout);
    EXPECT_FALSE(server.registration("node1").has_value());
}

TEST(Lwm2mServerPeer, UpdateAnsweredNotFoundForgetsTheRegistration) {
    Lwm2mServer server;
    server.script_updates({{Lwm2mServer::Answer::Reject, code::kNotFound}});
    server.start();
    Device device;
    device.exchange(server.endpoint(), register_request("node1"));

    auto update = device.exchange(server.endpoint(), make_request(code::kPost, "/rd/0"));
    auto again = device.exchange(server.endpoint(), make_request(code::kPost, "/rd/0"));

    ASSERT_TRUE(update.response && again.response);
    EXPECT_EQ(code_to_string(update.response->code), "4.04");
    EXPECT_EQ(code_to_string(again.response->code), "4.04");
    EXPECT_FALSE(server.registration("node1").has_value());
}

TEST(Lwm2mServerPeer, SendsReadWriteAndExecuteToTheRegisteredDevice) {
    Lwm2mServer server;
    server.start();
    Device device;
    device.answer = [](const Request& r) {
        if (r.method == code::kGet) {
            return Response{code::kContent, {}, content_format::kTextPlain, {'u', '-', 'b', 'l', 'o', 'x'}};
        }
        return Response{code::kChanged, {}, std::nullopt, {}};
    };
    device.exchange(server.endpoint(), register_request("node1"));

    auto read = server.send_to_client("node1", Lwm2mServer::read("/3/0/0"));
    auto trigger = server.send_to_client("node1", Lwm2mServer::execute("/1/0/8"));
    auto reboot = server.send_to_client("node1", Lwm2mServer::execute("/3/0/4"));
    auto factory = server.send_to_client("node1", Lwm2mServer::execute("/3/0/5"));
    auto write = server.send_to_client("node1", Lwm2mServer::write_text("/1/0/1", "60"));
    ASSERT_TRUE(device.poll_until([&] { return write.wait_for(0s) == std::future_status::ready; }));
    ASSERT_TRUE(device.poll_until([&] { return server.sent().size() == 5; }));

    EXPECT_EQ(outcome_string(read.get()), "2.05");
    EXPECT_EQ(payload_text(read.get().response->payload), "u-blox");
    EXPECT_EQ(outcome_string(trigger.get()), "2.04");
    EXPECT_EQ(outcome_string(reboot.get()), "2.04");
    EXPECT_EQ(outcome_string(factory.get()), "2.04");
    EXPECT_EQ(outcome_string(write.get()), "2.04");
    ASSERT_EQ(device.requests.size(), 5U);
    std::vector<std::string> paths;
    for (const auto& [from, r] : device.requests) {
        EXPECT_EQ(from, server.endpoint());
        paths.push_back(client::path_to_string(r.uri_path));
    }
    EXPECT_EQ(paths, (std::vector<std::string>{"/3/0/0", "/1/0/8", "/3/0/4", "/3/0/5", "/1/0/1"}));
    EXPECT_EQ(device.requests[4].second.content_format, content_format::kTextPlain);
}

TEST(Lwm2mServerPeer, ReachesADeviceThatRestartedOnTheSamePort) {
    Lwm2mServer server;
    server.start();
    std::uint16_t port = 0;
    {
        Device before;
        before.exchange(server.endpoint(), register_request("node1"));
        auto first_read = server.send_to_client("node1", Lwm2mServer::read("/3/0/0"));
        ASSERT_TRUE(before.poll_until([&] { return first_read.wait_for(0s) == std::future_status::ready; }));
        port = before.transport.local_port();
    }  // reboot: the device's sockets close; the server keeps its session to the old address
    client::CoapTransportOptions same_port = device_options();
    same_port.bind_port = port;
    Device after(same_port);

    auto reg = after.exchange(server.endpoint(), register_request("node1"));
    auto read = server.send_to_client("node1", Lwm2mServer::read("/3/0/0"));
    ASSERT_TRUE(after.poll_until([&] { return read.wait_for(0s) == std::future_status::ready; }));

    ASSERT_TRUE(reg.response.has_value());
    EXPECT_EQ(code_to_string(reg.response->code), "2.01");
    EXPECT_EQ(outcome_string(read.get()), "2.05");
    ASSERT_EQ(after.requests.size(), 1U);
    EXPECT_EQ(after.requests[0].second.uri_path, (std::vector<std::string>{"3", "0", "0"}));
}

TEST(Lwm2mServerPeer, SendingToAnUnregisteredEndpointFails) {
    Lwm2mServer server;

    auto f = server.send_to_client("nobody", Lwm2mServer::read("/3/0"));

    EXPECT_THROW(f.get(), std::runtime_error);
}

}  // namespace
}  // namespace lwm2mc::conformance
