// SPDX-License-Identifier: Apache-2.0
#pragma once

// One library function per model subcommand of the CLI; each returns the process exit code.

#include "lwm2mc/model/model.hpp"

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace lwm2mc {

/// Exit codes of every lwm2mc command (CLI11 keeps its own codes for usage errors).
enum class ExitCode : int {
    Ok = 0,
    Findings = 1,      ///< findings at or above --fail-on; `fmt --check` found unformatted files
    InvalidModel = 2,  ///< the model has errors
    IoError = 3,       ///< a file could not be read or written; solver errors
    Internal = 70,     ///< a bug in lwm2mc
};

struct CommandIo {
    std::ostream& out;
    std::ostream& err;
    bool verbose{false};
};

namespace model {

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

/// `lwm2mc replay`: replays a JSON-lines client trace on the model under a configuration that fixes every
/// parameter ("name=value,..."). Prints how far the trace agrees and the first divergence; returns 0 (the trace
/// conforms), 1 (it diverges), 2 (invalid model, trace or configuration), 3 (unreadable file).
int replay_command(const std::string& model_file, const std::optional<std::string>& proposal,
                   const std::string& trace_file, const std::string& config, const CommandIo& io);

/// The model as JSON (the document `show --format json` prints).
std::string model_to_json(const Model& model);

/// Writes `text` to `path` so that a crash leaves either the old or the new file: a temporary
/// file in the same directory is written, flushed to disk and renamed over `path`.
/// Returns false and sets `error` on failure.
bool write_file_atomically(const std::string& path, const std::string& text, std::string& error);

}  // namespace model
}  // namespace lwm2mc
