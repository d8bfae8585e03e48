// SPDX-License-Identifier: Apache-2.0
#pragma once

// `lwm2mc conform`: the conformance tester (docs/conformance.md). Plays a generated suite against a client process
// over CoAP (--suite, --client), or checks a capture of any client (--pcap, --config); reports in text, JSON and
// JUnit XML, and draws the coverage.

#include "lwm2mc/model/commands.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lwm2mc::cli {

struct ConformCommandOptions {
    std::string model{};
    std::optional<std::string> proposal{};
    std::optional<std::string> suite{};     ///< lwm2mc-suite/1 JSON (live mode)
    std::optional<std::string> client{};    ///< command template (live mode)
    std::optional<std::string> pcap{};      ///< capture file (capture mode)
    std::string config{};                   ///< capture mode: name=value,... for every parameter
    std::optional<std::string> endpoint{};  ///< capture mode: ep= of the client under test; live: the name to use
    std::vector<std::string> values{};      ///< live: extra placeholder values name=value
    double time_scale{1.0};
    double quiescence_s{60.0};
    std::int64_t min_wait_ms{2000};
    std::int64_t settle_ms{300};
    double patience_s{900.0};
    unsigned failures_per_sequence{1};
    std::string classes{};  ///< "1,3"
    std::string cases{};    ///< "1,2"
    std::string work_dir{"conform-work"};
    bool record{false};
    std::string format{"text"};  ///< text, json or junit (for --output)
    std::string output{"-"};
    std::optional<std::string> json_file{};
    std::optional<std::string> junit_file{};
    std::optional<std::string> coverage_file{};  ///< .svg, .png or .dot
};

/// Returns 0 (every case passed or was inconclusive), 1 (a case failed or errored), 2 (invalid model, suite,
/// option or configuration), 3 (unreadable capture or suite, unwritable output).
int conform_command(const ConformCommandOptions& options, const CommandIo& io);

}  // namespace lwm2mc::cli
