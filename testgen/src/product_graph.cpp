// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/testgen/product_graph.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <unordered_map>

namespace lwm2mc::testgen {

bool is_stimulus(model::Actor actor) {
    switch (actor) {
    case model::Actor::Client:
    case model::Actor::Choice:
        return false;
    case model::Actor::Response:
    case model::Actor::ServerInitiative:
    case model::Actor::BsInitiative:
    case model::Actor::Fault:
    case model::Actor::Operator:
        return true;
    }
    return false;
}

std::vector<std::uint32_t> ProductGraph::observations(std::uint32_t state) const {
    std::vector<std::uint32_t> result;
    for (std::uint32_t e : out[state]) {
        if (!edges[e].stimulus) {
            result.push_back(e);
        }
    }
    return result;
}

std::size_t ProductGraph::observation_count(std::uint32_t state) const {
    return static_cast<std::size_t>(
        std::count_if(out[state].begin(), out[state].end(), [&](std::uint32_t e) { return !edges[e].stimulus; }));
}

bool TesterLimits::allows(const model::Transition& t) const {
    if (!is_stimulus(t.actor)) {
        return true;
    }
    return std::find(excluded_events.begin(), excluded_events.end(), t.event) == excluded_events.end() &&
           std::find(urgent_states.begin(), urgent_states.end(), t.source) == urgent_states.end();
}

ProductGraph explore(const model::Interpreter& interp, const model::Configuration& config, const TesterLimits& limits,
                     std::size_t max_states) {
    const model::Model& m = interp.model();
    ProductGraph g;
    g.configuration = config;
    std::unordered_map<model::ProductState, std::uint32_t, model::ProductStateHash> index;
    auto intern = [&](model::ProductState s) {
        auto [it, fresh] = index.try_emplace(s, static_cast<std::uint32_t>(g.states.size()));
        if (fresh) {
            if (g.states.size() >= max_states) {
                throw ProductGraphTooLarge(fmt::format("the product graph has more than {} states under {}", max_states,
                                                       interp.format_configuration(config)));
            }
            g.states.push_back(std::move(s));
            g.out.emplace_back();
        }
        return it->second;
    };
    intern(interp.initial_state(config));
    for (std::uint32_t i = 0; i < g.states.size(); ++i) {
        const model::ProductState at = g.states[i];  // copy: intern() may grow the vector
        for (model::TransitionId t : interp.enabled_transitions(at, config)) {
            const model::Transition& tr = m.transition(t);
            if (!limits.allows(tr)) {
                continue;
            }
            try {
                model::ProductState next = interp.step(at, t, config);
                model::Value d = interp.duration(t, at, config);
                std::uint32_t target = intern(std::move(next));
                g.out[i].push_back(static_cast<std::uint32_t>(g.edges.size()));
                g.edges.push_back(ProductEdge{i, target, t, d, is_stimulus(tr.actor)});
            } catch (const model::EvalError& e) {
                g.evaluation_errors.push_back(fmt::format("{}: {} (transition '{}' from {} [{}])",
                                                          e.range().to_string(), e.what(), tr.name,
                                                          m.state(at.state).name, interp.format_vars(at.vars)));
            }
        }
    }
    return g;
}

}  // namespace lwm2mc::testgen
