// SPDX-License-Identifier: Apache-2.0
#pragma once

// Plain element types of a model (no Boost): actors, updates, states and transitions.

#include "lwm2mc/model/expr.hpp"
#include "lwm2mc/model/ids.hpp"
#include "lwm2mc/model/source.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lwm2mc::model {

/// Who makes a transition happen. The checker's default reliance set for recovery is
/// {Client, Choice, Response, Operator}: it does not count on spontaneous initiatives or faults.
enum class Actor : std::uint8_t {
    Client,            ///< the client's own step, fully determined by the spec
    Choice,            ///< a client choice the spec leaves open (alternatives are not ambiguities)
    Response,          ///< a server's or bootstrap server's answer to a request the client made
    ServerInitiative,  ///< a spontaneous LwM2M server initiative (e.g. Execute /1/x/8)
    BsInitiative,      ///< a spontaneous bootstrap-server initiative (server-initiated bootstrap)
    Fault,             ///< timeout, lost or rejected message
    Operator,          ///< an operator action: Execute /3/0/4 or /3/0/5, power cycle
};
inline constexpr std::size_t kActorCount = 7;

/// The actor's name in the model language ("server_initiative"); also the client trace's vocabulary.
constexpr const char* actor_name(Actor actor) {
    switch (actor) {
    case Actor::Client:
        return "client";
    case Actor::Choice:
        return "choice";
    case Actor::Response:
        return "response";
    case Actor::ServerInitiative:
        return "server_initiative";
    case Actor::BsInitiative:
        return "bs_initiative";
    case Actor::Fault:
        return "fault";
    case Actor::Operator:
        return "operator";
    }
    return "client";
}
std::optional<Actor> parse_actor(std::string_view text);

/// A set of actors as a bit mask.
struct ActorSet {
    std::uint32_t bits{0};

    static ActorSet default_reliance();
    static ActorSet all();
    bool contains(Actor a) const { return (bits >> static_cast<unsigned>(a)) & 1U; }
    void insert(Actor a) { bits |= 1U << static_cast<unsigned>(a); }
    friend bool operator==(ActorSet, ActorSet) = default;
    /// "{client, choice, ...}" in declaration order of Actor.
    std::string to_string() const;
};

enum class UpdateKind : std::uint8_t { Assign, ResetVolatile, ResetAll };

/// One update of a transition. Updates are simultaneous: every right-hand side is evaluated in
/// the pre-state; resets apply first, then assignments.
struct Update {
    UpdateKind kind{UpdateKind::Assign};
    VarId var{};
    ExprPtr value{};
    SourceRange range{};
};

/// Vertex bundle: one state of the client lifecycle.
struct State {
    StateId id{};
    std::string name{};
    bool initial{false};
    bool goal{false};
    bool final{false};
    std::string group{};  ///< "bootstrap", "registration", ... (diagram clusters); may be empty
    std::string doc{};
    std::string ref{};  ///< spec section or contribution paragraph
    SourceRange range{};
};

/// A region's move, on a transition compiled from a region row (see docs/semantics.md, Regions).
struct RegionMove {
    std::uint32_t region{0};  ///< index into Model::regions
    std::int64_t from{0};     ///< the region state (literal index) the instance leaves
    std::int64_t to{0};       ///< the region state it enters (== from for a self-loop)
};

/// Edge bundle: one transition `Src + event [guard] / updates -> Dst`.
struct Transition {
    TransitionId id{};
    std::string name{};  ///< the row's label, or "Src.event.Dst" (made unique with "#n")
    bool labelled{false};
    StateId source{};
    StateId target{};
    EventId event{};
    Actor actor{};
    ExprPtr guard{};  ///< nullptr = true
    std::vector<Update> updates{};
    ExprPtr duration{};  ///< seconds spent; nullptr = 0
    std::string doc{};
    std::string ref{};
    SourceRange range{};
    std::uint32_t row{0};  ///< index of the source row; a `*` or `{A, B}` row expands to several transitions
    bool from_any{false};  ///< expanded from a `*` source
    std::optional<RegionMove> region_move{};  ///< set on transitions compiled from a region row
};

}  // namespace lwm2mc::model
