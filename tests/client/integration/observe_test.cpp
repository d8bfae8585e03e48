// SPDX-License-Identifier: Apache-2.0
// Information Reporting over real CoAP (LwM2M TS 1.0 5.5, RFC 7641): Client + CoapTransport against the scriptable
// LwM2M server on loopback. The protocol clock runs ten times faster than real time, so pmin/pmax of a few
// seconds take a few hundred milliseconds. Every run's trace is replayed on the shipped model.

#include "lwm2mc/client/client.hpp"
#include "lwm2mc/client/trace.hpp"
#include "lwm2mc/client/transport_coap.hpp"
#include "lwm2mc/conformance/lwm2m_server.hpp"
#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/loader.hpp"
#include "lwm2mc/model/replay.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <unistd.h>
#include <variant>

#include "trace_replay.hpp"

using namespace lwm2mc;
using namespace lwm2mc::client;
using namespace std::chrono_literals;
using conformance::Lwm2mServer;
using conformance::outcome_string;

namespace {

/// A factory-provisioned client of `server` (SSID 1, Server instance /1/1) with its own event loop on the test
/// thread; the server runs in its own thread.
class ObservedDevice {
public:
    ObservedDevice(const Lwm2mServer& server, const std::string& endpoint, bool keep_observations,
                   const std::filesystem::path& state_dir = {})
        : clock_{10.0}, trace_{trace_text_} {
        config_.endpoint = endpoint;
        config_.factory = true;
        config_.client_initiated = false;
        config_.server_uris = {"coap://127.0.0.1:" + std::to_string(server.endpoint().port)};
        config_.lifetime = 300;
        config_.keep_observations = keep_observations;
        config_.state_dir = state_dir;
        client_ = std::make_unique<Client>(config_, transport_, clock_, trace_);
    }

    void start() { client_->start(); }
    bool run_until(const std::function<bool()>& done, std::chrono::milliseconds real_timeout = 5000ms) {
        const auto until = std::chrono::steady_clock::now() + real_timeout;
        while (!done()) {
            if (std::chrono::steady_clock::now() >= until) {
                return false;
            }
            const Millis next = client_->step();
            const Millis now = clock_.now();
            const Millis wait =
                next == kNoDeadline ? Millis{10} : clock_.real_wait(next > now ? next - now : Millis{0});
            transport_.poll(std::min(wait, Millis{10}));
        }
        return true;
    }
    bool run_until_answered(const std::shared_future<conformance::Exchange>& answer) {
        return run_until([&] { return answer.wait_for(0s) == std::future_status::ready; });
    }
    void run_for(std::chrono::milliseconds real) {
        const auto until = std::chrono::steady_clock::now() + real;
        run_until([&] { return std::chrono::steady_clock::now() >= until; }, real + 1s);
    }
    Client& client() { return *client_; }
    std::string trace() const { return trace_text_.str(); }

    void expect_conforms() const { lwm2mc::client::testing::expect_trace_conforms(config_, trace()); }

private:
    ClientConfig config_{};
    CoapTransport transport_{conformance::fast_loopback_client_options()};
    ScaledClock clock_;
    std::ostringstream trace_text_{};
    JsonLinesTrace trace_;
    std::unique_ptr<Client> client_{};
};

std::uint32_t seq(const Lwm2mServer::ReceivedNotification& n) {
    return n.response.observe.value_or(0);
}

std::int64_t value(const Lwm2mServer::ReceivedNotification& n) {
    return std::stoll(conformance::payload_text(n.response.payload));
}

struct TempDir {
    TempDir() {
        static int counter = 0;
        path = std::filesystem::temp_directory_path() /
               ("lwm2mc-observe-it-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::remove_all(path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::filesystem::path path;
};

const std::vector<std::uint8_t> kTimeToken{0x0b, 0x5e, 0x01};
const std::vector<std::uint8_t> kLifetimeToken{0x0b, 0x5e, 0x02};

}  // namespace

TEST(ObserveOverCoap, PminSpacesChangesAndPmaxRepeatsAnUnchangedValue) {
    Lwm2mServer server;
    server.start();
    ObservedDevice d{server, "obs-node", true};
    d.start();
    ASSERT_TRUE(d.run_until([&] { return d.client().state() == "Registered"; })) << d.trace();

    auto attrs = server.send_to_client("obs-node", Lwm2mServer::write_attributes("/3/0/13", {"pmin=2"}));
    ASSERT_TRUE(d.run_until_answered(attrs));
    auto pmax = server.send_to_client("obs-node", Lwm2mServer::write_attributes("/1/1", {"pmax=3"}));
    ASSERT_TRUE(d.run_until_answered(pmax));
    auto time = server.observe("obs-node", "/3/0/13", kTimeToken);
    ASSERT_TRUE(d.run_until_answered(time));
    auto lifetime = server.observe("obs-node", "/1/1/1", kLifetimeToken);
    ASSERT_TRUE(d.run_until_answered(lifetime));
    const bool enough = d.run_until([&] {
        return server.notifications(kTimeToken).size() >= 4 && server.notifications(kLifetimeToken).size() >= 2;
    });

    ASSERT_EQ(outcome_string(attrs.get()), "2.04");
    ASSERT_EQ(outcome_string(time.get()), "2.05");
    ASSERT_TRUE(time.get().response->observe.has_value()) << "RFC 7641 4.1: the registering 2.05 carries Observe";
    ASSERT_TRUE(enough) << d.trace();
    const auto times = server.notifications(kTimeToken);
    for (std::size_t i = 1; i < times.size(); ++i) {
        EXPECT_GT(seq(times[i]), seq(times[i - 1]));
        EXPECT_GE(value(times[i]) - value(times[i - 1]), 2) << "pmin=2: at most one notification per 2 s";
    }
    for (const auto& n : server.notifications(kLifetimeToken)) {
        EXPECT_EQ(conformance::payload_text(n.response.payload), "300") << "pmax repeats the unchanged value";
    }
    d.expect_conforms();
}

TEST(ObserveOverCoap, AWriteOfTheObservedResourceIsNotifiedAndCancelEndsTheObservation) {
    Lwm2mServer server;
    server.start();
    ObservedDevice d{server, "obs-write", true};
    d.start();
    ASSERT_TRUE(d.run_until([&] { return d.client().state() == "Registered"; })) << d.trace();
    auto obs = server.observe("obs-write", "/1/1/5", kLifetimeToken);  // Disable Timeout: a write needs no Update
    ASSERT_TRUE(d.run_until_answered(obs));

    auto write = server.send_to_client("obs-write", Lwm2mServer::write_text("/1/1/5", "1234"));
    ASSERT_TRUE(d.run_until_answered(write));
    const bool notified = d.run_until([&] { return !server.notifications(kLifetimeToken).empty(); });
    auto cancel = server.cancel_observation("obs-write", "/1/1/5", kLifetimeToken);
    ASSERT_TRUE(d.run_until_answered(cancel));
    auto write_again = server.send_to_client("obs-write", Lwm2mServer::write_text("/1/1/5", "4321"));
    ASSERT_TRUE(d.run_until_answered(write_again));
    d.run_for(300ms);

    ASSERT_TRUE(notified) << d.trace();
    EXPECT_EQ(conformance::payload_text(server.notifications(kLifetimeToken).front().response.payload), "1234");
    EXPECT_EQ(outcome_string(cancel.get()), "2.05");
    EXPECT_FALSE(cancel.get().response->observe.has_value());
    EXPECT_TRUE(d.client().persistent().observations.empty()) << "GET Observe=1 with the token cancelled it";
    EXPECT_EQ(server.notifications(kLifetimeToken).size(), 1U);
    d.expect_conforms();
}

TEST(ObserveOverCoap, ResetToANotificationCancelsTheObservation) {
    Lwm2mServer server;
    server.start();
    ObservedDevice d{server, "obs-rst", true};
    d.start();
    ASSERT_TRUE(d.run_until([&] { return d.client().state() == "Registered"; })) << d.trace();
    auto attrs = server.send_to_client("obs-rst", Lwm2mServer::write_attributes("/3/0/13", {"pmin=1"}));
    ASSERT_TRUE(d.run_until_answered(attrs));
    auto obs = server.observe("obs-rst", "/3/0/13", kTimeToken);
    ASSERT_TRUE(d.run_until_answered(obs));
    ASSERT_TRUE(d.run_until([&] { return !server.notifications(kTimeToken).empty(); })) << d.trace();

    server.reset_notifications(kTimeToken);
    const bool dropped = d.run_until([&] { return d.client().persistent().observations.empty(); });
    const auto count = server.notifications(kTimeToken).size();
    d.run_for(400ms);

    ASSERT_TRUE(dropped) << d.trace();
    EXPECT_FALSE(server.notifications(kTimeToken).back().acknowledged);
    EXPECT_EQ(server.notifications(kTimeToken).size(), count) << "no notification after the RST";
    EXPECT_NE(d.trace().find("cancelled: reset"), std::string::npos);
    d.expect_conforms();
}

TEST(ObserveOverCoap, RebootKeepingObservationsGoesOnWithTheSameTokenAndNoRegister) {
    TempDir dir;
    Lwm2mServer server;
    server.start();
    ObservedDevice d{server, "obs-keep", true, dir.path};
    d.start();
    ASSERT_TRUE(d.run_until([&] { return d.client().state() == "Registered"; })) << d.trace();
    auto attrs = server.send_to_client("obs-keep", Lwm2mServer::write_attributes("/3/0/13", {"pmin=1"}));
    ASSERT_TRUE(d.run_until_answered(attrs));
    auto obs = server.observe("obs-keep", "/3/0/13", kTimeToken);
    ASSERT_TRUE(d.run_until_answered(obs));
    ASSERT_TRUE(d.run_until([&] { return server.notifications(kTimeToken).size() >= 2; })) << d.trace();
    const auto registers_before = server.registration_requests().size();

    auto reboot = server.send_to_client("obs-keep", Lwm2mServer::execute("/3/0/4"));
    ASSERT_TRUE(d.run_until_answered(reboot));
    const auto seq_at_reboot = seq(server.notifications(kTimeToken).back());
    const auto count_at_reboot = server.notifications(kTimeToken).size();
    const bool continued = d.run_until([&] {
        return d.trace().find("observations kept: 1") != std::string::npos &&
               server.notifications(kTimeToken).size() >= count_at_reboot + 3;
    });

    ASSERT_TRUE(continued) << d.trace();
    EXPECT_EQ(outcome_string(reboot.get()), "2.04");
    EXPECT_EQ(server.registration_requests().size(), registers_before) << "no new Register: the registration is kept";
    EXPECT_GT(seq(server.notifications(kTimeToken).back()), seq_at_reboot);
    EXPECT_EQ(d.client().state(), "Registered");
    d.expect_conforms();
}

TEST(ObserveOverCoap, RebootForgettingObservationsRegistersAndStopsNotifying) {
    TempDir dir;
    Lwm2mServer server;
    server.start();
    ObservedDevice d{server, "obs-forget", false, dir.path};
    d.start();
    ASSERT_TRUE(d.run_until([&] { return d.client().state() == "Registered"; })) << d.trace();
    auto attrs = server.send_to_client("obs-forget", Lwm2mServer::write_attributes("/3/0/13", {"pmin=1"}));
    ASSERT_TRUE(d.run_until_answered(attrs));
    auto obs = server.observe("obs-forget", "/3/0/13", kTimeToken);
    ASSERT_TRUE(d.run_until_answered(obs));
    ASSERT_TRUE(d.run_until([&] { return !server.notifications(kTimeToken).empty(); })) << d.trace();
    const auto registers_before = server.registration_requests().size();

    auto reboot = server.send_to_client("obs-forget", Lwm2mServer::execute("/3/0/4"));
    ASSERT_TRUE(d.run_until_answered(reboot));
    const bool registered_again = d.run_until(
        [&] { return server.registration_requests().size() > registers_before && d.client().state() == "Registered"; });
    const auto count = server.notifications(kTimeToken).size();
    d.run_for(400ms);

    ASSERT_TRUE(registered_again) << d.trace();
    EXPECT_NE(d.trace().find("observations forgotten: 1"), std::string::npos);
    EXPECT_EQ(server.notifications(kTimeToken).size(), count) << "nothing on the old token after the new Register";
    EXPECT_TRUE(d.client().persistent().observations.empty());
    d.expect_conforms();
}
