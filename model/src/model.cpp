// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/model/model.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace lwm2mc::model {

std::optional<Actor> parse_actor(std::string_view text) {
    for (std::size_t i = 0; i < kActorCount; ++i) {
        auto a = static_cast<Actor>(i);
        if (text == actor_name(a)) {
            return a;
        }
    }
    return std::nullopt;
}

ActorSet ActorSet::default_reliance() {
    ActorSet s;
    s.insert(Actor::Client);
    s.insert(Actor::Choice);
    s.insert(Actor::Response);
    s.insert(Actor::Operator);
    return s;
}

ActorSet ActorSet::all() {
    ActorSet s;
    for (std::size_t i = 0; i < kActorCount; ++i) {
        s.insert(static_cast<Actor>(i));
    }
    return s;
}

std::string ActorSet::to_string() const {
    std::string out = "{";
    for (std::size_t i = 0; i < kActorCount; ++i) {
        auto a = static_cast<Actor>(i);
        if (contains(a)) {
            if (out.size() > 1) {
                out += ", ";
            }
            out += actor_name(a);
        }
    }
    return out + "}";
}

const char* property_kind_name(PropertyKind kind) {
    switch (kind) {
    case PropertyKind::Invariant:
        return "invariant";
    case PropertyKind::Reachable:
        return "reachable";
    case PropertyKind::Recover:
        return "recover";
    case PropertyKind::Within:
        return "within";
    }
    return "invariant";
}

void mark_parameters(const ExprPtr& expr, std::vector<bool>& used) {
    if (!expr) {
        return;
    }
    if (expr->op == Op::Param && expr->index < used.size()) {
        used[expr->index] = true;
    }
    mark_parameters(expr->lhs, used);
    mark_parameters(expr->rhs, used);
    mark_parameters(expr->third, used);
}

std::vector<const Expr*> children(const Expr& e) {
    std::vector<const Expr*> out;
    for (const ExprPtr* child : {&e.lhs, &e.rhs, &e.third}) {
        if (*child) {
            out.push_back(child->get());
        }
    }
    return out;
}

bool is_binary(Op op) {
    switch (op) {
    case Op::And:
    case Op::Or:
    case Op::Implies:
    case Op::Eq:
    case Op::Ne:
    case Op::Lt:
    case Op::Le:
    case Op::Gt:
    case Op::Ge:
    case Op::Add:
    case Op::Sub:
    case Op::Mul:
        return true;
    default:
        return false;
    }
}

bool is_unary(Op op) {
    return op == Op::Not || op == Op::Neg;
}

const char* op_spelling(Op op) {
    switch (op) {
    case Op::Not:
        return "!";
    case Op::Neg:
        return "-";
    case Op::And:
        return "&&";
    case Op::Or:
        return "||";
    case Op::Implies:
        return "->";
    case Op::Eq:
        return "==";
    case Op::Ne:
        return "!=";
    case Op::Lt:
        return "<";
    case Op::Le:
        return "<=";
    case Op::Gt:
        return ">";
    case Op::Ge:
        return ">=";
    case Op::Add:
        return "+";
    case Op::Sub:
        return "-";
    case Op::Mul:
        return "*";
    case Op::Cond:
        return "?";
    default:
        return "";
    }
}

int op_precedence(Op op) {
    switch (op) {
    case Op::Cond:
        return 0;
    case Op::Implies:
        return 1;
    case Op::Or:
        return 2;
    case Op::And:
        return 3;
    case Op::Eq:
    case Op::Ne:
        return 4;
    case Op::Lt:
    case Op::Le:
    case Op::Gt:
    case Op::Ge:
        return 5;
    case Op::Add:
    case Op::Sub:
        return 6;
    case Op::Mul:
        return 7;
    case Op::Not:
    case Op::Neg:
        return 8;
    default:
        return 9;
    }
}

std::size_t Model::state_count() const {
    return boost::num_vertices(graph);
}

const State& Model::state(StateId id) const {
    if (id.index() >= state_count()) {
        throw std::out_of_range("lwm2mc::model::Model::state: no such state");
    }
    return graph[static_cast<StateVertex>(id.index())];
}

TransitionEdge Model::edge(TransitionId id) const {
    if (id.index() >= transition_slots.size()) {
        throw std::out_of_range("lwm2mc::model::Model::transition: no such transition");
    }
    auto [vertex, position] = transition_slots[id.index()];
    auto [first, last] = boost::out_edges(vertex, graph);
    return *std::next(first, static_cast<std::ptrdiff_t>(position));
}

const Transition& Model::transition(TransitionId id) const {
    return graph[edge(id)];
}

StateId Model::initial_state() const {
    for (auto v : boost::make_iterator_range(boost::vertices(graph))) {
        if (graph[v].initial) {
            return graph[v].id;
        }
    }
    throw std::logic_error("lwm2mc::model::Model: a validated model has an initial state");
}

std::vector<StateId> Model::goal_states() const {
    std::vector<StateId> goals;
    for (auto v : boost::make_iterator_range(boost::vertices(graph))) {
        if (graph[v].goal) {
            goals.push_back(graph[v].id);
        }
    }
    return goals;
}

std::vector<TransitionId> Model::out_transitions(StateId id) const {
    std::vector<TransitionId> out;
    for (auto e : boost::make_iterator_range(boost::out_edges(static_cast<StateVertex>(id.index()), graph))) {
        out.push_back(graph[e].id);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<TransitionId> Model::in_transitions(StateId id) const {
    std::vector<TransitionId> in;
    for (auto e : boost::make_iterator_range(boost::in_edges(static_cast<StateVertex>(id.index()), graph))) {
        in.push_back(graph[e].id);
    }
    std::sort(in.begin(), in.end());
    return in;
}

std::optional<StateId> Model::find_state(std::string_view wanted) const {
    for (auto v : boost::make_iterator_range(boost::vertices(graph))) {
        if (graph[v].name == wanted) {
            return graph[v].id;
        }
    }
    return std::nullopt;
}

std::optional<TransitionId> Model::find_transition(std::string_view wanted) const {
    for (auto e : boost::make_iterator_range(boost::edges(graph))) {
        if (graph[e].name == wanted) {
            return graph[e].id;
        }
    }
    return std::nullopt;
}

namespace {
template <class Vec>
std::optional<std::size_t> find_by_name(const Vec& items, std::string_view name) {
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (items[i].name == name) {
            return i;
        }
    }
    return std::nullopt;
}
}  // namespace

std::optional<EventId> Model::find_event(std::string_view wanted) const {
    auto i = find_by_name(events, wanted);
    return i ? std::optional<EventId>(EventId{*i}) : std::nullopt;
}
std::optional<ParamId> Model::find_parameter(std::string_view wanted) const {
    auto i = find_by_name(parameters, wanted);
    return i ? std::optional<ParamId>(ParamId{*i}) : std::nullopt;
}
std::optional<VarId> Model::find_variable(std::string_view wanted) const {
    auto i = find_by_name(variables, wanted);
    return i ? std::optional<VarId>(VarId{*i}) : std::nullopt;
}

std::string Model::format_value(const Type& type, std::int64_t value) const {
    switch (type.kind) {
    case TypeKind::Bool:
        return value != 0 ? "true" : "false";
    case TypeKind::Int:
        return std::to_string(value);
    case TypeKind::Enum:
        if (type.enum_id < enums.size() && value >= 0 &&
            static_cast<std::size_t>(value) < enums[type.enum_id].literals.size()) {
            return enums[type.enum_id].literals[static_cast<std::size_t>(value)];
        }
        return fmt::format("<enum value {}>", value);
    }
    return std::to_string(value);
}

std::string Model::format_type(const Type& type) const {
    switch (type.kind) {
    case TypeKind::Bool:
        return "bool";
    case TypeKind::Int:
        return fmt::format("int[{}..{}]", type.lo, type.hi);
    case TypeKind::Enum: {
        std::string out = "enum { ";
        if (type.enum_id < enums.size()) {
            const auto& lits = enums[type.enum_id].literals;
            for (std::size_t i = 0; i < lits.size(); ++i) {
                out += (i ? ", " : "") + lits[i];
            }
        }
        return out + " }";
    }
    }
    return "?";
}

}  // namespace lwm2mc::model
