// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "lwm2mc/model/elements.hpp"
#include "lwm2mc/model/expr.hpp"
#include "lwm2mc/model/graph.hpp"
#include "lwm2mc/model/ids.hpp"
#include "lwm2mc/model/source.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lwm2mc::model {

struct EnumType {
    std::string name{};  ///< the type's name (`type Status = enum {...}`), or the parameter/variable that declared it
    std::vector<std::string> literals{};
    std::vector<SourceRange> literal_ranges{};
    bool named{false};  ///< declared by `type NAME = enum {...}`, shared by every `: NAME`
    std::string doc{};
    std::string ref{};
    SourceRange range{};  ///< the type's name (named types only)
};

/// `goal EXPR;`: a product state is a goal iff it satisfies EXPR (and, when states are marked `goal`, is in one).
struct GoalCondition {
    ExprPtr expr{};  ///< over states (at()), variables, parameters and constants
    std::string doc{};
    std::string ref{};
    SourceRange range{};
};

struct Parameter {
    std::string name{};
    Type type{};
    std::string doc{};
    std::string ref{};
    SourceRange range{};
};

struct Variable {
    std::string name{};
    Type type{};
    ExprPtr initial{};  ///< over parameters and constants only
    bool persistent{false};
    std::string doc{};
    std::string ref{};
    SourceRange range{};
};

struct Constant {
    std::string name{};
    std::int64_t value{0};
    ExprPtr expr{};
    SourceRange range{};
};

struct Constraint {
    std::string name{};
    ExprPtr expr{};  ///< over parameters and constants only
    std::string doc{};
    std::string ref{};
    SourceRange range{};
};

struct Event {
    std::string name{};
    Actor actor{Actor::Client};  ///< default actor of transitions on this event
    Peer peer{Peer::Any};        ///< `event e: response(server)`; Any when not qualified
    std::string doc{};
    std::string ref{};
    SourceRange range{};
};

enum class PropertyKind : std::uint8_t { Invariant, Reachable, Recover, Within };
const char* property_kind_name(PropertyKind kind);

/// A property the checker verifies in addition to its built-in findings.
///  - invariant E: E holds in every reachable product state
///  - reachable E: some run reaches a product state satisfying E
///  - recover [from F] [to G] [relying on A]: from every reachable product state satisfying F
///    (default: every state) some path made only of A-transitions reaches G (default: a goal state)
///  - within B [from F] [to G] [relying on A]: as recover, and the path's summed durations are <= B
struct Property {
    std::string name{};
    PropertyKind kind{PropertyKind::Invariant};
    ExprPtr expr{};  ///< invariant/reachable body; within: the time bound B
    ExprPtr from{};  ///< recover/within: nullptr = true
    ExprPtr to{};    ///< recover/within: nullptr = "in a goal state"
    ActorSet reliance{ActorSet::default_reliance()};
    bool reliance_given{false};
    std::string doc{};
    std::string ref{};
    SourceRange range{};
};

/// A loaded, validated model: the client lifecycle as an extended state machine.
/// States and transitions live in the Boost.Graph (`graph`); use the accessors with strong ids.
struct Model {
    std::string name{};
    std::string title{};               ///< doc string of the model header, if any
    std::string base_name{};           ///< for an overlay: the name of the base model
    std::vector<std::string> files{};  ///< every file read, main file first
    std::vector<Constant> constants{};
    std::vector<EnumType> enums{};
    std::vector<Parameter> parameters{};
    std::vector<Variable> variables{};
    std::vector<Constraint> constraints{};
    std::vector<Event> events{};
    std::vector<Property> properties{};
    std::optional<GoalCondition> goal_condition{};  ///< the `goal EXPR;` declaration, if any
    StateGraph graph{};
    /// TransitionId -> (source vertex, position among its out-edges). Edge descriptors are not
    /// stored: they point into the graph's edge storage and do not survive copying the model.
    std::vector<std::pair<StateVertex, std::uint32_t>> transition_slots{};

    std::size_t state_count() const;
    std::size_t transition_count() const { return transition_slots.size(); }
    /// The graph edge of a transition (valid for this Model object's graph).
    TransitionEdge edge(TransitionId id) const;
    const State& state(StateId id) const;
    const Transition& transition(TransitionId id) const;
    StateId initial_state() const;
    std::vector<StateId> goal_states() const;
    /// The goal as one resolved boolean expression over a product state: `(at(G1) || at(G2) ...) && EXPR`,
    /// where G are the states marked `goal` (left out when there is none) and EXPR the `goal` declaration's
    /// condition (left out when there is none). What `recover`/`within` aim at by default and what the
    /// built-in no-recovery analysis uses; evaluate it with the one evaluator or the encoder.
    ExprPtr goal() const;
    /// How findings name the goal: "a goal state", or "the goal (at(Ready) && status == Registered)".
    std::string goal_text() const;
    std::vector<TransitionId> out_transitions(StateId id) const;
    std::vector<TransitionId> in_transitions(StateId id) const;

    std::optional<StateId> find_state(std::string_view wanted) const;
    std::optional<TransitionId> find_transition(std::string_view wanted) const;
    std::optional<EventId> find_event(std::string_view wanted) const;
    std::optional<ParamId> find_parameter(std::string_view wanted) const;
    std::optional<VarId> find_variable(std::string_view wanted) const;

    /// Spelling of a value of `type` ("true", "42", "RegInfoValid").
    std::string format_value(const Type& type, std::int64_t value) const;
    /// Spelling of a type ("bool", "int[0..3600]", "enum { A, B }").
    std::string format_type(const Type& type) const;
};

}  // namespace lwm2mc::model
