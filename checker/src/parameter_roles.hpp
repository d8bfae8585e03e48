// SPDX-License-Identifier: Apache-2.0
#pragma once

// How the explicit engine treats each parameter: enumerated ("structural"), or solved for as
// intervals ("timing"). One classification, used by the engine and by explicit_configurations().

#include "lwm2mc/checker/check.hpp"
#include "lwm2mc/model/model.hpp"

#include <vector>

namespace lwm2mc::checker {

struct ParamRoles {
    /// Enumerated: occurs in a constraint, an initial value, a guard, an update or a non-`within`
    /// property, or is not an int; every timing parameter too when there are several.
    std::vector<bool> structural;
    /// The one int parameter occurring only in `after` durations and `within` bounds (at most one
    /// entry is set). Fixed parameters (CheckOptions::fixed) are neither.
    std::vector<bool> timing;
};

ParamRoles classify_parameters(const model::Model& m, const CheckOptions& options);

}  // namespace lwm2mc::checker
