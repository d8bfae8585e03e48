// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/model/replay.hpp"

#include "lwm2mc/model/printer.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace lwm2mc::model {

namespace {

std::string enabled_text(const Model& m, const TransitionId t) {
    const auto& tr = m.transition(t);
    return fmt::format("{} -> {}", m.events[tr.event.index()].name, m.state(tr.target).name);
}

/// The first variable whose reported value differs from the model's, as a message; empty when all agree.
std::string vars_mismatch(const Model& m, const ProductState& s, const std::map<std::string, std::string>& reported) {
    for (const auto& [name, value] : reported) {
        auto var = m.find_variable(name);
        if (!var) {
            return fmt::format("the client reports variable '{}', which the model does not have", name);
        }
        const auto& v = m.variables[var->index()];
        const std::string expected = m.format_value(v.type, s.vars[var->index()]);
        if (expected != value) {
            return fmt::format("variable '{}' is {} in the model but {} in the client", name, expected, value);
        }
    }
    return {};
}

}  // namespace

ReplayResult replay(const Model& m, const Configuration& config, std::span<const Observation> trace) {
    const Interpreter interp{m};
    ReplayResult r;
    r.state = interp.initial_state(config);
    for (std::size_t i = 0; i < trace.size(); ++i) {
        const Observation& o = trace[i];
        auto diverge = [&](std::string message) {
            Divergence d;
            d.index = i;
            d.line = o.line;
            d.message = std::move(message);
            for (TransitionId t : interp.enabled_transitions(r.state, config)) {
                d.enabled.push_back(enabled_text(m, t));
            }
            r.divergence = std::move(d);
            return r;
        };
        if (o.restart) {
            const std::string& initial = m.state(m.initial_state()).name;
            if (o.to != initial) {
                return diverge(
                    fmt::format("the client (re)starts in '{}' but the model's initial state is '{}'", o.to, initial));
            }
            ProductState fresh = interp.initial_state(config);
            for (const auto& [name, value] : o.vars) {
                auto var = m.find_variable(name);
                if (!var) {
                    return diverge(
                        fmt::format("the client reports variable '{}', which the model does not have", name));
                }
                const auto& v = m.variables[var->index()];
                if (!v.persistent) {
                    continue;  // volatile: a restart resets it
                }
                std::optional<Value> parsed;
                for (Value x = v.type.lo; x <= v.type.hi && x - v.type.lo < 4096; ++x) {
                    if (m.format_value(v.type, x) == value) {
                        parsed = x;
                        break;
                    }
                }
                if (!parsed && v.type.kind == TypeKind::Int) {
                    try {
                        parsed = std::stoll(value);
                    } catch (const std::exception&) {
                    }
                }
                if (!parsed || !v.type.contains(*parsed)) {
                    return diverge(fmt::format("variable '{}' cannot be {}", name, value));
                }
                fresh.vars[var->index()] = *parsed;
            }
            r.state = std::move(fresh);
            ++r.matched;
            continue;
        }
        const std::string& here = m.state(r.state.state).name;
        if (!o.from.empty() && o.from != here) {
            return diverge(fmt::format("the client says it left '{}' but the model is in '{}'", o.from, here));
        }
        if (!m.find_event(o.event)) {
            return diverge(fmt::format("'{}' is not an event of the model", o.event));
        }
        if (!m.find_state(o.to)) {
            return diverge(fmt::format("'{}' is not a state of the model", o.to));
        }
        std::vector<TransitionId> on_event;
        std::vector<TransitionId> candidates;
        for (TransitionId t : m.out_transitions(r.state.state)) {
            const auto& tr = m.transition(t);
            if (m.events[tr.event.index()].name != o.event) {
                continue;
            }
            on_event.push_back(t);
            if (m.state(tr.target).name == o.to && interp.enabled(t, r.state, config)) {
                candidates.push_back(t);
            }
        }
        if (on_event.empty()) {
            return diverge(fmt::format("the model has no transition from '{}' on '{}'", here, o.event));
        }
        if (candidates.empty()) {
            std::string why;
            for (TransitionId t : on_event) {
                const auto& tr = m.transition(t);
                const bool enabled = interp.enabled(t, r.state, config);
                why += fmt::format("{}'{}' goes to '{}'{}", why.empty() ? "" : "; ", tr.name, m.state(tr.target).name,
                                   enabled ? "" : fmt::format(" but its guard [{}] is false", format_expr(*tr.guard)));
            }
            return diverge(fmt::format("from '{}' on '{}' the client went to '{}': {}", here, o.event, o.to, why));
        }
        // Prefer the transition whose effect agrees with what the client reports.
        std::optional<TransitionId> chosen;
        std::optional<ProductState> next;
        std::string mismatch;
        for (TransitionId t : candidates) {
            ProductState s;
            try {
                s = interp.step(r.state, t, config);
            } catch (const EvalError& e) {
                mismatch = fmt::format("the model cannot take '{}': {}", m.transition(t).name, e.what());
                continue;
            }
            std::string why = vars_mismatch(m, s, o.vars);
            if (why.empty()) {
                chosen = t;
                next = std::move(s);
                break;
            }
            if (mismatch.empty()) {
                mismatch = why;
            }
        }
        if (!chosen) {
            return diverge(fmt::format("after '{}' from '{}' to '{}': {}", o.event, here, o.to, mismatch));
        }
        if (!o.actor.empty() && o.actor != actor_name(m.transition(*chosen).actor)) {
            return diverge(fmt::format("the client reports '{}' as done by '{}' but the model's actor is '{}'", o.event,
                                       o.actor, actor_name(m.transition(*chosen).actor)));
        }
        r.state = std::move(*next);
        r.path.push_back(*chosen);
        ++r.matched;
    }
    return r;
}

std::variant<std::vector<Observation>, std::string> parse_trace(std::string_view jsonl) {
    std::vector<Observation> out;
    std::size_t line_no = 0;
    std::size_t pos = 0;
    while (pos < jsonl.size()) {
        std::size_t end = jsonl.find('\n', pos);
        if (end == std::string_view::npos) {
            end = jsonl.size();
        }
        std::string_view line = jsonl.substr(pos, end - pos);
        pos = end + 1;
        ++line_no;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
            continue;
        }
        nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.is_object()) {
            return fmt::format("{}:1: not a JSON object", line_no);
        }
        const bool restart = j.contains("kind") && j["kind"] == "start";
        if (j.contains("kind") && j["kind"] != "transition" && !restart) {
            continue;
        }
        auto text = [&](const char* key, bool required, std::string& into) -> std::optional<std::string> {
            if (!j.contains(key)) {
                if (required) {
                    return fmt::format("{}:1: a {} record needs \"{}\"", line_no, restart ? "start" : "transition",
                                       key);
                }
                return std::nullopt;
            }
            if (!j[key].is_string()) {
                return fmt::format("{}:1: \"{}\" must be a string", line_no, key);
            }
            into = j[key].get<std::string>();
            return std::nullopt;
        };
        Observation o;
        o.line = line_no;
        o.restart = restart;
        if (restart) {
            if (auto error = text("state", true, o.to)) {
                return *error;
            }
        } else {
            for (auto [key, required, into] :
                 {std::tuple{"event", true, &o.event}, std::tuple{"to", true, &o.to},
                  std::tuple{"from", false, &o.from}, std::tuple{"actor", false, &o.actor}}) {
                if (auto error = text(key, required, *into)) {
                    return *error;
                }
            }
        }
        if (j.contains("t_ms")) {
            if (!j["t_ms"].is_number_integer()) {
                return fmt::format("{}:1: \"t_ms\" must be an integer", line_no);
            }
            o.t_ms = j["t_ms"].get<std::int64_t>();
        }
        if (j.contains("vars")) {
            if (!j["vars"].is_object()) {
                return fmt::format("{}:1: \"vars\" must be an object", line_no);
            }
            for (const auto& [name, value] : j["vars"].items()) {
                if (value.is_boolean()) {
                    o.vars[name] = value.get<bool>() ? "true" : "false";
                } else if (value.is_number_integer()) {
                    o.vars[name] = std::to_string(value.get<std::int64_t>());
                } else if (value.is_string()) {
                    o.vars[name] = value.get<std::string>();
                } else {
                    return fmt::format("{}:1: variable \"{}\" must be a boolean, an integer or a string", line_no,
                                       name);
                }
            }
        }
        out.push_back(std::move(o));
    }
    return out;
}

}  // namespace lwm2mc::model
