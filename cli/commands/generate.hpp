// SPDX-License-Identifier: Apache-2.0
#pragma once

// `lwm2mc generate`: test generation (testgen) with the checker's witnesses for --cover findings.

#include "lwm2mc/model/commands.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace lwm2mc::cli {

struct GenerateCommandOptions {
    std::string model{};
    std::optional<std::string> proposal{};
    std::string config{};  ///< "name=value,..."; parameters left out range over their domains
    std::string cover{"transitions"};
    std::uint64_t reset_cost{1};
    std::string exclude_events{};  ///< "a,b": stimuli the tester cannot produce
    std::string urgent_states{};   ///< "A,B": states the client under test leaves at once
    std::string format{"json"};    ///< json, markdown or gtest
    std::string gtest_suite{"GeneratedSuite"};
    std::uint64_t max_states{1'000'000};
    std::string output{};  ///< "-" for standard output
};

/// Loads the model, generates one suite per configuration class, writes it atomically. Returns 0,
/// 2 (invalid model, option, scenario, or a product graph past --max-states), 3 (unreadable or
/// unwritable file).
int generate_command(const GenerateCommandOptions& options, const CommandIo& io);

}  // namespace lwm2mc::cli
