// SPDX-License-Identifier: Apache-2.0
// The symbolic engine. Sets of product states are formulas R_s(P, V) per control state over the
// parameters P and variables V, so one fixpoint covers every configuration at once:
//   forward:  R_s' |= exists V0. R_s(P, V0) && guard(P, V0) && V = update(P, V0)   (QE)
//   backward: B_s  |= guard(P, V) && B_s'(P, update(P, V))                      (substitution)
// A finding's condition is the parameter formula  exists V. R_s && <bad>  (QE), written as an
// irredundant DNF. Termination: variables range over finite domains, so each fixpoint reaches a
// formula that implies nothing new (checked with the solver). An `unknown` from Z3 is never read
// as "no finding": it becomes an undecided item.

#include "lwm2mc/checker/check.hpp"
#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/printer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <set>

#include "encoder.hpp"

namespace lwm2mc::checker {

namespace {

using namespace model;
using detail::Encoder;

/// Thrown when Z3 answers `unknown` (timeout, incompleteness) inside one analysis.
struct Undecided {
    std::string why;
};

class SymbolicEngine {
public:
    SymbolicEngine(const Model& m, const CheckOptions& options)
        : m_{m}, options_{options}, enc_{ctx_, m}, configs_{ctx_} {}

    CheckResult run() {
        CheckResult result;
        result.model_name = m_.name;
        result.engine = options_.engine;
        result.symbolic = true;
        configs_ = enc_.configurations();
        for (std::size_t i = 0; i < options_.fixed.size() && i < m_.parameters.size(); ++i) {
            if (options_.fixed[i]) {
                z3::expr p = enc_.params()[static_cast<int>(i)];
                configs_ = configs_ && (p.is_bool() ? p == ctx_.bool_val(*options_.fixed[i] != 0)
                                                    : p == ctx_.int_val(static_cast<int64_t>(*options_.fixed[i])));
            }
        }
        try {
            if (!satisfiable(configs_)) {
                result.unknown.push_back("the constraints admit no configuration");
                return result;
            }
            forward();
        } catch (const Undecided& u) {
            result.unknown.push_back("reachability: " + u.why);
            return result;
        }
        analyse(result);
        attach_witnesses(result);
        sort_findings(result.findings);
        return result;
    }

    /// The condition formula of each finding, by id (for cross-checking).
    const std::map<std::string, z3::expr>& formulas() const { return formulas_; }
    z3::context& ctx() { return ctx_; }
    Encoder& encoder() { return enc_; }
    const z3::expr& configurations() const { return all_configs_ ? *all_configs_ : configs_; }

private:
    // ---- solver helpers ----------------------------------------------------------------------
    /// One solver for the whole run (creating solvers is the dominant cost otherwise).
    z3::check_result check(const z3::expr& e) {
        if (!solver_) {
            solver_.emplace(ctx_, "QF_LIA");
            z3::params p(ctx_);
            p.set("timeout", options_.solver_timeout_ms);
            solver_->set(p);
        }
        solver_->push();
        solver_->add(e);
        z3::check_result r = solver_->check();
        solver_->pop();
        return r;
    }

    bool satisfiable(const z3::expr& e) {
        switch (check(e)) {
        case z3::sat:
            return true;
        case z3::unsat:
            return false;
        case z3::unknown:
            break;
        }
        throw Undecided{"Z3 answered unknown (time limit or incompleteness)"};
    }

    bool implies(const z3::expr& a, const z3::expr& b) { return !satisfiable(a && !b); }

    /// The rewriter: cheap, used inside fixpoints (implication checks keep them exact).
    z3::expr simplify(const z3::expr& e) { return e.simplify(); }

    /// Contextual simplification, for formulas that are shown or kept.
    z3::expr simplify_deep(const z3::expr& e) {
        z3::goal g(ctx_);
        g.add(e);
        z3::tactic t = z3::try_for(z3::tactic(ctx_, "simplify") & z3::tactic(ctx_, "propagate-values") &
                                       z3::tactic(ctx_, "ctx-simplify"),
                                   options_.solver_timeout_ms);
        return conjoin(t.apply(g), e);
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
        z3::tactic qe = z3::try_for(z3::tactic(ctx_, "qe") & z3::tactic(ctx_, "simplify"), options_.solver_timeout_ms);
        std::optional<z3::apply_result> r;
        try {
            r.emplace(qe.apply(g));
        } catch (const z3::exception& e) {
            throw Undecided{std::string("quantifier elimination stopped (") + e.msg() + ")"};
        }
        z3::expr out = conjoin(*r, body);
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
        while (!work.empty()) {
            std::size_t s = work.front();
            work.pop_front();
            queued[s] = false;
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
        while (!work.empty()) {
            std::size_t s2 = work.front();
            work.pop_front();
            queued[s2] = false;
            std::map<std::size_t, z3::expr> grouped;  // one implication check per source
            for (TransitionId tid : m_.in_transitions(StateId{s2})) {
                const Transition& t = m_.transition(tid);
                if (!actors.contains(t.actor)) {
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
    void add(CheckResult& result, const std::string& id, FindingKind kind, Severity severity, std::string subject,
             SourceRange range, std::string message, const z3::expr& condition, bool without_run = false) {
        // findings are about configurations that have a run, except the one saying they have none
        z3::expr cond = simplify(condition && (without_run ? configurations() : configs_));
        if (cond.is_false()) {
            return;
        }
        if (!satisfiable(cond)) {
            return;
        }
        Finding f = make_finding(id, kind, severity, std::move(subject), std::move(range), std::move(message));
        f.condition = to_dnf(cond);
        formulas_.emplace(id, cond);
        result.findings.push_back(std::move(f));
    }

    /// Runs one analysis; an `unknown` answer becomes an undecided item instead of a verdict.
    template <class F>
    void guarded(CheckResult& result, const std::string& what, F&& body) {
        try {
            body();
        } catch (const Undecided& u) {
            result.unknown.push_back(what + ": " + u.why);
        }
    }

    void analyse(CheckResult& result) {
        const z3::expr_vector& v = enc_.vars();
        std::size_t n = m_.state_count();
        std::vector<z3::expr> reachable_params;
        for (std::size_t s = 0; s < n; ++s) {
            reachable_params.push_back(exists_vars(reach_[s]));
        }
        for (std::size_t s = 0; s < n; ++s) {
            const State& st = m_.state(StateId{s});
            guarded(result, "state '" + st.name + "'", [&] {
                z3::expr unreachable = configs_ && !reachable_params[s];
                bool always = !satisfiable(configs_ && reachable_params[s]);
                add(result, "unreachable-state:" + st.name, FindingKind::UnreachableState,
                    always ? Severity::Warning : Severity::Note, st.name, st.range,
                    fmt::format("state '{}' is unreachable{}", st.name,
                                always ? " in every configuration" : " in some configurations"),
                    unreachable);
                if (!st.final) {
                    z3::expr none_enabled = reach_[s];
                    for (TransitionId tid : m_.out_transitions(StateId{s})) {
                        none_enabled = none_enabled && !enc_.encode_or(m_.transition(tid).guard, v, StateId{s}, true);
                    }
                    add(result, "deadlock:" + st.name, FindingKind::Deadlock, Severity::Error, st.name, st.range,
                        fmt::format("state '{}' can deadlock: no transition is enabled", st.name),
                        exists_vars(none_enabled));
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
                        z3::expr both = reach_[s] && enc_.encode_or(a.guard, v, StateId{s}, true) &&
                                        enc_.encode_or(b.guard, v, StateId{s}, true);
                        add(result, fmt::format("ambiguity:{}|{}", first.name, second.name), FindingKind::Ambiguity,
                            Severity::Warning, fmt::format("{} / {}", first.name, second.name), second.range,
                            fmt::format("'{}' and '{}' both leave '{}' on '{}' and can be enabled together; mark them "
                                        "'by choice' if the spec leaves the choice to the client",
                                        first.name, second.name, st.name, m_.events[a.event.index()].name),
                            exists_vars(both));
                    }
                }
            });
        }
        if (initial_out_of_range_) {
            add(result, "evaluation-error:initial", FindingKind::EvaluationError, Severity::Error, "initial values",
                m_.state(m_.initial_state()).range, "an initial value is outside its variable's range",
                *initial_out_of_range_, true);
        }
        // durations must not be negative: a finding, and `within` is not checked
        bool negative = false;
        for (std::size_t i = 0; i < m_.transition_count(); ++i) {
            const Transition& t = m_.transition(TransitionId{i});
            if (!t.duration) {
                continue;
            }
            z3::expr d = enc_.encode(*t.duration, v, t.source);
            z3::expr bad = reach_[t.source.index()] && enc_.encode_or(t.guard, v, t.source, true) && d < 0;
            if (satisfiable(bad)) {
                negative = true;
                add(result, "evaluation-error:duration:" + t.name, FindingKind::EvaluationError, Severity::Error,
                    t.name, t.duration->range, fmt::format("transition '{}' can take a negative duration", t.name),
                    exists_vars(bad));
            }
        }
        within_ok_ = !negative;
        for (const auto& [index, cond] : out_of_range_) {
            const Transition& t = m_.transition(TransitionId{index});
            add(result, "evaluation-error:" + t.name, FindingKind::EvaluationError, Severity::Error, t.name, t.range,
                fmt::format("transition '{}' can assign a value outside a variable's range", t.name), cond);
        }
        guarded(result, "no-recovery", [&] {
            const auto& back = backward_cached(nullptr, options_.reliance);
            for (std::size_t s = 0; s < n; ++s) {
                const State& st = m_.state(StateId{s});
                add(result, "no-recovery:" + st.name, FindingKind::NoRecovery, Severity::Error, st.name, st.range,
                    fmt::format("no recovery from state '{}': no path relying on {} leads back to a goal state",
                                st.name, options_.reliance.to_string()),
                    exists_vars(reach_[s] && !back[s]));
            }
        });
        for (const Property& p : m_.properties) {
            guarded(result, "property '" + p.name + "'", [&] { check_property(result, p); });
        }
    }

    std::vector<z3::expr> per_state(const ExprPtr& e, bool goal_if_null, bool absent) {
        std::vector<z3::expr> out;
        for (std::size_t s = 0; s < m_.state_count(); ++s) {
            out.push_back(e ? enc_.encode(*e, enc_.vars(), StateId{s})
                            : ctx_.bool_val(goal_if_null ? m_.state(StateId{s}).goal : absent));
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
            add(result, "invariant:" + p.name, FindingKind::Invariant, Severity::Error, p.name, p.range,
                fmt::format("invariant '{}' is violated", p.name), bad);
            return;
        }
        case PropertyKind::Reachable: {
            auto target = per_state(p.expr, false, true);
            z3::expr reached = ctx_.bool_val(false);
            for (std::size_t s = 0; s < n; ++s) {
                reached = reached || exists_vars(reach_[s] && target[s]);
            }
            add(result, "reachable:" + p.name, FindingKind::Reachable, Severity::Error, p.name, p.range,
                fmt::format("'{}' is never reached", format_expr(*p.expr)), !reached);
            return;
        }
        case PropertyKind::Recover: {
            auto from = per_state(p.from, false, true);
            const auto& back = backward_cached(p.to, p.reliance);
            for (std::size_t s = 0; s < n; ++s) {
                bad = bad || exists_vars(reach_[s] && from[s] && !back[s]);
            }
            add(result, "recover:" + p.name, FindingKind::Recover, Severity::Error, p.name, p.range,
                fmt::format("recover property '{}' fails: no path relying on {} reaches {}", p.name,
                            p.reliance.to_string(), p.to ? format_expr(*p.to) : std::string("a goal state")),
                bad);
            return;
        }
        case PropertyKind::Within: {
            if (!within_ok_) {
                result.unknown.push_back(fmt::format(
                    "within property '{}': a transition can take a negative duration; not checked", p.name));
                result.unchecked.push_back(FindingKind::Within);
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
            add(result, "within:" + p.name, FindingKind::Within, Severity::Error, p.name, p.range,
                fmt::format("within property '{}' fails: {} is not reached within {} s", p.name,
                            p.to ? format_expr(*p.to) : std::string("a goal state"),
                            p.expr->op == Op::Const ? fmt::format("{} ({})", p.expr->name, p.expr->value)
                                                    : format_expr(*p.expr)),
                bad);
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
    void collect_atoms(const z3::expr& e, std::vector<z3::expr>& atoms) const {
        if (e.is_app()) {
            Z3_decl_kind k = e.decl().decl_kind();
            if (k == Z3_OP_LE || k == Z3_OP_GE || k == Z3_OP_LT || k == Z3_OP_GT ||
                (k == Z3_OP_EQ && e.arg(0).is_int())) {
                if (std::none_of(atoms.begin(), atoms.end(), [&](const z3::expr& a) { return z3::eq(a, e); })) {
                    atoms.push_back(e);
                }
                return;
            }
            for (unsigned i = 0; i < e.num_args(); ++i) {
                collect_atoms(e.arg(i), atoms);
            }
        }
    }

    /// A literal in model syntax, plus its structured form when it is `param op constant`.
    std::pair<std::string, std::optional<Literal>> describe(const z3::expr& lit) {
        bool negated = lit.is_app() && lit.decl().decl_kind() == Z3_OP_NOT;
        z3::expr atom = negated ? lit.arg(0) : lit;
        if (auto p = param_index(atom)) {
            return {(negated ? "!" : "") + m_.parameters[*p].name, Literal{Literal::Op::Eq, *p, negated ? 0 : 1}};
        }
        Z3_decl_kind k = atom.decl().decl_kind();
        // normalise "param op k" / "k op param" (Z3 writes bounds both ways)
        auto p0 = param_index(atom.arg(0));
        auto p1 = atom.num_args() > 1 ? param_index(atom.arg(1)) : std::nullopt;
        int64_t value = 0;
        if (atom.num_args() == 2 &&
            ((p0 && atom.arg(1).is_numeral_i64(value)) || (p1 && atom.arg(0).is_numeral_i64(value)))) {
            std::size_t p = p0 ? *p0 : *p1;
            bool flipped = !p0;
            // x <= k  ==  x < k+1 ; x >= k == x > k-1 ; flipped: k <= x == x > k-1 ; k >= x == x < k+1
            Literal l{Literal::Op::Eq, p, value};
            switch (k) {
            case Z3_OP_LE:
                l = flipped ? Literal{Literal::Op::Gt, p, value - 1} : Literal{Literal::Op::Lt, p, value + 1};
                break;
            case Z3_OP_GE:
                l = flipped ? Literal{Literal::Op::Lt, p, value + 1} : Literal{Literal::Op::Gt, p, value - 1};
                break;
            case Z3_OP_LT:
                l = flipped ? Literal{Literal::Op::Gt, p, value} : Literal{Literal::Op::Lt, p, value};
                break;
            case Z3_OP_GT:
                l = flipped ? Literal{Literal::Op::Lt, p, value} : Literal{Literal::Op::Gt, p, value};
                break;
            case Z3_OP_EQ:
                l = Literal{Literal::Op::Eq, p, value};
                break;
            default:
                break;
            }
            if (negated) {
                switch (l.op) {
                case Literal::Op::Eq:
                    l.op = Literal::Op::Ne;
                    break;
                case Literal::Op::Ne:
                    l.op = Literal::Op::Eq;
                    break;
                case Literal::Op::Gt:
                    l = {Literal::Op::Lt, p, l.value + 1};
                    break;  // !(x > k) == x < k+1
                case Literal::Op::Lt:
                    l = {Literal::Op::Gt, p, l.value - 1};
                    break;  // !(x < k) == x > k-1
                }
            }
            const Parameter& param = m_.parameters[p];
            static const char* kOps[] = {"==", "!=", ">", "<"};
            std::string shown =
                param.type.kind == TypeKind::Enum && (l.op == Literal::Op::Eq || l.op == Literal::Op::Ne)
                    ? m_.format_value(param.type, l.value)
                    : std::to_string(l.value);
            return {fmt::format("{} {} {}", param.name, kOps[static_cast<int>(l.op)], shown), l};
        }
        return {model_syntax(lit), std::nullopt};
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
            z3::solver s(ctx_);
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
                    if (s.check() == z3::sat) {
                        fixed = true;
                        lits.push_back(lit);
                    } else {
                        s.pop();
                    }
                }
            }
            z3::check_result r = s.check();
            if (r == z3::unsat) {
                break;
            }
            if (r == z3::unknown) {
                throw Undecided{"Z3 answered unknown while writing a condition"};
            }
            z3::model model = s.get_model();
            for (const z3::expr& a : atoms) {
                lits.push_back(model.eval(a, true).is_true() ? a : !a);
            }
            // widen: drop literals, last first, while (cube && constraints) still implies cond
            for (std::size_t k = lits.size(); k-- > 0;) {
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
                std::size_t order = d.second ? d.second->param : enc_.params().size();
                described.emplace_back(order, std::move(d));
            }
            std::stable_sort(described.begin(), described.end(),
                             [](const auto& a, const auto& b) { return a.first < b.first; });
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
    void attach_witnesses(CheckResult& result) {
        std::map<std::string, CheckResult> cache;
        for (Finding& f : result.findings) {
            auto it = formulas_.find(f.id);
            if (it == formulas_.end() || f.kind == FindingKind::UnreachableState) {
                continue;
            }
            z3::solver s(ctx_);
            s.add(it->second);
            if (s.check() != z3::sat) {
                continue;
            }
            z3::model model = s.get_model();
            CheckOptions single = options_;
            single.engine = Engine::Explicit;
            single.fixed.assign(m_.parameters.size(), std::nullopt);
            std::string key;
            for (unsigned i = 0; i < enc_.params().size(); ++i) {
                z3::expr val = model.eval(enc_.params()[static_cast<int>(i)], true);
                int64_t v = 0;
                if (val.is_bool()) {
                    v = val.is_true() ? 1 : 0;
                } else {
                    val.is_numeral_i64(v);
                }
                single.fixed[i] = v;
                key += std::to_string(v) + ",";
            }
            auto found = cache.find(key);
            if (found == cache.end()) {
                found = cache.emplace(key, check_explicit(m_, single)).first;
            }
            for (const Finding& g : found->second.findings) {
                if (g.id == f.id && g.witness) {
                    f.witness = g.witness;
                }
            }
        }
    }

    const Model& m_;
    const CheckOptions& options_;
    z3::context ctx_{};
    Encoder enc_;
    z3::expr configs_;
    z3::expr domains_{ctx_};
    std::vector<z3::expr> reach_{};
    std::map<std::size_t, z3::expr> out_of_range_{};
    std::map<std::string, z3::expr> formulas_{};
    std::optional<z3::solver> solver_{};
    std::optional<z3::expr> initial_out_of_range_{};
    std::optional<z3::expr> all_configs_{};  ///< configurations including those without a run
    bool within_ok_{true};
    std::map<std::string, std::vector<z3::expr>> backward_cache_{};
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
            z3::expr p = enc.params()[static_cast<int>(l.param)];
            if (p.is_bool()) {
                z3::expr lit = l.value ? p : !p;
                all = all && (l.op == Literal::Op::Ne ? !lit : lit);
                continue;
            }
            z3::expr k = ctx.int_val(static_cast<int64_t>(l.value));
            switch (l.op) {
            case Literal::Op::Eq:
                all = all && p == k;
                break;
            case Literal::Op::Ne:
                all = all && p != k;
                break;
            case Literal::Op::Gt:
                all = all && p > k;
                break;
            case Literal::Op::Lt:
                all = all && p < k;
                break;
            }
        }
        any = any || all;
    }
    return any;
}

}  // namespace

CheckResult check_z3(const model::Model& model, const CheckOptions& options) {
    try {
        SymbolicEngine engine{model, options};
        CheckResult result = engine.run();
        if (options.engine != Engine::Both) {
            return result;
        }
        // cross-check against the explicit engine, finding by finding
        CheckOptions explicit_options = options;
        explicit_options.engine = Engine::Explicit;
        CheckResult other = check_explicit(model, explicit_options);
        bool z3_undecided = std::any_of(result.unknown.begin(), result.unknown.end(),
                                        [](const std::string& u) { return u.rfind("reachability:", 0) == 0; });
        if (z3_undecided) {
            // Z3 could not compute the reachable states: report the explicit engine's exact
            // per-configuration answer and say that the symbolic engine gave up
            for (auto& u : result.unknown) {
                other.unknown.insert(other.unknown.begin(), "z3 engine: " + u);
            }
            other.engine = Engine::Both;
            return other;
        }
        result.configurations = other.configurations;
        result.product_states = other.product_states;
        for (const auto& u : other.unknown) {
            result.unknown.push_back("explicit engine: " + u);
        }
        if (other.configurations == 0 && !other.unknown.empty()) {
            result.unknown.push_back("no cross-check: the explicit engine could not enumerate the configurations");
            return result;
        }
        std::map<std::string, const Finding*> by_id;
        for (const auto& f : other.findings) {
            by_id[f.id] = &f;
        }
        auto unchecked = [&](FindingKind k) {
            return std::find(other.unchecked.begin(), other.unchecked.end(), k) != other.unchecked.end() ||
                   std::find(result.unchecked.begin(), result.unchecked.end(), k) != result.unchecked.end();
        };
        for (auto& f : result.findings) {
            if (unchecked(f.kind)) {
                continue;  // one engine did not check this kind; that is reported as undecided already
            }
            auto it = by_id.find(f.id);
            if (it == by_id.end()) {
                result.unknown.push_back(
                    fmt::format("engines disagree: only Z3 reports '{}' (when {})", f.id, f.condition.to_string()));
                continue;
            }
            f.configurations = it->second->configurations;
            auto encoded = encode_condition(engine.ctx(), engine.encoder(), it->second->condition);
            const auto& formula = engine.formulas().at(f.id);
            if (encoded) {
                z3::solver s(engine.ctx());
                s.add(engine.configurations() && (formula != *encoded));
                if (s.check() != z3::unsat) {
                    result.unknown.push_back(
                        fmt::format("engines disagree on the condition of '{}': z3 {}; explicit {}", f.id,
                                    f.condition.to_string(), it->second->condition.to_string()));
                }
            }
            by_id.erase(it);
        }
        for (const auto& [id, f] : by_id) {
            if (unchecked(f->kind)) {
                continue;
            }
            result.unknown.push_back(fmt::format("engines disagree: only the explicit engine reports '{}' (when {})",
                                                 id, f->condition.to_string()));
        }
        return result;
    } catch (const z3::exception& e) {
        throw SolverError(std::string("Z3: ") + e.msg());
    }
}

}  // namespace lwm2mc::checker
