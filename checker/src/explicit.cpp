// SPDX-License-Identifier: Apache-2.0
// The explicit-state engine: BFS over product states (state, variables) for every configuration.
// It shares the model's interpreter with test generation and conformance, and is the
// independent cross-check of the symbolic engine.

#include "lwm2mc/checker/check.hpp"
#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/monitor.hpp"
#include "lwm2mc/model/printer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <unordered_map>

#include "catalogue.hpp"
#include "condition.hpp"
#include "parameter_roles.hpp"
#include "progress.hpp"

namespace lwm2mc::checker {

namespace {

using namespace model;

constexpr std::size_t kMaxProductStates = 2'000'000;
/// Progress is reported every this many product states (the deadline is checked every 4096).
constexpr std::uint64_t kProgressEvery = 100'000;

/// An interval of the timing parameter, inclusive.
struct Interval {
    Value lo;
    Value hi;
    friend bool operator==(const Interval&, const Interval&) = default;
    friend auto operator<=>(const Interval&, const Interval&) = default;
};

std::vector<Interval> merge(std::vector<Interval> v) {
    std::sort(v.begin(), v.end());
    std::vector<Interval> out;
    for (const auto& i : v) {
        if (!out.empty() && (out.back().hi == std::numeric_limits<Value>::max() || i.lo <= out.back().hi + 1)) {
            out.back().hi = std::max(out.back().hi, i.hi);
        } else {
            out.push_back(i);
        }
    }
    return out;
}

__extension__ typedef __int128 Wide;

/// Cost a + b*h of a path, h being the timing parameter (b = 0 without one).
struct Cost {
    Wide a;
    Wide b;
};

struct Edge {
    std::uint32_t to;
    TransitionId via;
    Cost cost;
};

struct Node {
    ProductState ps;
    std::int64_t parent;
    TransitionId via;
    std::size_t depth;  ///< transitions from the initial state: the length of its witness
};

/// Everything recorded about one finding over all configurations.
struct Accumulator {
    Finding proto;
    std::vector<std::size_t> configs;                     ///< indices into the universe, ascending
    std::map<std::size_t, std::vector<Interval>> timing;  ///< within: violating intervals per config
    std::optional<Witness> witness;
    std::vector<Value> witness_at;  ///< the valuation of all parameters the witness runs under
};

class ExplicitEngine {
public:
    ExplicitEngine(const Model& m, const CheckOptions& options) : m_{m}, interp_{m}, options_{options} {}

    CheckResult run() {
        CheckResult result;
        result.model_name = m_.name;
        result.engine = options_.engine;
        roles_ = classify_parameters(m_, options_);
        timing_param_ = -1;
        std::size_t timing_count = 0;
        for (std::size_t i = 0; i < roles_.timing.size(); ++i) {
            if (roles_.timing[i]) {
                ++timing_count;
                timing_param_ = static_cast<std::int64_t>(i);
            }
        }
        bool has_within = std::any_of(m_.properties.begin(), m_.properties.end(),
                                      [](const Property& p) { return p.kind == PropertyKind::Within; });
        if (timing_count > 1) {
            within_ok_ = false;
            if (has_within) {
                result.unknown.push_back("'within' properties: the explicit engine handles one timing parameter; "
                                         "fix the others with --config");
            }
            timing_param_ = -1;
        }
        if (!enumerate_universe(result)) {
            return result;
        }
        configs_with_run_ = universe_index_.size();
        std::size_t examined = 0;
        for (; examined < universe_index_.size(); ++examined) {
            stopped_ = stopped_ || progress_.past_deadline();
            if (stopped_) {
                break;
            }
            explore(examined, result);
            if (stopped_) {
                break;  // inside this configuration: it is not examined
            }
        }
        if (stopped_) {
            std::vector<std::size_t> rest;
            for (std::size_t k = examined; k < universe_index_.size(); ++k) {
                rest.push_back(k);
            }
            result.unknown.push_back(fmt::format(
                "the run's time limit ({} ms) is reached after {} of {} configurations; the findings and conditions "
                "reported are about those {} only",
                options_.time_limit_ms, examined, universe_index_.size(), examined));
            leave_out(rest, result);
        }
        if (!capped_.empty()) {
            leave_out(capped_, result);
        }
        if (universe_index_.empty()) {
            result.unknown.push_back("the constraints admit no configuration");
        }
        // The valid valuations of the enumerated parameters. A timing parameter is not enumerated
        // (its values are solved as intervals, see check_within), so it does not multiply this count;
        // docs/semantics.md says so, and the findings' counts are over the same configurations.
        result.configurations = universe_index_.size() - left_out_;
        if (timing_param_ >= 0) {
            const Parameter& tp = m_.parameters[static_cast<std::size_t>(timing_param_)];
            result.timing_parameter = fmt::format("{} in {}..{}", tp.name, tp.type.lo, tp.type.hi);
        }
        finish(result);
        return result;
    }

private:
    // ---- configurations ----------------------------------------------------------------------
    bool enumerate_universe(CheckResult& result) {
        const auto& params = m_.parameters;
        std::uint64_t total = 1;
        for (std::size_t i = 0; i < params.size(); ++i) {
            if (roles_.structural[i]) {
                // in unsigned arithmetic (a signed difference overflows for wide domains); 0 means 2^64
                std::uint64_t size =
                    static_cast<std::uint64_t>(params[i].type.hi) - static_cast<std::uint64_t>(params[i].type.lo) + 1U;
                if (size == 0 || total > options_.max_configurations / size) {
                    result.unknown.push_back(fmt::format(
                        "the explicit engine does not enumerate more than {} configurations; parameter '{}' has {} "
                        "values (fix it with --config)",
                        options_.max_configurations, params[i].name, size));
                    return false;
                }
                total *= size;
            }
        }
        Configuration base;
        for (std::size_t i = 0; i < params.size(); ++i) {
            bool fixed = i < options_.fixed.size() && options_.fixed[i].has_value();
            base.values.push_back(fixed ? *options_.fixed[i] : params[i].type.lo);
        }
        // every valuation has its mixed-radix index in the space: no configuration is ever searched for
        space_.emplace(m_, roles_.structural);
        base_ = base;
        valid_flags_.assign(space_->size(), false);
        interp_.for_each_valuation(roles_.structural, base, [&](const Configuration& c) {
            bool valid = false;
            try {
                valid = interp_.satisfies_constraints(c);
            } catch (const EvalError& e) {
                result.unknown.push_back(fmt::format("{}: {} while evaluating the constraints under {}",
                                                     e.range().to_string(), e.what(), interp_.format_configuration(c)));
            }
            if (valid) {
                std::size_t index = space_->index(c);
                valid_flags_[index] = true;
                universe_index_.push_back(index);
            }
            return true;
        });
        return true;
    }

    /// Configuration number k of the universe (decoded from its index: the universe keeps no copies).
    Configuration configuration(std::size_t k) const {
        Configuration c = base_;
        for (std::size_t p : space_->params()) {
            c.values[p] = space_->value(universe_index_[k], p);
        }
        return c;
    }

    /// floor(x / y) for y > 0.
    static Wide floor_div(Wide x, Wide y) { return x >= 0 ? x / y : -((-x + y - 1) / y); }

    /// The values h of the timing parameter's domain with a + b*h < 0 (assumed non-empty).
    Interval negative_interval(const Cost& cost) const {
        const Type& t = m_.parameters[static_cast<std::size_t>(timing_param_)].type;
        Wide lo = t.lo, hi = t.hi;
        if (cost.b > 0) {  // b*h < -a  <=>  h <= floor((-a - 1) / b)
            hi = std::min(hi, floor_div(-cost.a - 1, cost.b));
        } else if (cost.b < 0) {  // (-b)*h > a  <=>  h >= floor(a / (-b)) + 1
            lo = std::max(lo, floor_div(cost.a, -cost.b) + 1);
        }
        return {static_cast<Value>(lo), static_cast<Value>(hi)};
    }

    /// Whether a + b*h < 0 for some h in the timing parameter's domain.
    bool can_be_negative(const Cost& cost) const {
        if (timing_param_ < 0) {
            return cost.a < 0;
        }
        const Type& t = m_.parameters[static_cast<std::size_t>(timing_param_)].type;
        return cost.a + cost.b * t.lo < 0 || cost.a + cost.b * t.hi < 0;
    }

    Configuration with_timing(const Configuration& c, Value h) const {
        Configuration out = c;
        if (timing_param_ >= 0) {
            out.values[static_cast<std::size_t>(timing_param_)] = h;
        }
        return out;
    }

    /// a + b*h for an integer expression that is linear in the timing parameter (the language
    /// has +, - and * by constants, and a parameter in the condition of a `?:` of a duration or
    /// bound is never a timing parameter, so every duration and bound is).
    Cost linear(const ExprPtr& e, const Configuration& c, const ProductState& at) const {
        if (!e) {
            return {0, 0};
        }
        Value f0 = interp_.evaluate(*e, with_timing(c, 0), at.vars, at.state);
        if (timing_param_ < 0) {
            return {f0, 0};
        }
        Value f1 = interp_.evaluate(*e, with_timing(c, 1), at.vars, at.state);
        return {f0, static_cast<Wide>(f1) - f0};
    }

    // ---- one configuration -------------------------------------------------------------------
    Witness witness_to(std::size_t node, const Configuration& c) const {
        Witness w;
        w.configuration = interp_.format_configuration(c);
        std::vector<std::size_t> path;
        for (auto n = static_cast<std::int64_t>(node); n >= 0; n = nodes_[static_cast<std::size_t>(n)].parent) {
            path.push_back(static_cast<std::size_t>(n));
        }
        std::reverse(path.begin(), path.end());
        const Node& first = nodes_[path.front()];
        w.initial_state = m_.state(first.ps.state).name;
        w.initial_vars = interp_.format_vars(first.ps.vars);
        for (std::size_t i = 1; i < path.size(); ++i) {
            const Node& prev = nodes_[path[i - 1]];
            const Node& n = nodes_[path[i]];
            const Transition& t = m_.transition(n.via);
            TraceStep step;
            step.id = n.via;
            step.transition = t.name;
            step.event = m_.events[t.event.index()].name;
            step.actor = t.actor;
            step.peer = t.peer;
            step.source = m_.state(prev.ps.state).name;
            step.target = m_.state(n.ps.state).name;
            try {
                step.duration = interp_.duration(n.via, prev.ps, c);
            } catch (const EvalError&) {
                step.duration = -1;
            }
            step.vars = interp_.format_vars(n.ps.vars);
            step.range = t.range;
            if (t.region_move) {
                step.region_source = catalogue::region_state_name(m_, t.region_move->region, t.region_move->from);
                step.region_target = catalogue::region_state_name(m_, t.region_move->region, t.region_move->to);
            }
            w.steps.push_back(std::move(step));
        }
        w.end = nodes_[path.back()].ps.state;
        return w;
    }

    /// The accumulator of the finding `proto` (from the catalogue), by its id.
    Accumulator& accumulator(Finding proto) {
        auto [it, inserted] = acc_.try_emplace(proto.id);
        if (inserted) {
            order_.push_back(proto.id);
            it->second.proto = std::move(proto);
        }
        return it->second;
    }

    /// The accumulator number `i` of a per-state or per-property finding, created by `make` on first
    /// use (so in the same order as without the cache): one lookup by id per finding, not one per
    /// configuration and state, and its message formatted once.
    template <typename Make>
    Accumulator& cached(std::vector<Accumulator*>& cache, std::size_t i, std::size_t n, Make&& make) {
        if (cache.size() != n) {
            cache.assign(n, nullptr);
        }
        if (!cache[i]) {
            cache[i] = &make();
        }
        return *cache[i];
    }

    /// Whether a witness of `steps` transitions under `valuation` replaces the one kept: the
    /// smallest valuation wins (parameter order, each as small as possible: docs/semantics.md,
    /// "Witnesses", as in the Z3 engine), and within one valuation the shortest run.
    static bool better(const Accumulator& a, const std::vector<Value>& valuation, std::size_t steps) {
        if (!a.witness) {
            return true;
        }
        if (valuation != a.witness_at) {
            return valuation < a.witness_at;  // lexicographic: the first parameter decides first
        }
        return steps < a.witness->steps.size();
    }

    /// Records that the finding occurs in `config`; `w`, when given, runs under `valuation`.
    void occur(Accumulator& a, std::size_t config, std::optional<Witness> w = std::nullopt,
               const std::vector<Value>* valuation = nullptr) {
        if (a.configs.empty() || a.configs.back() != config) {
            a.configs.push_back(config);
        }
        if (w && valuation && better(a, *valuation, w->steps.size())) {
            a.witness = std::move(w);
            a.witness_at = *valuation;
        }
    }

    /// As occur(), with a witness to `node` built only when it replaces the one kept (building one
    /// per configuration would cost more than the search); `stuck` adds the notes of stuck_notes().
    /// `note`, when given, is added to the witness (what went wrong in the step after its end).
    void occur_at(Accumulator& a, std::size_t config, std::size_t node, const Configuration& c,
                  const ActorSet* stuck = nullptr, const char* note = nullptr) {
        if (!better(a, c.values, nodes_[node].depth)) {
            occur(a, config);
            return;
        }
        Witness w = witness_to(node, c);
        if (stuck) {
            w.notes = stuck_notes(node, *stuck);
        }
        if (note) {
            w.notes.emplace_back(note);
        }
        occur(a, config, std::move(w), &c.values);
    }

    /// Nodes from which a node satisfying `target` is reachable using only `actors`.
    std::vector<bool> co_reachable(const std::vector<bool>& target, ActorSet actors) const {
        std::vector<std::vector<std::uint32_t>> reverse(nodes_.size());
        for (std::size_t u = 0; u < nodes_.size(); ++u) {
            for (const Edge& e : edges_[u]) {
                if (admits(actors, e.via)) {
                    reverse[e.to].push_back(static_cast<std::uint32_t>(u));
                }
            }
        }
        std::vector<bool> seen = target;
        std::deque<std::uint32_t> queue;
        for (std::size_t i = 0; i < target.size(); ++i) {
            if (target[i]) {
                queue.push_back(static_cast<std::uint32_t>(i));
            }
        }
        while (!queue.empty()) {
            auto v = queue.front();
            queue.pop_front();
            for (auto u : reverse[v]) {
                if (!seen[u]) {
                    seen[u] = true;
                    queue.push_back(u);
                }
            }
        }
        return seen;
    }

    /// May the transition `via` be relied on under `actors` (ActorSet::admits on its actor and peer)?
    bool admits(ActorSet actors, TransitionId via) const {
        const Transition& t = m_.transition(via);
        return actors.admits(t.actor, t.peer);
    }

    std::vector<bool> satisfying(const ExprPtr& e, const Configuration& c, bool goal_if_null) const {
        std::vector<bool> out(nodes_.size(), false);
        const ExprPtr& target = e ? e : (goal_if_null ? goal_ : e);
        for (std::size_t i = 0; i < nodes_.size(); ++i) {
            const ProductState& ps = nodes_[i].ps;
            out[i] = target ? interp_.holds(target, c, ps) : true;
        }
        return out;
    }

    /// Notes for a stuck witness: what is enabled at the last state and who would have to act.
    std::vector<std::string> stuck_notes(std::size_t node, ActorSet reliance) const {
        std::vector<std::string> notes;
        std::string relied, other;
        for (const Edge& e : edges_[node]) {
            const Transition& t = m_.transition(e.via);
            std::string item = fmt::format("{} ({}) -> {}", m_.events[t.event.index()].name,
                                           qualified_actor_name(t.actor, t.peer), m_.state(t.target).name);
            std::string& list = reliance.admits(t.actor, t.peer) ? relied : other;
            list += (list.empty() ? "" : ", ") + item;
        }
        notes.push_back(fmt::format("stuck in '{}': relied-on steps {} never lead to {}",
                                    m_.state(nodes_[node].ps.state).name, relied.empty() ? "(none)" : relied,
                                    goal_text_));
        if (!other.empty()) {
            notes.push_back(fmt::format("only steps not relied on lead on: {}", other));
        }
        return notes;
    }

    void explore(std::size_t k, CheckResult& result) {
        const Configuration c = configuration(k);
        nodes_.clear();
        edges_.clear();
        std::unordered_map<ProductState, std::uint32_t, ProductStateHash> index;
        try {
            nodes_.push_back({interp_.initial_state(c), -1, TransitionId{}, 0});
        } catch (const EvalError& e) {
            Accumulator& a = accumulator(catalogue::initial_out_of_range(m_));
            --configs_with_run_;
            Witness w;  // no step: the configuration has no initial state; the note says which value
            w.configuration = interp_.format_configuration(c);
            w.initial_state = m_.state(m_.initial_state()).name;
            w.end = m_.initial_state();
            w.notes.emplace_back(e.what());
            occur(a, k, std::move(w), &c.values);
            return;
        }
        index.emplace(nodes_[0].ps, 0);
        edges_.emplace_back();
        enabled_.clear();
        for (std::size_t u = 0; u < nodes_.size(); ++u) {
            ++states_total_;
            if (states_total_ >= next_progress_) {
                next_progress_ += kProgressEvery;
                progress_.report([&] {
                    return fmt::format("configuration {} of {}, {} product states so far", k + 1,
                                       universe_index_.size(), states_total_);
                });
            }
            // the clock is read every 4096 states: a large configuration cannot outrun the limit
            if ((states_total_ & 4095U) == 0 && progress_.past_deadline()) {
                stopped_ = true;  // this configuration is not examined: give_up_after() leaves it out
                return;
            }
            if (nodes_.size() > kMaxProductStates) {
                result.unknown.push_back(
                    fmt::format("more than {} product states under {}; the explicit engine stopped, and the findings "
                                "and conditions reported leave this configuration out",
                                kMaxProductStates, interp_.format_configuration(c)));
                capped_.push_back(k);
                return;
            }
            std::vector<TransitionId> enabled;
            enabled_.resize(nodes_.size());
            try {
                enabled = interp_.enabled_transitions(nodes_[u].ps, c);
            } catch (const EvalError& e) {
                Accumulator& a = accumulator(catalogue::evaluation_error(e.range(), e.what()));
                occur_at(a, k, u, c);
                continue;
            }
            enabled_.resize(nodes_.size());
            enabled_[u] = enabled;
            for (TransitionId t : enabled) {
                ProductState next;
                Cost cost{0, 0};
                try {
                    // the duration is a property of the pre-state: checked even if the update fails
                    cost = linear(m_.transition(t).duration, c, nodes_[u].ps);
                    if (can_be_negative(cost)) {
                        const Transition& tr = m_.transition(t);
                        within_ok_ = false;
                        negative_duration_ = tr.name;
                        Accumulator& a = accumulator(catalogue::negative_duration(tr));
                        if (timing_param_ >= 0) {
                            auto& intervals = a.timing[k];
                            intervals.push_back(negative_interval(cost));
                            intervals = merge(std::move(intervals));
                        }
                        // the witness runs where the duration is negative: the smallest such value
                        occur_at(a, k, u, timing_param_ >= 0 ? with_timing(c, negative_interval(cost).lo) : c);
                    }
                    next = interp_.step(nodes_[u].ps, t, c);
                } catch (const EvalError& e) {
                    const Transition& tr = m_.transition(t);
                    Accumulator& a = accumulator(catalogue::update_error(tr));
                    occur_at(a, k, u, c, nullptr, e.what());
                    continue;
                }
                auto [it, inserted] = index.emplace(next, static_cast<std::uint32_t>(nodes_.size()));
                if (inserted) {
                    nodes_.push_back({std::move(next), static_cast<std::int64_t>(u), t, nodes_[u].depth + 1});
                    edges_.emplace_back();
                }
                enabled_.resize(nodes_.size());
                edges_[u].push_back({it->second, t, cost});
            }
        }
        result.product_states += nodes_.size();
        analyse(k, c);
    }

    void analyse(std::size_t k, const Configuration& c) {
        // unreachable states
        std::vector<bool> reached(m_.state_count(), false);
        for (const Node& n : nodes_) {
            reached[n.ps.state.index()] = true;
        }
        for (std::size_t s = 0; s < m_.state_count(); ++s) {
            const State& st = m_.state(StateId{s});
            Accumulator& a = cached(unreachable_acc_, s, m_.state_count(), [&]() -> Accumulator& {
                return accumulator(catalogue::unreachable_state(st, true));
            });
            if (!reached[s]) {
                occur(a, k, std::nullopt);
            }
        }
        analyse_regions(k, c);
        // deadlocks and ambiguities (nodes are in BFS order: the first hit has the shortest witness)
        for (std::size_t u = 0; u < nodes_.size(); ++u) {
            const State& st = m_.state(nodes_[u].ps.state);
            // "enabled" means the guard holds; a step that fails to evaluate is its own finding
            if (enabled_[u].empty() && !st.final) {
                Accumulator& a = cached(deadlock_acc_, st.id.index(), m_.state_count(),
                                        [&]() -> Accumulator& { return accumulator(catalogue::deadlock(st)); });
                occur_at(a, k, u, c);
            }
            for (std::size_t i = 0; i < enabled_[u].size(); ++i) {
                for (std::size_t j = i + 1; j < enabled_[u].size(); ++j) {
                    const Transition& a = m_.transition(enabled_[u][i]);
                    const Transition& b = m_.transition(enabled_[u][j]);
                    if (a.event != b.event || a.id == b.id || (a.actor == Actor::Choice && b.actor == Actor::Choice)) {
                        continue;
                    }
                    const Transition& first = a.id < b.id ? a : b;
                    const Transition& second = a.id < b.id ? b : a;
                    Accumulator& acc = accumulator(catalogue::ambiguity(m_, first, second, st));
                    occur_at(acc, k, u, c);
                }
            }
        }
        // no recovery (built-in, with the run's reliance set)
        std::vector<bool> goal = satisfying(nullptr, c, true);
        std::vector<bool> back = co_reachable(goal, options_.reliance);
        for (std::size_t u = 0; u < nodes_.size(); ++u) {
            if (back[u]) {
                continue;
            }
            const State& st = m_.state(nodes_[u].ps.state);
            Accumulator& a = cached(no_recovery_acc_, st.id.index(), m_.state_count(), [&]() -> Accumulator& {
                return accumulator(catalogue::no_recovery(st, options_.reliance, goal_text_));
            });
            occur_at(a, k, u, c, &options_.reliance);
        }
        // needs intervention: recovers relying on the operator (above), not without its steps
        if (auto alone = catalogue::without_operator(options_.reliance)) {
            std::vector<bool> back_alone = co_reachable(goal, *alone);
            for (std::size_t u = 0; u < nodes_.size(); ++u) {
                if (!back[u] || back_alone[u]) {
                    continue;
                }
                const State& st = m_.state(nodes_[u].ps.state);
                Accumulator& a =
                    cached(needs_intervention_acc_, st.id.index(), m_.state_count(), [&]() -> Accumulator& {
                        return accumulator(catalogue::needs_intervention(st, options_.reliance, goal_text_));
                    });
                occur_at(a, k, u, c, &*alone);
            }
        }
        for (const Property& p : m_.properties) {
            check_property(p, k, c);
        }
    }

    /// Region states as the unreachable-state analysis sees main states, and region states with no way out.
    void analyse_regions(std::size_t k, const Configuration& c) {
        if (m_.regions.empty()) {
            return;
        }
        if (region_offset_.empty()) {
            for (std::uint32_t r = 0; r < m_.regions.size(); ++r) {
                region_offset_.push_back(region_state_count_);
                region_state_count_ += m_.regions[r].states.size();
                for (std::size_t s = 0; s < m_.regions[r].states.size(); ++s) {
                    region_dead_.push_back(catalogue::region_state_is_dead(m_, r, static_cast<std::int64_t>(s)));
                }
            }
        }
        // per region state (numbered by region_offset_): the first node in BFS order that is in it
        std::vector<std::int64_t> first(region_state_count_, -1);
        for (std::size_t u = 0; u < nodes_.size(); ++u) {
            for (std::uint32_t r = 0; r < m_.regions.size(); ++r) {
                const Value v = nodes_[u].ps.vars[m_.regions[r].var.index()];
                if (v >= 0 && static_cast<std::size_t>(v) < m_.regions[r].states.size()) {
                    auto& f = first[region_offset_[r] + static_cast<std::size_t>(v)];
                    f = f < 0 ? static_cast<std::int64_t>(u) : f;
                }
            }
        }
        for (std::uint32_t r = 0; r < m_.regions.size(); ++r) {
            for (std::size_t s = 0; s < m_.regions[r].states.size(); ++s) {
                const std::size_t i = region_offset_[r] + s;
                const auto state = static_cast<std::int64_t>(s);
                Accumulator& a = cached(region_unreachable_acc_, i, region_state_count_, [&]() -> Accumulator& {
                    return accumulator(catalogue::unreachable_region_state(m_, r, state, true));
                });
                if (first[i] < 0) {
                    occur(a, k, std::nullopt);
                } else if (region_dead_[i]) {
                    Accumulator& d = cached(region_dead_acc_, i, region_state_count_, [&]() -> Accumulator& {
                        return accumulator(catalogue::dead_region_state(m_, r, state));
                    });
                    occur_at(d, k, static_cast<std::size_t>(first[i]), c);
                }
            }
        }
    }

    /// The accumulator of property `p`, looked up once per property (see cached()).
    template <typename Make>
    Accumulator& property_accumulator(const Property& p, Make&& make) {
        auto i = static_cast<std::size_t>(&p - m_.properties.data());
        return cached(property_acc_, i, m_.properties.size(), std::forward<Make>(make));
    }

    void check_property(const Property& p, std::size_t k, const Configuration& c) {
        switch (p.kind) {
        case PropertyKind::Invariant: {
            Accumulator& a = property_accumulator(
                p, [&]() -> Accumulator& { return accumulator(catalogue::property_fails(p, goal_text_)); });
            for (std::size_t u = 0; u < nodes_.size(); ++u) {
                if (!interp_.holds(p.expr, c, nodes_[u].ps)) {
                    occur_at(a, k, u, c);
                    break;
                }
            }
            return;
        }
        case PropertyKind::Reachable: {
            Accumulator& a = property_accumulator(
                p, [&]() -> Accumulator& { return accumulator(catalogue::property_fails(p, goal_text_)); });
            for (const Node& n : nodes_) {
                if (interp_.holds(p.expr, c, n.ps)) {
                    return;
                }
            }
            occur(a, k, std::nullopt);
            return;
        }
        case PropertyKind::Recover: {
            Accumulator& a = property_accumulator(
                p, [&]() -> Accumulator& { return accumulator(catalogue::property_fails(p, goal_text_)); });
            std::vector<bool> from = satisfying(p.from, c, false);
            std::vector<bool> back = co_reachable(satisfying(p.to, c, true), p.reliance);
            for (std::size_t u = 0; u < nodes_.size(); ++u) {
                if (from[u] && !back[u]) {
                    occur_at(a, k, u, c, &p.reliance);
                    break;
                }
            }
            return;
        }
        case PropertyKind::Within:
            check_within(p, k, c);
            return;
        }
    }

    /// Pareto-minimal costs (a + b*h) to reach the target using the relied-on actors.
    std::vector<std::vector<Cost>> min_costs(const std::vector<bool>& target, ActorSet actors) const {
        std::vector<std::vector<Cost>> labels(nodes_.size());
        std::vector<std::vector<std::pair<std::uint32_t, Cost>>> reverse(nodes_.size());
        for (std::size_t u = 0; u < nodes_.size(); ++u) {
            for (const Edge& e : edges_[u]) {
                if (admits(actors, e.via)) {
                    reverse[e.to].push_back({static_cast<std::uint32_t>(u), e.cost});
                }
            }
        }
        std::deque<std::uint32_t> work;
        for (std::size_t i = 0; i < nodes_.size(); ++i) {
            if (target[i]) {
                labels[i].push_back({0, 0});
                work.push_back(static_cast<std::uint32_t>(i));
            }
        }
        // o is at most c for every value of the timing parameter (linear: check both ends)
        Value lo = 0, hi = 0;
        if (timing_param_ >= 0) {
            lo = m_.parameters[static_cast<std::size_t>(timing_param_)].type.lo;
            hi = m_.parameters[static_cast<std::size_t>(timing_param_)].type.hi;
        }
        auto no_worse = [lo, hi](const Cost& o, const Cost& c) {
            return o.a + o.b * lo <= c.a + c.b * lo && o.a + o.b * hi <= c.a + c.b * hi;
        };
        auto dominated = [&](const std::vector<Cost>& set, const Cost& c) {
            return std::any_of(set.begin(), set.end(), [&](const Cost& o) { return no_worse(o, c); });
        };
        while (!work.empty()) {
            auto v = work.front();
            work.pop_front();
            for (auto [u, cost] : reverse[v]) {
                bool changed = false;
                for (const Cost& l : std::vector<Cost>(labels[v])) {
                    Cost cand{l.a + cost.a, l.b + cost.b};
                    if (dominated(labels[u], cand)) {
                        continue;
                    }
                    auto& set = labels[u];
                    set.erase(std::remove_if(set.begin(), set.end(), [&](const Cost& o) { return no_worse(cand, o); }),
                              set.end());
                    set.push_back(cand);
                    changed = true;
                }
                if (changed) {
                    work.push_back(u);
                }
            }
        }
        return labels;
    }

    void check_within(const Property& p, std::size_t k, const Configuration& c) {
        Accumulator& a = property_accumulator(
            p, [&]() -> Accumulator& { return accumulator(catalogue::property_fails(p, goal_text_)); });
        if (!within_ok_) {
            return;
        }
        Value dom_lo = 0, dom_hi = 0;
        if (timing_param_ >= 0) {
            const auto& type = m_.parameters[static_cast<std::size_t>(timing_param_)].type;
            dom_lo = type.lo;
            dom_hi = type.hi;
        }
        Cost bound = linear(p.expr, c, nodes_.front().ps);
        std::vector<bool> from = satisfying(p.from, c, false);
        auto labels = min_costs(satisfying(p.to, c, true), p.reliance);
        std::vector<Interval> violating;
        std::vector<std::size_t> violating_at;  ///< the node of each interval
        for (std::size_t u = 0; u < nodes_.size(); ++u) {
            if (!from[u]) {
                continue;
            }
            // violated for h iff every Pareto cost exceeds the bound: (b - t1) h > t0 - a for all labels
            Wide lo = dom_lo, hi = dom_hi;
            for (const Cost& l : labels[u]) {
                Wide slope = l.b - bound.b;
                Wide rest = bound.a - l.a;
                if (slope == 0) {
                    if (!(0 > rest)) {
                        hi = lo - 1;  // never violated
                    }
                } else if (slope > 0) {  // h > rest / slope
                    Wide q = rest / slope;
                    if (rest < 0 && rest % slope != 0) {
                        q -= 1;  // floor
                    }
                    lo = std::max(lo, q + 1);
                } else {  // h < rest / slope  (slope < 0)
                    Wide q = rest / slope;
                    if ((rest % slope != 0) && ((rest < 0) == (slope < 0))) {
                        q += 1;  // ceil
                    }
                    hi = std::min(hi, q - 1);
                }
            }
            if (lo <= hi) {
                violating.push_back({static_cast<Value>(lo), static_cast<Value>(hi)});
                violating_at.push_back(u);
            }
        }
        if (violating.empty()) {
            return;
        }
        // the witness runs under the smallest violating value of the timing parameter, to the first
        // node (in breadth-first order: the nearest) where that value violates the property
        std::optional<std::size_t> witness_node;
        Value h = violating.front().lo;
        for (const Interval& iv : violating) {
            h = std::min(h, iv.lo);
        }
        for (std::size_t i = 0; i < violating.size() && !witness_node; ++i) {
            if (violating[i].lo <= h && h <= violating[i].hi) {
                witness_node = violating_at[i];
            }
        }
        a.timing[k] = merge(std::move(violating));
        Configuration at_h = with_timing(c, h);
        if (!better(a, at_h.values, nodes_[*witness_node].depth)) {
            occur(a, k);  // the witness kept runs under a smaller valuation, or is as short
            return;
        }
        Witness w = witness_to(*witness_node, at_h);
        std::string fastest;
        for (const Cost& l : labels[*witness_node]) {
            std::string term =
                timing_param_ >= 0 && l.b != 0
                    ? fmt::format(" + {}{}", l.b == 1 ? "" : fmt::format("{} * ", static_cast<long long>(l.b)),
                                  m_.parameters[static_cast<std::size_t>(timing_param_)].name)
                    : "";
            fastest += (fastest.empty() ? "" : " or ") + fmt::format("{} s{}", static_cast<long long>(l.a), term);
        }
        w.notes.push_back(fastest.empty()
                              ? fmt::format("from '{}' no path relying on {} reaches the target at all",
                                            m_.state(nodes_[*witness_node].ps.state).name, p.reliance.to_string())
                              : fmt::format("from '{}' the fastest path relying on {} takes {}; the bound is {} s",
                                            m_.state(nodes_[*witness_node].ps.state).name, p.reliance.to_string(),
                                            fastest, static_cast<long long>(bound.a)));
        occur(a, k, std::move(w), &at_h.values);
    }

    /// Configurations `ks` (ascending) were not examined to the end (the time limit, the product-state
    /// cap): they are left out of every condition (don't-cares, like invalid valuations) and count,
    /// and every kind is reported as not decided for them (the undecided item says why).
    void leave_out(const std::vector<std::size_t>& ks, CheckResult& result) {
        std::vector<bool> out(universe_index_.size(), false);
        for (std::size_t k : ks) {
            out[k] = true;
            valid_flags_[universe_index_[k]] = false;
        }
        configs_with_run_ -= ks.size();
        left_out_ += ks.size();
        for (auto& [id, a] : acc_) {
            std::erase_if(a.configs, [&](std::size_t k) { return out[k]; });
            for (auto it = a.timing.begin(); it != a.timing.end();) {
                it = out[it->first] ? a.timing.erase(it) : std::next(it);
            }
        }
        for (FindingKind k : kAllFindingKinds) {
            if (std::find(result.unchecked.begin(), result.unchecked.end(), k) == result.unchecked.end()) {
                result.unchecked.push_back(k);
            }
        }
    }

    // ---- conditions --------------------------------------------------------------------------
    void finish(CheckResult& result) {
        ConditionBuilder builder{m_, *space_, valid_flags_};
        std::map<const Accumulator*, std::size_t> unreachable_state_of;  // the catalogue needs the state, not its name
        for (std::size_t s = 0; s < unreachable_acc_.size(); ++s) {
            unreachable_state_of[unreachable_acc_[s]] = s;
        }
        for (const std::string& id : order_) {
            Accumulator& a = acc_.at(id);
            if (a.configs.empty()) {
                continue;
            }
            Finding f = a.proto;
            // Counted over the enumerated parameters only. The timing parameter is not enumerated: its
            // values where the finding occurs are the intervals in the condition, so this is the number
            // of configurations of the other parameters for which it occurs for some value of it (and
            // CheckResult::configurations likewise counts those configurations, as explicit_configurations()
            // and the test "SolvesWithinExactlyForATimingParameter" have it).
            f.configurations = a.configs.size();
            f.witness = a.witness;
            if (!a.timing.empty() && timing_param_ >= 0) {
                // one group per interval of the timing parameter: the configurations violating on
                // exactly it, widened over those that violate on a larger interval too (don't-cares:
                // covering them says nothing false), so "(ci && h > 600) || (si-only: every h)" does
                // not need "ci" in its first cube; the merge in render() then joins what the grouping
                // kept apart ("(alt && h < 50) || (!alt && h < 50)")
                std::map<Interval, std::vector<std::size_t>> own;
                for (std::size_t cfg : a.configs) {
                    auto it = a.timing.find(cfg);
                    if (it != a.timing.end()) {
                        for (const Interval& iv : it->second) {
                            own[iv].push_back(cfg);
                        }
                    }
                }
                auto tpi = static_cast<std::size_t>(timing_param_);
                std::vector<ConditionBuilder::Term> terms;
                for (const auto& [iv, cfgs] : own) {
                    std::vector<std::size_t> wider;
                    for (std::size_t cfg : a.configs) {
                        auto it = a.timing.find(cfg);
                        if (it == a.timing.end()) {
                            continue;
                        }
                        bool is_own = false, covers = false;
                        for (const Interval& other : it->second) {
                            is_own = is_own || other == iv;
                            covers = covers || (other.lo <= iv.lo && iv.hi <= other.hi);
                        }
                        if (covers && !is_own) {
                            wider.push_back(cfg);
                        }
                    }
                    for (const auto& cube : builder.cover(to_valuation_indices(cfgs), to_valuation_indices(wider))) {
                        terms.push_back({cube, tpi, iv.lo, iv.hi});
                    }
                }
                f.condition = builder.render(std::move(terms));
            } else {
                f.condition = builder.build(to_valuation_indices(a.configs));
            }
            if (f.kind == FindingKind::UnreachableState && f.region_state) {
                Finding named = catalogue::unreachable_region_state(m_, f.region_state->region, f.region_state->state,
                                                                    a.configs.size() == configs_with_run_);
                f.severity = named.severity;
                f.message = std::move(named.message);
            } else if (f.kind == FindingKind::UnreachableState) {
                Finding named = catalogue::unreachable_state(m_.state(StateId{unreachable_state_of.at(&a)}),
                                                             a.configs.size() == configs_with_run_);
                f.severity = named.severity;
                f.message = std::move(named.message);
            }
            result.findings.push_back(std::move(f));
        }
        if (!within_ok_ && !negative_duration_.empty() && has_within()) {
            result.unknown.push_back(fmt::format(
                "'within' properties: transition '{}' can take a negative duration; not checked", negative_duration_));
        }
        if (!within_ok_ && has_within()) {
            result.unchecked.push_back(FindingKind::Within);
        }
        sort_findings(result.findings);
    }

    bool has_within() const {
        return std::any_of(m_.properties.begin(), m_.properties.end(),
                           [](const Property& p) { return p.kind == PropertyKind::Within; });
    }

    /// Indices in the space of the given configurations (indices into the universe): a lookup each.
    std::vector<std::size_t> to_valuation_indices(const std::vector<std::size_t>& configs) const {
        std::vector<std::size_t> out;
        out.reserve(configs.size());
        for (std::size_t cfg : configs) {
            out.push_back(universe_index_[cfg]);
        }
        return out;
    }

    const Model& m_;
    const ExprPtr goal_{m_.goal()};                ///< Model::goal(), what recovery aims at by default
    const std::string goal_text_{m_.goal_text()};  ///< how findings name it
    Interpreter interp_;
    const CheckOptions& options_;
    ParamRoles roles_{};
    std::int64_t timing_param_{-1};
    bool within_ok_{true};
    std::string negative_duration_{};
    std::optional<ConfigurationSpace> space_{};  ///< every valuation of the enumerated parameters
    std::vector<bool> valid_flags_{};            ///< by index in the space: satisfies the constraints
    Configuration base_{};                       ///< fixed values; the enumerated ones come from the space
    std::vector<std::size_t> universe_index_{};  ///< the valid valuations ("the universe"), by index in the space
    std::size_t configs_with_run_{0};            ///< valid configurations whose initial values are in range
    std::vector<Node> nodes_{};
    std::vector<std::vector<Edge>> edges_{};
    std::vector<std::vector<TransitionId>> enabled_{};  ///< per node: transitions whose guard holds
    std::map<std::string, Accumulator> acc_{};          ///< node-based: the caches below point into it
    std::vector<Accumulator*> unreachable_acc_{}, deadlock_acc_{}, no_recovery_acc_{},
        needs_intervention_acc_{};                                            ///< by state
    std::vector<Accumulator*> property_acc_{};                                ///< by property
    std::vector<Accumulator*> region_unreachable_acc_{}, region_dead_acc_{};  ///< by region state (region_offset_)
    std::vector<std::size_t> region_offset_{};  ///< per region: the number of its first state among all region states
    std::size_t region_state_count_{0};
    std::vector<bool> region_dead_{};  ///< by region state: catalogue::region_state_is_dead (the rows decide it)
    std::vector<std::string> order_{};
    Progress progress_{options_, "explicit engine"};
    std::uint64_t states_total_{0};  ///< product states explored so far, over all configurations
    std::uint64_t next_progress_{kProgressEvery};
    bool stopped_{false};                ///< the run's time limit was reached
    std::vector<std::size_t> capped_{};  ///< configurations stopped at kMaxProductStates
    std::size_t left_out_{0};            ///< configurations left out by leave_out()
};

}  // namespace

CheckResult check_explicit(const model::Model& model, const CheckOptions& options) {
    if (!model.event_properties.empty()) {  // checked as the invariants of their monitors
        return check_explicit(model::instrument_event_properties(model), options);
    }
    return ExplicitEngine{model, options}.run();
}

}  // namespace lwm2mc::checker
