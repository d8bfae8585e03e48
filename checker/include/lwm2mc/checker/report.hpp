// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "lwm2mc/checker/check.hpp"
#include "lwm2mc/model/commands.hpp"

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace lwm2mc::checker {

enum class ReportFormat { Text, Json, Markdown };

/// Findings of a proposal compared with its base model, by finding id.
struct ProposalDiff {
    std::string base_name{};
    std::vector<Finding> resolved{};    ///< in the base, gone with the proposal
    std::vector<Finding> introduced{};  ///< new with the proposal
};

ProposalDiff compare(const CheckResult& base, const CheckResult& proposal);

/// Terminal report grouped by severity (GNU `file:line:col:` lines, conditions, witnesses).
void print_text(std::ostream& out, const CheckResult& result, const std::optional<ProposalDiff>& diff);
/// JSON document (schema in docs/check-report.md).
std::string to_json(const CheckResult& result, const std::optional<ProposalDiff>& diff);
/// Markdown ready to paste into a contribution.
void print_markdown(std::ostream& out, const CheckResult& result, const std::optional<ProposalDiff>& diff);

/// How low a severity still fails the run (`--fail-on`); Never disables failing.
enum class FailOn { Error, Warning, Note, Never };

struct CheckCommandOptions {
    std::string model{};
    std::optional<std::string> proposal{};
    CheckOptions check{};
    std::optional<std::string> reliance{};  ///< "client,choice,..." (--rely)
    std::optional<std::string> config{};    ///< "name=value,..." (--config)
    ReportFormat format{ReportFormat::Text};
    FailOn fail_on{FailOn::Error};
};

/// `lwm2mc check`: loads, checks (and with a proposal, checks the base too and reports what
/// changed), prints the report; returns 0, 1 (findings or undecided items at or above
/// --fail-on), 2 (invalid model or option), 3 (unreadable file).
int check_command(const CheckCommandOptions& options, const CommandIo& io);

}  // namespace lwm2mc::checker
