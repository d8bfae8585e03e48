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
#include <utility>
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

/// Which peer acts: `response(bs)`, `response(server)`; Any when the actor is not qualified.
enum class Peer : std::uint8_t { Any, Bs, Server };
inline constexpr std::size_t kPeerCount = 3;

/// The peer's name in the model language ("bs", "server"); empty for Any.
constexpr const char* peer_name(Peer peer) {
    switch (peer) {
    case Peer::Any:
        return "";
    case Peer::Bs:
        return "bs";
    case Peer::Server:
        return "server";
    }
    return "";
}
std::optional<Peer> parse_peer(std::string_view text);
/// Whether `actor(peer)` may be written: response, server_initiative and fault take a peer.
bool takes_peer(Actor actor);
/// "response", or "response(server)" when qualified.
std::string qualified_actor_name(Actor actor, Peer peer);
/// The inverse of qualified_actor_name ("response(server)"); nullopt for an unknown actor or peer, or a peer
/// on an actor that takes none.
std::optional<std::pair<Actor, Peer>> parse_qualified_actor(std::string_view text);

/// A set of (actor, peer) pairs as a bit mask: bit `peer * 8 + actor`. An unqualified actor (peer Any)
/// admits transitions of every peer; a qualified one only transitions whose peer is that peer.
struct ActorSet {
    std::uint32_t bits{0};

    static ActorSet default_reliance();
    static ActorSet all();
    /// Holds the unqualified actor `a`.
    bool contains(Actor a, Peer p = Peer::Any) const { return (bits >> bit(a, p)) & 1U; }
    /// The one membership test: may a transition by `a` with peer `p` be relied on?
    bool admits(Actor a, Peer p) const { return contains(a) || (p != Peer::Any && contains(a, p)); }
    void insert(Actor a, Peer p = Peer::Any) { bits |= 1U << bit(a, p); }
    /// Removes `a` with every peer.
    void erase(Actor a) {
        for (std::size_t p = 0; p < kPeerCount; ++p) {
            bits &= ~(1U << bit(a, static_cast<Peer>(p)));
        }
    }
    friend bool operator==(ActorSet, ActorSet) = default;
    /// "{client, choice, response(server), ...}" in declaration order of Actor.
    std::string to_string() const;

private:
    static unsigned bit(Actor a, Peer p) { return static_cast<unsigned>(p) * 8U + static_cast<unsigned>(a); }
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
    Peer peer{Peer::Any};  ///< which peer acts (`by response(server)`); Any when not qualified
    ExprPtr guard{};       ///< nullptr = true
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
