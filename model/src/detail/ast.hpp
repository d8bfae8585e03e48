// SPDX-License-Identifier: Apache-2.0
#pragma once

// Syntax tree of one model file, before includes, overlays and name resolution.

#include "lwm2mc/model/elements.hpp"
#include "lwm2mc/model/expr.hpp"
#include "lwm2mc/model/model.hpp"
#include "lwm2mc/model/source.hpp"

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace lwm2mc::model::detail {

struct Name {
    std::string text{};
    SourceRange range{};
    ExprPtr index{};  ///< `NAME[EXPR]` referring to an array element (before expansion); null otherwise
};

struct TypeSyntax {
    TypeKind kind{TypeKind::Bool};
    ExprPtr lo{};
    ExprPtr hi{};
    std::vector<Name> literals{};
    Name named{};  ///< `: NAME`, a named enum type (kind Enum, no literals); empty text otherwise
    SourceRange range{};
};

/// `type NAME = enum { A, B };`: a named enumeration shared by every `: NAME`.
struct TypeDecl {
    Name name{};
    TypeSyntax type{};
};

/// `goal EXPR;`: the goal condition (the name is always "goal", for overlays).
struct GoalDecl {
    Name name{};
    ExprPtr expr{};
};

struct IncludeDecl {
    std::string path{};
    SourceRange path_range{};
};
struct ConstDecl {
    Name name{};
    ExprPtr value{};
};
/// How an array declaration `NAME[N]` was expanded into its elements (set on each element).
struct ArrayElement {
    ExprPtr size{};       ///< before expansion: the declared N; null for a scalar
    std::string array{};  ///< after expansion: the array's name ("x" for element "x[2]"); empty for a scalar
    std::int64_t index{0};
    SourceRange size_range{};
};

struct ParamDecl {
    Name name{};
    TypeSyntax type{};
    ArrayElement array{};
};
struct ConstraintDecl {
    Name name{};
    ExprPtr expr{};
};
struct VarDecl {
    Name name{};
    TypeSyntax type{};
    ExprPtr init{};
    bool persistent{false};
    ArrayElement array{};
};
struct StateDecl {
    Name name{};
    bool initial{false};
    bool goal{false};
    bool final{false};
    Name group{};
};
struct EventDecl {
    Name name{};
    Actor actor{Actor::Client};
    ArrayElement array{};
    Peer peer{Peer::Any};
};

/// An actor as written: `response` or `response(server)`.
struct ActorSyntax {
    Actor actor{Actor::Client};
    Peer peer{Peer::Any};
};

struct SourceSyntax {
    enum class Kind { One, List, Any } kind{Kind::One};
    std::vector<Name> states{};
    SourceRange range{};
};

struct UpdateSyntax {
    UpdateKind kind{UpdateKind::Assign};
    Name var{};
    ExprPtr value{};
    SourceRange range{};
};

struct TransitionDecl {
    Name label{};  ///< empty text = unlabelled
    SourceSyntax source{};
    Name event{};
    ExprPtr guard{};
    std::vector<UpdateSyntax> updates{};
    Name target{};  ///< `same`: each transition goes back to its own source
    std::optional<Actor> actor{};
    Peer peer{Peer::Any};  ///< of `by ACTOR(PEER)`
    SourceRange actor_range{};
    ExprPtr duration{};
    std::optional<SourceSyntax> during{};  ///< a region row's `during S` / `during {S1, S2}`: main states
    // Set by the expansion on the rows it makes from a region row (docs/semantics.md, Regions):
    std::string region{};       ///< the region instance ("srv[1]")
    std::string region_from{};  ///< the region state left
    std::string region_to{};    ///< the region state entered
    std::string name_hint{};    ///< unlabelled: the transitions' base name instead of "Src.event.Dst"
};

/// An event property's pattern: `after E next S is F`, `never E before F`,
/// `after E respond F within T`. Each set is one event name or `{e1, e2, ...}`.
struct EventPatternSyntax {
    EventPropertyKind kind{EventPropertyKind::NextIs};
    std::vector<Name> trigger{};  ///< E
    std::vector<Name> scope{};    ///< S (next) or F (before, respond)
    std::vector<Name> allowed{};  ///< F of `is`
    ExprPtr bound{};              ///< T of `within`
};

struct PropertyDecl {
    Name name{};
    PropertyKind kind{PropertyKind::Invariant};
    ExprPtr expr{};
    ExprPtr from{};
    ExprPtr to{};
    std::optional<std::vector<ActorSyntax>> reliance{};
    SourceRange reliance_range{};
    std::optional<EventPatternSyntax> pattern{};  ///< set for an event property (then `kind` is unused)
};

enum class ElementKind { Transition, State, Constraint, Property, Event, Parameter, Var, Const, Type, Goal, Region };
const char* element_kind_name(ElementKind kind);

/// `remove transition NAME;`, `remove transition Src + event [guard] -> Dst;`, `remove state NAME;`, ...
/// Also the row reference of `replace transition REF with ROW;` (kind Transition).
struct RemoveDecl {
    ElementKind kind{ElementKind::State};
    Name name{};  ///< label or element name; for a transition row reference: empty
    SourceSyntax row_source{};
    Name row_event{};
    ExprPtr row_guard{};  ///< `[guard]` in a row reference: only rows with this guard match; null: any guard
    Name row_target{};
};

struct Decl;

/// `for i in LO..HI: DECL` or `for i in LO..HI { DECL... }`: expanded by substitution before resolution.
struct ForDecl {
    Name index{};
    ExprPtr lo{};
    ExprPtr hi{};
    bool block{false};  ///< written with braces
    std::vector<Decl> body{};
};

/// `region NAME [persistent] { STATE... ROW... }` or `region NAME[i in LO..HI] ...`: an orthogonal
/// sub-machine, compiled by the expansion into an enum variable and main-machine self-loops.
struct RegionDecl {
    Name name{};
    Name index{};  ///< the instance index; empty text for a single instance
    ExprPtr lo{};
    ExprPtr hi{};
    bool persistent{false};
    std::vector<Decl> body{};  ///< region states (StateDecl) and rows (TransitionDecl)
    /// After expansion, one declaration per instance (name "srv[1]", empty body) recording it for the resolver.
    std::string machine{};
    std::vector<StateDecl> states{};
    std::vector<std::pair<std::string, std::string>> state_attrs{};  ///< doc and ref of each state
};

using DeclBody = std::variant<IncludeDecl, ConstDecl, ParamDecl, ConstraintDecl, VarDecl, StateDecl, EventDecl,
                              TransitionDecl, PropertyDecl, RemoveDecl, ForDecl, RegionDecl, TypeDecl, GoalDecl>;

/// The target keyword of `-> same` (a row whose transitions loop back to their own sources).
inline constexpr const char* kSameTarget = "same";

struct Decl {
    DeclBody body{};
    bool replace{false};  ///< `replace <decl>` in an overlay
    /// `replace transition REF with ROW;`: the base row that ROW (the body) takes the place of
    std::optional<RemoveDecl> replaces{};
    std::string doc{};
    std::string ref{};
    SourceRange range{};                          ///< the first token of the declaration
    std::vector<std::string> leading_comments{};  ///< full comment text, "//..." or "/*...*/"
    std::string trailing_comment{};
    bool blank_before{false};
};

struct Header {
    bool overlay{false};
    Name name{};
    std::string base{};
    SourceRange base_range{};
    std::string doc{};
    SourceRange range{};
    std::vector<std::string> leading_comments{};
    std::string trailing_comment{};
};

struct FileAst {
    SourceFilePtr file{};
    std::optional<Header> header{};
    std::vector<Decl> decls{};
    std::vector<std::string> trailing_comments{};  ///< comments after the last declaration
    bool trailing_blank{false};
};

/// The element kind and name a declaration defines (for overlays and duplicate checks).
ElementKind decl_kind(const Decl& decl);

}  // namespace lwm2mc::model::detail
