// SPDX-License-Identifier: Apache-2.0
#include "encoder.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace lwm2mc::checker::detail {

using namespace model;

Encoder::Encoder(z3::context& ctx, const Model& model) : ctx_{ctx}, model_{model}, params_{ctx}, vars_{ctx} {
    for (const auto& p : model.parameters) {
        params_.push_back(leaf(p.type, fmt::format("p!{}", p.name).c_str()));
    }
    for (const auto& v : model.variables) {
        vars_.push_back(leaf(v.type, fmt::format("v!{}", v.name).c_str()));
    }
}

z3::expr Encoder::leaf(const Type& type, const char* name) {
    return type.kind == TypeKind::Bool ? ctx_.bool_const(name) : ctx_.int_const(name);
}

z3::expr_vector Encoder::fresh_vars(const char* suffix) {
    z3::expr_vector out(ctx_);
    for (const auto& v : model_.variables) {
        out.push_back(leaf(v.type, fmt::format("v!{}!{}", v.name, suffix).c_str()));
    }
    return out;
}

z3::expr Encoder::domain(const z3::expr& x, const Type& type) {
    if (type.kind == TypeKind::Bool) {
        return ctx_.bool_val(true);
    }
    return x >= ctx_.int_val(static_cast<int64_t>(type.lo)) && x <= ctx_.int_val(static_cast<int64_t>(type.hi));
}

z3::expr Encoder::param_domains() {
    z3::expr all = ctx_.bool_val(true);
    for (std::size_t i = 0; i < model_.parameters.size(); ++i) {
        all = all && domain(params_[static_cast<int>(i)], model_.parameters[i].type);
    }
    return all;
}

z3::expr Encoder::var_domains(const z3::expr_vector& vars) {
    z3::expr all = ctx_.bool_val(true);
    for (std::size_t i = 0; i < model_.variables.size(); ++i) {
        all = all && domain(vars[static_cast<int>(i)], model_.variables[i].type);
    }
    return all;
}

z3::expr Encoder::configurations() {
    z3::expr all = param_domains();
    for (const auto& c : model_.constraints) {
        all = all && encode(*c.expr, vars_, model_.initial_state());
    }
    return all;
}

z3::expr Encoder::initial(const z3::expr_vector& vars) {
    z3::expr all = ctx_.bool_val(true);
    for (std::size_t i = 0; i < model_.variables.size(); ++i) {
        const auto& v = model_.variables[i];
        z3::expr value = v.initial ? encode(*v.initial, vars, model_.initial_state())
                                   : (v.type.kind == TypeKind::Bool ? ctx_.bool_val(false) : ctx_.int_val(0));
        all = all && vars[static_cast<int>(i)] == value;
    }
    return all;
}

std::vector<z3::expr> Encoder::updated(const Transition& t, const z3::expr_vector& vars) {
    std::vector<z3::expr> next;
    for (int i = 0; i < static_cast<int>(vars.size()); ++i) {
        next.push_back(vars[i]);
    }
    for (const Update& u : t.updates) {  // resets first
        if (u.kind == UpdateKind::Assign) {
            continue;
        }
        for (std::size_t i = 0; i < model_.variables.size(); ++i) {
            const auto& v = model_.variables[i];
            if (u.kind == UpdateKind::ResetAll || !v.persistent) {
                next[i] = v.initial ? encode(*v.initial, vars, t.source)
                                    : (v.type.kind == TypeKind::Bool ? ctx_.bool_val(false) : ctx_.int_val(0));
            }
        }
    }
    for (const Update& u : t.updates) {  // then assignments, evaluated in the pre-state
        if (u.kind == UpdateKind::Assign) {
            next[u.var.index()] = encode(*u.value, vars, t.source);
        }
    }
    return next;
}

z3::expr Encoder::encode_or(const ExprPtr& e, const z3::expr_vector& vars, StateId state, bool absent) {
    return e ? encode(*e, vars, state) : ctx_.bool_val(absent);
}

z3::expr Encoder::encode(const Expr& e, const z3::expr_vector& vars, StateId state) {
    switch (e.op) {
    case Op::BoolLit:
        return ctx_.bool_val(e.value != 0);
    case Op::IntLit:
    case Op::Const:
        if (e.type.kind == TypeKind::Bool) {
            return ctx_.bool_val(e.value != 0);
        }
        return ctx_.int_val(static_cast<int64_t>(e.value));
    case Op::EnumLit:
        return ctx_.int_val(static_cast<int64_t>(e.value));
    case Op::Param:
        return params_[static_cast<int>(e.index)];
    case Op::Var:
        return vars[static_cast<int>(e.index)];
    case Op::AtState:
        return ctx_.bool_val(e.index == state.value);
    case Op::Name:
        throw std::logic_error("lwm2mc::checker: unresolved name in a validated model");
    case Op::Not:
        return !encode(*e.lhs, vars, state);
    case Op::Neg:
        return -encode(*e.lhs, vars, state);
    case Op::Cond:
        return z3::ite(encode(*e.lhs, vars, state), encode(*e.rhs, vars, state), encode(*e.third, vars, state));
    default:
        break;
    }
    z3::expr a = encode(*e.lhs, vars, state);
    z3::expr b = encode(*e.rhs, vars, state);
    switch (e.op) {
    case Op::And:
        return a && b;
    case Op::Or:
        return a || b;
    case Op::Implies:
        return z3::implies(a, b);
    case Op::Eq:
        return a == b;
    case Op::Ne:
        return a != b;
    case Op::Lt:
        return a < b;
    case Op::Le:
        return a <= b;
    case Op::Gt:
        return a > b;
    case Op::Ge:
        return a >= b;
    case Op::Add:
        return a + b;
    case Op::Sub:
        return a - b;
    case Op::Mul:
        return a * b;
    default:
        break;
    }
    throw std::logic_error("lwm2mc::checker: unknown operator");
}

}  // namespace lwm2mc::checker::detail
