// SPDX-License-Identifier: Apache-2.0
#include "model_replay.hpp"

#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/loader.hpp"

#include <stdexcept>

namespace lwm2mc::client::testing {

const model::Model& shipped_model() {
    static const model::Model m = [] {
        auto result = model::load_model(std::string{LWM2MC_SPECS_DIR} + "/lwm2m-ts10-draft.lwm2m");
        if (!result.model) {
            throw std::runtime_error("cannot load the shipped model");
        }
        return std::move(*result.model);
    }();
    return m;
}

model::Configuration model_configuration(const ClientConfig& config) {
    const std::map<std::string, std::int64_t> values{{"factory", config.factory ? 1 : 0},
                                                     {"smartcard", config.smartcard ? 1 : 0},
                                                     {"client_initiated", config.client_initiated ? 1 : 0},
                                                     {"server_initiated", config.server_initiated ? 1 : 0},
                                                     {"supports_factory_reset", config.supports_factory_reset ? 1 : 0},
                                                     {"hold_off", config.hold_off}};
    model::Configuration cfg;
    for (const auto& p : shipped_model().parameters) {
        cfg.values.push_back(values.at(p.name));  // throws for a model parameter without a configuration field
    }
    return cfg;
}

namespace {

std::optional<model::Value> parse_value(const model::Model& m, const model::Type& type, const std::string& text) {
    if (type.kind == model::TypeKind::Bool) {
        if (text == "true" || text == "false") {
            return text == "true" ? 1 : 0;
        }
        return std::nullopt;
    }
    if (type.kind == model::TypeKind::Enum) {
        const auto& lits = m.enums.at(type.enum_id).literals;
        for (std::size_t i = 0; i < lits.size(); ++i) {
            if (lits[i] == text) {
                return static_cast<model::Value>(i);
            }
        }
        return std::nullopt;
    }
    return std::stoll(text);
}

std::optional<std::string> vars_mismatch(const model::Model& m, const std::vector<model::Value>& vars,
                                         const std::map<std::string, std::string>& expected) {
    for (std::size_t i = 0; i < m.variables.size(); ++i) {
        const auto& v = m.variables[i];
        const auto it = expected.find(v.name);
        if (it == expected.end()) {
            return "variable '" + v.name + "' missing from the trace";
        }
        const auto want = parse_value(m, v.type, it->second);
        if (!want || *want != vars[i]) {
            return "variable '" + v.name + "' is " + m.format_value(v.type, vars[i]) + " in the model, " + it->second +
                   " in the trace";
        }
    }
    return std::nullopt;
}

}  // namespace

const ModelNames& shipped_model_names() {
    static const ModelNames names = [] {
        const auto& m = shipped_model();
        ModelNames n;
        for (std::size_t i = 0; i < m.state_count(); ++i) {
            n.states.push_back(m.state(model::StateId{i}).name);
        }
        for (const auto& e : m.events) {
            n.events.push_back(e.name);
        }
        for (const auto& v : m.variables) {
            n.variables.push_back(v.name);
        }
        for (const auto& p : m.parameters) {
            n.parameters.push_back(p.name);
        }
        return n;
    }();
    return names;
}

std::optional<std::string> replay_on_model(const ClientConfig& config, const std::string& start_state,
                                           const std::map<std::string, std::string>& start_vars,
                                           const std::vector<Step>& steps) {
    const auto& m = shipped_model();
    const model::Interpreter interp{m};
    model::Configuration cfg;
    try {
        cfg = model_configuration(config);
    } catch (const std::out_of_range&) {
        return std::string{"a model parameter has no configuration field"};
    }
    const auto start = m.find_state(start_state);
    if (!start) {
        return "start state '" + start_state + "' is not in the model";
    }
    model::ProductState at{*start, std::vector<model::Value>(m.variables.size(), 0)};
    for (std::size_t i = 0; i < m.variables.size(); ++i) {
        const auto it = start_vars.find(m.variables[i].name);
        if (it == start_vars.end()) {
            return "start variable '" + m.variables[i].name + "' missing";
        }
        const auto v = parse_value(m, m.variables[i].type, it->second);
        if (!v) {
            return "start variable '" + m.variables[i].name + "' has value '" + it->second + "'";
        }
        at.vars[i] = *v;
    }
    for (std::size_t n = 0; n < steps.size(); ++n) {
        const auto& s = steps[n];
        const std::string where =
            "step " + std::to_string(n) + " " + s.from + " -" + s.event + "(" + s.actor + ")-> " + s.to + ": ";
        if (m.state(at.state).name != s.from) {
            return where + "the model is in '" + m.state(at.state).name + "'";
        }
        std::string why = "no enabled transition with this event and target";
        bool matched = false;
        for (const auto t : interp.enabled_transitions(at, cfg)) {
            const auto& tr = m.transition(t);
            if (m.events.at(tr.event.index()).name != s.event || m.state(tr.target).name != s.to) {
                continue;
            }
            if (model::actor_name(tr.actor) != s.actor) {
                why = std::string{"actor is '"} + model::actor_name(tr.actor) + "' in the model";
                continue;
            }
            const auto next = interp.step(at, t, cfg);
            if (const auto mismatch = vars_mismatch(m, next.vars, s.vars)) {
                why = *mismatch;
                continue;
            }
            at = next;
            matched = true;
            break;
        }
        if (!matched) {
            return where + why;
        }
    }
    return std::nullopt;
}

}  // namespace lwm2mc::client::testing
