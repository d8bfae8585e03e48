// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/model.hpp"

#include <string>

namespace lwm2mc::model {

/// The model under one configuration as a Promela process for SPIN (cross-validation and the
/// benchmark). Parameters become constants; each transition becomes one `d_step` alternative of
/// a `do` loop with simultaneous updates; `invariant` properties become `assert`s checked after
/// every step. SPIN's invalid-end-state check then finds the deadlocks.
std::string to_promela(const Model& model, const Configuration& config);

/// Writes one `<model>-<n>.pml` per configuration into `dir` (parameters not named in `fixed`
/// range over their domains; int parameters with more than `max_values` values are set to their
/// lower bound). Returns the number of files; throws std::runtime_error on I/O failure.
std::size_t export_promela(const Model& model, const std::string& dir, std::size_t max_values = 64);

}  // namespace lwm2mc::model
