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
    Ambiguity,         ///< two non-choice transitions on one event with jointly enabled guards
    Invariant,         ///< an `invariant` property is violated
    Reachable,         ///< a `reachable` property fails
    Recover,           ///< a `recover` property fails
    Within,            ///< a `within` property fails
    EvaluationError,   ///< an update leaves a variable's range, or arithmetic overflows
};

inline constexpr FindingKind kAllFindingKinds[] = {
    FindingKind::UnreachableState, FindingKind::Deadlock,  FindingKind::NoRecovery,
    FindingKind::Ambiguity,        FindingKind::Invariant, FindingKind::Reachable,
    FindingKind::Recover,          FindingKind::Within,    FindingKind::EvaluationError,
};

/// Stable name of a finding kind ("no-recovery"), printed as the diagnostic code.
const char* finding_code(FindingKind kind);

/// A condition over the parameters in disjunctive normal form; each literal is already written
/// in model syntax ("server_initiated", "!factory", "mode == Quick", "hold_off > 553").
/// One literal of a condition: parameter `param` compared with `value`.
struct Literal {
    enum class Op { Eq, Ne, Gt, Lt } op{Op::Eq};
    std::size_t param{0};
    std::int64_t value{0};
};

struct Condition {
    std::vector<std::vector<std::string>> cubes{};  ///< empty = false; one empty cube = true
    /// The same cubes as structured literals, when every literal is a simple comparison of one
    /// parameter with a constant (always for the explicit engine); used to cross-check engines.
    std::optional<std::vector<std::vector<Literal>>> literals{};

    bool always() const { return cubes.size() == 1 && cubes.front().empty(); }
    bool never() const { return cubes.empty(); }
    std::string to_string() const;
};

struct TraceStep {
    model::TransitionId id{};  ///< the transition taken (its name below is for reports)
    std::string transition{};
    std::string event{};
    model::Actor actor{};
    std::string source{};
    std::string target{};
    std::int64_t duration{0};
    std::string vars{};  ///< variable values after the step ("name=value, ...")
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
};

/// A finding without condition or witness yet.
Finding make_finding(std::string id, FindingKind kind, Severity severity, std::string subject, model::SourceRange range,
                     std::string message);

/// Report order: by severity, then by source position (stable).
void sort_findings(std::vector<Finding>& findings);

}  // namespace lwm2mc::checker
