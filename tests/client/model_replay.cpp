// SPDX-License-Identifier: Apache-2.0
#include "model_replay.hpp"

#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/loader.hpp"
#include "lwm2mc/model/replay.hpp"

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
    // The conformance check itself is model::replay (the one `lwm2mc replay` runs); this adapter turns the
    // recorded steps into observations and adds the tests' stricter demand that every step reports every variable.
    const auto& m = shipped_model();
    model::Configuration cfg;
    try {
        cfg = model_configuration(config);
    } catch (const std::out_of_range&) {
        return std::string{"a model parameter has no configuration field"};
    }
    std::vector<model::Observation> trace;
    model::Observation start;
    start.restart = true;
    start.to = start_state;
    start.vars = start_vars;
    trace.push_back(std::move(start));
    for (const auto& v : m.variables) {
        if (start_vars.count(v.name) == 0) {
            return "start variable '" + v.name + "' missing";
        }
    }
    for (std::size_t n = 0; n < steps.size(); ++n) {
        const auto& s = steps[n];
        for (const auto& v : m.variables) {
            if (s.vars.count(v.name) == 0) {
                return "step " + std::to_string(n) + ": variable '" + v.name + "' missing from the trace";
            }
        }
        model::Observation o;
        o.from = s.from;
        o.event = s.event;
        o.actor = s.actor;
        o.to = s.to;
        o.vars = s.vars;
        trace.push_back(std::move(o));
    }
    const auto result = model::replay(m, cfg, trace);
    if (result.ok()) {
        return std::nullopt;
    }
    const auto& d = *result.divergence;
    if (d.index == 0) {
        return "start: " + d.message;
    }
    const auto& s = steps[d.index - 1];
    return "step " + std::to_string(d.index - 1) + " " + s.from + " -" + s.event + "(" + s.actor + ")-> " + s.to +
           ": " + d.message;
}

}  // namespace lwm2mc::client::testing
