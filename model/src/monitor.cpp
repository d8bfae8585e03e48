// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/model/monitor.hpp"

#include "lwm2mc/model/printer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

namespace lwm2mc::model {

namespace {

bool contains(const std::vector<EventId>& set, EventId event) {
    return std::find(set.begin(), set.end(), event) != set.end();
}

std::string event_set_text(const Model& m, const std::vector<EventId>& set) {
    if (set.size() == 1) {
        return m.events[set.front().index()].name;
    }
    std::string out = "{";
    for (std::size_t i = 0; i < set.size(); ++i) {
        out += (i ? ", " : "") + m.events[set[i].index()].name;
    }
    return out + "}";
}

/// Builds the typed expression nodes of a monitor; every node carries the property's range, so
/// that an evaluation error in a monitor update points at the property.
class Builder {
public:
    explicit Builder(SourceRange range) : range_{range} {}

    ExprPtr boolean(bool value) const { return leaf(Op::BoolLit, Type::boolean(), value ? 1 : 0); }
    ExprPtr integer(std::int64_t value) const { return leaf(Op::IntLit, Type::integer(value, value), value); }
    ExprPtr var(const Model& m, VarId id) const {
        auto e = std::make_shared<Expr>();
        e->op = Op::Var;
        e->index = static_cast<std::uint32_t>(id.index());
        e->name = m.variables[id.index()].name;
        e->type = m.variables[id.index()].type;
        e->range = range_;
        return e;
    }
    ExprPtr unary(Op op, ExprPtr a, Type type) const { return node(op, type, std::move(a), nullptr, nullptr); }
    ExprPtr binary(Op op, ExprPtr a, ExprPtr b) const {
        Type type = (op == Op::Add || op == Op::Sub) ? Type::integer() : Type::boolean();
        return node(op, type, std::move(a), std::move(b), nullptr);
    }
    ExprPtr cond(ExprPtr c, ExprPtr a, ExprPtr b) const {
        Type type = a->type;
        if (type.kind == TypeKind::Int) {
            type = Type::integer(std::min(a->type.lo, b->type.lo), std::max(a->type.hi, b->type.hi));
        }
        return node(Op::Cond, type, std::move(c), std::move(a), std::move(b));
    }

private:
    ExprPtr leaf(Op op, Type type, std::int64_t value) const {
        auto e = std::make_shared<Expr>();
        e->op = op;
        e->type = type;
        e->value = value;
        e->range = range_;
        return e;
    }
    ExprPtr node(Op op, Type type, ExprPtr a, ExprPtr b, ExprPtr c) const {
        auto e = std::make_shared<Expr>();
        e->op = op;
        e->type = type;
        e->range = range_;
        std::uint32_t depth = 0;
        for (const ExprPtr* child : {&a, &b, &c}) {
            if (*child) {
                depth = std::max(depth, (*child)->depth);
            }
        }
        e->depth = depth + 1;
        e->lhs = std::move(a);
        e->rhs = std::move(b);
        e->third = std::move(c);
        return e;
    }

    SourceRange range_;
};

/// Writes one event property's monitor into `out` (the copy being instrumented).
class Monitor {
public:
    Monitor(Model& out, const EventProperty& p) : m_{out}, p_{p}, b_{p.range} {}

    void install() {
        bad_ = add_ghost("bad", Type::boolean(), b_.boolean(false));
        switch (p_.kind) {
        case EventPropertyKind::NextIs:
            aux_ = add_ghost("armed", Type::boolean(), b_.boolean(false));
            break;
        case EventPropertyKind::NeverBefore:
            aux_ = add_ghost("seen", Type::boolean(), b_.boolean(false));
            break;
        case EventPropertyKind::Respond:
            aux_ = add_ghost("clock", Type::integer(-1, p_.bound), b_.integer(-1));
            break;
        }
        for (std::size_t i = 0; i < m_.transition_count(); ++i) {
            Transition& t = m_.graph[m_.edge(TransitionId{i})];
            switch (p_.kind) {
            case EventPropertyKind::NextIs:
                next_is(t);
                break;
            case EventPropertyKind::NeverBefore:
                never_before(t);
                break;
            case EventPropertyKind::Respond:
                respond(t);
                break;
            }
            keep_through_resets(t);
        }
        Property inv;
        inv.name = p_.name;
        inv.kind = PropertyKind::Invariant;
        inv.expr = b_.unary(Op::Not, b_.var(m_, bad_), Type::boolean());
        inv.event_pattern = format_event_property(m_, p_);
        inv.doc = p_.doc;
        inv.ref = p_.ref;
        inv.range = p_.range;
        m_.properties.push_back(std::move(inv));
    }

private:
    VarId add_ghost(const char* role, Type type, ExprPtr initial) {
        Variable v;
        v.name = fmt::format("_{}_{}", p_.name, role);
        v.type = type;
        v.initial = std::move(initial);
        v.persistent = true;
        v.ghost = true;
        v.range = p_.range;
        m_.variables.push_back(std::move(v));
        return VarId{m_.variables.size() - 1};
    }

    void assign(Transition& t, VarId var, ExprPtr value) {
        t.updates.push_back(Update{UpdateKind::Assign, var, std::move(value), p_.range});
    }

    /// bad := bad || violation  (violations are evaluated in the pre-state, like every update)
    void flag(Transition& t, ExprPtr violation) { assign(t, bad_, b_.binary(Op::Or, b_.var(m_, bad_), violation)); }

    // after E next S is F: `armed` says an E-transition happened and no S-transition since
    void next_is(Transition& t) {
        const bool in_e = contains(p_.trigger, t.event);
        const bool in_s = contains(p_.scope, t.event);
        if (in_s && !contains(p_.allowed, t.event)) {
            flag(t, b_.var(m_, aux_));
        }
        if (in_s) {
            assign(t, aux_, b_.boolean(in_e));  // the obligation is discharged; this one may re-arm
        } else if (in_e) {
            assign(t, aux_, b_.boolean(true));
        }
    }

    // never E before F: `seen` says an F-transition happened
    void never_before(Transition& t) {
        if (contains(p_.scope, t.event)) {
            assign(t, aux_, b_.boolean(true));
        } else if (contains(p_.trigger, t.event)) {
            flag(t, b_.unary(Op::Not, b_.var(m_, aux_), Type::boolean()));
        }
    }

    // after E respond F within T: `clock` is -1 when nothing is pending, otherwise the seconds
    // since the oldest E-transition not yet answered by an F-transition (kept <= T: beyond it the
    // property is violated already)
    void respond(Transition& t) {
        const bool in_e = contains(p_.trigger, t.event);
        const bool in_f = contains(p_.scope, t.event);
        const ExprPtr pending = b_.binary(Op::Ge, b_.var(m_, aux_), b_.integer(0));
        ExprPtr elapsed{};  // clock + duration, when the transition takes time
        if (t.duration) {
            elapsed = b_.binary(Op::Add, b_.var(m_, aux_), t.duration);
            flag(t, b_.binary(Op::And, pending, b_.binary(Op::Gt, elapsed, b_.integer(p_.bound))));
        }
        if (in_f) {
            assign(t, aux_, b_.integer(in_e ? 0 : -1));
            return;
        }
        if (!elapsed && !in_e) {
            return;
        }
        ExprPtr advanced =
            elapsed ? b_.cond(b_.binary(Op::Gt, elapsed, b_.integer(p_.bound)), b_.integer(p_.bound), elapsed)
                    : b_.var(m_, aux_);
        assign(t, aux_, b_.cond(pending, advanced, in_e ? b_.integer(0) : b_.var(m_, aux_)));
    }

    /// `reset all` would put the monitor back to its initial values: assign it its own value.
    void keep_through_resets(Transition& t) {
        const bool resets = std::any_of(t.updates.begin(), t.updates.end(),
                                        [](const Update& u) { return u.kind == UpdateKind::ResetAll; });
        if (!resets) {
            return;
        }
        for (VarId v : {bad_, aux_}) {
            const bool assigned = std::any_of(t.updates.begin(), t.updates.end(), [v](const Update& u) {
                return u.kind == UpdateKind::Assign && u.var == v;
            });
            if (!assigned) {
                assign(t, v, b_.var(m_, v));
            }
        }
    }

    Model& m_;
    const EventProperty& p_;
    Builder b_;
    VarId bad_{};
    VarId aux_{};
};

}  // namespace

std::string format_event_property(const Model& m, const EventProperty& p) {
    switch (p.kind) {
    case EventPropertyKind::NextIs:
        return fmt::format("after {} next {} is {}", event_set_text(m, p.trigger), event_set_text(m, p.scope),
                           event_set_text(m, p.allowed));
    case EventPropertyKind::NeverBefore:
        return fmt::format("never {} before {}", event_set_text(m, p.trigger), event_set_text(m, p.scope));
    case EventPropertyKind::Respond:
        return fmt::format("after {} respond {} within {}", event_set_text(m, p.trigger), event_set_text(m, p.scope),
                           p.bound_expr ? format_expr(*p.bound_expr) : std::to_string(p.bound));
    }
    return "";
}

Model instrument_event_properties(const Model& model) {
    Model out = model;
    out.event_properties.clear();
    for (const EventProperty& p : model.event_properties) {
        Monitor{out, p}.install();
    }
    return out;
}

}  // namespace lwm2mc::model
