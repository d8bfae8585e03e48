// SPDX-License-Identifier: Apache-2.0
#include "commands/model.hpp"

#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/loader.hpp"
#include "lwm2mc/model/monitor.hpp"
#include "lwm2mc/model/printer.hpp"
#include "lwm2mc/model/replay.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>
#include <iterator>
#include <ostream>
#include <span>

namespace lwm2mc::cli {

using namespace lwm2mc::model;

namespace {

LoadResult load(const std::string& file, const std::optional<std::string>& proposal) {
    return proposal ? load_with_overlay(file, *proposal) : load_model(file);
}

std::string expr_text(const ExprPtr& e, const char* absent = "") {
    return e ? format_expr(*e) : absent;
}

std::string updates_text(const Model& m, const Transition& t) {
    std::string out;
    for (const auto& u : t.updates) {
        out += (out.empty() ? "" : ", ") + format_update(m, u);
    }
    return out;
}

bool failed_to_load(const LoadResult& r, const CommandIo& io) {
    print_diagnostics(io.err, r.diagnostics, io.verbose);
    return !r.ok();
}

/// Exit code for a model that did not load: 3 when a file could not be read, else 2.
int load_failure_code(const LoadResult& r) {
    bool io =
        std::any_of(r.diagnostics.begin(), r.diagnostics.end(), [](const Diagnostic& d) { return d.code == "E003"; });
    return static_cast<int>(io ? ExitCode::IoError : ExitCode::InvalidModel);
}

/// Prints rows as left-aligned columns separated by two spaces.
void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> width;
    for (const auto& row : rows) {
        width.resize(std::max(width.size(), row.size()));
        for (std::size_t i = 0; i < row.size(); ++i) {
            width[i] = std::max(width[i], row[i].size());
        }
    }
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) {
                line += std::string(width[i] - row[i].size() + 2, ' ');
            }
        }
        while (!line.empty() && line.back() == ' ') {
            line.pop_back();
        }
        out << line << '\n';
    }
}

std::string loc(const SourceRange& r) {
    return r.valid() ? fmt::format("{}:{}", r.line, r.col) : "";
}

}  // namespace

int validate_command(const std::vector<std::string>& files, const std::optional<std::string>& proposal,
                     const CommandIo& io) {
    int code = static_cast<int>(ExitCode::Ok);
    for (const auto& file : files) {
        LoadResult r = load(file, proposal);
        if (failed_to_load(r, io)) {
            code = std::max(code, load_failure_code(r));
            io.err << invalid_model_summary(file, r.diagnostics);
            continue;
        }
        const Model& m = *r.model;
        Interpreter interp{m};
        std::uint64_t configs = 0;
        bool counted = interp.valuation_count() <= 1'000'000;
        std::string count_text = "more than 10^6";
        if (counted) {
            try {
                interp.for_each_configuration([&](const Configuration&) {
                    ++configs;
                    return true;
                });
                count_text = std::to_string(configs);
            } catch (const EvalError& e) {
                io.err << fmt::format("{}: warning: configurations not counted: {} while evaluating the "
                                      "constraints\n",
                                      e.range().to_string(), e.what());
                count_text = "uncounted";
            }
        }
        std::string shown = proposal ? fmt::format("{} on {}", *proposal, file) : file;
        io.out << fmt::format("{}: ok: model '{}'{}: {} states, {} transitions, {} events, {} parameters ({} "
                              "configurations), {} variables, {} constraints, {} properties\n",
                              shown, m.name, m.base_name.empty() ? "" : fmt::format(" (overlay on '{}')", m.base_name),
                              m.state_count(), m.transition_count(), m.events.size(), m.parameters.size(), count_text,
                              m.variables.size(), m.constraints.size(),
                              m.properties.size() + m.event_properties.size());
    }
    return code;
}

int show_command(const std::string& file, const std::optional<std::string>& proposal, ShowFormat format,
                 const CommandIo& io) {
    LoadResult r = load(file, proposal);
    if (failed_to_load(r, io)) {
        return load_failure_code(r);
    }
    const Model& m = *r.model;
    if (format == ShowFormat::Json) {
        io.out << model_to_json(m) << '\n';
        return static_cast<int>(ExitCode::Ok);
    }
    io.out << fmt::format("model {}{}\n", m.name, m.title.empty() ? "" : " — " + m.title);
    if (!m.base_name.empty()) {
        io.out << fmt::format("overlay on {}\n", m.base_name);
    }
    std::vector<std::vector<std::string>> rows{{"name", "literals", "line", "description"}};
    for (const auto& e : m.enums) {
        if (e.named) {
            std::string literals;
            for (const auto& l : e.literals) {
                literals += (literals.empty() ? "" : ", ") + l;
            }
            rows.push_back({e.name, literals, loc(e.range), e.doc});
        }
    }
    if (rows.size() > 1) {  // only models that declare named types get the section
        io.out << "\nTypes\n";
        print_table(io.out, rows);
    }
    io.out << "\nParameters\n";
    rows = {{"name", "type", "line", "description"}};
    for (const auto& p : m.parameters) {
        rows.push_back({p.name, m.format_type(p.type), loc(p.range), p.doc});
    }
    print_table(io.out, rows);
    io.out << "\nConstraints\n";
    rows = {{"name", "constraint", "line"}};
    for (const auto& c : m.constraints) {
        rows.push_back({c.name, expr_text(c.expr), loc(c.range)});
    }
    print_table(io.out, rows);
    io.out << "\nVariables\n";
    rows = {{"name", "type", "initial", "storage", "line"}};
    for (const auto& v : m.variables) {
        rows.push_back({v.name, m.format_type(v.type), expr_text(v.initial), v.persistent ? "persistent" : "volatile",
                        loc(v.range)});
    }
    print_table(io.out, rows);
    io.out << "\nStates\n";
    rows = {{"name", "marks", "group", "line", "ref"}};
    for (std::size_t i = 0; i < m.state_count(); ++i) {
        const State& s = m.state(StateId{i});
        std::string marks;
        for (auto [on, text] : {std::pair{s.initial, "initial"}, {s.goal, "goal"}, {s.final, "final"}}) {
            if (on) {
                marks += (marks.empty() ? "" : ",") + std::string(text);
            }
        }
        rows.push_back({s.name, marks, s.group, loc(s.range), s.ref});
    }
    print_table(io.out, rows);
    if (!m.regions.empty()) {
        io.out << "\nRegions\n";
        rows = {{"name", "states", "storage", "line"}};
        for (const auto& region : m.regions) {
            std::string states;
            for (const auto& s : region.states) {
                states +=
                    (states.empty() ? "" : ", ") + s.name + (s.initial ? " (initial)" : "") + (s.goal ? " (goal)" : "");
            }
            rows.push_back({region.name, states, m.variables[region.var.index()].persistent ? "persistent" : "volatile",
                            loc(region.range)});
        }
        print_table(io.out, rows);
    }
    if (m.goal_condition) {
        io.out << fmt::format("\nGoal\n{}  (line {})\n", format_expr(*m.goal()), loc(m.goal_condition->range));
    }
    io.out << "\nTransitions\n";
    rows = {{"source", "event", "guard", "updates", "target", "actor", "after", "line"}};
    if (!m.regions.empty()) {
        rows[0].insert(rows[0].end() - 1, "region move");
    }
    for (std::size_t i = 0; i < m.transition_count(); ++i) {
        const Transition& t = m.transition(TransitionId{i});
        std::string move;
        if (t.region_move) {
            const Region& region = m.regions[t.region_move->region];
            move = fmt::format("{}: {} -> {}", region.name,
                               region.states[static_cast<std::size_t>(t.region_move->from)].name,
                               region.states[static_cast<std::size_t>(t.region_move->to)].name);
        }
        rows.push_back({m.state(t.source).name, m.events[t.event.index()].name, expr_text(t.guard), updates_text(m, t),
                        m.state(t.target).name, qualified_actor_name(t.actor, t.peer), expr_text(t.duration),
                        loc(t.range)});
        if (!m.regions.empty()) {
            rows.back().insert(rows.back().end() - 1, move);
        }
    }
    print_table(io.out, rows);
    io.out << "\nProperties\n";
    rows = {{"name", "kind", "definition", "line"}};
    for (const auto& p : m.properties) {
        std::string def = expr_text(p.expr);
        if (p.kind == PropertyKind::Recover || p.kind == PropertyKind::Within) {
            def += (def.empty() ? "" : " ") + std::string("from ") + expr_text(p.from, "true") + " to " +
                   expr_text(p.to, "goal") + " relying on " + p.reliance.to_string();
        }
        rows.push_back({p.name, property_kind_name(p.kind), def, loc(p.range)});
    }
    for (const auto& p : m.event_properties) {
        rows.push_back({p.name, "event", format_event_property(m, p), loc(p.range)});
    }
    print_table(io.out, rows);
    return static_cast<int>(ExitCode::Ok);
}

namespace {

/// Reads the trace from `file`, or from standard input for `-`.
std::optional<std::string> read_trace(const std::string& file, std::string& error) {
    if (file != "-") {
        return read_file(file, error);
    }
    std::string text{std::istreambuf_iterator<char>{std::cin}, std::istreambuf_iterator<char>{}};
    if (std::cin.bad()) {
        error = "cannot read standard input";
        return std::nullopt;
    }
    return text;
}

/// `name -> value` of every variable (or parameter) in declaration order, values spelled as in the model.
template <typename Decl>
nlohmann::ordered_json values_json(const Model& m, const std::vector<Decl>& decls, std::span<const Value> values) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < decls.size() && i < values.size(); ++i) {
        out[decls[i].name] = m.format_value(decls[i].type, values[i]);
    }
    return out;
}

/// The verdict as JSON (`lwm2mc-replay/1`, docs/trace-format.md); `trace_file` as given (`-`: standard input).
std::string replay_json(const Model& m, const Interpreter& interp, const Configuration& c,
                        const std::string& trace_file, std::size_t observations, const ReplayResult& r) {
    using json = nlohmann::ordered_json;  // keys in the documented order
    json doc;
    doc["format"] = "lwm2mc-replay/1";
    doc["model"] = m.name;
    doc["trace"] = trace_file;
    doc["configuration"] = values_json(m, m.parameters, c.values);
    doc["verdict"] = r.ok() ? "agrees" : "diverges";
    doc["observations"] = observations;
    doc["matched"] = r.matched;
    json path = json::array();
    for (TransitionId t : r.path) {
        path.push_back(m.transition(t).name);
    }
    doc["path"] = std::move(path);
    doc["state"] = m.state(r.state.state).name;
    doc["vars"] = values_json(m, m.variables, r.state.vars);
    if (r.ok()) {
        doc["divergence"] = nullptr;
    } else {
        const Divergence& d = *r.divergence;
        json allowed = json::array();
        for (TransitionId t : interp.enabled_transitions(r.state, c)) {
            const Transition& tr = m.transition(t);
            allowed.push_back(
                {{"transition", tr.name}, {"event", m.events[tr.event.index()].name}, {"to", m.state(tr.target).name}});
        }
        doc["divergence"] = {{"index", d.index}, {"line", d.line}, {"message", d.message}, {"allowed", allowed}};
    }
    return doc.dump(2) + "\n";
}

}  // namespace

int replay_command(const std::string& model_file, const std::optional<std::string>& proposal,
                   const std::string& trace_file, const std::string& config, ReplayFormat format, const CommandIo& io) {
    LoadResult r = load(model_file, proposal);
    if (failed_to_load(r, io)) {
        return load_failure_code(r);
    }
    const Model& m = *r.model;
    const Interpreter interp{m};
    std::string error;
    auto fixed = interp.parse_assignment(config, error);
    if (!error.empty()) {
        io.err << "lwm2mc replay: --config: " << error << '\n';
        return static_cast<int>(ExitCode::InvalidModel);
    }
    Configuration c;
    std::string missing;
    for (std::size_t p = 0; p < fixed.size(); ++p) {
        if (!fixed[p]) {
            missing += (missing.empty() ? "" : ", ") + m.parameters[p].name;
        }
        c.values.push_back(fixed[p].value_or(0));
    }
    if (!missing.empty()) {
        io.err << "lwm2mc replay: --config must fix every parameter; missing: " << missing << '\n';
        return static_cast<int>(ExitCode::InvalidModel);
    }
    if (!interp.satisfies_constraints(c)) {
        std::string names;
        for (const auto& n : interp.violated_constraints(c)) {
            names += (names.empty() ? "" : ", ") + n;
        }
        io.err << "lwm2mc replay: --config violates the model's constraints: " << names << '\n';
        return static_cast<int>(ExitCode::InvalidModel);
    }
    // "<stdin>" in messages, as compilers name standard input
    const std::string trace_name = trace_file == "-" ? "<stdin>" : trace_file;
    auto text = read_trace(trace_file, error);
    if (!text) {
        io.err << "lwm2mc replay: cannot read '" << trace_name << "': " << error << '\n';
        return static_cast<int>(ExitCode::IoError);
    }
    auto parsed = parse_trace(*text);
    if (auto* e = std::get_if<std::string>(&parsed)) {
        io.err << trace_name << ":" << *e << '\n';
        return static_cast<int>(ExitCode::InvalidModel);
    }
    const auto& trace = std::get<std::vector<Observation>>(parsed);
    ReplayResult result;
    try {
        result = replay(m, c, trace);
    } catch (const EvalError& e) {
        io.err << "lwm2mc replay: " << e.what() << '\n';
        return static_cast<int>(ExitCode::InvalidModel);
    }
    const int code = static_cast<int>(result.ok() ? ExitCode::Ok : ExitCode::Findings);
    if (format == ReplayFormat::Json) {
        io.out << replay_json(m, interp, c, trace_file, trace.size(), result);
        return code;
    }
    if (result.ok()) {
        io.out << fmt::format("ok: {} of {} steps agree with model '{}'; the client ends in '{}'\n", result.matched,
                              trace.size(), m.name, m.state(result.state.state).name);
        return code;
    }
    const auto& d = *result.divergence;
    io.out << fmt::format("{}:{}: divergence after {} agreeing steps: {}\n", trace_name, d.line, result.matched,
                          d.message);
    std::string enabled;
    for (const auto& e : d.enabled) {
        enabled += (enabled.empty() ? "" : ", ") + e;
    }
    io.out << fmt::format("  the model is in '{}' [{}]; it allows: {}\n", m.state(result.state.state).name,
                          interp.format_vars(result.state.vars), enabled.empty() ? "nothing" : enabled);
    return code;
}

int fmt_command(const std::vector<std::string>& files, bool check, bool in_place, const CommandIo& io) {
    int code = static_cast<int>(ExitCode::Ok);
    for (const auto& file : files) {
        std::string why;
        auto text = read_file(file, why);
        if (!text) {
            io.err << fmt::format("{}: error: cannot read '{}': {} [E003]\n", file, file, why);
            code = std::max(code, static_cast<int>(ExitCode::IoError));
            continue;
        }
        FormatResult r = format_source(*text, file);
        print_diagnostics(io.err, r.diagnostics, io.verbose);
        if (!r.text) {
            code = std::max(code, static_cast<int>(ExitCode::InvalidModel));
            continue;
        }
        if (check) {
            if (*r.text != *text) {
                io.out << fmt::format("{}: not in canonical form (run 'lwm2mc fmt -i {}')\n", file, file);
                code = std::max(code, static_cast<int>(ExitCode::Findings));
            }
        } else if (in_place) {
            if (*r.text != *text && !write_file_atomically(file, *r.text, why)) {
                io.err << fmt::format("{}: error: cannot write: {}\n", file, why);
                code = std::max(code, static_cast<int>(ExitCode::IoError));
            }
        } else {
            io.out << *r.text;
        }
    }
    return code;
}

}  // namespace lwm2mc::cli
