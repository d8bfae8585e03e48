// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "lwm2mc/model/diagnostics.hpp"
#include "lwm2mc/model/expr.hpp"
#include "lwm2mc/model/model.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lwm2mc::model {

/// Canonical text of one model file. Comments are kept: a comment on the line of a
/// declaration's end stays there; every other comment goes before the declaration it precedes
/// or sits in. Blank lines between declarations collapse to one. Lines longer than
/// kCanonicalWidth are broken before attributes.
struct FormatResult {
    std::optional<std::string> text{};  ///< none when the file has syntax errors
    std::vector<Diagnostic> diagnostics{};
};

inline constexpr std::size_t kCanonicalWidth = 120;

/// Formats one file as written (includes are not expanded, names are not resolved).
FormatResult format_source(std::string_view text, const std::string& display_name);

/// An expression in model syntax with the fewest parentheses that preserve its structure.
std::string format_expr(const Expr& expr);

/// One update of a transition in model syntax: `x := e`, `reset volatile`, `reset all`.
std::string format_update(const Model& model, const Update& update);

/// A string literal in model syntax (quotes and escapes added).
std::string quote(std::string_view text);

}  // namespace lwm2mc::model
