// SPDX-License-Identifier: Apache-2.0
#pragma once

// A proposal compared with its base model by meaning: findings are paired by (kind, subject), that
// is by id, and for each pair the solver decides how the configurations in which it occurs
// changed (docs/check-report.md, "Comparing a proposal").

#include "lwm2mc/checker/check.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lwm2mc::checker {

/// What a proposal did to one finding.
enum class Change {
    Resolved,   ///< in the base, in no configuration of the proposal
    New,        ///< in no configuration of the base, in some of the proposal
    Unchanged,  ///< in exactly the same configurations
    Widened,    ///< in every configuration it was in, and in more
    Narrowed,   ///< in fewer configurations, and in no new one
    Changed,    ///< in some new configurations, and no longer in some others
    Undecided,  ///< the conditions could not be compared (solver gave up, not linear, kind unchecked)
};

/// Stable name of a change ("widened"), as in the JSON report.
const char* change_name(Change change);

/// One finding of the base, the proposal or both.
struct FindingChange {
    Change change{Change::Undecided};
    std::string id{};  ///< "<code>:<subject>", the same in both
    FindingKind kind{FindingKind::UnreachableState};
    std::optional<Finding> base{};      ///< absent for New
    std::optional<Finding> proposal{};  ///< absent for Resolved
    /// Where it newly occurs: proposal && !base (Widened, Changed, New), in model syntax.
    Condition now_also{};
    /// Where it no longer occurs: base && !proposal (Narrowed, Changed, Resolved).
    Condition no_longer{};
    /// The smallest configuration ("name=value, ...") in `now_also` / `no_longer`; empty when that
    /// condition is false.
    std::string now_also_configuration{};
    std::string no_longer_configuration{};
    std::string why_undecided{};  ///< for Undecided
};

/// Findings of a proposal compared with its base model.
struct ProposalDiff {
    std::string base_name{};
    std::string proposal_name{};
    /// Every finding of either model, once: in the proposal's report order, then the resolved ones
    /// in the base's report order.
    std::vector<FindingChange> changes{};
    /// What could not be compared, and why; a comparison with such items is no verdict.
    std::vector<std::string> unknown{};

    std::vector<const FindingChange*> of(Change change) const;
    /// New, widened or changed findings of at least `severity` (Error < Warning < Note): what a
    /// CI gate on a proposal fails on.
    bool introduces(Severity severity) const;
};

/// Alternative proposals on one base (`lwm2mc diff BASE A B ...`).
struct Alternatives {
    std::string base_name{};
    std::vector<ProposalDiff> proposals{};  ///< each compared with the base, in command-line order
    /// With exactly two proposals: the second compared with the first, as if the first were the base.
    std::optional<ProposalDiff> second_vs_first{};

    /// Whether any comparison is undecided.
    bool undecided() const;
};

struct CompareOptions {
    /// Z3 time limit per solver call, in milliseconds (0: none).
    unsigned solver_timeout_ms{20000};
    /// Wall-clock limit for comparing one finding's conditions with Z3, in milliseconds (0: none);
    /// what is not decided by then is an Undecided change. The enumeration is not limited (it
    /// costs what one explicit-engine pass over the configurations costs).
    std::uint64_t time_limit_ms{60000};
    /// Compare by enumeration where the explicit engine could enumerate; false: always with Z3 (to
    /// cross-check the two).
    bool enumerate{true};
};

/// Compares the findings of `base` (checked on `base_model`) with those of `proposal` (checked on
/// `proposal_model`). Parameters are matched by name (enum values by name); conditions are
/// compared over the configurations the proposal admits. Never throws: what cannot be decided
/// becomes an Undecided change and an item in `unknown`.
ProposalDiff compare(const model::Model& base_model, const CheckResult& base, const model::Model& proposal_model,
                     const CheckResult& proposal, const CompareOptions& options = {});

}  // namespace lwm2mc::checker
