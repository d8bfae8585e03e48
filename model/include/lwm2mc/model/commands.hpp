// SPDX-License-Identifier: Apache-2.0
#pragma once

// What every lwm2mc command shares (exit codes, output streams), and the model library's data functions the
// commands use (the subcommands themselves live in cli/commands/).

#include "lwm2mc/model/model.hpp"

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace lwm2mc {

/// Exit codes of every lwm2mc command (docs/diagnostics.md, "Exit codes").
enum class ExitCode : int {
    Ok = 0,
    Findings = 1,      ///< findings at or above --fail-on; `fmt --check` found unformatted files
    InvalidModel = 2,  ///< the model has errors
    Usage = 2,         ///< a bad command line (CLI11's message), not CLI11's own codes: bad input, as a bad model
    IoError = 3,       ///< a file could not be read or written; solver errors
    Internal = 70,     ///< a bug in lwm2mc
};

struct CommandIo {
    std::ostream& out;
    std::ostream& err;
    bool verbose{false};
};

namespace model {

/// The model as JSON (the document `show --format json` prints).
std::string model_to_json(const Model& model);

/// Writes `text` to `path` so that a crash leaves either the old or the new file: a temporary
/// file in the same directory is written, flushed to disk and renamed over `path`.
/// Returns false and sets `error` on failure.
bool write_file_atomically(const std::string& path, const std::string& text, std::string& error);

}  // namespace model
}  // namespace lwm2mc
