// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/model/interpreter.hpp"

#include <fmt/format.h>

#include <charconv>
#include <limits>

namespace lwm2mc::model {

std::size_t ProductStateHash::operator()(const ProductState& s) const noexcept {
    std::size_t h = std::hash<std::uint32_t>{}(s.state.value);
    for (Value v : s.vars) {
        h ^= std::hash<Value>{}(v) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    }
    return h;
}

Interpreter::Interpreter(const Model& model) : model_{model} {}

namespace {

// Intermediate results are computed in 128 bits: with expression trees at most 128 deep and
// leaves within int64, sums and differences of declared values cannot wrap silently; only
// results that do not fit int64 where a value is needed raise EvalError.
__extension__ typedef __int128 Wide;

Wide eval_wide(const Expr& e, const Configuration& config, std::span<const Value> vars, std::optional<StateId> state) {
    switch (e.op) {
    case Op::BoolLit:
    case Op::IntLit:
    case Op::Const:
    case Op::EnumLit:
        return e.value;
    case Op::Param:
        if (e.index >= config.values.size()) {
            throw EvalError(fmt::format("parameter '{}' has no value", e.name), e.range);
        }
        return config.values[e.index];
    case Op::Var:
        if (e.index >= vars.size()) {
            throw EvalError(fmt::format("variable '{}' has no value here", e.name), e.range);
        }
        return vars[e.index];
    case Op::AtState:
        if (!state) {
            throw EvalError(fmt::format("'at({})' needs a current state", e.name), e.range);
        }
        return state->value == e.index ? 1 : 0;
    case Op::Name:
        throw EvalError(fmt::format("unresolved name '{}'", e.name), e.range);
    case Op::Not:
        return eval_wide(*e.lhs, config, vars, state) == 0 ? 1 : 0;
    case Op::Neg:
        return -eval_wide(*e.lhs, config, vars, state);
    case Op::And:
        return eval_wide(*e.lhs, config, vars, state) != 0 && eval_wide(*e.rhs, config, vars, state) != 0;
    case Op::Or:
        return eval_wide(*e.lhs, config, vars, state) != 0 || eval_wide(*e.rhs, config, vars, state) != 0;
    case Op::Implies:
        return eval_wide(*e.lhs, config, vars, state) == 0 || eval_wide(*e.rhs, config, vars, state) != 0;
    case Op::Cond:
        return eval_wide(*e.lhs, config, vars, state) != 0 ? eval_wide(*e.rhs, config, vars, state)
                                                           : eval_wide(*e.third, config, vars, state);
    default:
        break;
    }
    Wide a = eval_wide(*e.lhs, config, vars, state);
    Wide b = eval_wide(*e.rhs, config, vars, state);
    Wide r = 0;
    switch (e.op) {
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
        if (__builtin_add_overflow(a, b, &r)) {
            throw EvalError("integer overflow", e.range);
        }
        return r;
    case Op::Sub:
        if (__builtin_sub_overflow(a, b, &r)) {
            throw EvalError("integer overflow", e.range);
        }
        return r;
    case Op::Mul:
        if (__builtin_mul_overflow(a, b, &r)) {
            throw EvalError("integer overflow", e.range);
        }
        return r;
    default:
        break;
    }
    throw EvalError("unknown operator", e.range);
}

}  // namespace

Value evaluate_expression(const Expr& e, const Configuration& config, std::span<const Value> vars,
                          std::optional<StateId> state) {
    Wide v = eval_wide(e, config, vars, state);
    if (v < std::numeric_limits<Value>::min() || v > std::numeric_limits<Value>::max()) {
        throw EvalError("integer overflow: the value does not fit in 64 bits", e.range);
    }
    return static_cast<Value>(v);
}

Value Interpreter::evaluate(const Expr& e, const Configuration& config, std::span<const Value> vars,
                            std::optional<StateId> state) const {
    return evaluate_expression(e, config, vars, state);
}

bool Interpreter::holds(const ExprPtr& expr, const Configuration& config, const ProductState& at) const {
    return !expr || evaluate(*expr, config, at.vars, at.state) != 0;
}

bool Interpreter::satisfies_constraints(const Configuration& config) const {
    for (const auto& c : model_.constraints) {
        if (c.expr && evaluate(*c.expr, config) == 0) {
            return false;
        }
    }
    return true;
}

std::vector<std::string> Interpreter::violated_constraints(const Configuration& config) const {
    std::vector<std::string> out;
    for (const auto& c : model_.constraints) {
        if (c.expr && evaluate(*c.expr, config) == 0) {
            out.push_back(c.name);
        }
    }
    return out;
}

ProductState Interpreter::initial_state(const Configuration& config) const {
    ProductState s;
    s.state = model_.initial_state();
    s.vars.reserve(model_.variables.size());
    for (const auto& v : model_.variables) {
        Value value = v.initial ? evaluate(*v.initial, config) : 0;
        if (!v.type.contains(value)) {
            throw EvalError(fmt::format("initial value {} of '{}' is outside its range {}", value, v.name,
                                        model_.format_type(v.type)),
                            v.initial ? v.initial->range : v.range);
        }
        s.vars.push_back(value);
    }
    return s;
}

bool Interpreter::enabled(TransitionId t, const ProductState& at, const Configuration& config) const {
    const Transition& tr = model_.transition(t);
    return tr.source == at.state && (!tr.guard || evaluate(*tr.guard, config, at.vars, at.state) != 0);
}

std::vector<TransitionId> Interpreter::enabled_transitions(const ProductState& at, const Configuration& config) const {
    std::vector<TransitionId> out;
    for (TransitionId t : model_.out_transitions(at.state)) {
        if (enabled(t, at, config)) {
            out.push_back(t);
        }
    }
    return out;
}

ProductState Interpreter::step(const ProductState& at, TransitionId t, const Configuration& config) const {
    const Transition& tr = model_.transition(t);
    ProductState next;
    next.state = tr.target;
    next.vars = at.vars;
    // resets first (initial values are evaluated under the configuration), then assignments
    for (const Update& u : tr.updates) {
        if (u.kind == UpdateKind::Assign) {
            continue;
        }
        for (std::size_t i = 0; i < model_.variables.size(); ++i) {
            const auto& v = model_.variables[i];
            if (u.kind == UpdateKind::ResetAll || !v.persistent) {
                next.vars[i] = v.initial ? evaluate(*v.initial, config) : 0;
            }
        }
    }
    for (const Update& u : tr.updates) {
        if (u.kind != UpdateKind::Assign) {
            continue;
        }
        Value value = evaluate(*u.value, config, at.vars, at.state);
        const auto& v = model_.variables[u.var.index()];
        if (!v.type.contains(value)) {
            throw EvalError(fmt::format("transition '{}' assigns {} to '{}', outside its range {}", tr.name, value,
                                        v.name, model_.format_type(v.type)),
                            u.range);
        }
        next.vars[u.var.index()] = value;
    }
    return next;
}

Value Interpreter::duration(TransitionId t, const ProductState& at, const Configuration& config) const {
    const Transition& tr = model_.transition(t);
    return tr.duration ? evaluate(*tr.duration, config, at.vars, at.state) : 0;
}

std::uint64_t Interpreter::valuation_count() const {
    std::uint64_t total = 1;
    for (const auto& p : model_.parameters) {
        auto size = static_cast<std::uint64_t>(p.type.hi) - static_cast<std::uint64_t>(p.type.lo) + 1;
        if (size == 0 || total > std::numeric_limits<std::uint64_t>::max() / size) {
            return std::numeric_limits<std::uint64_t>::max();
        }
        total *= size;
    }
    return total;
}

void Interpreter::for_each_valuation(const std::vector<bool>& vary, Configuration c,
                                     const std::function<bool(const Configuration&)>& visit) const {
    const auto& params = model_.parameters;
    for (std::size_t i = 0; i < params.size(); ++i) {
        if (i < vary.size() && vary[i]) {
            c.values[i] = params[i].type.lo;
        }
    }
    while (true) {
        if (!visit(c)) {
            return;
        }
        // odometer increment over the varying parameters, last parameter fastest
        bool advanced = false;
        for (std::size_t i = params.size(); i-- > 0;) {
            if (i >= vary.size() || !vary[i]) {
                continue;
            }
            if (c.values[i] < params[i].type.hi) {
                ++c.values[i];
                advanced = true;
                break;
            }
            c.values[i] = params[i].type.lo;
        }
        if (!advanced) {
            return;
        }
    }
}

void Interpreter::for_each_configuration(const std::function<bool(const Configuration&)>& visit) const {
    Configuration lows;
    for (const auto& p : model_.parameters) {
        lows.values.push_back(p.type.lo);
    }
    for_each_valuation(std::vector<bool>(model_.parameters.size(), true), std::move(lows),
                       [&](const Configuration& c) { return !satisfies_constraints(c) || visit(c); });
}

std::vector<std::optional<Value>> Interpreter::parse_assignment(std::string_view text, std::string& error) const {
    std::vector<std::optional<Value>> out(model_.parameters.size());
    while (!text.empty()) {
        auto comma = text.find(',');
        std::string_view item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        auto trim = [](std::string_view s) {
            while (!s.empty() && s.front() == ' ') {
                s.remove_prefix(1);
            }
            while (!s.empty() && s.back() == ' ') {
                s.remove_suffix(1);
            }
            return s;
        };
        item = trim(item);
        if (item.empty()) {
            continue;
        }
        auto eq = item.find('=');
        if (eq == std::string_view::npos) {
            error = fmt::format("expected name=value, got '{}'", item);
            return {};
        }
        std::string name(trim(item.substr(0, eq)));
        std::string value(trim(item.substr(eq + 1)));
        auto id = model_.find_parameter(name);
        if (!id) {
            error = fmt::format("unknown parameter '{}'", name);
            return {};
        }
        const Type& type = model_.parameters[id->index()].type;
        std::optional<Value> v;
        switch (type.kind) {
        case TypeKind::Bool:
            if (value == "true" || value == "1") {
                v = 1;
            } else if (value == "false" || value == "0") {
                v = 0;
            }
            break;
        case TypeKind::Int: {
            Value parsed = 0;
            auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
            if (ec == std::errc{} && ptr == value.data() + value.size() && type.contains(parsed)) {
                v = parsed;
            }
            break;
        }
        case TypeKind::Enum: {
            const auto& lits = model_.enums[type.enum_id].literals;
            for (std::size_t i = 0; i < lits.size(); ++i) {
                if (lits[i] == value) {
                    v = static_cast<Value>(i);
                }
            }
            break;
        }
        }
        if (!v) {
            error =
                fmt::format("invalid value '{}' for parameter '{}' of type {}", value, name, model_.format_type(type));
            return {};
        }
        out[id->index()] = v;
    }
    return out;
}

std::string Interpreter::format_configuration(const Configuration& config) const {
    std::string out;
    for (std::size_t i = 0; i < model_.parameters.size() && i < config.values.size(); ++i) {
        out += fmt::format("{}{}={}", i ? ", " : "", model_.parameters[i].name,
                           model_.format_value(model_.parameters[i].type, config.values[i]));
    }
    return out;
}

std::string Interpreter::format_vars(std::span<const Value> vars) const {
    std::string out;
    for (std::size_t i = 0; i < model_.variables.size() && i < vars.size(); ++i) {
        if (model_.variables[i].ghost) {
            continue;  // a monitor of an event property: not part of the model as written
        }
        out += fmt::format("{}{}={}", out.empty() ? "" : ", ", model_.variables[i].name,
                           model_.format_value(model_.variables[i].type, vars[i]));
    }
    return out;
}

}  // namespace lwm2mc::model
