// SPDX-License-Identifier: Apache-2.0
// lwm2mc-client: the reference LwM2M client over CoAP/UDP (libcoap3). Parses options, builds the configuration,
// wires Client + CoapTransport + Clock + trace, and runs the event loop.

#include "lwm2mc/client/client.hpp"
#include "lwm2mc/client/config.hpp"
#include "lwm2mc/client/trace.hpp"
#include "lwm2mc/client/transport_coap.hpp"

#include <CLI/CLI.hpp>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <unistd.h>

#ifdef LWM2MC_MUTANTS
// lwm2mc-client-mutants only: the test build with seeded lifecycle defects (reference_client/src/mutants.hpp).
#include "mutants.hpp"
#endif

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_signal(int) {
    g_stop = true;
}

/// Notices the model event `reboot` (Execute /3/0/4) for --reexec-on-reboot.
class RebootWatch final : public lwm2mc::client::Observer {
public:
    explicit RebootWatch(lwm2mc::client::Observer& next) : next_{next} {}
    bool rebooted{false};
    void on_start(lwm2mc::client::Millis t, std::string_view s) override { next_.on_start(t, s); }
    void on_event(lwm2mc::client::Millis t, std::string_view e, std::string_view a, std::string_view d) override {
        rebooted = rebooted || e == "reboot";
        next_.on_event(t, e, a, d);
    }
    void on_variable(lwm2mc::client::Millis t, std::string_view n, std::string_view v) override {
        next_.on_variable(t, n, v);
    }
    void on_state_change(lwm2mc::client::Millis t, std::string_view f, std::string_view to,
                         std::string_view e) override {
        next_.on_state_change(t, f, to, e);
    }
    void on_message(lwm2mc::client::Millis t, std::string_view d, std::string_view m) override {
        next_.on_message(t, d, m);
    }
    void on_note(lwm2mc::client::Millis t, std::string_view n) override { next_.on_note(t, n); }

private:
    lwm2mc::client::Observer& next_;
};

/// Exit codes, as the lwm2mc CLI's: 0 ok, 1 the awaited state was not reached, 2 bad configuration or option,
/// 3 I/O (state directory, trace file, socket), 70 internal error.
enum class Exit : int { Ok = 0, NotReached = 1, BadConfig = 2, Io = 3, Internal = 70 };

}  // namespace

int main(int argc, char** argv) {
    using namespace lwm2mc::client;
    CLI::App app{"lwm2mc-client: the lwm2mc reference LwM2M client (CoAP over UDP, NoSec)"};
    std::optional<std::string> config_file;
    std::vector<std::string> assignments;
    std::optional<std::string> endpoint;
    std::optional<std::string> bootstrap_uri;
    std::vector<std::string> server_uris;
    std::optional<std::string> state_dir;
    std::optional<std::string> trace_file;
    bool trace_messages = false;
    std::string bind_host = "0.0.0.0";
    std::uint16_t port = 0;
    double clock_factor = 1.0;
    unsigned ack_timeout_ms = 2000;
    unsigned max_retransmit = 4;
    double run_for = 0.0;
    std::optional<std::string> exit_when;
    bool deregister_on_exit = false;
    bool reexec_on_reboot = false;

    app.add_option("-c,--config-file", config_file, "JSON configuration file (keys: model parameters, choices, ...)")
        ->check(CLI::ExistingFile);
    app.add_option("--config", assignments, "Override configuration keys: name=value[,name=value...]")->delimiter(',');
    app.add_option("-e,--endpoint", endpoint, "Endpoint client name (ep=)");
    app.add_option("-b,--bootstrap-uri", bootstrap_uri,
                   "Bootstrap server URI, coap://host:port or coaps://host:port (DTLS-PSK: --config "
                   "bootstrap_psk_identity=HEX,bootstrap_psk_key=HEX)");
    app.add_option("-s,--server-uri", server_uris,
                   "LwM2M server URI for the factory configuration (repeatable; coaps:// takes --config "
                   "server_psk_identity=HEX,server_psk_key=HEX)");
    app.add_option("-d,--state-dir", state_dir, "Directory for the persistent state (created if missing)");
    app.add_option("-t,--trace", trace_file, "Write the JSON-lines trace here ('-' for standard output)");
    app.add_flag("--trace-messages", trace_messages, "Also trace CoAP messages and notes");
    app.add_option("--bind", bind_host, "Local numeric address to bind");
    app.add_option("-p,--port", port, "Local UDP port (0: any)");
    app.add_option("--clock-factor", clock_factor, "Protocol seconds per real second (1000: a day in 86 s)")
        ->check(CLI::PositiveNumber);
    app.add_option("--ack-timeout-ms", ack_timeout_ms, "CoAP ACK_TIMEOUT in real milliseconds (>= 1000)")
        ->check(CLI::Range(1000U, 60000U));
    app.add_option("--max-retransmit", max_retransmit, "CoAP MAX_RETRANSMIT")->check(CLI::Range(1U, 20U));
    app.add_option("--run-for", run_for, "Stop after this many protocol seconds (0: until a signal)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--exit-when", exit_when, "Exit 0 as soon as the client is in this model state (e.g. Registered)");
    app.add_flag("--deregister-on-exit", deregister_on_exit, "On SIGINT/SIGTERM or --run-for, De-register first");
    app.add_flag("--reexec-on-reboot", reexec_on_reboot,
                 "On Execute /3/0/4, answer 2.04, close everything and re-execute this program (needs --state-dir)");
#ifdef LWM2MC_MUTANTS
    std::string mutant_name;
    bool list_mutants = false;
    app.add_option("--mutant", mutant_name, "Run with this seeded lifecycle defect (see --list-mutants)");
    app.add_flag("--list-mutants", list_mutants, "Print the seeded lifecycle defects and exit");
#endif
    CLI11_PARSE(app, argc, argv);
#ifdef LWM2MC_MUTANTS
    if (list_mutants) {
        for (const auto& m : kMutants) {
            std::cout << m.name << '\t' << m.description << '\t' << m.spec << '\n';
        }
        return static_cast<int>(Exit::Ok);
    }
    if (!select_mutant(mutant_name)) {
        std::cerr << "lwm2mc-client: unknown mutant '" << mutant_name << "' (--list-mutants lists them)\n";
        return static_cast<int>(Exit::BadConfig);
    }
#endif

    ClientConfig config;
    try {
        if (config_file) {
            config = load_config(*config_file, config);
        }
        for (const auto& a : assignments) {
            apply_assignment(config, a);
        }
    } catch (const ConfigError& e) {
        std::cerr << "lwm2mc-client: " << e.what() << '\n';
        return static_cast<int>(Exit::BadConfig);
    }
    if (endpoint) {
        config.endpoint = *endpoint;
    }
    if (bootstrap_uri) {
        config.bootstrap_server_uri = *bootstrap_uri;
    }
    if (!server_uris.empty()) {
        config.server_uris = server_uris;
    }
    if (state_dir) {
        config.state_dir = *state_dir;
    }
    if (auto problems = validate(config); !problems.empty()) {
        for (const auto& p : problems) {
            std::cerr << "lwm2mc-client: configuration: " << p << '\n';
        }
        return static_cast<int>(Exit::BadConfig);
    }

    std::ofstream trace_out;
    std::ostream* trace_stream = nullptr;
    if (trace_file) {
        if (*trace_file == "-") {
            trace_stream = &std::cout;
        } else {
            trace_out.open(*trace_file, std::ios::out | std::ios::app);
            if (!trace_out) {
                std::cerr << "lwm2mc-client: cannot open trace file '" << *trace_file << "'\n";
                return static_cast<int>(Exit::Io);
            }
            trace_stream = &trace_out;
        }
    }
    Observer silent;
    std::unique_ptr<JsonLinesTrace> trace;
    if (trace_stream != nullptr) {
        trace = std::make_unique<JsonLinesTrace>(*trace_stream, trace_messages);
    }
    RebootWatch observer{trace ? static_cast<Observer&>(*trace) : silent};
    if (reexec_on_reboot && config.state_dir.empty()) {
        std::cerr << "lwm2mc-client: --reexec-on-reboot needs --state-dir (the new process starts from it)\n";
        return static_cast<int>(Exit::BadConfig);
    }

    std::unique_ptr<Clock> clock;
    if (clock_factor == 1.0) {
        clock = std::make_unique<SteadyClock>();
    } else {
        clock = std::make_unique<ScaledClock>(clock_factor);
    }

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    bool reexec = false;
    try {
        CoapTransportOptions options;
        options.bind_host = bind_host;
        options.bind_port = port;
        options.ack_timeout = std::chrono::milliseconds{ack_timeout_ms};
        options.max_retransmit = max_retransmit;
        CoapTransport transport{options};
        Client client{config, transport, *clock, observer};
        client.start();
        std::cerr << "lwm2mc-client: endpoint '" << config.endpoint << "' on " << to_string(transport.local_endpoint())
                  << ", state " << client.state() << '\n';
#ifdef LWM2MC_MUTANTS
        std::cerr << "lwm2mc-client: mutant " << selected_mutant_name() << '\n';
#endif

        const Millis started = clock->now();
        const auto deadline = run_for > 0.0
                                  ? std::optional<Millis>{started + Millis{static_cast<Millis::rep>(run_for * 1000.0)}}
                                  : std::nullopt;
        bool reached = false;
        run(client, transport, *clock, [&] {
            if (exit_when && client.state() == *exit_when) {
                reached = true;
                return false;
            }
            if (reexec_on_reboot && observer.rebooted) {
                reexec = true;  // the 2.04 went out before the engine acted on the Reboot
                return false;
            }
            return !g_stop && (!deadline || clock->now() < *deadline);
        });
        if (reexec) {
            std::cerr << "lwm2mc-client: Reboot: re-executing " << argv[0] << '\n';
            client.stop();
        }
        if (!reexec && deregister_on_exit && !reached && client.deregister()) {
            // De-register: wait for the answer (or its failure) for at most MAX_TRANSMIT_WAIT.
            const Millis until = clock->now() + kMaxTransmitWait;
            run(client, transport, *clock, [&] { return client.state() == "DeregPending" && clock->now() < until; });
        }
        std::cerr << "lwm2mc-client: stopping in state " << client.state() << '\n';
        client.stop();
        if (!reexec) {
            if (exit_when && !reached) {
                return static_cast<int>(Exit::NotReached);
            }
            return static_cast<int>(Exit::Ok);
        }
    } catch (const StoreError& e) {
        std::cerr << "lwm2mc-client: state directory: " << e.what() << '\n';
        return static_cast<int>(Exit::Io);
    } catch (const ConfigError& e) {
        std::cerr << "lwm2mc-client: " << e.what() << '\n';
        return static_cast<int>(Exit::BadConfig);
    } catch (const std::invalid_argument& e) {
        std::cerr << "lwm2mc-client: " << e.what() << '\n';
        return static_cast<int>(Exit::BadConfig);
    } catch (const std::runtime_error& e) {
        std::cerr << "lwm2mc-client: " << e.what() << '\n';
        return static_cast<int>(Exit::Io);
    } catch (const std::exception& e) {
        std::cerr << "lwm2mc-client: internal error: " << e.what() << '\n';
        return static_cast<int>(Exit::Internal);
    }
    // The client, the transport (its sockets) and the clock are gone; the trace is flushed per line.
    trace_out.close();
    ::execv("/proc/self/exe", argv);
    std::cerr << "lwm2mc-client: cannot re-execute: " << std::strerror(errno) << '\n';
    return static_cast<int>(Exit::Io);
}
