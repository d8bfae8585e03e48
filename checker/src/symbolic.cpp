// SPDX-License-Identifier: Apache-2.0
// The symbolic engine. Sets of product states are formulas R_s(P, V) per control state over the
// parameters P and variables V, so one fixpoint covers every configuration at once:
//   forward:  R_s' |= exists V0. R_s(P, V0) && guard(P, V0) && V = update(P, V0)   (QE)
//   backward: B_s  |= guard(P, V) && B_s'(P, update(P, V))                      (substitution)
// A finding's condition is the parameter formula  exists V. R_s && <bad>  (QE), written as an
// irredundant DNF. Termination: variables range over finite domains, so each fixpoint reaches a
// formula that implies nothing new (checked with the solver). An `unknown` from Z3 is never read
// as "no finding": it becomes an undecided item.
//
// Containment: nothing leaves check_z3/run_z3 as an exception. Every solver and tactic comes from
// SolverFactory (time limit; `unknown` becomes Undecided); each analysis runs inside guarded(),
// which turns Undecided, Z3 errors and std::bad_alloc into an undecided item naming the kinds of
// finding it leaves unchecked; run_z3 catches whatever is left, last.

#include "lwm2mc/checker/check.hpp"
#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/monitor.hpp"
#include "lwm2mc/model/printer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <initializer_list>
#include <iostream>
#include <limits>
#include <map>
#include <new>
#include <optional>
#include <set>
#include <unordered_set>

#include "catalogue.hpp"
#include "condition.hpp"
#include "encoder.hpp"
#include "progress.hpp"
#include "solver.hpp"

namespace lwm2mc::checker {

namespace {

using namespace model;
using detail::Encoder;
using detail::failure_reason;
using detail::mark_all_unchecked;
using detail::mark_unchecked;
using detail::SolverFactory;
using detail::Undecided;

__extension__ typedef __int128 Wide;  ///< sums of 64-bit products, checked before narrowing

class SymbolicEngine {
public:
    SymbolicEngine(const Model& m, const CheckOptions& options)
        : m_{m}, options_{options}, solvers_{ctx_, options}, enc_{ctx_, m}, configs_{ctx_}, progress_{options,
                                                                                                      "z3 engine"} {}

    /// The findings, or undecided items; `gave_up` when reachability itself was not decided.
    CheckResult run(bool& gave_up) {
        CheckResult result;
        result.model_name = m_.name;
        result.engine = Engine::Z3;
        result.symbolic = true;
        gave_up = false;
        try {
            configs_ = enc_.configurations();
            for (std::size_t i = 0; i < options_.fixed.size() && i < m_.parameters.size(); ++i) {
                if (options_.fixed[i]) {
                    z3::expr p = enc_.params()[static_cast<int>(i)];
                    configs_ = configs_ && (p.is_bool() ? p == ctx_.bool_val(*options_.fixed[i] != 0)
                                                        : p == ctx_.int_val(static_cast<int64_t>(*options_.fixed[i])));
                }
            }
            if (!satisfiable(configs_)) {
                result.unknown.push_back("the constraints admit no configuration");
                return result;
            }
            forward();
        } catch (...) {
            result.unknown.push_back("reachability: " + failure_reason());
            mark_all_unchecked(result);
            gave_up = true;
            return result;
        }
        analyse(result);
        attach_witnesses(result);
        sort_findings(result.findings);
        return result;
    }

    /// `a && !b` over the configurations the constraints admit, as a condition in model syntax,
    /// and its smallest configuration ("name=value, ..."; empty when the condition is false). For
    /// comparing a proposal's conditions with the base's (compare.cpp). Throws Undecided.
    std::pair<Condition, std::string> difference(const z3::expr& a, const z3::expr& b) {
        configs_ = enc_.configurations();
        z3::expr d = configs_ && a && !b;
        if (!satisfiable(d)) {
            return {Condition{{}, std::vector<std::vector<Literal>>{}}, std::string()};
        }
        Condition condition = to_dnf(simplify_deep(a && !b));
        std::string note;
        std::vector<int64_t> values = smallest_configuration(d, note);
        model::Configuration c;
        c.values.assign(values.begin(), values.end());
        return {std::move(condition), Interpreter{m_}.format_configuration(c)};
    }

    /// The condition formula of each finding, by id (for cross-checking).
    const std::map<std::string, z3::expr>& formulas() const { return formulas_; }
    z3::context& ctx() { return ctx_; }
    Encoder& encoder() { return enc_; }
    const SolverFactory& solvers() const { return solvers_; }
    const z3::expr& configurations() const { return all_configs_ ? *all_configs_ : configs_; }

private:
    // ---- solver helpers ----------------------------------------------------------------------
    /// Whether `e` is satisfiable, with one solver for the whole run (creating solvers is the
    /// dominant cost otherwise); `unknown` is Undecided.
    bool satisfiable(const z3::expr& e) {
        if (!solver_) {
            solver_.emplace(solvers_.solver("QF_LIA"));
        }
        solver_->push();
        solver_->add(e);
        std::optional<bool> sat;
        try {
            sat = solvers_.decide(*solver_, "(time limit or incompleteness)");
        } catch (...) {
            solver_->pop();
            throw;
        }
        solver_->pop();
        return *sat;
    }

    bool implies(const z3::expr& a, const z3::expr& b) { return !satisfiable(a && !b); }

    /// The rewriter: cheap, used inside fixpoints (implication checks keep them exact).
    z3::expr simplify(const z3::expr& e) { return e.simplify(); }

    /// Contextual simplification, for formulas that are shown or kept.
    z3::expr simplify_deep(const z3::expr& e) {
        z3::goal g(ctx_);
        g.add(e);
        z3::tactic t = solvers_.tactic({"simplify", "propagate-values", "ctx-simplify"});
        return conjoin(solvers_.apply(t, g, "simplification"), e);
    }

    z3::expr conjoin(const z3::apply_result& r, const z3::expr& fallback) {
        if (r.size() == 0) {
            return fallback;
        }
        z3::expr any = ctx_.bool_val(false);
        for (unsigned i = 0; i < r.size(); ++i) {
            any = any || r[i].as_expr();
        }
        return any.simplify();
    }

    /// exists vars. body, without quantifiers. Variables with small domains are expanded
    /// (exists v. F == F[v:=k1] || F[v:=k2] || ...); the others go to Z3's `qe` tactic.
    z3::expr eliminate(const z3::expr_vector& vars, const z3::expr& body) {
        z3::expr current = body;
        z3::expr_vector rest(ctx_);
        for (int i = 0; i < static_cast<int>(vars.size()); ++i) {
            solvers_.check_deadline();
            z3::expr x = vars[i];
            auto values = small_domain(x);
            if (!values) {
                rest.push_back(x);
                continue;
            }
            z3::expr any = ctx_.bool_val(false);
            z3::expr_vector from(ctx_), to(ctx_);
            from.push_back(x);
            for (const z3::expr& k : *values) {
                to.resize(0);
                to.push_back(k);
                any = any || current.substitute(from, to);
            }
            current = any.simplify();
        }
        if (rest.empty()) {
            return current;
        }
        z3::goal g(ctx_);
        g.add(z3::exists(rest, current));
        z3::tactic qe = solvers_.tactic({"qe", "simplify"});
        z3::expr out = conjoin(solvers_.apply(qe, g, "quantifier elimination"), body);
        if (out.is_quantifier()) {
            throw Undecided{"quantifier elimination did not finish"};
        }
        return out;
    }

    /// The parameter condition  exists V. body  (most bodies are unsatisfiable: check that first,
    /// it is one solver call instead of an elimination).
    z3::expr exists_vars(const z3::expr& body) {
        if (!satisfiable(body)) {
            return ctx_.bool_val(false);
        }
        return eliminate(enc_.vars(), body);
    }

    /// The values of a variable (current or a fresh copy) when its domain is small.
    std::optional<std::vector<z3::expr>> small_domain(const z3::expr& x) {
        constexpr std::int64_t kExpandLimit = 16;
        std::string name = x.decl().name().str();
        for (std::size_t i = 0; i < m_.variables.size(); ++i) {
            const std::string base = "v!" + m_.variables[i].name;
            if (name == base || name.rfind(base + "!", 0) == 0) {
                const Type& t = m_.variables[i].type;
                if (t.kind == TypeKind::Bool) {
                    return std::vector<z3::expr>{ctx_.bool_val(false), ctx_.bool_val(true)};
                }
                if (t.hi - t.lo >= kExpandLimit) {
                    return std::nullopt;
                }
                std::vector<z3::expr> out;
                for (std::int64_t k = t.lo; k <= t.hi; ++k) {
                    out.push_back(ctx_.int_val(static_cast<int64_t>(k)));
                }
                return out;
            }
        }
        return std::nullopt;
    }

    /// Indices of the variables a transition may change.
    std::vector<std::size_t> assigned(const Transition& t) const {
        std::vector<bool> hit(m_.variables.size(), false);
        for (const Update& u : t.updates) {
            if (u.kind == UpdateKind::Assign) {
                hit[u.var.index()] = true;
            } else {
                for (std::size_t i = 0; i < m_.variables.size(); ++i) {
                    hit[i] = hit[i] || u.kind == UpdateKind::ResetAll || !m_.variables[i].persistent;
                }
            }
        }
        std::vector<std::size_t> out;
        for (std::size_t i = 0; i < hit.size(); ++i) {
            if (hit[i]) {
                out.push_back(i);
            }
        }
        return out;
    }

    /// All `values` (one per variable) within the variables' declared ranges.
    z3::expr in_range(const std::vector<z3::expr>& values) {
        z3::expr all = ctx_.bool_val(true);
        for (std::size_t i = 0; i < m_.variables.size(); ++i) {
            const Type& t = m_.variables[i].type;
            if (t.kind != TypeKind::Bool) {
                all = all && values[i] >= ctx_.int_val(static_cast<int64_t>(t.lo)) &&
                      values[i] <= ctx_.int_val(static_cast<int64_t>(t.hi));
            }
        }
        return all;
    }

    /// Whether an assignment can leave the variable's range (only arithmetic on ints can).
    bool may_leave_range(const Transition& t) const {
        for (const Update& u : t.updates) {
            if (u.kind != UpdateKind::Assign) {
                continue;
            }
            const Type& type = m_.variables[u.var.index()].type;
            bool literal = u.value->op == Op::IntLit || u.value->op == Op::Const || u.value->op == Op::EnumLit ||
                           u.value->op == Op::BoolLit;
            if (type.kind == TypeKind::Int && !(literal && type.contains(u.value->value))) {
                return true;
            }
        }
        return false;
    }

    // ---- reachability ------------------------------------------------------------------------
    void forward() {
        std::size_t n = m_.state_count();
        reach_.assign(n, ctx_.bool_val(false));
        std::vector<z3::expr> delta(n, ctx_.bool_val(false));
        const z3::expr_vector& v = enc_.vars();
        z3::expr_vector v0 = enc_.fresh_vars("0");
        domains_ = enc_.var_domains(v);
        StateId init = m_.initial_state();
        // configurations whose initial values leave a range have no run (an evaluation error)
        z3::expr_vector v_init(ctx_);
        std::vector<z3::expr> init_values;
        for (std::size_t i = 0; i < m_.variables.size(); ++i) {
            const auto& var = m_.variables[i];
            init_values.push_back(var.initial
                                      ? enc_.encode(*var.initial, v, init)
                                      : (var.type.kind == TypeKind::Bool ? ctx_.bool_val(false) : ctx_.int_val(0)));
        }
        z3::expr bad_initial = configs_ && !in_range(init_values);
        all_configs_ = configs_;
        if (satisfiable(bad_initial)) {
            initial_out_of_range_ = bad_initial.simplify();
            configs_ = (configs_ && !bad_initial).simplify();  // the other findings: runs only
        }
        reach_[init.index()] = simplify(configs_ && domains_ && enc_.initial(v));
        delta[init.index()] = reach_[init.index()];
        std::deque<std::size_t> work{init.index()};
        std::vector<bool> queued(n, false);
        queued[init.index()] = true;
        std::size_t iteration = 0;
        while (!work.empty()) {
            std::size_t s = work.front();
            work.pop_front();
            queued[s] = false;
            ++iteration;
            solvers_.check_deadline();
            progress_.report([&] {
                return fmt::format("reachability: iteration {}, image of '{}', {} more queued", iteration,
                                   m_.state(StateId{s}).name, work.size());
            });
            z3::expr d = delta[s];
            delta[s] = ctx_.bool_val(false);
            std::map<std::size_t, z3::expr> images;  // one implication check per target, not per transition
            for (TransitionId tid : m_.out_transitions(StateId{s})) {
                const Transition& t = m_.transition(tid);
                z3::expr pre = (d && enc_.encode_or(t.guard, v, t.source, true)).simplify();
                if (pre.is_false()) {
                    continue;
                }
                // only the changed variables need eliminating: rename them to their pre-state copy
                auto changed = assigned(t);
                z3::expr post = pre;
                if (!changed.empty()) {
                    z3::expr_vector from(ctx_), to(ctx_), old(ctx_), mixed(ctx_);
                    for (int i = 0; i < static_cast<int>(v.size()); ++i) {
                        bool c =
                            std::find(changed.begin(), changed.end(), static_cast<std::size_t>(i)) != changed.end();
                        mixed.push_back(c ? v0[i] : v[i]);
                        if (c) {
                            from.push_back(v[i]);
                            to.push_back(v0[i]);
                            old.push_back(v0[i]);
                        }
                    }
                    std::vector<z3::expr> next = enc_.updated(t, mixed);
                    z3::expr eqs = ctx_.bool_val(true);
                    for (std::size_t i : changed) {
                        eqs = eqs && v[static_cast<int>(i)] == next[i];
                    }
                    post = eliminate(old, pre.substitute(from, to) && eqs);
                }
                if (may_leave_range(t)) {
                    // a value outside a variable's range is an evaluation error, not a state; its
                    // condition is computed on the pre-state, whose variables are in range
                    z3::expr bad = pre && !in_range(enc_.updated(t, v));
                    if (satisfiable(bad)) {
                        z3::expr cond = eliminate(v, bad);
                        auto [it, inserted] = out_of_range_.emplace(tid.index(), cond);
                        if (!inserted) {
                            it->second = simplify(it->second || cond);
                        }
                    }
                    post = post && domains_;
                }
                std::size_t target = t.target.index();
                auto [it, inserted] = images.emplace(target, post);
                if (!inserted) {
                    it->second = it->second || post;
                }
            }
            for (auto& [target, image] : images) {
                z3::expr post = image.simplify();
                if (post.is_false() || (!reach_[target].is_false() && implies(post, reach_[target]))) {
                    continue;
                }
                reach_[target] = simplify(reach_[target] || post);
                delta[target] = simplify(delta[target] || post);
                if (!queued[target]) {
                    queued[target] = true;
                    work.push_back(target);
                }
            }
        }
    }

    /// backward() memoised by target and reliance (recover properties usually share both).
    const std::vector<z3::expr>& backward_cached(const ExprPtr& to, ActorSet actors) {
        std::string key = fmt::format("{}|{}", to ? format_expr(*to) : std::string("<goal>"), actors.bits);
        auto it = backward_cache_.find(key);
        if (it == backward_cache_.end()) {
            it = backward_cache_.emplace(key, backward(per_state(to, true, true), actors)).first;
        }
        return it->second;
    }

    /// Per state, the (P, V) from which a state satisfying `target` is reachable using `actors`;
    /// with a `budget` variable, the (P, V, budget) from which it is reachable within `budget`
    /// seconds (durations are subtracted along the way).
    /// Exact on reachable product states, which is all the findings ask about: a pre-image is
    /// only added where it contains reachable states, and successors of reachable states are
    /// reachable.
    std::vector<z3::expr> backward(const std::vector<z3::expr>& target, ActorSet actors,
                                   const std::optional<z3::expr>& budget = std::nullopt) {
        const z3::expr_vector& v = enc_.vars();
        std::vector<z3::expr> b;
        for (const auto& t : target) {
            b.push_back(budget ? t && *budget >= 0 : t);
        }
        std::deque<std::size_t> work;
        std::vector<bool> queued(b.size(), true);
        for (std::size_t s = 0; s < b.size(); ++s) {
            work.push_back(s);
        }
        std::size_t iteration = 0;
        while (!work.empty()) {
            std::size_t s2 = work.front();
            work.pop_front();
            queued[s2] = false;
            ++iteration;
            solvers_.check_deadline();
            progress_.report([&] {
                return fmt::format("backward reachability{}: iteration {}, pre-image of '{}', {} more queued",
                                   budget ? " (time bound)" : "", iteration, m_.state(StateId{s2}).name, work.size());
            });
            std::map<std::size_t, z3::expr> grouped;  // one implication check per source
            for (TransitionId tid : m_.in_transitions(StateId{s2})) {
                const Transition& t = m_.transition(tid);
                if (!actors.admits(t.actor, t.peer)) {
                    continue;
                }
                std::size_t s = t.source.index();
                std::vector<z3::expr> next = enc_.updated(t, v);
                z3::expr_vector from(ctx_), to(ctx_);
                for (int i = 0; i < static_cast<int>(v.size()); ++i) {
                    from.push_back(v[i]);
                    to.push_back(next[static_cast<std::size_t>(i)]);
                }
                z3::expr guard = enc_.encode_or(t.guard, v, t.source, true);
                if (budget) {
                    from.push_back(*budget);
                    to.push_back(*budget - (t.duration ? enc_.encode(*t.duration, v, t.source) : ctx_.int_val(0)));
                    guard = guard && *budget >= 0;
                }
                z3::expr pre = guard && b[s2].substitute(from, to);
                if (may_leave_range(t)) {
                    pre = pre && in_range(next);  // a step whose update leaves a range does not happen
                }
                auto [it, inserted] = grouped.emplace(s, pre);
                if (!inserted) {
                    it->second = it->second || pre;
                }
            }
            for (auto& [s, pre] : grouped) {
                if (implies(configs_ && domains_ && reach_[s] && pre, b[s])) {
                    continue;
                }
                b[s] = simplify(b[s] || pre);
                if (!queued[s]) {
                    queued[s] = true;
                    work.push_back(s);
                }
            }
        }
        return b;
    }

    // ---- findings ----------------------------------------------------------------------------
    /// Reports `f` (from the catalogue) when `condition` is satisfiable.
    void add(CheckResult& result, Finding f, const z3::expr& condition, bool without_run = false) {
        // findings are about configurations that have a run, except the one saying they have none
        z3::expr cond = simplify(condition && (without_run ? configurations() : configs_));
        if (cond.is_false()) {
            return;
        }
        if (!satisfiable(cond)) {
            return;
        }
        f.condition = to_dnf(cond);
        formulas_.emplace(f.id, cond);
        result.findings.push_back(std::move(f));
    }

    /// Runs one analysis; an `unknown` answer, a Z3 error or running out of memory becomes an
    /// undecided item (and `kinds` unchecked) instead of a verdict.
    template <class F>
    void guarded(CheckResult& result, const std::string& what, std::initializer_list<FindingKind> kinds, F&& body) {
        try {
            body();
        } catch (...) {
            result.unknown.push_back(what + ": " + failure_reason());
            mark_unchecked(result, kinds);
        }
    }

    void analyse(CheckResult& result) {
        const z3::expr_vector& v = enc_.vars();
        std::size_t n = m_.state_count();
        for (std::size_t s = 0; s < n; ++s) {
            const State& st = m_.state(StateId{s});
            // no deadline check here: past it, each analysis below becomes its own undecided item
            progress_.report([&] { return fmt::format("analysing state '{}'", st.name); });
            guarded(result, fmt::format("state '{}' (reachability)", st.name), {FindingKind::UnreachableState}, [&] {
                z3::expr reachable_params = exists_vars(reach_[s]);
                bool always = !satisfiable(configs_ && reachable_params);
                add(result, catalogue::unreachable_state(st, always), configs_ && !reachable_params);
            });
            if (!st.final) {
                guarded(result, fmt::format("state '{}' (deadlock)", st.name), {FindingKind::Deadlock}, [&] {
                    z3::expr none_enabled = reach_[s];
                    for (TransitionId tid : m_.out_transitions(StateId{s})) {
                        none_enabled = none_enabled && !enc_.encode_or(m_.transition(tid).guard, v, StateId{s}, true);
                    }
                    add(result, catalogue::deadlock(st), exists_vars(none_enabled));
                });
            }
            auto out = m_.out_transitions(StateId{s});
            for (std::size_t i = 0; i < out.size(); ++i) {
                for (std::size_t j = i + 1; j < out.size(); ++j) {
                    const Transition& a = m_.transition(out[i]);
                    const Transition& b = m_.transition(out[j]);
                    if (a.event != b.event || (a.actor == Actor::Choice && b.actor == Actor::Choice)) {
                        continue;
                    }
                    const Transition& first = a.id < b.id ? a : b;
                    const Transition& second = a.id < b.id ? b : a;
                    guarded(result, fmt::format("transitions '{}' and '{}' (ambiguity)", first.name, second.name),
                            {FindingKind::Ambiguity}, [&] {
                                z3::expr both = reach_[s] && enc_.encode_or(a.guard, v, StateId{s}, true) &&
                                                enc_.encode_or(b.guard, v, StateId{s}, true);
                                add(result, catalogue::ambiguity(m_, first, second, st), exists_vars(both));
                            });
                }
            }
        }
        analyse_regions(result);
        if (initial_out_of_range_) {
            guarded(result, "initial values", {FindingKind::EvaluationError},
                    [&] { add(result, catalogue::initial_out_of_range(m_), *initial_out_of_range_, true); });
        }
        // durations must not be negative: a finding, and `within` is not checked (nor when it
        // cannot be decided whether a duration can be negative)
        bool negative = false;
        bool undecided = false;
        for (std::size_t i = 0; i < m_.transition_count(); ++i) {
            const Transition& t = m_.transition(TransitionId{i});
            if (!t.duration) {
                continue;
            }
            bool decided = false;
            guarded(result, fmt::format("duration of transition '{}'", t.name), {FindingKind::EvaluationError}, [&] {
                z3::expr d = enc_.encode(*t.duration, v, t.source);
                z3::expr bad = reach_[t.source.index()] && enc_.encode_or(t.guard, v, t.source, true) && d < 0;
                bool can_be_negative = satisfiable(bad);
                decided = true;
                if (can_be_negative) {
                    negative = true;
                    add(result, catalogue::negative_duration(t), exists_vars(bad));
                }
            });
            undecided = undecided || !decided;
        }
        within_blocked_ = negative    ? "a transition can take a negative duration"
                          : undecided ? "whether a duration can be negative is undecided"
                                      : "";
        for (const auto& [index, cond] : out_of_range_) {
            const Transition& t = m_.transition(TransitionId{index});
            guarded(result, fmt::format("transition '{}'", t.name), {FindingKind::EvaluationError},
                    [&] { add(result, catalogue::update_error(t), cond); });
        }
        progress_.report([] { return std::string("no-recovery"); });
        guarded(result, "no-recovery", {FindingKind::NoRecovery}, [&] {
            const auto& back = backward_cached(nullptr, options_.reliance);
            for (std::size_t s = 0; s < n; ++s) {
                const State& st = m_.state(StateId{s});
                add(result, catalogue::no_recovery(st, options_.reliance, goal_text_),
                    exists_vars(reach_[s] && !back[s]));
            }
        });
        if (auto alone = catalogue::without_operator(options_.reliance)) {
            progress_.report([] { return std::string("needs-intervention"); });
            guarded(result, "needs-intervention", {FindingKind::NeedsIntervention}, [&] {
                const auto& back = backward_cached(nullptr, options_.reliance);
                const auto& back_alone = backward_cached(nullptr, *alone);
                for (std::size_t s = 0; s < n; ++s) {
                    const State& st = m_.state(StateId{s});
                    add(result, catalogue::needs_intervention(st, options_.reliance, goal_text_),
                        exists_vars(reach_[s] && back[s] && !back_alone[s]));
                }
            });
        }
        for (const Property& p : m_.properties) {
            progress_.report([&] { return fmt::format("property '{}'", p.name); });
            guarded(result, "property '" + p.name + "'", {catalogue::property_kind(p)},
                    [&] { check_property(result, p); });
        }
    }

    /// Region states as the unreachable-state analysis sees main states, and region states with no way out.
    void analyse_regions(CheckResult& result) {
        const z3::expr_vector& v = enc_.vars();
        for (std::uint32_t r = 0; r < m_.regions.size(); ++r) {
            const Region& region = m_.regions[r];
            const z3::expr x = v[static_cast<int>(region.var.index())];
            for (std::size_t s = 0; s < region.states.size(); ++s) {
                const auto state = static_cast<std::int64_t>(s);
                const std::string name = catalogue::region_state_name(m_, r, state);
                guarded(result, fmt::format("region state '{}' (reachability)", name),
                        {FindingKind::UnreachableState, FindingKind::DeadRegionState}, [&] {
                            z3::expr in = ctx_.bool_val(false);
                            for (std::size_t q = 0; q < m_.state_count(); ++q) {
                                in = in || (reach_[q] && x == ctx_.int_val(state));
                            }
                            z3::expr reachable_params = exists_vars(in);
                            bool always = !satisfiable(configs_ && reachable_params);
                            add(result, catalogue::unreachable_region_state(m_, r, state, always),
                                configs_ && !reachable_params);
                            if (catalogue::region_state_is_dead(m_, r, state)) {
                                add(result, catalogue::dead_region_state(m_, r, state), reachable_params);
                            }
                        });
            }
        }
    }

    std::vector<z3::expr> per_state(const ExprPtr& e, bool goal_if_null, bool absent) {
        std::vector<z3::expr> out;
        const ExprPtr& target = e ? e : (goal_if_null ? goal_ : e);
        for (std::size_t s = 0; s < m_.state_count(); ++s) {
            out.push_back(target ? enc_.encode(*target, enc_.vars(), StateId{s}) : ctx_.bool_val(absent));
        }
        return out;
    }

    void check_property(CheckResult& result, const Property& p) {
        std::size_t n = m_.state_count();
        z3::expr bad = ctx_.bool_val(false);
        switch (p.kind) {
        case PropertyKind::Invariant: {
            auto holds = per_state(p.expr, false, true);
            for (std::size_t s = 0; s < n; ++s) {
                bad = bad || exists_vars(reach_[s] && !holds[s]);
            }
            add(result, catalogue::property_fails(p, goal_text_), bad);
            return;
        }
        case PropertyKind::Reachable: {
            auto target = per_state(p.expr, false, true);
            z3::expr reached = ctx_.bool_val(false);
            for (std::size_t s = 0; s < n; ++s) {
                reached = reached || exists_vars(reach_[s] && target[s]);
            }
            add(result, catalogue::property_fails(p, goal_text_), !reached);
            return;
        }
        case PropertyKind::Recover: {
            auto from = per_state(p.from, false, true);
            const auto& back = backward_cached(p.to, p.reliance);
            for (std::size_t s = 0; s < n; ++s) {
                bad = bad || exists_vars(reach_[s] && from[s] && !back[s]);
            }
            add(result, catalogue::property_fails(p, goal_text_), bad);
            return;
        }
        case PropertyKind::Within: {
            if (!within_blocked_.empty()) {
                result.unknown.push_back(fmt::format("within property '{}': {}; not checked", p.name, within_blocked_));
                mark_unchecked(result, {FindingKind::Within});
                return;
            }
            z3::expr budget = ctx_.int_const("budget!");
            auto from = per_state(p.from, false, true);
            auto w = backward(per_state(p.to, true, true), p.reliance, budget);
            z3::expr bound = enc_.encode(*p.expr, enc_.vars(), m_.initial_state());
            z3::expr_vector b_from(ctx_), b_to(ctx_);
            b_from.push_back(budget);
            b_to.push_back(bound);
            for (std::size_t s = 0; s < n; ++s) {
                bad = bad || exists_vars(reach_[s] && from[s] && !w[s].substitute(b_from, b_to));
            }
            add(result, catalogue::property_fails(p, goal_text_), bad);
            return;
        }
        }
    }

    // ---- conditions as DNF -------------------------------------------------------------------
    std::string name_of(const z3::expr& e) const {
        std::string s = e.decl().name().str();
        return s.rfind("p!", 0) == 0 ? s.substr(2) : s;
    }

    std::optional<std::size_t> param_index(const z3::expr& e) const {
        if (!e.is_const()) {
            return std::nullopt;
        }
        for (unsigned i = 0; i < enc_.params().size(); ++i) {
            if (z3::eq(e, enc_.params()[static_cast<int>(i)])) {
                return i;
            }
        }
        return std::nullopt;
    }

    /// Arithmetic atoms over the parameters that occur in `e`.
    /// The arithmetic atoms of `e`, each once. Iterative, and every shared subterm is visited once
    /// (Z3 expressions are DAGs: a recursive walk without memo was exponential on one seed of the
    /// agreement sweep, tests/data/models/agreement/seed-837.lwm2m, and ran far past the deadline).
    void collect_atoms(const z3::expr& e, std::vector<z3::expr>& atoms) const {
        std::unordered_set<unsigned> seen;
        std::unordered_set<unsigned> atom_ids;
        std::vector<z3::expr> stack{e};
        std::size_t visited = 0;
        while (!stack.empty()) {
            z3::expr x = stack.back();
            stack.pop_back();
            if (!x.is_app() || !seen.insert(x.id()).second) {
                continue;
            }
            if ((++visited & 1023U) == 0) {
                solvers_.check_deadline();
            }
            Z3_decl_kind k = x.decl().decl_kind();
            if (k == Z3_OP_LE || k == Z3_OP_GE || k == Z3_OP_LT || k == Z3_OP_GT ||
                (k == Z3_OP_EQ && x.arg(0).is_int())) {
                if (atom_ids.insert(x.id()).second) {
                    atoms.push_back(x);
                }
                continue;
            }
            for (unsigned i = x.num_args(); i-- > 0;) {
                stack.push_back(x.arg(i));
            }
        }
    }

    /// Adds factor * e to `terms` and `constant` when e is linear in the parameters (sums,
    /// differences, negations and products with numerals of parameters and numerals).
    bool linear(const z3::expr& e, Wide factor, std::map<std::size_t, Wide>& terms, Wide& constant) const {
        constexpr Wide kLimit = static_cast<Wide>(1) << 100;  // far from overflow; beyond: not linear
        if (factor > kLimit || factor < -kLimit || constant > kLimit || constant < -kLimit) {
            return false;
        }
        int64_t v = 0;
        if (e.is_numeral_i64(v)) {
            constant += factor * v;
            return true;
        }
        if (auto p = param_index(e); p && e.is_int()) {
            terms[*p] += factor;
            return true;
        }
        if (!e.is_app()) {
            return false;
        }
        switch (e.decl().decl_kind()) {
        case Z3_OP_ADD:
            for (unsigned i = 0; i < e.num_args(); ++i) {
                if (!linear(e.arg(i), factor, terms, constant)) {
                    return false;
                }
            }
            return true;
        case Z3_OP_SUB:
            for (unsigned i = 0; i < e.num_args(); ++i) {
                if (!linear(e.arg(i), i == 0 ? factor : -factor, terms, constant)) {
                    return false;
                }
            }
            return true;
        case Z3_OP_UMINUS:
            return linear(e.arg(0), -factor, terms, constant);
        case Z3_OP_MUL: {
            // numerals times at most one other factor
            Wide product = factor;
            std::optional<z3::expr> other;
            for (unsigned i = 0; i < e.num_args(); ++i) {
                if (e.arg(i).is_numeral_i64(v)) {
                    product *= v;
                    if (product > kLimit || product < -kLimit) {
                        return false;
                    }
                } else if (other) {
                    return false;
                } else {
                    other = e.arg(i);
                }
            }
            if (!other) {
                constant += product;
                return true;
            }
            return linear(*other, product, terms, constant);
        }
        default:
            return false;
        }
    }

    /// The structured form of a literal (a bool parameter, or an arithmetic atom linear in the
    /// parameters, possibly negated), normalised; nullopt when it has none.
    std::optional<Literal> as_literal(const z3::expr& lit) const {
        bool negated = lit.is_app() && lit.decl().decl_kind() == Z3_OP_NOT;
        z3::expr atom = negated ? lit.arg(0) : lit;
        if (auto p = param_index(atom); p && atom.is_bool()) {
            return Literal::compare(*p, Literal::Op::Eq, negated ? 0 : 1);
        }
        if (!atom.is_app() || atom.num_args() != 2 || !atom.arg(0).is_int()) {
            return std::nullopt;
        }
        // lhs - rhs op 0, that is  terms op -constant
        std::map<std::size_t, Wide> terms;
        Wide constant = 0;
        if (!linear(atom.arg(0), 1, terms, constant) || !linear(atom.arg(1), -1, terms, constant)) {
            return std::nullopt;
        }
        Wide k = -constant;
        Literal::Op op = Literal::Op::Eq;
        switch (atom.decl().decl_kind()) {
        case Z3_OP_LE:  // s <= k  is  s < k + 1
            op = Literal::Op::Lt;
            k += 1;
            break;
        case Z3_OP_GE:  // s >= k  is  s > k - 1
            op = Literal::Op::Gt;
            k -= 1;
            break;
        case Z3_OP_LT:
            op = Literal::Op::Lt;
            break;
        case Z3_OP_GT:
            op = Literal::Op::Gt;
            break;
        case Z3_OP_EQ:
            op = Literal::Op::Eq;
            break;
        default:
            return std::nullopt;
        }
        if (negated) {  // !(s == k) is s != k; !(s > k) is s < k + 1; !(s < k) is s > k - 1
            switch (op) {
            case Literal::Op::Eq:
                op = Literal::Op::Ne;
                break;
            case Literal::Op::Ne:
                op = Literal::Op::Eq;
                break;
            case Literal::Op::Gt:
                op = Literal::Op::Lt;
                k += 1;
                break;
            case Literal::Op::Lt:
                op = Literal::Op::Gt;
                k -= 1;
                break;
            }
        }
        auto fits = [](Wide x) {
            return x >= std::numeric_limits<std::int64_t>::min() && x <= std::numeric_limits<std::int64_t>::max();
        };
        if (!fits(k)) {
            return std::nullopt;
        }
        Literal l{op, {}, static_cast<std::int64_t>(k)};
        for (const auto& [param, coefficient] : terms) {
            if (!fits(coefficient)) {
                return std::nullopt;
            }
            l.terms.push_back({static_cast<std::int64_t>(coefficient), param});
        }
        return normalise_literal(std::move(l));
    }

    /// A literal in model syntax by the printer of both engines, plus its structured form, when it
    /// is linear in the parameters; otherwise Z3's term in the closest syntax, saying that it is not
    /// model syntax (e.g. a divisibility constraint left by quantifier elimination).
    std::pair<std::string, std::optional<Literal>> describe(const z3::expr& lit) const {
        if (auto l = as_literal(lit)) {
            return {format_literal(m_, *l), l};
        }
        return {fmt::format("{} /* not model syntax: not linear in the parameters */", model_syntax(lit)),
                std::nullopt};
    }

    /// A quantifier-free Z3 term over the parameters written in (nearly) model syntax; used for
    /// literals that are not a single parameter compared with a constant (e.g. `n > m`).
    std::string model_syntax(const z3::expr& e) const {
        if (e.is_numeral()) {
            int64_t v = 0;
            return e.is_numeral_i64(v) ? std::to_string(v) : e.to_string();
        }
        if (e.is_const()) {
            return name_of(e);
        }
        if (!e.is_app()) {
            return e.to_string();
        }
        Z3_decl_kind k = e.decl().decl_kind();
        auto join = [&](const char* op) {
            std::string out;
            for (unsigned i = 0; i < e.num_args(); ++i) {
                std::string arg = model_syntax(e.arg(i));
                bool paren = e.arg(i).is_app() && e.arg(i).num_args() > 1 && !e.arg(i).is_numeral();
                out += (i ? std::string(" ") + op + " " : "") + (paren ? "(" + arg + ")" : arg);
            }
            return out;
        };
        switch (k) {
        case Z3_OP_TRUE:
            return "true";
        case Z3_OP_FALSE:
            return "false";
        case Z3_OP_NOT: {
            z3::expr a = e.arg(0);
            if (a.is_app() && a.num_args() == 2) {
                static const std::map<Z3_decl_kind, const char*> kNegated = {
                    {Z3_OP_LE, ">"}, {Z3_OP_GE, "<"}, {Z3_OP_LT, ">="}, {Z3_OP_GT, "<="}, {Z3_OP_EQ, "!="}};
                auto it = kNegated.find(a.decl().decl_kind());
                if (it != kNegated.end()) {
                    return model_syntax(a.arg(0)) + " " + it->second + " " + model_syntax(a.arg(1));
                }
            }
            return "!(" + model_syntax(a) + ")";
        }
        case Z3_OP_AND:
            return join("&&");
        case Z3_OP_OR:
            return join("||");
        case Z3_OP_IMPLIES:
            return join("->");
        case Z3_OP_LE:
            return join("<=");
        case Z3_OP_GE:
            return join(">=");
        case Z3_OP_LT:
            return join("<");
        case Z3_OP_GT:
            return join(">");
        case Z3_OP_EQ:
            return join("==");
        case Z3_OP_ADD:
            return join("+");
        case Z3_OP_SUB:
            return join("-");
        case Z3_OP_MUL:
            return join("*");
        case Z3_OP_UMINUS:
            return "-" + model_syntax(e.arg(0));
        default:
            return e.to_string();
        }
    }

    Condition to_dnf(const z3::expr& cond) {
        Condition result;
        result.literals.emplace();
        if (implies(configurations(), cond)) {
            result.cubes.emplace_back();
            result.literals->emplace_back();
            return result;
        }
        // candidate literals: every parameter (bool, or enum/int equal to its model value is
        // too fine for ints: those use the arithmetic atoms of the condition instead)
        std::vector<z3::expr> atoms;
        collect_atoms(cond, atoms);
        std::vector<z3::expr> cubes_z3;
        z3::expr covered = ctx_.bool_val(false);
        while (true) {
            solvers_.check_deadline();
            z3::solver s = solvers_.solver();
            s.add(cond && !covered);
            // smallest valuation first (false < true, low < high), as the explicit engine
            std::vector<z3::expr> lits;
            for (unsigned i = 0; i < enc_.params().size(); ++i) {
                z3::expr p = enc_.params()[static_cast<int>(i)];
                const Type& type = m_.parameters[i].type;
                if (type.kind == TypeKind::Int) {
                    continue;
                }
                bool fixed = false;
                for (int64_t val = type.lo; val <= type.hi && !fixed; ++val) {
                    z3::expr lit = p.is_bool() ? (val ? p : !p) : p == ctx_.int_val(val);
                    s.push();
                    s.add(lit);
                    if (solvers_.decide(s, "while writing a condition")) {
                        fixed = true;
                        lits.push_back(lit);
                    } else {
                        s.pop();
                    }
                }
            }
            if (!solvers_.decide(s, "while writing a condition")) {
                break;
            }
            z3::model model = s.get_model();
            for (const z3::expr& a : atoms) {
                lits.push_back(model.eval(a, true).is_true() ? a : !a);
            }
            // widen: drop literals, last first, while (cube && constraints) still implies cond
            for (std::size_t k = lits.size(); k-- > 0;) {
                solvers_.check_deadline();
                z3::expr rest = ctx_.bool_val(true);
                for (std::size_t j = 0; j < lits.size(); ++j) {
                    if (j != k) {
                        rest = rest && lits[j];
                    }
                }
                if (implies(configurations() && rest, cond)) {
                    lits.erase(lits.begin() + static_cast<std::ptrdiff_t>(k));
                }
            }
            z3::expr cube = ctx_.bool_val(true);
            for (const auto& l : lits) {
                cube = cube && l;
            }
            // give back literals of non-int parameters that the constraints force inside the cube
            for (unsigned i = 0; i < enc_.params().size(); ++i) {
                z3::expr p = enc_.params()[static_cast<int>(i)];
                if (m_.parameters[i].type.kind != TypeKind::Bool) {
                    continue;
                }
                bool present = std::any_of(lits.begin(), lits.end(), [&](const z3::expr& l) {
                    return z3::eq(l, p) || (l.is_app() && l.decl().decl_kind() == Z3_OP_NOT && z3::eq(l.arg(0), p));
                });
                if (present) {
                    continue;
                }
                if (implies(configurations() && cube, p)) {
                    lits.push_back(p);
                } else if (implies(configurations() && cube, !p)) {
                    lits.push_back(!p);
                }
            }
            cube = ctx_.bool_val(true);
            for (const auto& l : lits) {
                cube = cube && l;
            }
            covered = covered || cube;
            cubes_z3.push_back(cube);
            // order literals by parameter for reading
            std::vector<std::pair<std::size_t, std::pair<std::string, std::optional<Literal>>>> described;
            for (const auto& l : lits) {
                auto d = describe(l);
                std::size_t order =
                    d.second && !d.second->terms.empty() ? d.second->terms.front().param : enc_.params().size();
                described.emplace_back(order, std::move(d));
            }
            // by parameter; on one parameter a lower bound before an upper one ("h > 300 && h < 601"),
            // as the explicit engine writes intervals
            auto rank = [](const auto& d) { return d.second.second && d.second.second->op == Literal::Op::Lt ? 1 : 0; };
            std::stable_sort(described.begin(), described.end(), [&](const auto& a, const auto& b) {
                return a.first != b.first ? a.first < b.first : rank(a) < rank(b);
            });
            std::vector<std::string> texts;
            std::vector<Literal> structured;
            bool all_structured = true;
            for (auto& [order, d] : described) {
                texts.push_back(d.first);
                if (d.second) {
                    structured.push_back(*d.second);
                } else {
                    all_structured = false;
                }
            }
            result.cubes.push_back(std::move(texts));
            if (all_structured && result.literals) {
                result.literals->push_back(std::move(structured));
            } else {
                result.literals.reset();
            }
        }
        // drop cubes that the others already cover (a later, wider cube can cover earlier ones)
        for (std::size_t k = cubes_z3.size(); k-- > 0 && cubes_z3.size() > 1;) {
            z3::expr others = ctx_.bool_val(false);
            for (std::size_t j = 0; j < cubes_z3.size(); ++j) {
                if (j != k) {
                    others = others || cubes_z3[j];
                }
            }
            if (implies(configurations() && cubes_z3[k], others)) {
                cubes_z3.erase(cubes_z3.begin() + static_cast<std::ptrdiff_t>(k));
                result.cubes.erase(result.cubes.begin() + static_cast<std::ptrdiff_t>(k));
                if (result.literals) {
                    result.literals->erase(result.literals->begin() + static_cast<std::ptrdiff_t>(k));
                }
            }
        }
        return result;
    }

    // ---- witnesses ---------------------------------------------------------------------------
    /// Runs the explicit engine under one configuration satisfying each finding's condition and
    /// takes its witness for the same finding.
    /// A finding whose witness cannot be computed keeps its verdict; the missing witness is an
    /// undecided item.
    void attach_witnesses(CheckResult& result) {
        std::map<std::string, CheckResult> cache;
        std::vector<std::string> failed;
        for (Finding& f : result.findings) {
            auto it = formulas_.find(f.id);
            if (it == formulas_.end() || f.kind == FindingKind::UnreachableState) {
                continue;
            }
            progress_.report([&] { return fmt::format("witness of '{}'", f.id); });
            try {
                // the explicit run below has no deadline of its own: none starts after it
                solvers_.check_deadline();
                attach_witness(f, it->second, cache);
            } catch (...) {
                failed.push_back(fmt::format("witness of '{}': {}", f.id, failure_reason()));
            }
        }
        result.unknown.insert(result.unknown.end(), failed.begin(), failed.end());
    }

    /// The smallest configuration satisfying `formula` (docs/semantics.md, "Witnesses"): the first
    /// parameter as small as possible, then the second, and so on (false < true, enum literals in
    /// declaration order, ints by value), as the explicit engine's enumeration order has it. Found
    /// with Z3's optimizer (lexicographic objectives, one per parameter) within the time limit; when
    /// that does not finish, any configuration of `formula`, and `note` says so.
    std::vector<int64_t> smallest_configuration(const z3::expr& formula, std::string& note) {
        z3::expr_vector objectives(ctx_);
        for (unsigned i = 0; i < enc_.params().size(); ++i) {
            z3::expr p = enc_.params()[static_cast<int>(i)];
            objectives.push_back(p.is_bool() ? z3::ite(p, ctx_.int_val(1), ctx_.int_val(0)) : p);
        }
        std::optional<z3::model> model;
        try {
            z3::optimize o = solvers_.optimizer();
            o.add(formula);
            for (unsigned i = 0; i < objectives.size(); ++i) {
                o.minimize(objectives[static_cast<int>(i)]);  // the default priority is lexicographic
            }
            if (solvers_.decide(o, "while looking for the smallest configuration")) {
                model = o.get_model();
            }
        } catch (...) {
            note = fmt::format("the configuration is not necessarily the smallest one of the condition: {}",
                               failure_reason());
        }
        if (!model) {
            z3::solver s = solvers_.solver();
            s.add(formula);
            if (!solvers_.decide(s, "for a configuration of the condition")) {
                throw Undecided{"the condition has no configuration"};  // add() kept only satisfiable ones
            }
            model = s.get_model();
        }
        std::vector<int64_t> values;
        for (unsigned i = 0; i < enc_.params().size(); ++i) {
            z3::expr val = model->eval(enc_.params()[static_cast<int>(i)], true);
            int64_t v = 0;
            if (val.is_bool()) {
                v = val.is_true() ? 1 : 0;
            } else if (!val.is_numeral_i64(v)) {
                throw Undecided{fmt::format("the value of '{}' in the configuration is not a 64-bit integer",
                                            m_.parameters[i].name)};
            }
            values.push_back(v);
        }
        return values;
    }

    void attach_witness(Finding& f, const z3::expr& formula, std::map<std::string, CheckResult>& cache) {
        std::string note;
        std::vector<int64_t> values = smallest_configuration(formula, note);
        CheckOptions single = options_;
        single.engine = Engine::Explicit;
        single.fixed.assign(m_.parameters.size(), std::nullopt);
        if (auto left = solvers_.remaining_ms()) {
            single.time_limit_ms = *left;  // the explicit run ends at this run's deadline too
        }
        std::string key;
        for (std::size_t i = 0; i < values.size(); ++i) {
            single.fixed[i] = values[i];
            key += std::to_string(values[i]) + ",";
        }
        auto found = cache.find(key);
        if (found == cache.end()) {
            found = cache.emplace(key, check_explicit(m_, single)).first;
        }
        for (const Finding& g : found->second.findings) {
            if (g.id == f.id && g.witness) {
                f.witness = g.witness;
                if (!note.empty()) {
                    f.witness->notes.push_back(note);
                }
            }
        }
        if (!f.witness && !found->second.unknown.empty()) {
            throw Undecided{
                fmt::format("the interpreter's run for it did not finish: {}", found->second.unknown.front())};
        }
    }

    const Model& m_;
    const ExprPtr goal_{m_.goal()};                ///< Model::goal(), what recovery aims at by default
    const std::string goal_text_{m_.goal_text()};  ///< how findings name it
    const CheckOptions& options_;
    z3::context ctx_{};
    SolverFactory solvers_;
    Encoder enc_;
    z3::expr configs_;
    z3::expr domains_{ctx_};
    std::vector<z3::expr> reach_{};
    std::map<std::size_t, z3::expr> out_of_range_{};
    std::map<std::string, z3::expr> formulas_{};
    std::optional<z3::solver> solver_{};
    std::optional<z3::expr> initial_out_of_range_{};
    std::optional<z3::expr> all_configs_{};  ///< configurations including those without a run
    std::string within_blocked_{};           ///< why `within` is not checked (empty: it is)
    std::map<std::string, std::vector<z3::expr>> backward_cache_{};
    Progress progress_;
};

/// The explicit engine's condition as a Z3 formula (structured literals only).
std::optional<z3::expr> encode_condition(z3::context& ctx, detail::Encoder& enc, const Condition& c) {
    if (!c.literals) {
        return std::nullopt;
    }
    z3::expr any = ctx.bool_val(false);
    for (const auto& cube : *c.literals) {
        z3::expr all = ctx.bool_val(true);
        for (const Literal& l : cube) {
            if (auto single = l.single(); single && enc.params()[static_cast<int>(*single)].is_bool()) {
                z3::expr p = enc.params()[static_cast<int>(*single)];
                z3::expr lit = l.value ? p : !p;
                all = all && (l.op == Literal::Op::Ne ? !lit : lit);
                continue;
            }
            z3::expr sum = ctx.int_val(0);
            for (const Literal::Term& t : l.terms) {
                sum = sum + ctx.int_val(static_cast<int64_t>(t.coefficient)) * enc.params()[static_cast<int>(t.param)];
            }
            z3::expr k = ctx.int_val(static_cast<int64_t>(l.value));
            switch (l.op) {
            case Literal::Op::Eq:
                all = all && sum == k;
                break;
            case Literal::Op::Ne:
                all = all && sum != k;
                break;
            case Literal::Op::Gt:
                all = all && sum > k;
                break;
            case Literal::Op::Lt:
                all = all && sum < k;
                break;
            }
        }
        any = any || all;
    }
    return any;
}

}  // namespace

namespace detail {

ConditionDifference compare_conditions(const model::Model& model, const Condition& a, const Condition& b,
                                       const CheckOptions& options) {
    ConditionDifference result;
    try {
        SymbolicEngine engine{model, options};
        auto ea = encode_condition(engine.ctx(), engine.encoder(), a);
        auto eb = encode_condition(engine.ctx(), engine.encoder(), b);
        if (!ea || !eb) {
            result.why = "a condition is not linear in the parameters";
            return result;
        }
        std::tie(result.a_not_b, result.a_not_b_configuration) = engine.difference(*ea, *eb);
        std::tie(result.b_not_a, result.b_not_a_configuration) = engine.difference(*eb, *ea);
        result.decided = true;
    } catch (...) {
        result.why = failure_reason();
    }
    return result;
}

}  // namespace detail

namespace detail {

Z3Run run_z3(const model::Model& model, const CheckOptions& options, const CheckResult* reference) {
    if (!model.event_properties.empty()) {  // checked as the invariants of their monitors
        return run_z3(model::instrument_event_properties(model), options, reference);
    }
    Z3Run run;
    try {
        SymbolicEngine engine{model, options};
        run.result = engine.run(run.gave_up);
        if (run.gave_up || !reference) {
            return run;
        }
        std::map<std::string, const Finding*> by_id;
        for (const auto& f : reference->findings) {
            by_id[f.id] = &f;
        }
        for (const auto& f : run.result.findings) {
            auto it = by_id.find(f.id);
            auto formula = engine.formulas().find(f.id);
            if (it == by_id.end() || formula == engine.formulas().end()) {
                continue;
            }
            auto& agreement = run.agreement[f.id];
            try {
                engine.solvers().check_deadline();
                auto encoded = encode_condition(engine.ctx(), engine.encoder(), it->second->condition);
                if (!encoded) {
                    agreement = Agreement::Incomparable;
                    continue;
                }
                z3::solver s = engine.solvers().solver();
                s.add(engine.configurations() && (formula->second != *encoded));
                agreement = engine.solvers().decide(s, "comparing conditions") ? Agreement::Differ : Agreement::Same;
            } catch (...) {
                agreement = Agreement::Unknown;
            }
        }
    } catch (...) {
        // the engine failed outside every analysis (e.g. while building the encoder, or out of
        // memory while unwinding): nothing it found is trusted
        run.result = CheckResult{};
        run.result.model_name = model.name;
        run.result.engine = Engine::Z3;
        run.result.symbolic = true;
        run.result.unknown.push_back("the z3 engine failed: " + failure_reason());
        mark_all_unchecked(run.result);
        run.gave_up = true;
        run.agreement.clear();
    }
    return run;
}

void progress_line(const CheckOptions& options, const std::string& line) {
    if (options.progress) {
        options.progress(line);
    } else {
        std::cerr << line << std::endl;
    }
}

}  // namespace detail

CheckResult check_z3(const model::Model& model, const CheckOptions& options) {
    return detail::run_z3(model, options, nullptr).result;
}

}  // namespace lwm2mc::checker
