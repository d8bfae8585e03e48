// SPDX-License-Identifier: Apache-2.0
#pragma once

// The product graph of one configuration (control state x variables), explored with the model's
// interpreter, with each transition classified as a stimulus (the tester causes it) or an
// observation (the client does it). See docs/testing.md.

#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/model.hpp"

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace lwm2mc::testgen {

/// Stimuli: response, fault, server_initiative, bs_initiative, operator. Observations: client, choice.
bool is_stimulus(model::Actor actor);

struct ProductEdge {
    std::uint32_t source{0};
    std::uint32_t target{0};
    model::TransitionId transition{};
    model::Value duration{0};  ///< seconds ('after'), under the graph's configuration
    bool stimulus{false};
};

struct ProductGraph {
    model::Configuration configuration{};
    std::vector<model::ProductState> states{};      ///< states[0] is the initial product state
    std::vector<ProductEdge> edges{};               ///< in discovery order (breadth-first)
    std::vector<std::vector<std::uint32_t>> out{};  ///< edge indices leaving each state, in transition order
    /// Steps the interpreter refused (an update leaving a variable's range, overflow): not edges.
    std::vector<std::string> evaluation_errors{};

    /// Edges of observation transitions leaving `state`.
    std::vector<std::uint32_t> observations(std::uint32_t state) const;
    std::size_t observation_count(std::uint32_t state) const;
    /// More than one observation is enabled: the client chooses.
    bool client_chooses(std::uint32_t state) const { return observation_count(state) > 1; }
};

/// The product graph has more states than the limit the caller set.
class ProductGraphTooLarge : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// What the tester cannot do with the client under test.
struct TesterLimits {
    std::vector<model::EventId> excluded_events{};  ///< stimuli the tester cannot produce
    /// States the client leaves at once (it boots, reads its card, acts on a finished bootstrap):
    /// no stimulus can reach it there, so stimuli leaving these states are not taken.
    std::vector<model::StateId> urgent_states{};

    /// The tester can cause `t` (a stimulus) / `t` happens at all in a test (an observation).
    bool allows(const model::Transition& t) const;
};

/// Breadth-first exploration from the initial product state of `config`. Stimuli `limits` rules
/// out are left out. Throws ProductGraphTooLarge past `max_states`, model::EvalError when the
/// initial state is invalid.
ProductGraph explore(const model::Interpreter& interp, const model::Configuration& config,
                     const TesterLimits& limits = {}, std::size_t max_states = 1'000'000);

}  // namespace lwm2mc::testgen
