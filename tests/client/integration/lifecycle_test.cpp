// SPDX-License-Identifier: Apache-2.0
// The whole reference client (Client + CoapTransport over libcoap3) against the scriptable bootstrap server and
// LwM2M server on loopback, one test per lifecycle scenario. Lifecycle timers run on a ScaledClock (one protocol
// second per real millisecond), so EXCHANGE_LIFETIME (247 s) and lifetimes of 300 s take a fraction of a second.
// Every run's trace is then replayed on the shipped model (model::replay): the client is held to the model.

#include "lwm2mc/client/client.hpp"
#include "lwm2mc/client/tlv.hpp"
#include "lwm2mc/client/trace.hpp"
#include "lwm2mc/client/transport_coap.hpp"
#include "lwm2mc/conformance/bootstrap_server.hpp"
#include "lwm2mc/conformance/lwm2m_server.hpp"
#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/loader.hpp"
#include "lwm2mc/model/replay.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <variant>

#include "node_lib_server.hpp"
#include "trace_replay.hpp"
#include "udp_socket.hpp"

using namespace lwm2mc;
using namespace lwm2mc::client;
using namespace std::chrono_literals;
using conformance::BootstrapServer;
using conformance::Lwm2mServer;
using conformance::outcome_string;

namespace {

using lwm2mc::client::testing::shipped;

std::string uri(const Endpoint& e) {
    return "coap://" + e.host + ":" + std::to_string(e.port);
}

/// Records the states the client passes through, besides writing the JSON-lines trace.
class StateLog final : public Observer {
public:
    void on_state_change(Millis, std::string_view, std::string_view to, std::string_view) override {
        states.emplace_back(to);
    }
    bool visited(const std::string& s) const { return std::find(states.begin(), states.end(), s) != states.end(); }
    std::vector<std::string> states{};
};

/// One client on loopback: CoapTransport with short retransmissions, a scaled clock, a trace, the event loop.
class Device {
public:
    explicit Device(ClientConfig config, double clock_factor = 1000.0,
                    const CoapTransportOptions& transport = transport_options())
        : config_{std::move(config)}, transport_{transport}, clock_{clock_factor}, trace_{trace_text_} {
        observers_.add(trace_);
        observers_.add(log_);
    }

    static CoapTransportOptions transport_options() { return conformance::fast_loopback_client_options(); }

    void start() {
        client_ = std::make_unique<Client>(config_, transport_, clock_, observers_);
        client_->start();
    }

    /// Runs the event loop until `done` holds or `real_timeout` passes; returns whether `done` held.
    bool run_until(const std::function<bool()>& done, std::chrono::milliseconds real_timeout = 5000ms) {
        const auto until = std::chrono::steady_clock::now() + real_timeout;
        while (!done()) {
            if (std::chrono::steady_clock::now() >= until) {
                return false;
            }
            const Millis next = client_->step();
            const Millis now = clock_.now();
            Millis wait = next == kNoDeadline ? Millis{10} : clock_.real_wait(next > now ? next - now : Millis{0});
            transport_.poll(std::min(wait, Millis{10}));
        }
        return true;
    }
    /// Runs the event loop until a peer's request to this client has its outcome.
    bool run_until_answered(const std::shared_future<conformance::Exchange>& answer) {
        return run_until([&] { return answer.wait_for(0s) == std::future_status::ready; });
    }
    bool run_until_state(const std::string& state, std::chrono::milliseconds real_timeout = 5000ms) {
        return run_until([&] { return client_->state() == state; }, real_timeout);
    }
    /// Runs for `protocol` time (scaled) whatever happens.
    void run_for(Millis protocol) {
        const Millis until = clock_.now() + protocol;
        run_until([&] { return clock_.now() >= until; }, 60s);
    }

    Client& client() { return *client_; }
    Endpoint endpoint() const { return {"127.0.0.1", transport_.local_port()}; }
    const StateLog& log() const { return log_; }
    std::string trace() const { return trace_text_.str(); }
    const ClientConfig& config() const { return config_; }

    /// Replays the trace so far on the shipped model under this client's configuration.
    model::ReplayResult replay() const { return lwm2mc::client::testing::replay_trace(config_, trace()); }

private:
    ClientConfig config_;
    CoapTransport transport_;
    ScaledClock clock_;
    std::ostringstream trace_text_{};
    JsonLinesTrace trace_;
    StateLog log_{};
    ObserverList observers_{};
    std::unique_ptr<Client> client_{};
};

/// Expects the trace to agree with the model, printing the divergence and the trace when it does not.
void expect_conforms(const Device& d) {
    const auto r = d.replay();
    EXPECT_TRUE(r.ok()) << "line " << r.divergence->line << ": " << r.divergence->message << "\n" << d.trace();
}

ClientConfig base_config(const std::string& endpoint) {
    ClientConfig c;
    c.endpoint = endpoint;
    c.factory = false;
    c.smartcard = false;
    c.client_initiated = false;
    c.server_initiated = false;
    c.hold_off = 0;
    c.lifetime = 300;
    return c;
}

/// A client with a factory configuration holding one account on `server`.
ClientConfig factory_config(const std::string& endpoint, const Lwm2mServer& server) {
    ClientConfig c = base_config(endpoint);
    c.factory = true;
    c.server_uris = {uri(server.endpoint())};
    return c;
}

std::vector<conformance::BootstrapStep> provision(const Lwm2mServer& server, std::int64_t lifetime = 300) {
    return {BootstrapServer::delete_all(), BootstrapServer::write_security(1, uri(server.endpoint()), false, 101),
            BootstrapServer::write_server(1, 101, lifetime), BootstrapServer::finish()};
}

}  // namespace

TEST(Lifecycle, ClientInitiatedBootstrapDeletesWritesFinishesAndRegisters) {
    Lwm2mServer server;
    BootstrapServer bs;
    bs.set_script(provision(server));
    server.start();
    bs.start();
    ClientConfig config = base_config("ci-node");
    config.client_initiated = true;
    config.bootstrap_server_uri = uri(bs.endpoint());
    Device d{config};

    d.start();
    const bool registered = d.run_until_state("Registered");

    ASSERT_TRUE(registered) << d.trace();
    ASSERT_EQ(bs.bootstrap_requests().size(), 1U);
    EXPECT_EQ(conformance::query_value(bs.bootstrap_requests()[0].request, "ep"), "ci-node");
    ASSERT_TRUE(bs.wait_until([&] { return bs.script_finished(); }, 2s));
    EXPECT_EQ(outcome_string(bs.script_results().front()), "2.02");  // Delete "/"
    EXPECT_EQ(outcome_string(bs.script_results().back()), "2.04");   // Finish: consistent
    const auto reg = server.registration("ci-node");
    ASSERT_TRUE(reg.has_value());
    EXPECT_EQ(reg->params.at("lt"), "300");
    // Delete "/" kept the bootstrap-server account (TS 5.2.7.5): the client can bootstrap again.
    EXPECT_TRUE(d.client().persistent().data.bootstrap_account().has_value());
    expect_conforms(d);
}

TEST(Lifecycle, FactoryBootstrapRegistersWithoutABootstrapServer) {
    Lwm2mServer server;
    server.start();
    ClientConfig config = factory_config("factory-node", server);
    Device d{config};

    d.start();
    const bool registered = d.run_until_state("Registered");

    ASSERT_TRUE(registered) << d.trace();
    EXPECT_TRUE(d.log().visited("BsFactory"));
    EXPECT_TRUE(server.registration("factory-node").has_value());
    expect_conforms(d);
}

TEST(Lifecycle, SmartcardIsReadFirstAndASwappedCardIsReadOnTheNextBoot) {
    Lwm2mServer first;
    Lwm2mServer second;
    first.start();
    second.start();
    const auto dir = std::filesystem::temp_directory_path() / ("lwm2mc_card_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto write_card = [&](const Lwm2mServer& s) {
        std::ofstream(dir / "card.json") << R"({"security":[{"id":1,"server_uri":")" << uri(s.endpoint())
                                         << R"(","ssid":7}],"server":[{"id":1,"ssid":7,"lifetime":300}]})";
    };
    write_card(first);
    ClientConfig config = base_config("card-node");
    config.smartcard = true;
    config.smartcard_file = dir / "card.json";
    config.bootstrap_after_reboot = true;  // the choice that runs the Bootstrap Sequence (and reads the card) again
    Device d{config};

    d.start();
    ASSERT_TRUE(d.run_until_state("Registered")) << d.trace();
    write_card(second);  // the card is replaced while the device is off
    d.client().power_cycle();
    const bool registered_again =
        d.run_until([&] { return second.registration("card-node").has_value(); }) && d.run_until_state("Registered");

    EXPECT_TRUE(first.registration("card-node").has_value());
    EXPECT_TRUE(registered_again) << d.trace();
    EXPECT_TRUE(d.log().visited("BsSmartcard"));
    expect_conforms(d);
    std::filesystem::remove_all(dir);
}

TEST(Lifecycle, ServerInitiatedBootstrapWithinHoldOffRegisters) {
    Lwm2mServer server;
    BootstrapServer bs;
    bs.set_script(provision(server));
    server.start();
    bs.start();
    ClientConfig config = base_config("si-node");
    config.server_initiated = true;
    config.hold_off = 3600;
    config.bootstrap_server_uri = uri(bs.endpoint());
    Device d{config};

    d.start();
    ASSERT_TRUE(d.run_until_state("BsHoldOff")) << d.trace();
    bs.start_server_initiated(d.endpoint());
    const bool registered = d.run_until_state("Registered");

    ASSERT_TRUE(registered) << d.trace();
    EXPECT_TRUE(bs.bootstrap_requests().empty());  // no Bootstrap-Request: the server took the initiative
    expect_conforms(d);
}

TEST(Lifecycle, ServerInitiatedOnlyClientIsStuckAfterAFailedBootstrap) {
    // The contribution's point, on the wire: the bootstrap server starts writing and never sends Finish. After
    // EXCHANGE_LIFETIME the bootstrap has failed; a client without Client Initiated Bootstrap cannot ask for a
    // new one and waits for a server initiative that does not come. It never registers.
    Lwm2mServer server;
    BootstrapServer bs;
    bs.set_script({BootstrapServer::write_security(1, uri(server.endpoint()), false, 101),
                   BootstrapServer::write_server(1, 101, 300)});  // no Finish
    server.start();
    bs.start();
    ClientConfig config = base_config("si-only");
    config.server_initiated = true;
    config.hold_off = 10;
    config.bootstrap_server_uri = uri(bs.endpoint());
    Device d{config};

    d.start();
    ASSERT_TRUE(d.run_until_state("BsHoldOff")) << d.trace();
    bs.start_server_initiated(d.endpoint());
    ASSERT_TRUE(d.run_until([&] { return d.log().visited("BsFailed"); })) << d.trace();
    d.run_for(Millis{3'600'000});  // an hour of protocol time

    EXPECT_FALSE(d.log().visited("Registered"));
    EXPECT_TRUE(bs.bootstrap_requests().empty());
    EXPECT_FALSE(server.registration("si-only").has_value());
    EXPECT_TRUE(d.client().state() == "BsHoldOff" || d.client().state() == "BsFailed") << d.client().state();
    const auto r = d.replay();
    ASSERT_TRUE(r.ok()) << r.divergence->message << "\n" << d.trace();
    // The model agrees, and where the run ends the checker finds no recovery (no-recovery:BsFailed/BsHoldOff).
    EXPECT_TRUE(shipped().state(r.state.state).name == "BsHoldOff" ||
                shipped().state(r.state.state).name == "BsFailed");
}

TEST(Lifecycle, FinishWithoutServerAccountIsNotAcceptableAndTheClientBootstrapsAgain) {
    Lwm2mServer server;
    BootstrapServer bs;
    bs.set_script({BootstrapServer::delete_all(), BootstrapServer::finish()});
    server.start();
    bs.start();
    ClientConfig config = base_config("inconsistent");
    config.client_initiated = true;
    config.hold_off = 5;
    config.bootstrap_server_uri = uri(bs.endpoint());
    Device d{config};

    d.start();
    ASSERT_TRUE(d.run_until([&] { return bs.script_finished(); })) << d.trace();
    bs.set_script(provision(server));
    const bool registered = d.run_until_state("Registered", 10s);

    EXPECT_EQ(outcome_string(bs.script_results().back()), "2.04");
    ASSERT_TRUE(registered) << d.trace();
    EXPECT_GE(bs.bootstrap_requests().size(), 2U);
    EXPECT_TRUE(d.log().visited("BsFailed"));
    expect_conforms(d);
}

TEST(Lifecycle, RejectedRegistersAreRetriedWithBackOff) {
    Lwm2mServer server;
    server.script_registers(
        {{Lwm2mServer::Answer::Reject, code::kForbidden}, {Lwm2mServer::Answer::Reject, code::kForbidden}});
    server.start();
    ClientConfig config = factory_config("retry-node", server);
    Device d{config};

    d.start();
    const bool registered = d.run_until_state("Registered", 10s);

    ASSERT_TRUE(registered) << d.trace();
    const auto requests = server.registration_requests();
    ASSERT_GE(requests.size(), 3U);
    // LwM2M 1.1 6.2.1.1: Communication Retry Timer (60 s) doubled per attempt: the second gap is longer.
    const auto gap1 = requests[1].at - requests[0].at;
    const auto gap2 = requests[2].at - requests[1].at;
    EXPECT_GT(gap2, gap1);
    EXPECT_TRUE(d.log().visited("RegFailed") || d.log().visited("RegPending"));
    expect_conforms(d);
}

TEST(Lifecycle, UpdateBeforeLifetimeExpiryAndUpdateNotFoundMeansRegisterAgain) {
    Lwm2mServer server;
    server.set_location_style(Lwm2mServer::LocationStyle::SingleOption);  // "rd/N" as lwm2m-node-lib sends it
    server.script_updates(
        {{Lwm2mServer::Answer::Normal, code::kChanged}, {Lwm2mServer::Answer::Reject, code::kNotFound}});
    server.start();
    ClientConfig config = base_config("update-node");
    config.factory = true;
    config.lifetime = 60;
    config.server_uris = {uri(server.endpoint())};
    Device d{config};

    d.start();
    ASSERT_TRUE(d.run_until_state("Registered")) << d.trace();
    const bool reregistered =
        d.run_until([&] { return server.registrations().size() >= 2 && d.client().state() == "Registered"; }, 10s);

    ASSERT_TRUE(reregistered) << d.trace();
    const auto regs = server.registrations();
    EXPECT_GE(regs[0].updates, 1U);  // the Update went to the location split from the single "rd/N" option
    EXPECT_TRUE(d.log().visited("UpdatePending"));
    expect_conforms(d);
}

TEST(Lifecycle, RebootIsAnsweredChangedThenTheClientComesBack) {
    Lwm2mServer server;
    server.start();
    ClientConfig config = factory_config("reboot-node", server);
    Device d{config};
    d.start();
    ASSERT_TRUE(d.run_until_state("Registered")) << d.trace();

    auto answer = server.send_to_client("reboot-node", Lwm2mServer::execute("/3/0/4"));
    ASSERT_TRUE(d.run_until_answered(answer));
    const bool back = d.run_until([&] { return d.log().visited("Rebooting") && d.client().state() == "Registered"; });

    EXPECT_EQ(outcome_string(answer.get()), "2.04");
    EXPECT_TRUE(back) << d.trace();
    expect_conforms(d);
}

TEST(Lifecycle, FactoryResetDeregistersWipesAndBootstrapsAgain) {
    Lwm2mServer server;
    BootstrapServer bs;
    bs.set_script(provision(server));
    server.start();
    bs.start();
    ClientConfig config = base_config("reset-node");
    config.client_initiated = true;
    config.bootstrap_server_uri = uri(bs.endpoint());
    Device d{config};
    d.start();
    ASSERT_TRUE(d.run_until_state("Registered")) << d.trace();

    auto answer = server.send_to_client("reset-node", Lwm2mServer::execute("/3/0/5"));
    ASSERT_TRUE(d.run_until_answered(answer));
    const bool again =
        d.run_until([&] { return bs.bootstrap_requests().size() == 2 && d.client().state() == "Registered"; }, 10s);

    EXPECT_EQ(outcome_string(answer.get()), "2.04");
    ASSERT_TRUE(again) << d.trace();
    EXPECT_TRUE(d.log().visited("FactoryResetting"));
    const auto requests = server.registration_requests();
    const bool deregistered =
        std::any_of(requests.begin(), requests.end(), [](const auto& r) { return r.request.method == code::kDelete; });
    EXPECT_TRUE(deregistered);  // De-register before the reset (the client's configured choice)
    expect_conforms(d);
}

TEST(Lifecycle, FactoryResetNotSupportedIsMethodNotAllowedAndNothingChanges) {
    Lwm2mServer server;
    server.start();
    ClientConfig config = base_config("no-reset");
    config.factory = true;
    config.supports_factory_reset = false;
    config.server_uris = {uri(server.endpoint())};
    Device d{config};
    d.start();
    ASSERT_TRUE(d.run_until_state("Registered")) << d.trace();

    auto answer = server.send_to_client("no-reset", Lwm2mServer::execute("/3/0/5"));
    ASSERT_TRUE(d.run_until_answered(answer));
    d.run_for(Millis{1000});

    EXPECT_EQ(outcome_string(answer.get()).substr(0, 2), "4.");
    EXPECT_EQ(d.client().state(), "Registered");
    EXPECT_FALSE(d.log().visited("FactoryResetting"));
    expect_conforms(d);
}

TEST(Lifecycle, BadRequestsGetErrorCodesAndLeaveTheClientRegistered) {
    Lwm2mServer server;
    server.start();
    ClientConfig config = factory_config("strict-node", server);
    Device d{config};
    d.start();
    ASSERT_TRUE(d.run_until_state("Registered")) << d.trace();
    const auto before = d.client().persistent().data.server_accounts();

    // A Bootstrap-Write from the LwM2M server (not the bootstrap server, outside a bootstrap), a malformed TLV
    // write, a Read of an object the client does not have, and a Delete of the Device object.
    client::Request bs_write = Lwm2mServer::write_text("/0/1/0", "coap://evil");
    bs_write.method = code::kPut;
    const auto server_instance = d.client().persistent().data.server.begin()->first;
    client::Request bad_tlv = conformance::make_request(code::kPut, "/1/" + std::to_string(server_instance));
    bad_tlv.content_format = content_format::kLwm2mTlv;
    bad_tlv.payload = {0xC8, 0x00, 0x05, 0x01};  // announces 5 bytes, carries 1
    auto a1 = server.send_to_client("strict-node", bs_write);
    auto a2 = server.send_to_client("strict-node", bad_tlv);
    auto a3 = server.send_to_client("strict-node", Lwm2mServer::read("/42/0"));
    auto a4 = server.send_to_client("strict-node", conformance::make_request(code::kDelete, "/3/0"));
    ASSERT_TRUE(d.run_until([&] {
        return a1.wait_for(0s) == std::future_status::ready && a2.wait_for(0s) == std::future_status::ready &&
               a3.wait_for(0s) == std::future_status::ready && a4.wait_for(0s) == std::future_status::ready;
    }));

    EXPECT_EQ(outcome_string(a1.get()).substr(0, 2), "4.") << outcome_string(a1.get());
    EXPECT_EQ(outcome_string(a2.get()), "4.00");
    EXPECT_EQ(outcome_string(a3.get()), "4.04");
    EXPECT_EQ(outcome_string(a4.get()).substr(0, 2), "4.") << outcome_string(a4.get());
    EXPECT_EQ(d.client().state(), "Registered");
    EXPECT_EQ(d.client().persistent().data.server_accounts(), before);
    expect_conforms(d);
}

TEST(Lifecycle, PersistedAccountsSurviveARestartOfTheProcess) {
    Lwm2mServer server;
    BootstrapServer bs;
    bs.set_script(provision(server));
    server.start();
    bs.start();
    const auto dir = std::filesystem::temp_directory_path() / ("lwm2mc_state_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    ClientConfig config = base_config("persistent-node");
    config.client_initiated = true;
    config.bootstrap_server_uri = uri(bs.endpoint());
    config.state_dir = dir;
    {
        Device first{config};
        first.start();
        ASSERT_TRUE(first.run_until_state("Registered")) << first.trace();
    }  // the process ends without De-register

    Device second{config};
    second.start();
    const bool registered = second.run_until_state("Registered");

    ASSERT_TRUE(registered) << second.trace();
    EXPECT_EQ(bs.bootstrap_requests().size(), 1U);  // the second run needed no bootstrap
    EXPECT_FALSE(second.log().visited("BsHoldOff"));
    expect_conforms(second);  // its start record carries the persisted accounts
    std::filesystem::remove_all(dir);
}

TEST(Interop, RegistersUpdatesAndDeregistersWithLwm2mNodeLib) {
    if (auto why = test_net::NodeLibServer::unavailable_reason(LWM2MC_INTEROP_DIR)) {
        GTEST_SKIP() << *why;
    }
    test_net::NodeLibServer node(LWM2MC_INTEROP_DIR);
    ClientConfig config = base_config("interop-node");
    config.factory = true;
    config.lifetime = 40;
    config.server_uris = {uri(node.endpoint())};
    Device d{config, 100.0};  // lifetime 40 s = 0.4 s real: an Update comes soon

    d.start();
    ASSERT_TRUE(d.run_until_state("Registered", 10s)) << d.trace();
    auto reg = node.wait_for_event("registration", 5s);
    ASSERT_TRUE(
        d.run_until([&] { return d.log().visited("UpdatePending") && d.client().state() == "Registered"; }, 10s))
        << d.trace();
    auto update = node.wait_for_event("update", 5s);
    ASSERT_TRUE(d.client().deregister());
    ASSERT_TRUE(d.run_until_state("Deregistered", 10s)) << d.trace();
    auto unreg = node.wait_for_event("unregistration", 5s);

    ASSERT_TRUE(reg.has_value());
    EXPECT_EQ((*reg)["endpoint"], "interop-node");
    EXPECT_TRUE(update.has_value());
    EXPECT_TRUE(unreg.has_value());
    expect_conforms(d);
}

TEST(Lifecycle, BootstrapRequestTriggerMakesARegisteredClientBootstrapAgain) {
    // LwM2M 1.1 /1/x/9: the server asks a registered client to bootstrap; the bootstrap server rewrites the
    // server account (lifetime 120 s) and the client registers again with the new configuration.
    Lwm2mServer server;
    BootstrapServer bs;
    bs.set_script(provision(server));
    server.start();
    bs.start();
    ClientConfig config = base_config("trigger-node");
    config.client_initiated = true;
    config.bootstrap_server_uri = uri(bs.endpoint());
    Device d{config};
    d.start();
    ASSERT_TRUE(d.run_until_state("Registered")) << d.trace();
    ASSERT_TRUE(bs.wait_until([&] { return bs.script_finished(); }, 2s));
    bs.set_script(provision(server, 120));
    const auto instance = d.client().persistent().data.server.begin()->first;

    auto answer = server.send_to_client("trigger-node", Lwm2mServer::execute("/1/" + std::to_string(instance) + "/9"));
    ASSERT_TRUE(d.run_until_answered(answer));
    const bool again = d.run_until(
        [&] {
            const auto reg = server.registration("trigger-node");
            return bs.bootstrap_requests().size() == 2 && reg && reg->params.count("lt") != 0 &&
                   reg->params.at("lt") == "120" && d.client().state() == "Registered";
        },
        10s);

    EXPECT_EQ(outcome_string(answer.get()), "2.04");
    ASSERT_TRUE(again) << d.trace();
    EXPECT_TRUE(d.log().visited("BsRequesting"));
    expect_conforms(d);
}

// ---- issue 13: a server that starts late; block-wise transfer with the server's choice of block size ----

namespace {

/// Client transport for the late-server tests: transmissions at 0, 1, 3 and 7 s (ACK_TIMEOUT 1 s, no random
/// factor, MAX_RETRANSMIT 3), given up at 15 s.
CoapTransportOptions patient_client_options() {
    CoapTransportOptions o = conformance::fast_loopback_client_options();
    o.max_retransmit = 3;
    o.exchange_timeout = 15000ms;
    return o;
}

/// No request the server sent to the client was answered 4.03 (the symptom of issue 13: requests of a server
/// that the client does not consider itself registered with, or outside a bootstrap window).
void expect_no_forbidden(const std::vector<conformance::Exchange>& sent) {
    for (const auto& e : sent) {
        EXPECT_NE(outcome_string(e), "4.03") << e.label << " " << path_to_string(e.request.uri_path);
    }
}

}  // namespace

TEST(Lifecycle, RegistersAtTheRetransmissionWhenTheServerStartsLate) {
    // The client targets a port where nothing listens yet: its Register meets ICMP port unreachable at 0 and 1 s.
    // The server comes up at 3.5 s and answers the retransmission at 7 s; the client is registered then, not
    // at its next Register attempt (Communication Retry Timer, 60 s of real time with clock factor 1).
    const std::uint16_t port = test_net::closed_udp_port();
    ClientConfig config = base_config("late-server");
    config.factory = true;
    config.server_uris = {"coap://127.0.0.1:" + std::to_string(port)};
    Device d{config, 1.0, patient_client_options()};
    d.start();
    d.run_until([] { return false; }, 3500ms);
    ASSERT_FALSE(d.log().visited("Registered")) << d.trace();
    conformance::PeerOptions late;
    late.bind_port = port;
    Lwm2mServer server{late};
    server.start();
    const auto appeared = std::chrono::steady_clock::now();

    const bool registered = d.run_until_state("Registered", 10s);
    const auto waited = std::chrono::steady_clock::now() - appeared;
    auto read = server.send_to_client("late-server", Lwm2mServer::read("/3/0/0"));
    ASSERT_TRUE(d.run_until_answered(read));

    ASSERT_TRUE(registered) << d.trace();
    EXPECT_LT(waited, 4500ms);  // the retransmission 7 s after the first transmission, 3.5 s after the server
    EXPECT_EQ(server.registration_requests().size(), 1U);  // the retransmitted Register, nothing else
    EXPECT_EQ(outcome_string(read.get()), "2.05");
    expect_no_forbidden(server.sent());
    expect_conforms(d);
}

TEST(Lifecycle, BootstrapsAtTheRetransmissionWhenTheBootstrapServerStartsLate) {
    Lwm2mServer server;
    server.start();
    const std::uint16_t port = test_net::closed_udp_port();
    ClientConfig config = base_config("late-bs");
    config.client_initiated = true;
    config.bootstrap_server_uri = "coap://127.0.0.1:" + std::to_string(port);
    Device d{config, 1.0, patient_client_options()};
    d.start();
    d.run_until([] { return false; }, 3500ms);
    ASSERT_FALSE(d.log().visited("Registered")) << d.trace();
    conformance::PeerOptions late;
    late.bind_port = port;
    BootstrapServer bs{late};
    bs.set_script(provision(server));
    bs.start();
    const auto appeared = std::chrono::steady_clock::now();

    const bool registered = d.run_until_state("Registered", 10s);
    const auto waited = std::chrono::steady_clock::now() - appeared;

    ASSERT_TRUE(registered) << d.trace();
    EXPECT_LT(waited, 4500ms);
    EXPECT_EQ(bs.bootstrap_requests().size(), 1U);
    ASSERT_TRUE(bs.wait_until([&] { return bs.script_finished(); }, 2s));
    for (const auto& e : bs.script_results()) {
        EXPECT_TRUE(e.response && is_success(e.response->code)) << e.label << ": " << outcome_string(e);
    }
    expect_no_forbidden(bs.sent());
    expect_conforms(d);
}

TEST(Lifecycle, BootstrapServerWritingIn16ByteBlock1BlocksProvisionsTheClient) {
    // A bootstrap server that chooses 16-byte blocks: Write /0/1 and /1/1 (TLV) arrive as Block1 transfers
    // (RFC 7959 2.3), each block answered 2.31 and the whole body written at the last block.
    Lwm2mServer server;
    conformance::PeerOptions small;
    small.block_size = 16;
    BootstrapServer bs{small};
    bs.set_script(provision(server));
    server.start();
    bs.start();
    ClientConfig config = base_config("block1-node");
    config.client_initiated = true;
    config.bootstrap_server_uri = uri(bs.endpoint());
    Device d{config};

    d.start();
    const bool registered = d.run_until_state("Registered");

    ASSERT_TRUE(registered) << d.trace();
    ASSERT_TRUE(bs.wait_until([&] { return bs.script_finished(); }, 2s));
    const auto results = bs.script_results();
    ASSERT_EQ(results.size(), 4U);
    EXPECT_EQ(results[1].label, "write /0/1");
    EXPECT_GT(results[1].request.payload.size(), 32U);  // several blocks
    EXPECT_EQ(outcome_string(results[1]), "2.04");
    EXPECT_EQ(outcome_string(results[2]), "2.04");  // write /1/1
    EXPECT_EQ(outcome_string(results[3]), "2.04");  // Finish: consistent
    const auto reg = server.registration("block1-node");
    ASSERT_TRUE(reg.has_value());
    EXPECT_EQ(reg->params.at("lt"), "300");
    expect_conforms(d);
}

TEST(Lifecycle, ServerReadingWith16ByteBlock2BlocksGetsTheWholeBody) {
    // The server asks for 16-byte Block2 blocks in its Read of /3/0 (RFC 7959 2.4 early negotiation); the client
    // answers block by block and the server reassembles the whole TLV body.
    conformance::PeerOptions small;
    small.block_size = 16;
    Lwm2mServer server{small};
    server.start();
    Device d{factory_config("block2-node", server)};
    d.start();
    ASSERT_TRUE(d.run_until_state("Registered")) << d.trace();
    auto request = conformance::make_request(code::kGet, "/3/0");
    request.accept = content_format::kLwm2mTlv;

    auto read = server.send_to_client("block2-node", request);
    ASSERT_TRUE(d.run_until_answered(read));

    const auto e = read.get();
    ASSERT_TRUE(e.response.has_value()) << outcome_string(e);
    EXPECT_EQ(outcome_string(e), "2.05");
    EXPECT_EQ(e.response->content_format, content_format::kLwm2mTlv);
    EXPECT_GT(e.response->payload.size(), 32U);  // at least three blocks
    const auto decoded = decode_tlv(e.response->payload);
    ASSERT_TRUE(std::holds_alternative<std::vector<TlvRecord>>(decoded)) << "the reassembled body is not whole TLV";
    EXPECT_GE(std::get<std::vector<TlvRecord>>(decoded).size(), 3U);
    expect_conforms(d);
}

TEST(Lifecycle, RegisteredServerGets503WithMaxAgeOnTheWireDuringTheBootstrapItTriggered) {
    // The server executes /1/x/9 and reads the client while the bootstrap runs: the server still holds the
    // registration, so the answer is 5.03 with a Max-Age option (TS 1.0 5.2; RFC 7252 5.9.3.4), not 4.03.
    Lwm2mServer server;
    BootstrapServer bs;
    bs.set_script(provision(server));
    server.start();
    bs.start();
    ClientConfig config = base_config("busy-node");
    config.client_initiated = true;
    config.bootstrap_server_uri = uri(bs.endpoint());
    Device d{config, 1.0};  // real time: EXCHANGE_LIFETIME (247 s) outlasts the bootstrap server's pause
    d.start();
    ASSERT_TRUE(d.run_until_state("Registered")) << d.trace();
    ASSERT_TRUE(bs.wait_until([&] { return bs.script_finished(); }, 2s));
    bs.set_script({BootstrapServer::write_security(1, uri(server.endpoint()), false, 101),
                   BootstrapServer::with_delay(BootstrapServer::write_server(1, 101, 300), 500ms),
                   BootstrapServer::finish()});
    const auto instance = d.client().persistent().data.server.begin()->first;
    auto trigger = server.send_to_client("busy-node", Lwm2mServer::execute("/1/" + std::to_string(instance) + "/9"));
    ASSERT_TRUE(d.run_until_answered(trigger));
    ASSERT_TRUE(d.run_until([&] { return d.client().state() == "BsPending" && !bs.script_results().empty(); }))
        << d.trace();

    auto read = server.send_to_client("busy-node", Lwm2mServer::read("/3/0/0"));
    ASSERT_TRUE(d.run_until_answered(read));
    const bool registered_again =
        d.run_until([&] { return bs.script_finished() && d.client().state() == "Registered"; }, 10s);
    auto read_after = server.send_to_client("busy-node", Lwm2mServer::read("/3/0/0"));
    ASSERT_TRUE(d.run_until_answered(read_after));

    const auto busy = read.get();
    EXPECT_EQ(outcome_string(busy), "5.03");
    ASSERT_TRUE(busy.response.has_value());
    ASSERT_TRUE(busy.response->max_age.has_value());
    EXPECT_GE(*busy.response->max_age, 240U);
    EXPECT_LE(*busy.response->max_age, 247U);
    EXPECT_TRUE(registered_again) << d.trace();
    EXPECT_EQ(outcome_string(read_after.get()), "2.05");
    expect_conforms(d);
}

// ---- DTLS with a pre-shared key (LwM2M Security Mode 0) ----

namespace {

std::vector<std::uint8_t> bytes_of(const std::string& s) {
    return {s.begin(), s.end()};
}

std::string secure_uri(const Endpoint& e) {
    return "coaps://" + e.host + ":" + std::to_string(e.port);
}

const std::vector<std::uint8_t> kBsIdentity = bytes_of("psk-node-bs");
const std::vector<std::uint8_t> kBsKey = {0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe};
const std::vector<std::uint8_t> kServerIdentity = bytes_of("psk-node");
const std::vector<std::uint8_t> kServerKey = {0xa5, 0x5a, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};

conformance::PeerOptions dtls_peer(const std::vector<std::uint8_t>& identity, const std::vector<std::uint8_t>& key) {
    conformance::PeerOptions o;
    o.psk_table = {{identity, key}};
    return o;
}

std::string file_bytes(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST(LifecycleDtls, BootstrapsOverCoapsThenRegistersOverCoapsWithTheWrittenKey) {
    Lwm2mServer server{dtls_peer(kServerIdentity, kServerKey)};
    BootstrapServer bs{dtls_peer(kBsIdentity, kBsKey)};
    bs.set_script(
        {BootstrapServer::delete_all(),
         BootstrapServer::write_security_psk(1, secure_uri(server.endpoint()), false, 101, kServerIdentity, kServerKey),
         BootstrapServer::write_server(1, 101, 300), BootstrapServer::finish()});
    server.start();
    bs.start();
    ClientConfig config = base_config("psk-node");
    config.client_initiated = true;
    config.bootstrap_server_uri = secure_uri(bs.endpoint());
    config.bootstrap_psk_identity = kBsIdentity;
    config.bootstrap_psk_key = kBsKey;
    ASSERT_TRUE(validate(config).empty());
    Device d{config};

    d.start();
    const bool registered = d.run_until_state("Registered");

    ASSERT_TRUE(registered) << d.trace();
    ASSERT_TRUE(bs.wait_until([&] { return bs.script_finished(); }, 2s));
    EXPECT_EQ(outcome_string(bs.script_results().back()), "2.04");
    ASSERT_EQ(bs.bootstrap_requests().size(), 1U);
    EXPECT_TRUE(bs.bootstrap_requests()[0].from.secure);  // the Bootstrap-Request came in the DTLS session
    ASSERT_TRUE(server.registration("psk-node").has_value());
    for (const auto& r : server.received()) {
        EXPECT_TRUE(r.from.secure) << conformance::payload_text(r.request.payload);
    }
    // The Security instance the bootstrap server wrote holds mode 0 and the PSK (TS 1.0 E.1 /0/x/2, 3, 5).
    const auto& sec = d.client().persistent().data.security.at(1);
    EXPECT_EQ(sec.security_mode, 0);
    EXPECT_EQ(sec.public_key_or_identity, kServerIdentity);
    EXPECT_EQ(sec.secret_key, kServerKey);
    expect_conforms(d);
}

TEST(LifecycleDtls, AWrongKeyFailsTheRegistrationLeaksNothingAndChangesNoStoredState) {
    Lwm2mServer server{dtls_peer(kServerIdentity, kServerKey)};
    server.start();
    const auto dir = std::filesystem::temp_directory_path() / ("lwm2mc_dtls_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    ClientConfig config = base_config("psk-node");
    config.factory = true;
    config.server_uris = {secure_uri(server.endpoint())};
    config.server_psk_identity = kServerIdentity;
    config.server_psk_key = kServerKey;
    config.server_psk_key.back() ^= 0x01U;
    config.retry.communication_retry_count = 1;  // one attempt, so that one failed handshake fails the registration
    config.retry.communication_sequence_retry_count = 1;
    config.state_dir = dir;
    Device d{config};

    d.start();
    ASSERT_TRUE(d.run_until_state("RegPending")) << d.trace();
    const std::string stored = file_bytes(dir / "state.lwm2mc");
    const bool failed = d.run_until([&] { return d.log().visited("RegFailed"); }, 15s);

    ASSERT_TRUE(failed) << d.trace();
    EXPECT_NE(d.trace().find("handshake failed"), std::string::npos) << d.trace();
    EXPECT_TRUE(server.received().empty());  // no Register, nothing at all reached the server's CoAP layer
    EXPECT_FALSE(server.registration("psk-node").has_value());
    EXPECT_FALSE(stored.empty());
    EXPECT_EQ(file_bytes(dir / "state.lwm2mc"), stored);
    expect_conforms(d);
    std::filesystem::remove_all(dir);
}

TEST(LifecycleDtls, AWrongBootstrapKeyFailsTheBootstrapRequestAndNothingReachesTheBootstrapServer) {
    BootstrapServer bs{dtls_peer(kBsIdentity, kBsKey)};
    bs.start();
    ClientConfig config = base_config("psk-node");
    config.client_initiated = true;
    config.bootstrap_server_uri = secure_uri(bs.endpoint());
    config.bootstrap_psk_identity = kBsIdentity;
    config.bootstrap_psk_key = kServerKey;  // another key
    Device d{config};

    d.start();
    const bool failed = d.run_until([&] { return d.log().visited("BsFailed"); }, 15s);

    ASSERT_TRUE(failed) << d.trace();
    EXPECT_NE(d.trace().find("handshake failed"), std::string::npos) << d.trace();
    EXPECT_TRUE(bs.bootstrap_requests().empty());
    EXPECT_TRUE(bs.received().empty());
    expect_conforms(d);
}

TEST(LifecycleDtls, ARequestFromOutsideTheSessionIsNotTakenForTheServer) {
    // Registered over coaps; a plain CoAP request from the server's host (its NoSec port) is from no known server.
    Lwm2mServer server{dtls_peer(kServerIdentity, kServerKey)};
    server.start();
    ClientConfig config = base_config("psk-node");
    config.factory = true;
    config.server_uris = {secure_uri(server.endpoint())};
    config.server_psk_identity = kServerIdentity;
    config.server_psk_key = kServerKey;
    Device d{config};
    d.start();
    ASSERT_TRUE(d.run_until_state("Registered")) << d.trace();
    conformance::BootstrapServer stranger;  // plain CoAP, not in any session with the client
    stranger.start();

    auto answer = stranger.send(d.endpoint(), conformance::make_request(code::kGet, "/3/0/0"));
    ASSERT_TRUE(d.run_until_answered(answer));
    auto in_session = server.send_to_client("psk-node", conformance::make_request(code::kGet, "/3/0/0"));
    ASSERT_TRUE(d.run_until_answered(in_session));

    const auto refused = answer.get();
    ASSERT_TRUE(refused.response.has_value()) << outcome_string(refused);
    EXPECT_FALSE(is_success(refused.response->code)) << outcome_string(refused);
    EXPECT_EQ(outcome_string(in_session.get()), "2.05");
    expect_conforms(d);
}
