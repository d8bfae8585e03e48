// SPDX-License-Identifier: Apache-2.0
// Test generation: configuration classes, coverage targets, tours and adaptive test cases.
// The semantics (stimuli, observations, alternatives, time) are defined in docs/testing.md.

#include "lwm2mc/model/printer.hpp"
#include "lwm2mc/testgen/postman.hpp"
#include "lwm2mc/testgen/suite.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <limits>
#include <map>
#include <queue>
#include <set>
#include <unordered_map>

namespace lwm2mc::testgen {

using model::Configuration;
using model::Interpreter;
using model::Model;
using model::ProductState;
using model::Value;

const char* criterion_name(Criterion criterion) {
    switch (criterion) {
    case Criterion::States:
        return "states";
    case Criterion::Transitions:
        return "transitions";
    case Criterion::TransitionPairs:
        return "transition-pairs";
    case Criterion::Findings:
        return "findings";
    case Criterion::Properties:
        return "properties";
    case Criterion::Paths:
        return "paths";
    }
    return "transitions";
}

std::optional<CriterionSpec> parse_criterion(std::string_view text, std::string& error) {
    static const std::pair<const char*, Criterion> kNames[] = {{"states", Criterion::States},
                                                               {"transitions", Criterion::Transitions},
                                                               {"transition-pairs", Criterion::TransitionPairs},
                                                               {"findings", Criterion::Findings},
                                                               {"properties", Criterion::Properties}};
    for (const auto& [name, kind] : kNames) {
        if (text == name) {
            return CriterionSpec{kind, {}};
        }
    }
    if (text.starts_with("paths:")) {
        if (text.size() == 6) {
            error = "'paths:' needs a scenario file: paths:FILE";
            return std::nullopt;
        }
        return CriterionSpec{Criterion::Paths, std::string(text.substr(6))};
    }
    error = fmt::format("unknown coverage criterion '{}' (expected one of states, transitions, transition-pairs, "
                        "findings, properties, paths:FILE)",
                        text);
    return std::nullopt;
}

std::string edge_label(const Model& model, const ProductGraph& graph, std::uint32_t edge) {
    const ProductEdge& e = graph.edges[edge];
    const ProductState& s = graph.states[e.source];
    std::string vars;
    for (std::size_t i = 0; i < s.vars.size(); ++i) {
        vars += fmt::format("{}{}={}", i ? ", " : "", model.variables[i].name,
                            model.format_value(model.variables[i].type, s.vars[i]));
    }
    return fmt::format("{} [{}]", model.transition(e.transition).name, vars);
}

namespace {

// ---- configuration classes ------------------------------------------------------------------------

/// Parameters the product graph depends on (guards, updates, initial values, constraints) and
/// those that only scale durations.
struct ParamUse {
    std::vector<bool> structural;
    std::vector<bool> in_durations;
};

ParamUse parameter_use(const Model& m) {
    ParamUse use{std::vector<bool>(m.parameters.size(), false), std::vector<bool>(m.parameters.size(), false)};
    for (const auto& c : m.constraints) {
        model::mark_parameters(c.expr, use.structural);
    }
    for (const auto& v : m.variables) {
        model::mark_parameters(v.initial, use.structural);
    }
    for (std::size_t i = 0; i < m.transition_count(); ++i) {
        const model::Transition& t = m.transition(model::TransitionId{i});
        model::mark_parameters(t.guard, use.structural);
        for (const auto& u : t.updates) {
            model::mark_parameters(u.value, use.structural);
        }
        model::mark_parameters(t.duration, use.in_durations);
    }
    return use;
}

/// The product graph as a canonical key: two configurations with the same key have the same tests.
std::vector<std::int64_t> graph_key(const ProductGraph& g) {
    std::vector<std::int64_t> key;
    key.reserve(g.states.size() * 4 + g.edges.size() * 3);
    for (const auto& s : g.states) {
        key.push_back(s.state.value);
        key.insert(key.end(), s.vars.begin(), s.vars.end());
    }
    key.push_back(-1);
    for (const auto& e : g.edges) {
        key.push_back(e.source);
        key.push_back(e.target);
        key.push_back(e.transition.value);
    }
    return key;
}

struct ConfigClass {
    std::vector<Configuration> members{};
    ProductGraph graph{};
};

// ---- searches over the product graph ---------------------------------------------------------------

/// Shortest run (fewest steps) from `from` to a state where `goal` holds, over edges `usable`
/// allows; returns the edges, or nullopt. Visits at most `limit` states.
template <class Goal, class Usable>
std::optional<std::vector<std::uint32_t>> bfs(const ProductGraph& g, std::uint32_t from, Goal goal, Usable usable,
                                              std::size_t limit = std::numeric_limits<std::size_t>::max()) {
    std::unordered_map<std::uint32_t, std::int64_t> via{{from, -1}};
    std::deque<std::uint32_t> queue{from};
    while (!queue.empty()) {
        std::uint32_t v = queue.front();
        queue.pop_front();
        if (goal(v)) {
            std::vector<std::uint32_t> path;
            for (std::int64_t e = via[v]; e >= 0; e = via[g.edges[static_cast<std::size_t>(e)].source]) {
                path.push_back(static_cast<std::uint32_t>(e));
            }
            std::reverse(path.begin(), path.end());
            return path;
        }
        if (via.size() > limit) {
            break;
        }
        for (std::uint32_t e : g.out[v]) {
            if (usable(v, e) && via.try_emplace(g.edges[e].target, e).second) {
                queue.push_back(g.edges[e].target);
            }
        }
    }
    return std::nullopt;
}

/// Moves the tester controls: any stimulus, and waiting where the client has exactly one move.
bool controllable(const ProductGraph& g, std::uint32_t state, std::uint32_t edge) {
    return g.edges[edge].stimulus || g.observation_count(state) == 1;
}

/// A continuation from where the client went is searched among at most this many product states
/// (beyond them a reset and a run from the start is offered instead).
constexpr std::size_t kContinuationSearchLimit = 512;
/// Which targets the tester can force is computed up to this many product states (quadratic).
constexpr std::size_t kForcibleLimit = 2000;

// ---- building cases --------------------------------------------------------------------------------

class CaseBuilder {
public:
    CaseBuilder(const ProductGraph& g, std::uint64_t reset_cost) : g_{g}, reset_cost_{reset_cost} {}

    /// A case along `edges` (a run from the initial product state), with alternatives and their
    /// continuations at every step.
    TestCase build(std::vector<std::uint32_t> edges, std::string name, std::string purpose) {
        TestCase c{std::move(name), std::move(purpose), {}};
        std::unordered_map<std::uint32_t, std::vector<std::size_t>> position;  // state -> main steps from it
        for (std::size_t i = 0; i < edges.size(); ++i) {
            position[g_.edges[edges[i]].source].push_back(i);
        }
        for (std::size_t i = 0; i < edges.size(); ++i) {
            Step step{edges[i], {}, {}};
            for (std::uint32_t a : alternatives_of(edges[i])) {
                Alternative alt{a, !g_.edges[edges[i]].stimulus, {}, std::nullopt, false};
                continue_after(alt, edges, position, i);
                step.alternatives.push_back(std::move(alt));
            }
            c.steps.push_back(std::move(step));
        }
        return c;
    }

private:
    /// Back onto the plan by stimuli and forced waits, from where the client went or after a reset:
    /// the later step j that minimises the continuation's length (a reset counts its cost) plus the
    /// planned steps it skips. Searches stop as soon as they cannot beat the best found.
    void continue_after(Alternative& alt, const std::vector<std::uint32_t>& edges,
                        const std::unordered_map<std::uint32_t, std::vector<std::size_t>>& position, std::size_t i) {
        std::size_t best = std::numeric_limits<std::size_t>::max();
        std::vector<std::uint32_t> best_path;
        // from where the client went: breadth first, while the depth can still beat `best`
        if (seen_.empty()) {
            seen_.assign(g_.states.size(), 0);
            via_.assign(g_.states.size(), -1);
            depth_.assign(g_.states.size(), 0);
        }
        ++epoch_;
        const std::uint32_t origin = g_.edges[alt.edge].target;
        seen_[origin] = epoch_;
        via_[origin] = -1;
        depth_[origin] = 0;
        std::vector<std::uint32_t> queue{origin};
        std::optional<std::uint32_t> found;
        for (std::size_t head = 0; head < queue.size() && queue.size() < kContinuationSearchLimit; ++head) {
            const std::uint32_t v = queue[head];
            if (depth_[v] >= best) {
                break;
            }
            if (auto it = position.find(v); it != position.end()) {
                auto later = std::upper_bound(it->second.begin(), it->second.end(), i);
                if (later != it->second.end() && depth_[v] + (*later - i - 1) < best) {
                    best = depth_[v] + (*later - i - 1);
                    alt.rejoin = *later;
                    found = v;
                }
            }
            for (std::uint32_t e : g_.out[v]) {
                const std::uint32_t w = g_.edges[e].target;
                if (seen_[w] != epoch_ && controllable(g_, v, e)) {
                    seen_[w] = epoch_;
                    via_[w] = e;
                    depth_[w] = depth_[v] + 1;
                    queue.push_back(w);
                }
            }
        }
        if (found) {
            for (std::int64_t e = via_[*found]; e >= 0; e = via_[g_.edges[static_cast<std::size_t>(e)].source]) {
                best_path.push_back(static_cast<std::uint32_t>(e));
            }
        }
        // after a reset: the run from the start to step j's state, plus the skipped steps (only when
        // strictly shorter: at equal cost, staying with the client beats a reset)
        start_tree();
        for (std::size_t j = i + 1; j < edges.size() && reset_cost_ + (j - i - 1) < best; ++j) {
            const std::uint32_t v = g_.edges[edges[j]].source;
            if (start_depth_[v] != kUnseen && reset_cost_ + start_depth_[v] + (j - i - 1) < best) {
                best = reset_cost_ + start_depth_[v] + (j - i - 1);
                alt.rejoin = j;
                alt.reset = true;
            }
        }
        if (alt.reset) {
            best_path.clear();
            for (std::uint32_t v = g_.edges[edges[*alt.rejoin]].source; v != 0;) {
                const std::uint32_t e = start_via_[v];
                best_path.push_back(e);
                v = g_.edges[e].source;
            }
        }
        std::reverse(best_path.begin(), best_path.end());
        for (std::uint32_t e : best_path) {
            Step then{e, {}, {}};
            for (std::uint32_t b : alternatives_of(e)) {
                then.alternatives.push_back({b, !g_.edges[e].stimulus, {}, std::nullopt, false});
            }
            alt.then.push_back(std::move(then));
        }
    }

    /// The tester's moves from the initial product state (breadth first), once per builder.
    void start_tree() {
        if (!start_depth_.empty()) {
            return;
        }
        start_depth_.assign(g_.states.size(), kUnseen);
        start_via_.assign(g_.states.size(), 0);
        start_depth_[0] = 0;
        std::deque<std::uint32_t> queue{0};
        while (!queue.empty()) {
            const std::uint32_t v = queue.front();
            queue.pop_front();
            for (std::uint32_t e : g_.out[v]) {
                const std::uint32_t w = g_.edges[e].target;
                if (controllable(g_, v, e) && start_depth_[w] == kUnseen) {
                    start_depth_[w] = start_depth_[v] + 1;
                    start_via_[w] = e;
                    queue.push_back(w);
                }
            }
        }
    }

    /// For an await: the other observations enabled there; for a stimulus: the observations that race it.
    std::vector<std::uint32_t> alternatives_of(std::uint32_t edge) const {
        std::vector<std::uint32_t> result;
        for (std::uint32_t o : g_.out[g_.edges[edge].source]) {
            if (o != edge && !g_.edges[o].stimulus) {
                result.push_back(o);
            }
        }
        return result;
    }

    static constexpr std::size_t kUnseen = std::numeric_limits<std::size_t>::max();
    const ProductGraph& g_;
    std::uint64_t reset_cost_;
    std::vector<std::size_t> start_depth_{};
    std::vector<std::uint32_t> start_via_{};
    // the search from where the client went, reused: a state is visited in this search when
    // seen_[state] == epoch_
    std::vector<std::uint32_t> seen_{};
    std::vector<std::int64_t> via_{};
    std::vector<std::size_t> depth_{};
    std::uint32_t epoch_{0};
};

/// Splits a postman walk (product-edge indices, kReset) into runs from the initial state.
std::vector<std::vector<std::uint32_t>> split_walk(const std::vector<std::int64_t>& walk,
                                                   const std::function<std::uint32_t(std::int64_t)>& edge_of) {
    std::vector<std::vector<std::uint32_t>> runs(1);
    for (std::int64_t label : walk) {
        if (label == PostmanTour::kReset) {
            runs.emplace_back();
        } else {
            runs.back().push_back(edge_of(label));
        }
    }
    if (runs.back().empty() && runs.size() > 1) {
        runs.pop_back();
    }
    return runs;
}

/// Worst-case and uniformly-random expected length of a case (choices at awaits only).
std::pair<std::uint64_t, double> case_bounds(const TestCase& c, std::uint64_t reset_cost) {
    const std::size_t n = c.steps.size();
    std::vector<std::uint64_t> worst(n + 1, 0);
    std::vector<double> expected(n + 1, 0);
    for (std::size_t i = n; i-- > 0;) {
        std::uint64_t w = 1 + worst[i + 1];
        double sum = 1 + expected[i + 1];
        std::size_t options = 1;
        for (const Alternative& a : c.steps[i].alternatives) {
            if (!a.unavoidable) {
                continue;
            }
            const std::uint64_t extra = a.then.size() + (a.reset ? reset_cost : 0);
            std::uint64_t aw = 1 + extra + (a.rejoin ? worst[*a.rejoin] : 0);
            double ae = 1.0 + static_cast<double>(extra) + (a.rejoin ? expected[*a.rejoin] : 0.0);
            w = std::max(w, aw);
            sum += ae;
            ++options;
        }
        worst[i] = w;
        expected[i] = sum / static_cast<double>(options);
    }
    return {worst[0], expected[0]};
}

// ---- the generator ---------------------------------------------------------------------------------

class Generator {
public:
    Generator(const Model& m, const GenerateOptions& o) : m_{m}, o_{o}, interp_{m} {}

    GenerateResult run() {
        GenerateResult result;
        if (!check_options(result.errors)) {
            return result;
        }
        std::vector<ConfigClass> classes;
        std::vector<bool> varies;
        if (!find_classes(classes, varies, result.errors)) {
            return result;
        }
        SuiteSet set{m_.name, m_.files, o_.criterion, o_.reset_cost, {}};
        for (std::size_t k = 0; k < classes.size(); ++k) {
            Suite suite;
            suite.class_index = k + 1;
            suite.configuration = classes[k].members.front();
            suite.class_size = classes[k].members.size();
            suite.class_description = describe_class(classes[k], varies);
            suite.timing_parameters = timing_;
            suite.graph = std::move(classes[k].graph);
            if (!build_suite(suite, result.errors)) {
                return result;
            }
            set.suites.push_back(std::move(suite));
        }
        result.suites = std::move(set);
        return result;
    }

private:
    static model::Diagnostic error(std::string message, model::SourceRange range = {}) {
        return model::Diagnostic{
            model::Severity::Error, range.valid() ? "G005" : "G001", std::move(range), std::move(message), {}};
    }

    bool check_options(std::vector<model::Diagnostic>& errors) {
        if (o_.fixed.size() != m_.parameters.size()) {
            errors.push_back(error("the configuration does not match the model's parameters"));
            return false;
        }
        if (o_.reset_cost < 1) {
            errors.push_back(error("the reset cost must be at least 1"));
            return false;
        }
        for (model::EventId ev : o_.limits.excluded_events) {
            for (std::size_t t = 0; t < m_.transition_count(); ++t) {
                const model::Transition& tr = m_.transition(model::TransitionId{t});
                if (tr.event == ev && !is_stimulus(tr.actor)) {
                    errors.push_back(error(fmt::format(
                        "event '{}' cannot be excluded: transition '{}' is the client's own ({}), and a tester "
                        "excludes only stimuli",
                        m_.events[ev.index()].name, tr.name, model::actor_name(tr.actor))));
                    return false;
                }
            }
        }
        return true;
    }

    bool find_classes(std::vector<ConfigClass>& classes, std::vector<bool>& varies,
                      std::vector<model::Diagnostic>& errors) {
        const ParamUse use = parameter_use(m_);
        const std::size_t n = m_.parameters.size();
        Configuration base;
        varies.assign(n, false);
        std::uint64_t count = 1;
        for (std::size_t i = 0; i < n; ++i) {
            const auto& p = m_.parameters[i];
            base.values.push_back(o_.fixed[i].value_or(p.type.lo));
            if (o_.fixed[i]) {
                continue;
            }
            if (use.structural[i]) {
                varies[i] = true;
                const auto span = static_cast<std::uint64_t>(p.type.hi - p.type.lo) + 1;
                count = span == 0 || count > o_.max_configurations / span ? o_.max_configurations + 1 : count * span;
            } else if (use.in_durations[i]) {
                timing_.push_back(model::ParamId{i});
            }
        }
        if (count > o_.max_configurations) {
            errors.push_back(error(fmt::format("more than {} configurations to enumerate; fix more parameters with "
                                               "--config",
                                               o_.max_configurations)));
            return false;
        }
        std::map<std::vector<std::int64_t>, std::size_t> by_key;
        bool ok = true;
        interp_.for_each_valuation(varies, base, [&](const Configuration& c) {
            if (!interp_.satisfies_constraints(c)) {
                return true;
            }
            try {
                ProductGraph g = explore(interp_, c, o_.limits, o_.max_product_states);
                auto key = graph_key(g);
                auto [it, fresh] = by_key.try_emplace(std::move(key), classes.size());
                if (fresh) {
                    classes.push_back({{c}, std::move(g)});
                } else {
                    classes[it->second].members.push_back(c);
                }
            } catch (const ProductGraphTooLarge& e) {
                errors.push_back(error(fmt::format("{} (raise --max-states or fix parameters)", e.what())));
                ok = false;
            } catch (const model::EvalError& e) {
                errors.push_back(error(
                    fmt::format("the initial state is invalid under {}: {}", interp_.format_configuration(c), e.what()),
                    e.range()));
                ok = false;
            }
            return ok;
        });
        if (ok && classes.empty()) {
            if (std::none_of(varies.begin(), varies.end(), [](bool v) { return v; })) {
                errors.push_back(error(fmt::format("the configuration violates the constraint(s) '{}'",
                                                   fmt::join(interp_.violated_constraints(base), "', '"))));
                return false;
            }
            errors.push_back(error("no configuration satisfies the constraints and --config"));
            ok = false;
        }
        return ok;
    }

    std::string describe_class(const ConfigClass& c, const std::vector<bool>& varies) const {
        std::string fixed_part;
        std::vector<std::string> varying;
        for (std::size_t i = 0; i < m_.parameters.size(); ++i) {
            const auto& p = m_.parameters[i];
            bool same = std::all_of(c.members.begin(), c.members.end(),
                                    [&](const Configuration& x) { return x.values[i] == c.members.front().values[i]; });
            if (!varies[i] && !o_.fixed[i]) {
                continue;
            }
            if (same) {
                fixed_part += fmt::format("{}{}={}", fixed_part.empty() ? "" : ", ", p.name,
                                          m_.format_value(p.type, c.members.front().values[i]));
            } else {
                varying.push_back(p.name);
            }
        }
        std::string text =
            fmt::format("{} ({} configuration{}", fixed_part.empty() ? "every configuration" : fixed_part,
                        c.members.size(), c.members.size() == 1 ? "" : "s");
        if (!varying.empty()) {
            text += "; " + fmt::format("{} vary within the class", fmt::join(varying, ", "));
        }
        for (model::ParamId t : timing_) {
            text += fmt::format("; {} only scales durations", m_.parameters[t.index()].name);
        }
        return text + ")";
    }

    bool build_suite(Suite& suite, std::vector<model::Diagnostic>& errors) {
        const ProductGraph& g = suite.graph;
        for (std::uint32_t s = 0; s < g.states.size(); ++s) {
            if (g.client_chooses(s)) {
                suite.deterministic = false;
            }
        }
        for (const auto& e : g.evaluation_errors) {
            suite.not_covered.push_back({"evaluation error", e});
        }
        suite.statistics.product_states = g.states.size();
        suite.statistics.product_transitions = g.edges.size();
        switch (o_.criterion.kind) {
        case Criterion::Transitions:
            transitions(suite);
            break;
        case Criterion::TransitionPairs:
            transition_pairs(suite);
            break;
        case Criterion::States:
            states(suite);
            break;
        case Criterion::Findings:
            scenarios(suite, o_.findings ? o_.findings(suite.configuration) : std::vector<Scenario>{}, false, errors);
            break;
        case Criterion::Properties:
            properties(suite);
            break;
        case Criterion::Paths:
            if (!scenarios(suite, o_.scenarios, true, errors)) {
                return false;
            }
            break;
        }
        finish_statistics(suite);
        return true;
    }

    void finish_statistics(Suite& suite) const {
        auto& st = suite.statistics;
        st.resets = suite.cases.empty() ? 0 : suite.cases.size() - 1;
        std::uint64_t worst = 0;
        double expected = 0;
        for (const TestCase& c : suite.cases) {
            st.steps += c.steps.size();
            for (const Step& s : c.steps) {
                if (std::any_of(s.alternatives.begin(), s.alternatives.end(),
                                [](const Alternative& a) { return a.unavoidable; })) {
                    ++st.choice_points;
                }
            }
            auto [w, e] = case_bounds(c, o_.reset_cost);
            worst += w;
            expected += e;
        }
        st.length = st.steps + st.resets * o_.reset_cost;
        st.worst_case_length = worst + st.resets * o_.reset_cost;
        st.expected_length_bound = expected + static_cast<double>(st.resets * o_.reset_cost);
    }

    /// Model transitions that no product edge takes, with the reason.
    void unreachable_transitions(Suite& suite) const {
        std::vector<bool> taken(m_.transition_count(), false);
        std::vector<bool> reached(m_.state_count(), false);
        for (const auto& e : suite.graph.edges) {
            taken[e.transition.index()] = true;
        }
        for (const auto& s : suite.graph.states) {
            reached[s.state.index()] = true;
        }
        std::vector<bool> taken_unrestricted;
        const auto& limits = o_.limits;
        if (!limits.excluded_events.empty() || !limits.urgent_states.empty()) {
            ProductGraph full = explore(interp_, suite.graph.configuration, {}, o_.max_product_states);
            taken_unrestricted.assign(m_.transition_count(), false);
            for (const auto& e : full.edges) {
                taken_unrestricted[e.transition.index()] = true;
            }
        }
        for (std::size_t t = 0; t < m_.transition_count(); ++t) {
            if (taken[t]) {
                continue;
            }
            const model::Transition& tr = m_.transition(model::TransitionId{t});
            std::string reason;
            if (!taken_unrestricted.empty() && taken_unrestricted[t]) {
                const bool excluded = std::find(limits.excluded_events.begin(), limits.excluded_events.end(),
                                                tr.event) != limits.excluded_events.end();
                reason = !limits.allows(tr)
                             ? (excluded ? "its event is excluded (--exclude-events)"
                                         : fmt::format("a stimulus in '{}', which the client leaves at once "
                                                       "(--urgent-states)",
                                                       m_.state(tr.source).name))
                             : "reached only through stimuli the tester cannot produce (--exclude-events, "
                               "--urgent-states)";
            } else if (!reached[tr.source.index()]) {
                reason = fmt::format("unreachable in this configuration: state '{}' is never reached",
                                     m_.state(tr.source).name);
            } else {
                reason = fmt::format("unreachable in this configuration: its guard never holds where '{}' is reached",
                                     m_.state(tr.source).name);
            }
            suite.not_covered.push_back({tr.name, std::move(reason)});
        }
    }

    void transitions(Suite& suite) const {
        const ProductGraph& g = suite.graph;
        PostmanProblem p{static_cast<std::uint32_t>(g.states.size()), 0, {}, o_.reset_cost};
        for (const auto& e : g.edges) {
            p.arcs.push_back({e.source, e.target, 1, true});
        }
        auto tour = solve_postman(p);  // every edge is reachable from the initial state by construction
        suite.statistics.targets = g.edges.size();
        suite.statistics.lower_bound = tour->lower_bound;
        auto runs = split_walk(tour->walk, [](std::int64_t a) { return static_cast<std::uint32_t>(a); });
        std::vector<bool> covered(g.edges.size(), false);
        add_cases(suite, runs, [&](const TestCase&, const Step& s, std::vector<std::string>& covers) {
            if (!covered[s.edge]) {
                covered[s.edge] = true;
                covers.push_back(edge_label(m_, g, s.edge));
            }
        });
        suite.statistics.covered = static_cast<std::size_t>(std::count(covered.begin(), covered.end(), true));
        unreachable_transitions(suite);
        client_dependent(suite);
    }

    /// Targets the tester cannot force (a game against the client: the tester picks stimuli, the
    /// client picks among its observations): covered only if the client chooses so.
    void client_dependent(Suite& suite) const {
        const ProductGraph& g = suite.graph;
        if (suite.deterministic) {
            return;
        }
        if (g.states.size() > kForcibleLimit) {
            suite.client_dependent.push_back(
                {"(not computed)", fmt::format("more than {} product states", kForcibleLimit)});
            return;
        }
        std::vector<std::vector<std::uint32_t>> in(g.states.size());
        for (std::uint32_t e = 0; e < g.edges.size(); ++e) {
            in[g.edges[e].target].push_back(e);
        }
        // forcible[t]: the tester can force the client from the initial state into t
        std::vector<bool> forcible(g.states.size(), false);
        for (std::uint32_t t = 0; t < g.states.size(); ++t) {
            std::vector<bool> attr(g.states.size(), false);
            std::vector<std::size_t> unforced(g.states.size());  // observations not yet known to lead into attr
            for (std::uint32_t v = 0; v < g.states.size(); ++v) {
                unforced[v] = g.observation_count(v);
            }
            std::deque<std::uint32_t> queue{t};
            attr[t] = true;
            while (!queue.empty() && !attr[0]) {
                std::uint32_t w = queue.front();
                queue.pop_front();
                for (std::uint32_t e : in[w]) {
                    std::uint32_t v = g.edges[e].source;
                    if (attr[v]) {
                        continue;
                    }
                    if (g.edges[e].stimulus || --unforced[v] == 0) {
                        attr[v] = true;
                        queue.push_back(v);
                    }
                }
            }
            forcible[t] = attr[0];
        }
        for (std::uint32_t e = 0; e < g.edges.size(); ++e) {
            const ProductEdge& edge = g.edges[e];
            if (!forcible[edge.source]) {
                suite.client_dependent.push_back(
                    {edge_label(m_, g, e),
                     fmt::format("the tester cannot force the client into {}", state_label(g, edge.source))});
            } else if (!edge.stimulus && g.observation_count(edge.source) > 1) {
                suite.client_dependent.push_back(
                    {edge_label(m_, g, e),
                     fmt::format("one of {} moves the client chooses among there", g.observation_count(edge.source))});
            }
        }
    }

    void transition_pairs(Suite& suite) const {
        const ProductGraph& g = suite.graph;
        const auto root = static_cast<std::uint32_t>(g.edges.size());
        PostmanProblem p{root + 1, root, {}, o_.reset_cost};
        std::vector<std::uint32_t> arc_edge;  // the product edge each line-graph arc walks
        for (std::uint32_t e : g.out[0]) {
            p.arcs.push_back({root, e, 1, false});
            arc_edge.push_back(e);
        }
        std::size_t pairs = 0;
        for (std::uint32_t e1 = 0; e1 < g.edges.size(); ++e1) {
            for (std::uint32_t e2 : g.out[g.edges[e1].target]) {
                p.arcs.push_back({e1, e2, 1, true});
                arc_edge.push_back(e2);
                ++pairs;
            }
        }
        auto tour = solve_postman(p);
        suite.statistics.targets = pairs;
        suite.statistics.lower_bound = tour ? tour->lower_bound : 0;
        if (!tour) {
            return;
        }
        auto runs = split_walk(tour->walk, [&](std::int64_t a) { return arc_edge[static_cast<std::size_t>(a)]; });
        std::set<std::pair<std::uint32_t, std::uint32_t>> covered;
        add_cases(suite, runs, [&](const TestCase& c, const Step& s, std::vector<std::string>& covers) {
            if (&s == &c.steps.front()) {
                return;
            }
            const Step& prev = *(&s - 1);
            if (covered.emplace(prev.edge, s.edge).second) {
                covers.push_back(edge_label(m_, g, prev.edge) + " ; " + edge_label(m_, g, s.edge));
            }
        });
        suite.statistics.covered = covered.size();
        if (tour->joined_components) {
            suite.not_covered.push_back(
                {"optimality", "some pairs lie in parts of the product graph the balanced tour did not connect; "
                               "they were joined by shortest runs, so the length may exceed the lower bound"});
        }
    }

    void states(Suite& suite) const {
        const ProductGraph& g = suite.graph;
        std::vector<bool> visited(g.states.size(), false);
        visited[0] = true;
        std::size_t left = g.states.size() - 1;
        std::vector<std::vector<std::uint32_t>> runs(1);
        std::uint32_t at = 0;
        auto all = [](std::uint32_t, std::uint32_t) { return true; };
        auto fresh = [&](std::uint32_t v) { return !visited[v]; };
        while (left > 0) {
            auto here = bfs(g, at, fresh, all);
            auto home = at == 0 ? here : bfs(g, 0, fresh, all);
            if (!here && !home) {
                break;  // cannot happen: every product state is reachable from the initial one
            }
            if (!here || (home && home->size() + o_.reset_cost < here->size())) {
                runs.emplace_back();
                here = home;
            }
            for (std::uint32_t e : *here) {
                runs.back().push_back(e);
                at = g.edges[e].target;
                if (!visited[at]) {
                    visited[at] = true;
                    --left;
                }
            }
        }
        suite.statistics.targets = g.states.size();
        suite.statistics.lower_bound = g.states.size() - 1;
        std::vector<bool> covered(g.states.size(), false);
        covered[0] = true;
        add_cases(suite, runs, [&](const TestCase&, const Step& s, std::vector<std::string>& covers) {
            std::uint32_t t = g.edges[s.edge].target;
            if (!covered[t]) {
                covered[t] = true;
                covers.push_back(state_label(g, t));
            }
        });
        suite.statistics.covered = g.states.size();
    }

    std::string state_label(const ProductGraph& g, std::uint32_t s) const {
        return fmt::format("{} [{}]", m_.state(g.states[s].state).name, interp_.format_vars(g.states[s].vars));
    }

    /// One case per scenario. A step the model does not allow is an error for user scenarios and a
    /// reason in not_covered for witnesses.
    bool scenarios(Suite& suite, const std::vector<Scenario>& list, bool strict,
                   std::vector<model::Diagnostic>& errors) const {
        const ProductGraph& g = suite.graph;
        std::vector<std::vector<std::uint32_t>> runs;
        std::vector<const Scenario*> which;
        for (const Scenario& sc : list) {
            std::vector<std::uint32_t> run;
            std::uint32_t at = 0;
            std::string problem;
            model::SourceRange where = sc.range;
            if (!sc.untestable.empty()) {
                problem = sc.untestable;
            } else if (sc.steps.empty() && !sc.observe_after) {
                problem = "the scenario has no step";
            }
            for (const ScenarioStep& step : sc.steps) {
                if (!step.transition && !step.event) {
                    problem = "a step names no transition or event of this model";
                    break;
                }
                std::vector<std::uint32_t> matches;
                for (std::uint32_t e : g.out[at]) {
                    const model::Transition& tr = m_.transition(g.edges[e].transition);
                    if ((step.transition && *step.transition != g.edges[e].transition) ||
                        (step.event && *step.event != tr.event) ||
                        (step.target && *step.target != g.states[g.edges[e].target].state)) {
                        continue;
                    }
                    matches.push_back(e);
                }
                std::set<std::uint32_t> targets;
                for (std::uint32_t e : matches) {
                    targets.insert(g.states[g.edges[e].target].state.value);
                }
                if (matches.empty() || targets.size() > 1) {
                    std::vector<std::string> allowed;
                    for (std::uint32_t e : g.out[at]) {
                        allowed.push_back(
                            fmt::format("{} -> {}", m_.events[m_.transition(g.edges[e].transition).event.index()].name,
                                        m_.state(g.states[g.edges[e].target].state).name));
                    }
                    std::string what = step.transition
                                           ? fmt::format("transition '{}'", m_.transition(*step.transition).name)
                                           : fmt::format("event '{}'", m_.events[step.event->index()].name);
                    problem =
                        matches.empty()
                            ? fmt::format("{} is not enabled in {} under this configuration; the model allows: {}",
                                          what, state_label(g, at),
                                          allowed.empty() ? "nothing" : fmt::format("{}", fmt::join(allowed, ", ")))
                            : fmt::format("{} may lead to several states from {}; write '-> State'", what,
                                          state_label(g, at));
                    where = step.range;
                    break;
                }
                run.push_back(matches.front());
                at = g.edges[matches.front()].target;
            }
            if (problem.empty() && sc.observe_after) {
                auto next = g.observations(at);
                if (!next.empty()) {
                    run.push_back(next.front());  // the others become its alternatives
                } else if (run.empty()) {
                    problem = "it shows in the initial state, where the client waits for the tester: nothing to drive";
                }
            }
            if (!problem.empty()) {
                if (strict) {
                    errors.push_back(error(problem, where));
                    return false;
                }
                suite.not_covered.push_back({sc.name, problem});
                continue;
            }
            runs.push_back(std::move(run));
            which.push_back(&sc);
        }
        suite.statistics.targets = list.size();
        suite.statistics.covered = runs.size();
        std::size_t k = 0;
        for (auto& run : runs) {
            TestCase c = CaseBuilder(g, o_.reset_cost)
                             .build(std::move(run), fmt::format("case{}", suite.cases.size() + 1),
                                    which[k]->purpose.empty() ? which[k]->name : which[k]->purpose);
            if (!c.steps.empty()) {
                c.steps.back().covers.push_back(which[k]->name);
            }
            suite.statistics.lower_bound += c.steps.size();
            suite.cases.push_back(std::move(c));
            ++k;
        }
        if (!suite.cases.empty()) {
            suite.statistics.lower_bound += (suite.cases.size() - 1) * o_.reset_cost;
        }
        return true;
    }

    void properties(Suite& suite) const {
        const ProductGraph& g = suite.graph;
        const Configuration& c = g.configuration;
        std::vector<Scenario> list;
        auto all = [](std::uint32_t, std::uint32_t) { return true; };
        auto to_scenario = [&](const model::Property& p, const std::vector<std::uint32_t>& run, std::string purpose) {
            Scenario sc{p.name, std::move(purpose), {}, p.range};
            for (std::uint32_t e : run) {
                sc.steps.push_back({std::nullopt, std::nullopt, g.edges[e].transition, p.range});
            }
            list.push_back(std::move(sc));
        };
        std::vector<NotCovered> skipped;
        for (const model::EventProperty& p : m_.event_properties) {
            skipped.push_back({p.name, "an event property speaks of every run; lwm2mc check verifies it"});
        }
        const model::ExprPtr goal = m_.goal();
        for (const model::Property& p : m_.properties) {
            auto holds = [&](const model::ExprPtr& e, std::uint32_t s) { return interp_.holds(e, c, g.states[s]); };
            auto is_goal = [&](std::uint32_t s) { return holds(p.to ? p.to : goal, s); };
            switch (p.kind) {
            case model::PropertyKind::Invariant:
                skipped.push_back({p.name, "an invariant over the client's variables is not observable in a test; "
                                           "--cover states visits every product state"});
                break;
            case model::PropertyKind::Reachable: {
                auto run = bfs(
                    g, 0, [&](std::uint32_t s) { return holds(p.expr, s); }, all);
                if (run) {
                    to_scenario(p, *run, fmt::format("reach a state where '{}' holds", p.name));
                } else {
                    skipped.push_back({p.name, "no reachable product state satisfies it in this configuration"});
                }
                break;
            }
            case model::PropertyKind::Recover:
            case model::PropertyKind::Within: {
                auto from = [&](std::uint32_t s) { return (!p.from || holds(p.from, s)) && !is_goal(s); };
                auto run = bfs(g, 0, from, all);
                if (!run) {
                    skipped.push_back({p.name, "no reachable product state where it starts (outside a goal state)"});
                    break;
                }
                std::uint32_t start = run->empty() ? 0 : g.edges[run->back()].target;
                auto relied = [&](std::uint32_t, std::uint32_t e) {
                    const model::Transition& t = m_.transition(g.edges[e].transition);
                    return p.reliance.admits(t.actor, t.peer);
                };
                auto back = bfs(g, start, is_goal, relied);
                if (!back) {
                    skipped.push_back({p.name, fmt::format("fails in this configuration: from {} no run relying on {} "
                                                           "reaches the goal (a finding of lwm2mc check)",
                                                           state_label(g, start), p.reliance.to_string())});
                    break;
                }
                run->insert(run->end(), back->begin(), back->end());
                std::string purpose = fmt::format("from {}, back to the goal relying on {}", state_label(g, start),
                                                  p.reliance.to_string());
                if (p.kind == model::PropertyKind::Within) {
                    purpose += fmt::format(" within {} s", interp_.evaluate(*p.expr, c));
                }
                to_scenario(p, *run, std::move(purpose));
                break;
            }
            }
        }
        std::vector<model::Diagnostic> ignored;
        scenarios(suite, list, false, ignored);
        suite.statistics.targets += skipped.size();
        suite.not_covered.insert(suite.not_covered.end(), skipped.begin(), skipped.end());
    }

    /// Turns runs into cases and assigns first-time coverage through `cover`.
    template <class Cover>
    void add_cases(Suite& suite, std::vector<std::vector<std::uint32_t>>& runs, Cover cover) const {
        CaseBuilder builder(suite.graph, o_.reset_cost);
        for (auto& run : runs) {
            if (run.empty()) {
                continue;
            }
            TestCase c = builder.build(std::move(run), fmt::format("case{}", suite.cases.size() + 1), "");
            std::size_t fresh = 0;
            for (Step& s : c.steps) {
                cover(c, s, s.covers);
                fresh += s.covers.size();
            }
            c.purpose =
                fmt::format("{} new {} target{}", fresh, criterion_name(o_.criterion.kind), fresh == 1 ? "" : "s");
            suite.cases.push_back(std::move(c));
        }
    }

    const Model& m_;
    const GenerateOptions& o_;
    Interpreter interp_;
    std::vector<model::ParamId> timing_{};
};

}  // namespace

GenerateResult generate(const Model& model, const GenerateOptions& options) {
    return Generator(model, options).run();
}

}  // namespace lwm2mc::testgen
