// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/diagrams/dot.hpp"

#include "lwm2mc/model/printer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <iterator>
#include <map>
#include <set>
#include <tuple>

namespace lwm2mc::diagrams {

using model::Actor;
using model::Expr;
using model::Op;
using model::StateId;
using model::TransitionId;
using model::Value;

namespace {

/// Copies `text`, replacing each character for which `replacement` returns a string.
template <class Replacement>
std::string escape_with(std::string_view text, Replacement replacement) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (const char* r = replacement(c)) {
            out += r;
        } else {
            out += c;
        }
    }
    return out;
}

const char* markup_entity(char c) {
    switch (c) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '\r':
        return "";
    default:
        return nullptr;
    }
}

}  // namespace

std::string escape_dot_string(std::string_view text) {
    return escape_with(text, [](char c) -> const char* {
        switch (c) {
        case '\\':
            return "\\\\";
        case '"':
            return "\\\"";
        case '\n':
            return "\\n";
        default:
            return markup_entity(c);
        }
    });
}

std::string escape_html(std::string_view text) {
    return escape_with(text, [](char c) -> const char* {
        switch (c) {
        case '"':
            return "&quot;";
        case '\n':
            return "<BR/>";
        default:
            return markup_entity(c);
        }
    });
}

namespace {

// ---- which transitions a configuration disables ----------------------------------------------------

void collect_symbols(const Expr& e, std::set<std::size_t>& params, std::set<std::size_t>& vars) {
    if (e.op == Op::Param) {
        params.insert(e.index);
    } else if (e.op == Op::Var) {
        vars.insert(e.index);
    }
    if (e.lhs) {
        collect_symbols(*e.lhs, params, vars);
    }
    if (e.rhs) {
        collect_symbols(*e.rhs, params, vars);
    }
}

/// Largest number of valuations tried for one guard; beyond it the transition is left enabled.
constexpr std::uint64_t kMaxGuardValuations = 1U << 16U;

/// True when the guard of `t` holds for some value of the free symbols it mentions.
bool can_be_enabled(const model::Model& m, const model::Interpreter& interp, const model::Transition& t,
                    const std::vector<std::optional<Value>>& fixed) {
    if (!t.guard) {
        return true;
    }
    std::set<std::size_t> params;
    std::set<std::size_t> vars;
    collect_symbols(*t.guard, params, vars);

    // The symbols to enumerate, each with its domain.
    struct Slot {
        bool is_param;
        std::size_t index;
        Value lo;
        Value hi;
    };
    std::vector<Slot> slots;
    model::Configuration config;
    config.values.resize(m.parameters.size());
    for (std::size_t p = 0; p < m.parameters.size(); ++p) {
        const auto& type = m.parameters[p].type;
        const bool is_fixed = p < fixed.size() && fixed[p].has_value();
        config.values[p] = is_fixed ? *fixed[p] : type.lo;
        if (!is_fixed && params.count(p) != 0) {
            slots.push_back({true, p, type.lo, type.hi});
        }
    }
    std::vector<Value> valuation(m.variables.size());
    for (std::size_t v = 0; v < m.variables.size(); ++v) {
        valuation[v] = m.variables[v].type.lo;
        if (vars.count(v) != 0) {
            slots.push_back({false, v, m.variables[v].type.lo, m.variables[v].type.hi});
        }
    }
    std::uint64_t total = 1;
    for (const auto& s : slots) {
        const auto width = static_cast<std::uint64_t>(s.hi - s.lo) + 1U;
        if (width == 0 || width > kMaxGuardValuations || total * width > kMaxGuardValuations) {
            return true;  // too many to try: do not claim it is disabled
        }
        total *= width;
    }
    for (std::uint64_t n = 0; n < total; ++n) {
        std::uint64_t rest = n;
        for (const auto& s : slots) {
            const auto width = static_cast<std::uint64_t>(s.hi - s.lo) + 1U;
            const Value value = s.lo + static_cast<Value>(rest % width);
            rest /= width;
            if (s.is_param) {
                config.values[s.index] = value;
            } else {
                valuation[s.index] = value;
            }
        }
        try {
            if (interp.evaluate(*t.guard, config, valuation, t.source) != 0) {
                return true;
            }
        } catch (const model::EvalError&) {
            return true;  // overflow: undecided, so not disabled
        }
    }
    return false;
}

// ---- labels -----------------------------------------------------------------------------------------

/// Breaks `text` into lines of about `width` characters at spaces, keeping operators with what follows.
std::string wrap(std::string_view text, std::size_t width) {
    std::string out;
    std::size_t line = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t next = text.find(' ', pos + 1);
        if (next == std::string_view::npos) {
            next = text.size();
        }
        std::string_view word = text.substr(pos, next - pos);
        if (line > 0 && line + word.size() > width && !word.empty() && word.front() == ' ') {
            out += '\n';
            word.remove_prefix(1);
            line = 0;
        }
        out += word;
        line += word.size();
        pos = next;
    }
    return out;
}

std::string update_text(const model::Model& m, const model::Update& u) {
    switch (u.kind) {
    case model::UpdateKind::ResetVolatile:
        return "reset volatile";
    case model::UpdateKind::ResetAll:
        return "reset all";
    case model::UpdateKind::Assign:
        break;
    }
    const std::string value = u.value ? model::format_expr(*u.value) : std::string{};
    return fmt::format("{} = {}", m.variables[u.var.index()].name, value);
}

std::string edge_label(const model::Model& m, const model::Transition& t) {
    std::string label = m.events[t.event.index()].name;
    if (t.guard) {
        label += "\n" + wrap("[" + model::format_expr(*t.guard) + "]", 34);
    }
    if (!t.updates.empty()) {
        std::string updates;
        for (const auto& u : t.updates) {
            if (!updates.empty()) {
                updates += ", ";
            }
            updates += update_text(m, u);
        }
        label += "\n" + wrap("/ " + updates, 34);
    }
    if (t.duration) {
        label += "\nafter " + model::format_expr(*t.duration) + " s";
    }
    return label;
}

struct ActorStyle {
    const char* style;
    const char* color;
    const char* extra;  ///< further attributes, with a leading ", " when non-empty
    const char* legend;
    const char* sample;     ///< the line style drawn with characters, for the legend table
    const char* loop_mark;  ///< prefix of an internal transition (self-loop) of this actor
};

ActorStyle actor_style(Actor a) {
    switch (a) {
    case Actor::Client:
        return {"solid", "#000000", "", "client step", "\u2500\u2500\u2500\u25B6", "\u21BB "};
    case Actor::Choice:
        return {"solid",
                "#1b7837",
                ", dir=both, arrowtail=odiamond",
                "client choice (left open by the spec)",
                "\u25C7\u2500\u2500\u25B6",
                "\u25C7 "};
    case Actor::Response:
        return {"solid",  "#2166ac", "", "response of a server or bootstrap server", "\u2500\u2500\u2500\u25B6",
                "\u21BB "};
    case Actor::ServerInitiative:
        return {"dotted", "#762a83", ", penwidth=1.6", "LwM2M server initiative", "\u00B7\u00B7\u00B7\u00B7\u25B6",
                "\u21BB "};
    case Actor::BsInitiative:
        return {"dotted", "#b35806", ", penwidth=1.6", "bootstrap-server initiative", "\u00B7\u00B7\u00B7\u00B7\u25B6",
                "\u21BB "};
    case Actor::Fault:
        return {"dashed", "#b2182b", "", "fault: timeout, rejection, loss", "\u2012 \u2012 \u25B6", "\u21BB "};
    case Actor::Operator:
        return {"bold",
                "#4d4d4d",
                ", arrowhead=vee",
                "operator: reboot, factory reset, power",
                "\u2501\u2501\u2501\u27A4",
                "\u21BB "};
    }
    return {"solid", "#000000", "", "?", "", ""};
}

const char* mark_color(MarkKind k) {
    switch (k) {
    case MarkKind::Unreachable:
        return "#969696";
    case MarkKind::NoRecovery:
        return "#d73027";
    case MarkKind::Deadlock:
        return "#a50026";
    case MarkKind::Ambiguity:
        return "#c51b7d";
    case MarkKind::Property:
        return "#f46d43";
    }
    return "#000000";
}

const char* mark_name(MarkKind k) {
    switch (k) {
    case MarkKind::Unreachable:
        return "unreachable";
    case MarkKind::NoRecovery:
        return "no recovery";
    case MarkKind::Deadlock:
        return "deadlock";
    case MarkKind::Ambiguity:
        return "ambiguity";
    case MarkKind::Property:
        return "property";
    }
    return "?";
}

constexpr const char* kTraceColor = "#1f78b4";

/// How far a suite covers a transition, worst first (a group of transitions takes its worst member's).
enum class Cover { None, IfChosen, Planned };

const char* cover_color(Cover c) {
    switch (c) {
    case Cover::Planned:
        return "#1a9850";
    case Cover::IfChosen:
        return "#e08214";
    case Cover::None:
        return "#e31a1c";
    }
    return "#000000";
}

double cover_penwidth(Cover c) {
    switch (c) {
    case Cover::Planned:
        return 2.5;
    case Cover::IfChosen:
        return 2.0;
    case Cover::None:
        return 1.2;
    }
    return 1.0;
}

/// "×3", "×3 (+1 if chosen)", "×1 if chosen" or "×0": traversals by planned steps and by alternatives.
std::string count_note(std::size_t planned, std::size_t if_chosen) {
    if (planned > 0 && if_chosen > 0) {
        return fmt::format("\u00D7{} (+{} if chosen)", planned, if_chosen);
    }
    if (planned > 0) {
        return fmt::format("\u00D7{}", planned);
    }
    if (if_chosen > 0) {
        return fmt::format("\u00D7{} if chosen", if_chosen);
    }
    return "\u00D70";
}

std::string node_id(const model::State& s) {
    return "\"" + escape_dot_string(s.name) + "\"";
}

class DotWriter {
public:
    DotWriter(const model::Model& m, const DotOptions& o, const Highlights& h) : m_{m}, o_{o}, h_{h}, interp_{m} {}

    std::string write() {
        analyse();
        if (o_.legend) {
            legend();
        }
        header();
        states();
        transitions();
        out_ += "}\n";
        return std::move(out_);
    }

private:
    void analyse() {
        const std::size_t n_states = m_.state_count();
        const std::size_t n_trans = m_.transition_count();
        disabled_.assign(n_trans, false);
        greyed_state_.assign(n_states, false);
        const bool any_fixed =
            std::any_of(o_.fixed.begin(), o_.fixed.end(), [](const auto& v) { return v.has_value(); });
        if (any_fixed) {
            for (TransitionId t : disabled_transitions(m_, o_.fixed)) {
                disabled_[t.index()] = true;
            }
            // States that only disabled transitions lead to.
            std::vector<bool> seen(n_states, false);
            std::deque<StateId> queue{m_.initial_state()};
            seen[m_.initial_state().index()] = true;
            while (!queue.empty()) {
                StateId s = queue.front();
                queue.pop_front();
                for (TransitionId t : m_.out_transitions(s)) {
                    const StateId d = m_.transition(t).target;
                    if (!disabled_[t.index()] && !seen[d.index()]) {
                        seen[d.index()] = true;
                        queue.push_back(d);
                    }
                }
            }
            for (std::size_t s = 0; s < n_states; ++s) {
                greyed_state_[s] = !seen[s];
            }
        }
        // Finding numbers per state and transition.
        state_marks_.assign(n_states, {});
        trans_marks_.assign(n_trans, {});
        for (std::size_t i = 0; i < h_.marks.size(); ++i) {
            for (StateId s : h_.marks[i].states) {
                if (s.index() < n_states) {
                    state_marks_[s.index()].push_back(i);
                }
            }
            for (TransitionId t : h_.marks[i].transitions) {
                if (t.index() < n_trans) {
                    trans_marks_[t.index()].push_back(i);
                }
            }
        }
        planned_.assign(n_trans, 0);
        if_chosen_.assign(n_trans, 0);
        if (h_.coverage) {
            for (const auto& [t, n] : h_.coverage->planned) {
                if (t.index() < n_trans) {
                    planned_[t.index()] += n;
                }
            }
            for (const auto& [t, n] : h_.coverage->if_chosen) {
                if (t.index() < n_trans) {
                    if_chosen_[t.index()] += n;
                }
            }
        }
        trace_numbers_.assign(n_trans, {});
        if (h_.trace) {
            for (std::size_t i = 0; i < h_.trace->steps.size(); ++i) {
                const auto t = h_.trace->steps[i];
                if (t.index() < n_trans) {
                    trace_numbers_[t.index()].push_back(i + 1);
                }
            }
        }
    }

    void header() {
        std::string title = o_.title;
        if (title.empty()) {
            title = m_.name;
            if (!m_.title.empty()) {
                title += "\n" + wrap(m_.title, 90);
            }
        }
        if (!o_.configuration_text.empty()) {
            title += "\nconfiguration: " + wrap(o_.configuration_text, 90);
        }
        if (h_.trace) {
            title += "\nwitness: " + wrap(h_.trace->title, 90);
        }
        if (h_.coverage) {
            title += "\ncoverage: " + wrap(h_.coverage->title, 90);
        }
        out_ += fmt::format("digraph \"{}\" {{\n", escape_dot_string(m_.name));
        std::string label = "<TABLE BORDER=\"0\" CELLSPACING=\"4\"><TR><TD><FONT POINT-SIZE=\"16\">" +
                            escape_html(title) + "</FONT></TD></TR>";
        if (!legend_.empty()) {
            label += "<TR><TD>" + legend_ + "</TD></TR>";
        }
        label += "</TABLE>";
        // One table row per DOT line keeps golden diffs readable (whitespace between HTML elements is ignored).
        for (std::size_t pos = label.find("</TR>"); pos != std::string::npos; pos = label.find("</TR>", pos)) {
            pos += 5;
            label.insert(pos, "\n    ");
        }
        out_ += fmt::format("  graph [label=<{}>, labelloc=t, fontname=\"Helvetica\", rankdir=TB, nodesep=0.35, "
                            "ranksep=0.45];\n",
                            label);
        out_ += "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\", "
                "fontsize=12, margin=\"0.12,0.06\"];\n";
        out_ += "  edge [fontname=\"Helvetica\", fontsize=9, arrowsize=0.7];\n";
    }

    std::string state_node(const model::State& s) {
        const std::size_t i = s.id.index();
        std::string label = "<<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"1\"><TR><TD><B>" +
                            escape_html(s.name) + "</B></TD></TR>";
        if (!state_marks_[i].empty()) {
            std::string tags;
            for (std::size_t k : state_marks_[i]) {
                tags += fmt::format("{}F{}", tags.empty() ? "" : " ", k + 1);
            }
            label += "<TR><TD><FONT POINT-SIZE=\"9\" COLOR=\"#a50026\">" + escape_html(tags) + "</FONT></TD></TR>";
        }
        // Self-loops are drawn as UML internal transitions, in a compartment of the state: dot places the labels of
        // several self-loops on top of each other.
        std::string loops;
        for (TransitionId t : m_.out_transitions(s.id)) {
            const auto& tr = m_.transition(t);
            if (tr.target != s.id || tr.from_any) {
                continue;
            }
            const auto style = actor_style(tr.actor);
            std::string color = style.color;
            if (h_.coverage) {
                color = uncoverable(t.index()) ? "#bdbdbd" : cover_color(cover(t.index()));
            }
            if (disabled_[t.index()]) {
                color = "#bdbdbd";
            }
            std::string text = covered_label(tr, planned_[t.index()], if_chosen_[t.index()]);
            std::string prefix = style.loop_mark;
            for (std::size_t k : trans_marks_[t.index()]) {
                prefix = fmt::format("F{} ", k + 1) + prefix;
                color = mark_color(h_.marks[k].kind);
            }
            bool in_trace = !trace_numbers_[t.index()].empty();
            if (in_trace) {
                std::string n;
                for (std::size_t k : trace_numbers_[t.index()]) {
                    n += (n.empty() ? "" : ",") + std::to_string(k);
                }
                prefix = "(" + n + ") " + prefix;
                color = kTraceColor;
            }
            std::string cell = escape_html_lines(prefix + text);
            if (in_trace) {
                cell = "<B>" + cell + "</B>";
            }
            loops += fmt::format(
                "<TR><TD ALIGN=\"LEFT\" BALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\" COLOR=\"{}\">{}</FONT></TD></TR>", color,
                cell);
        }
        if (!loops.empty()) {
            label += "<HR/>" + loops;
        }
        label += "</TABLE>>";

        std::vector<std::string> attrs{"label=" + label};
        std::string fill = "#ffffff";
        std::string color = "#000000";
        std::string style = "rounded,filled";
        double penwidth = 1.0;
        int peripheries = 1;
        std::string fontcolor = "#000000";
        if (s.goal) {
            fill = "#d9f0d3";
            peripheries = 2;
        }
        if (s.final) {
            peripheries = 2;
        }
        bool unreachable_always = false;
        for (std::size_t k : state_marks_[i]) {
            const auto& mark = h_.marks[k];
            switch (mark.kind) {
            case MarkKind::Unreachable:
                if (mark.condition.empty()) {
                    unreachable_always = true;
                } else {
                    style = "rounded,filled,dashed";
                }
                break;
            case MarkKind::NoRecovery:
                fill = "#f4a582";
                color = mark_color(mark.kind);
                penwidth = 2.0;
                break;
            case MarkKind::Deadlock:
                color = mark_color(mark.kind);
                peripheries = 3;
                penwidth = 2.0;
                break;
            case MarkKind::Property:
                if (color == "#000000") {
                    color = mark_color(mark.kind);
                    penwidth = 2.0;
                }
                break;
            case MarkKind::Ambiguity:
                break;
            }
        }
        if (unreachable_always || greyed_state_[i]) {
            fill = "#f0f0f0";
            color = "#bdbdbd";
            fontcolor = "#969696";
            style = "rounded,filled,dashed";
        }
        if (h_.trace && h_.trace->end && *h_.trace->end == s.id) {
            color = kTraceColor;
            penwidth = 3.0;
        }
        attrs.push_back(fmt::format("fillcolor=\"{}\"", fill));
        if (color != "#000000") {
            attrs.push_back(fmt::format("color=\"{}\"", color));
        }
        if (fontcolor != "#000000") {
            attrs.push_back(fmt::format("fontcolor=\"{}\"", fontcolor));
        }
        if (style != "rounded,filled") {
            attrs.push_back(fmt::format("style=\"{}\"", style));
        }
        if (penwidth != 1.0) {
            attrs.push_back(fmt::format("penwidth={}", penwidth));
        }
        if (peripheries != 1) {
            attrs.push_back(fmt::format("peripheries={}", peripheries));
        }
        std::string tooltip = s.doc;
        if (!s.ref.empty()) {
            tooltip += (tooltip.empty() ? "" : "\n") + s.ref;
        }
        if (!tooltip.empty()) {
            attrs.push_back("tooltip=\"" + escape_dot_string(tooltip) + "\"");
        }
        std::string joined;
        for (const auto& a : attrs) {
            joined += (joined.empty() ? "" : ", ") + a;
        }
        return fmt::format("{} [{}];\n", node_id(s), joined);
    }

    void states() {
        // The initial pseudo-state (UML's filled circle).
        out_ += "  __initial [shape=point, width=0.18, fillcolor=\"#000000\", label=\"\"];\n";
        std::map<std::string, std::vector<const model::State*>> groups;
        std::vector<const model::State*> ungrouped;
        std::vector<std::string> group_order;
        for (std::size_t i = 0; i < m_.state_count(); ++i) {
            const auto& s = m_.state(StateId{i});
            if (s.group.empty()) {
                ungrouped.push_back(&s);
                continue;
            }
            if (groups.find(s.group) == groups.end()) {
                group_order.push_back(s.group);
            }
            groups[s.group].push_back(&s);
        }
        for (const auto* s : ungrouped) {
            out_ += "  " + state_node(*s);
        }
        for (const auto& g : group_order) {
            out_ += fmt::format("  subgraph \"cluster_{}\" {{\n", escape_dot_string(g));
            out_ += fmt::format("    label=\"{}\"; fontname=\"Helvetica-Bold\"; fontsize=13; style=\"rounded,filled\"; "
                                "color=\"#bababa\"; fillcolor=\"#f7f7f7\";\n",
                                escape_dot_string(g));
            for (const auto* s : groups[g]) {
                out_ += "    " + state_node(*s);
            }
            out_ += "  }\n";
        }
        out_ += fmt::format("  __initial -> {} [arrowsize=0.8];\n", node_id(m_.state(m_.initial_state())));
    }

    /// `group`: the transitions one edge stands for, each labelled. `expansions`: for the edge of a `*` row, every
    /// transition the row expands to (its coverage is theirs, counted per source state).
    std::string edge_attrs(const std::vector<const model::Transition*>& group, bool disabled,
                           const std::vector<std::size_t>& numbers, const std::vector<std::size_t>& expansions = {}) {
        const model::Transition& t = *group.front();
        const auto style = actor_style(t.actor);
        std::string label;
        std::string tooltip;
        for (const auto* g : group) {
            std::size_t planned = planned_[g->id.index()];
            std::size_t if_chosen = if_chosen_[g->id.index()];
            if (!expansions.empty()) {
                planned = 0;
                if_chosen = 0;
                for (std::size_t e : expansions) {
                    planned += planned_[e];
                    if_chosen += if_chosen_[e];
                }
            }
            label += (label.empty() ? "" : "\n") + covered_label(*g, planned, if_chosen);
            tooltip += (tooltip.empty() ? "" : "\n\n") + g->name;
            if (!g->doc.empty()) {
                tooltip += "\n" + g->doc;
            }
            if (!g->ref.empty()) {
                tooltip += "\n" + g->ref;
            }
        }
        std::string color = style.color;
        std::string fontcolor = style.color;
        double penwidth = 0.0;
        if (h_.coverage) {
            // A merged edge (or a `*` row) is covered only if all its transitions (sources) are; else "k/n".
            // Transitions the configuration rules out (disabled, or leaving a greyed state) are not counted.
            std::vector<std::size_t> members;
            if (expansions.empty()) {
                for (const auto* g : group) {
                    members.push_back(g->id.index());
                }
            } else {
                std::copy_if(expansions.begin(), expansions.end(), std::back_inserter(members),
                             [&](std::size_t i) { return !uncoverable(i); });
            }
            Cover worst = Cover::Planned;
            std::size_t planned = 0;
            std::size_t if_chosen = 0;
            for (std::size_t i : members) {
                worst = std::min(worst, cover(i));
                planned += cover(i) == Cover::Planned ? 1 : 0;
                if_chosen += cover(i) == Cover::IfChosen ? 1 : 0;
            }
            if (members.size() > 1 && worst != Cover::Planned) {
                std::string header =
                    fmt::format("{}/{} {}covered", planned, members.size(), expansions.empty() ? "" : "sources ");
                if (if_chosen > 0) {
                    header += fmt::format(" (+{} if chosen)", if_chosen);
                }
                label = header + "\n" + label;
            }
            if (members.empty() || uncoverable(members.front())) {
                color = "#d9d9d9";
                fontcolor = "#bdbdbd";
            } else {
                color = cover_color(worst);
                fontcolor = color;
                penwidth = cover_penwidth(worst);
            }
        }
        std::string tags;
        for (std::size_t k : trans_marks_[t.id.index()]) {
            tags += fmt::format("{}F{}", tags.empty() ? "" : " ", k + 1);
            color = mark_color(h_.marks[k].kind);
            fontcolor = color;
            penwidth = 2.0;
        }
        if (!tags.empty()) {
            label = tags + ": " + label;
        }
        if (!numbers.empty()) {
            std::string n;
            for (std::size_t k : numbers) {
                n += (n.empty() ? "" : ",") + std::to_string(k);
            }
            label = "(" + n + ") " + label;
            color = kTraceColor;
            fontcolor = kTraceColor;
            penwidth = 3.0;
        }
        if (disabled) {
            color = "#d9d9d9";
            fontcolor = "#bdbdbd";
        }
        std::string attrs = fmt::format("label=\"{}\", style={}, color=\"{}\", fontcolor=\"{}\"{}",
                                        escape_dot_string(label), style.style, color, fontcolor, style.extra);
        if (penwidth > 0.0) {
            attrs += fmt::format(", penwidth={}", penwidth);
        }
        attrs += ", tooltip=\"" + escape_dot_string(tooltip) + "\"";
        return attrs;
    }

    /// Whether `t` is drawn on its own (it carries a finding or a witness step) rather than merged with the
    /// other transitions between the same two states by the same actor.
    bool drawn_alone(const model::Transition& t) const {
        return !trans_marks_[t.id.index()].empty() || !trace_numbers_[t.id.index()].empty();
    }

    void transitions() {
        // Transitions between the same two states by the same actor share one edge whose label lists them all:
        // several self-loops or parallel edges with their own labels are what makes dot overlap labels.
        std::map<std::tuple<std::size_t, std::size_t, int, bool>, std::vector<std::size_t>> merged;
        std::vector<std::tuple<std::size_t, std::size_t, int, bool>> merged_order;
        // A `*` row is drawn once, from an "any state" node; its expansions are identical apart from the source.
        std::set<std::uint32_t> any_rows_drawn;
        bool any_node = false;
        for (std::size_t i = 0; i < m_.transition_count(); ++i) {
            const auto& t = m_.transition(TransitionId{i});
            const auto& numbers = trace_numbers_[i];
            if (t.from_any) {
                if (!any_node) {
                    out_ += "  __any [label=\"any state\", shape=box, style=\"rounded,dashed\", color=\"#4d4d4d\", "
                            "fontcolor=\"#4d4d4d\", fontsize=11];\n";
                    any_node = true;
                }
                if (any_rows_drawn.insert(t.row).second) {
                    // Disabled only if every expansion of the row is.
                    bool all_disabled = true;
                    for (std::size_t j = 0; j < m_.transition_count(); ++j) {
                        const auto& u = m_.transition(TransitionId{j});
                        if (u.from_any && u.row == t.row && !disabled_[j]) {
                            all_disabled = false;
                        }
                    }
                    std::vector<std::size_t> expansions;
                    for (std::size_t j = 0; j < m_.transition_count(); ++j) {
                        const auto& u = m_.transition(TransitionId{j});
                        if (u.from_any && u.row == t.row) {
                            expansions.push_back(j);
                        }
                    }
                    out_ += fmt::format("  __any -> {} [{}];\n", node_id(m_.state(t.target)),
                                        edge_attrs({&t}, all_disabled, {}, expansions));
                }
                if (!numbers.empty()) {
                    // A step of the witness through this row: drawn from the state it actually left.
                    out_ += fmt::format("  {} -> {} [{}, constraint=false];\n", node_id(m_.state(t.source)),
                                        node_id(m_.state(t.target)), edge_attrs({&t}, false, numbers));
                }
                continue;
            }
            if (t.target == t.source) {
                continue;  // drawn inside the state (state_node)
            }
            if (drawn_alone(t)) {
                out_ += fmt::format("  {} -> {} [{}];\n", node_id(m_.state(t.source)), node_id(m_.state(t.target)),
                                    edge_attrs({&t}, disabled_[i], numbers));
                continue;
            }
            auto key =
                std::make_tuple(t.source.index(), t.target.index(), static_cast<int>(t.actor), bool{disabled_[i]});
            auto [it, inserted] = merged.try_emplace(key);
            if (inserted) {
                merged_order.push_back(key);
            }
            it->second.push_back(i);
        }
        for (const auto& key : merged_order) {
            std::vector<const model::Transition*> group;
            for (std::size_t i : merged[key]) {
                group.push_back(&m_.transition(TransitionId{i}));
            }
            const auto& first = *group.front();
            out_ += fmt::format("  {} -> {} [{}];\n", node_id(m_.state(first.source)), node_id(m_.state(first.target)),
                                edge_attrs(group, std::get<3>(key), {}));
        }
    }

    void legend() {
        // One table: line styles by actor (those the model uses), node styles, then the findings F1, F2, ...
        std::set<Actor> used;
        for (std::size_t i = 0; i < m_.transition_count(); ++i) {
            used.insert(m_.transition(TransitionId{i}).actor);
        }
        std::string rows;
        if (h_.coverage) {
            rows += coverage_legend();
        }
        for (Actor a : used) {
            const auto style = actor_style(a);
            // With coverage, colours say what the suite covers; the line style still says who acts.
            const char* color = h_.coverage ? "#4d4d4d" : style.color;
            rows +=
                fmt::format("<TR><TD ALIGN=\"LEFT\"><FONT COLOR=\"{}\">{}</FONT></TD><TD ALIGN=\"LEFT\"><FONT "
                            "COLOR=\"{}\">{} {} ({})</FONT></TD></TR>",
                            color, style.sample, color, style.style, escape_html(style.legend), model::actor_name(a));
        }
        rows +=
            "<TR><TD>\u21BB</TD><TD ALIGN=\"LEFT\">listed inside a state: a transition back to that state</TD></TR>";
        rows += "<TR><TD BGCOLOR=\"#d9f0d3\"> </TD><TD ALIGN=\"LEFT\">goal state (double border)</TD></TR>";
        const bool greyed = std::any_of(greyed_state_.begin(), greyed_state_.end(), [](bool b) { return b; }) ||
                            std::any_of(disabled_.begin(), disabled_.end(), [](bool b) { return b; });
        if (greyed || !h_.marks.empty()) {
            rows += "<TR><TD BGCOLOR=\"#f0f0f0\"> </TD><TD ALIGN=\"LEFT\"><FONT COLOR=\"#969696\">grey: never reached, "
                    "or disabled by the configuration</FONT></TD></TR>";
        }
        if (!h_.marks.empty()) {
            rows += "<TR><TD>- -</TD><TD ALIGN=\"LEFT\">dashed border: unreachable in some configurations</TD></TR>";
            rows += "<TR><TD BGCOLOR=\"#f4a582\"> </TD><TD ALIGN=\"LEFT\">red: no recovery to a goal state</TD></TR>";
            rows += "<TR><TD>\u2261</TD><TD ALIGN=\"LEFT\">triple border: deadlock</TD></TR>";
        }
        if (h_.trace) {
            rows += fmt::format("<TR><TD><FONT COLOR=\"{0}\"><B>(n)</B></FONT></TD><TD ALIGN=\"LEFT\"><FONT "
                                "COLOR=\"{0}\">thick blue: step n of the witness; thick border: where it ends</FONT>"
                                "</TD></TR>",
                                kTraceColor);
        }
        for (std::size_t i = 0; i < h_.marks.size(); ++i) {
            const auto& mark = h_.marks[i];
            std::string text =
                wrap(mark.kind == MarkKind::Property ? mark.summary
                                                     : fmt::format("{}: {}", mark_name(mark.kind), mark.summary),
                     90);
            if (!mark.condition.empty()) {
                text += "\nwhen " + wrap(mark.condition, 86);
            }
            rows += fmt::format("<TR><TD ALIGN=\"LEFT\" VALIGN=\"TOP\"><FONT COLOR=\"{0}\"><B>F{1}</B></FONT></TD>"
                                "<TD ALIGN=\"LEFT\" BALIGN=\"LEFT\"><FONT COLOR=\"{0}\">{2}</FONT></TD></TR>",
                                mark_color(mark.kind), i + 1, escape_html_lines(text));
        }
        // The legend is the graph's label, under the title: as a node it would take part in the layout.
        legend_ = fmt::format("<TABLE BORDER=\"1\" COLOR=\"#bababa\" CELLBORDER=\"0\" CELLSPACING=\"0\" "
                              "CELLPADDING=\"3\"><TR><TD COLSPAN=\"2\"><B>legend</B></TD></TR>{}</TABLE>",
                              rows);
    }

    /// Legend rows for a suite's coverage: the colours, then "covered N of M transitions".
    std::string coverage_legend() const {
        std::size_t covered = 0;
        std::size_t if_chosen = 0;
        std::size_t ruled_out = 0;
        for (std::size_t i = 0; i < m_.transition_count(); ++i) {
            covered += cover(i) == Cover::Planned ? 1 : 0;
            if_chosen += cover(i) == Cover::IfChosen ? 1 : 0;
            ruled_out += cover(i) == Cover::None && uncoverable(i) ? 1 : 0;
        }
        std::string summary = fmt::format("covered {} of {} transitions", covered, m_.transition_count());
        if (if_chosen > 0) {
            summary += fmt::format(" (+{} only if the client chooses)", if_chosen);
        }
        if (ruled_out > 0) {
            summary += fmt::format("; {} not covered are ruled out by the configuration (grey)", ruled_out);
        }
        std::string rows = fmt::format("<TR><TD></TD><TD ALIGN=\"LEFT\"><B>{}</B></TD></TR>", escape_html(summary));
        const auto row = [](Cover c, const char* sample, const char* text) {
            return fmt::format("<TR><TD ALIGN=\"LEFT\"><FONT COLOR=\"{0}\"><B>{1}</B></FONT></TD><TD ALIGN=\"LEFT\">"
                               "<FONT COLOR=\"{0}\">{2}</FONT></TD></TR>",
                               cover_color(c), sample, text);
        };
        rows += row(Cover::Planned, "\u2501\u2501 \u00D7N", "covered: taken by N planned steps of the suite");
        rows += row(Cover::IfChosen, "\u2501\u2501 \u00D7N if chosen",
                    "covered only if the client chooses so: an alternative to a planned step, or its continuation");
        rows += row(Cover::None, "\u2500\u2500 \u00D70", "not covered by the suite");
        rows +=
            "<TR><TD ALIGN=\"LEFT\">k/n</TD><TD ALIGN=\"LEFT\">an edge standing for n transitions (or a * row for n "
            "source states) is covered when all are; k are</TD></TR>";
        return rows;
    }

    /// A transition the configuration rules out: disabled, or leaving a state no enabled path reaches.
    bool uncoverable(std::size_t i) const {
        return disabled_[i] || greyed_state_[m_.transition(TransitionId{i}).source.index()];
    }

    Cover cover(std::size_t i) const {
        return planned_[i] > 0 ? Cover::Planned : if_chosen_[i] > 0 ? Cover::IfChosen : Cover::None;
    }

    /// The transition's label with its coverage count after the event name (when a coverage is drawn).
    std::string covered_label(const model::Transition& t, std::size_t planned, std::size_t if_chosen) const {
        std::string label = edge_label(m_, t);
        if (h_.coverage) {
            const auto eol = label.find('\n');
            label.insert(eol == std::string::npos ? label.size() : eol, " " + count_note(planned, if_chosen));
        }
        return label;
    }

    /// HTML-escaped text whose lines are left-aligned inside a table cell.
    static std::string escape_html_lines(const std::string& text) {
        std::string out;
        std::size_t start = 0;
        while (start <= text.size()) {
            std::size_t end = text.find('\n', start);
            if (end == std::string::npos) {
                end = text.size();
            }
            if (start > 0) {
                out += "<BR/>";
            }
            out += escape_html(std::string_view{text}.substr(start, end - start));
            start = end + 1;
        }
        return out;
    }

    const model::Model& m_;
    const DotOptions& o_;
    const Highlights& h_;
    model::Interpreter interp_;
    std::string out_{};
    std::string legend_{};
    std::vector<bool> disabled_{};
    std::vector<bool> greyed_state_{};
    std::vector<std::vector<std::size_t>> state_marks_{};
    std::vector<std::vector<std::size_t>> trans_marks_{};
    std::vector<std::vector<std::size_t>> trace_numbers_{};
    std::vector<std::size_t> planned_{};    ///< per transition, from Highlights::coverage
    std::vector<std::size_t> if_chosen_{};  ///< per transition, from Highlights::coverage
};

}  // namespace

std::vector<TransitionId> disabled_transitions(const model::Model& model,
                                               const std::vector<std::optional<Value>>& fixed) {
    const model::Interpreter interp{model};
    std::vector<TransitionId> out;
    for (std::size_t i = 0; i < model.transition_count(); ++i) {
        const auto& t = model.transition(TransitionId{i});
        if (!can_be_enabled(model, interp, t, fixed)) {
            out.push_back(t.id);
        }
    }
    return out;
}

std::string to_dot(const model::Model& model, const DotOptions& options, const Highlights& highlights) {
    return DotWriter{model, options, highlights}.write();
}

}  // namespace lwm2mc::diagrams
