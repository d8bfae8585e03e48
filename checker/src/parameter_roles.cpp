// SPDX-License-Identifier: Apache-2.0
#include "parameter_roles.hpp"

#include "lwm2mc/model/interpreter.hpp"

#include <algorithm>

namespace lwm2mc::checker {

using namespace model;

namespace {

/// Marks the parameters in the conditions of `?:` inside `expr`: a duration or time bound is
/// piecewise in them, not linear, so they are enumerated rather than solved for.
void mark_condition_parameters(const ExprPtr& expr, std::vector<bool>& used) {
    if (!expr) {
        return;
    }
    if (expr->op == Op::Cond) {
        mark_parameters(expr->lhs, used);
    }
    mark_condition_parameters(expr->lhs, used);
    mark_condition_parameters(expr->rhs, used);
    mark_condition_parameters(expr->third, used);
}

}  // namespace

ParamRoles classify_parameters(const Model& m, const CheckOptions& options) {
    std::size_t n = m.parameters.size();
    std::vector<bool> structural(n, false), timed(n, false);
    for (const auto& c : m.constraints) {
        mark_parameters(c.expr, structural);
    }
    for (const auto& v : m.variables) {
        mark_parameters(v.initial, structural);
    }
    for (std::size_t i = 0; i < m.transition_count(); ++i) {
        const Transition& t = m.transition(TransitionId{i});
        mark_parameters(t.guard, structural);
        for (const auto& u : t.updates) {
            mark_parameters(u.value, structural);
        }
        mark_parameters(t.duration, timed);
        mark_condition_parameters(t.duration, structural);
    }
    for (const auto& p : m.properties) {
        if (p.kind == PropertyKind::Within) {
            mark_parameters(p.expr, timed);
            mark_condition_parameters(p.expr, structural);
        } else {
            mark_parameters(p.expr, structural);
        }
        mark_parameters(p.from, structural);
        mark_parameters(p.to, structural);
    }
    ParamRoles roles{std::vector<bool>(n, false), std::vector<bool>(n, false)};
    for (std::size_t i = 0; i < n; ++i) {
        bool fixed = i < options.fixed.size() && options.fixed[i].has_value();
        if (fixed) {
            continue;
        }
        if (structural[i] || (timed[i] && m.parameters[i].type.kind != TypeKind::Int)) {
            roles.structural[i] = true;
        } else if (timed[i]) {
            roles.timing[i] = true;
        }
    }
    // costs are linear in one timing parameter; with several, enumerate them all instead
    if (std::count(roles.timing.begin(), roles.timing.end(), true) > 1) {
        for (std::size_t i = 0; i < n; ++i) {
            if (roles.timing[i]) {
                roles.timing[i] = false;
                roles.structural[i] = true;
            }
        }
    }
    return roles;
}

}  // namespace lwm2mc::checker
