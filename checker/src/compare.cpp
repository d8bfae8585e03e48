// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/checker/compare.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

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

FindingChange decide(const model::Model& base_model, const Finding& b, const model::Model& proposal_model,
                     const Finding& p, const CompareOptions& options) {
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
    Condition base_condition;
    base_condition.literals = std::move(*mapped);
    CheckOptions check_options;
    check_options.solver_timeout_ms = options.solver_timeout_ms;
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
    bool more = !c.now_also.never();
    bool fewer = !c.no_longer.never();
    c.change = more && fewer ? Change::Changed : more ? Change::Widened : fewer ? Change::Narrowed : Change::Unchanged;
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
    for (const auto& p : proposal.findings) {
        seen.insert(p.id);
        auto it = in_base.find(p.id);
        if (it != in_base.end()) {
            diff.changes.push_back(decide(base_model, *it->second, proposal_model, p, options));
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
