// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/model/model.hpp"

#include "lwm2mc/model/printer.hpp"

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

std::optional<Peer> parse_peer(std::string_view text) {
    for (std::size_t i = 1; i < kPeerCount; ++i) {
        auto p = static_cast<Peer>(i);
        if (text == peer_name(p)) {
            return p;
        }
    }
    return std::nullopt;
}

bool takes_peer(Actor actor) {
    return actor == Actor::Response || actor == Actor::ServerInitiative || actor == Actor::Fault;
}

std::string qualified_actor_name(Actor actor, Peer peer) {
    if (peer == Peer::Any) {
        return actor_name(actor);
    }
    return fmt::format("{}({})", actor_name(actor), peer_name(peer));
}

std::optional<std::pair<Actor, Peer>> parse_qualified_actor(std::string_view text) {
    Peer peer = Peer::Any;
    if (auto open = text.find('('); open != std::string_view::npos) {
        if (text.back() != ')') {
            return std::nullopt;
        }
        auto p = parse_peer(text.substr(open + 1, text.size() - open - 2));
        if (!p) {
            return std::nullopt;
        }
        peer = *p;
        text = text.substr(0, open);
    }
    auto actor = parse_actor(text);
    if (!actor || (peer != Peer::Any && !takes_peer(*actor))) {
        return std::nullopt;
    }
    return std::make_pair(*actor, peer);
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
        for (std::size_t p = 0; p < kPeerCount; ++p) {
            auto peer = static_cast<Peer>(p);
            if (contains(a, peer) && (peer == Peer::Any || !contains(a))) {
                if (out.size() > 1) {
                    out += ", ";
                }
                out += qualified_actor_name(a, peer);
            }
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

namespace {

ExprPtr binary_node(Op op, ExprPtr lhs, ExprPtr rhs) {
    auto e = std::make_shared<Expr>();
    e->op = op;
    e->type = Type::boolean();
    e->range = lhs->range;
    e->depth = std::max(lhs->depth, rhs->depth) + 1;
    e->lhs = std::move(lhs);
    e->rhs = std::move(rhs);
    return e;
}

}  // namespace

ExprPtr Model::goal() const {
    ExprPtr in_state;
    for (StateId s : goal_states()) {
        auto at = std::make_shared<Expr>();
        at->op = Op::AtState;
        at->type = Type::boolean();
        at->index = static_cast<std::uint32_t>(s.index());
        at->name = state(s).name;
        at->range = state(s).range;
        in_state = in_state ? binary_node(Op::Or, in_state, at) : ExprPtr{at};
    }
    ExprPtr condition = goal_condition ? goal_condition->expr : nullptr;
    if (in_state && condition) {
        return binary_node(Op::And, in_state, condition);
    }
    if (in_state || condition) {
        return in_state ? in_state : condition;
    }
    auto none = std::make_shared<Expr>();  // no goal at all (the loader rejects such a model: E033)
    none->op = Op::BoolLit;
    none->type = Type::boolean();
    return none;
}

std::string Model::goal_text() const {
    if (!goal_condition || !goal_condition->expr) {
        return "a goal state";
    }
    return fmt::format("the goal ({})", format_expr(*goal()));
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
        if (type.enum_id < enums.size() && enums[type.enum_id].named) {
            return enums[type.enum_id].name;
        }
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
