// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "lwm2mc/checker/findings.hpp"
#include "lwm2mc/model/model.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lwm2mc::checker {

enum class Engine { Explicit };
const char* engine_name(Engine engine);

struct CheckOptions {
    Engine engine{Engine::Explicit};
    /// Actors the built-in no-recovery analysis relies on (properties carry their own).
    model::ActorSet reliance{model::ActorSet::default_reliance()};
    /// Parameters fixed by the user (--config); nullopt entries range over their whole domain.
    std::vector<std::optional<std::int64_t>> fixed{};
    /// The explicit engine refuses to enumerate more configurations than this.
    std::uint64_t max_configurations{1U << 20U};
};

struct CheckResult {
    std::string model_name{};
    Engine engine{Engine::Explicit};
    std::vector<Finding> findings{};  ///< sorted by severity, then source position
    std::uint64_t configurations{0};  ///< configurations examined
    std::uint64_t product_states{0};  ///< summed over configurations
    /// Things the engine could not decide; each is reported, never read as "no finding".
    std::vector<std::string> unknown{};
};

/// The explicit-state engine: a breadth-first search over product states for every
/// configuration. Parameters that occur only in durations and time bounds ("timing
/// parameters", such as ClientHoldOffTime) are not enumerated: `within` is solved for them
/// exactly, as an interval per configuration.
CheckResult check_explicit(const model::Model& model, const CheckOptions& options);

/// Runs the engine chosen in `options`.
CheckResult check(const model::Model& model, const CheckOptions& options);

}  // namespace lwm2mc::checker
