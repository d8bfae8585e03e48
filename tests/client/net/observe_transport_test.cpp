// SPDX-License-Identifier: Apache-2.0
// CoapTransport's part of Observe (RFC 7641) between two transports on 127.0.0.1: the Observe option and token of a
// request reach the handler, the Observe option of the answer reaches the observer, and notify() is delivered and
// completed with ACK (nullopt) or RST (SendFailure::Reset), as CON or NON.

#include "lwm2mc/client/transport_coap.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <initializer_list>
#include <optional>
#include <vector>

#include "pump.hpp"

namespace lwm2mc::client {

namespace {

using namespace std::chrono_literals;

CoapTransportOptions fast_options() {
    CoapTransportOptions o;
    o.bind_host = "127.0.0.1";
    o.ack_timeout = 1000ms;
    o.ack_random_factor = 1.0;
    o.max_retransmit = 1;
    o.exchange_timeout = 4000ms;
    return o;
}

using test_net::pump;

/// An observed transport ("client") and an observer ("server") with one observation registered on token kToken.
struct Pair {
    static inline const std::vector<std::uint8_t> kToken{0x42, 0x17, 0x99};

    CoapTransport client{fast_options()};
    CoapTransport server{fast_options()};
    std::vector<Request> served{};
    std::vector<std::pair<std::vector<std::uint8_t>, Response>> notifications{};
    bool accept_notifications{true};
    std::optional<Response> first{};

    Pair() {
        client.set_request_handler([this](const Endpoint&, const Request& r) {
            served.push_back(r);
            Response out{code::kContent, {}, content_format::kTextPlain, {'4', '2'}};
            out.observe = 7;
            return out;
        });
        server.set_notification_handler(
            [this](const Endpoint&, const std::vector<std::uint8_t>& token, const Response& r) {
                notifications.emplace_back(token, r);
                return accept_notifications;
            });
    }
    Endpoint client_at() const { return {"127.0.0.1", client.local_port()}; }
    Endpoint server_at() const { return {"127.0.0.1", server.local_port()}; }

    void observe() {
        Request get;
        get.method = code::kGet;
        get.uri_path = {"3", "0", "13"};
        get.token = kToken;
        get.observe = 0;
        bool done = false;
        server.send(client_at(), get, [&](std::optional<Response> r, SendFailure) {
            first = std::move(r);
            done = true;
        });
        pump({&client, &server}, [&] { return done; });
    }

    std::optional<std::optional<SendFailure>> notify(bool confirmable, std::uint32_t seq) {
        std::optional<std::optional<SendFailure>> outcome;
        Response value{code::kContent, {}, content_format::kTextPlain, {'4', '3'}};
        value.observe = seq;
        client.notify(server_at(), Notification{kToken, confirmable, value},
                      [&](std::optional<SendFailure> f) { outcome = f; });
        pump(
            {&client, &server}, [&] { return outcome.has_value(); }, 6000ms);
        return outcome;
    }
};

TEST(CoapObserve, TheObserveRequestAndItsAnswerCarryTheOptionAndTheToken) {
    Pair p;

    p.observe();

    ASSERT_EQ(p.served.size(), 1U);
    EXPECT_EQ(p.served[0].observe, 0U);
    EXPECT_EQ(p.served[0].token, Pair::kToken);
    ASSERT_TRUE(p.first.has_value());
    EXPECT_EQ(p.first->observe, 7U);
}

TEST(CoapObserve, AnAcknowledgedConfirmableNotificationCompletesWithoutFailure) {
    Pair p;
    p.observe();

    const auto outcome = p.notify(true, 8);

    ASSERT_TRUE(outcome.has_value()) << "no completion";
    EXPECT_EQ(*outcome, std::nullopt);
    ASSERT_EQ(p.notifications.size(), 1U);
    EXPECT_EQ(p.notifications[0].first, Pair::kToken);
    EXPECT_EQ(p.notifications[0].second.observe, 8U);
    EXPECT_EQ(p.notifications[0].second.payload, (std::vector<std::uint8_t>{'4', '3'}));
}

TEST(CoapObserve, AResetConfirmableNotificationCompletesWithReset) {
    Pair p;
    p.observe();
    p.accept_notifications = false;

    const auto outcome = p.notify(true, 8);

    ASSERT_TRUE(outcome.has_value());
    EXPECT_EQ(*outcome, SendFailure::Reset);
}

TEST(CoapObserve, ANonConfirmableNotificationIsDeliveredAndCompletesAtOnce) {
    Pair p;
    p.observe();

    const auto outcome = p.notify(false, 9);
    pump({&p.client, &p.server}, [&] { return !p.notifications.empty(); });

    ASSERT_TRUE(outcome.has_value());
    EXPECT_EQ(*outcome, std::nullopt);
    ASSERT_EQ(p.notifications.size(), 1U);
    EXPECT_EQ(p.notifications[0].second.observe, 9U);
}

TEST(CoapObserve, CancellingWithObserveOneUsesTheObservationsToken) {
    Pair p;
    p.observe();
    p.notify(true, 8);  // libcoap now holds the observation's state on the observer's side
    Request cancel;
    cancel.method = code::kGet;
    cancel.uri_path = {"3", "0", "13"};
    cancel.token = Pair::kToken;
    cancel.observe = 1;
    bool done = false;

    p.server.send(p.client_at(), cancel, [&](std::optional<Response>, SendFailure) { done = true; });
    pump({&p.client, &p.server}, [&] { return done; });

    ASSERT_EQ(p.served.size(), 2U);
    EXPECT_EQ(p.served[1].observe, 1U);
    EXPECT_EQ(p.served[1].token, Pair::kToken) << "libcoap 4.3.1 would put its internal token here";
}

}  // namespace
}  // namespace lwm2mc::client
