// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "lwm2mc/checker/findings.hpp"
#include "lwm2mc/model/model.hpp"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace lwm2mc::checker {

enum class Engine { Explicit, Z3, Both };
const char* engine_name(Engine engine);

struct CheckOptions {
    Engine engine{Engine::Explicit};
    /// Actors the built-in no-recovery analysis relies on (properties carry their own).
    model::ActorSet reliance{model::ActorSet::default_reliance()};
    /// Parameters fixed by the user (--config); nullopt entries range over their whole domain.
    std::vector<std::optional<std::int64_t>> fixed{};
    /// The explicit engine refuses to enumerate more configurations than this.
    std::uint64_t max_configurations{1U << 20U};
    /// Z3: time limit per solver call or tactic, in milliseconds.
    unsigned solver_timeout_ms{20000};
};

struct CheckResult {
    std::string model_name{};
    Engine engine{Engine::Explicit};
    std::vector<Finding> findings{};  ///< sorted by severity, then source position
    bool symbolic{false};             ///< conditions were computed over the whole space at once (Z3)
    std::uint64_t configurations{0};  ///< configurations examined (explicit engine)
    std::uint64_t product_states{0};  ///< summed over configurations (explicit engine)
    /// Things the engine could not decide; each is reported, never read as "no finding".
    std::vector<std::string> unknown{};
    /// Kinds of finding the engine did not check at all (listed in `unknown` with the reason).
    std::vector<FindingKind> unchecked{};
};

/// The explicit-state engine: a breadth-first search over product states for every
/// configuration. Parameters that occur only in durations and time bounds ("timing
/// parameters", such as ClientHoldOffTime) are not enumerated: `within` is solved for them
/// exactly, as an interval per configuration.
CheckResult check_explicit(const model::Model& model, const CheckOptions& options);

/// The symbolic engine (Z3): forward reachability as a fixpoint of images computed with
/// quantifier elimination, backward (co-)reachability as a fixpoint of substitutions; every
/// condition is a formula over the parameters, for the whole configuration space at once.
/// Witnesses come from the interpreter under one configuration that satisfies the condition.
/// Solver errors are reported as lwm2mc::checker::SolverError; `unknown` becomes an undecided item.
CheckResult check_z3(const model::Model& model, const CheckOptions& options);

/// Z3 fails in a way that is not a verdict (API misuse, out of memory).
class SolverError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Runs the engine chosen in `options`. With Engine::Both, runs both, reports Z3's findings and
/// adds an undecided item for every finding the engines disagree on (presence or condition).
CheckResult check(const model::Model& model, const CheckOptions& options);

}  // namespace lwm2mc::checker
