// SPDX-License-Identifier: Apache-2.0
// Register, Update and De-register with CoapTransport against lwm2m-node-lib@1.4.0's server (a third-party
// implementation), checking both what the transport receives and what node-lib reports.

#include "lwm2mc/client/transport_coap.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

#include "node_lib_server.hpp"

namespace lwm2mc::client {
namespace {

using namespace std::chrono_literals;
using test_net::NodeLibServer;

struct Outcome {
    bool done{false};
    std::optional<Response> response{};
    SendFailure failure{SendFailure::Cancelled};
};

/// Sends and polls until the answer is in (node-lib answers well within a second on loopback).
Outcome exchange(CoapTransport& t, const Endpoint& to, Request r) {
    Outcome out;
    t.send(to, std::move(r), [&out](std::optional<Response> resp, SendFailure f) {
        out.done = true;
        out.response = std::move(resp);
        out.failure = f;
    });
    const auto deadline = std::chrono::steady_clock::now() + 8s;
    while (!out.done && std::chrono::steady_clock::now() < deadline) {
        t.poll(10ms);
    }
    return out;
}

/// Location-Path options as path segments: node-lib sends one option "rd/1" where RFC 7252 wants "rd", "1".
std::vector<std::string> location_segments(const std::vector<std::string>& options) {
    std::vector<std::string> out;
    for (const auto& opt : options) {
        std::size_t start = 0;
        while (start <= opt.size()) {
            const auto slash = opt.find('/', start);
            const auto end = slash == std::string::npos ? opt.size() : slash;
            if (end > start) {
                out.push_back(opt.substr(start, end - start));
            }
            if (slash == std::string::npos) {
                break;
            }
            start = slash + 1;
        }
    }
    return out;
}

TEST(NodeLibInterop, RegisterUpdateDeregisterWithTheSingleOptionLocation) {
    if (auto why = NodeLibServer::unavailable_reason(LWM2MC_INTEROP_DIR)) {
        GTEST_SKIP() << *why;
    }
    NodeLibServer node(LWM2MC_INTEROP_DIR);
    CoapTransportOptions options;
    options.bind_host = "127.0.0.1";
    CoapTransport transport(options);
    const std::string ep = "lwm2mc-interop-" + std::to_string(::getpid());
    Request reg;
    reg.method = code::kPost;
    reg.uri_path = {"rd"};
    reg.uri_query = {"ep=" + ep, "lt=300", "lwm2m=1.0", "b=U"};
    reg.content_format = content_format::kLinkFormat;
    const std::string objects = "</1/0>,</3/0>";
    reg.payload.assign(objects.begin(), objects.end());

    const Outcome registered = exchange(transport, node.endpoint(), reg);

    ASSERT_TRUE(registered.response.has_value()) << send_failure_name(registered.failure);
    EXPECT_EQ(code_to_string(registered.response->code), "2.01");
    // The quirk: one Location-Path option containing a slash.
    ASSERT_EQ(registered.response->location_path.size(), 1U);
    const auto location = location_segments(registered.response->location_path);
    ASSERT_EQ(location.size(), 2U);
    EXPECT_EQ(location[0], "rd");
    auto reg_event = node.wait_for_event("registration", 5s);
    ASSERT_TRUE(reg_event.has_value());
    EXPECT_EQ(reg_event->value("endpoint", ""), ep);
    EXPECT_EQ(reg_event->value("lifetime", ""), "300");
    EXPECT_EQ(reg_event->value("version", ""), "1.0");
    EXPECT_EQ(reg_event->value("binding", ""), "U");
    EXPECT_EQ(reg_event->value("payload", ""), objects);

    Request update;
    update.method = code::kPost;
    update.uri_path = location;
    update.uri_query = {"lt=120"};
    const Outcome updated = exchange(transport, node.endpoint(), update);

    ASSERT_TRUE(updated.response.has_value()) << send_failure_name(updated.failure);
    EXPECT_EQ(code_to_string(updated.response->code), "2.04");
    auto update_event = node.wait_for_event("update", 5s);
    ASSERT_TRUE(update_event.has_value());
    EXPECT_EQ(update_event->value("endpoint", ""), ep);
    EXPECT_EQ(update_event->value("lifetime", ""), "120");

    Request dereg;
    dereg.method = code::kDelete;
    dereg.uri_path = location;
    const Outcome deregistered = exchange(transport, node.endpoint(), dereg);

    ASSERT_TRUE(deregistered.response.has_value()) << send_failure_name(deregistered.failure);
    EXPECT_EQ(code_to_string(deregistered.response->code), "2.02");
    auto unreg_event = node.wait_for_event("unregistration", 5s);
    ASSERT_TRUE(unreg_event.has_value());
    EXPECT_EQ(unreg_event->value("endpoint", ""), ep);
}

TEST(NodeLibInterop, UpdateOfAnUnknownLocationIsNotFound) {
    if (auto why = NodeLibServer::unavailable_reason(LWM2MC_INTEROP_DIR)) {
        GTEST_SKIP() << *why;
    }
    NodeLibServer node(LWM2MC_INTEROP_DIR);
    CoapTransportOptions options;
    options.bind_host = "127.0.0.1";
    CoapTransport transport(options);
    Request update;
    update.method = code::kPost;
    update.uri_path = {"rd", "4242"};
    update.uri_query = {"lt=120"};

    const Outcome updated = exchange(transport, node.endpoint(), update);

    ASSERT_TRUE(updated.response.has_value()) << send_failure_name(updated.failure);
    EXPECT_EQ(code_to_string(updated.response->code), "4.04");
    EXPECT_FALSE(node.wait_for_event("update", 300ms).has_value());
}

TEST(NodeLibInterop, ServerRequestsReachTheRegisteredTransport) {
    if (auto why = NodeLibServer::unavailable_reason(LWM2MC_INTEROP_DIR)) {
        GTEST_SKIP() << *why;
    }
    NodeLibServer node(LWM2MC_INTEROP_DIR);
    CoapTransportOptions options;
    options.bind_host = "127.0.0.1";
    CoapTransport transport(options);
    std::vector<std::pair<Endpoint, Request>> served;
    transport.set_request_handler([&](const Endpoint& from, const Request& r) {
        served.emplace_back(from, r);
        if (r.method == code::kGet) {
            return Response{code::kContent, {}, content_format::kTextPlain, {'l', 'w', 'm', '2', 'm', 'c'}};
        }
        return Response{code::kChanged, {}, std::nullopt, {}};
    });
    const std::string ep = "lwm2mc-interop-read-" + std::to_string(::getpid());
    Request reg;
    reg.method = code::kPost;
    reg.uri_path = {"rd"};
    reg.uri_query = {"ep=" + ep, "lt=300", "lwm2m=1.0", "b=U"};
    reg.content_format = content_format::kLinkFormat;
    reg.payload = {'<', '/', '3', '/', '0', '>'};
    ASSERT_TRUE(exchange(transport, node.endpoint(), reg).response.has_value());
    ASSERT_TRUE(node.wait_for_event("registration", 5s).has_value());
    auto run = [&](const nlohmann::json& command) -> std::optional<nlohmann::json> {
        node.send_command(command);
        const auto deadline = std::chrono::steady_clock::now() + 8s;
        while (std::chrono::steady_clock::now() < deadline) {
            transport.poll(5ms);  // the transport must answer while node-lib waits
            if (auto result = node.wait_for_event("result", 0ms)) {
                return result;
            }
        }
        return std::nullopt;
    };

    auto read = run({{"cmd", "read"}, {"tag", "r"}, {"endpoint", ep}, {"object", 3}, {"instance", 0}, {"resource", 0}});
    auto reboot = run({{"cmd", "execute"},
                       {"tag", "x"},
                       {"endpoint", ep},
                       {"object", 3},
                       {"instance", 0},
                       {"resource", 4},
                       {"value", ""}});

    ASSERT_TRUE(read.has_value());
    EXPECT_TRUE((*read)["error"].is_null()) << read->dump();
    EXPECT_EQ(read->value("result", ""), "lwm2mc");
    ASSERT_TRUE(reboot.has_value());
    EXPECT_TRUE((*reboot)["error"].is_null()) << reboot->dump();
    ASSERT_EQ(served.size(), 2U);
    EXPECT_EQ(served[0].first.host, "127.0.0.1");
    EXPECT_EQ(served[0].second.method, code::kGet);
    EXPECT_EQ(served[0].second.uri_path, (std::vector<std::string>{"3", "0", "0"}));
    EXPECT_EQ(served[0].second.accept, content_format::kTextPlain);
    EXPECT_EQ(served[1].second.method, code::kPost);
    EXPECT_EQ(served[1].second.uri_path, (std::vector<std::string>{"3", "0", "4"}));
}

}  // namespace
}  // namespace lwm2mc::client
