// SPDX-License-Identifier: Apache-2.0
#pragma once

// Expansion of arrays and `for` loops by substitution on the parsed declarations, before
// overlays are applied and names are resolved (docs/semantics.md, "Arrays and for").

#include "lwm2mc/model/diagnostics.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "detail/ast.hpp"

namespace lwm2mc::model::detail {

/// Arrays may have at most this many elements; a `for` at most this many iterations per loop.
inline constexpr std::int64_t kMaxArraySize = 64;
inline constexpr std::int64_t kMaxLoopIterations = 1024;

/// What expansion needs to know about the whole program: constants (to evaluate sizes, bounds and
/// indices), the arrays declared and the names a loop index may not take.
/// The indices of an array's elements: 1..N for a declared array, LO..HI for region instances.
struct IndexRange {
    std::int64_t lo{1};
    std::int64_t hi{0};
};

struct ExpandScope {
    std::map<std::string, ExprPtr> consts{};
    std::map<std::string, IndexRange> value_arrays{};  ///< variables, parameters and region instances
    std::map<std::string, IndexRange> event_arrays{};
    std::map<std::string, std::string> names{};  ///< name -> "constant 'x'" etc. (for E055)
};

/// Adds the constants, arrays and names that `decls` declare (expanded or not) to `scope`.
void collect_scope(const std::vector<Decl>& decls, ExpandScope& scope);

/// Expands arrays into their elements, `for` loops and regions into their instances; reports E050-E057.
std::vector<Decl> expand_decls(std::vector<Decl> decls, const ExpandScope& scope, std::vector<Diagnostic>& diagnostics);

}  // namespace lwm2mc::model::detail
