// SPDX-License-Identifier: Apache-2.0
#pragma once

// The finding catalogue: every kind of finding the engines report, with its id, subject, source
// range, severity and message, written once. The engines decide *where* a finding occurs (its
// condition, witness and counts); what it is called and what it says comes from here, so the
// engines' reports match byte for byte and `--engine both` can pair findings by id.

#include "lwm2mc/checker/findings.hpp"
#include "lwm2mc/model/model.hpp"

#include <optional>
#include <string>

namespace lwm2mc::checker::catalogue {

/// `in_every`: the state is unreachable in every configuration examined (a warning); otherwise
/// only in some (a note).
Finding unreachable_state(const model::State& state, bool in_every);
Finding deadlock(const model::State& state);
/// Region state `state` of region instance `region` (index into Model::regions) is unreachable; `in_every` as above.
Finding unreachable_region_state(const model::Model& m, std::uint32_t region, std::int64_t state, bool in_every);
/// Region state `state` of instance `region` is reachable, no step leaves it (region_state_is_dead) and it is not a
/// goal: the instance stays there for the rest of every run that gets there.
Finding dead_region_state(const model::Model& m, std::uint32_t region, std::int64_t state);
/// Whether region state `state` of instance `region` has no way out and is not a goal: no transition moves the
/// instance from it (a region row with `region_move` from it to another state), and no other transition assigns
/// the instance's variable (a main-machine row or a reset that may set it). Decided from the rows, guards aside.
bool region_state_is_dead(const model::Model& m, std::uint32_t region, std::int64_t state);
/// "srv[1]=Registered": how reports name a state of a region instance.
std::string region_state_name(const model::Model& m, std::uint32_t region, std::int64_t state);
/// Two non-choice transitions leaving `state` on one event with jointly enabled guards; the
/// subject orders them by declaration (`first` declared before `second`).
Finding ambiguity(const model::Model& m, const model::Transition& first, const model::Transition& second,
                  const model::State& state);
/// `goal` names the goal (Model::goal_text()).
Finding no_recovery(const model::State& state, model::ActorSet reliance, std::string_view goal = "a goal state");
/// From `state` a goal is reachable relying on `reliance` (which holds the operator), but not
/// without the operator's steps (docs/semantics.md, "Needs intervention").
Finding needs_intervention(const model::State& state, model::ActorSet reliance, std::string_view goal = "a goal state");
/// The reliance set of the needs-intervention analysis: `reliance` without the operator; nullopt
/// when `reliance` does not hold the operator (the analysis does not apply).
std::optional<model::ActorSet> without_operator(model::ActorSet reliance);
/// A property that fails (kind by the property's kind).
Finding property_fails(const model::Property& p, std::string_view goal = "a goal state");
/// The finding kind of a failing property.
FindingKind property_kind(const model::Property& p);
Finding negative_duration(const model::Transition& t);
/// An update of `t` leaves its variable's range or overflows.
Finding update_error(const model::Transition& t);
/// An initial value is outside its variable's range (the configuration has no run).
Finding initial_out_of_range(const model::Model& m);
/// A guard or property cannot be evaluated at `range` (arithmetic overflow); `what` says why.
Finding evaluation_error(const model::SourceRange& range, const std::string& what);

}  // namespace lwm2mc::checker::catalogue
