// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "lwm2mc/checker/check.hpp"
#include "lwm2mc/checker/compare.hpp"

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace lwm2mc::checker {

enum class ReportFormat { Text, Json, Markdown };

/// Terminal report grouped by severity (GNU `file:line:col:` lines, conditions, witnesses).
void print_text(std::ostream& out, const CheckResult& result, const std::optional<ProposalDiff>& diff);
/// JSON document (schema in docs/check-report.md).
std::string to_json(const CheckResult& result, const std::optional<ProposalDiff>& diff);
/// Markdown ready to paste into a contribution.
void print_markdown(std::ostream& out, const CheckResult& result, const std::optional<ProposalDiff>& diff);

/// `lwm2mc diff`: a table of every finding some proposal changes (one column per proposal), then
/// each proposal's comparison with the base, then (with two) the second compared with the first.
void print_alternatives_text(std::ostream& out, const Alternatives& alternatives);
std::string alternatives_json(const Alternatives& alternatives);
void print_alternatives_markdown(std::ostream& out, const Alternatives& alternatives);

}  // namespace lwm2mc::checker
