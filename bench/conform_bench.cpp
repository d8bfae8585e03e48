// SPDX-License-Identifier: Apache-2.0
// The conformance tester's own costs (Google Benchmark): the monitor's verdict per wire event (the tester's per-step
// overhead between a client message and its verdict), and capture checking throughput in packets per second on a
// synthetic capture of N registration sessions (Register, Updates, an Update answered 4.04, Register again).
// The whole live run against lwm2mc-client is timed by ctest (conformance_live_tests); see the closing note.

#include "lwm2mc/client/transport_coap.hpp"
#include "lwm2mc/conformance/capture.hpp"
#include "lwm2mc/conformance/monitor.hpp"
#include "lwm2mc/conformance/tester.hpp"
#include "lwm2mc/conformance/wire.hpp"
#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/loader.hpp"

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

namespace {

using namespace lwm2mc;
using conformance::Datagram;

const char* const kConfig =
    "factory=true,smartcard=false,client_initiated=false,server_initiated=false,supports_factory_reset=true,hold_off=0";

const model::Model& shipped() {
    static const auto loaded = model::load_model(LWM2MC_SOURCE_DIR "/model/specs/lwm2m-ts10-draft.lwm2m");
    return *loaded.model;
}

/// `sessions` registration sessions of one client (a new port per session), 12 datagrams each, 1 s apart.
std::vector<Datagram> synthetic_capture(int sessions) {
    std::vector<Datagram> out;
    std::int64_t t = 0;
    std::uint16_t mid = 0;
    const client::Endpoint server{"10.0.0.1", 5683};
    auto exchange = [&](const client::Endpoint& c, client::Request rq, client::Response rs) {
        client::CoapHeader h;
        h.type = client::CoapHeader::Type::Confirmable;
        h.message_id = ++mid;
        h.token = {static_cast<std::uint8_t>(mid >> 8U), static_cast<std::uint8_t>(mid)};
        out.push_back(Datagram{0, t, c, server, client::serialize_coap_request(h, rq)});
        h.type = client::CoapHeader::Type::Acknowledgement;
        out.push_back(Datagram{0, t + 1000, server, c, client::serialize_coap_response(h, rs)});
        t += 1'000'000;
    };
    for (int s = 0; s < sessions; ++s) {
        const client::Endpoint c{"10.0.0.2", static_cast<std::uint16_t>(40000 + s % 20000)};
        const std::string loc = std::to_string(s);
        client::Request reg;
        reg.method = client::code::kPost;
        reg.uri_path = {"rd"};
        reg.uri_query = {"ep=bench", "lt=600"};
        client::Response created;
        created.code = client::code::kCreated;
        created.location_path = {"rd", loc};
        exchange(c, reg, created);
        client::Request upd;
        upd.method = client::code::kPost;
        upd.uri_path = {"rd", loc};
        client::Response changed;
        changed.code = client::code::kChanged;
        for (int i = 0; i < 3; ++i) {
            exchange(c, upd, changed);
        }
        client::Response not_found;
        not_found.code = client::code::kNotFound;
        exchange(c, upd, not_found);
        created.location_path = {"rd", loc + "b"};
        exchange(c, reg, created);
    }
    return out;
}

void BM_CheckCapture(benchmark::State& state) {
    const auto datagrams = synthetic_capture(static_cast<int>(state.range(0)));
    for (auto _ : state) {
        const auto capture = conformance::exchanges_from(datagrams, {});
        const auto report =
            conformance::check_capture(shipped(), kConfig, capture, "synthetic", conformance::MonitorOptions{}, 1.0);
        if (!report.passed()) {
            state.SkipWithError("the synthetic capture does not pass");
            break;
        }
        benchmark::DoNotOptimize(report.cases.size());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(datagrams.size()));
    state.counters["packets"] = static_cast<double>(datagrams.size());
}
BENCHMARK(BM_CheckCapture)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

/// One wire event judged by the monitor: what the live tester adds between a client message and its verdict.
void BM_MonitorVerdictPerEvent(benchmark::State& state) {
    const auto capture = conformance::exchanges_from(synthetic_capture(20), {});
    std::vector<conformance::WireEvent> events;
    for (const auto& x : capture.exchanges) {
        for (auto& e : conformance::adapt(x)) {
            events.push_back(std::move(e));
        }
    }
    const conformance::WireMap map(shipped());
    const model::Interpreter interp(shipped());
    std::string error;
    model::Configuration config;
    for (const auto& v : interp.parse_assignment(kConfig, error)) {
        config.values.push_back(*v);
    }
    std::size_t n = 0;
    for (auto _ : state) {
        conformance::Monitor monitor(shipped(), map, config);
        monitor.start(0);
        for (const auto& e : events) {
            const auto t = e.t_us / 1000;
            const auto c = monitor.observe(e, t);
            benchmark::DoNotOptimize(c.ok);
        }
        n += events.size();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(n));
}
BENCHMARK(BM_MonitorVerdictPerEvent)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
