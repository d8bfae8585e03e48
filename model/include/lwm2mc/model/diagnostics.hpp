// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "lwm2mc/model/source.hpp"

#include <iosfwd>
#include <string>
#include <vector>

namespace lwm2mc::model {

enum class Severity { Error, Warning, Note };

/// A secondary location attached to a diagnostic ("previous declaration is here").
struct DiagnosticNote {
    SourceRange range{};
    std::string message{};
};

/// One problem found in a model file. `code` is stable (see docs/diagnostics.md).
struct Diagnostic {
    Severity severity{Severity::Error};
    std::string code{};
    SourceRange range{};
    std::string message{};
    std::vector<DiagnosticNote> notes{};
};

/// Prints `file:line:col: error: message [code]` (GNU style, 1-based), then its notes.
/// With `verbose`, each located line is followed by the source line and a caret underline.
void print_diagnostic(std::ostream& out, const Diagnostic& diagnostic, bool verbose = false);
void print_diagnostics(std::ostream& out, const std::vector<Diagnostic>& diagnostics, bool verbose = false);
std::string format_diagnostics(const std::vector<Diagnostic>& diagnostics, bool verbose = false);

bool has_errors(const std::vector<Diagnostic>& diagnostics);
/// The line that ends the diagnostics of a file that did not load: "FILE: invalid model (N errors)".
std::string invalid_model_summary(const std::string& file, const std::vector<Diagnostic>& diagnostics);
const char* severity_name(Severity severity);

}  // namespace lwm2mc::model
