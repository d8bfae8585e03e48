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

/// One state of a region (an orthogonal sub-machine); a literal of the region's enumeration.
struct RegionState {
    std::string name{};
    bool initial{false};
    bool goal{false};
    std::string doc{};
    std::string ref{};
    SourceRange range{};
};

/// One instance of a region: an orthogonal sub-machine whose current state is held by an enum variable.
/// Its rows are compiled into self-loops of the main machine that test and set that variable.
struct Region {
    std::string name{};        ///< instance name: "conn", or "srv[1]" for instance 1 of `region srv[i in 1..2]`
    std::string machine{};     ///< the declaration's name ("srv"); equal to `name` for a single instance
    VarId var{};               ///< the enum variable holding the instance's state (same name as the instance)
    std::uint32_t enum_id{0};  ///< index into Model::enums; its literals are the region's states in order
    std::vector<RegionState> states{};  ///< one per literal, same order
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
    /// A monitor variable added by instrument_event_properties(): hidden from witnesses, show,
    /// diagrams and generated tests.
    bool ghost{false};
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
    /// For the invariant instrument_event_properties() makes of an event property: that property's
    /// text ("after e next {f, g} is f"); empty otherwise.
    std::string event_pattern{};
    std::string doc{};
    std::string ref{};
    SourceRange range{};
};

/// Temporal patterns over the events of transitions (see docs/semantics.md, "Event properties"):
///  - NextIs       `after E next S is F`: after a transition on an event in E, the first later
///                 transition on an event in S is one on an event in F (F is a subset of S)
///  - NeverBefore  `never E before F`: no transition on E happens before the first one on F
///  - Respond      `after E respond F within T`: after a transition on E, a transition on F
///                 happens before more than T seconds of transition durations have passed
/// Checked as invariants of the instrumented copy made by instrument_event_properties().
enum class EventPropertyKind : std::uint8_t { NextIs, NeverBefore, Respond };

struct EventProperty {
    std::string name{};
    EventPropertyKind kind{EventPropertyKind::NextIs};
    std::vector<EventId> trigger{};  ///< E
    std::vector<EventId> scope{};    ///< NextIs: S; NeverBefore, Respond: F
    std::vector<EventId> allowed{};  ///< NextIs: F (a subset of scope); empty otherwise
    std::int64_t bound{0};           ///< Respond: T in seconds
    ExprPtr bound_expr{};            ///< Respond: T as written
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
    std::vector<Region> regions{};  ///< orthogonal regions / sub-machine instances, in declaration order
    std::vector<EventProperty> event_properties{};
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
