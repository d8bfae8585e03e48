// SPDX-License-Identifier: Apache-2.0
#pragma once

// The model subcommands: `lwm2mc validate`, `show`, `fmt` and `replay`. Each returns the process exit code.

#include "lwm2mc/model/commands.hpp"

#include <optional>
#include <string>
#include <vector>

namespace lwm2mc::cli {

/// Loads every file (applying `proposal` to each when given), prints diagnostics to `err` and a
/// one-line summary per valid file to `out`.
int validate_command(const std::vector<std::string>& files, const std::optional<std::string>& proposal,
                     const CommandIo& io);

enum class ShowFormat { Table, Json };
/// Prints the states, transitions, parameters, variables, constraints and properties.
int show_command(const std::string& file, const std::optional<std::string>& proposal, ShowFormat format,
                 const CommandIo& io);

/// Prints the canonical form of one file to `out`; with `check`, prints nothing but the names of
/// files that are not canonical (exit 1); with `in_place`, rewrites them (atomically).
int fmt_command(const std::vector<std::string>& files, bool check, bool in_place, const CommandIo& io);

enum class ReplayFormat { Text, Json };
/// `lwm2mc replay`: replays a JSON-lines client trace (docs/trace-format.md; `-` reads standard input) on the
/// model under a configuration that fixes every parameter ("name=value,..."). Prints how far the trace agrees and
/// the first divergence, as text or as the `lwm2mc-replay/1` JSON document; returns 0 (the trace conforms),
/// 1 (it diverges), 2 (invalid model, trace or configuration; the message goes to `err` in either format),
/// 3 (unreadable file).
int replay_command(const std::string& model_file, const std::optional<std::string>& proposal,
                   const std::string& trace_file, const std::string& config, ReplayFormat format, const CommandIo& io);

}  // namespace lwm2mc::cli
