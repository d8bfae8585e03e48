// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/checker/compare.hpp"

#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/monitor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include "condition.hpp"
#include "parameter_roles.hpp"

namespace lwm2mc::checker {

const char* change_name(Change change) {
    switch (change) {
    case Change::Resolved:
        return "resolved";
    case Change::New:
        return "new";
    case Change::Unchanged:
        return "unchanged";
    case Change::Widened:
        return "widened";
    case Change::Narrowed:
        return "narrowed";
    case Change::Changed:
        return "changed";
    case Change::Undecided:
        return "undecided";
    }
    return "undecided";
}

std::vector<const FindingChange*> ProposalDiff::of(Change change) const {
    std::vector<const FindingChange*> out;
    for (const auto& c : changes) {
        if (c.change == change) {
            out.push_back(&c);
        }
    }
    return out;
}

bool ProposalDiff::introduces(Severity severity) const {
    return std::any_of(changes.begin(), changes.end(), [&](const FindingChange& c) {
        bool grows = c.change == Change::New || c.change == Change::Widened || c.change == Change::Changed;
        return grows && c.proposal && static_cast<int>(c.proposal->severity) <= static_cast<int>(severity);
    });
}

bool Alternatives::undecided() const {
    bool any = second_vs_first && !second_vs_first->unknown.empty();
    for (const auto& d : proposals) {
        any = any || !d.unknown.empty();
    }
    return any;
}

namespace {

bool contains(const std::vector<FindingKind>& kinds, FindingKind k) {
    return std::find(kinds.begin(), kinds.end(), k) != kinds.end();
}

/// The base model's literals over the proposal's parameters: parameters by name, enum values by
/// literal name. nullopt (with `why`) when a parameter is missing or changed its kind.
std::optional<std::vector<std::vector<Literal>>> remap(const model::Model& from, const model::Model& to,
                                                       const std::vector<std::vector<Literal>>& cubes,
                                                       std::string& why) {
    std::vector<std::vector<Literal>> out;
    for (const auto& cube : cubes) {
        std::vector<Literal> mapped;
        bool empty_cube = false;  // a literal that cannot hold in the proposal (enum value removed)
        for (const Literal& l : cube) {
            Literal m{l.op, {}, l.value};
            bool drop = false;  // a literal that always holds in the proposal
            for (const Literal::Term& t : l.terms) {
                const model::Parameter& p = from.parameters[t.param];
                auto it = std::find_if(to.parameters.begin(), to.parameters.end(),
                                       [&](const model::Parameter& q) { return q.name == p.name; });
                if (it == to.parameters.end()) {
                    why = fmt::format("parameter '{}' is not in the proposal", p.name);
                    return std::nullopt;
                }
                if (it->type.kind != p.type.kind) {
                    why = fmt::format("parameter '{}' has another type in the proposal", p.name);
                    return std::nullopt;
                }
                auto index = static_cast<std::size_t>(it - to.parameters.begin());
                if (p.type.kind == model::TypeKind::Enum) {
                    if (l.terms.size() != 1 || t.coefficient != 1 ||
                        (l.op != Literal::Op::Eq && l.op != Literal::Op::Ne)) {
                        why = fmt::format("enum parameter '{}' in arithmetic", p.name);
                        return std::nullopt;
                    }
                    const auto& from_literals = from.enums[p.type.enum_id].literals;
                    const auto& to_literals = to.enums[it->type.enum_id].literals;
                    if (l.value < 0 || static_cast<std::size_t>(l.value) >= from_literals.size()) {
                        why = fmt::format("enum parameter '{}' compared with a value it does not have", p.name);
                        return std::nullopt;
                    }
                    auto found = std::find(to_literals.begin(), to_literals.end(),
                                           from_literals[static_cast<std::size_t>(l.value)]);
                    if (found == to_literals.end()) {
                        // the value is gone: `p == V` never holds, `p != V` always does
                        (l.op == Literal::Op::Eq ? empty_cube : drop) = true;
                    } else {
                        m.value = found - to_literals.begin();
                    }
                }
                m.terms.push_back({t.coefficient, index});
            }
            if (!drop) {
                std::sort(m.terms.begin(), m.terms.end(),
                          [](const Literal::Term& x, const Literal::Term& y) { return x.param < y.param; });
                mapped.push_back(std::move(m));
            }
        }
        if (!empty_cube) {
            out.push_back(std::move(mapped));
        }
    }
    return out;
}

// ---- exact comparison by enumeration ------------------------------------------------------------
// When the explicit engine could enumerate the proposal's configurations, the two conditions are
// compared valuation by valuation, and a timing parameter (one that the explicit engine solves for
// as intervals) as intervals: exact, and the differences come out through the same condition
// builder as the explicit engine's conditions.

__extension__ typedef __int128 Wide;

struct Span {
    Wide lo;
    Wide hi;  ///< inclusive; empty when lo > hi
};
using Spans = std::vector<Span>;  ///< disjoint, ascending

Spans intersect(const Spans& x, const Spans& y) {
    Spans out;
    for (const Span& a : x) {
        for (const Span& b : y) {
            Span c{std::max(a.lo, b.lo), std::min(a.hi, b.hi)};
            if (c.lo <= c.hi) {
                out.push_back(c);
            }
        }
    }
    std::sort(out.begin(), out.end(), [](const Span& a, const Span& b) { return a.lo < b.lo; });
    return out;
}

Spans unite(Spans x) {
    std::sort(x.begin(), x.end(), [](const Span& a, const Span& b) { return a.lo < b.lo; });
    Spans out;
    for (const Span& s : x) {
        if (!out.empty() && s.lo <= out.back().hi + 1) {
            out.back().hi = std::max(out.back().hi, s.hi);
        } else {
            out.push_back(s);
        }
    }
    return out;
}

Spans subtract(const Spans& x, const Spans& y) {
    Spans out;
    for (Span a : x) {
        for (const Span& b : y) {
            if (b.hi < a.lo || b.lo > a.hi) {
                continue;
            }
            if (b.lo > a.lo) {
                out.push_back({a.lo, b.lo - 1});
            }
            a.lo = b.hi + 1;
            if (a.lo > a.hi) {
                break;
            }
        }
        if (a.lo <= a.hi) {
            out.push_back(a);
        }
    }
    return out;
}

Wide floor_div(Wide a, Wide b) {
    Wide q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/// The values of h in `domain` with  c*h op k.
Spans solve(Wide c, Literal::Op op, Wide k, Span domain) {
    if (c == 0) {
        bool holds = op == Literal::Op::Eq   ? 0 == k
                     : op == Literal::Op::Ne ? 0 != k
                     : op == Literal::Op::Gt ? 0 > k
                                             : 0 < k;
        return holds ? Spans{domain} : Spans{};
    }
    if (c < 0) {  // -|c| h op k  is  |c| h op' -k
        c = -c;
        k = -k;
        op = op == Literal::Op::Gt ? Literal::Op::Lt : op == Literal::Op::Lt ? Literal::Op::Gt : op;
    }
    switch (op) {
    case Literal::Op::Eq:
        return k % c == 0 ? intersect({domain}, {{k / c, k / c}}) : Spans{};
    case Literal::Op::Ne:
        return k % c == 0 ? subtract({domain}, {{k / c, k / c}}) : Spans{domain};
    case Literal::Op::Gt:  // h > k / c  is  h >= floor(k / c) + 1
        return intersect({domain}, {{floor_div(k, c) + 1, domain.hi}});
    case Literal::Op::Lt:  // h < k / c  is  h <= ceil(k / c) - 1
        return intersect({domain}, {{domain.lo, -floor_div(-k, c) - 1}});
    }
    return {};
}

class Enumeration {
public:
    /// nullopt when the explicit engine would not enumerate the model's configurations.
    static std::unique_ptr<Enumeration> of(const model::Model& m) {
        CheckOptions options;
        if (!explicit_configurations(m, options)) {
            return nullptr;
        }
        // the engines classify the parameters of the copy with the event properties' monitors
        const model::Model monitored = model::instrument_event_properties(m);
        return std::unique_ptr<Enumeration>(new Enumeration{m, classify_parameters(monitored, options)});
    }

    /// Whether every literal is over enumerated parameters and the timing parameter.
    bool covers(const std::vector<std::vector<Literal>>& cubes) const {
        for (const auto& cube : cubes) {
            for (const Literal& l : cube) {
                for (const Literal::Term& t : l.terms) {
                    if (!space_.enumerated(t.param) && !(timing_ && *timing_ == t.param)) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /// a && !b as a condition, with its smallest configuration ("" when it is false).
    std::pair<Condition, std::string> difference(const std::vector<std::vector<Literal>>& a,
                                                 const std::vector<std::vector<Literal>>& b) const {
        std::map<std::pair<model::Value, model::Value>, std::vector<std::size_t>> by_interval;
        std::vector<std::size_t> everywhere;  // without a timing parameter
        std::optional<std::pair<std::size_t, model::Value>> smallest;
        for (std::size_t i = 0; i < space_.size(); ++i) {
            if (!valid_[i]) {
                continue;
            }
            Spans d = subtract(holds(a, i), holds(b, i));
            if (d.empty()) {
                continue;
            }
            if (!smallest) {
                smallest = std::make_pair(i, static_cast<model::Value>(d.front().lo));
            }
            if (!timing_) {
                everywhere.push_back(i);
                continue;
            }
            for (const Span& s : d) {
                by_interval[{static_cast<model::Value>(s.lo), static_cast<model::Value>(s.hi)}].push_back(i);
            }
        }
        if (!smallest) {
            return {Condition{{}, std::vector<std::vector<Literal>>{}}, std::string()};
        }
        ConditionBuilder builder{m_, space_, valid_};
        Condition condition;
        if (!timing_) {
            condition = builder.build(everywhere);
        } else {
            std::vector<ConditionBuilder::Term> terms;
            for (const auto& [iv, cfgs] : by_interval) {
                for (auto& cube : builder.cover(cfgs)) {
                    terms.push_back({std::move(cube), *timing_, iv.first, iv.second});
                }
            }
            condition = builder.render(std::move(terms));
        }
        model::Configuration c = configuration(smallest->first);
        if (timing_) {
            c.values[*timing_] = smallest->second;
        }
        return {std::move(condition), model::Interpreter{m_}.format_configuration(c)};
    }

private:
    Enumeration(const model::Model& m, const ParamRoles& roles) : m_{m}, space_{m, roles.structural} {
        for (std::size_t p = 0; p < roles.timing.size(); ++p) {
            if (roles.timing[p]) {
                timing_ = p;
                domain_ = {m.parameters[p].type.lo, m.parameters[p].type.hi};
            }
        }
        model::Interpreter interp{m};
        valid_.resize(space_.size());
        for (std::size_t i = 0; i < space_.size(); ++i) {
            valid_[i] = interp.satisfies_constraints(configuration(i));
        }
    }

    model::Configuration configuration(std::size_t index) const {
        model::Configuration c;
        c.values.resize(m_.parameters.size());
        for (std::size_t p = 0; p < m_.parameters.size(); ++p) {
            c.values[p] = space_.enumerated(p) ? space_.value(index, p) : m_.parameters[p].type.lo;
        }
        return c;
    }

    /// The values of the timing parameter (all of [0, 0] without one) where the DNF holds under
    /// the valuation numbered `index`.
    Spans holds(const std::vector<std::vector<Literal>>& cubes, std::size_t index) const {
        Spans all;
        for (const auto& cube : cubes) {
            Spans here{domain_};
            for (const Literal& l : cube) {
                Wide c = 0, k = l.value;
                for (const Literal::Term& t : l.terms) {
                    if (timing_ && t.param == *timing_) {
                        c += t.coefficient;
                    } else {
                        k -= static_cast<Wide>(t.coefficient) * space_.value(index, t.param);
                    }
                }
                here = intersect(here, solve(c, l.op, k, domain_));
                if (here.empty()) {
                    break;
                }
            }
            all.insert(all.end(), here.begin(), here.end());
        }
        return unite(std::move(all));
    }

    const model::Model& m_;
    ConfigurationSpace space_;
    std::vector<bool> valid_{};
    std::optional<std::size_t> timing_{};
    Span domain_{0, 0};
};

void classify(FindingChange& c) {
    bool more = !c.now_also.never();
    bool fewer = !c.no_longer.never();
    c.change = more && fewer ? Change::Changed : more ? Change::Widened : fewer ? Change::Narrowed : Change::Unchanged;
}

FindingChange decide(const model::Model& base_model, const Finding& b, const model::Model& proposal_model,
                     const Finding& p, const std::unique_ptr<Enumeration>& enumeration, const CompareOptions& options) {
    FindingChange c;
    c.id = p.id;
    c.kind = p.kind;
    c.base = b;
    c.proposal = p;
    if (b.condition.always() && p.condition.always()) {
        c.change = Change::Unchanged;
        return c;
    }
    if (!b.condition.literals || !p.condition.literals) {
        if (b.condition.to_string() == p.condition.to_string() &&
            base_model.parameters.size() == proposal_model.parameters.size()) {
            c.change = Change::Unchanged;
            return c;
        }
        c.why_undecided = "a condition is not linear in the parameters";
        return c;
    }
    std::string why;
    auto mapped = remap(base_model, proposal_model, *b.condition.literals, why);
    if (!mapped) {
        c.why_undecided = why;
        return c;
    }
    if (*mapped == *p.condition.literals) {
        c.change = Change::Unchanged;
        return c;
    }
    if (options.enumerate && enumeration && enumeration->covers(*mapped) &&
        enumeration->covers(*p.condition.literals)) {
        std::tie(c.now_also, c.now_also_configuration) = enumeration->difference(*p.condition.literals, *mapped);
        std::tie(c.no_longer, c.no_longer_configuration) = enumeration->difference(*mapped, *p.condition.literals);
        classify(c);
        return c;
    }
    Condition base_condition;
    base_condition.literals = std::move(*mapped);
    CheckOptions check_options;
    check_options.solver_timeout_ms = options.solver_timeout_ms;
    check_options.time_limit_ms = options.time_limit_ms;
    check_options.progress = [](const std::string&) {};
    detail::ConditionDifference d =
        detail::compare_conditions(proposal_model, p.condition, base_condition, check_options);
    if (!d.decided) {
        c.why_undecided = "the solver could not compare the conditions: " + d.why;
        return c;
    }
    c.now_also = std::move(d.a_not_b);
    c.now_also_configuration = std::move(d.a_not_b_configuration);
    c.no_longer = std::move(d.b_not_a);
    c.no_longer_configuration = std::move(d.b_not_a_configuration);
    classify(c);
    return c;
}

}  // namespace

ProposalDiff compare(const model::Model& base_model, const CheckResult& base, const model::Model& proposal_model,
                     const CheckResult& proposal, const CompareOptions& options) {
    ProposalDiff diff;
    diff.base_name = base.model_name;
    diff.proposal_name = proposal.model_name;
    std::map<std::string, const Finding*> in_base;
    for (const auto& f : base.findings) {
        in_base[f.id] = &f;
    }
    std::set<std::string> seen;
    std::unique_ptr<Enumeration> enumeration;
    bool enumeration_tried = false;
    for (const auto& p : proposal.findings) {
        seen.insert(p.id);
        auto it = in_base.find(p.id);
        if (it != in_base.end()) {
            if (!enumeration_tried) {
                enumeration_tried = true;
                try {
                    enumeration = Enumeration::of(proposal_model);
                } catch (...) {
                    enumeration.reset();  // the solver compares instead
                }
            }
            diff.changes.push_back(decide(base_model, *it->second, proposal_model, p, enumeration, options));
            continue;
        }
        FindingChange c;
        c.id = p.id;
        c.kind = p.kind;
        c.proposal = p;
        if (contains(base.unchecked, p.kind)) {
            c.why_undecided = fmt::format("the base model's {} findings were not all decided", finding_code(p.kind));
        } else {
            c.change = Change::New;
            c.now_also = p.condition;
            c.now_also_configuration = p.witness ? p.witness->configuration : std::string();
        }
        diff.changes.push_back(std::move(c));
    }
    for (const auto& b : base.findings) {
        if (seen.count(b.id)) {
            continue;
        }
        FindingChange c;
        c.id = b.id;
        c.kind = b.kind;
        c.base = b;
        if (contains(proposal.unchecked, b.kind)) {
            c.why_undecided = fmt::format("the proposal's {} findings were not all decided", finding_code(b.kind));
        } else {
            c.change = Change::Resolved;
            c.no_longer = b.condition;
            c.no_longer_configuration = b.witness ? b.witness->configuration : std::string();
        }
        diff.changes.push_back(std::move(c));
    }
    for (const auto& c : diff.changes) {
        if (c.change == Change::Undecided) {
            diff.unknown.push_back(fmt::format("'{}': {}", c.id, c.why_undecided));
        }
    }
    for (const auto& u : base.unknown) {
        diff.unknown.push_back("base model: " + u);
    }
    return diff;
}

}  // namespace lwm2mc::checker
