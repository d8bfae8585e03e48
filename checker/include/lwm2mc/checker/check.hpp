// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "lwm2mc/checker/findings.hpp"
#include "lwm2mc/model/model.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace lwm2mc::checker {

/// Auto: the explicit engine when it can enumerate the configurations (see
/// explicit_configurations), Z3 otherwise; CheckResult::engine says which one decided.
enum class Engine { Explicit, Z3, Both, Auto };
const char* engine_name(Engine engine);
/// The engine named on the command line ("auto", "z3", "explicit", "both"); nullopt otherwise.
std::optional<Engine> parse_engine(const std::string& name);

struct CheckOptions {
    Engine engine{Engine::Auto};
    /// Actors the built-in no-recovery analysis relies on (properties carry their own).
    model::ActorSet reliance{model::ActorSet::default_reliance()};
    /// Parameters fixed by the user (--config); nullopt entries range over their whole domain.
    std::vector<std::optional<std::int64_t>> fixed{};
    /// The explicit engine refuses to enumerate more configurations than this.
    std::uint64_t max_configurations{1U << 20U};
    /// Z3: time limit per solver call or tactic, in milliseconds (0: none).
    unsigned solver_timeout_ms{20000};
    /// Wall-clock limit for the whole run, in milliseconds (0: none); with Auto and Both the second
    /// engine gets what the first left. Z3: every solver call and tactic gets at most the time left
    /// until it, and every loop checks it, so a run overruns it only by the work between two calls
    /// (one quantifier-elimination or rewriting step, which Z3 cannot interrupt, witness runs of the
    /// interpreter). The explicit engine checks it between configurations and every 4096 product
    /// states (then frees what it built). What is not decided by then is reported as undecided.
    std::uint64_t time_limit_ms{0};
    /// Receives one progress line at a time (no newline) once a run has taken longer than
    /// `progress_after_ms`, at most one a second; unset: the lines go to stderr. Fast runs print
    /// nothing. Z3 engine: one line per fixpoint iteration or analysis step; explicit engine: one
    /// per 10^5 product states; with Engine::Both also one when the explicit engine is done.
    /// Called inside the engine: what it throws is contained as an engine failure.
    std::function<void(const std::string&)> progress{};
    unsigned progress_after_ms{2000};
};

struct CheckResult {
    std::string model_name{};
    Engine engine{Engine::Explicit};
    std::vector<Finding> findings{};  ///< sorted by severity, then source position
    bool symbolic{false};             ///< conditions were computed over the whole space at once (Z3)
    /// Configurations examined (explicit engine): the valuations of the enumerated parameters. A
    /// timing parameter is not enumerated but solved for exactly (every value of its domain, as
    /// intervals); `timing_parameter` names it then, and each configuration counted here stands for
    /// all of its values.
    std::uint64_t configurations{0};
    std::string timing_parameter{};   ///< "name in lo..hi", or empty
    std::uint64_t product_states{0};  ///< summed over configurations (explicit engine)
    /// Things the engine could not decide; each is reported, never read as "no finding".
    std::vector<std::string> unknown{};
    /// Kinds of finding the engine did not decide everywhere (what it gave up on is listed in
    /// `unknown` with the reason): that no finding of such a kind is reported is no verdict.
    std::vector<FindingKind> unchecked{};
    /// With Engine::Auto, why `engine` was chosen; empty otherwise.
    std::string engine_reason{};
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
/// Never throws: Z3's `unknown` (time limit, incompleteness), Z3 errors and running out of memory
/// become undecided items in `unknown`, with the kinds left undecided in `unchecked`.
CheckResult check_z3(const model::Model& model, const CheckOptions& options);

/// Z3 fails in a way that is not a verdict (API misuse, out of memory). check() and check_z3()
/// no longer throw it (such failures are undecided items); kept for callers that catch it.
class SolverError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// How many configurations the explicit engine would enumerate: the product of the domain sizes
/// of the parameters it enumerates (not fixed in `options`, and not a timing parameter, that is an
/// int parameter occurring only in `after` durations and `within` bounds, when there is exactly
/// one such). nullopt when that exceeds `options.max_configurations` (the engine refuses).
std::optional<std::uint64_t> explicit_configurations(const model::Model& model, const CheckOptions& options);

/// Runs the engine chosen in `options`; never throws (an engine failure is an undecided item).
/// With Engine::Both, runs both, each contained on its own: when both decide, reports Z3's
/// findings and adds an undecided item for every finding the engines disagree on (presence or
/// condition); when one gives up, reports the other's answer and says which engine gave up.
/// With Engine::Auto, runs the explicit engine when explicit_configurations() fits, Z3 otherwise.
CheckResult check(const model::Model& model, const CheckOptions& options);

namespace detail {

/// Whether a finding's condition is the same in the Z3 engine and in a reference result.
enum class Agreement { Same, Differ, Unknown, Incomparable };

/// The Z3 engine's run, for check().
struct Z3Run {
    CheckResult result{};
    /// Reachability was not decided (or the engine failed before it): no finding at all.
    bool gave_up{false};
    /// By finding id, for findings present in both this run and the reference.
    std::map<std::string, Agreement> agreement{};
};

/// check_z3(), and when `reference` is given (the explicit engine's result), the comparison of
/// every common finding's condition with it (this needs the solver). Never throws.
Z3Run run_z3(const model::Model& model, const CheckOptions& options, const CheckResult* reference);

/// Two conditions of one model compared over the configurations its constraints admit.
struct ConditionDifference {
    bool decided{false};
    std::string why{};  ///< why not decided
    Condition a_not_b{};
    Condition b_not_a{};
    std::string a_not_b_configuration{};  ///< the smallest configuration in a_not_b ("" if none)
    std::string b_not_a_configuration{};
};

/// Decides `a && !b` and `b && !a` with Z3 (conditions with structured literals only); never throws.
ConditionDifference compare_conditions(const model::Model& model, const Condition& a, const Condition& b,
                                       const CheckOptions& options);

/// The progress sink of `options` (stderr when unset).
void progress_line(const CheckOptions& options, const std::string& line);

}  // namespace detail

}  // namespace lwm2mc::checker
