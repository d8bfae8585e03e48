// SPDX-License-Identifier: Apache-2.0
#pragma once

// `lwm2mc check`: the checker (lwm2mc::checker) and its report, with the exit codes the CLI owns.

#include "lwm2mc/checker/check.hpp"
#include "lwm2mc/checker/report.hpp"
#include "lwm2mc/model/commands.hpp"

#include <optional>
#include <string>
#include <vector>

namespace lwm2mc::cli {

/// How low a severity still fails the run (`--fail-on`); Never: findings never fail it (undecided items still do).
enum class FailOn { Error, Warning, Note, Never };

struct CheckCommandOptions {
    std::string model{};
    std::optional<std::string> proposal{};
    std::vector<std::string> proposals{};  ///< `diff`: the alternative overlays on `model`
    checker::CheckOptions check{};
    std::optional<std::string> reliance{};  ///< "client,choice,..." (--rely)
    std::optional<std::string> config{};    ///< "name=value,..." (--config)
    checker::ReportFormat format{checker::ReportFormat::Text};
    FailOn fail_on{FailOn::Error};
};

/// Loads, checks (and with a proposal, checks the base too and reports what changed), prints the report; returns
/// 0, 1 (findings at or above --fail-on, or anything undecided, whatever --fail-on says: an undecided item is never
/// "no finding"), 2 (invalid model or option), 3 (unreadable file or solver failure).
int check_command(const CheckCommandOptions& options, const CommandIo& io);

/// `lwm2mc diff BASE A B ...`: checks the base and each proposal, compares each with the base and (with
/// two) the second with the first; exit codes as diff_exit_code() for the worst proposal.
int diff_command(const CheckCommandOptions& options, const CommandIo& io);

/// The exit code of a result (docs/check-report.md).
int check_exit_code(const checker::CheckResult& result, FailOn fail_on);
/// With a proposal the exit status is about the change: 1 when the proposal makes a finding of at
/// least `fail_on` new, wider or changed, or something is undecided; 0 otherwise.
int diff_exit_code(const checker::ProposalDiff& diff, const checker::CheckResult& proposal, FailOn fail_on);

}  // namespace lwm2mc::cli
