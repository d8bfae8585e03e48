// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "lwm2mc/checker/findings.hpp"
#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/model.hpp"

#include <vector>

namespace lwm2mc::checker {

/// Turns a set of configurations into a short DNF over the enumerated parameters.
/// Invalid valuations (violating the constraints) are don't-cares while cubes are widened; each
/// cube then gets back every literal the constraints force within it, so that
/// `!client_initiated && !factory && !smartcard` reads `... && server_initiated` when the
/// constraint "at least one bootstrap mode" implies it.
class ConditionBuilder {
public:
    /// `valuations` lists every valuation of the enumerated parameters (others fixed);
    /// `valid[i]` says whether valuations[i] satisfies the constraints.
    ConditionBuilder(const model::Model& model, std::vector<bool> enumerated,
                     const std::vector<model::Configuration>& valuations, const std::vector<bool>& valid);

    /// `occurs` holds indices into `valuations` (all valid).
    Condition build(const std::vector<std::size_t>& occurs) const;

private:
    using Cube = std::vector<std::pair<std::size_t, model::Value>>;  ///< (parameter, value)

    bool matches(const Cube& cube, const model::Configuration& c) const;
    std::string literal(std::size_t param, model::Value value) const;

    const model::Model& model_;
    std::vector<bool> enumerated_;
    const std::vector<model::Configuration>& valuations_;
    const std::vector<bool>& valid_;
};

}  // namespace lwm2mc::checker
