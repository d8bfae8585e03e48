// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "lwm2mc/model/diagnostics.hpp"

#include <vector>

#include "detail/ast.hpp"

namespace lwm2mc::model::detail {

/// Maximum nesting of parentheses and unary operators; deeper input is rejected (E006) so that
/// no input can exhaust the stack.
inline constexpr int kMaxExprDepth = 128;
/// After this many errors in one file the parser stops (E099).
inline constexpr std::size_t kMaxErrorsPerFile = 50;

/// Parses one file. Syntax errors are appended to `diagnostics`; the returned tree holds every
/// declaration that parsed, so that later stages can still report their own errors.
FileAst parse_file(const SourceFilePtr& file, std::vector<Diagnostic>& diagnostics);

}  // namespace lwm2mc::model::detail
