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
// resident-memory growth per extra live client (100 registered clients held at once).
//   bash scripts/run.sh bench-client

#include "lwm2mc/client/client.hpp"
#include "lwm2mc/client/transport_coap.hpp"
#include "lwm2mc/conformance/bootstrap_server.hpp"
#include "lwm2mc/conformance/lwm2m_server.hpp"

#include <benchmark/benchmark.h>

#include <fstream>
#include <functional>
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

}  // namespace

BENCHMARK_MAIN();
