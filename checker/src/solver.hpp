// SPDX-License-Identifier: Apache-2.0
#pragma once

// The Z3 engine's contact with the solver: the one factory every solver call and tactic goes
// through (time limits, `unknown` never read as a verdict), and how a failure becomes an
// undecided item. Included by symbolic.cpp only; the model library never sees Z3.

#include "lwm2mc/checker/check.hpp"

#include <fmt/format.h>
#include <z3++.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <new>
#include <optional>
#include <string>

namespace lwm2mc::checker::detail {

/// Thrown when Z3 answers `unknown` (timeout, incompleteness) inside one analysis. Never leaves
/// the Z3 engine: guarded() and run_z3 turn it into an undecided item.
struct Undecided {
    std::string why;
};

inline void mark_unchecked(CheckResult& result, std::initializer_list<FindingKind> kinds) {
    for (FindingKind k : kinds) {
        if (std::find(result.unchecked.begin(), result.unchecked.end(), k) == result.unchecked.end()) {
            result.unchecked.push_back(k);
        }
    }
}

inline void mark_all_unchecked(CheckResult& result) {
    for (FindingKind k : kAllFindingKinds) {
        mark_unchecked(result, {k});
    }
}

/// Why the last thing tried failed, as one phrase, for every kind of failure the engine contains
/// (call inside a catch block only).
inline std::string failure_reason() {
    try {
        throw;
    } catch (const Undecided& u) {
        return u.why;
    } catch (const z3::exception& e) {
        return std::string("Z3 error: ") + e.msg();
    } catch (const std::bad_alloc&) {
        return "out of memory";
    } catch (const std::exception& e) {
        return std::string("internal error: ") + e.what();
    } catch (...) {
        return "unknown internal error";
    }
}

/// The one place where the engine creates Z3 solvers and tactics and runs them. Every solver call
/// and every tactic gets budget_ms(): the per-call limit (CheckOptions::solver_timeout_ms) cut to
/// what is left until the run's deadline (CheckOptions::time_limit_ms), so that no single call
/// overruns the deadline by more than Z3's reaction time. A solver's `unknown` or a tactic that
/// stops is Undecided, never read as sat or unsat; past the deadline every call is Undecided at
/// once. The limits are set on each call, not when a solver is made: the engine keeps solvers
/// for the whole run (making them is the dominant cost otherwise).
/// Z3 4.8.12 honours the `timeout` parameter of a solver on every check() (also when it is changed
/// between checks) and `try_for` around a tactic; its timers run on a thread pool that has been
/// reported to deadlock when many of them expire (Z3Prover/z3#5371), so the engine relies on its own
/// deadline checks between calls, and a timer expires at most once for the deadline.
class SolverFactory {
public:
    SolverFactory(z3::context& ctx, const CheckOptions& options)
        : ctx_{ctx}, timeout_ms_{options.solver_timeout_ms}, time_limit_ms_{options.time_limit_ms} {
        if (time_limit_ms_ > 0) {
            deadline_ = Clock::now() + std::chrono::milliseconds(time_limit_ms_);
        }
    }

    z3::solver solver(const char* logic = nullptr) const {
        z3::solver s = logic ? z3::solver(ctx_, logic) : z3::solver(ctx_);
        limit(s);
        return s;
    }

    z3::optimize optimizer() const {
        z3::optimize o(ctx_);
        limit(o);
        return o;
    }

    /// The named tactics one after the other (apply() adds the time limit when it runs them).
    z3::tactic tactic(std::initializer_list<const char*> names) const {
        std::optional<z3::tactic> all;
        for (const char* name : names) {
            z3::tactic t(ctx_, name);
            all = all ? *all & t : t;
        }
        return all ? *all : z3::tactic(ctx_, "skip");
    }

    /// Applies a tactic from tactic() within budget_ms(); when it stops or fails, Undecided saying
    /// `what`.
    z3::apply_result apply(const z3::tactic& t, const z3::goal& g, const char* what) const {
        z3::tactic limited = z3::try_for(t, budget_ms());
        try {
            return limited.apply(g);
        } catch (const z3::exception& e) {
            throw Undecided{fmt::format("{} stopped ({})", what, e.msg())};
        }
    }

    /// sat: true, unsat: false, unknown: Undecided saying `what` and Z3's reason.
    bool decide(z3::solver& s, const char* what) const {
        return verdict(
            s, [&] { return s.reason_unknown(); }, what);
    }

    /// As decide(), for an optimizer.
    bool decide(z3::optimize& o, const char* what) const {
        return verdict(
            o, [&] { return std::string(Z3_optimize_get_reason_unknown(ctx_, o)); }, what);
    }

    /// Undecided once the run's time limit is reached.
    void check_deadline() const {
        if (deadline_ && Clock::now() >= *deadline_) {
            throw Undecided{fmt::format("the run's time limit ({} ms) is reached", time_limit_ms_)};
        }
    }

    /// The time left until the deadline in ms (at least 1); nullopt without a deadline.
    std::optional<std::uint64_t> remaining_ms() const {
        if (!deadline_) {
            return std::nullopt;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline_ - Clock::now()).count();
        return static_cast<std::uint64_t>(std::max<std::int64_t>(left, 1));
    }

    /// What the next solver call or tactic may take, in ms: solver_timeout_ms, cut to the time left
    /// until the deadline (at least 1 ms); UINT_MAX (no limit) when neither is set. Undecided once the
    /// deadline is reached.
    unsigned budget_ms() const {
        check_deadline();
        std::uint64_t budget = timeout_ms_ > 0 ? timeout_ms_ : std::numeric_limits<unsigned>::max();
        if (deadline_) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline_ - Clock::now()).count();
            budget = std::min<std::uint64_t>(budget, static_cast<std::uint64_t>(std::max<std::int64_t>(left, 1)));
        }
        return static_cast<unsigned>(budget);
    }

private:
    using Clock = std::chrono::steady_clock;

    template <class S>
    void limit(S& s) const {
        z3::params p(ctx_);
        p.set("timeout", budget_ms());
        s.set(p);
    }

    /// One check of a solver or optimizer under the time limit; `unknown` is never a verdict.
    template <class Checkable, class Reason>
    bool verdict(Checkable& c, Reason&& reason, const char* what) const {
        limit(c);
        switch (c.check()) {
        case z3::sat:
            return true;
        case z3::unsat:
            return false;
        case z3::unknown:
            break;
        }
        throw Undecided{unknown_reason(reason(), what)};
    }

    std::string unknown_reason(const std::string& reason, const char* what) const {
        std::string why = reason.empty() ? "no reason given" : reason;
        // Z3 4.8.12 reports an expired timer as "canceled" (or as the theory's incompleteness);
        // say which limit it was when the deadline is the cause
        if (deadline_ && Clock::now() >= *deadline_) {
            why += fmt::format("; the run's time limit ({} ms) is reached", time_limit_ms_);
        }
        return fmt::format("Z3 answered unknown {} ({})", what, why);
    }

    z3::context& ctx_;
    unsigned timeout_ms_;
    std::uint64_t time_limit_ms_;
    std::optional<Clock::time_point> deadline_{};
};

}  // namespace lwm2mc::checker::detail
