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
struct ParamDecl {
    Name name{};
    TypeSyntax type{};
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
    Name target{};
    std::optional<Actor> actor{};
    Peer peer{Peer::Any};  ///< of `by ACTOR(PEER)`
    SourceRange actor_range{};
    ExprPtr duration{};
};

struct PropertyDecl {
    Name name{};
    PropertyKind kind{PropertyKind::Invariant};
    ExprPtr expr{};
    ExprPtr from{};
    ExprPtr to{};
    std::optional<std::vector<ActorSyntax>> reliance{};
    SourceRange reliance_range{};
};

enum class ElementKind { Transition, State, Constraint, Property, Event, Parameter, Var, Const, Type, Goal };
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

using DeclBody = std::variant<IncludeDecl, ConstDecl, ParamDecl, ConstraintDecl, VarDecl, StateDecl, EventDecl,
                              TransitionDecl, PropertyDecl, RemoveDecl, TypeDecl, GoalDecl>;

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
