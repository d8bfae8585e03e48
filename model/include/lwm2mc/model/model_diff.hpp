// SPDX-License-Identifier: Apache-2.0
#pragma once

// What a proposal changes in the structure of its base model: states, transitions and the other declarations,
// each added, removed or changed. Computed from the two loaded models alone (a loaded Model does not record
// which rows an overlay replaced or removed), so it works for any two models, overlay or not.

#include "lwm2mc/model/ids.hpp"
#include "lwm2mc/model/model.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lwm2mc::model {

enum class DiffKind : std::uint8_t { Added, Removed, Changed };

/// Stable name of a diff kind ("added").
const char* diff_kind_name(DiffKind kind);

/// A state added, removed or changed (same name; different initial/goal/final marks, group, description or
/// reference).
struct StateDiff {
    DiffKind kind{DiffKind::Added};
    std::string name{};
    std::optional<StateId> base{};      ///< absent for Added
    std::optional<StateId> proposal{};  ///< absent for Removed
    std::vector<std::string> what{};    ///< for Changed: "initial", "goal", "final", "group", "description", "ref"
};

/// A transition added, removed or changed. Transitions are identified by source, event and target state names
/// (a `*` or `{A, B}` row is compared per expansion). Among transitions with the same identity, identical ones
/// pair first, then rows with the same label, then the rest in order; a pair that differs is Changed, what is
/// left over is Added or Removed. A labelled row whose replacement moved its source or target is therefore a
/// removal plus an addition.
struct TransitionDiff {
    DiffKind kind{DiffKind::Added};
    std::optional<TransitionId> base{};      ///< absent for Added
    std::optional<TransitionId> proposal{};  ///< absent for Removed
    /// For Changed: "guard", "updates", "actor", "duration", "label", "description", "ref".
    std::vector<std::string> what{};
};

/// A declaration other than a state or a transition, by kind and name.
struct DeclarationDiff {
    DiffKind kind{DiffKind::Added};
    /// "type", "parameter", "var", "const", "constraint", "event", "property", "region" (an instance, by its
    /// states with their initial/goal marks) or "goal" (the `goal EXPR;` condition, named "goal")
    std::string element{};
    std::string name{};
    std::string base_text{};      ///< model syntax (abridged: no description); empty for Added
    std::string proposal_text{};  ///< empty for Removed
};

struct ModelDiff {
    std::vector<StateDiff> states{};              ///< removed and changed in base order, then added in proposal order
    std::vector<TransitionDiff> transitions{};    ///< the same order, by transition id
    std::vector<DeclarationDiff> declarations{};  ///< by element kind, then as for states
    /// Transitions present unchanged in both, (base, proposal): the complement of `transitions`.
    std::vector<std::pair<TransitionId, TransitionId>> unchanged_transitions{};

    bool empty() const { return states.empty() && transitions.empty() && declarations.empty(); }
    /// The entry for a proposal transition (Added or Changed); nullptr when unchanged.
    const TransitionDiff* of_proposal(TransitionId id) const;
    /// The entry for a base transition (Removed or Changed); nullptr when unchanged.
    const TransitionDiff* of_base(TransitionId id) const;
    const StateDiff* of_state(std::string_view name) const;
};

/// The structural difference between `base` and `proposal` (both loaded and valid). Expressions are compared as
/// printed (format_expr), so `a && b` and `b && a` differ. Deterministic; never throws for valid models.
ModelDiff diff_models(const Model& base, const Model& proposal);

}  // namespace lwm2mc::model
