// SPDX-License-Identifier: Apache-2.0
#pragma once

// Region metadata for tests of what consumes regions (diagrams, checker, reports) before the language has region
// syntax: a flat model spells a region as an enum variable changed by self-loops, as the region desugaring does
// (docs/semantics.md, Regions), and attach_region() fills Model::regions and Transition::region_move from it.

#include "lwm2mc/model/model.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace lwm2mc::test {

struct RegionSpec {
    std::string name{};     ///< instance name ("srv[1]"); the variable is renamed to it
    std::string machine{};  ///< declaration name ("srv")
    std::string var{};      ///< the flat model's enum variable ("srv_1")
    std::vector<std::string> goals{};
    /// Another instance's variable whose enumeration holds the states (literals belong to one enumeration in the
    /// flat language; instances of one declaration share their states): the variable's type is switched to it.
    std::string states_of{};
};

namespace detail {

/// The literal `e` tests `var` for (`var == L` or `L == var`), or -1.
inline std::int64_t tested_literal(const model::Expr& e, std::uint32_t var) {
    if (e.op != model::Op::Eq || !e.lhs || !e.rhs) {
        return -1;
    }
    if (e.lhs->op == model::Op::Var && e.lhs->index == var && e.rhs->op == model::Op::EnumLit) {
        return e.rhs->value;
    }
    if (e.rhs->op == model::Op::Var && e.rhs->index == var && e.lhs->op == model::Op::EnumLit) {
        return e.lhs->value;
    }
    return -1;
}

/// The literal a conjunct of `guard` tests `var` for, or -1.
inline std::int64_t source_literal(const model::ExprPtr& guard, std::uint32_t var) {
    if (!guard) {
        return -1;
    }
    if (guard->op == model::Op::And) {
        const std::int64_t l = source_literal(guard->lhs, var);
        return l >= 0 ? l : source_literal(guard->rhs, var);
    }
    return tested_literal(*guard, var);
}

}  // namespace detail

/// Makes `spec.var` a region of `m`: every self-loop whose guard tests `var == S` becomes a region move from S to the
/// literal it assigns (S when it assigns none). The initial region state is the variable's initial literal.
inline void attach_region(model::Model& m, const RegionSpec& spec) {
    const auto var = m.find_variable(spec.var);
    ASSERT_TRUE(var.has_value()) << spec.var;
    auto& variable = m.variables[var->index()];
    ASSERT_EQ(variable.type.kind, model::TypeKind::Enum) << spec.var;
    model::Region region;
    region.name = spec.name;
    region.machine = spec.machine;
    region.var = *var;
    if (!spec.states_of.empty()) {
        const auto other = m.find_variable(spec.states_of);
        ASSERT_TRUE(other.has_value()) << spec.states_of;
        variable.type.enum_id = m.variables[other->index()].type.enum_id;
    }
    region.enum_id = variable.type.enum_id;
    region.range = variable.range;
    const auto& literals = m.enums[region.enum_id];
    for (std::size_t i = 0; i < literals.literals.size(); ++i) {
        model::RegionState s;
        s.name = literals.literals[i];
        s.initial = variable.initial && variable.initial->op == model::Op::EnumLit &&
                    variable.initial->value == static_cast<std::int64_t>(i);
        s.goal = std::find(spec.goals.begin(), spec.goals.end(), s.name) != spec.goals.end();
        s.range = i < literals.literal_ranges.size() ? literals.literal_ranges[i] : variable.range;
        region.states.push_back(std::move(s));
    }
    const auto index = static_cast<std::uint32_t>(m.regions.size());
    m.regions.push_back(std::move(region));
    variable.name = spec.name;
    for (std::size_t i = 0; i < m.transition_count(); ++i) {
        auto& t = m.graph[m.edge(model::TransitionId{i})];
        const std::int64_t from = detail::source_literal(t.guard, static_cast<std::uint32_t>(var->index()));
        if (t.source != t.target || from < 0) {
            continue;
        }
        std::int64_t to = from;
        for (const auto& u : t.updates) {
            if (u.kind == model::UpdateKind::Assign && u.var == *var && u.value && u.value->op == model::Op::EnumLit) {
                to = u.value->value;
            }
        }
        t.region_move = model::RegionMove{index, from, to};
    }
    // One region row expands to a transition per main state it fires in, all with the row's index: the flat model
    // writes one row per main state, so its moves on one event between the same region states become one row.
    for (std::size_t i = 0; i < m.transition_count(); ++i) {
        auto& t = m.graph[m.edge(model::TransitionId{i})];
        for (std::size_t j = 0; j < i && t.region_move && t.region_move->region == index; ++j) {
            const auto& u = m.transition(model::TransitionId{j});
            if (u.region_move && u.region_move->region == index && u.region_move->from == t.region_move->from &&
                u.region_move->to == t.region_move->to && u.event == t.event && u.actor == t.actor) {
                t.row = u.row;
                break;
            }
        }
    }
}

}  // namespace lwm2mc::test

namespace lwm2mc::test {

/// The regions of tests/data/models/regions/two-servers.lwm2m: `conn`, and `srv[1]`, `srv[2]` of declaration `srv`.
inline void attach_two_servers(model::Model& m) {
    attach_region(m, {"conn", "conn", "conn", {"Up"}, {}});
    attach_region(m, {"srv[1]", "srv", "srv_1", {"Registered"}, {}});
    attach_region(m, {"srv[2]", "srv", "srv_2", {"Registered"}, "srv[1]"});
}

/// tests/data/models/regions/two-servers.lwm2m, loaded, with its regions attached.
inline model::Model load_two_servers() {
    auto m = load_file(std::string(LWM2MC_TEST_DATA_DIR) + "/models/regions/two-servers.lwm2m");
    attach_two_servers(m);
    return m;
}

}  // namespace lwm2mc::test
