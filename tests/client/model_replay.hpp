// SPDX-License-Identifier: Apache-2.0
#pragma once

// Replays a recorded client trace on the shipped model (tests only: the client library never links the model).

#include "lwm2mc/client/config.hpp"
#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/model.hpp"

#include <optional>
#include <string>
#include <vector>

#include "fake_transport.hpp"

namespace lwm2mc::client::testing {

/// Names declared in the shipped model.
struct ModelNames {
    std::vector<std::string> states, events, variables, parameters;
};
const ModelNames& shipped_model_names();

/// The shipped model, loaded once.
const model::Model& shipped_model();
/// The model parameters of a client configuration, in the model's parameter order.
model::Configuration model_configuration(const ClientConfig& config);

/// Replays `steps` from `start_state` with `start_vars` under the configuration's model parameters. Each step
/// must be an enabled transition of the model with that event, actor and target whose updates give exactly the
/// recorded variables. Returns the first divergence, or nullopt when the whole trace is a run of the model.
std::optional<std::string> replay_on_model(const ClientConfig& config, const std::string& start_state,
                                           const std::map<std::string, std::string>& start_vars,
                                           const std::vector<Step>& steps);

}  // namespace lwm2mc::client::testing
