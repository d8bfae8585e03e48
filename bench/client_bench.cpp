// SPDX-License-Identifier: Apache-2.0
// The reference client on loopback, side by side in one run (Google Benchmark):
//   - Register after a factory bootstrap (one CoAP exchange);
//   - Client Initiated Bootstrap with ClientHoldOffTime 0 (Bootstrap-Request, Delete "/", two Bootstrap-Writes,
//     Finish) followed by Register;
//   - 1.0 Server Initiated Bootstrap (the same writes without a Bootstrap-Request) followed by Register;
//   - the first two again over DTLS with a pre-shared key (Security Mode 0, coaps://; libcoap with GnuTLS): one
//     handshake (factory) and two (bootstrap server, then LwM2M server). The DTLS overhead per handshake is
//     (time with DTLS - time without) / dtls_handshakes.
// Each iteration builds a fresh Client and CoapTransport (a new UDP socket) and runs until Registered; the
// peers (in-process libcoap servers on their own threads) stay up. Counters: protocol messages per run and the
// resident-memory growth per extra live client (100 registered clients held at once);
//   - notifications per second to one server and resident memory per observation (Information Reporting).
//   bash scripts/run.sh bench-client

#include "lwm2mc/client/client.hpp"
#include "lwm2mc/client/transport_coap.hpp"
#include "lwm2mc/conformance/bootstrap_server.hpp"
#include "lwm2mc/conformance/lwm2m_server.hpp"

#include <benchmark/benchmark.h>

#include <fstream>
#include <functional>
#include <malloc.h>
#include <string>

using namespace lwm2mc;
using namespace lwm2mc::client;
using conformance::BootstrapServer;
using conformance::Lwm2mServer;

namespace {

std::string uri(const Endpoint& e) {
    return (e.secure ? "coaps://" : "coap://") + e.host + ":" + std::to_string(e.port);
}

const std::vector<std::uint8_t> kIdentity{'b', 'e', 'n', 'c', 'h'};
const std::vector<std::uint8_t> kKey{0x5e, 0xc7, 0xe7, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};

conformance::PeerOptions dtls_peer() {
    conformance::PeerOptions o;
    o.psk_table = {{kIdentity, kKey}};
    return o;
}

/// Resident set size of this process in KiB (/proc/self/status VmRSS).
long rss_kib() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return std::stol(line.substr(6));
        }
    }
    return -1;
}

CoapTransportOptions loopback() {
    CoapTransportOptions o;
    o.bind_host = "127.0.0.1";
    return o;
}

struct Run {
    CoapTransport transport{loopback()};
    SteadyClock clock{};
    Observer observer{};
    Client client;

    explicit Run(const ClientConfig& c) : client{c, transport, clock, observer} {}

    bool until_registered() {
        const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds{10};
        while (client.state() != "Registered") {
            if (std::chrono::steady_clock::now() > limit) {
                return false;
            }
            client.step();
            transport.poll(Millis{1});
        }
        return true;
    }
};

ClientConfig config(const std::string& endpoint) {
    ClientConfig c;
    c.endpoint = endpoint;
    c.factory = false;
    c.client_initiated = false;
    c.server_initiated = false;
    c.hold_off = 0;
    return c;
}

std::vector<conformance::BootstrapStep> provision(const Lwm2mServer& server) {
    const auto security =
        server.endpoint().secure
            ? BootstrapServer::write_security_psk(1, uri(server.endpoint()), false, 101, kIdentity, kKey)
            : BootstrapServer::write_security(1, uri(server.endpoint()), false, 101);
    return {BootstrapServer::delete_all(), security, BootstrapServer::write_server(1, 101, 3600),
            BootstrapServer::finish()};
}

/// Times fresh clients of configuration `c` from start() to Registered; `after_start` runs once each client has
/// started (a server-initiated bootstrap begins there).
void register_loop(benchmark::State& state, const ClientConfig& c, double exchanges,
                   const std::function<void(Run&)>& after_start = {}) {
    for (auto _ : state) {
        Run run{c};
        run.client.start();
        if (after_start) {
            after_start(run);
        }
        if (!run.until_registered()) {
            state.SkipWithError("not registered within 10 s");
            break;
        }
        run.client.stop();
    }
    state.counters["coap_exchanges"] = exchanges;
}

void BM_FactoryRegister(benchmark::State& state) {
    Lwm2mServer server;
    server.start();
    ClientConfig c = config("bench-factory");
    c.factory = true;
    c.server_uris = {uri(server.endpoint())};
    register_loop(state, c, 1);
}
BENCHMARK(BM_FactoryRegister)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_ClientInitiatedBootstrapAndRegister(benchmark::State& state) {
    Lwm2mServer server;
    BootstrapServer bs;
    bs.set_script(provision(server));
    server.start();
    bs.start();
    ClientConfig c = config("bench-ci");
    c.client_initiated = true;
    c.bootstrap_server_uri = uri(bs.endpoint());
    register_loop(state, c, 6);  // /bs, Delete, Write /0, Write /1, Finish, Register
}
BENCHMARK(BM_ClientInitiatedBootstrapAndRegister)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_ServerInitiatedBootstrapAndRegister(benchmark::State& state) {
    Lwm2mServer server;
    BootstrapServer bs;
    bs.set_script(provision(server));
    server.start();
    bs.start();
    ClientConfig c = config("bench-si");
    c.server_initiated = true;
    c.hold_off = 3600;
    c.bootstrap_server_uri = uri(bs.endpoint());
    register_loop(state, c, 5, [&](Run& run) {  // Delete, Write /0, Write /1, Finish, Register
        bs.start_server_initiated({"127.0.0.1", run.transport.local_port()});
    });
}
BENCHMARK(BM_ServerInitiatedBootstrapAndRegister)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_FactoryRegisterDtlsPsk(benchmark::State& state) {
    Lwm2mServer server{dtls_peer()};
    server.start();
    ClientConfig c = config("bench-factory-dtls");
    c.factory = true;
    c.server_uris = {uri(server.endpoint())};
    c.server_psk_identity = kIdentity;
    c.server_psk_key = kKey;
    register_loop(state, c, 1);
    state.counters["dtls_handshakes"] = 1;
}
BENCHMARK(BM_FactoryRegisterDtlsPsk)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_ClientInitiatedBootstrapAndRegisterDtlsPsk(benchmark::State& state) {
    Lwm2mServer server{dtls_peer()};
    BootstrapServer bs{dtls_peer()};
    bs.set_script(provision(server));
    server.start();
    bs.start();
    ClientConfig c = config("bench-ci-dtls");
    c.client_initiated = true;
    c.bootstrap_server_uri = uri(bs.endpoint());
    c.bootstrap_psk_identity = kIdentity;
    c.bootstrap_psk_key = kKey;
    register_loop(state, c, 6);
    state.counters["dtls_handshakes"] = 2;  // bootstrap server, LwM2M server
}
BENCHMARK(BM_ClientInitiatedBootstrapAndRegisterDtlsPsk)->Unit(benchmark::kMicrosecond)->UseRealTime();

/// Resident memory per registered client: RSS growth while 100 clients (each with its own socket) are held.
void BM_ResidentMemoryPerClient(benchmark::State& state) {
    Lwm2mServer server;
    server.start();
    double per_client_kib = 0;
    long before = 0;
    long after = 0;
    for (auto _ : state) {
        std::vector<std::unique_ptr<Run>> runs;
        before = rss_kib();
        for (int i = 0; i < 100; ++i) {
            ClientConfig c = config("bench-mem-" + std::to_string(i));
            c.factory = true;
            c.server_uris = {uri(server.endpoint())};
            runs.push_back(std::make_unique<Run>(c));
            runs.back()->client.start();
            if (!runs.back()->until_registered()) {
                state.SkipWithError("not registered within 10 s");
                return;
            }
        }
        after = rss_kib();
        per_client_kib = static_cast<double>(after - before) / 100.0;
    }
    state.counters["rss_before_kib"] = static_cast<double>(before);
    state.counters["rss_with_100_kib"] = static_cast<double>(after);
    state.counters["kib_per_client"] = per_client_kib;
}
BENCHMARK(BM_ResidentMemoryPerClient)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

/// A factory-provisioned client registered with `server`, on a clock `factor` times faster than real time.
struct ObservedRun {
    CoapTransport transport{loopback()};
    ScaledClock clock;
    Observer observer{};
    Client client;

    ObservedRun(const ClientConfig& c, double factor) : clock{factor}, client{c, transport, clock, observer} {}

    /// Runs the event loop until `done` or `limit` (real time); false on timeout.
    bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
        const auto until = std::chrono::steady_clock::now() + limit;
        while (!done()) {
            if (std::chrono::steady_clock::now() > until) {
                return false;
            }
            const Millis next = client.step();
            const Millis now = clock.now();
            const Millis wait = next == kNoDeadline ? Millis{1} : clock.real_wait(next > now ? next - now : Millis{0});
            transport.poll(std::min(wait, Millis{1}));
        }
        return true;
    }
};

/// Notifications per second sustained to one server over loopback (TS 1.0 5.5.2, RFC 7641): 100 observations of
/// /1/1/1 with pmax=1 on a clock 1000 times faster than real time, so that every observation is due every real
/// millisecond and the client sends as fast as it can. Argument: notification_con_every (1 = every notification
/// Confirmable, each waiting for its ACK; 0 = all Non-confirmable). Counter notifications_per_s: notifications the
/// server received per real second over the timed window.
void BM_NotificationsPerSecond(benchmark::State& state) {
    Lwm2mServer server;
    server.start();
    ClientConfig c = config("bench-notify");
    c.factory = true;
    c.server_uris = {uri(server.endpoint())};
    c.lifetime = 86400;
    c.notification_con_every = static_cast<std::uint32_t>(state.range(0));
    ObservedRun run{c, 1000.0};
    run.client.start();
    if (!run.run_until([&] { return run.client.state() == "Registered"; }, std::chrono::seconds{10})) {
        state.SkipWithError("not registered within 10 s");
        return;
    }
    auto answered = [&](const std::shared_future<conformance::Exchange>& f) {
        return run.run_until([&] { return f.wait_for(std::chrono::seconds{0}) == std::future_status::ready; },
                             std::chrono::seconds{10});
    };
    if (!answered(server.send_to_client("bench-notify", Lwm2mServer::write_attributes("/1/1", {"pmax=1"})))) {
        state.SkipWithError("Write-Attributes not answered");
        return;
    }
    constexpr int kObservations = 100;
    for (int i = 0; i < kObservations; ++i) {
        const std::vector<std::uint8_t> token{0xbe, static_cast<std::uint8_t>(i)};
        if (!answered(server.observe("bench-notify", "/1/1/1", token))) {
            state.SkipWithError("Observe not answered");
            return;
        }
    }
    double total = 0;
    double seconds = 0;
    for (auto _ : state) {
        const auto before = server.notification_count();
        const auto t0 = std::chrono::steady_clock::now();
        run.run_until([] { return false; }, std::chrono::milliseconds{1000});
        const auto t1 = std::chrono::steady_clock::now();
        total += static_cast<double>(server.notification_count() - before);
        seconds += std::chrono::duration<double>(t1 - t0).count();
    }
    state.counters["notifications_per_s"] = seconds > 0 ? total / seconds : 0;
    state.counters["observations"] = kObservations;
}
BENCHMARK(BM_NotificationsPerSecond)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

/// Resident memory per observation: RSS growth while one registered client holds 10,000 observations (distinct
/// tokens on /3/0/13, registered through Client::handle_request as the transport would deliver the server's
/// GET Observe=0; no state directory).
void BM_ResidentMemoryPerObservation(benchmark::State& state) {
    Lwm2mServer server;
    server.start();
    constexpr int kObservations = 10'000;
    long before = 0;
    long after = 0;
    for (auto _ : state) {
        ClientConfig c = config("bench-obs-mem");
        c.factory = true;
        c.server_uris = {uri(server.endpoint())};
        c.lifetime = 86400;
        ObservedRun run{c, 1.0};
        run.client.start();
        if (!run.run_until([&] { return run.client.state() == "Registered"; }, std::chrono::seconds{10})) {
            state.SkipWithError("not registered within 10 s");
            return;
        }
        ::malloc_trim(0);  // memory the benchmarks before this one freed must not shrink RSS during the count
        before = rss_kib();
        for (int i = 0; i < kObservations; ++i) {
            Request r;
            r.method = code::kGet;
            r.uri_path = {"3", "0", "13"};
            r.accept = content_format::kTextPlain;
            r.observe = 0;
            r.token = {static_cast<std::uint8_t>(i >> 8U), static_cast<std::uint8_t>(i & 0xFF), 0x0b};
            if (!run.client.handle_request(server.endpoint(), r).observe) {
                state.SkipWithError("Observe refused");
                return;
            }
        }
        after = rss_kib();
        if (run.client.persistent().observations.size() != kObservations) {
            state.SkipWithError("not every observation was registered");
            return;
        }
    }
    state.counters["rss_before_kib"] = static_cast<double>(before);
    state.counters["rss_with_10000_kib"] = static_cast<double>(after);
    state.counters["bytes_per_observation"] = static_cast<double>(after - before) * 1024.0 / kObservations;
}
BENCHMARK(BM_ResidentMemoryPerObservation)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
