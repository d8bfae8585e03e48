// SPDX-License-Identifier: Apache-2.0
#pragma once

// The live conformance tester (docs/conformance.md): plays the test cases of a generated suite (lwm2mc-suite/1,
// `lwm2mc generate`) against an LwM2M client process over real CoAP/UDP. The tester is the client's bootstrap
// server and LwM2M server; the client is started from a command template for every case, killed and started
// again for power cycles, and judged by the monitor (monitor.hpp) from what it sends, when, and what it answers.
// The suite decides what the tester does next (which answer, which command, which silence); the monitor decides
// whether the client conforms. A client that takes a branch the plan has no continuation for is inconclusive.
//
// Also: checking a capture (capture.hpp) of any client against the model with the same wire adapter and monitor.

#include "lwm2mc/conformance/capture.hpp"
#include "lwm2mc/conformance/monitor.hpp"
#include "lwm2mc/conformance/report.hpp"
#include "lwm2mc/model/model.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lwm2mc::conformance {

struct TesterOptions {
    /// The client's command line with placeholders: {bs_uri} {server_uri} (coap://127.0.0.1:PORT of the tester's
    /// bootstrap server and LwM2M server), {endpoint} (the endpoint client name to use), {state_dir} (kept across
    /// power cycles of a case, fresh for each case), {port} (a free UDP port the client should bind: needed for
    /// server-initiated bootstrap, where the bootstrap server speaks first), {config} (the suite's configuration
    /// as name=value,...), {time_scale}, and any name given in `values`.
    std::string client_command{};
    std::map<std::string, std::string> values{};
    /// Where each case's directory goes (case-N/state, case-N/client.out, case-N/client.err).
    std::string work_dir{"conform-work"};
    /// Protocol seconds per real second of the client's timers (the reference client's --clock-factor).
    double time_scale{1.0};
    MonitorOptions monitor{};
    /// Real time always granted before a silence verdict (process start-up, scheduling).
    std::chrono::milliseconds min_real_wait{2000};
    /// Real time the tester waits after the plan assumed silent client steps before it sends a command (the
    /// client may show another branch meanwhile, e.g. a Register after a restart).
    std::chrono::milliseconds settle{300};
    /// Real time between an answer the servers gave and a command the tester sends next (so that the command does
    /// not overtake the answer on its way to the client).
    std::chrono::milliseconds command_gap{20};
    /// Real time within which a client's request may have crossed the tester's commands on the wire (the servers
    /// run on separate threads): such a request is also judged as if it came before those commands.
    std::chrono::milliseconds reorder_window{100};
    /// Protocol milliseconds the tester waits for a planned step the client may take or not (an Update before its
    /// lifetime ends, ...) before it gives up on the case as inconclusive.
    std::int64_t patience_ms{900'000};
    /// Requests of one failed registration sequence: a failure answer (reg_failed, ...) is given to this many
    /// consecutive requests (the client's 1.1 Communication Retry Count + 1).
    unsigned failures_per_sequence{1};
    std::string endpoint{"lwm2mc-conform"};
    /// Only these classes (1-based, as in the suite) and cases (1-based within a class); empty: all.
    std::vector<std::size_t> classes{};
    std::vector<std::size_t> cases{};
    /// Write every datagram the tester sent and received, per case, as case-N/wire.pcap.
    bool record{false};
};

/// Plays every selected case. Throws std::invalid_argument for a document that is not a lwm2mc-suite/1 suite of
/// `model`, or a command template that does not expand; everything the client does is a verdict in the report.
RunReport run_suite(const model::Model& model, const nlohmann::json& suite, const TesterOptions& options);

/// Checks a capture against `model` under configuration `config` (name=value,...: every parameter). The capture's
/// times are multiplied by `time_scale` (a client whose clock ran that much faster). Reports the first divergence
/// and the coverage. Throws std::invalid_argument for a bad configuration.
RunReport check_capture(const model::Model& model, const std::string& config, const CaptureResult& capture,
                        const std::string& capture_file, const MonitorOptions& options, double time_scale = 1.0);

}  // namespace lwm2mc::conformance
