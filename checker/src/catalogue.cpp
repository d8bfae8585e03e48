// SPDX-License-Identifier: Apache-2.0
#include "catalogue.hpp"

#include "lwm2mc/model/printer.hpp"

#include <fmt/format.h>

namespace lwm2mc::checker::catalogue {

using namespace model;

namespace {

Finding about(Finding f, std::vector<StateId> states, std::vector<TransitionId> transitions = {}) {
    f.states = std::move(states);
    f.transitions = std::move(transitions);
    return f;
}

}  // namespace

Finding unreachable_state(const State& state, bool in_every) {
    return about(make_finding("unreachable-state:" + state.name, FindingKind::UnreachableState,
                              in_every ? Severity::Warning : Severity::Note, state.name, state.range,
                              fmt::format("state '{}' is unreachable in {}", state.name,
                                          in_every ? "every configuration" : "some configurations")),
                 {state.id});
}

std::string region_state_name(const Model& m, std::uint32_t region, std::int64_t state) {
    const Region& r = m.regions[region];
    return fmt::format("{}={}", r.name, r.states[static_cast<std::size_t>(state)].name);
}

namespace {

Finding about_region_state(Finding f, std::uint32_t region, std::int64_t state) {
    f.region_state = RegionStateRef{region, state};
    return f;
}

}  // namespace

Finding unreachable_region_state(const Model& m, std::uint32_t region, std::int64_t state, bool in_every) {
    const Region& r = m.regions[region];
    const RegionState& s = r.states[static_cast<std::size_t>(state)];
    const std::string name = region_state_name(m, region, state);
    return about_region_state(make_finding("unreachable-state:" + name, FindingKind::UnreachableState,
                                           in_every ? Severity::Warning : Severity::Note, name, s.range,
                                           fmt::format("region state '{}' of '{}' is unreachable in {}", s.name, r.name,
                                                       in_every ? "every configuration" : "some configurations")),
                              region, state);
}

Finding dead_region_state(const Model& m, std::uint32_t region, std::int64_t state) {
    const Region& r = m.regions[region];
    const RegionState& s = r.states[static_cast<std::size_t>(state)];
    const std::string name = region_state_name(m, region, state);
    return about_region_state(make_finding("dead-region-state:" + name, FindingKind::DeadRegionState, Severity::Warning,
                                           name, s.range,
                                           fmt::format("region state '{}' of '{}' has no way out: no step leaves it "
                                                       "and it is not a goal",
                                                       s.name, r.name)),
                              region, state);
}

bool region_state_is_dead(const Model& m, std::uint32_t region, std::int64_t state) {
    const Region& r = m.regions[region];
    if (r.states[static_cast<std::size_t>(state)].goal) {
        return false;
    }
    const bool persistent = m.variables[r.var.index()].persistent;
    for (std::size_t i = 0; i < m.transition_count(); ++i) {
        const Transition& t = m.transition(TransitionId{i});
        if (t.region_move && t.region_move->region == region) {
            if (t.region_move->from == state && t.region_move->to != state) {
                return false;
            }
            continue;
        }
        for (const Update& u : t.updates) {
            const bool assigns = u.kind == UpdateKind::Assign && u.var == r.var;
            const bool resets = u.kind == UpdateKind::ResetAll || (u.kind == UpdateKind::ResetVolatile && !persistent);
            if (assigns || resets) {
                return false;
            }
        }
    }
    return true;
}

Finding deadlock(const State& state) {
    return about(make_finding("deadlock:" + state.name, FindingKind::Deadlock, Severity::Error, state.name, state.range,
                              fmt::format("state '{}' can deadlock: no transition is enabled", state.name)),
                 {state.id});
}

Finding ambiguity(const Model& m, const Transition& first, const Transition& second, const State& state) {
    return about(
        make_finding(fmt::format("ambiguity:{}|{}", first.name, second.name), FindingKind::Ambiguity, Severity::Warning,
                     fmt::format("{} / {}", first.name, second.name), second.range,
                     fmt::format("'{}' and '{}' both leave '{}' on '{}' and can be enabled together; mark them "
                                 "'by choice' if the spec leaves the choice to the client",
                                 first.name, second.name, state.name, m.events[first.event.index()].name)),
        {state.id}, {first.id, second.id});
}

Finding no_recovery(const State& state, ActorSet reliance, std::string_view goal) {
    return about(make_finding("no-recovery:" + state.name, FindingKind::NoRecovery, Severity::Error, state.name,
                              state.range,
                              fmt::format("no recovery from state '{}': no path relying on {} leads back to {}",
                                          state.name, reliance.to_string(), goal)),
                 {state.id});
}

Finding needs_intervention(const State& state, ActorSet reliance, std::string_view goal) {
    ActorSet alone = *without_operator(reliance);
    return about(make_finding("needs-intervention:" + state.name, FindingKind::NeedsIntervention, Severity::Warning,
                              state.name, state.range,
                              fmt::format("from state '{}' only an operator step (power cycle, Reboot, Factory Reset) "
                                          "leads back to {}: no path relying on {} alone does",
                                          state.name, goal, alone.to_string())),
                 {state.id});
}

std::optional<ActorSet> without_operator(ActorSet reliance) {
    if (!reliance.contains(Actor::Operator)) {
        return std::nullopt;
    }
    ActorSet out = reliance;
    out.erase(Actor::Operator);
    return out;
}

FindingKind property_kind(const Property& p) {
    switch (p.kind) {
    case PropertyKind::Invariant:
        return FindingKind::Invariant;
    case PropertyKind::Reachable:
        return FindingKind::Reachable;
    case PropertyKind::Recover:
        return FindingKind::Recover;
    case PropertyKind::Within:
        return FindingKind::Within;
    }
    return FindingKind::Invariant;
}

Finding property_fails(const Property& p, std::string_view goal) {
    FindingKind kind = property_kind(p);
    std::string id = std::string(finding_code(kind)) + ":" + p.name;
    std::string target = p.to ? format_expr(*p.to) : std::string(goal);
    std::string message;
    switch (p.kind) {
    case PropertyKind::Invariant:
        message = p.event_pattern.empty() ? fmt::format("invariant '{}' is violated", p.name)
                                          : fmt::format("event property '{}' is violated: {}", p.name, p.event_pattern);
        break;
    case PropertyKind::Reachable:
        message = fmt::format("'{}' is never reached", format_expr(*p.expr));
        break;
    case PropertyKind::Recover:
        message = fmt::format("recover property '{}' fails: no path relying on {} reaches {}", p.name,
                              p.reliance.to_string(), target);
        break;
    case PropertyKind::Within:
        message = fmt::format("within property '{}' fails: {} is not reached within {} s", p.name, target,
                              p.expr->op == Op::Const ? fmt::format("{} ({})", p.expr->name, p.expr->value)
                                                      : format_expr(*p.expr));
        break;
    }
    return make_finding(std::move(id), kind, Severity::Error, p.name, p.range, std::move(message));
}

Finding negative_duration(const Transition& t) {
    return about(make_finding("evaluation-error:duration:" + t.name, FindingKind::EvaluationError, Severity::Error,
                              t.name, t.duration ? t.duration->range : t.range,
                              fmt::format("transition '{}' can take a negative duration", t.name)),
                 {}, {t.id});
}

Finding update_error(const Transition& t) {
    return about(make_finding("evaluation-error:update:" + t.name, FindingKind::EvaluationError, Severity::Error,
                              t.name, t.range,
                              fmt::format("transition '{}' can assign a value outside a variable's range", t.name)),
                 {}, {t.id});
}

Finding initial_out_of_range(const Model& m) {
    return make_finding("evaluation-error:initial", FindingKind::EvaluationError, Severity::Error, "initial values",
                        m.state(m.initial_state()).range, "an initial value is outside its variable's range");
}

Finding evaluation_error(const SourceRange& range, const std::string& what) {
    return make_finding(fmt::format("evaluation-error:{}", range.to_string()), FindingKind::EvaluationError,
                        Severity::Error, "expression", range, what);
}

}  // namespace lwm2mc::checker::catalogue
