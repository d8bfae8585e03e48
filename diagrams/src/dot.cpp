// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/diagrams/dot.hpp"

#include "lwm2mc/model/printer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
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

namespace {

/// The look of a drawn state (main machine or region); attributes equal to Graphviz's defaults here are left out.
struct StateStyle {
    std::string_view fill;
    std::string_view color;
    std::string_view fontcolor;
    std::string_view style;
    double penwidth;
    int peripheries;
};

/// Appends a state node's style attributes and its tooltip (description, then reference).
void append_state_style(std::vector<std::string>& attrs, const StateStyle& look, const std::string& doc,
                        const std::string& ref) {
    attrs.push_back(fmt::format("fillcolor=\"{}\"", look.fill));
    if (look.color != "#000000") {
        attrs.push_back(fmt::format("color=\"{}\"", look.color));
    }
    if (look.fontcolor != "#000000") {
        attrs.push_back(fmt::format("fontcolor=\"{}\"", look.fontcolor));
    }
    if (look.style != "rounded,filled") {
        attrs.push_back(fmt::format("style=\"{}\"", look.style));
    }
    if (look.penwidth != 1.0) {
        attrs.push_back(fmt::format("penwidth={}", look.penwidth));
    }
    if (look.peripheries != 1) {
        attrs.push_back(fmt::format("peripheries={}", look.peripheries));
    }
    std::string tooltip = doc;
    if (!ref.empty()) {
        tooltip += (tooltip.empty() ? "" : "\n") + ref;
    }
    if (!tooltip.empty()) {
        attrs.push_back("tooltip=\"" + escape_dot_string(tooltip) + "\"");
    }
}

}  // namespace

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
    if (e.third) {
        collect_symbols(*e.third, params, vars);
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

/// The lines of a transition's label: event, `[guard]`, `/ updates`, `after D s` (empty when absent), wrapped.
std::array<std::string, 4> label_parts(const model::Model& m, const model::Transition& t) {
    std::array<std::string, 4> parts{m.events[t.event.index()].name, {}, {}, {}};
    if (t.guard) {
        parts[1] = wrap("[" + model::format_expr(*t.guard) + "]", 34);
    }
    if (!t.updates.empty()) {
        std::string updates;
        for (const auto& u : t.updates) {
            if (!updates.empty()) {
                updates += ", ";
            }
            updates += update_text(m, u);
        }
        parts[2] = wrap("/ " + updates, 34);
    }
    if (t.duration) {
        parts[3] = "after " + model::format_expr(*t.duration) + " s";
    }
    return parts;
}

std::string edge_label(const model::Model& m, const model::Transition& t) {
    std::string label;
    for (const auto& part : label_parts(m, t)) {
        if (!part.empty()) {
            label += (label.empty() ? "" : "\n") + part;
        }
    }
    return label;
}

// ---- regions ----------------------------------------------------------------------------------------

/// Whether `e` is the test a region row's source adds to its guard: the region's variable equal to a literal.
bool is_region_test(const Expr& e, std::size_t var) {
    if (e.op != Op::Eq || !e.lhs || !e.rhs) {
        return false;
    }
    const auto is_var = [var](const Expr& x) { return x.op == Op::Var && x.index == var; };
    return (is_var(*e.lhs) && e.rhs->op == Op::EnumLit) || (is_var(*e.rhs) && e.lhs->op == Op::EnumLit);
}

/// The conjuncts of `e` (an `&&` chain, flattened), in order.
void conjuncts(const Expr& e, std::vector<const Expr*>& out) {
    if (e.op == Op::And && e.lhs && e.rhs) {
        conjuncts(*e.lhs, out);
        conjuncts(*e.rhs, out);
        return;
    }
    out.push_back(&e);
}

/// The label of a region row's step: event, the row's own guard and updates (without the region's test and move,
/// which the edge's ends show), `during` the main states it fires in when that is not every main state, duration.
std::string region_row_label(const model::Model& m, const model::Transition& t, const std::vector<StateId>& during) {
    const std::size_t var = m.regions[t.region_move->region].var.index();
    std::string label = m.events[t.event.index()].name;
    std::string guard;
    if (t.guard) {
        std::vector<const Expr*> parts;
        conjuncts(*t.guard, parts);
        for (const Expr* e : parts) {
            if (is_region_test(*e, var)) {
                continue;
            }
            const bool weak = e->op == Op::Or || e->op == Op::Implies;
            guard +=
                (guard.empty() ? "" : " && ") + (weak ? "(" + model::format_expr(*e) + ")" : model::format_expr(*e));
        }
    }
    if (!guard.empty()) {
        label += "\n" + wrap("[" + guard + "]", 34);
    }
    std::string updates;
    for (const auto& u : t.updates) {
        if (u.kind == model::UpdateKind::Assign && u.var.index() == var) {
            continue;
        }
        updates += (updates.empty() ? "" : ", ") + update_text(m, u);
    }
    if (!updates.empty()) {
        label += "\n" + wrap("/ " + updates, 34);
    }
    if (during.size() < m.state_count()) {
        std::string names;
        for (StateId s : during) {
            names += (names.empty() ? "" : ", ") + m.state(s).name;
        }
        label += "\n" + wrap(during.size() == 1 ? "during " + names : "during {" + names + "}", 34);
    }
    if (t.duration) {
        label += "\nafter " + model::format_expr(*t.duration) + " s";
    }
    return label;
}

/// The instance index of region instance `name` of `machine` ("[1]" for "srv[1]"), or empty.
std::string instance_index(const std::string& name, const std::string& machine) {
    if (name.size() > machine.size() + 2 && name.compare(0, machine.size(), machine) == 0 &&
        name[machine.size()] == '[' && name.back() == ']') {
        return name.substr(machine.size());
    }
    return {};
}

/// `text` with every occurrence of `from` replaced by `to`.
std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    if (from.empty()) {
        return text;
    }
    for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
        text.replace(pos, from.size(), to);
    }
    return text;
}

/// The instances of a region declaration for its cluster's title: "srv[1..3]" for consecutive indices, the names
/// joined otherwise, the name alone for a single instance.
std::string instances_text(const model::Model& m, const std::vector<std::uint32_t>& instances) {
    const auto& machine = m.regions[instances.front()].machine;
    if (instances.size() == 1) {
        return m.regions[instances.front()].name;
    }
    std::vector<long long> indices;
    for (std::uint32_t r : instances) {
        const std::string index = instance_index(m.regions[r].name, machine);
        char* end = nullptr;
        const long long k = index.empty() ? 0 : std::strtoll(index.c_str() + 1, &end, 10);
        if (index.empty() || end == nullptr || *end != ']' || (!indices.empty() && k != indices.back() + 1)) {
            indices.clear();
            break;
        }
        indices.push_back(k);
    }
    if (!indices.empty()) {
        return fmt::format("{}[{}..{}]", machine, indices.front(), indices.back());
    }
    std::string names;
    for (std::uint32_t r : instances) {
        names += (names.empty() ? "" : ", ") + m.regions[r].name;
    }
    return names;
}

std::string region_node_id(const std::string& machine, const std::string& state) {
    return "\"" + escape_dot_string("region:" + machine + ":" + state) + "\"";
}

// ---- proposals --------------------------------------------------------------------------------------

constexpr const char* kAddedColor = "#1a9850";
constexpr const char* kChangedColor = "#e66101";
constexpr const char* kRemovedColor = "#969696";

/// HTML lines of a changed transition's label: parts that differ show the base's value struck through in grey,
/// then the proposal's.
std::string changed_label_html(const model::Model& base, const model::Transition& old_t, const model::Model& now,
                               const model::Transition& new_t) {
    const auto before = label_parts(base, old_t);
    const auto after = label_parts(now, new_t);
    std::string out;
    for (std::size_t i = 0; i < before.size(); ++i) {
        std::string line;
        if (before[i] != after[i] && !before[i].empty()) {
            line = fmt::format("<FONT COLOR=\"{}\"><S>{}</S></FONT>", kRemovedColor, escape_html(before[i]));
        }
        if (!after[i].empty()) {
            line += (line.empty() ? "" : "<BR/>") + escape_html(after[i]);
        }
        if (!line.empty()) {
            out += (out.empty() ? "" : "<BR/>") + line;
        }
    }
    return out;
}

/// `<S>` around each line of already escaped HTML (Graphviz's strike-through does not span a line break).
std::string struck_html(const std::string& html) {
    std::string out = "<S>";
    for (std::size_t pos = 0; pos < html.size();) {
        const auto br = html.find("<BR/>", pos);
        if (br == std::string::npos) {
            out += html.substr(pos);
            break;
        }
        out += html.substr(pos, br - pos) + "</S><BR/><S>";
        pos = br + 5;
    }
    return out + "</S>";
}

/// "#5", "#5, #7", "#5–#9" ("base #1–#4"): check's numbers, consecutive runs joined.
std::string numbers_text(std::vector<std::size_t> numbers, const char* prefix = "#") {
    std::sort(numbers.begin(), numbers.end());
    numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
    std::string out;
    for (std::size_t i = 0; i < numbers.size();) {
        std::size_t j = i;
        while (j + 1 < numbers.size() && numbers[j + 1] == numbers[j] + 1) {
            ++j;
        }
        out += (out.empty() ? "" : ", ") + fmt::format("{}{}", prefix, numbers[i]);
        if (j > i) {
            out += j == i + 1 ? fmt::format(", {}{}", prefix, numbers[j]) : fmt::format("\u2013#{}", numbers[j]);
        }
        i = j + 1;
    }
    return out;
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
    case MarkKind::NeedsIntervention:
        return "#e08214";
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
    case MarkKind::NeedsIntervention:
        return "needs an operator";
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
constexpr const char* kRegionColor = "#4d7ea8";

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

/// What a proposal diagram needs besides the proposal model: the base, the diff and the layouts.
struct ProposalContext {
    const ProposalInput& input;
    const Layout& base;
    const Layout& unpinned;
};

class DotWriter {
public:
    DotWriter(const model::Model& m, const DotOptions& o, const Highlights& h, bool edge_ids = false,
              const ProposalContext* p = nullptr)
        : m_{m}, o_{o}, h_{h}, interp_{m}, edge_ids_{edge_ids}, p_{p} {}

    std::string write() {
        analyse();
        if (p_ != nullptr) {
            analyse_proposal();
        }
        if (o_.legend) {
            legend();
        }
        header();
        states();
        regions();
        transitions();
        if (p_ != nullptr) {
            removed_transitions();
        }
        out_ += "}\n";
        return std::move(out_);
    }

private:
    // ---- proposal: status of each element, and positions ----

    void analyse_proposal() {
        const auto& diff = p_->input.diff;
        const auto& base = p_->input.base;
        status_.assign(m_.transition_count(), std::nullopt);
        base_of_.assign(m_.transition_count(), std::nullopt);
        for (const auto& [b, now] : diff.unchanged_transitions) {
            base_of_[now.index()] = b;
        }
        for (const auto& d : diff.transitions) {
            if (d.proposal) {
                status_[d.proposal->index()] = d.kind;
                base_of_[d.proposal->index()] = d.base;
            }
        }
        for (const auto& d : diff.states) {
            if (d.kind == model::DiffKind::Removed && d.base) {
                removed_states_.push_back(&base.state(*d.base));
            }
        }
        for (const auto& d : diff.transitions) {
            if (d.kind == model::DiffKind::Removed && d.base) {
                removed_.push_back(&base.transition(*d.base));
            }
        }
        pin();
    }

    /// The proposal's status of transition `i`: Added, Changed, or nullopt (unchanged).
    std::optional<model::DiffKind> status(std::size_t i) const { return p_ != nullptr ? status_[i] : std::nullopt; }

    /// Status of a `*` row's edge: added when every expansion is, changed when one is (expansions a new state adds
    /// to an unchanged row do not count: the "any state" edge already stands for them).
    std::optional<model::DiffKind> row_status(const std::vector<std::size_t>& expansions) const {
        if (p_ == nullptr) {
            return std::nullopt;
        }
        bool all_added = true;
        bool any_changed = false;
        for (std::size_t e : expansions) {
            all_added = all_added && status_[e] == model::DiffKind::Added;
            any_changed = any_changed || status_[e] == model::DiffKind::Changed;
        }
        return all_added     ? std::optional{model::DiffKind::Added}
               : any_changed ? std::optional{model::DiffKind::Changed}
                             : std::nullopt;
    }

    /// The name that identifies transition `t` of this model across base and proposal: the base's name for an
    /// unchanged one, a name that matches nothing in the base otherwise.
    std::string base_name(const model::Transition& t) const {
        if (p_ == nullptr) {
            return t.name;
        }
        const std::size_t i = t.id.index();
        if (!status_[i] && base_of_[i]) {
            return p_->input.base.transition(*base_of_[i]).name;
        }
        return "+" + t.name;
    }

    bool pinned() const { return p_ != nullptr && !p_->base.nodes.empty(); }

    /// Whether node `name` has the same size in the base layout and in the proposal's own: then edges drawn as in the
    /// base can keep the base's splines.
    bool same_size(const std::string& name) const {
        const auto b = p_->base.nodes.find(name);
        const auto u = p_->unpinned.nodes.find(name);
        return b != p_->base.nodes.end() && u != p_->unpinned.nodes.end() &&
               std::abs(b->second.width - u->second.width) < 1.0 && std::abs(b->second.height - u->second.height) < 1.0;
    }

    /// Attributes an edge gets in proposal diagrams: its id and, when it is drawn as in the base between nodes
    /// of unchanged size, the base's spline and label position.
    std::string edge_extra(const std::string& id, const std::string& tail, const std::string& head,
                           bool as_in_base) const {
        if (!edge_ids_) {
            return "";
        }
        std::string out = ", id=\"" + escape_dot_string(id) + "\"";
        if (pinned() && as_in_base && same_size(tail) && same_size(head)) {
            const auto it = p_->base.edges.find(id);
            if (it != p_->base.edges.end() && !it->second.pos.empty()) {
                out += ", pos=\"" + escape_dot_string(it->second.pos) + "\"";
                if (!it->second.lp.empty()) {
                    out += ", lp=\"" + escape_dot_string(it->second.lp) + "\"";
                }
            }
        }
        return out;
    }

    std::string pos_attr(const std::string& name) const {
        const auto it = pins_.find(name);
        return it == pins_.end() ? std::string{} : fmt::format("pos=\"{:.2f},{:.2f}\"", it->second.x, it->second.y);
    }

    /// Positions of every node: the base's for nodes it has; an added node keeps its offset (in the proposal's own
    /// layout) from a neighbour the base has, then moves right until it overlaps nothing. Clusters get the base's
    /// boxes, grown to hold their added states.
    void pin() {
        if (!pinned()) {
            return;
        }
        const auto& base = p_->base.nodes;
        const auto& own = p_->unpinned.nodes;
        std::vector<std::string> names{"__initial"};
        bool any_node = std::any_of(removed_.begin(), removed_.end(), [](const auto* t) { return t->from_any; });
        for (std::size_t i = 0; i < m_.transition_count(); ++i) {
            any_node = any_node || m_.transition(TransitionId{i}).from_any;
        }
        if (any_node) {
            names.emplace_back("__any");
        }
        for (std::size_t i = 0; i < m_.state_count(); ++i) {
            names.push_back(m_.state(StateId{i}).name);
        }
        for (const auto* s : removed_states_) {
            names.push_back(s->name);
        }
        std::vector<std::string> added;
        for (const auto& name : names) {
            const auto it = base.find(name);
            if (it != base.end()) {
                pins_[name] = it->second;
            } else {
                added.push_back(name);
            }
        }
        double right = 0;
        double bottom = 0;
        for (const auto& [name, node] : base) {
            right = std::max(right, node.x + node.width / 2);
            bottom = std::min(bottom, node.y - node.height / 2);
        }
        const auto overlaps = [&](const Layout::Node& a) {
            constexpr double kGap = 12;
            return std::any_of(pins_.begin(), pins_.end(), [&](const auto& entry) {
                const auto& b = entry.second;
                return std::abs(a.x - b.x) < (a.width + b.width) / 2 + kGap &&
                       std::abs(a.y - b.y) < (a.height + b.height) / 2 + kGap;
            });
        };
        for (const auto& name : added) {
            Layout::Node node;
            const auto self = own.find(name);
            if (self != own.end()) {
                node = self->second;
            }
            // A neighbour the base has, by the proposal's transitions (in id order).
            std::optional<std::string> anchor;
            const auto state = m_.find_state(name);
            for (std::size_t i = 0; state && !anchor && i < m_.transition_count(); ++i) {
                const auto& tr = m_.transition(TransitionId{i});
                for (const StateId other : {tr.source, tr.target}) {
                    const std::string& other_name = m_.state(other).name;
                    if ((tr.source == *state || tr.target == *state) && other != *state &&
                        base.count(other_name) != 0 && own.count(other_name) != 0 && !anchor) {
                        anchor = other_name;
                    }
                }
            }
            if (anchor && self != own.end()) {
                node.x = base.at(*anchor).x + (self->second.x - own.at(*anchor).x);
                node.y = base.at(*anchor).y + (self->second.y - own.at(*anchor).y);
            } else {
                node.x = right + 40 + node.width / 2;
                node.y = bottom + node.height / 2;
            }
            for (int tries = 0; tries < 100 && overlaps(node); ++tries) {
                node.x += node.width / 2 + 12;
            }
            pins_[name] = node;
        }
        pinned_clusters_ = p_->base.clusters;
        for (const auto& name : added) {
            const auto state = m_.find_state(name);
            if (!state || m_.state(*state).group.empty()) {
                continue;
            }
            const auto& node = pins_[name];
            constexpr double kMargin = 10;
            const Layout::Box box{node.x - node.width / 2 - kMargin, node.y - node.height / 2 - kMargin,
                                  node.x + node.width / 2 + kMargin, node.y + node.height / 2 + kMargin};
            const std::string cluster = "cluster_" + m_.state(*state).group;
            auto [it, inserted] = pinned_clusters_.try_emplace(cluster, box);
            if (!inserted) {
                it->second.x0 = std::min(it->second.x0, box.x0);
                it->second.y0 = std::min(it->second.y0, box.y0);
                it->second.x1 = std::max(it->second.x1, box.x1);
                it->second.y1 = std::max(it->second.y1, box.y1 + 16);  // room for the cluster's title
            }
        }
    }

    /// The tag of mark `k`: on state `s`, the number of that state's finding; elsewhere all its numbers.
    std::string mark_tag(std::size_t k, std::optional<StateId> s = std::nullopt) const {
        const Mark& mark = h_.marks[k];
        if (mark.numbers.empty()) {
            return fmt::format("F{}", k + 1);
        }
        if (s && mark.numbers.size() == mark.states.size()) {
            for (std::size_t j = 0; j < mark.states.size(); ++j) {
                if (mark.states[j] == *s) {
                    return fmt::format("#{}", mark.numbers[j]);
                }
            }
        }
        return numbers_text(mark.numbers);
    }
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
            if (h_.marks[i].resolved) {
                continue;  // its states and transitions are the base's
            }
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
        if (p_ != nullptr) {
            title += "\nproposal on " + p_->input.base.name + ": " + change_counts();
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
        if (pinned()) {
            // Positions are the base's (neato -n2: nodes where `pos` says, edges with `pos` as given, the rest routed).
            out_ += "  graph [layout=nop2, splines=true];\n";
        }
        out_ += "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\", "
                "fontsize=12, margin=\"0.12,0.06\"];\n";
        out_ += "  edge [fontname=\"Helvetica\", fontsize=9, arrowsize=0.7];\n";
    }

    /// A state of the base that the proposal removes: grey, dashed, its name and self-loops struck through.
    std::string removed_state_node(const model::State& s) {
        std::string label = fmt::format("<<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"1\">"
                                        "<TR><TD><S><B>{}</B></S></TD></TR>",
                                        escape_html(s.name));
        const std::string loops = removed_loops(s.name);
        if (!loops.empty()) {
            label += "<HR/>" + loops;
        }
        label += "</TABLE>>";
        std::string attrs = fmt::format("label={}, fillcolor=\"#f0f0f0\", color=\"{}\", fontcolor=\"{}\", "
                                        "style=\"rounded,filled,dashed\", tooltip=\"removed by the proposal\"",
                                        label, kRemovedColor, kRemovedColor);
        const std::string pos = pos_attr(s.name);
        if (!pos.empty()) {
            attrs += ", " + pos;
        }
        return fmt::format("{} [{}];\n", node_id(s), attrs);
    }

    /// Rows for the base's self-loops on state `name` that the proposal removes, struck through.
    std::string removed_loops(const std::string& name) const {
        std::string rows;
        for (const auto* t : removed_) {
            const auto& base = p_->input.base;
            if (t->source != t->target || t->from_any || base.state(t->source).name != name) {
                continue;
            }
            rows += fmt::format("<TR><TD ALIGN=\"LEFT\" BALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\" COLOR=\"{}\">{}</FONT>"
                                "</TD></TR>",
                                kRemovedColor,
                                struck_html(escape_html_lines(actor_style(t->actor).loop_mark + edge_label(base, *t))));
        }
        return rows;
    }

    std::string state_node(const model::State& s) {
        const std::size_t i = s.id.index();
        const model::StateDiff* state_change = p_ != nullptr ? p_->input.diff.of_state(s.name) : nullptr;
        const bool added = state_change != nullptr && state_change->kind == model::DiffKind::Added;
        std::string label = "<<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"1\"><TR><TD><B>" +
                            std::string{added ? "+ " : ""} + escape_html(s.name) + "</B></TD></TR>";
        if (state_change != nullptr && state_change->kind == model::DiffKind::Changed) {
            std::string what;
            for (const auto& w : state_change->what) {
                what += (what.empty() ? "" : ", ") + w;
            }
            label += fmt::format("<TR><TD><FONT POINT-SIZE=\"9\" COLOR=\"{}\">changed: {}</FONT></TD></TR>",
                                 kChangedColor, escape_html(what));
        }
        if (!state_marks_[i].empty()) {
            std::string tags;
            for (std::size_t k : state_marks_[i]) {
                tags += (tags.empty() ? "" : " ") + mark_tag(k, s.id);
            }
            label += "<TR><TD><FONT POINT-SIZE=\"9\" COLOR=\"#a50026\">" + escape_html(tags) + "</FONT></TD></TR>";
        }
        // Self-loops are drawn as UML internal transitions, in a compartment of the state: dot places the labels of
        // several self-loops on top of each other.
        std::string loops;
        for (TransitionId t : m_.out_transitions(s.id)) {
            const auto& tr = m_.transition(t);
            if (tr.target != s.id || tr.from_any || tr.region_move) {
                continue;  // a region row's step is drawn in its region's cluster (regions())
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
                prefix = mark_tag(k) + " " + prefix;
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
            if (status(t.index()) == model::DiffKind::Added) {
                color = kAddedColor;
                cell = "<B>" + escape_html_lines("+ " + prefix + text) + "</B>";
            } else if (status(t.index()) == model::DiffKind::Changed) {
                color = kChangedColor;
                cell = "<B>" + escape_html(prefix) +
                       changed_label_html(p_->input.base, p_->input.base.transition(*base_of_[t.index()]), m_, tr) +
                       "</B>";
            }
            if (in_trace) {
                cell = "<B>" + cell + "</B>";
            }
            loops += fmt::format(
                "<TR><TD ALIGN=\"LEFT\" BALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\" COLOR=\"{}\">{}</FONT></TD></TR>", color,
                cell);
        }
        if (p_ != nullptr) {
            loops += removed_loops(s.name);
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
            case MarkKind::NeedsIntervention:
                if (fill != "#f4a582") {  // no recovery at all wins over "only with an operator"
                    fill = "#fee0b6";
                    color = mark_color(mark.kind);
                    penwidth = 2.0;
                }
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
        if (state_change != nullptr) {
            color = added ? kAddedColor : kChangedColor;
            penwidth = std::max(penwidth, 2.5);
        }
        append_state_style(attrs, {fill, color, fontcolor, style, penwidth, peripheries}, s.doc, s.ref);
        if (const std::string pos = pos_attr(s.name); !pos.empty()) {
            attrs.push_back(pos);
        }
        std::string joined;
        for (const auto& a : attrs) {
            joined += (joined.empty() ? "" : ", ") + a;
        }
        return fmt::format("{} [{}];\n", node_id(s), joined);
    }

    void states() {
        // The initial pseudo-state (UML's filled circle).
        const std::string initial_pos = pos_attr("__initial");
        out_ += fmt::format("  __initial [shape=point, width=0.18, fillcolor=\"#000000\", label=\"\"{}];\n",
                            initial_pos.empty() ? "" : ", " + initial_pos);
        // A proposal diagram also draws the base's states that the proposal removes (`removed` = true).
        using Entry = std::pair<const model::State*, bool>;
        std::map<std::string, std::vector<Entry>> groups;
        std::vector<Entry> ungrouped;
        std::vector<std::string> group_order;
        std::vector<Entry> all;
        for (std::size_t i = 0; i < m_.state_count(); ++i) {
            all.emplace_back(&m_.state(StateId{i}), false);
        }
        for (const auto* s : removed_states_) {
            all.emplace_back(s, true);
        }
        for (const auto& entry : all) {
            const auto& s = *entry.first;
            if (s.group.empty()) {
                ungrouped.push_back(entry);
                continue;
            }
            if (groups.find(s.group) == groups.end()) {
                group_order.push_back(s.group);
            }
            groups[s.group].push_back(entry);
        }
        const auto node = [&](const Entry& entry) {
            return entry.second ? removed_state_node(*entry.first) : state_node(*entry.first);
        };
        for (const auto& entry : ungrouped) {
            out_ += "  " + node(entry);
        }
        for (const auto& g : group_order) {
            out_ += fmt::format("  subgraph \"cluster_{}\" {{\n", escape_dot_string(g));
            out_ += fmt::format("    label=\"{}\"; fontname=\"Helvetica-Bold\"; fontsize=13; style=\"rounded,filled\"; "
                                "color=\"#bababa\"; fillcolor=\"#f7f7f7\";\n",
                                escape_dot_string(g));
            if (const auto it = pinned_clusters_.find("cluster_" + g); it != pinned_clusters_.end()) {
                const auto& b = it->second;
                out_ += fmt::format("    bb=\"{:.2f},{:.2f},{:.2f},{:.2f}\";\n", b.x0, b.y0, b.x1, b.y1);
            }
            for (const auto& entry : groups[g]) {
                out_ += "    " + node(entry);
            }
            out_ += "  }\n";
        }
        const std::string& initial = m_.state(m_.initial_state()).name;
        out_ += fmt::format("  __initial -> {} [arrowsize=0.8{}];\n", node_id(m_.state(m_.initial_state())),
                            edge_extra("e:__initial", "__initial", initial, true));
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
            tags += (tags.empty() ? "" : " ") + mark_tag(k);
            color = mark_color(h_.marks[k].kind);
            fontcolor = color;
            penwidth = 2.0;
        }
        std::string prefix;  // finding tags and witness step numbers, before the label
        if (!tags.empty()) {
            prefix = tags + ": ";
        }
        if (!numbers.empty()) {
            std::string n;
            for (std::size_t k : numbers) {
                n += (n.empty() ? "" : ",") + std::to_string(k);
            }
            prefix = "(" + n + ") " + prefix;
            color = kTraceColor;
            fontcolor = kTraceColor;
            penwidth = 3.0;
        }
        label = prefix + label;
        if (disabled) {
            color = "#d9d9d9";
            fontcolor = "#bdbdbd";
        }
        std::string label_attr = "\"" + escape_dot_string(label) + "\"";
        const auto change = !expansions.empty() ? row_status(expansions)
                            : group.size() == 1 ? status(t.id.index())
                                                : std::nullopt;
        if (change == model::DiffKind::Added) {
            color = kAddedColor;
            fontcolor = color;
            penwidth = std::max(penwidth, 2.5);
            label_attr = "\"" + escape_dot_string("+ " + label) + "\"";
        } else if (change == model::DiffKind::Changed) {
            color = kChangedColor;
            fontcolor = color;
            penwidth = std::max(penwidth, 2.5);
            std::size_t changed = t.id.index();
            for (std::size_t e : expansions) {
                if (status_[e] == model::DiffKind::Changed) {
                    changed = e;
                    break;
                }
            }
            const auto& now = m_.transition(TransitionId{changed});
            label_attr = "<" + escape_html(prefix) +
                         changed_label_html(p_->input.base, p_->input.base.transition(*base_of_[changed]), m_, now) +
                         ">";
        }
        std::string attrs = fmt::format("label={}, style={}, color=\"{}\", fontcolor=\"{}\"{}", label_attr, style.style,
                                        color, fontcolor, style.extra);
        if (penwidth > 0.0) {
            attrs += fmt::format(", penwidth={}", penwidth);
        }
        attrs += ", tooltip=\"" + escape_dot_string(tooltip) + "\"";
        return attrs;
    }

    /// Whether `t` is drawn on its own (it carries a finding or a witness step) rather than merged with the
    /// other transitions between the same two states by the same actor.
    bool drawn_alone(const model::Transition& t) const {
        return !trans_marks_[t.id.index()].empty() || !trace_numbers_[t.id.index()].empty() ||
               status(t.id.index()).has_value();
    }

    /// The id of the edge that stands for `group` (see base_name).
    std::string edge_id(const std::vector<const model::Transition*>& group) const {
        std::string id = "e";
        for (const auto* g : group) {
            id += ":" + base_name(*g);
        }
        return id;
    }

    /// Whether an edge standing for `group` is drawn as in the base (no member added or changed).
    bool as_in_base(const std::vector<const model::Transition*>& group) const {
        return std::none_of(group.begin(), group.end(), [&](const auto* g) { return status(g->id.index()); });
    }

    /// The base's transitions that the proposal removes, drawn grey, dashed and struck through. A removed `*` row
    /// is drawn from "any state" once, and only when all its expansions are removed (expansions from a removed
    /// state go with that state); self-loops are listed inside their state.
    void removed_transitions() {
        const auto& base = p_->input.base;
        std::set<std::uint32_t> rows;
        for (const auto* t : removed_) {
            if (t->source == t->target && !t->from_any) {
                continue;
            }
            std::string tail = base.state(t->source).name;
            std::string id = "e:" + t->name;
            if (t->from_any) {
                const auto removed_of_row = std::count_if(
                    removed_.begin(), removed_.end(), [&](const auto* u) { return u->from_any && u->row == t->row; });
                const auto& base_rows = all_base_rows();
                const bool whole_row = removed_of_row == std::count(base_rows.begin(), base_rows.end(), t->row);
                if (!whole_row || !rows.insert(t->row).second) {
                    continue;
                }
                tail = "__any";
                id = "any:" + t->name;
            }
            const std::string label = struck_html(escape_html_lines(edge_label(base, *t)));
            out_ += fmt::format("  \"{}\" -> \"{}\" [label=<{}>, style=dashed, color=\"{}\", fontcolor=\"{}\", "
                                "tooltip=\"{}\"{}];\n",
                                escape_dot_string(tail), escape_dot_string(base.state(t->target).name), label,
                                kRemovedColor, kRemovedColor, escape_dot_string("removed by the proposal: " + t->name),
                                edge_extra(id, tail, base.state(t->target).name, true));
        }
    }

    /// The row of every expansion of a `*` row in the base, one entry per expansion.
    const std::vector<std::uint32_t>& all_base_rows() {
        if (base_any_rows_.empty()) {
            const auto& base = p_->input.base;
            for (std::size_t i = 0; i < base.transition_count(); ++i) {
                if (base.transition(TransitionId{i}).from_any) {
                    base_any_rows_.push_back(base.transition(TransitionId{i}).row);
                }
            }
        }
        return base_any_rows_;
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
            if (t.region_move) {
                continue;  // drawn in its region's cluster (regions())
            }
            if (t.from_any) {
                if (!any_node) {
                    any_node_text();
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
                    out_ += fmt::format(
                        "  __any -> {} [{}{}];\n", node_id(m_.state(t.target)),
                        edge_attrs({&t}, all_disabled, {}, expansions),
                        edge_extra("any:" + base_name(t), "__any", m_.state(t.target).name, !row_status(expansions)));
                }
                if (!numbers.empty()) {
                    // A step of the witness through this row: drawn from the state it actually left.
                    out_ += fmt::format(
                        "  {} -> {} [{}, constraint=false{}];\n", node_id(m_.state(t.source)),
                        node_id(m_.state(t.target)), edge_attrs({&t}, false, numbers),
                        edge_extra("step:" + base_name(t), m_.state(t.source).name, m_.state(t.target).name, false));
                }
                continue;
            }
            if (t.target == t.source) {
                continue;  // drawn inside the state (state_node)
            }
            if (drawn_alone(t)) {
                out_ += fmt::format(
                    "  {} -> {} [{}{}];\n", node_id(m_.state(t.source)), node_id(m_.state(t.target)),
                    edge_attrs({&t}, disabled_[i], numbers),
                    edge_extra(edge_id({&t}), m_.state(t.source).name, m_.state(t.target).name, as_in_base({&t})));
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
            out_ += fmt::format("  {} -> {} [{}{}];\n", node_id(m_.state(first.source)),
                                node_id(m_.state(first.target)), edge_attrs(group, std::get<3>(key), {}),
                                edge_extra(edge_id(group), m_.state(first.source).name, m_.state(first.target).name,
                                           as_in_base(group)));
        }
        if (p_ != nullptr && !any_node &&
            std::any_of(removed_.begin(), removed_.end(), [](const auto* t) { return t->from_any; })) {
            any_node_text();  // for the base's `*` rows the proposal removes
        }
    }

    // ---- regions: one cluster per region declaration ----

    /// The steps of one region row drawn as one edge of its region's cluster: the transitions of the row (one per
    /// main state it fires in), over the instances whose labels coincide once their index is read as `[i]`.
    struct RegionEdge {
        std::int64_t from{0};
        std::int64_t to{0};
        Actor actor{Actor::Client};
        std::string label{};
        std::vector<std::size_t> members{};      ///< transitions
        std::vector<std::uint32_t> instances{};  ///< regions, ascending
    };

    void regions() {
        std::vector<std::string> machines;
        std::map<std::string, std::vector<std::uint32_t>> instances;
        for (std::uint32_t r = 0; r < m_.regions.size(); ++r) {
            auto [it, inserted] = instances.try_emplace(m_.regions[r].machine);
            if (inserted) {
                machines.push_back(m_.regions[r].machine);
            }
            it->second.push_back(r);
        }
        for (const auto& machine : machines) {
            region_cluster(machine, instances[machine]);
        }
    }

    std::vector<RegionEdge> region_edges(const std::vector<std::uint32_t>& instances) const {
        // One instance's row between two region states: its transitions, one per main state of its `during` set.
        std::map<std::tuple<std::uint32_t, std::uint32_t, std::int64_t, std::int64_t>, std::vector<std::size_t>> steps;
        std::vector<std::tuple<std::uint32_t, std::uint32_t, std::int64_t, std::int64_t>> order;
        for (std::size_t i = 0; i < m_.transition_count(); ++i) {
            const auto& t = m_.transition(TransitionId{i});
            if (!t.region_move ||
                std::find(instances.begin(), instances.end(), t.region_move->region) == instances.end()) {
                continue;
            }
            const auto key = std::make_tuple(t.region_move->region, t.row, t.region_move->from, t.region_move->to);
            auto [it, inserted] = steps.try_emplace(key);
            if (inserted) {
                order.push_back(key);
            }
            it->second.push_back(i);
        }
        std::vector<RegionEdge> edges;
        const std::string& machine = m_.regions[instances.front()].machine;
        for (const auto& key : order) {
            const auto& members = steps[key];
            std::vector<StateId> during;
            for (std::size_t i : members) {
                during.push_back(m_.transition(TransitionId{i}).source);
            }
            std::sort(during.begin(), during.end());
            during.erase(std::unique(during.begin(), during.end()), during.end());
            const auto& first = m_.transition(TransitionId{members.front()});
            std::string label = region_row_label(m_, first, during);
            const std::uint32_t region = std::get<0>(key);
            if (instances.size() > 1) {
                label = replace_all(label, instance_index(m_.regions[region].name, machine), "[i]");
            }
            auto same = std::find_if(edges.begin(), edges.end(), [&](const RegionEdge& e) {
                return e.from == std::get<2>(key) && e.to == std::get<3>(key) && e.actor == first.actor &&
                       e.label == label;
            });
            if (same == edges.end()) {
                edges.push_back({std::get<2>(key), std::get<3>(key), first.actor, label, {}, {}});
                same = std::prev(edges.end());
            }
            same->members.insert(same->members.end(), members.begin(), members.end());
            if (std::find(same->instances.begin(), same->instances.end(), region) == same->instances.end()) {
                same->instances.push_back(region);
            }
        }
        for (auto& e : edges) {
            std::sort(e.instances.begin(), e.instances.end());
            if (e.instances.size() < instances.size()) {
                // Not every instance has this row (or its label differs per instance): say whose it is.
                std::string names;
                for (std::uint32_t r : e.instances) {
                    names += (names.empty() ? "" : ", ") + m_.regions[r].name;
                }
                e.label = names + ": " + e.label;
            }
        }
        return edges;
    }

    /// Finding tags of region state `state` of the instances `instances` (with the instance's name when the
    /// declaration has several), and whether it is unreachable in every configuration for all of them, or a dead end.
    struct RegionStateMarks {
        std::string tags{};
        std::size_t unreachable_always{0};  ///< instances unreachable in every configuration
        bool unreachable_some{false};
        bool dead{false};
    };

    RegionStateMarks region_state_marks(const std::vector<std::uint32_t>& instances, std::int64_t state) const {
        RegionStateMarks out;
        for (std::size_t k = 0; k < h_.marks.size(); ++k) {
            const Mark& mark = h_.marks[k];
            if (mark.resolved) {
                continue;
            }
            for (std::size_t j = 0; j < mark.region_states.size(); ++j) {
                const auto& rs = mark.region_states[j];
                if (rs.state != state || std::find(instances.begin(), instances.end(), rs.region) == instances.end()) {
                    continue;
                }
                const std::size_t n = mark.states.size() + j;
                std::string tag = mark.numbers.empty() ? fmt::format("F{}", k + 1)
                                  : mark.numbers.size() == mark.states.size() + mark.region_states.size()
                                      ? fmt::format("#{}", mark.numbers[n])
                                      : numbers_text(mark.numbers);
                if (instances.size() > 1) {
                    tag += " " + m_.regions[rs.region].name;
                }
                out.tags += (out.tags.empty() ? "" : " ") + tag;
                if (mark.kind == MarkKind::Unreachable) {
                    if (mark.condition.empty()) {
                        ++out.unreachable_always;
                    } else {
                        out.unreachable_some = true;
                    }
                } else if (mark.kind == MarkKind::Deadlock) {
                    out.dead = true;
                }
            }
        }
        return out;
    }

    void region_cluster(const std::string& machine, const std::vector<std::uint32_t>& instances) {
        const model::Region& first = m_.regions[instances.front()];
        const std::vector<RegionEdge> edges = region_edges(instances);
        out_ += fmt::format("  subgraph \"{}\" {{\n", escape_dot_string("cluster_region_" + machine));
        out_ += fmt::format("    label=\"{}\"; fontname=\"Helvetica-Bold\"; fontsize=12; fontcolor=\"{}\"; "
                            "style=\"rounded,dashed,filled\"; color=\"{}\"; fillcolor=\"#f4f8fb\";\n",
                            escape_dot_string("region " + instances_text(m_, instances)), kRegionColor, kRegionColor);
        std::string tooltip = first.doc;
        if (!first.ref.empty()) {
            tooltip += (tooltip.empty() ? "" : "\n") + first.ref;
        }
        if (!tooltip.empty()) {
            out_ += fmt::format("    tooltip=\"{}\";\n", escape_dot_string(tooltip));
        }
        const std::string initial = "\"" + escape_dot_string("region:" + machine + ":__initial") + "\"";
        out_ += fmt::format("    {} [shape=point, width=0.14, fillcolor=\"#000000\", label=\"\"];\n", initial);
        for (std::size_t k = 0; k < first.states.size(); ++k) {
            out_ += "    " + region_state_node(machine, instances, static_cast<std::int64_t>(k), edges);
        }
        for (std::size_t k = 0; k < first.states.size(); ++k) {
            if (first.states[k].initial) {
                out_ += fmt::format("    {} -> {} [arrowsize=0.7];\n", initial,
                                    region_node_id(machine, first.states[k].name));
            }
        }
        for (const auto& e : edges) {
            if (e.from == e.to) {
                continue;  // listed inside the region state
            }
            out_ += fmt::format("    {} -> {} [{}];\n", region_node_id(machine, first.states[e.from].name),
                                region_node_id(machine, first.states[e.to].name), region_edge_attrs(e));
        }
        out_ += "  }\n";
    }

    std::string region_state_node(const std::string& machine, const std::vector<std::uint32_t>& instances,
                                  std::int64_t k, const std::vector<RegionEdge>& edges) {
        const model::RegionState& s = m_.regions[instances.front()].states[static_cast<std::size_t>(k)];
        const RegionStateMarks marks = region_state_marks(instances, k);
        std::string label = "<<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"1\"><TR><TD><B>" +
                            escape_html(s.name) + "</B></TD></TR>";
        if (!marks.tags.empty()) {
            label +=
                "<TR><TD><FONT POINT-SIZE=\"9\" COLOR=\"#a50026\">" + escape_html(marks.tags) + "</FONT></TD></TR>";
        }
        std::string loops;
        for (const auto& e : edges) {
            if (e.from != k || e.to != k) {
                continue;
            }
            const auto look = region_edge_look(e);
            const std::string prefix = look.prefix + actor_style(e.actor).loop_mark;
            std::string cell = escape_html_lines(prefix + look.label);
            if (look.thick) {
                cell = "<B>" + cell + "</B>";
            }
            loops += fmt::format(
                "<TR><TD ALIGN=\"LEFT\" BALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\" COLOR=\"{}\">{}</FONT></TD></TR>",
                look.fontcolor, cell);
        }
        if (!loops.empty()) {
            label += "<HR/>" + loops;
        }
        label += "</TABLE>>";
        std::vector<std::string> attrs{"label=" + label, "fontsize=11"};
        std::string fill = s.goal ? "#d9f0d3" : "#ffffff";
        std::string color = "#000000";
        std::string fontcolor = "#000000";
        std::string style = "rounded,filled";
        int peripheries = s.goal ? 2 : 1;
        double penwidth = 1.0;
        if (marks.dead) {
            color = mark_color(MarkKind::Deadlock);
            peripheries = 3;
            penwidth = 2.0;
        }
        if (marks.unreachable_some || (marks.unreachable_always > 0 && marks.unreachable_always < instances.size())) {
            style = "rounded,filled,dashed";
        }
        if (marks.unreachable_always == instances.size()) {
            fill = "#f0f0f0";
            color = "#bdbdbd";
            fontcolor = "#969696";
            style = "rounded,filled,dashed";
        }
        append_state_style(attrs, {fill, color, fontcolor, style, penwidth, peripheries}, s.doc, s.ref);
        std::string joined;
        for (const auto& a : attrs) {
            joined += (joined.empty() ? "" : ", ") + a;
        }
        return fmt::format("{} [{}];\n", region_node_id(machine, s.name), joined);
    }

    /// How a region edge is drawn: by actor, greyed when the configuration disables all its transitions, coloured by
    /// a suite's coverage, by a finding on one of its transitions, thick blue with the step numbers of a witness.
    struct RegionEdgeLook {
        std::string label{};
        std::string prefix{};  ///< finding tags and witness step numbers
        std::string color{};
        std::string fontcolor{};
        double penwidth{0.0};
        bool thick{false};  ///< a witness step
    };

    RegionEdgeLook region_edge_look(const RegionEdge& e) const {
        const auto style = actor_style(e.actor);
        RegionEdgeLook look{e.label, {}, style.color, style.color, 0.0, false};
        if (h_.coverage) {
            Cover worst = Cover::Planned;
            std::size_t planned = 0;
            std::size_t if_chosen = 0;
            std::size_t covered = 0;
            for (std::size_t i : e.members) {
                worst = std::min(worst, cover(i));
                covered += cover(i) == Cover::Planned ? 1 : 0;
                planned += planned_[i];
                if_chosen += if_chosen_[i];
            }
            const auto eol = look.label.find('\n');
            look.label.insert(eol == std::string::npos ? look.label.size() : eol, " " + count_note(planned, if_chosen));
            if (e.members.size() > 1 && worst != Cover::Planned) {
                look.label = fmt::format("{}/{} covered\n", covered, e.members.size()) + look.label;
            }
            look.color = cover_color(worst);
            look.fontcolor = look.color;
            look.penwidth = cover_penwidth(worst);
        }
        std::vector<std::size_t> seen_marks;
        std::vector<std::size_t> numbers;
        for (std::size_t i : e.members) {
            for (std::size_t k : trans_marks_[i]) {
                if (std::find(seen_marks.begin(), seen_marks.end(), k) == seen_marks.end()) {
                    seen_marks.push_back(k);
                    look.prefix += mark_tag(k) + " ";
                    look.color = mark_color(h_.marks[k].kind);
                    look.fontcolor = look.color;
                    look.penwidth = 2.0;
                }
            }
            numbers.insert(numbers.end(), trace_numbers_[i].begin(), trace_numbers_[i].end());
        }
        if (!numbers.empty()) {
            std::sort(numbers.begin(), numbers.end());
            std::string n;
            for (std::size_t k : numbers) {
                n += (n.empty() ? "" : ",") + std::to_string(k);
            }
            look.prefix = "(" + n + ") " + look.prefix;
            look.color = kTraceColor;
            look.fontcolor = kTraceColor;
            look.penwidth = 3.0;
            look.thick = true;
        }
        if (std::all_of(e.members.begin(), e.members.end(), [&](std::size_t i) { return disabled_[i]; })) {
            look.color = "#d9d9d9";
            look.fontcolor = "#bdbdbd";
        }
        return look;
    }

    std::string region_edge_attrs(const RegionEdge& e) const {
        const auto look = region_edge_look(e);
        const auto style = actor_style(e.actor);
        std::string attrs = fmt::format("label=\"{}\", style={}, color=\"{}\", fontcolor=\"{}\"{}",
                                        escape_dot_string(look.prefix + look.label), style.style, look.color,
                                        look.fontcolor, style.extra);
        if (look.penwidth > 0.0) {
            attrs += fmt::format(", penwidth={}", look.penwidth);
        }
        const auto& t = m_.transition(TransitionId{e.members.front()});
        std::string tooltip = t.name;
        if (!t.doc.empty()) {
            tooltip += "\n" + t.doc;
        }
        if (!t.ref.empty()) {
            tooltip += "\n" + t.ref;
        }
        return attrs + ", tooltip=\"" + escape_dot_string(tooltip) + "\"";
    }

    void any_node_text() {
        const std::string pos = pos_attr("__any");
        out_ += fmt::format("  __any [label=\"any state\", shape=box, style=\"rounded,dashed\", color=\"#4d4d4d\", "
                            "fontcolor=\"#4d4d4d\", fontsize=11{}];\n",
                            pos.empty() ? "" : ", " + pos);
    }

    /// "2 states added, 1 transition changed, ..." (or "no change to states or transitions").
    std::string change_counts() const {
        const auto& diff = p_->input.diff;
        std::string out;
        const auto add = [&](std::size_t n, const char* what, model::DiffKind kind) {
            if (n > 0) {
                out += fmt::format("{}{} {}{} {}", out.empty() ? "" : ", ", n, what, n == 1 ? "" : "s",
                                   model::diff_kind_name(kind));
            }
        };
        for (auto kind : {model::DiffKind::Added, model::DiffKind::Changed, model::DiffKind::Removed}) {
            add(static_cast<std::size_t>(std::count_if(diff.states.begin(), diff.states.end(),
                                                       [&](const auto& d) { return d.kind == kind; })),
                "state", kind);
            add(static_cast<std::size_t>(std::count_if(diff.transitions.begin(), diff.transitions.end(),
                                                       [&](const auto& d) { return d.kind == kind; })),
                "transition", kind);
        }
        return out.empty() ? "no state or transition changed" : out;
    }

    /// Legend rows of a proposal diagram: the three markings, then the other declarations it changes.
    std::string proposal_legend() const {
        // A row for each marking the picture uses; "no state or transition changed" is in the title otherwise.
        const auto& diff = p_->input.diff;
        const auto any = [&](model::DiffKind kind) {
            return std::any_of(diff.states.begin(), diff.states.end(), [&](const auto& d) { return d.kind == kind; }) ||
                   std::any_of(diff.transitions.begin(), diff.transitions.end(),
                               [&](const auto& d) { return d.kind == kind; });
        };
        std::string rows;
        if (any(model::DiffKind::Added)) {
            rows +=
                fmt::format("<TR><TD ALIGN=\"LEFT\"><FONT COLOR=\"{0}\"><B>+ \u2501\u2501\u25B6</B></FONT></TD><TD "
                            "ALIGN=\"LEFT\"><FONT COLOR=\"{0}\">added by the proposal: green, bold, +</FONT></TD></TR>",
                            kAddedColor);
        }
        if (any(model::DiffKind::Changed)) {
            rows += fmt::format("<TR><TD ALIGN=\"LEFT\"><FONT COLOR=\"{0}\"><B>\u2501\u2501\u25B6</B></FONT></TD><TD "
                                "ALIGN=\"LEFT\"><FONT COLOR=\"{0}\">changed by the proposal: orange; the base's value "
                                "</FONT><FONT COLOR=\"{1}\"><S>struck through</S></FONT><FONT COLOR=\"{0}\">, then the "
                                "proposal's</FONT></TD></TR>",
                                kChangedColor, kRemovedColor);
        }
        if (any(model::DiffKind::Removed)) {
            rows +=
                fmt::format("<TR><TD ALIGN=\"LEFT\"><FONT COLOR=\"{0}\">\u2012 \u2012 \u25B6</FONT></TD><TD "
                            "ALIGN=\"LEFT\"><FONT COLOR=\"{0}\">removed by the proposal (drawn from the base): grey, "
                            "dashed, <S>struck through</S></FONT></TD></TR>",
                            kRemovedColor);
        }
        for (const auto& d : diff.declarations) {
            std::string text;
            const char* color = kAddedColor;
            switch (d.kind) {
            case model::DiffKind::Added:
                text = "+ " + escape_html(d.element + " " + d.proposal_text);
                break;
            case model::DiffKind::Changed:
                color = kChangedColor;
                text = escape_html(d.element + " ") +
                       fmt::format("<FONT COLOR=\"{}\"><S>{}</S></FONT> \u2192 ", kRemovedColor,
                                   escape_html(d.base_text)) +
                       escape_html(d.proposal_text);
                break;
            case model::DiffKind::Removed:
                color = kRemovedColor;
                text = "<S>" + escape_html(d.element + " " + d.base_text) + "</S>";
                break;
            }
            rows += fmt::format("<TR><TD></TD><TD ALIGN=\"LEFT\"><FONT COLOR=\"{}\">{}</FONT></TD></TR>", color, text);
        }
        return rows;
    }

    /// A finding's row in the legend. In a proposal diagram it says how the finding changed; a resolved one is
    /// the base's, numbered "base #n" and struck through.
    std::string mark_row(std::size_t i) const {
        const auto& mark = h_.marks[i];
        // a region state with no way out is drawn as a deadlock (triple border) but is not one: the machine goes on
        const char* name =
            mark.kind == MarkKind::Deadlock && !mark.region_states.empty() ? "dead region state" : mark_name(mark.kind);
        std::string text =
            wrap(mark.kind == MarkKind::Property ? mark.summary : fmt::format("{}: {}", name, mark.summary), 90);
        if (!mark.condition.empty()) {
            text += "\nwhen " + wrap(mark.condition, 86);
        }
        std::string html = escape_html_lines(text);
        std::string tag = mark.resolved ? numbers_text(mark.numbers, "base #") : mark_tag(i);
        std::string color = mark_color(mark.kind);
        if (mark.resolved) {
            html = struck_html(html);
            color = kAddedColor;
        }
        if (!mark.change.empty()) {
            html = "<B>" + escape_html(mark.change) + "</B>: " + html;
        }
        if (!mark.detail.empty()) {
            html += "<BR/>" + escape_html_lines(wrap(mark.detail, 90));
        }
        return fmt::format("<TR><TD ALIGN=\"LEFT\" VALIGN=\"TOP\"><FONT COLOR=\"{0}\"><B>{1}</B></FONT></TD>"
                           "<TD ALIGN=\"LEFT\" BALIGN=\"LEFT\"><FONT COLOR=\"{0}\">{2}</FONT></TD></TR>",
                           color, escape_html(tag), html);
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
        if (!m_.regions.empty()) {
            rows +=
                fmt::format("<TR><TD><FONT COLOR=\"{}\">- - -</FONT></TD><TD ALIGN=\"LEFT\">dashed box: a region (an "
                            "orthogonal sub-machine), its states and rows; <I>during S</I>: the main states the "
                            "row fires in</TD></TR>",
                            kRegionColor);
        }
        if (m_.goal_condition) {
            rows += fmt::format("<TR><TD>goal</TD><TD ALIGN=\"LEFT\">{}</TD></TR>",
                                escape_html(model::format_expr(*m_.goal())));
        }
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
        if (p_ != nullptr) {
            rows += proposal_legend();
        }
        for (std::size_t i = 0; i < h_.marks.size(); ++i) {
            rows += mark_row(i);
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
    bool edge_ids_{false};               ///< give every edge an `id` (proposal diagrams and their base's layout)
    const ProposalContext* p_{nullptr};  ///< set for a proposal diagram (m_ is the proposal)
    std::vector<std::optional<model::DiffKind>> status_{};  ///< per transition: Added, Changed or unchanged
    std::vector<std::optional<TransitionId>> base_of_{};    ///< per transition: its base counterpart, if any
    std::vector<const model::State*> removed_states_{};     ///< the base's, drawn struck through
    std::vector<const model::Transition*> removed_{};       ///< the base's, drawn struck through
    std::vector<std::uint32_t> base_any_rows_{};
    std::map<std::string, Layout::Node> pins_{};  ///< node positions (pinned proposal diagrams)
    std::map<std::string, Layout::Box> pinned_clusters_{};
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

std::string proposal_base_dot(const ProposalInput& input, const DotOptions& options) {
    DotOptions base_options = options;
    base_options.title.clear();  // the base's own title: it is the base figure
    base_options.fixed = input.base_fixed;
    return DotWriter{input.base, base_options, input.base_highlights, true}.write();
}

std::string proposal_to_dot(const ProposalInput& input, const DotOptions& options, const Highlights& highlights,
                            const Layout& base, const Layout& unpinned) {
    const ProposalContext context{input, base, unpinned};
    return DotWriter{input.proposal, options, highlights, true, &context}.write();
}

}  // namespace lwm2mc::diagrams
