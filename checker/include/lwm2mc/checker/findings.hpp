// SPDX-License-Identifier: Apache-2.0
#pragma once

// Results of a check as plain data: no solver types, so that diagrams, reports and tests can use
// them without Z3.

#include "lwm2mc/model/diagnostics.hpp"
#include "lwm2mc/model/elements.hpp"
#include "lwm2mc/model/source.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lwm2mc::checker {

using model::Severity;

enum class FindingKind {
    UnreachableState,  ///< a state no run reaches (in every configuration, or in some)
    Deadlock,          ///< a reachable product state without enabled transitions, not final
    NoRecovery,        ///< a reachable product state from which no relied-on path reaches a goal
    /// A reachable product state from which a goal is reachable only through an operator step
    /// (power cycle, Reboot, Factory Reset): relying on the operator it recovers, without not.
    NeedsIntervention,
    Ambiguity,        ///< two non-choice transitions on one event with jointly enabled guards
    Invariant,        ///< an `invariant` property is violated
    Reachable,        ///< a `reachable` property fails
    Recover,          ///< a `recover` property fails
    Within,           ///< a `within` property fails
    EvaluationError,  ///< an update leaves a variable's range, or arithmetic overflows
    /// A reachable state of a region instance that no step of the instance leaves and that is not a goal.
    DeadRegionState,
};

inline constexpr FindingKind kAllFindingKinds[] = {
    FindingKind::UnreachableState,  FindingKind::Deadlock,        FindingKind::NoRecovery,
    FindingKind::NeedsIntervention, FindingKind::Ambiguity,       FindingKind::Invariant,
    FindingKind::Reachable,         FindingKind::Recover,         FindingKind::Within,
    FindingKind::EvaluationError,   FindingKind::DeadRegionState,
};

/// Stable name of a finding kind ("no-recovery"), printed as the diagnostic code.
const char* finding_code(FindingKind kind);

/// One literal of a condition: the linear comparison  c1 * p1 + c2 * p2 + ... op value  over the
/// parameters (indices into Model::parameters). A bool parameter p is {Eq, [1 p], 1} for "p" and
/// {Eq, [1 p], 0} for "!p"; an enum parameter is compared with its literal's index. The engines
/// keep literals in the normal form of normalise_literal() (checker/src/condition.hpp): terms by
/// parameter, coefficients without a common factor, mostly positive, `<=`/`>=` written as `<`/`>`.
struct Literal {
    struct Term {
        std::int64_t coefficient{1};
        std::size_t param{0};
        friend bool operator==(const Term&, const Term&) = default;
    };
    enum class Op { Eq, Ne, Gt, Lt };

    Op op{Op::Eq};
    std::vector<Term> terms{};
    std::int64_t value{0};

    /// `param op value`, the literal of one parameter.
    static Literal compare(std::size_t param, Op op, std::int64_t value) {
        return Literal{op, {Term{1, param}}, value};
    }
    /// The parameter when the literal compares one parameter (coefficient 1) with a constant.
    std::optional<std::size_t> single() const {
        return terms.size() == 1 && terms.front().coefficient == 1 ? std::optional<std::size_t>{terms.front().param}
                                                                   : std::nullopt;
    }
    /// Whether the literal holds for `values` (one per parameter; bools as 0/1, enums by index).
    bool holds(const std::vector<std::int64_t>& values) const {
        std::int64_t sum = 0;
        for (const Term& t : terms) {
            sum += t.coefficient * values[t.param];
        }
        switch (op) {
        case Op::Eq:
            return sum == value;
        case Op::Ne:
            return sum != value;
        case Op::Gt:
            return sum > value;
        case Op::Lt:
            return sum < value;
        }
        return false;
    }
    friend bool operator==(const Literal&, const Literal&) = default;
};

/// A condition over the parameters in disjunctive normal form; each literal is written in model
/// syntax ("server_initiated", "!factory", "mode == Quick", "hold_off > 553", "d1 + d2 > 4") by
/// the one printer both engines use (checker/src/condition.hpp, format_literal); a literal that
/// the language cannot express says so in a comment ("/* not model syntax: ... */").
struct Condition {
    std::vector<std::vector<std::string>> cubes{};  ///< empty = false; one empty cube = true
    /// The same cubes as structured literals, when every literal is linear in the parameters
    /// (always for the explicit engine); used to cross-check engines.
    std::optional<std::vector<std::vector<Literal>>> literals{};

    bool always() const { return cubes.size() == 1 && cubes.front().empty(); }
    bool never() const { return cubes.empty(); }
    std::string to_string() const;
};

/// A state of a region instance: the region (index into Model::regions) and its state (literal index).
struct RegionStateRef {
    std::uint32_t region{0};
    std::int64_t state{0};
    friend bool operator==(const RegionStateRef&, const RegionStateRef&) = default;
};

struct TraceStep {
    model::TransitionId id{};  ///< the transition taken (its name below is for reports)
    std::string transition{};
    std::string event{};
    model::Actor actor{};
    model::Peer peer{model::Peer::Any};  ///< reports print `response(server)`
    std::string source{};
    std::string target{};
    std::int64_t duration{0};
    std::string vars{};  ///< variable values after the step ("name=value, ...")
    /// A step of a region row: the instance's state before and after it ("srv[1]=Idle", "srv[1]=Registering");
    /// empty for a step of the main machine. Reports print them beside `source` and `target`.
    std::string region_source{};
    std::string region_target{};
    model::SourceRange range{};
};

/// A shortest run (fewest transitions) from the initial state to where the finding shows.
struct Witness {
    std::string configuration{};  ///< "name=value, ..." of the configuration it runs under
    std::string initial_state{};
    std::string initial_vars{};
    std::vector<TraceStep> steps{};
    std::vector<std::string> notes{};  ///< e.g. what is enabled where the run is stuck
    model::StateId end{};              ///< where the run ends: the last step's target, or the initial state
};

struct Finding {
    std::string id{};  ///< stable across runs: "<code>:<subject>"
    FindingKind kind{FindingKind::UnreachableState};
    Severity severity{Severity::Warning};
    std::string subject{};  ///< state, property or transition pair the finding is about
    model::SourceRange range{};
    std::string message{};
    Condition condition{};            ///< the configurations in which it occurs
    std::uint64_t configurations{0};  ///< how many configurations that is (explicit engine)
    std::optional<Witness> witness{};
    /// What the finding is about, as ids (the subject is the same for reports): the state of a
    /// state finding, the transitions of an ambiguity or an evaluation error of a step.
    std::vector<model::StateId> states{};
    std::vector<model::TransitionId> transitions{};
    /// The region state a region-state finding is about (`states` is empty then).
    std::optional<RegionStateRef> region_state{};
};

/// A finding without condition or witness yet.
Finding make_finding(std::string id, FindingKind kind, Severity severity, std::string subject, model::SourceRange range,
                     std::string message);

/// Report order: by severity, then by source position (stable).
void sort_findings(std::vector<Finding>& findings);

}  // namespace lwm2mc::checker
