// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/model/model_diff.hpp"

#include "lwm2mc/model/monitor.hpp"
#include "lwm2mc/model/printer.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <tuple>

namespace lwm2mc::model {

const char* diff_kind_name(DiffKind kind) {
    switch (kind) {
    case DiffKind::Added:
        return "added";
    case DiffKind::Removed:
        return "removed";
    case DiffKind::Changed:
        return "changed";
    }
    return "?";
}

namespace {

std::string expr_text(const ExprPtr& e) {
    return e ? format_expr(*e) : std::string{};
}

/// The parts of a transition that a proposal can change, each as text (names, not indices: the two models number
/// their variables independently).
struct TransitionText {
    std::string guard;
    std::string updates;
    std::string actor;
    std::string duration;
    std::string label;
    std::string doc;
    std::string ref;
};

TransitionText text_of(const Model& m, const Transition& t) {
    TransitionText out;
    out.guard = expr_text(t.guard);
    for (const auto& u : t.updates) {
        out.updates += (out.updates.empty() ? "" : ", ") + format_update(m, u);
    }
    out.actor = qualified_actor_name(t.actor, t.peer);
    out.duration = expr_text(t.duration);
    out.label = t.labelled ? t.name : std::string{};
    out.doc = t.doc;
    out.ref = t.ref;
    return out;
}

std::vector<std::string> differences(const TransitionText& a, const TransitionText& b) {
    std::vector<std::string> what;
    const std::pair<const std::string TransitionText::*, const char*> fields[] = {
        {&TransitionText::guard, "guard"}, {&TransitionText::updates, "updates"},
        {&TransitionText::actor, "actor"}, {&TransitionText::duration, "duration"},
        {&TransitionText::label, "label"}, {&TransitionText::doc, "description"},
        {&TransitionText::ref, "ref"},
    };
    for (const auto& [field, name] : fields) {
        if (a.*field != b.*field) {
            what.emplace_back(name);
        }
    }
    return what;
}

using TransitionKey = std::tuple<std::string, std::string, std::string>;  // source, event, target names

TransitionKey key_of(const Model& m, const Transition& t) {
    return {m.state(t.source).name, m.events[t.event.index()].name, m.state(t.target).name};
}

void diff_transitions(const Model& base, const Model& proposal, ModelDiff& out) {
    std::map<TransitionKey, std::vector<std::size_t>> base_by_key;
    std::map<TransitionKey, std::vector<std::size_t>> proposal_by_key;
    for (std::size_t i = 0; i < base.transition_count(); ++i) {
        base_by_key[key_of(base, base.transition(TransitionId{i}))].push_back(i);
    }
    for (std::size_t i = 0; i < proposal.transition_count(); ++i) {
        proposal_by_key[key_of(proposal, proposal.transition(TransitionId{i}))].push_back(i);
    }
    std::vector<std::optional<std::size_t>> partner_of_base(base.transition_count());
    std::vector<std::optional<std::size_t>> partner_of_proposal(proposal.transition_count());
    std::vector<std::vector<std::string>> what_of_base(base.transition_count());
    for (const auto& [key, base_ids] : base_by_key) {
        auto it = proposal_by_key.find(key);
        if (it == proposal_by_key.end()) {
            continue;
        }
        const auto& proposal_ids = it->second;
        std::vector<TransitionText> b_text;
        std::vector<TransitionText> p_text;
        for (std::size_t b : base_ids) {
            b_text.push_back(text_of(base, base.transition(TransitionId{b})));
        }
        for (std::size_t p : proposal_ids) {
            p_text.push_back(text_of(proposal, proposal.transition(TransitionId{p})));
        }
        // Identical rows first, then rows with the same label, then the rest in order.
        const std::function<bool(std::size_t, std::size_t)> passes[] = {
            [&](std::size_t b, std::size_t p) { return differences(b_text[b], p_text[p]).empty(); },
            [&](std::size_t b, std::size_t p) {
                return !b_text[b].label.empty() && b_text[b].label == p_text[p].label;
            },
            [](std::size_t, std::size_t) { return true; },
        };
        for (const auto& pairs : passes) {
            for (std::size_t b = 0; b < base_ids.size(); ++b) {
                if (partner_of_base[base_ids[b]]) {
                    continue;
                }
                for (std::size_t p = 0; p < proposal_ids.size(); ++p) {
                    if (!partner_of_proposal[proposal_ids[p]] && pairs(b, p)) {
                        partner_of_base[base_ids[b]] = proposal_ids[p];
                        partner_of_proposal[proposal_ids[p]] = base_ids[b];
                        what_of_base[base_ids[b]] = differences(b_text[b], p_text[p]);
                        break;
                    }
                }
            }
        }
    }
    for (std::size_t b = 0; b < base.transition_count(); ++b) {
        if (!partner_of_base[b]) {
            out.transitions.push_back({DiffKind::Removed, TransitionId{b}, std::nullopt, {}});
        } else if (!what_of_base[b].empty()) {
            out.transitions.push_back(
                {DiffKind::Changed, TransitionId{b}, TransitionId{*partner_of_base[b]}, what_of_base[b]});
        } else {
            out.unchanged_transitions.emplace_back(TransitionId{b}, TransitionId{*partner_of_base[b]});
        }
    }
    for (std::size_t p = 0; p < proposal.transition_count(); ++p) {
        if (!partner_of_proposal[p]) {
            out.transitions.push_back({DiffKind::Added, std::nullopt, TransitionId{p}, {}});
        }
    }
}

void diff_states(const Model& base, const Model& proposal, ModelDiff& out) {
    for (std::size_t i = 0; i < base.state_count(); ++i) {
        const State& b = base.state(StateId{i});
        const auto p_id = proposal.find_state(b.name);
        if (!p_id) {
            out.states.push_back({DiffKind::Removed, b.name, b.id, std::nullopt, {}});
            continue;
        }
        const State& p = proposal.state(*p_id);
        std::vector<std::string> what;
        const std::tuple<bool, const char*> checks[] = {
            {b.initial != p.initial, "initial"}, {b.goal != p.goal, "goal"},      {b.final != p.final, "final"},
            {b.group != p.group, "group"},       {b.doc != p.doc, "description"}, {b.ref != p.ref, "ref"},
        };
        for (const auto& [differs, name] : checks) {
            if (differs) {
                what.emplace_back(name);
            }
        }
        if (!what.empty()) {
            out.states.push_back({DiffKind::Changed, b.name, b.id, p.id, std::move(what)});
        }
    }
    for (std::size_t i = 0; i < proposal.state_count(); ++i) {
        const State& p = proposal.state(StateId{i});
        if (!base.find_state(p.name)) {
            out.states.push_back({DiffKind::Added, p.name, std::nullopt, p.id, {}});
        }
    }
}

/// Separates the text shown from the description and reference, which count as changes but are not shown
/// (they are often long).
constexpr char kHidden = '\x1f';

std::string described(std::string text, const std::string& doc, const std::string& ref) {
    return text + kHidden + quote(doc) + " ref " + quote(ref);
}

std::string shown(const std::string& text) {
    return text.substr(0, text.find(kHidden));
}

/// Declarations of one kind as (name, text) in declaration order.
using Named = std::vector<std::pair<std::string, std::string>>;

void diff_named(const char* element, const Named& base, const Named& proposal, ModelDiff& out) {
    const auto find = [](const Named& list, const std::string& name) {
        return std::find_if(list.begin(), list.end(), [&](const auto& e) { return e.first == name; });
    };
    for (const auto& [name, text] : base) {
        auto it = find(proposal, name);
        if (it == proposal.end()) {
            out.declarations.push_back({DiffKind::Removed, element, name, shown(text), {}});
        } else if (it->second != text) {
            out.declarations.push_back({DiffKind::Changed, element, name, shown(text), shown(it->second)});
        }
    }
    for (const auto& [name, text] : proposal) {
        if (find(base, name) == base.end()) {
            out.declarations.push_back({DiffKind::Added, element, name, {}, shown(text)});
        }
    }
}

void diff_declarations(const Model& base, const Model& proposal, ModelDiff& out) {
    const auto parameters = [](const Model& m) {
        Named out_list;
        for (const auto& p : m.parameters) {
            out_list.emplace_back(p.name, described(p.name + ": " + m.format_type(p.type), p.doc, p.ref));
        }
        return out_list;
    };
    const auto variables = [](const Model& m) {
        Named out_list;
        for (const auto& v : m.variables) {
            out_list.emplace_back(v.name,
                                  described(v.name + ": " + m.format_type(v.type) + " = " + expr_text(v.initial) +
                                                (v.persistent ? " persistent" : " volatile"),
                                            v.doc, v.ref));
        }
        return out_list;
    };
    const auto constants = [](const Model& m) {
        Named out_list;
        for (const auto& c : m.constants) {
            out_list.emplace_back(c.name, c.name + " = " + std::to_string(c.value));
        }
        return out_list;
    };
    const auto constraints = [](const Model& m) {
        Named out_list;
        for (const auto& c : m.constraints) {
            out_list.emplace_back(c.name, described(c.name + ": " + expr_text(c.expr), c.doc, c.ref));
        }
        return out_list;
    };
    const auto events = [](const Model& m) {
        Named out_list;
        for (const auto& e : m.events) {
            out_list.emplace_back(e.name,
                                  described(e.name + ": " + qualified_actor_name(e.actor, e.peer), e.doc, e.ref));
        }
        return out_list;
    };
    const auto properties = [](const Model& m) {
        Named out_list;
        for (const auto& p : m.properties) {
            std::string text = p.name + ": " + property_kind_name(p.kind) + " " + expr_text(p.expr);
            if (p.from) {
                text += " from " + expr_text(p.from);
            }
            if (p.to) {
                text += " to " + expr_text(p.to);
            }
            if (p.reliance_given) {
                text += " relying on " + p.reliance.to_string();
            }
            out_list.emplace_back(p.name, described(std::move(text), p.doc, p.ref));
        }
        for (const auto& p : m.event_properties) {
            out_list.emplace_back(p.name, described(p.name + ": " + format_event_property(m, p), p.doc, p.ref));
        }
        return out_list;
    };
    // Named enum types, regions and the goal condition: their meaning already reaches the variables and rows
    // they compile to, but a reader of the comparison must see the change where it was written.
    const auto types = [](const Model& m) {
        Named out_list;
        for (const auto& e : m.enums) {
            if (!e.named) {
                continue;
            }
            std::string text = e.name + " = enum {";
            for (std::size_t i = 0; i < e.literals.size(); ++i) {
                text += (i == 0 ? " " : ", ") + e.literals[i];
            }
            out_list.emplace_back(e.name, described(text + " }", e.doc, e.ref));
        }
        return out_list;
    };
    const auto regions = [](const Model& m) {
        Named out_list;
        for (const auto& r : m.regions) {
            std::string text = r.name + " {";
            for (std::size_t i = 0; i < r.states.size(); ++i) {
                const RegionState& s = r.states[i];
                text += (i == 0 ? " " : ", ") + s.name + (s.initial ? " initial" : "") + (s.goal ? " goal" : "");
            }
            std::string hidden;
            for (const RegionState& s : r.states) {
                hidden += quote(s.doc) + " " + quote(s.ref) + ";";
            }
            out_list.emplace_back(r.name, described(text + " }", r.doc + hidden, r.ref));
        }
        return out_list;
    };
    const auto goal = [](const Model& m) {
        Named out_list;
        if (m.goal_condition) {
            out_list.emplace_back(
                "goal", described(expr_text(m.goal_condition->expr), m.goal_condition->doc, m.goal_condition->ref));
        }
        return out_list;
    };
    diff_named("type", types(base), types(proposal), out);
    diff_named("parameter", parameters(base), parameters(proposal), out);
    diff_named("var", variables(base), variables(proposal), out);
    diff_named("const", constants(base), constants(proposal), out);
    diff_named("constraint", constraints(base), constraints(proposal), out);
    diff_named("event", events(base), events(proposal), out);
    diff_named("property", properties(base), properties(proposal), out);
    diff_named("region", regions(base), regions(proposal), out);
    diff_named("goal", goal(base), goal(proposal), out);
}

}  // namespace

const TransitionDiff* ModelDiff::of_proposal(TransitionId id) const {
    auto it = std::find_if(transitions.begin(), transitions.end(),
                           [&](const TransitionDiff& d) { return d.proposal && *d.proposal == id; });
    return it == transitions.end() ? nullptr : &*it;
}

const TransitionDiff* ModelDiff::of_base(TransitionId id) const {
    auto it = std::find_if(transitions.begin(), transitions.end(),
                           [&](const TransitionDiff& d) { return d.base && *d.base == id; });
    return it == transitions.end() ? nullptr : &*it;
}

const StateDiff* ModelDiff::of_state(std::string_view name) const {
    auto it = std::find_if(states.begin(), states.end(), [&](const StateDiff& d) { return d.name == name; });
    return it == states.end() ? nullptr : &*it;
}

ModelDiff diff_models(const Model& base, const Model& proposal) {
    ModelDiff out;
    diff_states(base, proposal, out);
    diff_transitions(base, proposal, out);
    diff_declarations(base, proposal, out);
    return out;
}

}  // namespace lwm2mc::model
